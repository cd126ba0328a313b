"""Tables to .xlsx for download, safe to open in Excel."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that Excel would run as a formula gets a leading apostrophe, shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple, dict)):
        return neutralise(str(value))
    return neutralise(value)


def to_xlsx(frame: pl.DataFrame, sheet: str = "数据", title: str | None = None) -> bytes:
    """One sheet: an optional title line (e.g. the filters and data date), the header, the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    if title:
        cell = WriteOnlyCell(ws, value=neutralise(title))
        cell.font = Font(bold=True)
        ws.append([cell])
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(ws, value=neutralise(name))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in frame.iter_rows():
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=_cell_value(value))
            if isinstance(value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text looks like
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
