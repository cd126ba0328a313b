"""Tables to .xlsx for download, safe to open in Excel and ready to print or filter."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
AMOUNT = "#,##0.00"  # 亿元 and 万元 as on screen: two decimals
PERCENT = "0.00%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
# Numeric columns whose sum means nothing: ranks, days, rates, years and months, codes.
NOT_ADDITIVE = re.compile(r"排名|名次|天数|天）|率|%|比|中位|分位|平均|相似度|编号|代码|行号|序号|年份|月份|期数|LQ|HHI|指数")
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
THIN = Side(style="thin", color="9AA0A6")
MAX_WIDTH = 60


def neutralise(value):
    """Text that Excel would run as a formula gets a leading apostrophe, shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):  # a badge column (ui.warnings): its labels
        return neutralise("、".join(str(v) for v in value if v is not None)) or None
    if isinstance(value, (tuple, dict)):
        return neutralise(str(value))
    return neutralise(value)


def is_percent(name: str) -> bool:
    """A column of percentage numbers (82.19 under 「开工率（%）」): written as 82.19% in Excel."""
    return "（%）" in name or "(%)" in name


def number_format(name: str, dtype: pl.DataType) -> str | None:
    """The Excel format of a column, from its type and the unit its header names."""
    if dtype == pl.Date:
        return DATE
    if dtype == pl.Datetime:
        return DATETIME
    if not dtype.is_numeric():
        return None
    if is_percent(name):
        return PERCENT
    if "亿元" in name or "万元" in name:
        return AMOUNT
    if dtype.is_integer():
        return "0" if NOT_ADDITIVE.search(name) else "#,##0"
    if isinstance(dtype, pl.Decimal) and dtype.scale:
        return "#,##0." + "0" * dtype.scale
    return None


def summed(frame: pl.DataFrame) -> list[str]:
    """The columns a totals row adds up: amounts and counts, never ranks, days or rates."""
    return [
        name for name, dtype in frame.schema.items()
        if dtype.is_numeric() and not is_percent(name) and not NOT_ADDITIVE.search(name)
    ]


def _display_width(frame: pl.DataFrame, name: str) -> float:
    """Width in Excel characters: a CJK character takes two (UTF-8: three bytes, two columns)."""
    sample = frame.get_column(name).head(2000).cast(pl.String, strict=False).drop_nulls()
    texts = pl.concat([pl.Series([name]), sample]) if sample.len() else pl.Series([name])
    chars, size = texts.str.len_chars(), texts.str.len_bytes()
    widths = chars + (size - chars) / 2
    return float(widths.max() or 0)


def to_xlsx(frame: pl.DataFrame, sheet: str = "数据", title: str | None = None,
            notes: Sequence[str] = (), totals: bool = True) -> bytes:
    """One sheet: the title and notes (the filters, the data date), the frozen, filterable
    header, the rows with Excel number formats, and a totals row of the additive columns."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    columns = frame.columns
    formats = [number_format(name, dtype) for name, dtype in frame.schema.items()]
    percent = [is_percent(name) and dtype.is_numeric() for name, dtype in frame.schema.items()]
    for i, name in enumerate(columns, start=1):
        extra = 2 if formats[i - 1] in (AMOUNT, "#,##0") else 0  # thousands separators
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(8.0, _display_width(frame, name) + 2 + extra))

    lines = [text for text in (title, *notes) if text]
    header_row = len(lines) + 1
    # before the first row: a write-only sheet writes its views with it
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(1, len(columns)))}{header_row + max(frame.height, 1)}"
    for k, text in enumerate(lines):
        cell = WriteOnlyCell(ws, value=neutralise(text))
        cell.font = Font(bold=True, size=13) if k == 0 and title else Font(color="555555")
        ws.append([cell])
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=neutralise(name))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = Border(bottom=THIN)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)

    for row in frame.iter_rows():
        cells = []
        for j, value in enumerate(row):
            if percent[j] and value is not None:
                value = float(value) / 100
            cell = WriteOnlyCell(ws, value=_cell_value(value))
            if formats[j] and value is not None:
                cell.number_format = formats[j]
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text looks like
            cells.append(cell)
        ws.append(cells)

    added = summed(frame) if totals and frame.height > 1 else []
    if added:
        label_at = next((j for j, name in enumerate(columns) if name not in added), None)
        cells = []
        for j, name in enumerate(columns):
            value = None
            if name in added:
                value = _cell_value(frame.get_column(name).sum())
            elif j == label_at:
                value = "合计"
            cell = WriteOnlyCell(ws, value=value)
            cell.font = Font(bold=True)
            cell.border = Border(top=THIN)
            if name in added:
                cell.number_format = formats[j] or "#,##0.00"
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
