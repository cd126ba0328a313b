"""How every warning list looks: the level as a coloured badge, the reddest and longest first,
and long lists in pages (the name column is every list's: ui.table.name_column)."""

from __future__ import annotations

import math

import polars as pl
import streamlit as st

# level codes of the queries (red/yellow, or 红/黄) as the badges show them
LEVEL_LABELS = {"red": "红色", "yellow": "黄色", "红": "红色", "黄": "黄色"}
LEVEL_ORDER = {"红色": 0, "黄色": 1}
LEVEL_COLOURS = ["#c0392b", "#d9a400"]  # 红色, 黄色
PAGE_ROWS = 50
LEVEL = "预警等级"


def level_badge(column: str = "level") -> pl.Expr:
    """The level as a one-item list, which level_column draws as a coloured badge; no warning, no badge."""
    label = pl.col(column).replace_strict(LEVEL_LABELS, default=None, return_dtype=pl.String)
    return pl.when(label.is_null()).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(pl.concat_list(label))


def level_column() -> dict:
    """The column config of a level_badge column."""
    return st.column_config.MultiselectColumn(
        options=list(LEVEL_ORDER), color=LEVEL_COLOURS, width=64, pinned=True,
        help="红色：超过红色预警天数；黄色：超过黄色预警天数。",
    )


def by_priority(frame: pl.DataFrame, level: str, days: str) -> pl.DataFrame:
    """Red before yellow before none, then the longest wait first."""
    rank = pl.col(level).list.first().replace_strict(LEVEL_ORDER, default=len(LEVEL_ORDER), return_dtype=pl.Int32)
    return frame.sort(rank, pl.col(days), descending=[False, True], nulls_last=True, maintain_order=True)


def paged(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """One page of a long list (PAGE_ROWS rows), with a page picker; the first page is the reddest."""
    pages = math.ceil(frame.height / PAGE_ROWS)
    if pages <= 1:
        return frame
    first = st.selectbox(
        "页码", range(pages), key=key,
        format_func=lambda p: f"第 {p + 1} / {pages} 页（第 {p * PAGE_ROWS + 1}–{min((p + 1) * PAGE_ROWS, frame.height)} 条）",
    )
    return frame.slice(first * PAGE_ROWS, PAGE_ROWS)
