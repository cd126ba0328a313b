"""read_ledger on fixture workbooks: one test per layout habit of docs/domain.md, then bad cells."""

from datetime import date
from decimal import Decimal as D

import pytest

import workbooks as wb
from etl.files import check_file, read_grids
from etl.read import read_ledger

BASIC = ("sheet", "excel_row", "project_name", "unit_id", "signed_amount_wan", "signed_date")


def table(ledger, columns=BASIC):
    return ledger.rows.select(columns).rows()


def sheets(ledger):
    return [(s.name, s.used, s.reason) for s in ledger.sheets]


def problems(ledger, level=None):
    """(level, sheet, cell, header, value, message) of each problem, in reported order."""
    return [
        (p.level, p.sheet, p.cell, p.header, p.value, p.message)
        for p in ledger.problems
        if level is None or p.level == level
    ]


# ---------------------------------------------------------------- 1. title row


def test_merged_title_row_gives_the_period_and_the_kind(tmp_path):
    ledger = read_ledger(wb.title_row_ledger(tmp_path))
    assert (ledger.kind, ledger.period.label) == ("signed", "2024年1-6月")
    assert table(ledger, (*BASIC, "chain", "period_end")) == [
        ("Sheet1", 3, "年产10万吨铝型材项目", "140821", D("12000"), date(2024, 3, 15), "铝镁精深加工", date(2024, 6, 30)),
        ("Sheet1", 4, "100MW储能电站", "140802", D("56000.5"), date(2024, 5, 20), "新能源", date(2024, 6, 30)),
    ]
    assert ledger.sheets[0].header_rows == (2, 2)
    assert ledger.problems == []


# ---------------------------------------------------------------- 2. money units


def test_unit_line_and_units_in_headers_apply_per_column(tmp_path):
    ledger = read_ledger(wb.mixed_units_ledger(tmp_path))
    units = [(c.field, c.letter, c.money_unit) for c in ledger.sheets[0].columns if c.money_unit]
    assert units == [
        ("signed_amount", "C", "亿元"),  # the header beats the 单位：万元 line
        ("planned_investment", "D", "万元"),
        ("funds_in_place", "E", "万元"),  # no unit in the header: the unit line
    ]
    assert table(ledger, ("project_name", "unit_id", "signed_amount_wan", "planned_investment_wan", "funds_in_place_wan")) == [
        ("铜箔项目", "140823", D("35000"), D("20000"), D("1500")),
        ("光伏组件项目", "140882", D("8000"), D("9000"), D("10000")),  # 约1亿元: the cell's unit wins
    ]
    assert ledger.problems == []


# ---------------------------------------------------------------- 3. multi-row headers


def test_two_row_header_group_unit_applies_to_its_columns(tmp_path):
    ledger = read_ledger(wb.two_row_header_ledger(tmp_path))
    assert ledger.sheets[0].header_rows == (1, 2)
    assert table(ledger, ("excel_row", "project_name", "unit_id", "signed_amount_wan", "planned_investment_wan", "signed_date", "remarks")) == [
        (3, "碳纤维项目", "140824", D("25000"), D("30000"), date(2024, 4, 1), None),
        (4, "食品产业园", "140825", D("6000"), None, date(2024, 4, 2), "二期"),
    ]
    assert problems(ledger) == []


def test_three_row_header_unit_in_the_top_group_cell(tmp_path):
    # 投资情况（亿元） spans 签约情况 and 到位情况: its unit reaches all three columns
    ledger = read_ledger(wb.three_row_header_ledger(tmp_path))
    assert ledger.sheets[0].header_rows == (1, 3)
    assert table(ledger, ("excel_row", "signed_amount_wan", "planned_investment_wan", "funds_in_place_wan")) == [
        (4, D("25000"), D("30000"), D("5000")),
    ]
    assert problems(ledger) == []


# ---------------------------------------------------------------- 4. totals and groups


@pytest.mark.parametrize("total_first", [True, False])
def test_matching_total_row_is_skipped_silently(tmp_path, total_first):
    ledger = read_ledger(wb.totals_ledger(tmp_path, 1234.5, total_first=total_first))
    first = 3 if total_first else 2
    assert table(ledger, ("excel_row", "project_name", "signed_amount_wan")) == [
        (first, "铝材项目", D("1000")),
        (first + 1, "面粉加工项目", D("234.5")),
    ]
    assert problems(ledger) == []


@pytest.mark.parametrize("total_first, cell", [(True, "Sheet1!D2"), (False, "Sheet1!D4")])
def test_mismatching_total_row_warns_at_its_cell(tmp_path, total_first, cell):
    ledger = read_ledger(wb.totals_ledger(tmp_path, 9999, total_first=total_first))
    assert ledger.rows.height == 2
    assert problems(ledger) == [(
        "warning", "Sheet1", cell, "签约金额（万元）", "9999",
        "合计行与明细之和不一致：合计 9,999.0000，明细之和 1,234.5000（万元）",
    )]


def test_group_rows_give_the_unit_and_subtotals_are_skipped(tmp_path):
    ledger = read_ledger(wb.group_rows_ledger(tmp_path))
    assert table(ledger) == [
        ("Sheet1", 5, "盐湖物流园", "140802", D("1000"), date(2024, 1, 8)),
        ("Sheet1", 6, "盐湖数据中心", "140802", D("2000"), date(2024, 1, 9)),
        ("Sheet1", 9, "航空配餐项目", "zone-konggang", D("500"), date(2024, 1, 10)),
    ]
    assert problems(ledger) == []  # the 合计 of 3500 matches; 小计 rows are not totals to check


def test_sub_groups_keep_the_county_of_their_group(tmp_path):
    # Regression: "（一）新能源" reset the unit, so its projects had none (an error each).
    ledger = read_ledger(wb.nested_groups_ledger(tmp_path))
    assert table(ledger, ("excel_row", "project_name", "unit_id")) == [
        (4, "光伏项目", "140802"), (6, "面粉项目", "140802"), (8, "苹果项目", "140821"),
    ]
    assert problems(ledger) == []


def test_rows_before_any_group_row_need_a_unit(tmp_path):
    path = wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        ["项目名称", "签约金额（万元）", "签约时间"],
        ["无归属项目", 100, date(2024, 1, 1)],
        ["一、盐湖区"],
        ["光伏项目", 100, date(2024, 1, 1)],
    ]})
    assert [(p.row, p.column, p.header, p.message) for p in read_ledger(path).errors] == [
        (2, None, "县（市、区）/开发区", "县（市、区）为空，请填写项目所属县（市、区）或开发区"),
    ]


# ---------------------------------------------------------------- 5. month sheets


def test_cumulative_month_sheets_are_read_and_other_sheets_skipped_with_a_note(tmp_path):
    ledger = read_ledger(wb.month_sheets_ledger(tmp_path))
    assert sheets(ledger) == [
        ("说明", False, "未找到项目表头（如说明页）"),
        ("1-3月", True, ""),
        ("1-6月", True, ""),
        ("汇总", False, "没有“项目名称”列，不是项目清单（如汇总表）"),
    ]
    assert [s.period.label for s in ledger.sheets if s.used] == ["2024年1-3月", "2024年1-6月"]
    assert ledger.period.label == "2024年1-6月"
    # every occurrence is kept; the warehouse counts each project once
    assert table(ledger, ("sheet", "excel_row", "project_name", "signed_amount_wan", "period_end")) == [
        ("1-3月", 2, "铝材项目", D("1000"), date(2024, 3, 31)),
        ("1-6月", 2, "铝材项目", D("1200"), date(2024, 6, 30)),
        ("1-6月", 3, "储能电站项目", D("50000"), date(2024, 6, 30)),
    ]
    assert [(p.level, p.sheet) for p in ledger.problems] == [("note", "说明"), ("note", "汇总")]
    assert all(p.message.startswith("已跳过") for p in ledger.problems)


# ---------------------------------------------------------------- 6. footer


def test_footer_lines_end_the_table(tmp_path):
    ledger = read_ledger(wb.footer_ledger(tmp_path))
    assert table(ledger) == [("Sheet1", 2, "铝材项目", "140828", D("800"), date(2024, 5, 6))]
    assert problems(ledger) == []


# ---------------------------------------------------------------- 7. values as text


def test_amounts_typed_as_text_and_placeholders(tmp_path):
    ledger = read_ledger(wb.text_values_ledger(tmp_path))
    assert table(ledger, ("project_name", "signed_amount_wan")) == [
        (f"项目{i}", D(expected) if expected else None) for i, (_, expected) in enumerate(wb.TEXT_AMOUNTS, 1)
    ]
    # 待定, — and / count as projects with an unknown amount: one warning, not an error
    assert problems(ledger) == [(
        "warning", "Sheet1", "Sheet1!D6", "签约金额（万元）", None,
        "签约金额待定或为空，项目计入个数但不计入金额（同类共 3 行，首次见此行）",
    )]


# ---------------------------------------------------------------- 8. dates


def test_every_date_form(tmp_path):
    ledger = read_ledger(wb.dates_ledger(tmp_path))
    assert table(ledger, ("project_name", "signed_date")) == [
        (f"项目{i}", expected) for i, (_, expected) in enumerate(wb.TEXT_DATES, 1)
    ]
    assert problems(ledger) == [
        ("warning", "Sheet1", "Sheet1!E7", "签约时间", "2024.3", "日期只精确到月，按当月1日计"),
    ]


# ---------------------------------------------------------------- 9. position, blanks, hidden columns


def test_table_at_b4_with_blank_rows_and_a_hidden_column(tmp_path):
    ledger = read_ledger(wb.offset_table_ledger(tmp_path))
    assert ledger.sheets[0].header_rows == (4, 4)
    assert [(c.field, c.letter) for c in ledger.sheets[0].columns] == [
        ("project_name", "B"), ("unit", "D"), ("signed_amount", "E"), ("signed_date", "F"),
    ]
    assert table(ledger) == [
        ("Sheet1", 5, "甲项目", "140827", D("100"), date(2024, 1, 2)),
        ("Sheet1", 8, "乙项目", "140827", D("200"), date(2024, 1, 3)),
        ("Sheet1", 9, "丙项目", "140827", None, date(2024, 1, 4)),
    ]
    # the error names the cell as Excel shows it, hidden column C counted
    assert [(p.level, p.cell, p.header, p.value) for p in ledger.problems] == [
        ("error", "Sheet1!E9", "签约金额（万元）", "abc"),
    ]


# ---------------------------------------------------------------- 10. formats and file names


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_county_named_only_in_the_file_name(tmp_path, encoding):
    ledger = read_ledger(wb.county_in_file_name_csv(tmp_path, encoding))
    assert (ledger.kind, ledger.period.label) == ("signed", "2024年全年")
    assert table(ledger) == [
        ("2024年临猗县签约项目台账", 2, "苹果深加工项目", "140821", D("3000"), date(2024, 3, 15)),
        ("2024年临猗县签约项目台账", 3, "果汁饮料项目", "140821", D("1200"), date(2024, 4, 1)),
    ]
    assert table(ledger, ("unit_raw",)) == [(None,), (None,)]
    assert problems(ledger) == []


def test_old_xls_with_unit_in_the_title(tmp_path):
    ledger = read_ledger(wb.old_xls_ledger(tmp_path))
    assert (ledger.kind, ledger.period.label) == ("signed", "2024年3月")
    assert table(ledger) == [
        ("3月", 3, "铝镁合金项目", "140823", D("125000"), date(2024, 3, 20)),
        ("3月", 4, "中药材加工项目", "140826", D("3500"), date(2024, 3, 28)),
    ]
    assert problems(ledger) == []


def test_county_named_only_in_the_title_of_an_xlsx(tmp_path):
    path = wb.xlsx(tmp_path / "台账.xlsx", {"Sheet1": [
        ["临猗县2024年1-3月招商引资签约项目台账"],
        ["项目名称", "签约金额（万元）", "签约时间"],
        ["苹果项目", 100, "2024-01-05"],
    ]})
    ledger = read_ledger(path)
    assert ledger.period.label == "2024年1-3月"
    assert table(ledger) == [("Sheet1", 3, "苹果项目", "140821", D("100"), date(2024, 1, 5))]
    assert ledger.problems == []


def test_xlsm_is_read_like_xlsx(tmp_path):
    path = wb.title_row_ledger(tmp_path)
    ledger = read_ledger(path.rename(path.with_suffix(".xlsm")))
    assert ledger.ok and ledger.rows.height == 2


def test_wrapped_and_spaced_headers_and_date_serials(tmp_path):
    path = wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        ["项 目 名 称", "所属县\n（市、区）", "签约金额\n（亿元）", "签约\n时间"],
        ["储能项目", "夏　县", 1.5, 45366],  # a date typed into a number cell
        ["光伏项目", "运城市永济市", "2.5", "45366"],
    ]})
    ledger = read_ledger(path)
    assert table(ledger, ("project_name", "unit_id", "signed_amount_wan", "signed_date")) == [
        ("储能项目", "140828", D("15000"), date(2024, 3, 15)),
        ("光伏项目", "140881", D("25000"), date(2024, 3, 15)),
    ]
    assert ledger.problems == []


def test_other_columns_code_origin_chain_started_and_duplicates(tmp_path):
    path = wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        ["项目名称", "项目代码", "县区", "签约金额（亿元）", "签约时间", "投资方所在地", "产业链", "是否开工", "开工时间"],
        ["a项目", "2024-140821-30-03-012345", "临猗", 1, "2024-01-01", "浙江杭州", "光伏", "√", "2024-03-01"],
        ["b项目", "YC-001", "临猗", 1, "2024-01-01", "深圳市", "区块链", "否", None],
        ["a", None, "临猗县", 2, "2024-01-01", None, None, None, None],
    ]})
    ledger = read_ledger(path)
    assert table(ledger, ("project_name", "project_code", "name_key", "origin_province", "chain", "chain_raw", "is_started", "start_date")) == [
        ("a项目", "2024-140821-30-03-012345", "140821:a", "浙江", "新能源", "光伏", True, date(2024, 3, 1)),
        ("b项目", None, "140821:b", "广东", "其他", "区块链", False, None),
        ("a", None, "140821:a", None, "其他", None, None, None),
    ]
    assert problems(ledger) == [
        ("warning", "Sheet1", "Sheet1!A4", "项目名称", "a", "与第2行项目重复，以本行为准"),
        ("warning", "Sheet1", "Sheet1!B3", "项目代码", "YC-001", "项目代码不符合全国统一格式（YYYY-AAAAAA-NN-NN-NNNNNN），未用于识别项目"),
        ("warning", "Sheet1", "Sheet1!G3", "产业链", "区块链", "未识别的产业链，已归入“其他”；如属重点产业链请按下拉选项填写"),
    ]


def test_dollar_amounts_and_signing_after_the_period(tmp_path):
    path = wb.xlsx(tmp_path / "2024年3月签约项目台账.xlsx", {"Sheet1": [
        ["项目名称", "县区", "协议投资额（万美元）", "签约时间"],
        ["外资项目", "河津", 100, "2024-04-02"],
    ]})
    ledger = read_ledger(path)
    assert table(ledger, ("signed_amount_wan", "signed_date")) == [(D("710"), date(2024, 4, 2))]
    assert problems(ledger) == [
        ("warning", "Sheet1", "Sheet1!D2", "签约时间", "2024-04-02", "签约时间晚于报表期末（2024-03-31），请核实"),
    ]


def test_amount_without_any_unit_is_read_as_wan_with_a_warning(tmp_path):
    path = wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        ["项目名称", "县区", "签约金额", "签约时间"],
        ["甲项目", "河津", 100, "2024-04-02"],
        ["乙项目", "河津", 200, "2024-04-03"],
    ]})
    ledger = read_ledger(path)
    assert table(ledger, ("signed_amount_wan",)) == [(D("100"),), (D("200"),)]
    assert problems(ledger) == [
        ("warning", "Sheet1", "Sheet1!C1", "签约金额", None, "未注明金额单位，按“万元”处理；如为亿元请在表头写明“（亿元）”"),
    ]


def test_header_synonyms(tmp_path):
    ledger = read_ledger(wb.synonyms_ledger(tmp_path))
    assert ledger.kind == "signed"  # from the columns: nothing in the names says it
    assert [(c.field, c.header) for c in ledger.sheets[0].columns] == [
        ("project_name", "签约项目名称"),
        ("unit", "县市区"),
        ("signed_amount", "协议投资额（亿元）"),
        ("signed_date", "协议签订时间"),
        ("planned_investment", "计划投资额（亿元）"),
    ]
    assert table(ledger, ("project_name", "unit_id", "signed_amount_wan", "signed_date", "planned_investment_wan")) == [
        ("风电项目", "140822", D("80000"), date(2024, 7, 1), D("95000")),
    ]


# ---------------------------------------------------------------- ledger kind


STARTED_ROW = [1, "铝材项目", "临猗县", 5000, date(2024, 4, 1)]


@pytest.mark.parametrize(
    "name, title, header, expected",
    [
        ("台账.xlsx", "运城市2024年开工项目台账", None, "started"),  # title
        ("2024年3月开工项目.xlsx", None, None, "started"),  # file name
        ("台账.xlsx", None, ["序号", "项目名称", "县区", "计划投资额", "开工日期"], "started"),  # columns
        ("台账.xlsx", None, wb.SIGNED_HEADER[:5], "signed"),  # columns
        ("2024年签约项目台账.xlsx", None, ["序号", "项目名称", "县区", "计划投资额", "开工日期"], "signed"),  # name beats columns
    ],
)
def test_kind_detection(tmp_path, name, title, header, expected):
    header = header or wb.STARTED_HEADER
    rows = ([[title]] if title else []) + [header, STARTED_ROW]
    ledger = read_ledger(wb.xlsx(tmp_path / name, {"Sheet1": rows}))
    assert ledger.kind == expected


def test_kind_override(tmp_path):
    # the file name says 签约, but staff chose 开工 for this list
    path = wb.started_ledger(tmp_path, [STARTED_ROW], name="2024年签约项目台账.xlsx")
    assert read_ledger(path).kind == "signed"
    ledger = read_ledger(path, kind="started")
    assert ledger.kind == "started"
    assert table(ledger, ("kind", "project_name", "unit_id", "start_date", "is_started", "planned_investment_wan")) == [
        ("started", "铝材项目", "140821", date(2024, 4, 1), True, D("5000")),
    ]
    assert ledger.ok


def test_started_ledger_total_investment_is_the_planned_investment(tmp_path):
    path = wb.started_ledger(
        tmp_path,
        [["铝材项目", "临猗", 5, "2024年4月1日", "是"], ["储能项目", "永济", 12, None, "否"]],
        header=["项目名称", "县（市、区）", "总投资（亿元）", "开工日期", "是否开工"],
    )
    ledger = read_ledger(path)
    assert ledger.kind == "started"
    assert table(ledger, ("project_name", "unit_id", "planned_investment_wan", "signed_amount_wan", "start_date", "is_started")) == [
        ("铝材项目", "140821", D("50000"), None, date(2024, 4, 1), True),
        ("储能项目", "140881", D("120000"), None, None, False),  # not started: no start date needed
    ]
    assert ledger.ok


def test_started_ledger_with_signed_amount_and_total_investment(tmp_path):
    # Regression: 签约金额 was taken as 计划总投资 and 总投资 dropped.
    path = wb.started_ledger(
        tmp_path,
        [["铝材项目", "临猗", 4, 5, date(2024, 4, 1)]],
        header=["项目名称", "县（市、区）", "签约金额（亿元）", "总投资（亿元）", "开工时间"],
    )
    ledger = read_ledger(path)
    assert table(ledger, ("signed_amount_wan", "planned_investment_wan")) == [(D("40000"), D("50000"))]


# ---------------------------------------------------------------- bad cells


def bad_cells_ledger(tmp_path):
    return wb.signed_ledger(tmp_path, [
        ("铝材项目", "临漪县", 100, date(2024, 1, 2), None),  # unit typo
        ("储能项目", "盐湖区", 200, "2024-02-30", None),  # no such day
        ("光伏项目", "盐湖区", -300, date(2024, 1, 4), None),  # negative
        ("风电项目", "盐湖区", 400, date(2024, 1, 5), None),  # fine
    ])


def test_all_bad_cells_of_a_file_are_reported_at_once(tmp_path):
    ledger = read_ledger(bad_cells_ledger(tmp_path))
    assert not ledger.ok
    assert problems(ledger, "error") == [
        ("error", "Sheet1", "Sheet1!C2", "所属县（市、区）", "临漪县", "无法识别的县（市、区）或开发区，是否为“临猗县”？"),
        ("error", "Sheet1", "Sheet1!D4", "签约金额（万元）", "-300", "金额不能为负数，应为一个非负数字，如 1234.5、5000万元 或 3.5亿元"),
        ("error", "Sheet1", "Sheet1!E3", "签约时间", "2024-02-30", "日期无效（没有这一天），应为 2024-03-15、2024.3.15 或 2024年3月15日 等形式"),
    ]


def test_error_text_names_file_sheet_row_column_and_value(tmp_path):
    ledger = read_ledger(bad_cells_ledger(tmp_path))
    assert [p.text() for p in ledger.errors] == [
        "[错误] 文件「2024年1-6月签约项目台账.xlsx」 工作表「Sheet1」 第2行 C列「所属县（市、区）」 值「临漪县」："
        "无法识别的县（市、区）或开发区，是否为“临猗县”？",
        "[错误] 文件「2024年1-6月签约项目台账.xlsx」 工作表「Sheet1」 第4行 D列「签约金额（万元）」 值「-300」："
        "金额不能为负数，应为一个非负数字，如 1234.5、5000万元 或 3.5亿元",
        "[错误] 文件「2024年1-6月签约项目台账.xlsx」 工作表「Sheet1」 第3行 E列「签约时间」 值「2024-02-30」："
        "日期无效（没有这一天），应为 2024-03-15、2024.3.15 或 2024年3月15日 等形式",
    ]


def test_errors_of_every_sheet_are_reported_together(tmp_path):
    path = wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", {
        "1-3月": [wb.SIGNED_HEADER, [1, "铝材项目", "临猗县", "一百", date(2024, 1, 2)]],
        "1-6月": [wb.SIGNED_HEADER, [1, "铝材项目", "临猗县", 100, "2024-13-01"]],
    })
    assert [(p.cell, p.value) for p in read_ledger(path).errors] == [("1-3月!D2", "一百"), ("1-6月!E2", "2024-13-01")]


def test_missing_required_column_names_the_header_row_and_the_synonyms(tmp_path):
    # no period in the title, sheet or file name either (with one, see the undated tests below)
    path = wb.xlsx(tmp_path / "签约项目台账.xlsx", {"Sheet1": [
        ["招商引资签约项目台账"],
        ["项目名称", "所属县（市、区）", "签约金额（万元）"],
        ["铝材项目", "临猗县", 100],
    ]})
    ledger = read_ledger(path)
    assert [(p.level, p.sheet, p.row, p.column) for p in ledger.errors] == [("error", "Sheet1", 2, None)]
    assert ledger.errors[0].text() == (
        "[错误] 文件「签约项目台账.xlsx」 工作表「Sheet1」 第2行："
        "签约台账缺少必需列：“签约时间”（可用表头：签约时间、签约日期、协议签订时间）。"
        "请在第2行表头中补上该列，或选择正确的台账类型"
    )
    assert ledger.rows.height == 0


@pytest.mark.parametrize(
    "sheets_, message",
    [
        ({"Sheet1": [wb.SIGNED_HEADER]}, "文件中没有找到项目清单（「Sheet1」表头下没有项目行）。项目清单须有“项目名称”等表头，可下载模板对照"),
        (
            {"说明": [["填表说明"], ["金额单位为万元"]]},
            "文件中没有找到项目清单（「说明」未找到项目表头（如说明页））。项目清单须有“项目名称”等表头，可下载模板对照",
        ),
    ],
    ids=["header-only", "only-a-note-sheet"],
)
def test_no_project_list_is_an_error(tmp_path, sheets_, message):
    ledger = read_ledger(wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", sheets_))
    assert [(p.level, p.file, p.message) for p in ledger.errors] == [("error", "2024年签约项目台账.xlsx", message)]
    assert ledger.rows.height == 0


def test_row_without_project_name_is_an_error_but_numbered_empty_rows_are_not(tmp_path):
    path = wb.xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        wb.SIGNED_HEADER,
        [1, "铝材项目", "临猗县", 100, date(2024, 1, 2)],
        [2, None, "临猗县", 300, date(2024, 1, 3)],  # data but no name: an error
        [3],  # an unused numbered line of the template
    ]})
    ledger = read_ledger(path)
    assert [(p.cell, p.header, p.message) for p in ledger.errors] == [
        ("Sheet1!B3", "项目名称", "项目名称为空，请填写项目名称或删除该行"),
    ]
    assert table(ledger, ("project_name",)) == [("铝材项目",)]


# ---------------------------------------------------------------- hostile cells (issue 17)

TOO_LARGE = "金额超出可能范围（单个项目不会超过 10 万亿元），可能误填了身份证号或单位，请核对金额及表头中的单位（万元/亿元）"
FORM = "应为一个非负数字，如 1234.5、5000万元 或 3.5亿元"
NOT_A_NUMBER = f"金额不是有效数字（NaN、inf 多由公式出错或程序导出产生），未定请填“待定”，{FORM}"
DATE_FORM = "应为 2024-03-15、2024.3.15 或 2024年3月15日 等形式"


@pytest.mark.parametrize(
    "cell, unit, shown, message",
    [
        # shown: the value the problem quotes, per format when Excel stores it differently
        (142701199001011234, "万元", {"xlsx": "142701199001011200", "csv": "142701199001011234"}, TOO_LARGE),
        ("142701199001011234", "万元", "142701199001011234", TOO_LARGE),
        ("１４２７０１１９９００１０１１２３４", "万元", "１４２７０１１９９００１０１１２３４", TOO_LARGE),
        ("14270119900101123X", "万元", "14270119900101123X", f"无法识别的金额，{FORM}"),
        (1e300, "万元", {"xlsx": "1000000000000000052504760255204420248704…（共 301 个字符）", "csv": "1e+300"}, TOO_LARGE),
        ("1.42701E+17", "元", "1.42701E+17", TOO_LARGE),  # how Excel saves an ID number to CSV
        (10**13, "亿元", "10000000000000", TOO_LARGE),  # fits 万元 digits, overflows once ×10000
        (100000, "亿元", "100000", TOO_LARGE),
        ("1e13亿元", "万元", "1e13亿元", TOO_LARGE),
        ("9" * 400, "万元", "9" * 40 + "…（共 400 个字符）", TOO_LARGE),
        (-5, "万元", "-5", f"金额不能为负数，{FORM}"),
        ("nan", "万元", "nan", NOT_A_NUMBER),
        ("NaN", "万元", "NaN", NOT_A_NUMBER),
        ("NAN", "亿元", "NAN", NOT_A_NUMBER),
        ("inf", "万元", "inf", NOT_A_NUMBER),
        ("-Infinity", "万元", "-Infinity", NOT_A_NUMBER),
        ("١٢٣", "万元", "١٢٣", f"金额中有非常规的数字字符「١」，请用 0-9 重新输入，{FORM}"),
    ],
    ids=lambda v: str(v)[:20] if not isinstance(v, dict) else "",
)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_hostile_amount_is_one_cell_error_naming_its_value(tmp_path, fmt, cell, unit, shown, message):
    header = ["序号", "项目名称", "所属县（市、区）", f"签约金额（{unit}）", "签约时间"]
    rows = [header, [1, "铝材项目", "临猗县", cell, date(2024, 1, 2)], [2, "储能项目", "盐湖区", "5万元", date(2024, 1, 3)]]
    name = "2024年签约项目台账"
    path = wb.xlsx(tmp_path / f"{name}.xlsx", {"Sheet1": rows}) if fmt == "xlsx" else wb.csv_file(tmp_path / f"{name}.csv", rows)
    ledger = read_ledger(path)
    shown = shown[fmt] if isinstance(shown, dict) else shown
    sheet = "Sheet1" if fmt == "xlsx" else name
    assert [(p.level, p.file, p.sheet, p.row, p.column, p.header, p.value, p.message) for p in ledger.errors] == [
        ("error", path.name, sheet, 2, "D", f"签约金额（{unit}）", shown, message),
    ]
    # the other row is read as usual; the bad cell holds nothing
    assert table(ledger, ("excel_row", "signed_amount_wan")) == [(2, None), (3, D("5"))]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_largest_possible_amount_is_still_read(tmp_path, fmt):
    # the storage limit, not the plausibility ceiling: the uploader has confirmed the amounts
    header = ["项目名称", "所属县（市、区）", "签约金额（亿元）", "签约时间"]
    rows = [header, ["铝材项目", "临猗县", "99999.9999", "2024-01-02"], ["储能项目", "盐湖区", "999999999.9999万元", "2024-01-02"]]
    name = "2024年签约项目台账"
    path = wb.xlsx(tmp_path / f"{name}.xlsx", {"Sheet1": rows}) if fmt == "xlsx" else wb.csv_file(tmp_path / f"{name}.csv", rows)
    ledger = read_ledger(path, confirm_amounts=True)
    assert ledger.errors == []
    assert table(ledger, ("signed_amount_wan",)) == [(D("999999999"),), (D("999999999.9999"),)]


def _date_cell_xlsx(path, serial):
    """A number formatted as a date, as Excel stores dates; past 9999-12-31 it cannot be one."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间"])
    sheet.append(["铝材项目", "临猗县", 100, serial])
    sheet["D2"].number_format = "yyyy-mm-dd"
    book.save(path)
    return path


YEAR_RANGE = f"日期年份应在 2000—2100 之间，{DATE_FORM}"


@pytest.mark.parametrize(
    "build, shown, message",
    [
        (lambda p: _date_cell_xlsx(p / "a.xlsx", 2958466), "+10000-01-01 00:00:00", YEAR_RANGE),
        (lambda p: _date_cell_xlsx(p / "a.xlsx", 3e6), "+10113-09-19 00:00:00", YEAR_RANGE),
        (lambda p: _date_cell_xlsx(p / "a.xlsx", -1), "1899-12-30 00:00:00", YEAR_RANGE),
        (lambda p: wb.csv_file(p / "a.csv", [["项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间"],
                                             ["铝材项目", "临猗县", 100, "99999-01-01"]]), "99999-01-01", YEAR_RANGE),
        (lambda p: wb.csv_file(p / "a.csv", [["项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间"],
                                             ["铝材项目", "临猗县", 100, "٢٠٢٤-03-15"]]), "٢٠٢٤-03-15",
         f"日期中有非常规的数字字符「٢」，请用 0-9 重新输入，{DATE_FORM}"),
        (lambda p: wb.csv_file(p / "a.csv", [["项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间"],
                                             ["铝材项目", "临猗县", 100, "nan"]]), "nan", f"无法识别的日期，{DATE_FORM}"),
    ],
    ids=["serial-after-9999", "serial-3e6", "negative-serial", "five-digit-year", "arabic-indic-digits", "nan"],
)
def test_an_impossible_date_is_one_cell_error(tmp_path, build, shown, message):
    ledger = read_ledger(build(tmp_path), "signed")
    assert [(p.row, p.column, p.header, p.value, p.message) for p in ledger.errors] == [(2, "D", "签约时间", shown, message)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_pasted_paragraph_is_no_project_name(tmp_path, fmt):
    paragraph = "该项目由某某集团投资建设，" * 300
    rows = [wb.SIGNED_HEADER, [1, paragraph, "临猗县", 100, date(2024, 1, 2)]]
    name = "2024年签约项目台账"
    path = wb.xlsx(tmp_path / f"{name}.xlsx", {"Sheet1": rows}) if fmt == "xlsx" else wb.csv_file(tmp_path / f"{name}.csv", rows)
    ledger = read_ledger(path)
    assert [(p.row, p.column, p.value, p.message) for p in ledger.errors] == [(
        2, "B", paragraph[:40] + "…（共 3900 个字符）",
        "项目名称过长（3900 个字符），可能误粘贴了整段文字；请只填写项目名称（不超过 200 字）",
    )]


def test_an_unexpected_error_is_one_problem_and_a_logged_traceback(tmp_path, monkeypatch, caplog):
    from etl import parse

    def broken(*args, **kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(parse, "resolve_chain", broken)
    path = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 100, date(2024, 1, 2), "新能源")])
    with caplog.at_level("ERROR", logger="etl.read"):
        ledger = read_ledger(path)
    assert [(p.level, p.file, p.sheet, p.row, p.message) for p in ledger.problems] == [(
        "error", "2024年1-6月签约项目台账.xlsx", "Sheet1", None,
        "读取文件时发生意外错误，文件未导入；请把此文件发给管理员",
    )]
    assert ledger.rows.height == 0 and not ledger.ok
    # the admin gets the traceback, the uploader never sees it
    assert "a bug nobody foresaw" in caplog.text and "Traceback" in caplog.text
    assert "RuntimeError" not in ledger.problems[0].text()


def test_an_unreadable_path_is_a_problem_not_an_exception(tmp_path):
    ledger = read_ledger(tmp_path / "没有这个文件.xlsx")
    assert [(p.level, p.file, p.message) for p in ledger.problems] == [
        ("error", "没有这个文件.xlsx", "无法读取文件（文件不存在、被占用或磁盘出错），文件未导入"),
    ]


# ---------------------------------------------------------------- plausibility


def test_a_date_after_the_day_of_the_load_is_an_error(tmp_path):
    # 2052 for 2025 loaded with only a warning: a signing that has not happened moved the headline
    header = ["项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间", "开工时间"]
    rows = [header, ["铝材项目", "临猗县", "5000", "2052-03-15", ""], ["储能项目", "盐湖区", "8000", "2025-03-15", "2025-12-08"],
            ["纸箱项目", "夏县", "300", "2025-12-06", "2025-12-07"]]
    path = wb.xlsx(tmp_path / "2025年签约项目台账.xlsx", {"Sheet1": rows})
    ledger = read_ledger(path, today=date(2025, 12, 7))
    assert problems(ledger, "error") == [
        ("error", "Sheet1", "Sheet1!D2", "签约时间", "2052-03-15", "签约时间晚于今天（2025-12-07），不可能已发生；请核对年份或月份"),
        ("error", "Sheet1", "Sheet1!E3", "开工时间", "2025-12-08", "开工时间晚于今天（2025-12-07），不可能已发生；请核对年份或月份"),
    ]


def test_an_amount_beyond_any_project_is_an_error_until_confirmed(tmp_path):
    # 35000 亿元 (万元 typed under a 亿元 header) loaded silently and added 35,000 亿元 to the year
    header = ["项目名称", "所属县（市、区）", "签约金额（亿元）", "签约时间"]
    rows = [header, ["铝材项目", "临猗县", "35000", "2025-03-15"], ["储能项目", "盐湖区", "120", "2025-04-01"]]
    path = wb.xlsx(tmp_path / "2025年签约项目台账.xlsx", {"Sheet1": rows})
    refused = read_ledger(path)
    assert problems(refused, "error") == [
        ("error", "Sheet1", "Sheet1!C2", "签约金额（亿元）", "35,000.00 亿元",
         "金额 35,000.00 亿元 超过单个项目的上限（500 亿元），是否把万元填成了亿元？请核对金额和表头中的单位；确属无误的，请在预览中确认后导入"),
    ]
    confirmed = read_ledger(path, confirm_amounts=True)
    assert confirmed.errors == []
    assert problems(confirmed, "warning") == [
        ("warning", "Sheet1", "Sheet1!C2", "签约金额（亿元）", "35,000.00 亿元", "金额 35,000.00 亿元 超过单个项目的上限（500 亿元），已由上传人确认无误"),
    ]
    assert table(confirmed, ("signed_amount_wan",)) == [(D("350000000"),), (D("1200000"),)]


# ---------------------------------------------------------------- header vocabulary (words headers.csv does not list)


def mapped(ledger):
    """(field, letter, header, confidence) of every column read."""
    return [(c.field, c.letter, c.header, c.confidence) for s in ledger.sheets for c in s.columns]


def total(ledger, column="signed_amount_wan"):
    return ledger.rows.get_column(column).sum()


WORDED_ROWS = (["铝材项目", "临猗县", 10000, date(2024, 2, 1), "新能源"], ["储能项目", "盐湖区", 2500.5, date(2024, 3, 1), "铝镁精深加工"])


@pytest.mark.parametrize("unit_header", ["所在县区", "项目所属区县", "所属区县名称"])
def test_prefixes_and_suffixes_that_change_nothing_are_read_past(tmp_path, unit_header):
    # 所在/所属/项目 before and 名称 after: the county and the chain a clerk reads at once
    path = wb.worded_ledger(tmp_path, ["项目名称", unit_header, "签约金额（万元）", "签约时间", "产业链名称"], *WORDED_ROWS)
    ledger = read_ledger(path)
    assert mapped(ledger) == [
        ("project_name", "A", "项目名称", "high"),
        ("unit", "B", unit_header, "medium"),
        ("signed_amount", "C", "签约金额（万元）", "high"),
        ("signed_date", "D", "签约时间", "high"),
        ("chain", "E", "产业链名称", "medium"),
    ]
    assert table(ledger, ("project_name", "unit_id", "chain")) == [("铝材项目", "140821", "新能源"), ("储能项目", "140802", "铝镁精深加工")]
    assert total(ledger) == D("12500.5")
    assert ledger.problems == []


@pytest.mark.parametrize("unit_header", ["区县", "市县区", "区市县", "县区"])
def test_county_words_in_any_order_are_the_reporting_unit(tmp_path, unit_header):
    path = wb.worded_ledger(tmp_path, ["项目名称", unit_header, "签约金额（万元）", "签约时间"], *(r[:4] for r in WORDED_ROWS))
    ledger = read_ledger(path)
    assert [(c.field, c.header) for c in ledger.sheets[0].columns][1] == ("unit", unit_header)
    assert table(ledger, ("unit_id",)) == [("140821",), ("140802",)]
    assert total(ledger) == D("12500.5")
    assert ledger.errors == []


@pytest.mark.parametrize("amount_header, date_header", [
    ("协议金额（万元）", "签订日期"),
    ("合同金额（万元）", "合同签订时间"),
    ("签订金额（万元）", "协议签订日期"),
])
def test_words_of_signing_and_date_for_time_are_the_signing(tmp_path, amount_header, date_header):
    # 签订, 协议, 合同 all say 签约; 日期 and 时间 are one word in a header
    path = wb.worded_ledger(tmp_path, ["项目名称", "所属县（市、区）", amount_header, date_header], *(r[:4] for r in WORDED_ROWS))
    ledger = read_ledger(path)
    assert [(c.field, c.header, c.money_unit, c.confidence) for c in ledger.sheets[0].columns][2:] == [
        ("signed_amount", amount_header, "万元", "medium"),
        ("signed_date", date_header, None, "medium"),
    ]
    assert table(ledger, ("signed_amount_wan", "signed_date")) == [(D("10000"), date(2024, 2, 1)), (D("2500.5"), date(2024, 3, 1))]
    assert total(ledger) == D("12500.5")
    assert ledger.problems == []


@pytest.mark.parametrize("amount_header, cells, unit, wan", [
    ("签约金额（元）", (100_000_000, 25_005_000), "元", (D("10000"), D("2500.5"))),
    ("协议金额（亿元）", (1, 0.25005), "亿元", (D("10000"), D("2500.5"))),
    ("合同投资额[万元]", (10000, 2500.5), "万元", (D("10000"), D("2500.5"))),
])
def test_a_unit_inside_the_header_is_still_the_money_unit(tmp_path, amount_header, cells, unit, wan):
    rows = [[name, county, cell, day] for (name, county, _, day, _), cell in zip(WORDED_ROWS, cells)]
    ledger = read_ledger(wb.worded_ledger(tmp_path, ["项目名称", "县区", amount_header, "签约日期"], *rows))
    column = ledger.sheets[0].columns[2]
    assert (column.field, column.money_unit) == ("signed_amount", unit)
    assert table(ledger, ("signed_amount_wan",)) == [(w,) for w in wan]
    assert total(ledger) == D("12500.5")
    assert ledger.errors == []


def test_planned_start_and_period_funds_stay_apart_from_start_and_cumulative_funds(tmp_path):
    header = ["项目名称", "所在县区", "计划总投资（万元）", "项目计划开工日期", "实际开工日期", "本年到位资金（万元）", "累计到位资金（万元）"]
    path = wb.worded_ledger(tmp_path, header, ["铝材项目", "临猗县", 5000, date(2024, 3, 1), date(2024, 4, 2), 800, 1200],
                            ["储能项目", "盐湖区", 9000, date(2024, 5, 1), date(2024, 5, 20), 100, 3000],
                            name="2024年1-6月开工项目台账.xlsx")
    ledger = read_ledger(path)
    assert [(c.field, c.letter, c.confidence) for c in ledger.sheets[0].columns] == [
        ("project_name", "A", "high"), ("unit", "B", "medium"), ("planned_investment", "C", "high"),
        ("planned_start_date", "D", "medium"), ("start_date", "E", "medium"),
        ("funds_in_place_period", "F", "high"), ("funds_in_place", "G", "high"),
    ]
    assert table(ledger, ("planned_start_date", "start_date", "funds_in_place_period_wan", "funds_in_place_wan")) == [
        (date(2024, 3, 1), date(2024, 4, 2), D("800"), D("1200")),
        (date(2024, 5, 1), date(2024, 5, 20), D("100"), D("3000")),
    ]
    assert (total(ledger, "planned_investment_wan"), total(ledger, "funds_in_place_wan")) == (D("14000"), D("4200"))
    assert ledger.problems == []


def test_the_attracted_amount_is_not_the_signed_amount(tmp_path):
    # 引资额 is the part from outside the city: another figure, never read as 签约金额
    header = ["项目名称", "所在县区", "引资额（万元）", "协议金额（万元）", "签订日期"]
    path = wb.worded_ledger(tmp_path, header, ["铝材项目", "临猗县", 3000, 10000, date(2024, 2, 1)],
                            ["储能项目", "盐湖区", 500, 2500.5, date(2024, 3, 1)])
    ledger = read_ledger(path)
    assert [c.field for c in ledger.sheets[0].columns] == ["project_name", "unit", "signed_amount", "signed_date"]
    assert ledger.sheets[0].columns[2].letter == "D"
    assert total(ledger) == D("12500.5")
    assert ledger.problems == []


def test_of_two_columns_for_one_field_the_listed_header_wins_and_the_other_is_noted(tmp_path):
    header = ["项目名称", "所在县区", "所属县（市、区）", "签约金额（万元）", "签约时间"]
    path = wb.worded_ledger(tmp_path, header, ["铝材项目", "盐湖区", "临猗县", 10000, date(2024, 2, 1)])
    ledger = read_ledger(path)
    assert [(c.field, c.letter, c.confidence) for c in ledger.sheets[0].columns][:2] == [("project_name", "A", "high"), ("unit", "C", "high")]
    assert table(ledger, ("unit_id",)) == [("140821",)]
    assert problems(ledger) == [
        ("note", "Sheet1", "Sheet1!B1", "所在县区", None,
         "本列也可能是“县（市、区）/开发区”，已按把握更大的C列「所属县（市、区）」读取，本列未读取；如应读取本列，请修改表头"),
    ]


def test_a_header_that_could_be_two_fields_is_read_as_the_closer_one_and_noted(tmp_path):
    header = ["项目名称", "县区", "总投资情况（万元）", "签约时间"]
    path = wb.worded_ledger(tmp_path, header, ["铝材项目", "临猗县", 10000, date(2024, 2, 1)])
    ledger = read_ledger(path)
    assert (ledger.sheets[0].columns[2].field, ledger.sheets[0].columns[2].confidence) == ("signed_amount", "medium")
    assert total(ledger) == D("10000")
    assert problems(ledger) == [
        ("note", "Sheet1", "Sheet1!C1", "总投资情况（万元）", None, "本列按“签约金额”读取，也可能是“计划总投资”；如不对请修改表头"),
    ]


def test_a_required_column_only_guessed_is_refused_until_the_mapping_is_given(tmp_path):
    path = wb.worded_ledger(tmp_path, ["项目名称", "所在县区", "签约金额（万元）", "约定日期"], *(r[:4] for r in WORDED_ROWS))
    refused = read_ledger(path)
    assert problems(refused, "error") == [
        ("error", "Sheet1", "Sheet1!D1", "约定日期", None, "未找到“签约时间”列；“约定日期”（D列）可能是签约时间，如确认请把该列表头改为“签约时间”"),
    ]
    assert refused.rows.height == 0
    for name in ("签约时间", "signed_date"):
        ledger = read_ledger(path, mapping={"约定日期": name})
        assert mapped(ledger)[3] == ("signed_date", "D", "约定日期", "manual")
        assert table(ledger, ("signed_date",)) == [(date(2024, 2, 1),), (date(2024, 3, 1),)]
        assert total(ledger) == D("12500.5")
        assert ledger.problems == []


def test_a_column_mapped_to_not_imported_is_read_as_no_field_and_never_proposed(tmp_path):
    # no period in the name: without its signing date the ledger cannot load undated either
    path = wb.worded_ledger(tmp_path, ["项目名称", "所在县区", "签约金额（万元）", "约定日期", "联系人"], *(r[:4] + ["张三"] for r in WORDED_ROWS),
                            name="签约项目台账.xlsx")
    ledger = read_ledger(path, mapping={"约定日期": "不导入", "联系人": "not_imported"})
    assert ("D", "约定日期") in ledger.sheets[0].ignored
    errors = problems(ledger, "error")
    assert len(errors) == 1 and errors[0][5].startswith("签约台账缺少必需列：“签约时间”"), "no longer proposed"
    assert not ledger.warnings, "both mappings were used"
    kept = read_ledger(path, mapping={"所在县区": "不导入", "约定日期": "签约时间"})
    assert "unit" not in {c.field for c in kept.sheets[0].columns}


def test_a_mapping_can_overrule_a_listed_header_and_an_unused_one_is_said(tmp_path):
    path = wb.worded_ledger(tmp_path, ["项目名称", "县区", "签约金额（万元）", "签约时间", "协议签订时间"],
                            ["铝材项目", "临猗县", 10000, date(2024, 2, 1), date(2024, 1, 5)])
    ledger = read_ledger(path, mapping={"协议签订时间": "签约时间", "约定日期": "开工时间"})
    assert table(ledger, ("signed_date",)) == [(date(2024, 1, 5),)]
    assert [(p.level, p.cell, p.message) for p in ledger.problems] == [
        ("warning", None, "指定的对应“约定日期=开工时间”在文件的表头中未找到，未使用"),
        ("note", "Sheet1!D1", "本列也可能是“签约时间”，已按把握更大的E列「协议签订时间」读取，本列未读取；如应读取本列，请修改表头"),
    ]


def test_the_note_of_a_two_field_header_names_what_was_read(tmp_path):
    # on a started ledger the plain total is the planned investment: the note says so
    path = wb.started_ledger(tmp_path, [["铝材项目", "临猗县", 5000, date(2024, 4, 1)]],
                             header=["项目名称", "所属县（市、区）", "总投资情况（万元）", "开工时间"])
    ledger = read_ledger(path)
    assert mapped(ledger)[2] == ("planned_investment", "C", "总投资情况（万元）", "medium")
    assert total(ledger, "planned_investment_wan") == D("5000")
    assert [p.message for p in ledger.problems] == ["本列按“计划总投资”读取，也可能是“签约金额”；如不对请修改表头"]


# ---------------------------------------------------------------- real public ledgers (FIELD-NOTES, second round)


def test_blank_rows_and_an_annotation_line_above_the_header(tmp_path):
    ledger = read_ledger(wb.annotated_header_ledger(tmp_path))
    assert ledger.sheets[0].header_rows == (5, 5)
    assert (ledger.kind, ledger.period.label) == ("signed", "2024年1-6月")
    assert table(ledger) == [
        ("Sheet1", 6, "铝型材项目", "140821", D("1200"), date(2024, 3, 15)),
        ("Sheet1", 7, "储能电站项目", "140802", D("3400.5"), date(2024, 5, 20)),
    ]
    assert ledger.rows["signed_amount_wan"].sum() == D("4600.5")
    assert ledger.problems == []


@pytest.mark.parametrize("header", [wb.SIGNED_HEADER, wb.SIGNED_HEADER[1:]], ids=["with 序号", "name first"])
def test_the_templates_keep_this_row_line_is_no_project(tmp_path, header):
    # without a 序号 column the line's text sits in the name column: it was read as a
    # project with no unit, date or amount (three errors on an untouched template row)
    ledger = read_ledger(wb.keep_row_ledger(tmp_path, header))
    assert table(ledger, ("excel_row", "project_name", "signed_amount_wan")) == [
        (3, "铝型材项目", D("1200")),
        (4, "储能电站项目", D("800")),
    ]
    assert ledger.problems == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_placeholders_in_optional_cells_are_blanks(tmp_path, fmt):
    # 缺漏 was an unreadable amount and date; "/" an investor's name and an unknown chain;
    # #REF! is an error cell in an .xlsx (calamine: blank) and text in a CSV
    path = wb.placeholders_ledger(tmp_path)
    if fmt == "csv":
        path = wb.csv_file(tmp_path / "2024年签约项目台账.csv", [
            [c.isoformat() if isinstance(c, date) else c for c in row]
            for row in read_ledger_rows(path)
        ])
    ledger = read_ledger(path)
    optional = ("investor", "planned_investment_wan", "funds_in_place_wan", "start_date", "project_code", "remarks", "chain_raw")
    assert table(ledger, ("project_name", "signed_amount_wan", "signed_date", "chain", *optional)) == [
        (f"项目{i}", D(100 * i), date(2024, 2, i), "其他", *[None] * len(optional))
        for i in range(1, len(wb.OPTIONAL_PLACEHOLDERS) + 1)
    ]
    assert ledger.rows["signed_amount_wan"].sum() == D("1500")
    assert ledger.problems == []


def read_ledger_rows(path):
    """The cells of an .xlsx's first sheet as openpyxl sees them (error cells as their text)."""
    import openpyxl

    return [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]


def test_serial_numbers_and_padded_dates_in_a_text_column(tmp_path):
    ledger = read_ledger(wb.serial_dates_ledger(tmp_path))
    assert ledger.rows["signed_date"].to_list() == [expected for _, expected in wb.SERIAL_DATES]
    assert (ledger.rows.height, ledger.rows["signed_amount_wan"].sum()) == (6, D("60"))
    assert ledger.problems == []


def test_a_hidden_instruction_sheet_is_skipped_with_a_note(tmp_path):
    ledger = read_ledger(wb.hidden_instructions_ledger(tmp_path))
    assert sheets(ledger) == [("填写说明", False, "未找到项目表头（如说明页）"), ("签约项目", True, "")]
    assert table(ledger) == [("签约项目", 2, "铝型材项目", "140823", D("500"), date(2024, 4, 1))]
    assert problems(ledger) == [("note", "填写说明", None, None, None, "已跳过：未找到项目表头（如说明页）")]


def test_sheet_names_with_trailing_spaces_keep_their_name_and_give_the_period(tmp_path):
    # the name is kept as written: problems and the trace must point at the sheet Excel shows
    ledger = read_ledger(wb.trailing_space_sheets_ledger(tmp_path))
    assert ledger.period.label == "2024年1-3月"
    assert table(ledger, (*BASIC, "period_end")) == [
        ("2024年1-3月 ", 2, "铝型材项目", "140822", D("300"), date(2024, 2, 1), date(2024, 3, 31)),
    ]
    assert [p.level for p in ledger.problems] == ["note"]


@pytest.mark.parametrize("far", ["XFC1", "XFC1048570"])
def test_a_styled_empty_cell_far_right_does_not_widen_the_sheet(tmp_path, far):
    # openpyxl keeps a styled empty cell and its <dimension> then claims 16,383 columns;
    # the grid must stay the table's own width (a 16,383-column frame takes seconds)
    import zipfile

    path = wb.wide_used_range_ledger(tmp_path, far)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:XFC' in xml and f'<c r="{far}"' in xml
    data = path.read_bytes()
    grids = read_grids(path, data, check_file(path, data))
    assert [g.frame.width for g in grids] == [len(wb.SIGNED_HEADER)]
    ledger = read_ledger(path)
    assert table(ledger) == [("Sheet1", 2, "铝型材项目", "140882", D("700"), date(2024, 6, 1))]
    assert ledger.problems == []


# ---------------------------------------------------------------- signed ledgers without dates


UNDATED_HEADER = ["序号", "项目名称", "所属县（市、区）", "签约金额（万元）"]
UNDATED_ROWS = [[1, "铝材项目", "临猗县", 1200], [2, "储能项目", "盐湖区", 800.5]]


@pytest.mark.parametrize("file_name, sheet, title, period_end, words", [
    ("签约项目台账.xlsx", "Sheet1", "运城市2023年招商引资签约项目清单", date(2023, 12, 31), "2023年"),
    ("签约项目台账.xlsx", "2025年1-9月", None, date(2025, 9, 30), "2025年1-9月"),
    ("2025年1-9月签约项目台账.xlsx", "Sheet1", None, date(2025, 9, 30), "2025年1-9月"),
], ids=["title", "sheet", "file name"])
def test_a_signed_ledger_without_dates_loads_with_its_stated_period(tmp_path, file_name, sheet, title, period_end, words):
    # yearly returns list a year's signings without dates: refusing them for a missing
    # 签约时间 column lost the whole year; the period is all that is known of the dates
    rows = [[title]] if title else []
    path = wb.xlsx(tmp_path / file_name, {sheet: [*rows, UNDATED_HEADER, *UNDATED_ROWS]})
    ledger = read_ledger(path, today=date(2026, 1, 1))
    header_row = 2 if title else 1
    assert table(ledger, (*BASIC, "period_end")) == [
        (sheet, header_row + 1, "铝材项目", "140821", D("1200"), None, period_end),
        (sheet, header_row + 2, "储能项目", "140802", D("800.5"), None, period_end),
    ]
    assert ledger.rows["signed_amount_wan"].sum() == D("2000.5")
    assert problems(ledger) == [
        ("warning", sheet, f"{sheet}!{header_row}", None, None, f"本表没有签约时间列，项目按报表期间 {words} 计入，月份不详"),
    ]
    assert ledger.ok


def test_an_undated_ledger_still_proposes_a_column_that_may_be_the_date(tmp_path):
    # the period is the last resort: a column that may hold the dates is asked about first
    path = wb.xlsx(tmp_path / "2023年签约项目台账.xlsx", {"Sheet1": [
        [*UNDATED_HEADER, "约定日期"], [*UNDATED_ROWS[0], "2023-05-01"],
    ]})
    ledger = read_ledger(path)
    assert [(p.level, p.column, p.header) for p in ledger.errors] == [("error", "E", "约定日期")]
    assert ledger.rows.height == 0
