"""How figures are written: 亿元 with two decimals, rates as percentages, counts as integers."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Callable

import polars as pl

from base.config import rise_colour  # the pages and the wall ask ui.format

# st.metric's delta_color for each colour of a rise: the colour says which way a figure
# moved, not whether that is good, on every page and the wall alike
DELTA_COLOURS = {"red": "inverse", "green": "normal"}


def yi(value) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def pct(fraction) -> str:
    return "—" if fraction is None else f"{Decimal(fraction) * 100:.2f}%"


def count(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def as_of(day: date | None) -> str:
    return f"数据截至 {day:%Y年%m月%d日}" if day else "暂无数据"


def reporting(state, included: bool) -> str:
    """The reporting cycle in a few words: 报送：10月已报 1/19（未计入） or 已发布至 2025年9月."""
    if state.has_open_month:
        counted = "已计入，未完结" if included else "未完结，未计入"
        return f"报送：{state.open_through:%-m}月已报 {state.open_reported}/{state.open_expected}（{counted}）"
    if state.published_through:
        return f"已发布至 {state.published_through:%Y年%-m月}"
    return "尚无已发布的月份"


def delta_colour() -> str:
    """st.metric's delta_color under the configured rise colour."""
    return DELTA_COLOURS[rise_colour()]


def change(current, previous, unit: str) -> str | None:
    """同比 text for st.metric's delta: the difference and, for amounts and counts, the growth."""
    if current is None or previous is None:
        return None
    current, previous = Decimal(current), Decimal(previous)
    if unit == "%":
        return f"{(current - previous) * 100:+.2f} 个百分点（同比）"
    growth = f"，{(current - previous) / previous * 100:+.2f}%" if previous else ""
    diff = f"{current - previous:+,.2f}" if unit == "亿元" else f"{int(current - previous):+,}"
    return f"{diff}{growth}（同比）"


def plain(text) -> str:
    """Spreadsheet text for chart labels and hovers: Plotly renders a subset of HTML, so escape it."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Every ASCII punctuation character: a backslash before any of them shows it as itself
# (CommonMark), which makes links, images, emphasis, HTML, Streamlit's :color[] and
# :icon: directives and $math$ inert.
_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# GitHub-flavoured Markdown (Streamlit's) links bare URLs and e-mail addresses in the
# text *after* escapes are resolved, so escaping cannot stop it: an invisible word
# joiner inside the pattern does.
_BARE_LINK = re.compile(r"(?i)(?<=[a-z]:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md_text(text) -> str:
    """A string from a file or a person (file, sheet or account name, cell text) for any
    Streamlit call that renders Markdown (st.markdown, caption, success, error, ...):
    shown exactly as written, never as a link, image, emphasis or HTML."""
    if text is None:
        return ""
    joined = _BARE_LINK.sub(WORD_JOINER, str(text))
    return _MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(), joined)


# No Python function ever runs inside a polars expression here (map_elements, map_batches):
# polars runs it on its thread pool, whose threads then need the GIL, while another
# session's st.dataframe holds the GIL in to_pandas waiting on that same pool, and the
# server hangs for good (benchmarks/polars_deadlock.py; tests/test_layers.py keeps it out).


def yi_column(name: str) -> pl.Expr:
    """万元 -> 亿元 as metrics.yi rounds (half up, two decimals), missing kept missing."""
    return (pl.col(name).cast(pl.Decimal(38, 8)) / 10000).round(2, mode="half_away_from_zero").cast(pl.Decimal(20, 2))


def percent_column(name: str) -> pl.Expr:
    """A fraction as a percentage number with two decimals (0.8219 -> 82.19), half up."""
    return (pl.col(name).cast(pl.Decimal(38, 10)) * 100).round(2, mode="half_away_from_zero").cast(pl.Decimal(38, 2))


def per_row(frame: pl.DataFrame, fn: Callable[[dict], object], dtype=pl.String) -> pl.Expr:
    """fn of each row of frame, worked out in this thread, as a column expression of frame."""
    return pl.lit(pl.Series([fn(row) for row in frame.iter_rows(named=True)], dtype=dtype))
