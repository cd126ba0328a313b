"""The monthly reporting cycle (报送): who has reported which month, and the published period.

A month is published when every expected unit has reported it (a ledger of that month, or a
nil report 本月无新增) or when an administrator closes it naming who is missing. The figures
every page shows by default stand at the published period; rows of later months wait
(sql/periods, sql/derive). Filing a nil report, closing and reopening are writes: each
derives again what the move of the published period changes.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from base.reference import load_reference

from . import accounts, build
from .db import Reader, WarehouseBusy, WriteFailed, next_id, writer
from .queries import run


class PeriodRefused(ValueError):
    """The action cannot be taken; str(e) says why in Chinese."""


@dataclass(frozen=True)
class PeriodState:
    published_through: date | None  # last day of the published month
    open_through: date | None  # last day of the latest month anyone reported
    open_expected: int  # units expected for the open month (open_through), if any
    open_reported: int

    @property
    def has_open_month(self) -> bool:
        return self.open_through is not None and (
            self.published_through is None or self.open_through > self.published_through
        )

    def open_label(self) -> str:
        """'（未完结，已报 1/19）' for the open month; '' when every reported month is published."""
        return f"（未完结，已报 {self.open_reported}/{self.open_expected}）" if self.has_open_month else ""


def month_start(value: date) -> date:
    return value.replace(day=1)


def parse_month(text: str) -> date:
    """'2025-10' -> date(2025, 10, 1); a clear Chinese refusal otherwise."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise PeriodRefused(f"月份「{text}」格式不对，应为 YYYY-MM，如 2025-10") from None


def state(cur: duckdb.DuckDBPyConnection) -> PeriodState:
    published, open_through = _one(cur, "select published_through, open_through from period_state") or (None, None)
    expected = reported = 0
    if open_through is not None:
        counts = _one(cur, "select expected, reported from period_months where month = ?", [month_start(open_through)])
        expected, reported = counts or (0, 0)
    return PeriodState(published, open_through, expected, reported)


def months(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each reported or acted-on month: expected, reported, missing units, published, last action."""
    return run(cur, "period_months")


def board(cur: duckdb.DuckDBPyConnection, first: date, last: date, units: tuple[str, ...] = (),
          today: date | None = None) -> pl.DataFrame:
    """Units × months from `first` to `last` with each report's status (sql/queries/period_board.sql)."""
    return run(
        cur, "period_board", month_from=month_start(first), month_to=month_start(last), units=list(units),
        deadline_day=load_reference().report_deadline_day, today=today or date.today(),
    )


def file_nil_report(db: str | Path | None, unit_id: str, month: date, user: str, ip: str | None = None) -> None:
    """本月无新增: the unit reports `month` with nothing new; refused if it already reported it."""
    month = month_start(month)
    if month >= month_start(date.today()):
        raise PeriodRefused(f"{month:%Y年%-m月}尚未结束，不能报送本月无新增")
    with writer(db) as con:
        reported = _one(con, "select nil from unit_reports where unit_id = ? and month = ?", [unit_id, month])
        if reported is not None:
            how = "本月无新增" if reported[0] else "台账"
            raise PeriodRefused(f"{_unit_name(unit_id)}已经报送过{month:%Y年%-m月}（{how}），无需再报无新增")
        con.execute(
            "insert into nil_reports (nil_report_id, unit_id, month, filed_at, filed_by) values (?, ?, ?, ?, ?)",
            [next_id(con, "nil_reports", "nil_report_id"), unit_id, month, datetime.now(), user],
        )
        build.refresh(con, [])
    accounts.store().audit(accounts.NIL_REPORT, user, ip, {"unit": _unit_name(unit_id), "month": f"{month:%Y-%m}"})


def close_month(db: str | Path | None, month: date, user: str, ip: str | None = None) -> list[str]:
    """发布: publish `month` with the units still missing; returns their names."""
    month = month_start(month)
    if month >= month_start(date.today()):
        raise PeriodRefused(f"{month:%Y年%-m月}尚未结束，不能发布")
    with writer(db) as con:
        row = _one(con, "select missing_units, closed from period_months where month = ?", [month])
        missing, closed = row or ([], False)
        if closed:
            raise PeriodRefused(f"{month:%Y年%-m月}已经发布过")
        con.execute(
            "insert into period_actions values (?, 'close', ?, ?, ?)", [month, datetime.now(), user, missing]
        )
        build.refresh(con, [])
    accounts.store().audit(accounts.PERIOD_CLOSE, user, ip, {"month": f"{month:%Y-%m}", "missing": missing})
    return list(missing)


def reopen_month(db: str | Path | None, month: date, user: str, ip: str | None = None) -> None:
    """Withdraw an administrator's closing of `month` (a month complete by its reports stays published)."""
    month = month_start(month)
    with writer(db) as con:
        row = _one(con, "select closed from period_months where month = ?", [month])
        if row is None or not row[0]:
            raise PeriodRefused(f"{month:%Y年%-m月}没有被管理员发布过，无需撤回")
        con.execute("insert into period_actions values (?, 'reopen', ?, ?, null)", [month, datetime.now(), user])
        build.refresh(con, [])
    accounts.store().audit(accounts.PERIOD_REOPEN, user, ip, {"month": f"{month:%Y-%m}"})


def _one(cur: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> tuple | None:
    """The first row, with the result fetched whole (an unfinished one blocks the cursor)."""
    rows = cur.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def _unit_name(unit_id: str) -> str:
    return load_reference().unit(unit_id).name


def resolve_unit(text: str) -> str:
    """A unit's id from its name, short form or id; refused when unknown."""
    for unit in load_reference().units:
        if text in (unit.unit_id, unit.name, *unit.aliases):
            return unit.unit_id
    raise PeriodRefused(f"没有名为「{text}」的报送单位（见 data/reference/units.csv）")


# ---------------------------------------------------------------- command line


def add_parser(commands) -> None:
    """`python -m warehouse period status|board|close|reopen|nil ...`."""
    period = commands.add_parser("period", help="报送期：进度、发布（关账）、撤回发布、本月无新增")
    actions = period.add_subparsers(dest="period_command", required=True, metavar="{status,board,close,reopen,nil}")
    status = actions.add_parser("status", help="已发布到哪个月，各月已报/应报单位")
    status.add_argument("--db")
    show = actions.add_parser("board", help="各单位各月报送情况（已报、逾期报送、缺报、待报）")
    show.add_argument("--db")
    show.add_argument("--months", type=int, default=6, help="显示最近几个月（默认 6）")
    for name, text in (("close", "发布某月（有单位未报时列出其名单），其数据计入各项指标"),
                       ("reopen", "撤回管理员对某月的发布")):
        action = actions.add_parser(name, help=text)
        action.add_argument("month", help="YYYY-MM")
        action.add_argument("--db")
        action.add_argument("--user", help="记录为操作人（默认当前系统用户）")
    nil = actions.add_parser("nil", help="为某单位报送某月「本月无新增」")
    nil.add_argument("unit", help="单位名称，如 临猗县")
    nil.add_argument("month", help="YYYY-MM")
    nil.add_argument("--db")
    nil.add_argument("--user", help="记录为报送人（默认当前系统用户）")


def cli(args: argparse.Namespace, actor: str) -> int:
    try:
        if args.period_command == "status":
            return _print_status(args.db)
        if args.period_command == "board":
            return _print_board(args.db, args.months)
        month = parse_month(args.month)
        user = args.user or actor
        if args.period_command == "close":
            missing = close_month(args.db, month, user)
            print(f"已发布 {month:%Y年%-m月}" + (f"，未报单位：{'、'.join(missing)}" if missing else "，各单位均已报送"))
        elif args.period_command == "reopen":
            reopen_month(args.db, month, user)
            print(f"已撤回 {month:%Y年%-m月} 的发布")
        else:
            file_nil_report(args.db, resolve_unit(args.unit), month, user)
            print(f"已报送：{args.unit} {month:%Y年%-m月} 本月无新增")
    except (PeriodRefused, WarehouseBusy, WriteFailed) as refused:
        print(f"错误：{refused}", file=sys.stderr)
        return 1
    _print_status(args.db)
    return 0


def _print_status(db: str | None) -> int:
    with Reader(db).cursor() as cur:
        now = state(cur)
        print(f"已发布至：{now.published_through:%Y年%-m月}" if now.published_through else "已发布至：尚无已发布的月份")
        for m in months(cur).tail(12).iter_rows(named=True):
            mark = "已发布" if m["published"] else "未完结"
            closed = f"，管理员发布（{m['acted_by']}）" if m["closed"] else ""
            missing = f"，未报：{'、'.join(m['missing_units'])}" if m["missing_units"] else ""
            print(f"  {m['month']:%Y-%m}  {mark}  已报 {m['reported']}/{m['expected']}{closed}{missing}")
    return 0


def _print_board(db: str | None, count: int) -> int:
    with Reader(db).cursor() as cur:
        now = state(cur)
        last = month_start(now.open_through or date.today())
        first = months_before(last, count - 1)
        frame = board(cur, first, last)
        wide = frame.pivot(on="month", index="unit_name", values="status", sort_columns=True)
        wide.columns = ["单位", *(c[:7] for c in wide.columns[1:])]
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
            print(wide)
    return 0


def months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month`."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def report_deadline(month: date, deadline_day: int) -> date:
    """The last day to report `month`: `deadline_day` of the next month (as sql/queries/period_board.sql)."""
    return months_before(month_start(month), -1) + timedelta(days=deadline_day - 1)


def overdue_month(data_date: date, today: date, deadline_day: int) -> date | None:
    """The month after the data date, once its reporting deadline has passed: the figures are
    older than the reporting cycle promises. None while they are not."""
    following = months_before(month_start(data_date), -1)
    return following if today > report_deadline(following, deadline_day) else None
