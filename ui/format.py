"""How figures are written: 亿元 with two decimals, rates as percentages, counts as integers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def yi(value) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def pct(fraction) -> str:
    return "—" if fraction is None else f"{Decimal(fraction) * 100:.2f}%"


def count(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def as_of(day: date | None) -> str:
    return f"数据截至 {day:%Y年%m月%d日}" if day else "暂无数据"


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
