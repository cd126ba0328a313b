"""Column-wise conversion of ledger cells: a vectorised fast path, etl.parse for the rest.

A 200,000-row ledger has 2.8 million cells; calling a Python parser per cell costs ~20 s.
Most cells are plain ("12.5", "2024-03-15", a name without odd characters), so each
converter handles exactly those with polars expressions and hands every other distinct
value to the scalar parser in etl.parse, which stays the definition of what a cell means.
tests/test_columns.py checks that both paths agree.
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from base.text import clean_text

from . import parse

# Text made only of these characters is left alone by clean_text apart from stripping:
# printable ASCII without spaces, CJK ideographs, and punctuation NFKC does not fold or
# that clean_text keeps full-width on purpose. (A whole-column NFKC costs more than this.)
_SAFE_TEXT = r"^[\x21-\x7e\u4e00-\u9fff、。《》“”‘’—·【】〔〕（）：；，！？]*$"
# ... and what normalize_name does to those: NFKC folds the kept full-width punctuation,
# then every bracket becomes a round one.
_NAME_FOLD = {"（": "(", "）": ")", "：": ":", "；": ";", "，": ",", "！": "!", "？": "?",
              "[": "(", "【": "(", "〔": "(", "]": ")", "】": ")", "〕": ")"}
_NAME_END_PUNCT = ".,;:!?、。·…-—~\"'“”‘’"
_PLAIN_CODE = r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( 00:00:00)?$"
_FACTOR = {"万元": 1, "亿元": 10000, "元": None, "万美元": None, "美元": None, "亿美元": None}


def _plain(s: pl.Expr) -> pl.Expr:
    return s.str.strip_chars().str.contains(_SAFE_TEXT)


def map_unique(series: pl.Series, convert: Callable, dtype: pl.DataType) -> tuple[pl.Series, dict]:
    """Apply a scalar converter once per distinct value.

    Returns the converted series and {value: error message} for values it rejected.
    """
    values = series.drop_nulls().unique().to_list()
    converted, errors = [], {}
    for v in values:
        try:
            converted.append(convert(v))
        except parse.ParseError as err:
            converted.append(None)
            errors[v] = str(err)
    if not values:
        return pl.Series(series.name, [None] * series.len(), dtype=dtype), errors
    if isinstance(dtype, pl.Decimal):
        # polars builds a decimal column from Python Decimals one by one, through numpy;
        # from their text it parses them at once (format "f": no exponent)
        new = pl.Series([None if c is None else format(c, "f") for c in converted], dtype=pl.String)
        new = new.str.to_decimal(scale=dtype.scale).cast(dtype)
    else:
        new = pl.Series(converted, dtype=dtype)
    # typed Series, not lists: polars infers a list's type value by value (10x slower)
    return series.replace_strict(pl.Series(values, dtype=series.dtype), new, default=None, return_dtype=dtype), errors


def _fill(fast: pl.Series, plain: pl.Series, slow: pl.Series) -> pl.Series:
    """`fast` where `plain`, else the values of `slow` (converted from the other rows, in order)."""
    result = pl.select(pl.when(pl.lit(plain)).then(pl.lit(fast)).otherwise(None)).to_series()
    return result.scatter((~plain).arg_true(), slow) if slow.len() else result


def clean(series: pl.Series) -> pl.Series:
    """clean_text for a whole column."""
    frame = series.to_frame("v").with_columns(plain=_plain(pl.col("v")))
    plain = frame.get_column("plain").fill_null(True)  # a blank stays blank
    cleaned, _ = map_unique(series.filter(~plain), clean_text, pl.String)
    return _fill(series.str.strip_chars(), plain, cleaned).alias(series.name).replace("", None)


def name_keys(names: pl.Series) -> pl.Series:
    """parse.normalize_name for a column of cleaned names."""
    frame = names.to_frame("v").with_columns(plain=pl.col("v").str.contains(_SAFE_TEXT))
    folded = pl.col("v").str.replace_many(list(_NAME_FOLD), list(_NAME_FOLD.values())).str.to_lowercase()
    trimmed = folded.str.strip_chars_end(_NAME_END_PUNCT)
    without_suffix = (
        pl.when(trimmed.str.ends_with("项目") & (trimmed.str.len_chars() > 2))
        .then(trimmed.str.strip_suffix("项目").str.strip_chars_end(_NAME_END_PUNCT))
        .otherwise(trimmed)
    )
    plain = frame.get_column("plain").fill_null(True)
    normalised, _ = map_unique(names.filter(~plain), parse.normalize_name, pl.String)
    return _fill(frame.select(without_suffix).to_series(), plain, normalised).alias(names.name)


def amounts(series: pl.Series, money_unit: str) -> tuple[pl.Series, dict]:
    """parse.parse_amount for a column: 万元 as Decimal(18, 4), and the rejected values."""
    dtype = pl.Decimal(18, 4)
    factor = _FACTOR.get(money_unit)
    stripped = series.str.strip_chars()
    if factor:
        # only numbers below parse.MAX_AMOUNT_WAN once scaled: longer ones (a pasted ID
        # number) go to parse_amount, which refuses them instead of overflowing the decimal
        digits = len(str(int(parse.MAX_AMOUNT_WAN))) - len(str(factor))
        plain = stripped.str.contains(rf"^[0-9]{{1,{digits}}}(\.[0-9]{{1,4}})?$").fill_null(False)  # ASCII digits only
    else:
        plain = pl.Series([False] * series.len(), dtype=pl.Boolean)
    plain = plain | series.is_null()  # a blank stays blank
    converted, errors = map_unique(series.filter(~plain), lambda v: parse.parse_amount(v, money_unit), dtype)
    # only the plain cells: casting the others would fail on the first out-of-range one
    plain_text = pl.select(pl.when(pl.lit(plain)).then(pl.lit(stripped))).to_series()
    fast = plain_text.str.to_decimal(scale=4) if factor else pl.Series([None] * series.len(), dtype=dtype)
    if factor and factor != 1:
        fast = fast * factor
    return _fill(fast.cast(dtype), plain, converted).alias(series.name), errors


def dates(series: pl.Series, default_year: int | None) -> tuple[pl.Series, dict]:
    """parse.parse_date for a column, and the rejected values."""
    stripped = series.str.strip_chars()
    iso = stripped.str.contains(_ISO_DATE).fill_null(False)
    fast = stripped.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    in_range = fast.dt.year().is_between(2000, 2100).fill_null(False)
    plain = (iso & in_range) | series.is_null()  # a blank stays blank
    converted, errors = map_unique(series.filter(~plain), lambda v: parse.parse_date(v, default_year), pl.Date)
    return _fill(fast, plain, converted).alias(series.name), errors


def project_codes(series: pl.Series) -> pl.Series:
    """parse.is_project_code for a column (False for blanks)."""
    plain = series.str.contains(_PLAIN_CODE).fill_null(False)
    others, _ = map_unique(series.filter(~plain & series.is_not_null()), parse.is_project_code, pl.Boolean)
    valid = set(series.filter(~plain & series.is_not_null()).filter(others.fill_null(False)).to_list())
    return plain | series.is_in(list(valid)).fill_null(False)
