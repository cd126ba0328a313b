"""Value parsers of the ETL: one ledger cell in, one typed value out.

Every parser accepts what Excel, WPS and hand-typing produce (floats, full-width digits,
"约5亿元", "2024.3.15", "√"), returns None for blanks and placeholders such as "待定",
and raises ParseError with a Chinese message that tells the uploader how to fix the cell.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from base.reference import REFERENCE_DIR, Reference, _rows, _split
from base.text import SPACES, ZERO_WIDTH, clean_text, compact


class ParseError(ValueError):
    """A cell value that cannot be understood; str(e) is a Chinese message with the fix."""


PLACEHOLDERS: frozenset[str] = frozenset({
    "待定", "暂无", "无", "不详", "未知", "空",
    "—", "——", "－", "-", "--", "---", "/", "／", "\\",
    "N/A", "n/a", "NA", "#N/A", "null", "NULL", "None",
    # seen in public ledgers for a value nobody has: 缺漏 (missing), and #REF! left by a
    # formula whose source rows were deleted (calamine already reads the error cell of an
    # .xlsx as blank; a CSV or pasted copy keeps the text)
    "缺漏", "#REF!",
})

# ---------------------------------------------------------------- text

_OPENING = "[【〔"
_CLOSING = "]】〕"
_BRACKETS = str.maketrans(_OPENING + _CLOSING, "(" * len(_OPENING) + ")" * len(_CLOSING))
_TRAILING_PUNCT = ".,;:!?、。·…-—~\"'“”‘’"


def normalize_name(name: str) -> str:
    """Identity form of a project name for matching across files and months."""
    text = unicodedata.normalize("NFKC", name).translate(ZERO_WIDTH)
    text = SPACES.sub("", text).translate(_BRACKETS).lower().rstrip(_TRAILING_PUNCT)
    if text.endswith("项目") and len(text) > 2:
        text = text[:-2].rstrip(_TRAILING_PUNCT)
    return text


_PROJECT_CODE = re.compile(r"\d{4}-\d{6}-\d{2}-\d{2}-\d{6}")


def is_project_code(text: str | None) -> bool:
    """National project code YYYY-AAAAAA-NN-NN-NNNNNN."""
    return bool(_PROJECT_CODE.fullmatch(compact(text)))


def project_key(code: str | None, name: str, unit_id: str) -> str:
    """Stable identity of a project: its national code, else unit + normalised name."""
    if is_project_code(code):
        return f"code:{compact(code)}"
    return f"name:{unit_id}:{normalize_name(name)}"


# ---------------------------------------------------------------- money

USD_CNY = Decimal("7.1")
WAN_PER_UNIT = {
    "元": Decimal("0.0001"),
    "万元": Decimal(1),
    "亿元": Decimal(10000),
    "美元": USD_CNY / 10000,
    "万美元": USD_CNY,
    "亿美元": USD_CNY * 10000,
}
_SHORT_UNITS = {"万": "万元", "亿": "亿元"}
_FOUR_PLACES = Decimal("0.0001")
# No single project comes near 10 万亿元 (about China's yearly fixed-asset investment / 5);
# beyond it a cell holds a pasted ID or phone number or a wrong unit. The bound also keeps
# every amount far inside the warehouse's DECIMAL(18,4).
MAX_AMOUNT_WAN = Decimal(10) ** 9
_AMOUNT_FORM = "应为一个非负数字，如 1234.5、5000万元 或 3.5亿元"
_TOO_LARGE = "金额超出可能范围（单个项目不会超过 10 万亿元），可能误填了身份证号或单位，请核对金额及表头中的单位（万元/亿元）"
_NOT_A_NUMBER = f"金额不是有效数字（NaN、inf 多由公式出错或程序导出产生），未定请填“待定”，{_AMOUNT_FORM}"
_MONEY_UNIT = "亿美元|万美元|美元|亿元|万元|元"
# ASCII flag: \d must not accept Arabic-Indic or other digits NFKC leaves alone.
_AMOUNT = re.compile(
    r"(?:约|大约|预计)?(?:人民币)?¥?\s*"
    r"(?P<number>(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    rf"\s*(?P<unit>{_MONEY_UNIT}|亿|万)?(?:人民币)?(?:左右)?",
    re.ASCII,
)
_NEGATIVE = re.compile(r"\D*[-−]\s*\d", re.ASCII)
_RANGE = re.compile(r"\d\s*(?:万元|亿元|万|亿)?\s*(?:-|~|—|–|至|到)+\s*\d", re.ASCII)
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_NOT_NUMBERS = frozenset({"nan", "inf", "+inf", "infinity", "+infinity", "#num!", "#value!", "#div/0!"})


def parse_amount(value, column_unit: str = "万元") -> Decimal | None:
    """Amount in 万元 (4 decimals); a unit written in the cell beats column_unit.

    US dollars are converted at USD_CNY, so the result is always 万元 of RMB.
    """
    if column_unit not in WAN_PER_UNIT:
        raise ValueError(f"unknown money unit {column_unit!r}")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None
        # repr, not Decimal(float): 12.34 must stay 12.34, not 12.339999999999999857891...
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise ParseError(_NOT_A_NUMBER)
        unit = column_unit
    else:
        text = clean_text(value)
        if text is None or text in PLACEHOLDERS:
            return None
        match = _AMOUNT.fullmatch(text.replace("，", ","))
        if match is None:
            raise ParseError(_amount_problem(text))
        number = Decimal(match["number"].replace(",", ""))
        unit = _SHORT_UNITS.get(match["unit"], match["unit"]) or column_unit
    if number < 0:
        raise ParseError(f"金额不能为负数，{_AMOUNT_FORM}")
    # compared before converting: 1e300 (or a 400-digit paste) would overflow the arithmetic
    if number >= MAX_AMOUNT_WAN / WAN_PER_UNIT[unit]:
        raise ParseError(_TOO_LARGE)
    return (number * WAN_PER_UNIT[unit]).quantize(_FOUR_PLACES, ROUND_HALF_UP)


def _amount_problem(text: str) -> str:
    if text.lower().lstrip("-") in _NOT_NUMBERS:
        return _NOT_A_NUMBER
    if digit := _unusual_digit(text):
        return f"金额中有非常规的数字字符「{digit}」，请用 0-9 重新输入，{_AMOUNT_FORM}"
    if _NEGATIVE.match(text):
        return f"金额不能为负数，{_AMOUNT_FORM}"
    if _RANGE.search(text):
        return f"金额不能是一个范围（如 1-2亿），请填写确定的数，{_AMOUNT_FORM}"
    if len(_NUMBER.findall(text)) > 1:
        return f"一个单元格只能填一个金额，分期或多方投资请填合计，{_AMOUNT_FORM}"
    return f"无法识别的金额，{_AMOUNT_FORM}"


def _unusual_digit(text: str) -> str | None:
    """A digit other than 0-9 left after NFKC (Arabic-Indic, Devanagari...): looks like a number, isn't one to us."""
    return next((c for c in text if c.isdigit() and not c.isascii()), None)


_UNIT_AFTER_LABEL = re.compile(rf"单位[:：]?\s*(?:人民币)?({_MONEY_UNIT})")
_UNIT_IN_BRACKETS = re.compile(
    rf"[(（\[【/]\s*(?:人民币)?({_MONEY_UNIT})(?:人民币)?\s*(?:[)）\]】]|$)"
)


def detect_money_unit(text: str | None) -> str | None:
    """Money unit named in a header, title or unit line ('万元', '亿元', '元', '万美元', ...)."""
    text = compact(text)
    if text in WAN_PER_UNIT:
        return text
    # Anchored on 单位 or a bracket so that 万美元 is never read as 万元 and 元 never
    # matches inside ordinary words.
    match = _UNIT_AFTER_LABEL.search(text) or _UNIT_IN_BRACKETS.search(text)
    return match[1] if match else None


# ---------------------------------------------------------------- dates

_DATE_FORM = "应为 2024-03-15、2024.3.15 或 2024年3月15日 等形式"
_EXCEL_EPOCH = date(1899, 12, 30)  # 1900 system; the day before 12-31 absorbs Excel's fake 1900-02-29
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000
_TIME_OF_DAY = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
# Any number of year digits, so that a date cell past 9999 ("+10000-01-01 00:00:00" from
# calamine) gets the year-range message. ASCII: no Arabic-Indic or other exotic digits.
_FULL_DATE = re.compile(
    rf"(?P<y>\+?\d{{4,}})\s*[-./年]\s*(?P<m>\d{{1,2}})\s*[-./月]\s*(?P<d>\d{{1,2}})\s*[日号]?{_TIME_OF_DAY}",
    re.ASCII,
)
_COMPACT_DATE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII)
_MONTH_DATE = re.compile(r"(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*月?", re.ASCII)
_YEARLESS_DATE = re.compile(r"(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*[日号]?", re.ASCII)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?", re.ASCII)


def parse_date(value, default_year: int | None = None) -> date | None:
    """Cell -> date; month-only forms give the first of the month (see date_precision)."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if is_number and _SERIAL_MIN <= value <= _SERIAL_MAX:
        return _from_serial(value)
    if isinstance(value, float) and _lost_trailing_zero(value):
        raise ParseError(
            "数字形式的日期有歧义（2024.1 可能是 2024.10，3.1 可能是 3.10），"
            "请把单元格设为文本或日期，写成 2024-10-01 或 2024年10月 等形式"
        )
    text = clean_text(value)
    if text is None or text in PLACEHOLDERS:
        return None
    if _SERIAL_TEXT.fullmatch(text) and _SERIAL_MIN <= float(text) <= _SERIAL_MAX:
        return _from_serial(float(text))
    if match := _FULL_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text):
        return _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _MONTH_DATE.fullmatch(text):
        return _make_date(int(match["y"]), int(match["m"]), 1)
    if match := _YEARLESS_DATE.fullmatch(text):
        if default_year is None:
            raise ParseError(f"日期缺少年份，{_DATE_FORM}")
        return _make_date(default_year, int(match["m"]), int(match["d"]))
    if digit := _unusual_digit(text):
        raise ParseError(f"日期中有非常规的数字字符「{digit}」，请用 0-9 重新输入，{_DATE_FORM}")
    raise ParseError(f"无法识别的日期，{_DATE_FORM}")


def date_precision(value) -> str:
    """'month' for month-only forms such as '2024.3' or '2024年3月', else 'day'."""
    return "month" if _MONTH_DATE.fullmatch(clean_text(value) or "") else "day"


def _from_serial(serial: float) -> date:
    day = _EXCEL_EPOCH + timedelta(days=int(serial))  # the fraction is the time of day
    return _make_date(day.year, day.month, day.day)


def _make_date(year: int, month: int, day: int) -> date:
    if not 2000 <= year <= 2100:
        raise ParseError(f"日期年份应在 2000—2100 之间，{_DATE_FORM}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(f"日期无效（没有这一天），{_DATE_FORM}") from None


def _lost_trailing_zero(value: float) -> bool:
    # 2024.10 or 3.10 typed into a number cell is stored as 2024.1 or 3.1.
    whole, _, fraction = repr(value).partition(".")
    if len(fraction) != 1:
        return False
    return fraction == "1" if len(whole) == 4 else fraction in "123"


# ---------------------------------------------------------------- started?

_STARTED = {
    **dict.fromkeys(["是", "√", "✓", "✔", "☑", "已开工", "开工", "已开工建设", "在建",
                     "y", "yes", "1", "true"], True),
    # 'x' is how people type × without a symbol keyboard
    **dict.fromkeys(["否", "×", "✗", "✘", "x", "未开工", "未", "待开工",
                     "n", "no", "0", "false"], False),
}


def _yes_no(value, words: dict[str, bool], message: str) -> bool | None:
    text = clean_text(value)
    if text is None or text in PLACEHOLDERS:
        return None
    answer = words.get(compact(text).lower())
    if answer is None:
        raise ParseError(message)
    return answer


def parse_started(value) -> bool | None:
    """Yes/no cell of 是否开工."""
    return _yes_no(value, _STARTED, "无法识别的开工情况，应为 是/否、√/× 或 已开工/未开工")


_PRODUCED = {
    **dict.fromkeys(["是", "√", "✓", "✔", "☑", "已投产", "投产", "已达产", "部分投产",
                     "y", "yes", "1", "true"], True),
    **dict.fromkeys(["否", "×", "✗", "✘", "x", "未投产", "未", "待投产",
                     "n", "no", "0", "false"], False),
}


def parse_produced(value) -> bool | None:
    """Yes/no cell of 是否投产 / 投产情况."""
    return _yes_no(value, _PRODUCED, "无法识别的投产情况，应为 是/否、√/× 或 已投产/未投产")


# ---------------------------------------------------------------- reporting units

# ---------------------------------------------------------------- chains and origins

OTHER_CHAIN = "其他"


@lru_cache(maxsize=8)
def _chain_index(aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {compact(alias).lower(): chain for alias, chain in aliases}


def resolve_chain(text: str | None, reference: Reference) -> tuple[str, bool]:
    """Chain cell -> (chain, recognised); unknown or blank -> ('其他', False)."""
    key = compact(text).lower()
    if not key:
        return OTHER_CHAIN, False
    index = _chain_index(tuple(reference.chain_aliases.items()))
    if key in index:
        return index[key], True
    contained = [alias for alias in index if alias in key]
    if contained:
        return index[max(contained, key=len)], True
    return OTHER_CHAIN, False


@lru_cache(maxsize=4)
def _origin_aliases(directory: Path) -> tuple[tuple[str, str], ...]:
    pairs = [
        (alias, row["province"])
        for row in _rows(Path(directory) / "origins.csv")
        for alias in (row["province"], *_split(row["aliases"]))
    ]
    # Longest first, so that 内蒙古 is tried before 内蒙 and 印度尼西亚 before 印度.
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def origin_province(text: str | None) -> str | None:
    """Investor origin -> province short name ('浙江', '香港', '境外'); None if unknown."""
    key = compact(text).removeprefix("中国")
    if not key:
        return None
    return next((province for alias, province in _origin_aliases(REFERENCE_DIR)
                 if key.startswith(alias)), None)


# ---------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    """A reporting period; the label depends only on the span, so equal spans compare equal."""

    start: date
    end: date
    label: str  # e.g. '2024年1-6月', '2024年3月', '2024年全年'
    cumulative: bool  # year-to-date span: starts in January, more than one month


_YEAR = re.compile(r"(?<!\d)(20\d{2})年")
_MONTH_SPAN = re.compile(r"(?<!\d)(\d{1,2})月?(?:-|—|–|~|至|到)+(\d{1,2})月")
_UP_TO = re.compile(r"截[至止]到?(?:20\d{2}年)?(\d{1,2})月")  # 截至6月底: year to date
_FIRST_QUARTERS = re.compile(r"前([一二两三四1-4])个?季度")
_QUARTER = re.compile(r"([一二三四1-4])季度")
_HALF_YEAR = re.compile(r"([上下])半年")
_MONTH = re.compile(r"(?<!\d)(\d{1,2})月(?!\d{1,2}[日号])")  # a month, not a day such as 3月15日
_WHOLE_YEAR = re.compile(r"全年|年度")
_QUARTER_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_period(text: str | None, default_year: int | None = None) -> Period | None:
    """Reporting period named in a title, sheet name or file name; None if there is none."""
    text = compact(text)
    year_match = _YEAR.search(text)
    year = int(year_match[1]) if year_match else default_year
    span = _month_span(text) or ((1, 12) if year_match else None)
    if year is None or span is None:
        return None
    first, last = span
    if not 1 <= first <= last <= 12:
        return None
    if (first, last) == (1, 12):
        label = f"{year}年全年"
    elif first == last:
        label = f"{year}年{first}月"
    else:
        label = f"{year}年{first}-{last}月"
    return Period(
        start=date(year, first, 1),
        end=date(year, last, calendar.monthrange(year, last)[1]),
        label=label,
        cumulative=first == 1 and last > first,
    )


def _month_span(text: str) -> tuple[int, int] | None:
    if match := _MONTH_SPAN.search(text):
        return int(match[1]), int(match[2])
    if match := _UP_TO.search(text):
        return 1, int(match[1])
    if match := _FIRST_QUARTERS.search(text):
        return 1, 3 * _QUARTER_NUMBERS[match[1]]
    if match := _QUARTER.search(text):
        quarter = _QUARTER_NUMBERS[match[1]]
        return 3 * quarter - 2, 3 * quarter
    if match := _HALF_YEAR.search(text):
        return (1, 6) if match[1] == "上" else (7, 12)
    if match := _MONTH.search(text):
        return int(match[1]), int(match[1])
    if _WHOLE_YEAR.search(text):
        return 1, 12
    return None


# ---------------------------------------------------------------- row kinds

_TOTAL = re.compile(r"^(?:合计|总计|小计)(?![\u4e00-\u9fff])|(?:合计|总计|小计)$")
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_GROUP = re.compile(r"(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十]+[）)])\s*\S")
# '注' needs its colon: without it the word would also catch 注册…, 注资….
_FOOTER = re.compile(
    r"(?:填报人|填表人|审核人|联系电话|填报日期|填表日期|制表人|单位负责人|负责人|备注[:：]?|注\d*[:：])"
)


def is_total_row(first_cells: list[str | None]) -> bool:
    """A 合计/总计/小计 row; '综合计量中心' or '总计划投资' are not."""
    for cell in first_cells:
        text = _TRAILING_NOTE.sub("", compact(cell)).rstrip(":：")
        if _TOTAL.search(text):
            return True
    return False


def is_group_row(text: str | None) -> bool:
    """A group heading such as '一、盐湖区' or '（二）新能源产业'."""
    return bool(_GROUP.match(compact(text)))


def is_footer_row(text: str | None) -> bool:
    """A signature line under the table: 填报人、审核人、联系电话、注：…"""
    return bool(_FOOTER.match(compact(text)))


# A template's line under the header (「此行需保留，勿删」) that keeps the formulas and
# formats of the table alive: an instruction to whoever fills it in, never a project.
_KEEP_ROW = re.compile(r"勿删|请?勿删除|不要删除|不得删除|此行.{0,4}保留")


def is_keep_row(text: str | None) -> bool:
    """A 「此行需保留，勿删」 row of a template."""
    return bool(_KEEP_ROW.search(compact(text)))
