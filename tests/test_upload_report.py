"""The error report (ui/upload_report.py): the uploaded file with its problems marked."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

import workbooks as wb
from etl.read import read_ledger
from ui.upload_report import FILLS, NOTE_HEADER, SUMMARY_SHEET, error_report, report_name

ERROR_FILL = FILLS["error"].start_color.rgb
WARNING_FILL = FILLS["warning"].start_color.rgb


def report(path):
    data = path.read_bytes()
    return openpyxl.load_workbook(io.BytesIO(error_report(read_ledger(path, data=data), data)))


def fill(cell) -> str | None:
    return cell.fill.start_color.rgb if cell.fill.fill_type else None


def note_column(ws, header_row: int) -> int:
    return next(c.column for c in ws[header_row] if c.value == NOTE_HEADER)


def bad_xlsx(tmp_path):
    """Row 4: an amount that is not one; row 5: no signing date and an unknown chain."""
    return wb.xlsx(tmp_path / "2024年1-3月签约项目台账.xlsx", {"1-3月": wb.Sheet(
        [
            ["运城市2024年1-3月招商引资签约项目台账"],
            wb.SIGNED_HEADER,
            *wb.signed_rows(
                ("铝型材项目", "临猗县", 12000, date(2024, 3, 15), "铝镁精深加工"),
                ("储能电站项目", "临猗县", "约五千万", date(2024, 2, 1), "新能源"),
                ("果品加工项目", "临猗县", 3000, None, "果蔬"),
            ),
        ],
        merges=["A1:F1"],
    )})


def test_bad_cells_are_highlighted_with_a_comment_and_their_row_explained(tmp_path):
    book = report(bad_xlsx(tmp_path))
    ws = book["1-3月"]
    notes = note_column(ws, 2)  # the header row of the table, right of its last column
    assert notes == 7

    assert ws["D4"].value == "约五千万"  # the original value, where it was
    assert fill(ws["D4"]) == ERROR_FILL
    assert "无法识别的金额" in ws["D4"].comment.text
    assert "D列「签约金额（万元）」" in ws.cell(4, notes).value and "无法识别的金额" in ws.cell(4, notes).value

    assert fill(ws["E5"]) == ERROR_FILL and "签约时间为空" in ws["E5"].comment.text
    assert fill(ws["F5"]) == WARNING_FILL and "未识别的产业链" in ws["F5"].comment.text
    assert "签约时间为空" in ws.cell(5, notes).value and "未识别的产业链" in ws.cell(5, notes).value

    # a good row is left alone
    assert ws.cell(3, notes).value is None and fill(ws["D3"]) is None and ws["D3"].comment is None
    assert ws["D3"].value == 12000 and [str(r) for r in ws.merged_cells.ranges] == ["A1:F1"]  # the file as it was


def test_summary_sheet_first_lists_every_problem_with_its_cell(tmp_path):
    book = report(bad_xlsx(tmp_path))
    assert book.sheetnames[0] == SUMMARY_SHEET and book.active.title == SUMMARY_SHEET
    rows = [tuple(r) for r in book[SUMMARY_SHEET].iter_rows(min_row=2, values_only=True)]
    assert [(level, where, column) for level, where, column, _, _ in rows] == [
        ("错误", "1-3月!D4", "签约金额（万元）"),
        ("错误", "1-3月!E5", "签约时间"),
        ("警告", "1-3月!F5", "所属产业链"),
    ]


def test_the_report_can_be_fixed_and_uploaded_again(tmp_path):
    """Same cells, same messages: reading the report finds exactly the original's problems."""
    original = bad_xlsx(tmp_path)
    path = tmp_path / "again" / report_name(original.name)
    path.parent.mkdir()
    path.write_bytes(error_report(read_ledger(original), original.read_bytes()))
    cells = lambda ledger: [(p.level, p.cell, p.message) for p in ledger.problems if p.level != "note"]
    assert cells(read_ledger(path)) == cells(read_ledger(original))
    assert read_ledger(path).period.label == "2024年1-3月"


def test_csv_is_rebuilt_cell_for_cell_and_text_never_becomes_a_formula(tmp_path):
    path = wb.csv_file(tmp_path / "2024年临猗县签约项目台账.csv", [
        ["项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间", "备注"],
        ["面粉加工项目", "临猗县", "1200", "2024-03-01", "=HYPERLINK(\"http://x\")"],
        ["果品项目", "临猗县", "待核实金额", "2024-03-05", None],
    ], encoding="gbk")
    book = report(path)
    ws = book["2024年临猗县签约项目台账"]
    assert ws["C2"].value == 1200  # numbers stay numbers
    assert ws["E2"].value == "=HYPERLINK(\"http://x\")" and ws["E2"].data_type == "s"
    assert fill(ws["C3"]) == ERROR_FILL and "无法识别的金额" in ws["C3"].comment.text
    assert "无法识别的金额" in ws.cell(3, note_column(ws, 1)).value


def test_old_xls_is_rebuilt_at_the_same_cells(tmp_path):
    path = wb.xls(tmp_path / "2024年3月签约项目台账.xls", {"3月": [
        ["2024年3月签约项目台账"],
        ["项目名称", "县区", "签约金额（万元）", "签约时间"],
        ["铝镁合金项目", "闻喜县", 12.5, date(2024, 3, 20)],
        ["中药材加工项目", "不存在县", 35, date(2024, 3, 28)],
    ]})
    ws = report(path)["3月"]
    assert [c.value for c in ws[2]][:4] == ["项目名称", "县区", "签约金额（万元）", "签约时间"]
    assert ws["B4"].value == "不存在县" and fill(ws["B4"]) == ERROR_FILL
    assert "无法识别的县" in ws.cell(4, note_column(ws, 2)).value


def test_a_refused_file_gives_a_summary_with_the_reason(tmp_path):
    path = wb.truncated_xlsx(tmp_path)
    book = report(path)
    assert book.sheetnames == [SUMMARY_SHEET]
    (level, where, _, _, message), = book[SUMMARY_SHEET].iter_rows(min_row=2, values_only=True)
    assert (level, where) == ("错误", "整个文件") and "损坏" in message
