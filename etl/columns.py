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
_PLAIN_NUMBER = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"  # ASCII digits: \d would match full-width ones
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
    mapping, errors = {}, {}
    for v in values:
        try:
            mapping[v] = convert(v)
        except parse.ParseError as err:
            mapping[v] = None
            errors[v] = str(err)
    if not mapping:
        return pl.Series(series.name, [None] * series.len(), dtype=dtype), errors
    converted = series.replace_strict(
        list(mapping), list(mapping.values()), default=None, return_dtype=dtype
    )
    return converted, errors


def clean(series: pl.Series) -> pl.Series:
    """parse.clean_text for a whole column."""
    frame = series.to_frame("v").with_columns(plain=_plain(pl.col("v")))
    slow = frame.filter(pl.col("v").is_not_null() & ~pl.col("plain")).get_column("v")
    cleaned, _ = map_unique(slow, parse.clean_text, pl.String)
    lookup = dict(zip(slow.to_list(), cleaned.to_list()))
    fast = frame.select(
        pl.when(pl.col("plain"))
        .then(pl.col("v").str.strip_chars())
        .otherwise(pl.col("v").replace_strict(lookup, default=None, return_dtype=pl.String) if lookup else None)
        .alias(series.name)
    ).to_series()
    return fast.replace("", None)


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
    slow = frame.filter(pl.col("v").is_not_null() & ~pl.col("plain")).get_column("v")
    lookup = {v: parse.normalize_name(v) for v in slow.unique().to_list()}
    return frame.select(
        pl.when(pl.col("plain"))
        .then(without_suffix)
        .otherwise(pl.col("v").replace_strict(lookup, default=None, return_dtype=pl.String) if lookup else None)
        .alias(names.name)
    ).to_series()


def amounts(series: pl.Series, money_unit: str) -> tuple[pl.Series, dict]:
    """parse.parse_amount for a column: 万元 as Decimal(18, 4), and the rejected values."""
    dtype = pl.Decimal(18, 4)
    factor = _FACTOR.get(money_unit)
    stripped = series.str.strip_chars()
    plain = stripped.str.contains(_PLAIN_NUMBER).fill_null(False) if factor else pl.Series([False] * series.len(), dtype=pl.Boolean)
    slow_values = series.filter(~plain & series.is_not_null())
    converted, errors = map_unique(slow_values, lambda v: parse.parse_amount(v, money_unit), dtype)
    lookup = dict(zip(slow_values.to_list(), converted.to_list()))
    fast = stripped.str.to_decimal(scale=4) if factor else pl.Series([None] * series.len(), dtype=dtype)
    if factor and factor != 1:
        fast = (fast * factor).cast(dtype)
    result = pl.select(
        pl.when(pl.lit(plain)).then(pl.lit(fast).cast(dtype))
        .otherwise(pl.lit(series).replace_strict(lookup, default=None, return_dtype=dtype) if lookup else None)
    ).to_series()
    return result.alias(series.name), errors


def dates(series: pl.Series, default_year: int | None) -> tuple[pl.Series, dict]:
    """parse.parse_date for a column, and the rejected values."""
    stripped = series.str.strip_chars()
    iso = stripped.str.contains(_ISO_DATE).fill_null(False)
    fast = stripped.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    in_range = fast.dt.year().is_between(2000, 2100).fill_null(False)
    plain = iso & in_range
    slow_values = series.filter(~plain & series.is_not_null())
    converted, errors = map_unique(slow_values, lambda v: parse.parse_date(v, default_year), pl.Date)
    lookup = dict(zip(slow_values.to_list(), converted.to_list()))
    result = pl.select(
        pl.when(pl.lit(plain)).then(pl.lit(fast))
        .otherwise(pl.lit(series).replace_strict(lookup, default=None, return_dtype=pl.Date) if lookup else None)
    ).to_series()
    return result.alias(series.name), errors


def project_codes(series: pl.Series) -> pl.Series:
    """parse.is_project_code for a column (False for blanks)."""
    plain = series.str.contains(_PLAIN_CODE).fill_null(False)
    others, _ = map_unique(series.filter(~plain & series.is_not_null()), parse.is_project_code, pl.Boolean)
    valid = set(series.filter(~plain & series.is_not_null()).filter(others.fill_null(False)).to_list())
    return plain | series.is_in(list(valid)).fill_null(False)
