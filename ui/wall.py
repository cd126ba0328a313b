"""The wall display (数据大屏): settings, access by token, "now", last good figures, HTML panels.

The wall runs unattended for weeks in a meeting room, so everything here is about never
showing an error: figures are rebuilt at every refresh and, when that fails, the last good
ones stay on screen with a small staleness mark. Sizes in static/wall.css are relative to
the viewport (`--u` = 1 % of the height on a 16:9 screen), so 1080p, 4K and wide LED walls
show the same picture; the curve is an SVG image for the same reason (Plotly's fonts are
fixed pixel sizes). Spreadsheet text goes through `ui.format.plain` and only ever into
text nodes.
"""

from __future__ import annotations

import base64
import hmac
import logging
import math
import os
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from base import reference as _reference
from warehouse import periods
from warehouse.metrics import METRICS, ratio, yi
from warehouse.queries import Filters

from . import format as fmt

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CSS = ROOT / "static" / "wall.css"
# One line, the token; gitignored. WALL_TOKEN in the environment takes precedence.
TOKEN_FILE = ROOT / "data" / "wall_token"
PANELS = ("overview", "units", "warnings")
_LAST_GOOD = "_wall_last_good"
WEEKDAYS = "一二三四五六日"


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class WallSettings:
    refresh_seconds: int = 60
    # the ranking and the red warnings are seen only when the wall turns to them: on by default
    rotate_seconds: int = 30  # 0: no rotation, the first panel only
    panels: tuple[str, ...] = PANELS
    latest_signings: int = 20
    chains: int = 8
    warnings_include_earlier: bool = False
    red_warnings: int = 10


def _positive_int(section: dict, key: str, default: int, minimum: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        log.warning("[wall] %s must be an integer ≥ %s; using %s", key, minimum, default)
        return default
    return value


def settings(directory: Path | None = None) -> WallSettings:
    """[wall] of data/reference/city.toml, defaults for what is missing or wrong.

    WALL_REFRESH_SECONDS and WALL_ROTATE_SECONDS in the environment override refresh_seconds
    and rotate_seconds (tests use a few seconds).
    Read at every refresh, so an edit takes effect without a restart; the interval itself
    when the wall is opened.
    """
    path = Path(directory or _reference.REFERENCE_DIR) / "city.toml"
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("wall", {})
    except (OSError, tomllib.TOMLDecodeError):
        log.warning("cannot read [wall] from %s; using defaults", path)
        section = {}
    defaults = WallSettings()
    refresh = _positive_int(section, "refresh_seconds", defaults.refresh_seconds, 1)
    if (env := os.environ.get("WALL_REFRESH_SECONDS", "").strip()).isdigit() and int(env) > 0:
        refresh = int(env)
    rotate = _positive_int(section, "rotate_seconds", defaults.rotate_seconds, 0)
    if (env := os.environ.get("WALL_ROTATE_SECONDS", "").strip()).isdigit():
        rotate = int(env)
    listed = section.get("panels", list(defaults.panels))
    panels = tuple(p for p in listed if p in PANELS) if isinstance(listed, list) else ()
    if not panels:
        log.warning("[wall] panels must list some of %s; using %s", PANELS, defaults.panels)
        panels = defaults.panels
    include = section.get("warnings_include_earlier", defaults.warnings_include_earlier)
    return WallSettings(
        refresh_seconds=refresh,
        rotate_seconds=rotate,
        panels=panels,
        latest_signings=_positive_int(section, "latest_signings", defaults.latest_signings, 1),
        chains=_positive_int(section, "chains", defaults.chains, 1),
        warnings_include_earlier=include if isinstance(include, bool) else defaults.warnings_include_earlier,
        red_warnings=_positive_int(section, "red_warnings", defaults.red_warnings, 1),
    )


def panel_at(config: WallSettings, moment: datetime) -> str:
    """The panel on screen at `moment`: the clock decides, so every wall shows the same one."""
    if config.rotate_seconds <= 0 or len(config.panels) == 1:
        return config.panels[0]
    return config.panels[int(moment.timestamp() // config.rotate_seconds) % len(config.panels)]


def run_every(config: WallSettings) -> int:
    """Seconds between reruns of the wall: the refresh, or the rotation when it is faster."""
    if config.rotate_seconds > 0 and len(config.panels) > 1:
        return min(config.refresh_seconds, config.rotate_seconds)
    return config.refresh_seconds


# ---------------------------------------------------------------- access


def configured_token() -> str | None:
    """The wall's token: $WALL_TOKEN, else the first line of data/wall_token; None: no token.

    A token file that exists but cannot be read raises: the wall stays closed rather than open.
    """
    if token := os.environ.get("WALL_TOKEN", "").strip():
        return token
    try:
        lines = TOKEN_FILE.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    return lines[0].strip() if lines and lines[0].strip() else None


def token_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------- now and this year


def now(timezone: Any = None) -> datetime:
    """The wall's local time: the browser's time zone when it reports one, else the server's."""
    if isinstance(timezone, str) and timezone:
        try:
            return datetime.now(ZoneInfo(timezone))
        except (KeyError, ValueError, OSError):
            pass
    return datetime.now().astimezone()


def period(years: pl.DataFrame, as_of: date | None, today: date) -> Filters | None:
    """January to date of "this year": the latest year with signed projects up to today's year
    (a mistyped future signing date does not take the wall over). None: nothing signed yet.

    The period runs to the data date's month, so 同比 compares the same months even when the
    latest signing is older; a year the data date has left behind is shown whole.
    """
    rows = [(y, m) for y, m in years.select("year", "latest_month").iter_rows() if y <= today.year]
    if not rows:
        return None
    year, month_to = max(rows)
    if as_of is not None and as_of.year == year:
        month_to = max(month_to, as_of.month)
    elif as_of is not None and as_of.year > year:
        month_to = 12
    return Filters(year, 1, month_to)


def clock(moment: datetime) -> str:
    return f"{moment:%Y年%m月%d日} 星期{WEEKDAYS[moment.weekday()]}"


# ---------------------------------------------------------------- last good figures


class NoData(Exception):
    """Nothing to show yet (no warehouse, no signed project): a notice, not a failure."""


@dataclass(frozen=True)
class Shown:
    """What the wall shows: the view built from the warehouse, when, and whether it is stale."""

    view: Any
    updated: datetime
    stale: bool = False


def last_good(build: Callable[[], Any], moment: datetime) -> Shown | None:
    """Build the view; when that fails keep this session's last good one, marked stale.

    None: the first build failed and there is nothing to keep yet.
    """
    try:
        view = build()
    except Exception as exc:
        if type(exc).__module__.startswith("streamlit"):
            raise  # st.rerun / st.stop are Streamlit's control flow, not failures
        if isinstance(exc, NoData):
            log.warning("wall: %s", exc)
        else:
            log.exception("wall refresh failed; keeping the last good figures")
        kept = st.session_state.get(_LAST_GOOD)
        return None if kept is None else replace(kept, stale=True)
    shown = Shown(view, moment)
    st.session_state[_LAST_GOOD] = shown
    return shown


def stale_mark(shown: Shown, moment: datetime) -> str:
    when = f"{shown.updated:%H:%M}" if shown.updated.date() == moment.date() else f"{shown.updated:%m月%d日 %H:%M}"
    return f"数据更新于 {when}，暂未能刷新"


# ---------------------------------------------------------------- figures


def year_on_year(current, previous, unit: str) -> tuple[str, str]:
    """Short 同比 for a card and its direction (up | down | flat | none)."""
    if current is None or previous is None:
        return "同比 —", "none"
    difference = Decimal(current) - Decimal(previous)
    direction = "up" if difference > 0 else "down" if difference < 0 else "flat"
    arrow = {"up": "▲", "down": "▼", "flat": "■"}[direction]
    if unit == "%":
        return f"同比 {arrow} {abs(difference) * 100:.2f} 个百分点", direction
    growth = ratio(difference, previous, places=6)
    if growth is None:
        return f"同比 {arrow} 上年同期为零", direction
    return f"同比 {arrow} {abs(growth) * 100:.2f}%", direction


SHOW = {"个": fmt.count, "亿元": fmt.yi, "%": lambda v: "—" if v is None else f"{Decimal(v) * 100:.2f}"}


@dataclass(frozen=True)
class Card:
    key: str
    value: Any
    previous: Any = None
    target: Decimal | None = None  # in the metric's display unit (rates in percent)


def target_progress(card: Card) -> Decimal | None:
    """Achieved ÷ annual target; rate targets are written in percent (85 = 85 %)."""
    if card.target is None or card.value is None:
        return None
    achieved = Decimal(card.value) * (100 if METRICS[card.key].unit == "%" else 1)
    return ratio(achieved, card.target)


def kpi_html(card: Card) -> str:
    metric = METRICS[card.key]
    change, direction = year_on_year(card.value, card.previous, metric.unit)
    value = SHOW[metric.unit](card.value)
    progress = target_progress(card)
    if progress is None:
        target = '<div class="wall-target wall-target-none"></div>'
    else:
        # targets are round policy numbers: 3,200 亿元 rather than 3,200.00
        goal = f"{card.target.normalize():,f}{metric.unit}" if metric.unit == "%" else f"{card.target.normalize():,f} {metric.unit}"
        target = (
            '<div class="wall-target">'
            f'<div class="wall-bar"><i style="width:{min(float(progress), 1) * 100:.1f}%"></i></div>'
            f"<span>目标 {escape(goal)} · 完成 {fmt.pct(progress)}</span></div>"
        )
    return (
        f'<div class="wall-kpi" data-metric="{card.key}" title="{escape(metric.definition, quote=True)}">'
        f'<div class="wall-kpi-label">{escape(metric.label)}</div>'
        f'<div class="wall-kpi-value"><b>{value}</b><small>{escape(metric.unit)}</small></div>'
        f'<div class="wall-yoy wall-{direction}">{escape(change)}</div>'
        f"{target}</div>"
    )


def header_html(city: str, period: str, as_of: str, moment: datetime, stale: str | None,
                overdue: str | None = None) -> str:
    """Title, period and data date (with `overdue` under it when the data are past the
    reporting deadline), the clock (with `stale` under it when a refresh failed)."""
    mark = f'<div class="wall-stale">{escape(stale)}</div>' if stale else ""
    late = f'<div class="wall-overdue">{escape(overdue)}</div>' if overdue else ""
    return (
        '<div class="wall-head">'
        f'<div class="wall-title">{escape(city)}招商引资数据大屏</div>'
        f'<div class="wall-middle"><div class="wall-period"><span>{escape(period)}</span>'
        f"<span>{escape(as_of)}</span></div>{late}</div>"
        f'<div class="wall-clock"><span>{clock(moment)}</span><b>{moment:%H:%M}</b>{mark}</div>'
        "</div>"
    )


def overdue_text(month: date | None, deadline_day: int) -> str | None:
    """The mark of data older than the reporting cycle: the month that should be in by now."""
    if month is None:
        return None
    deadline = periods.report_deadline(month, deadline_day)
    return f"⚠ 数据未按期更新：{month:%Y年%-m月}数据应于 {deadline:%Y年%-m月%-d日}前报送"


def rise_css(colour: str) -> str:
    """The wall's up and down colours under [display] rise_colour ("red": 红涨绿跌)."""
    red, green = "#ff6b6b", "#35d07f"
    rise, fall = (red, green) if colour == "red" else (green, red)
    return f"<style>:root {{ --wall-up: {rise}; --wall-down: {fall}; }}</style>"


def kpis_html(cards: list[Card]) -> str:
    return '<div class="wall-kpis">' + "".join(kpi_html(c) for c in cards) + "</div>"


def panel(title: str, body: str, extra: str = "", css: str = "") -> str:
    return (
        f'<section class="wall-panel {css}"><h2>{escape(title)}{extra}</h2>'
        f'<div class="wall-panel-body">{body}</div></section>'
    )


def _nice_step(top: float, ticks: int = 4) -> float:
    raw = top / ticks if top > 0 else 1
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


# The chart is an SVG image (st.html's sanitiser drops inline <svg>): it scales with its box,
# text included, and styles itself because the page's CSS does not reach into an image.
CURVE_STYLE = (
    ".grid{stroke:#1b2d52;stroke-width:1}"
    ".axis{fill:#8b9bbd;font-size:20px;font-family:Bahnschrift,'DIN Alternate','Liberation Sans Narrow',Arial,sans-serif}"
    ".month{fill:#8b9bbd;font-size:18px;font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif}"
    ".before{fill:none;stroke:#8b95a7;stroke-width:3;stroke-dasharray:2 7;stroke-linecap:round}"
    ".now{fill:none;stroke:#39c5ff;stroke-width:4.5;stroke-linejoin:round;stroke-linecap:round}"
    "circle.now{fill:#39c5ff;stroke:#fff;stroke-width:2}"
    ".area{fill:rgba(57,197,255,.14)}"
    ".end{fill:#fff;font-size:30px;font-weight:700;font-family:Bahnschrift,'DIN Alternate','Liberation Sans Narrow',Arial,sans-serif}"
)


def curve_svg(monthly: pl.DataFrame, year: int, with_previous: bool) -> str:
    """Cumulative signed amount by month (亿元) as an <img>: this year solid, last year dotted."""
    width, height = 600, 460
    left, right, top, bottom = 70, 24, 40, 44
    lines = {}
    for y in ([year - 1] if with_previous else []) + [year]:
        part = monthly.filter(pl.col("year") == y).sort("month")
        lines[y] = [(m, float(yi(v))) for m, v in part.select("month", "cumulative_wan").iter_rows()]
    highest = max((v for pts in lines.values() for _, v in pts), default=0.0)
    step = _nice_step(highest)
    ceiling = step * max(1, math.ceil(highest / step))

    def x(month: int) -> float:
        return left + (month - 1) * (width - left - right) / 11

    def y_(value: float) -> float:
        return top + (1 - value / ceiling) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"><style>{CURVE_STYLE}</style>'
    ]
    tick = 0.0
    while tick <= ceiling + 1e-9:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y_(tick):.1f}" y2="{y_(tick):.1f}"/>'
            f'<text class="axis" x="{left - 10}" y="{y_(tick) + 6:.1f}" text-anchor="end">{tick:,.0f}</text>'
        )
        tick += step
    for month in range(1, 13):
        parts.append(f'<text class="month" x="{x(month):.1f}" y="{height - 10}" text-anchor="middle">{month}月</text>')
    for y, points in lines.items():
        if not points:
            continue
        path = " ".join(f"{x(m):.1f},{y_(v):.1f}" for m, v in points)
        current = y == year
        if current:
            area = f"{x(points[0][0]):.1f},{y_(0):.1f} {path} {x(points[-1][0]):.1f},{y_(0):.1f}"
            parts.append(f'<polygon class="area" points="{area}"/>')
        parts.append(f'<polyline class="{"now" if current else "before"}" points="{path}"/>')
        if current:
            m, v = points[-1]
            anchor, dx = ("end", -12) if m > 9 else ("start", 12)
            parts.append(
                f'<circle class="now" cx="{x(m):.1f}" cy="{y_(v):.1f}" r="6"/>'
                f'<text class="end" x="{x(m) + dx:.1f}" y="{y_(v) - 12:.1f}" text-anchor="{anchor}">{v:,.2f}</text>'
            )
    parts.append("</svg>")
    encoded = base64.b64encode("".join(parts).encode()).decode()
    return f'<img class="wall-curve" alt="累计签约金额" src="data:image/svg+xml;base64,{encoded}">'


def curve_legend(year: int, with_previous: bool) -> str:
    before = f'<span class="wall-key wall-key-before">{year - 1}年</span>' if with_previous else ""
    return f'<span class="wall-keys"><span class="wall-key wall-key-now">{year}年</span>{before}</span>'


def chains_html(chains: pl.DataFrame, limit: int) -> str:
    """The chains by signed amount, largest first: bar, 亿元 and number of projects."""
    top = chains.filter(pl.col("amount_wan") > 0).head(limit)
    if top.is_empty():
        return '<div class="wall-empty">暂无签约项目</div>'
    highest = float(top.get_column("amount_wan").max())
    rows = []
    for rank, (chain, projects, amount) in enumerate(top.select("chain", "projects", "amount_wan").iter_rows(), 1):
        share = float(amount) / highest * 100 if highest else 0
        rows.append(
            '<div class="wall-rank">'
            f"<em>{rank}</em><span>{fmt.plain(chain)}</span>"
            f'<div class="wall-track"><i style="width:{share:.1f}%"></i></div>'
            f"<b>{fmt.yi(yi(amount))}</b><small>{projects}个</small></div>"
        )
    return '<div class="wall-ranks">' + "".join(rows) + "</div>"


def signings_html(latest: pl.DataFrame, visible: int = 5) -> str:
    """The latest signings; when more than fit, they roll upward in a loop (CSS only, no script)."""
    if latest.is_empty():
        return '<div class="wall-empty">暂无签约项目</div>'
    items = []
    for day, unit, chain, name, amount in latest.select(
        "signed_date", "unit_name", "chain", "project_name", "signed_amount_wan"
    ).iter_rows():
        money = "金额待定" if amount is None else f"{fmt.yi(yi(amount))} 亿元"
        items.append(
            '<li><div class="wall-item-name">'
            f"<span>{fmt.plain(name)}</span><b>{money}</b></div>"
            f'<div class="wall-item-meta">{day:%m-%d} · {fmt.plain(unit)} · {fmt.plain(chain)}</div></li>'
        )
    if len(items) <= visible:
        return '<ul class="wall-list">' + "".join(items) + "</ul>"
    # The list twice, moved up one row every 4 s (steps: rows stand still while read); after
    # one copy's height the second copy stands where the first began, so the loop never jumps.
    return (
        f'<ul class="wall-list wall-rolling" style="animation-duration:{4 * len(items)}s;'
        f'animation-timing-function:steps({len(items)})">' + "".join(items) * 2 + "</ul>"
    )


def warnings_html(red: int, yellow: int, yellow_days: int, red_days: int) -> str:
    return (
        '<div class="wall-warnings">'
        f'<div class="wall-warning wall-red" title="{escape(METRICS["warning_red"].definition, quote=True)}">'
        f'<div class="wall-warning-label">红色预警</div><div class="wall-warning-value"><b>{red}</b><small>个</small></div>'
        f"<div>签约满 {red_days} 天未开工</div></div>"
        f'<div class="wall-warning wall-yellow" title="{escape(METRICS["warning_yellow"].definition, quote=True)}">'
        f'<div class="wall-warning-label">黄色预警</div><div class="wall-warning-value"><b>{yellow}</b><small>个</small></div>'
        f"<div>签约满 {yellow_days}–{red_days - 1} 天未开工</div></div>"
        "</div>"
    )


def legend_html(low: str, high: str, ramp_css: str) -> str:
    return (
        '<div class="wall-legend">'
        f'<span>{escape(low)}</span><i style="background:{ramp_css}"></i><span>{escape(high)}</span>'
        '<span class="wall-zone-key">开发区</span></div>'
    )


def units_html(units: pl.DataFrame, warned: dict[tuple[str, str], int]) -> str:
    """The counties (their zones rolled up, as on the map) and the zones, ranked by signed
    amount, with projects, start rate and warnings; `warned` counts (unit_id, level)."""
    blocks = []
    for kind, title in (("county", "县（市、区）"), ("zone", "开发区")):
        part = units.filter(pl.col("kind") == kind).sort(
            "signed_amount_wan", "signed_projects", descending=True, maintain_order=True
        )
        highest = float(part.get_column("signed_amount_wan").max() or 0)
        rows = []
        for rank, r in enumerate(part.iter_rows(named=True), 1):
            share = float(r["signed_amount_wan"]) / highest * 100 if highest else 0
            rate = fmt.pct(ratio(r["started_projects"], r["signed_projects"]))
            red, yellow = warned.get((r["unit_id"], "红"), 0), warned.get((r["unit_id"], "黄"), 0)
            rows.append(
                '<div class="wall-unit">'
                f'<em>{rank}</em><span>{escape(r["name"])}</span>'
                f'<div class="wall-track"><i style="width:{share:.1f}%"></i></div>'
                f'<b>{fmt.yi(yi(r["signed_amount_wan"]))}</b><small>{r["signed_projects"]}</small>'
                f"<small>{rate}</small>"
                f'<small class="wall-red-text">{red}</small><small class="wall-yellow-text">{yellow}</small></div>'
            )
        head = (
            f'<div class="wall-unit wall-unit-head"><em></em><span>{title}</span><div></div>'
            "<b>签约金额</b><small>项目数</small><small>开工率</small>"
            '<small class="wall-red-text">红色预警</small><small class="wall-yellow-text">黄色预警</small></div>'
        )
        blocks.append(f'<div class="wall-units wall-units-{kind}">{head}{"".join(rows)}</div>')
    return '<div class="wall-units-panel">' + "".join(blocks) + "</div>"


def red_warnings_html(warnings: pl.DataFrame, limit: int) -> str:
    """The red 四库 warnings that have waited longest (`warnings` is pipeline_warnings, red first,
    longest wait first), each naming its 责任单位 and 包联领导; blanks say 未填报."""
    red = warnings.filter(pl.col("level") == "red").head(limit)
    if red.is_empty():
        return '<div class="wall-empty">截至数据日期没有红色预警</div>'
    head = (
        '<div class="wall-red-row wall-red-head"><em></em><span>项目名称</span><span>县（市、区）</span>'
        "<span>阶段</span><b>停留天数</b><span>责任单位</span><span>包联领导</span></div>"
    )
    rows = []
    for rank, r in enumerate(red.iter_rows(named=True), 1):
        rows.append(
            '<div class="wall-red-row">'
            f'<em>{rank}</em><span>{fmt.plain(r["project_name"])}</span><span>{fmt.plain(r["unit_name"])}</span>'
            f'<span>{escape(r["stage_label"])}</span><b>{r["days"]}</b>'
            f'<span class="wall-duty">{fmt.plain(r["responsible_unit"] or "未填报")}</span>'
            f'<span class="wall-duty">{fmt.plain(r["liaison_leader"] or "未填报")}</span></div>'
        )
    return '<div class="wall-red-list">' + head + "".join(rows) + "</div>"


def notice_html(text: str, detail: str = "") -> str:
    """A calm full-screen message (no access, no data yet): never an error box on a wall."""
    small = f"<p>{escape(detail)}</p>" if detail else ""
    return f'<div class="wall-notice"><div><h1>{escape(text)}</h1>{small}</div></div>'


@dataclass(frozen=True)
class View:
    """Everything the wall draws, built in one go so a failure leaves the last view intact."""

    city: str
    period: str
    as_of: str
    kpis: str
    curve: str
    warnings: str
    chains: str
    signings: str
    legend: str
    units: str
    red: str = ""
    overdue: str | None = None  # the data are past the reporting deadline: say which month
    deck: Any = None
