"""预警通报: a bulletin as one Excel workbook per unit, laid out to be printed and sent.

The words and colours of a warning (红/黄, 新增/持续/已解除) are here too: the pages show the
same ones.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from base.config import Limits, limits
from base.reference import load_reference

from .db import Reader
from .queries import run

LEVELS = {"red": "红", "yellow": "黄"}
CHANGES = {"new": "新增", "persisting": "持续", "resolved": "已解除"}
NOTICE_COLUMNS = (
    ("序号", 6), ("较上期", 8), ("预警等级", 9), ("所处阶段", 9), ("项目名称", 44), ("产业链", 14),
    ("进入阶段日期", 13), ("停留天数", 10), ("上期天数", 10), ("责任单位", 24), ("包联领导", 16),
)
FILLS = {"red": PatternFill("solid", fgColor="F4B6B6"), "yellow": PatternFill("solid", fgColor="FBE7A1")}


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
