"""Excel downloads: widths, frozen header, filter, number formats, totals, notes on top."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import polars as pl

from ui.export import to_xlsx


def workbook(frame: pl.DataFrame, **kwargs):
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, **kwargs))).active


def projects() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "排名": [1, 2, 3],
            "项目名称": ["年产5GW高效光伏组件项目", "储能电池", "=HYPERLINK(\"x\")"],
            "签约金额（亿元）": [Decimal("109.00"), Decimal("12.35"), None],
            "签约日期": [date(2024, 3, 1), date(2024, 5, 9), date(2024, 6, 30)],
            "开工率（%）": [Decimal("82.19"), Decimal("50.00"), Decimal("0.00")],
            "停留天数": [400, 200, 90],
            "项目数": [3, 4, 5],
        },
        schema_overrides={"签约金额（亿元）": pl.Decimal(20, 2), "开工率（%）": pl.Decimal(20, 2)},
    )


def test_title_and_notes_sit_above_a_frozen_filterable_header():
    ws = workbook(projects(), title="签约项目（2024年1-12月，数据截至 2024年12月31日）", notes=["筛选条件：产业链：新能源"])
    assert ws["A1"].value.startswith("签约项目") and ws["A2"].value == "筛选条件：产业链：新能源"
    assert [c.value for c in ws[3]] == list(projects().columns)
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:G6"


def test_number_formats_follow_the_units_in_the_headers():
    ws = workbook(projects())
    amount, day, rate = ws["C2"], ws["D2"], ws["E2"]
    assert amount.value == 109 and amount.number_format == "#,##0.00"
    assert day.number_format == "yyyy-mm-dd"
    # a percentage number on screen is a real percentage in Excel: 82.19 -> 0.8219 shown as 82.19%
    assert abs(rate.value - 0.8219) < 1e-9 and rate.number_format == "0.00%"
    assert ws["B4"].value == "'=HYPERLINK(\"x\")" and ws["B4"].data_type == "s"


def test_columns_are_as_wide_as_their_text():
    ws = workbook(projects())
    name, rank = ws.column_dimensions["B"].width, ws.column_dimensions["A"].width
    # 13 characters of which 11 are CJK: wider than the rank column, and wide enough to read
    assert name >= 24 > rank


def test_the_totals_row_adds_amounts_and_counts_but_not_ranks_days_or_rates():
    frame = projects()
    ws = workbook(frame)
    totals = [c.value for c in ws[frame.height + 2]]
    assert totals[0] == "合计"
    assert totals[2] == float(frame.get_column("签约金额（亿元）").sum())
    assert totals[6] == frame.get_column("项目数").sum()
    assert totals[1] is None and totals[3] is None and totals[4] is None and totals[5] is None
    assert ws.max_row == frame.height + 2


def test_no_totals_row_for_a_single_row_or_text_only():
    assert workbook(projects().head(1)).max_row == 2
    assert workbook(pl.DataFrame({"项目名称": ["甲", "乙"]})).max_row == 3
