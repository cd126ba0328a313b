"""Table-driven tests of etl.parse: each row is a cell value seen in real ledgers."""

import re
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal

import pytest

from base.reference import REFERENCE_DIR, _rows, _split, load_reference, resolve_unit, suggest_unit
from base.text import clean_text
from etl.parse import (
    PLACEHOLDERS,
    USD_CNY,
    ParseError,
    Period,
    date_precision,
    detect_money_unit,
    is_footer_row,
    is_keep_row,
    is_group_row,
    is_project_code,
    is_total_row,
    normalize_name,
    origin_province,
    parse_amount,
    parse_date,
    parse_period,
    parse_produced,
    parse_started,
    project_key,
    resolve_chain,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def assert_chinese_error(excinfo, expected_form):
    message = str(excinfo.value)
    assert CHINESE.search(message), message
    assert expected_form in message, message


# ---------------------------------------------------------------- clean_text

@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("   \n\t", None),
        (2024.0, "2024"),  # a year read from Excel as float
        (12.34, "12.34"),
        (45366, "45366"),
        ("年产10万吨\n铝型材项目", "年产10万吨铝型材项目"),  # wrapped cell
        ("绛\u3000县", "绛县"),  # full-width space between CJK
        ("１２３４．５", "1234.5"),  # full-width digits and point
        ("ＡＢＣ　Ｌｔｄ", "ABC Ltd"),  # full-width Latin, one space between words
        ("山西ABC\n有限公司（运城）", "山西ABC有限公司（运城）"),  # （） are kept
        ("单位：万元", "单位：万元"),  # Chinese colon kept
        ("  待定 ", "待定"),
        ("\ufeff项目名称\u200b", "项目名称"),  # BOM and zero-width space from WPS
        (datetime(2024, 3, 15), "2024-03-15"),
        (float("nan"), None),
    ],
)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


# ---------------------------------------------------------------- normalize_name

@pytest.mark.parametrize(
    "name, expected",
    [
        ("XX铝材加工项目", "xx铝材加工"),
        ("XX铝材加工", "xx铝材加工"),
        ("年产10万吨\n铝型材 项目", "年产10万吨铝型材"),
        ("华润风电（一期）项目", "华润风电(一期)"),
        ("华润风电(一期)", "华润风电(一期)"),
        ("华润风电【一期】项目", "华润风电(一期)"),
        ("华润风电[一期]", "华润风电(一期)"),
        ("ＡＢＣ储能电站项目。", "abc储能电站"),
        ("储能电站项目；", "储能电站"),
        ("项目", "项目"),  # nothing left to identify it by otherwise
        ("项目管理中心建设", "项目管理中心建设"),  # only a trailing 项目 goes
    ],
)
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


# ---------------------------------------------------------------- is_project_code

@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-140821-30-03-012345", True),
        (" 2024-140881-44-01-000127 ", True),
        ("２０２４-１４０８２１-３０-０３-０１２３４５", True),  # full-width digits
        ("2024-140821-30-03-01234", False),  # last group too short
        ("2024-14082-30-03-012345", False),  # adcode must have 6 digits
        ("2024140821300301 2345", False),
        ("YC-2024-001", False),  # local serial numbers are not national codes
        ("2024-140821-30-03-012345-1", False),
        ("", False),
        (None, False),
    ],
)
def test_is_project_code(text, expected):
    assert is_project_code(text) is expected


# ---------------------------------------------------------------- project_key

@pytest.mark.parametrize(
    "code, name, unit_id, expected",
    [
        ("2024-140821-30-03-012345", "XX项目", "140821", "code:2024-140821-30-03-012345"),
        (" 2024-140821-30-03-012345 ", "XX项目", "140821", "code:2024-140821-30-03-012345"),
        (None, "XX铝材加工项目", "140821", "name:140821:xx铝材加工"),
        ("", "XX铝材加工", "140821", "name:140821:xx铝材加工"),
        ("待定", "XX 铝材\n加工项目", "140821", "name:140821:xx铝材加工"),
        ("YC-2024-001", "华润风电（一期）", "140881", "name:140881:华润风电(一期)"),
        ("2024-140821", "储能电站项目", "zone-jingkai", "name:zone-jingkai:储能电站"),
        (None, "储能电站", "140802", "name:140802:储能电站"),
        (None, "储能电站项目。", "140802", "name:140802:储能电站"),
        ("2025-140802-38-02-000001", "", "140802", "code:2025-140802-38-02-000001"),
    ],
)
def test_project_key(code, name, unit_id, expected):
    assert project_key(code, name, unit_id) == expected


# ---------------------------------------------------------------- parse_amount

@pytest.mark.parametrize(
    "value, column_unit, expected",
    [
        ("约5亿元", "万元", Decimal("50000.0000")),
        ("5000万", "亿元", Decimal("5000.0000")),  # unit in the cell beats the column
        ("5000万元", "万元", Decimal("5000.0000")),
        ("3.5 亿元", "万元", Decimal("35000.0000")),
        ("5亿", "万元", Decimal("50000.0000")),
        ("1.2万元", "亿元", Decimal("1.2000")),
        ("120000元", "万元", Decimal("12.0000")),
        ("300万美元", "万元", Decimal("300") * USD_CNY),
        ("300万美元", "万元", Decimal("2130.0000")),
        ("1,234.5", "万元", Decimal("1234.5000")),
        ("１２３４．５", "万元", Decimal("1234.5000")),
        ("１，２３４．５", "万元", Decimal("1234.5000")),
        (" 12 ", "万元", Decimal("12.0000")),
        ("12.", "万元", Decimal("12.0000")),
        ("5亿元左右", "万元", Decimal("50000.0000")),
        ("人民币8000万元", "万元", Decimal("8000.0000")),
        (12.34, "万元", Decimal("12.3400")),  # float from Excel, no binary noise
        (3.5, "亿元", Decimal("35000.0000")),
        (120000, "元", Decimal("12.0000")),
        (50, "万美元", Decimal("355.0000")),
        (0, "万元", Decimal("0.0000")),
        (0.1 + 0.2, "万元", Decimal("0.3000")),
        (Decimal("1.23456"), "万元", Decimal("1.2346")),
        ("待定", "万元", None),
        ("—", "亿元", None),
        ("/", "亿元", None),
        ("", "万元", None),
        (None, "万元", None),
        (float("nan"), "万元", None),
    ],
)
def test_parse_amount(value, column_unit, expected):
    assert parse_amount(value, column_unit) == expected


@pytest.mark.parametrize(
    "value, problem",
    [
        ("-500", "负数"),
        (-3.5, "负数"),
        ("约-5亿", "负数"),
        ("1-2亿", "范围"),
        ("1亿~2亿", "范围"),
        ("3000至5000万元", "范围"),
        ("一期5亿、二期3亿", "一个金额"),
        ("1,23", "一个金额"),
        ("五亿元", "无法识别"),
        ("洽谈中", "无法识别"),
        ("5亿元以上", "无法识别"),
        ("50%", "无法识别"),
        (float("inf"), "不是有效数字"),
        (True, "无法识别"),
    ],
)
def test_parse_amount_errors(value, problem):
    with pytest.raises(ParseError) as excinfo:
        parse_amount(value)
    assert problem in str(excinfo.value)
    assert_chinese_error(excinfo, "如 1234.5、5000万元 或 3.5亿元")


@pytest.mark.parametrize(
    "value, column_unit",
    [
        (142701199001011234, "万元"),  # an ID number pasted as a number
        ("142701199001011234", "元"),
        ("1.42701E+17", "元"),  # the same, as Excel writes it to CSV
        (1e300, "万元"),
        (Decimal("1e999999"), "万元"),
        ("1" * 400, "亿元"),
        ("100000", "亿元"),  # 10 万亿元: a unit mistake, and 14 digits once in 万元
        ("1000000000", "万元"),
        ("15000亿美元", "万元"),
    ],
)
def test_parse_amount_refuses_amounts_no_project_has(value, column_unit):
    with pytest.raises(ParseError, match="^金额超出可能范围.*可能误填了身份证号或单位"):
        parse_amount(value, column_unit)


@pytest.mark.parametrize("value", ["nan", "NaN", "NAN", "inf", "-inf", "Infinity", "#NUM!", float("-inf")])
def test_parse_amount_refuses_not_a_number(value):
    with pytest.raises(ParseError, match="^金额不是有效数字"):
        parse_amount(value)


@pytest.mark.parametrize("value, expected", [
    ("99999.9999", Decimal("999999999.0000")),  # the largest 亿元 amount
    ("1.5E+03", Decimal("15000000.0000")),
    ("1.2e-5", Decimal("0.1200")),
])
def test_parse_amount_largest_and_exponent_forms(value, expected):
    assert parse_amount(value, "亿元") == expected


@pytest.mark.parametrize("value", ["١٢٣", "१२३", "12３٤"])
def test_parse_amount_and_parse_date_refuse_exotic_digits(value):
    # NFKC folds full-width digits, not these; Python's int() would take them silently
    with pytest.raises(ParseError, match="非常规的数字字符"):
        parse_amount(value)
    with pytest.raises(ParseError, match="非常规的数字字符"):
        parse_date(f"2024-03-{value[-2:]}")


def test_parse_amount_rejects_unknown_column_unit():
    with pytest.raises(ValueError):
        parse_amount("5", "千元")


# ---------------------------------------------------------------- detect_money_unit

@pytest.mark.parametrize(
    "text, expected",
    [
        ("单位：万元", "万元"),
        ("单位:亿元", "亿元"),
        ("单位：人民币万元", "万元"),
        ("（亿元）", "亿元"),
        ("(万元)", "万元"),
        ("[万元]", "万元"),
        ("【亿元】", "亿元"),
        ("金额（万元）", "万元"),
        ("签约金额\n（亿元）", "亿元"),
        ("投资情况（亿元）", "亿元"),
        ("合同投资额(万美元)", "万美元"),  # not 万元
        ("万美元", "万美元"),
        ("总投资/元", "元"),
        ("单位：元", "元"),
        ("签约金额", None),
        ("单元负责人", None),  # 元 inside an ordinary word
        ("运城市2024年1-6月招商引资签约项目台账", None),
        ("", None),
        (None, None),
    ],
)
def test_detect_money_unit(text, expected):
    assert detect_money_unit(text) == expected


# ---------------------------------------------------------------- parse_date

@pytest.mark.parametrize(
    "value, default_year, expected",
    [
        (datetime(2024, 3, 15, 10, 30), None, date(2024, 3, 15)),
        (date(2024, 3, 15), None, date(2024, 3, 15)),
        (45366, None, date(2024, 3, 15)),  # Excel serial, 1900 system
        (45366.75, None, date(2024, 3, 15)),  # with a time of day
        ("45366", None, date(2024, 3, 15)),  # serial read as text
        ("2024.3.15", None, date(2024, 3, 15)),
        ("2024/3/15", None, date(2024, 3, 15)),
        ("2024-03-15", None, date(2024, 3, 15)),
        ("2024-03-15 00:00:00", None, date(2024, 3, 15)),
        ("2024年3月15日", None, date(2024, 3, 15)),
        ("2024年03月15日", None, date(2024, 3, 15)),
        ("２０２４年３月１５日", None, date(2024, 3, 15)),
        ("20240315", None, date(2024, 3, 15)),
        (20240315, None, date(2024, 3, 15)),
        ("2024.3", None, date(2024, 3, 1)),
        ("2024年3月", None, date(2024, 3, 1)),
        ("2024-03", None, date(2024, 3, 1)),
        (2024.3, None, date(2024, 3, 1)),  # typed 2024.3 into a number cell
        ("2024.10", None, date(2024, 10, 1)),
        ("3月15日", 2024, date(2024, 3, 15)),
        ("3.15", 2025, date(2025, 3, 15)),
        ("2024.2.29", None, date(2024, 2, 29)),
        ("待定", None, None),
        ("—", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_date(value, default_year, expected):
    assert parse_date(value, default_year) == expected


@pytest.mark.parametrize(
    "value, default_year, problem",
    [
        ("2024.2.30", None, "没有这一天"),
        ("2023.2.29", None, "没有这一天"),
        ("2024.13.1", None, "没有这一天"),
        ("2024年13月", None, "没有这一天"),
        ("1999.12.31", None, "2000—2100"),
        ("2124-01-01", None, "2000—2100"),
        (20000, None, "2000—2100"),  # serial 20000 is 1954
        ("3月15日", None, "缺少年份"),
        ("3.15", None, "缺少年份"),
        ("上半年", 2024, "无法识别"),
        ("2024", None, "无法识别"),
        ("24.3.15", None, "无法识别"),
        (2024.1, None, "歧义"),  # 2024.10 stored as a number loses its zero
        (3.1, 2024, "歧义"),
    ],
)
def test_parse_date_errors(value, default_year, problem):
    with pytest.raises(ParseError) as excinfo:
        parse_date(value, default_year)
    assert problem in str(excinfo.value)
    assert_chinese_error(excinfo, "2024-")


# ---------------------------------------------------------------- date_precision

@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024.3", "month"),
        ("2024年3月", "month"),
        ("2024-03", "month"),
        ("２０２４．３", "month"),
        (2024.3, "month"),
        ("2024.3.15", "day"),
        ("2024年3月15日", "day"),
        ("20240315", "day"),
        (45366, "day"),
        (datetime(2024, 3, 1), "day"),
        ("3月15日", "day"),
    ],
)
def test_date_precision(value, expected):
    assert date_precision(value) == expected


# ---------------------------------------------------------------- parse_started

@pytest.mark.parametrize(
    "value, expected",
    [
        ("是", True),
        ("√", True),
        ("✓", True),
        ("☑", True),
        ("已开工", True),
        ("开工", True),
        ("已开工建设", True),
        ("在建", True),
        ("Y", True),
        ("yes", True),
        (1, True),
        (1.0, True),
        (True, True),
        ("否", False),
        ("×", False),
        ("✗", False),
        ("X", False),
        ("未开工", False),
        ("未", False),
        ("待开工", False),
        ("N", False),
        ("no", False),
        (0, False),
        (False, False),
        (" 已 开工 ", True),
        ("", None),
        (None, None),
        ("无", None),
        ("—", None),
    ],
)
def test_parse_started(value, expected):
    assert parse_started(value) is expected


@pytest.mark.parametrize("value", ["已投产", "前期手续办理中", "停工", "2", "开工?", "计划6月开工"])
def test_parse_started_errors(value):
    with pytest.raises(ParseError) as excinfo:
        parse_started(value)
    assert_chinese_error(excinfo, "是/否")


# ---------------------------------------------------------------- resolve_unit

@pytest.mark.parametrize(
    "text, unit_id",
    [
        ("永济市", "140881"),
        ("永济", "140881"),
        ("运城市永济市", "140881"),
        ("运城永济", "140881"),
        ("绛县", "140826"),
        ("绛　县", "140826"),
        ("新绛", "140825"),  # not 绛县
        ("夏　县", "140828"),
        ("夏 县", "140828"),
        ("盐湖区", "140802"),
        ("盐湖", "140802"),
        ("运城市盐湖区", "140802"),
        ("运城经开区", "zone-jingkai"),
        ("运城经济技术开发区", "zone-jingkai"),
        ("空港区", "zone-konggang"),
        ("运城市空港区", "zone-konggang"),
        ("盐湖高新区", "zone-gaoxin"),
        ("绛县经开区", "zone-jiangxian"),
        ("风陵渡开发区", "zone-fenglingdu"),
        ("永济经开区", "zone-yongji"),
        ("永济市商务局", "140881"),  # 填报单位
        ("盐湖区解州镇", "140802"),  # 项目所在地
        ("绛县经济开发区管委会", "zone-jiangxian"),
    ],
)
def test_resolve_unit(ref, text, unit_id):
    assert resolve_unit(text, ref).unit_id == unit_id


@pytest.mark.parametrize("text", ["运城市", "运城", "临漪县", "太原市", "全市", "", None, "合计", "县"])
def test_resolve_unit_no_match(ref, text):
    assert resolve_unit(text, ref) is None


# ---------------------------------------------------------------- suggest_unit

@pytest.mark.parametrize(
    "text, expected",
    [
        ("临漪县", "临猗县"),
        ("临漪", "临猗县"),
        ("林猗县", "临猗县"),
        ("运城市临漪县", "临猗县"),
        ("万容县", "万荣县"),
        ("稷山区", "稷山县"),
        ("芮成", "芮城县"),
        ("空港经济区", "运城空港经济开发区"),
        ("盐湖高新", "盐湖高新技术产业开发区"),
        ("张三", None),
        ("", None),
    ],
)
def test_suggest_unit(ref, text, expected):
    assert suggest_unit(text, ref) == expected


# ---------------------------------------------------------------- resolve_chain

@pytest.mark.parametrize(
    "text, expected",
    [
        ("新能源", ("新能源", True)),
        ("新能源（储能）", ("新能源", True)),
        ("铝镁精深加工产业链", ("铝镁精深加工", True)),
        ("储能", ("新能源", True)),
        ("光伏组件", ("新能源", True)),
        ("新能源汽车", ("智能网联汽车", True)),  # longest alias wins over 新能源
        ("汽车零部件", ("智能网联汽车", True)),
        ("生物医药 大健康", ("生物医药大健康", True)),
        ("文旅", ("其他", True)),
        ("其他", ("其他", True)),
        ("教育培训", ("其他", False)),
        ("待定", ("其他", False)),
        ("", ("其他", False)),
        (None, ("其他", False)),
    ],
)
def test_resolve_chain(ref, text, expected):
    assert resolve_chain(text, ref) == expected


# ---------------------------------------------------------------- origin_province

@pytest.mark.parametrize(
    "text, expected",
    [
        ("浙江杭州", "浙江"),
        ("深圳市", "广东"),
        ("北京市", "北京"),
        ("香港", "香港"),
        ("中国香港", "香港"),
        ("江苏省苏州市", "江苏"),
        ("内蒙古包头", "内蒙古"),
        ("广西壮族自治区南宁市", "广西"),
        ("太原", "山西"),
        ("陕西西安", "陕西"),
        ("美国", "境外"),
        ("印度尼西亚", "境外"),
        ("新加坡", "境外"),
        ("昆山", "江苏"),
        ("本地", None),
        ("", None),
        (None, None),
    ],
)
def test_origin_province(text, expected):
    assert origin_province(text) == expected


def test_origins_file_covers_every_province_once():
    rows = _rows(REFERENCE_DIR / "origins.csv")
    provinces = [r["province"] for r in rows]
    assert len(provinces) == 35 and provinces[-1] == "境外"  # 34 provincial-level units
    aliases = [a for r in rows for a in (r["province"], *_split(r["aliases"]))]
    assert len(aliases) == len(set(aliases))


# ---------------------------------------------------------------- parse_period

@pytest.mark.parametrize(
    "text, default_year, expected",
    [
        ("运城市2024年1-6月招商引资签约项目台账", None,
         Period(date(2024, 1, 1), date(2024, 6, 30), "2024年1-6月", True)),
        ("2024年3月签约项目台账.xlsx", None,
         Period(date(2024, 3, 1), date(2024, 3, 31), "2024年3月", False)),
        ("1-3月", 2024, Period(date(2024, 1, 1), date(2024, 3, 31), "2024年1-3月", True)),
        ("2024年1—9月", None, Period(date(2024, 1, 1), date(2024, 9, 30), "2024年1-9月", True)),
        ("2024年1~9月", None, Period(date(2024, 1, 1), date(2024, 9, 30), "2024年1-9月", True)),
        ("2024年1月-9月", None, Period(date(2024, 1, 1), date(2024, 9, 30), "2024年1-9月", True)),
        ("2024年一季度", None, Period(date(2024, 1, 1), date(2024, 3, 31), "2024年1-3月", True)),
        ("2024年第一季度", None, Period(date(2024, 1, 1), date(2024, 3, 31), "2024年1-3月", True)),
        ("2024年第二季度", None, Period(date(2024, 4, 1), date(2024, 6, 30), "2024年4-6月", False)),
        ("2024年前三季度", None, Period(date(2024, 1, 1), date(2024, 9, 30), "2024年1-9月", True)),
        ("2024年上半年", None, Period(date(2024, 1, 1), date(2024, 6, 30), "2024年1-6月", True)),
        ("2024年全年", None, Period(date(2024, 1, 1), date(2024, 12, 31), "2024年全年", True)),
        ("2024年", None, Period(date(2024, 1, 1), date(2024, 12, 31), "2024年全年", True)),
        ("2024年度签约项目", None, Period(date(2024, 1, 1), date(2024, 12, 31), "2024年全年", True)),
        ("2024年7-12月", None, Period(date(2024, 7, 1), date(2024, 12, 31), "2024年7-12月", False)),
        ("12月", 2024, Period(date(2024, 12, 1), date(2024, 12, 31), "2024年12月", False)),
        ("2024年2月", None, Period(date(2024, 2, 1), date(2024, 2, 29), "2024年2月", False)),
        ("运城市2024年招商引资签约项目台账（1-6月）", None,
         Period(date(2024, 1, 1), date(2024, 6, 30), "2024年1-6月", True)),
        ("运城市招商引资签约项目台账（截至2024年6月底）", None,
         Period(date(2024, 1, 1), date(2024, 6, 30), "2024年1-6月", True)),
        ("2024年签约项目（截止9月30日）", None,
         Period(date(2024, 1, 1), date(2024, 9, 30), "2024年1-9月", True)),
        ("1-3月", None, None),  # no year anywhere
        ("说明", 2024, None),
        ("汇总", 2024, None),
        ("2024年13月", None, None),
        ("", 2024, None),
        (None, None, None),
    ],
)
def test_parse_period(text, default_year, expected):
    assert parse_period(text, default_year) == expected


# ---------------------------------------------------------------- is_total_row

@pytest.mark.parametrize(
    "cells, expected",
    [
        (["合计", None, None], True),
        (["合 计", None], True),
        (["总　计"], True),
        ([None, "小计", ""], True),
        (["", "", "合计（亿元）"], True),
        (["合计：539个"], True),
        (["全市合计"], True),
        (["（一）盐湖区小计"], True),
        (["1", "盐湖区", "综合计量中心项目"], False),
        (["序号", "总计划投资"], False),
        (["1", "盐湖区", "XX储能项目"], False),
        ([None, None], False),
        ([], False),
    ],
)
def test_is_total_row(cells, expected):
    assert is_total_row(cells) is expected


# ---------------------------------------------------------------- is_group_row

@pytest.mark.parametrize(
    "text, expected",
    [
        ("一、盐湖区", True),
        ("（一）盐湖区", True),
        ("(二)临猗县", True),
        ("二、新能源产业", True),
        ("十一、河津市", True),
        ("三．经开区", True),
        ("一期年产5万吨铝型材", False),
        ("盐湖区", False),
        ("1、盐湖区", False),  # Arabic numbering is a row number, not a group
        ("一、", False),
        ("", False),
        (None, False),
    ],
)
def test_is_group_row(text, expected):
    assert is_group_row(text) is expected


# ---------------------------------------------------------------- is_footer_row

@pytest.mark.parametrize(
    "text, expected",
    [
        ("填报人：张三", True),
        ("填报人 张三    审核人：李四", True),
        ("审核人:李四", True),
        ("联系电话：0359-1234567", True),
        ("填报日期：2024年7月5日", True),
        ("制表人：王五", True),
        ("负责人：赵六", True),
        ("单位负责人：赵六", True),
        ("注：金额单位为万元", True),
        ("注1：开工以实际动工为准", True),
        ("备注：数据截至6月30日", True),
        ("注册资本5000万元", False),
        ("XX储能项目", False),
        ("", False),
        (None, False),
    ],
)
def test_is_footer_row(text, expected):
    assert is_footer_row(text) is expected


# ---------------------------------------------------------------- module hygiene

def test_placeholders_survive_clean_text():
    # callers compare clean_text(cell) with PLACEHOLDERS
    assert all(clean_text(p) in PLACEHOLDERS for p in PLACEHOLDERS)


def test_parse_does_not_import_streamlit():
    code = "import sys, etl.parse; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REFERENCE_DIR.parent.parent).returncode == 0


@pytest.mark.parametrize(
    "value, expected",
    [("已投产", True), ("√", True), ("部分投产", True), ("未投产", False), ("否", False), ("", None), ("—", None)],
)
def test_parse_produced(value, expected):
    assert parse_produced(value) is expected


def test_parse_produced_rejects_start_words():
    # a 投产情况 cell is not a 开工情况 cell: "已开工" says nothing about production
    with pytest.raises(ParseError, match="投产情况"):
        parse_produced("已开工")


@pytest.mark.parametrize("text, expected", [
    ("此行需保留，勿删", True),
    ("此行保留 勿删除", True),
    ("（请勿删除此行）", True),
    ("保留地块开发项目", False),  # 保留 alone is a word of a project name
    ("拆除重建项目", False),
    (None, False),
])
def test_is_keep_row(text, expected):
    assert is_keep_row(text) is expected


@pytest.mark.parametrize("value", ["缺漏", "#REF!", " 缺漏 "])
def test_missing_and_broken_reference_are_placeholders(value):
    # seen in public ledgers for "nobody has this value"; #REF! is a deleted formula source
    assert (parse_amount(value), parse_date(value)) == (None, None)
