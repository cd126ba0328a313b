"""A table's 下载 Excel in a real browser: the file opens in openpyxl ready to read and filter."""

import openpyxl

from .conftest import assert_no_exception, wait_until_done


def test_the_top_ten_download_is_a_finished_workbook(page, tmp_path):
    page.goto(f"{page.app_url}/?year=2024&months=1-12")
    wait_until_done(page)
    assert_no_exception(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 Excel").first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "排名")
    assert rows[0][0].startswith("签约金额前十的项目（2024年1-12月，数据截至")
    assert any(str(row[0]).startswith("筛选条件：") for row in rows[:header_at])
    assert sheet.freeze_panes == f"A{header_at + 2}"
    assert sheet.auto_filter.ref.startswith(f"A{header_at + 1}:")
    header = rows[header_at]
    amount = header.index("签约金额（亿元）")
    first = sheet.cell(header_at + 2, amount + 1)
    assert first.number_format == "#,##0.00" and first.value > 0
    assert sheet.cell(header_at + 2, header.index("签约日期") + 1).number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width  # names are wide
    data = rows[header_at + 1:header_at + 11]
    totals = rows[header_at + 11]
    assert totals[0] == "合计"  # the rank column carries the label: ranks are not added up
    assert abs(totals[amount] - sum(row[amount] for row in data)) < 0.005
