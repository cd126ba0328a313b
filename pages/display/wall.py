"""数据大屏: the city's picture on the meeting-room wall — refreshes itself, never shows an error.

Everything time-dependent (this year, the clock, 数据截至, the figures) is worked out again
at every refresh inside the fragment; a load appears within one interval because ui.data
caches by warehouse file version. No sidebar, no menu, no link to upload or data pages.
"""

from collections import Counter

import polars as pl
import streamlit as st

from base.reference import load_reference
from ui import data, format as fmt, geo, wall
from ui.filters import describe
from warehouse import bulletins, periods
from warehouse.metrics import HEADLINE
from warehouse.queries import Filters

# fits the city's counties into the map panel of a 1080p wall; larger walls scale the panel (wall.css)
MAP_ZOOM = 7.8


def warned_by_unit(warnings: pl.DataFrame) -> dict[tuple[str, str], int]:
    """Warnings per (unit_id, level): a zone's count also goes to its host county, as on the map."""
    units = data.query("units")
    by_name = {r["name"]: r for r in units.iter_rows(named=True)}
    county = {r["adcode"]: r["unit_id"] for r in units.iter_rows(named=True) if r["kind"] == "county"}
    counts: Counter = Counter()
    for name, level in warnings.select("unit_name", "level").iter_rows():
        unit = by_name[name]
        counts[(county[unit["host_adcode"]], level)] += 1
        if unit["kind"] == "zone":
            counts[(unit["unit_id"], level)] += 1
    return dict(counts)


def build(config: wall.WallSettings, today) -> wall.View:
    """Read every figure of the wall and lay it out; raises when the warehouse cannot answer."""
    if not data.available():
        raise wall.NoData("数据仓库尚未建立")
    years = data.query("years")
    as_of = data.query("as_of").item()
    filters = wall.period(years, as_of, today)
    if filters is None:
        raise wall.NoData("数据仓库中还没有签约项目")
    has_previous = filters.year - 1 in years.get_column("year").to_list()

    figures = data.headline(filters)
    previous = data.headline(filters.previous_year()) if has_previous else None
    targets = data.query("overview_targets", filters)
    city_targets = {m: t for m, t in targets.filter(pl.col("unit_id").is_null()).select("metric", "target").iter_rows()}
    cards = [wall.Card(k, figures[k], previous[k] if previous else None, city_targets.get(k)) for k in HEADLINE]

    # the whole of last year as the yardstick; this year up to the data date
    monthly = data.query("overview_monthly_cumulative", Filters(filters.year, 1, 12))

    units = geo.territory_figures(data.query("map_units", filters))
    on_map = units.with_columns(
        pl.when(pl.col("signed_projects") > 0).then(pl.col("signed_amount_yi")).alias("value")
    ).select("kind", "host_adcode", "name", "lon", "lat", "value")
    span = geo.value_range(on_map, "value")

    city = load_reference()
    warnings = data.query(
        "starts_warnings", filters, yellow_days=city.signed_yellow_days, red_days=city.signed_red_days,
        include_earlier=config.warnings_include_earlier,
    )
    level = warnings.get_column("level")
    scope = f"{filters.year}年签约" + ("及往年签约" if config.warnings_include_earlier else "")

    # the 四库 warnings of every unit and chain on the data date, red first, longest wait first:
    # only the rows the panel shows and a count per level (a province has 150,000 of them)
    staged = data.listing(
        "pipeline_warnings", Filters(filters.year), count_by=("level",), limit=config.red_warnings,
        as_of=as_of, **bulletins.limits().params(),
    )
    red_total = staged.count(level="red")
    deadline_day = load_reference().report_deadline_day

    return wall.View(
        city=load_reference().city_name,
        period=describe(filters),
        as_of=fmt.as_of(as_of),
        overdue=wall.overdue_text(periods.overdue_month(as_of, today, deadline_day), deadline_day) if as_of else None,
        kpis=wall.kpis_html(cards),
        curve=wall.panel(
            "累计签约金额（亿元）",
            wall.curve_svg(monthly, filters.year, has_previous),
            wall.curve_legend(filters.year, has_previous),
        ),
        warnings=wall.panel(
            "开工预警", wall.warnings_html(int((level == "红").sum()), int((level == "黄").sum()), city.signed_yellow_days, city.signed_red_days),
            f"<small>{scope}、截至数据日期未开工</small>",
        ),
        chains=wall.panel("产业链签约金额（亿元）", wall.chains_html(data.query("chains_summary", filters), config.chains)),
        signings=wall.panel(
            "最新签约项目",
            wall.signings_html(data.query("wall_latest_signings", filters, limit=config.latest_signings)),
            css="wall-latest",
        ),
        legend=wall.legend_html(
            *(f"{fmt.yi(v)} 亿元" for v in span) if span else ("—", "—"), geo.ramp_css()
        ),
        units=wall.panel(
            "县（市、区）与开发区签约排名", wall.units_html(units, warned_by_unit(warnings)),
            "<small>金额单位：亿元；县（市、区）含所辖开发区</small>", css="wall-units-body",
        ),
        red=wall.panel(
            f"四库红色预警 {red_total} 个 · 责任到人",
            wall.red_warnings_html(staged.rows, config.red_warnings),
            f"<small>停留最久的 {min(config.red_warnings, red_total)} 个；天数算到数据截至日期</small>" if red_total else "",
            css="wall-red-body",
        ),
        # labels read across a room; no boundaries configured: the map panel stays empty
        deck=geo.county_map(on_map, "value", dark=True, zoom=MAP_ZOOM, label_size=17) if geo.has_boundaries() else None,
    )


config = wall.settings()
st.html(wall.CSS)


@st.fragment(run_every=wall.run_every(config))
def show() -> None:
    moment = wall.now(st.context.timezone)
    settings = wall.settings()
    shown = wall.last_good(lambda: build(settings, moment.date()), moment)
    if shown is None:
        st.html(wall.notice_html("大屏数据准备中", "导入台账或数据仓库可用后，本页会自动显示。"))
        return
    view = shown.view
    stale = wall.stale_mark(shown, moment) if shown.stale else None
    st.html(wall.rise_css(fmt.rise_colour()))
    st.html(wall.header_html(view.city, view.period, view.as_of, moment, stale, view.overdue))
    st.html(view.kpis)
    shown_panel = wall.panel_at(settings, moment)
    if shown_panel == "units":
        st.html(view.units)
        return
    if shown_panel == "warnings":
        st.html(view.red)
        return
    left, middle, right = st.columns([1, 1.12, 1], gap="small")
    with left:
        st.html(view.curve)
        st.html(view.warnings)
    with middle, st.container(key="wall-map"):
        st.html(wall.panel("县（市、区）签约金额分布", view.legend, css="wall-map-title"))
        if view.deck is not None:
            st.pydeck_chart(view.deck, height="stretch", key="wall-deck")
    with right:
        st.html(view.chains)
        st.html(view.signings)


show()
