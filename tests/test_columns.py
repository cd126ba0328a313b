"""The vectorised column converters agree with the scalar parsers they stand for."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from base.text import clean_text
from etl import columns, parse

TEXTS = [
    None, "", "  ", "盐湖区", " 盐湖区 ", "年产5万吨\n铝型材项目", "年产５万吨铝型材", "ABC Co. Ltd",
    "A  B", "风电\u3000项目", "x\u200by", "（一期）工程", "【重点】项目", "2024.0", "Tesla上海", "①号线",
]
NAMES = [
    "（一期）厂房：A栋", "Ａ公司", "光伏【二期】", "X项目。", "储能…项目", "ABC项目", "ａｂｃ",
    "年产5万吨铝型材项目", "年产5万吨铝型材", "储能电站项目。", "ABC新材料项目", "abc新材料", "（一期）厂房",
    "[重点]项目", "项目", "光伏 项目", "风电项目项目", "智能装备-", "年产５万吨", "Ｘ公司项目",
]
AMOUNTS = ["12", "12.5", "0", "1,234.5", "约5亿元", "5000万", "１２", "12.34567", "-3", "abc", None, "待定", " 7 ", "3.1234"]
DATES = ["2024-03-15", "2024-03-15 00:00:00", "2024.3.15", "20240315", "2024.3", "1999-01-01", "2024-02-30", None, "45366", "待定"]


def scalar(fn, v):
    try:
        return fn(v), None
    except parse.ParseError as err:
        return None, str(err)


def test_clean_matches_clean_text():
    assert columns.clean(pl.Series("v", TEXTS, dtype=pl.String)).to_list() == [clean_text(v) for v in TEXTS]


def test_name_keys_match_normalize_name():
    assert columns.name_keys(pl.Series("v", NAMES)).to_list() == [parse.normalize_name(v) for v in NAMES]


@pytest.mark.parametrize("unit", ["万元", "亿元", "元"])
def test_amounts_match_parse_amount(unit):
    result, errors = columns.amounts(pl.Series("v", AMOUNTS, dtype=pl.String), unit)
    expected = [scalar(lambda v: parse.parse_amount(v, unit), v) for v in AMOUNTS]
    assert result.to_list() == [value for value, _ in expected]
    assert errors == {v: err for v, (_, err) in zip(AMOUNTS, expected) if err}


def test_dates_match_parse_date():
    result, errors = columns.dates(pl.Series("v", DATES, dtype=pl.String), 2024)
    expected = [scalar(lambda v: parse.parse_date(v, 2024), v) for v in DATES]
    assert result.to_list() == [value for value, _ in expected]
    assert errors == {v: err for v, (_, err) in zip(DATES, expected) if err}


def test_plain_values_take_the_fast_path():
    # regression guard for speed: 亿元 plain numbers are exact after scaling
    result, _ = columns.amounts(pl.Series("v", ["3126.95", "0.0001"]), "亿元")
    assert result.to_list() == [Decimal("31269500.0000"), Decimal("1.0000")]
    assert columns.dates(pl.Series("v", ["2024-12-31"]), None)[0].to_list() == [date(2024, 12, 31)]


def test_name_keys_on_the_sample_names():
    from etl.read import read_ledger
    from etl.sample import sample_files

    names = pl.concat([read_ledger(p).rows.get_column("project_name") for p in sample_files()])
    assert columns.name_keys(names).to_list() == [parse.normalize_name(v) for v in names.to_list()]


def test_project_codes_match_is_project_code():
    codes = ["2024-140821-30-03-012345", " 2024-140821-30-03-012345", "２０２４-140821-30-03-012345", "2024-1408-30-03-012345", "—", None]
    assert columns.project_codes(pl.Series("v", codes)).to_list() == [bool(c) and parse.is_project_code(c) for c in codes]
