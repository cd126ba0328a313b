"""四库五日滚动预警: the stage limits, numbered bulletins (第N期) and the Excel 预警通报 per unit.

A bulletin is a snapshot of the warnings on its date, written through warehouse.db.writer
like a load, so the next bulletin can say what is new, what was resolved and what persists
(view v_bulletin_changes). Days in a stage are counted to the bulletin's date, by default
the data date: the ledgers say nothing about the days after it.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import tomllib
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from base.actor import current_user
from base.reference import REFERENCE_DIR, load_reference

from . import build
from .db import Reader, db_path, writer
from .queries import run

log = logging.getLogger(__name__)

LEVELS = {"red": "红", "yellow": "黄"}
CHANGES = {"new": "新增", "persisting": "持续", "resolved": "已解除"}
# what "too long" means in each stage, for the limits written on pages and notices
WAITING_FOR = {
    "lead": "线索录入后未转入洽谈",
    "negotiating": "首次洽谈后未签约",
    "signed": "签约后未开工",
    "started": "开工后未投产",
}
NOTICE_COLUMNS = (
    ("序号", 6), ("较上期", 8), ("预警等级", 9), ("所处阶段", 9), ("项目名称", 44), ("产业链", 14),
    ("进入阶段日期", 13), ("停留天数", 10), ("上期天数", 10), ("责任单位", 24), ("包联领导", 16),
)
FILLS = {"red": PatternFill("solid", fgColor="F4B6B6"), "yellow": PatternFill("solid", fgColor="FBE7A1")}


@dataclass(frozen=True)
class Limits:
    """Days in a stage before a yellow and before a red warning; days between bulletins."""

    lead_yellow: int = 30
    lead_red: int = 60
    negotiating_yellow: int = 90
    negotiating_red: int = 180
    signed_yellow: int = 90
    signed_red: int = 180
    started_yellow: int = 365
    started_red: int = 730
    interval_days: int = 5

    def params(self) -> dict[str, int]:
        """The warning queries' parameters ($lead_yellow, …), in the macros' order."""
        return {k: v for k, v in asdict(self).items() if k != "interval_days"}

    def rules(self) -> list[tuple[str, str, int, int]]:
        """(stage, what it waits for, yellow days, red days) per stage."""
        return [(s, WAITING_FOR[s], getattr(self, f"{s}_yellow"), getattr(self, f"{s}_red")) for s in WAITING_FOR]

    def describe(self) -> str:
        return "；".join(f"{what}满 {y} 天黄色预警、满 {r} 天红色预警" for _, what, y, r in self.rules())


def limits(directory: Path = REFERENCE_DIR) -> Limits:
    """The limits of city.toml: [pipeline_warnings], and [warnings] for the signed stage,
    which 开工分析 uses too, so both pages warn about the same projects."""
    city = tomllib.loads((Path(directory) / "city.toml").read_text(encoding="utf-8"))
    stages = city.get("pipeline_warnings", {})
    signed = city.get("warnings", {})
    default = Limits()

    def days(table: dict, key: str, fallback: int) -> int:
        value = int(table.get(key, fallback))
        if value < 1:
            raise ValueError(f"city.toml：{key} 应为正整数天数，现为 {value}")
        return value

    return Limits(
        lead_yellow=days(stages, "lead_yellow_days", default.lead_yellow),
        lead_red=days(stages, "lead_red_days", default.lead_red),
        negotiating_yellow=days(stages, "negotiating_yellow_days", default.negotiating_yellow),
        negotiating_red=days(stages, "negotiating_red_days", default.negotiating_red),
        signed_yellow=days(signed, "signed_not_started_yellow_days", default.signed_yellow),
        signed_red=days(signed, "signed_not_started_red_days", default.signed_red),
        started_yellow=days(stages, "started_yellow_days", default.started_yellow),
        started_red=days(stages, "started_red_days", default.started_red),
        interval_days=days(stages, "bulletin_interval_days", default.interval_days),
    )


class BulletinError(ValueError):
    """A bulletin that cannot be issued: too soon after the last one, or dated before the data."""


@dataclass(frozen=True)
class Bulletin:
    number: int
    as_of: date
    red: int
    yellow: int
    new: int
    persisting: int
    resolved: int


def create_bulletin(
    db=None, as_of: date | None = None, by: str | None = None, rules: Limits | None = None
) -> Bulletin:
    """Snapshot the warnings on as_of (default: the data date) as the next numbered bulletin."""
    rules = rules or limits()
    with writer(db) as con:
        # the views of this code version, also in a warehouse written before they existed
        # (no load changed: nothing is derived again unless the derivation itself changed)
        build.refresh(con, [])
        data_date = con.execute("select as_of from v_as_of").fetchall()[0][0]
        if data_date is None:
            raise BulletinError("数据仓库中还没有项目，无法生成预警通报")
        as_of = as_of or data_date
        if as_of < data_date:
            raise BulletinError(
                f"通报日期 {as_of} 早于数据截至日期 {data_date}：项目所处阶段是截至 {data_date} 的状态，不能回溯"
            )
        last = next(iter(con.execute("select number, as_of from bulletins order by number desc limit 1").fetchall()), None)
        if last and as_of < last[1] + timedelta(days=rules.interval_days):
            earliest = last[1] + timedelta(days=rules.interval_days)
            raise BulletinError(
                f"距上一期（第{last[0]}期，截至 {last[1]}）不足 {rules.interval_days} 天；"
                f"下一期的通报日期最早为 {earliest}（数据更新后再生成，或用 --as-of 指定日期）"
            )
        number = last[0] + 1 if last else 1
        con.execute(
            "insert into bulletins values (?, ?, ?, ?, ?)",
            [number, as_of, datetime.now(), by or current_user(), json.dumps(asdict(rules))],
        )
        con.execute(
            """
            insert into bulletin_items
            select ?, project_key, project_name, stage, level, days, stage_since, unit_id, chain,
                responsible_unit, liaison_leader
            from pipeline_warnings_at(?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [number, as_of, *rules.params().values()],
        )
        counts = con.execute(
            """
            select
                count(*) filter (where level = 'red'),
                count(*) filter (where level = 'yellow'),
                count(*) filter (where change = 'new'),
                count(*) filter (where change = 'persisting'),
                count(*) filter (where change = 'resolved')
            from v_bulletin_changes
            where number = ?
            """,
            [number],
        ).fetchall()[0]
    return Bulletin(number, as_of, *counts)


def due(db=None, rules: Limits | None = None) -> date | None:
    """The date of the bulletin now due (the data date), or None: no data yet, or the last
    bulletin is fewer than `interval_days` days of data date old. Reads without the write lock."""
    rules = rules or limits()
    cur = Reader(db).cursor()
    data_date = cur.execute("select as_of from v_as_of").fetchall()[0][0]
    if data_date is None:
        return None
    last = cur.execute("select max(as_of) from bulletins").fetchall()[0][0]
    if last is not None and data_date < last + timedelta(days=rules.interval_days):
        return None
    return data_date


def issue_due(db=None, by: str = "系统（定时）") -> Bulletin | None:
    """Issue the bulletin that is due, once: several processes may call this at the same time;
    under the write lock create_bulletin checks again, and all but the first find it issued."""
    rules = limits()
    if due(db, rules) is None:
        return None
    try:
        bulletin = create_bulletin(db, by=by, rules=rules)
    except BulletinError as exc:  # another process issued it while this one waited for the lock
        log.info("bulletin not issued: %s", exc)
        return None
    log.info(
        "issued bulletin %d as of %s: red %d, yellow %d, new %d, persisting %d, resolved %d",
        bulletin.number, bulletin.as_of, bulletin.red, bulletin.yellow, bulletin.new,
        bulletin.persisting, bulletin.resolved,
    )
    return bulletin


# ---------------------------------------------------------------- 预警通报 (Excel)


def notice_xlsx(changes: pl.DataFrame, *, number: int, as_of: date, units: list[tuple[str, str]],
                rules: Limits, city: str) -> bytes:
    """The 预警通报 of bulletin `number`: one sheet per (unit_id, unit name) in `units`, each with
    the counts, the limits and every warning of that unit against the bulletin before.

    `changes` is the result of query pipeline_bulletin_changes for this bulletin.
    """
    wb = Workbook()
    wb.remove(wb.active)
    for unit_id, unit_name in units:
        rows = changes.filter(pl.col("unit_id") == unit_id)
        ws = wb.create_sheet(unit_name[:31])
        width = len(NOTICE_COLUMNS)
        title = f"{city}四库项目滚动预警通报（第{number}期）"
        level = rows.get_column("level")
        change = rows.get_column("change")
        lines = [
            f"{unit_name} · 截至 {as_of:%Y年%m月%d日}",
            f"红色预警 {(level == 'red').sum()} 个，黄色预警 {(level == 'yellow').sum()} 个；"
            + (
                f"较第{number - 1}期新增 {(change == 'new').sum()} 个、持续 {(change == 'persisting').sum()} 个、"
                f"已解除 {(change == 'resolved').sum()} 个。"
                if number > 1
                else "本期为第1期，没有上期通报可比较。"
            ),
            f"预警标准：{rules.describe()}。",
        ]
        for r, text in enumerate([title, *lines], 1):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            cell = ws.cell(row=r, column=1, value=text)
            cell.alignment = Alignment(horizontal="center" if r == 1 else "left", vertical="center", wrap_text=True)
            cell.font = Font(bold=True, size=16) if r == 1 else Font(size=11)
        ws.row_dimensions[1].height = 30
        ws.row_dimensions[4].height = 45
        header_row = len(lines) + 3
        for j, (label, col_width) in enumerate(NOTICE_COLUMNS, 1):
            cell = ws.cell(row=header_row, column=j, value=label)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(j)].width = col_width
        for i, row in enumerate(rows.iter_rows(named=True), 1):
            values = [
                # the first bulletin has no 较上期: its warnings are not "new" against anything
                i, CHANGES[row["change"]] if number > 1 else "首期",
                LEVELS[row["level"]] if row["level"] else f"原{LEVELS[row['previous_level']]}",
                row["stage_label"], row["project_name"],
                row["chain"], row["since"], row["days"], row["previous_days"], row["responsible_unit"],
                row["liaison_leader"],
            ]
            for j, value in enumerate(values, 1):
                cell = ws.cell(row=header_row + i, column=j, value=value)
                if isinstance(value, str):
                    # spreadsheet text stays text: never a formula, even when it starts with =
                    cell.data_type = "s"
                    cell.quotePrefix = value.startswith(("=", "+", "-", "@"))
                    cell.alignment = Alignment(wrap_text=True, vertical="center")
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
            if row["level"]:
                ws.cell(row=header_row + i, column=3).fill = FILLS[row["level"]]
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_notices(db, number: int, directory: Path, rules: Limits | None = None) -> list[Path]:
    """One 预警通报 file per unit with a warning in bulletin `number` (new, persisting or resolved)."""
    rules = rules or limits()
    cur = Reader(db).cursor()
    as_of = cur.execute("select as_of from bulletins where number = ?", [number]).fetchall()[0][0]
    changes = run(cur, "pipeline_bulletin_changes", number=number, units=[], chains=[])
    reference = load_reference()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit_id, unit_name in changes.select("unit_id", "unit_name").unique(maintain_order=True).rows():
        path = directory / f"预警通报_第{number}期_{unit_name}.xlsx"
        path.write_bytes(
            notice_xlsx(changes, number=number, as_of=as_of, units=[(unit_id, unit_name)], rules=rules,
                        city=reference.city_name)
        )
        paths.append(path)
    return paths


# ---------------------------------------------------------------- command line


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD，收到 {text!r}") from None


def add_parser(commands) -> None:
    """`python -m warehouse bulletin [--db] [--as-of DATE] [--excel DIR] [--json]`."""
    b = commands.add_parser("bulletin", help="生成下一期四库滚动预警通报（第N期），默认截至数据截至日期")
    b.add_argument("--db")
    b.add_argument("--as-of", type=_date, help="通报日期 YYYY-MM-DD（天数算到这一天；默认：数据截至日期）")
    b.add_argument("--excel", metavar="DIR", type=Path, help="同时把各县（市、区）的 Excel 预警通报写到该目录")
    b.add_argument("--json", action="store_true", help="输出一个 JSON 对象")


def cli(args) -> int:
    try:
        bulletin = create_bulletin(args.db, args.as_of, by=f"命令行:{current_user()}")
    except BulletinError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    paths = write_notices(args.db, bulletin.number, args.excel) if args.excel else []
    if args.json:
        result = {**asdict(bulletin), "as_of": bulletin.as_of.isoformat(), "files": [str(p) for p in paths]}
        print(json.dumps(result, ensure_ascii=False))
        return 0
    compared = (
        f"较上期新增 {bulletin.new} 个、持续 {bulletin.persisting} 个、已解除 {bulletin.resolved} 个"
        if bulletin.number > 1 else "首期，没有上期可比较"
    )
    print(
        f"已生成第{bulletin.number}期四库滚动预警通报（截至 {bulletin.as_of}）：红色 {bulletin.red} 个，"
        f"黄色 {bulletin.yellow} 个；{compared}"
    )
    for path in paths:
        print(f"  {path}")
    return 0
