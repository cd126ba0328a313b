"""The error report of an upload: the staff member's own file with every problem marked.

An .xlsx is annotated in place (its formatting, merges and widths kept), so the person can
fix the cells in the report itself and upload it again. An .xls or .csv is rebuilt from
its cell grid at the same row and column positions, so every cell reference in the
messages (`1-3月!F19`) points at the same place in the report. Each sheet with problems
gets a 错误说明 column; a bad cell gets a fill and a comment; a first sheet 错误汇总 lists
every problem, including those of the file as a whole.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string

from etl.files import FileRefused, check_file, read_grids
from etl.problems import LEVEL_NAMES, Problem
from etl.read import Ledger

NOTE_HEADER = "错误说明"
SUMMARY_SHEET = "错误汇总"
SUMMARY_HEADER = ("级别", "位置", "列", "值", "问题")
FILLS = {
    "error": PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    "warning": PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
}
AUTHOR = "数据上传检查"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def report_name(file_name: str) -> str:
    return f"{Path(file_name).stem}_错误报告.xlsx"


def error_report(ledger: Ledger, data: bytes) -> bytes:
    """The report workbook (.xlsx bytes) for a ledger read from `data`."""
    try:
        fmt = check_file(Path(ledger.file_name), data)
        book, sheets = (_annotatable(data) if fmt == "xlsx" else None) or _from_grids(ledger.file_name, data, fmt)
    except FileRefused:
        book, sheets = openpyxl.Workbook(), {}  # the summary says why the file was refused
        book.remove(book.active)

    by_sheet: dict[str, dict[int, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    for problem in ledger.problems:
        if problem.sheet in sheets and problem.row is not None and problem.level in FILLS:
            by_sheet[problem.sheet][problem.row].append(problem)
    header_rows = {s.name: s.header_rows[1] for s in ledger.sheets if s.header_rows}
    for name, rows in by_sheet.items():
        _mark(sheets[name], rows, header_rows.get(name, 1))

    _summary(book, ledger.problems)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _annotatable(data: bytes):
    """The uploaded .xlsx itself, or None when openpyxl cannot open what calamine could."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:  # openpyxl is stricter than calamine about odd workbooks
        return None
    return book, {ws.title: ws for ws in book.worksheets}


def _from_grids(file_name: str, data: bytes, fmt: str):
    """A new workbook holding each sheet's cells where they were in the original."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheets = {}
    for grid in read_grids(Path(file_name), data, fmt):
        ws = book.create_sheet(_title(grid.name, sheets))
        columns = [column_index_from_string(letter) for letter in grid.frame.columns]
        for i, row in enumerate(grid.frame.iter_rows(), start=1):
            for j, value in zip(columns, row):
                if value is not None:
                    _text_cell(ws.cell(i, j), value)
        sheets[grid.name] = ws
    return book, sheets


def _title(name: str, taken: dict) -> str:
    """A sheet title Excel accepts (31 characters, none of []:*?/\\), unique in the book."""
    base = _BAD_TITLE.sub("_", name)[:31] or "Sheet"
    title, n = base, 1
    while title in {ws.title for ws in taken.values()}:
        n += 1
        title = f"{base[:28]}_{n}"
    return title


def _text_cell(cell, value: str) -> None:
    """Numbers back as numbers; any other text stays text, never a formula."""
    if _NUMBER.fullmatch(value):
        cell.value = float(value) if "." in value else int(value)
    else:
        cell.value = value
        cell.data_type = "s"


def _mark(ws, rows: dict[int, list[Problem]], header_row: int) -> None:
    note_column = ws.max_column + 1
    header = ws.cell(header_row, note_column, NOTE_HEADER)
    header.font = Font(bold=True, color="9C0006")
    ws.column_dimensions[header.column_letter].width = 60
    for row, problems in rows.items():
        worst = "error" if any(p.level == "error" for p in problems) else "warning"
        note = ws.cell(row, note_column)
        note.value = "；".join(_note(p) for p in problems)
        note.data_type = "s"
        note.fill = FILLS[worst]
        note.alignment = Alignment(wrap_text=True, vertical="top")
        by_cell: dict[str, list[Problem]] = defaultdict(list)
        for p in problems:
            if p.column:
                by_cell[p.column].append(p)
        for letter, cell_problems in by_cell.items():
            cell = ws[f"{letter}{row}"]
            if isinstance(cell, MergedCell):
                continue  # only a merge's top-left cell can be styled; the row's note says it
            level = "error" if any(p.level == "error" for p in cell_problems) else "warning"
            cell.fill = FILLS[level]
            cell.comment = Comment("\n".join(_note(p) for p in cell_problems), AUTHOR, width=300, height=120)


def _note(problem: Problem) -> str:
    where = f"{problem.column}列" + (f"「{problem.header}」" if problem.header else "") if problem.column else ""
    return f"[{LEVEL_NAMES[problem.level]}]{where}{'：' if where else ''}{problem.message}"


def _summary(book, problems: list[Problem]) -> None:
    ws = book.create_sheet(SUMMARY_SHEET, 0)
    ws.append(SUMMARY_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for p in problems:
        ws.append([LEVEL_NAMES.get(p.level, p.level), p.cell or p.sheet or "整个文件", p.header, p.value, p.message])
        for cell in ws[ws.max_row]:
            if cell.value is not None:
                cell.data_type = "s"
    if not problems:
        ws.append(["", "", "", "", "未发现问题"])
    for letter, width in zip("ABCDE", (8, 16, 20, 24, 90)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    # open on the summary; a sheet the original had selected would otherwise be grouped with it
    book.active = 0
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
