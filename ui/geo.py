"""Territories on the map and in rankings: county boundaries, the pydeck choropleth, ranks.

Shared by the 县区排名 page and the wall display. Nothing here fetches from the internet:
the basemap is a blank MapLibre style served by the app itself (static/), there are no
tiles, and labels are drawn with the browser's system fonts.
"""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from html import escape
from pathlib import Path

import polars as pl
import pydeck as pdk
import streamlit as st

from base.reference import load_reference
from warehouse.metrics import ratio, yi

# Served by `server.enableStaticServing` from static/; pydeck's map_style=None would fetch
# a Carto style from the internet instead.
MAP_STYLE = {False: "/app/static/blank.json", True: "/app/static/blank-dark.json"}

# Sequential ramp from low to high (ColorBrewer OrRd), readable on light and dark grounds.
RAMP = ((254, 240, 217), (253, 204, 138), (252, 141, 89), (227, 74, 51), (179, 0, 0))
NO_VALUE = {False: (205, 205, 200), True: (70, 74, 82)}
BORDER = {False: (255, 255, 255), True: (20, 24, 32)}
ZONE_FILL = {False: (31, 78, 121), True: (90, 200, 250)}
LABEL = {False: (40, 40, 40), True: (235, 235, 235)}
LABEL_BACKGROUND = {False: (255, 255, 255), True: (14, 17, 23)}
# CJK system fonts of Windows, macOS and Linux desktops; deck.gl rasterises them locally.
FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def has_boundaries() -> bool:
    """Whether the county boundaries configured in city.toml are there to draw."""
    return load_reference().geo_file.exists()


def counties_geojson() -> dict:
    """The city's county boundaries (data/geo, see its README): one feature per county."""
    path = load_reference().geo_file
    return _read(path, path.stat().st_mtime_ns)


def territory_figures(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of query map_units with the rankable metrics added, in display units.

    signed_amount_yi / funds_in_place_yi in 亿元 (two decimals, as metrics.yi rounds),
    start_rate / target_completion as fractions (None where the denominator is missing).
    """
    def per_row(row: dict) -> dict:
        return {
            "signed_amount_yi": yi(row["signed_amount_wan"]),
            "funds_in_place_yi": yi(row["funds_wan"]),
            "start_rate": ratio(row["started_projects"], row["signed_projects"]),
            "target_completion": ratio(row["targeted_amount_wan"], row["target_wan"]),
        }

    added = pl.DataFrame(
        [per_row(r) for r in frame.iter_rows(named=True)],
        schema={
            "signed_amount_yi": pl.Decimal(38, 2),
            "funds_in_place_yi": pl.Decimal(38, 2),
            "start_rate": pl.Decimal(38, 4),
            "target_completion": pl.Decimal(38, 4),
        },
    )
    return pl.concat([frame, added], how="horizontal")


def ranked(frame: pl.DataFrame, value: str) -> pl.DataFrame:
    """Add `rank`: 1 for the largest value; ties share the better rank; no value, no rank."""
    return frame.with_columns(pl.col(value).rank("min", descending=True).cast(pl.Int64).alias("rank"))


def rank_change(current: int | None, previous: int | None) -> str:
    """↑2 (moved up two places), ↓1, — (same place), or why there is nothing to compare."""
    if current is None:
        return "无排名"
    if previous is None:
        return "无上年排名"
    places = previous - current
    if places > 0:
        return f"↑{places}"
    if places < 0:
        return f"↓{-places}"
    return "—"


def compared(current: pl.DataFrame, previous: pl.DataFrame | None, value: str, rate: bool) -> pl.DataFrame:
    """Add last year's value and rank of each unit (same unit_id), 同比 and the rank change.

    Both frames carry `value` and `rank` (see `ranked`); with no previous year at all the
    comparison columns are null.
    """
    before = {} if previous is None else {r["unit_id"]: r for r in previous.iter_rows(named=True)}
    rows = []
    for r in current.iter_rows(named=True):
        last = before.get(r["unit_id"], {})
        rows.append({
            "previous_value": last.get(value),
            "previous_rank": last.get("rank"),
            "year_on_year": year_on_year(r[value], last.get(value), rate),
            "rank_change": None if previous is None else rank_change(r["rank"], last.get("rank")),
        })
    schema = {
        "previous_value": current.schema[value],
        "previous_rank": pl.Int64,
        "year_on_year": pl.Decimal(38, 2),
        "rank_change": pl.String,
    }
    return pl.concat([current, pl.DataFrame(rows, schema=schema)], how="horizontal")


def in_percent(fraction) -> Decimal | None:
    """A fraction as a percentage number with two decimals (0.8219 -> 82.19), for tables."""
    return None if fraction is None else (Decimal(fraction) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def year_on_year(current, previous, rate: bool) -> Decimal | None:
    """同比 as a number: percentage points for rates, growth in percent for amounts and counts."""
    if current is None or previous is None:
        return None
    if rate:
        return in_percent(Decimal(current) - Decimal(previous))
    return in_percent(ratio(Decimal(current) - Decimal(previous), previous, places=6))


def _colour(value, lo, hi, dark: bool) -> list[int]:
    if value is None:
        return [*NO_VALUE[dark], 150]
    t = 0.0 if hi == lo else (float(value) - float(lo)) / (float(hi) - float(lo))
    position = t * (len(RAMP) - 1)
    i = min(int(position), len(RAMP) - 2)
    f = position - i
    rgb = [round(a + (b - a) * f) for a, b in zip(RAMP[i], RAMP[i + 1])]
    return [*rgb, 220]


def ramp_css() -> str:
    """The colour ramp as a CSS gradient, for legends."""
    stops = ", ".join(f"rgb{c}" for c in RAMP)
    return f"linear-gradient(to right, {stops})"


def value_range(frame: pl.DataFrame, metric: str) -> tuple | None:
    """Lowest and highest value of the metric over the counties (what the colours span)."""
    values = frame.filter(pl.col("kind") == "county").get_column(metric).drop_nulls()
    if values.is_empty():
        return None
    return values.min(), values.max()


def _json_value(value):
    return float(value) if isinstance(value, Decimal) else value


def county_map(
    frame: pl.DataFrame,
    metric: str,
    *,
    dark: bool = False,
    tooltip: str | None = None,
    labels: bool = True,
    zoom: float = 7.6,
    label_size: float = 13,
) -> pdk.Deck:
    """A choropleth of the counties coloured by `metric`, development zones as points.

    `frame` has one row per territory with columns kind ('county' | 'zone'), host_adcode
    (a county's own adcode, a zone's host county), name, lon/lat (zones) and `metric`
    (null: no value, drawn grey). Every column becomes a property the tooltip can show
    as {column}; `tooltip` is its HTML template (Streamlit escapes the values), else the
    name alone. `dark` selects the wall display's dark basemap and colours.
    """
    geo = counties_geojson()
    lo, hi = value_range(frame, metric) or (0, 0)
    columns = [c for c in frame.columns if c not in ("lon", "lat")]
    counties = {
        r["host_adcode"]: {c: _json_value(r[c]) for c in columns}
        for r in frame.filter(pl.col("kind") == "county").iter_rows(named=True)
    }
    features = []
    for feature in geo["features"]:
        adcode = feature["properties"]["adcode"]
        properties = {"adcode": adcode, "name": feature["properties"]["name"], **counties.get(adcode, {})}
        properties["fill"] = _colour(properties.get(metric), lo, hi, dark)
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": properties})

    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": features},
            id="counties",
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=[*BORDER[dark], 255],
            line_width_min_pixels=1.5,
            auto_highlight=True,
            highlight_color=[255, 255, 255, 60] if dark else [0, 0, 0, 40],
        )
    ]

    zones = frame.filter((pl.col("kind") == "zone") & pl.col("lon").is_not_null())
    if zones.height:
        top = max((float(v) for v in zones.get_column(metric).drop_nulls()), default=0.0)
        points = []
        for r in zones.iter_rows(named=True):
            value = r[metric]
            # area proportional to the value; a small dot where there is none
            size = (float(value) / top) ** 0.5 if value is not None and top > 0 else 0.0
            point = {c: _json_value(r[c]) for c in frame.columns}
            point["radius"] = 800 + 3600 * size
            points.append(point)
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                points,
                id="zones",
                pickable=True,
                get_position=["lon", "lat"],
                get_radius="radius",
                get_fill_color=[*ZONE_FILL[dark], 210],
                get_line_color=[*BORDER[dark], 255],
                stroked=True,
                line_width_min_pixels=1.5,
            )
        )

    if labels:
        layers.append(
            pdk.Layer(
                "TextLayer",
                [{"name": f["properties"]["name"], "center": f["properties"]["center"]} for f in geo["features"]],
                id="county-names",
                get_position="center",
                get_text="name",
                get_size=label_size,
                get_color=[*LABEL[dark], 255],
                # pdk.types.String: pydeck would read a plain string as an expression
                font_family=pdk.types.String(FONT),
                character_set=pdk.types.String("auto"),
                # a pill behind each name keeps it readable on any fill and over zone points
                background=True,
                get_background_color=[*LABEL_BACKGROUND[dark], 190],
                background_padding=[3, 1],
            )
        )

    west, south, east, north = geo["bbox"]
    return pdk.Deck(
        layers=layers,
        map_style=MAP_STYLE[dark],
        map_provider=None,
        initial_view_state=pdk.ViewState(longitude=(west + east) / 2, latitude=(south + north) / 2, zoom=zoom),
        tooltip={"html": tooltip} if tooltip else {"text": "{name}"},
    )


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator pixels at zoom 0 (deck.gl's 512-pixel world)."""
    x = 512 * (lon + 180) / 360
    y = 512 * (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2
    return x, y


def fit_zoom(width: float, height: float, padding: float = 16, most: float = 8.5) -> float:
    """The zoom at which every county fits a map of width × height CSS pixels, centred as
    county_map centres it: a phone's narrow map shows the whole city, not its middle."""
    west, south, east, north = counties_geojson()["bbox"]
    (x0, y0), (x1, y1) = _mercator(west, north), _mercator(east, south)
    centre_y = _mercator(0, (south + north) / 2)[1]
    # the centre is the middle latitude, not the middle of the projected box: fit the larger half
    half_height = max(centre_y - y0, y1 - centre_y)
    scale = min((width - 2 * padding) / (x1 - x0), (height / 2 - padding) / half_height)
    return round(min(most, math.log2(max(scale, 1e-9))), 2)


def units_behind(event, territories: pl.DataFrame) -> tuple[str, ...]:
    """The reporting units behind the territory clicked on a county_map (its selection event):
    a county's own unit and its development zones, as the map rolls them up, or one zone."""
    objects = (event.selection.objects if event else None) or {}
    county = next(iter(objects.get("counties") or []), None)
    zone = next(iter(objects.get("zones") or []), None)
    if zone is not None:
        return (zone["unit_id"],) if zone.get("unit_id") else ()
    adcode = ((county or {}).get("properties") or {}).get("adcode")
    if adcode is None:
        return ()
    return tuple(territories.filter(pl.col("host_adcode") == adcode).get_column("unit_id").to_list())


def legend(low: str, high: str, *, title: str, no_value: str = "无数值", zones: bool = True, dark: bool = False) -> None:
    """The colour scale under a map: lowest and highest value, the grey of no value, zones."""
    text = "#e6e6e6" if dark else "#31333f"
    grey = "rgb{}".format(NO_VALUE[dark])
    zone = "rgb{}".format(ZONE_FILL[dark])
    zone_key = (
        f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;background:{zone};'
        f'vertical-align:middle;margin:0 4px 0 14px"></span>开发区（圆点面积与指标成正比）'
        if zones
        else ""
    )
    st.html(
        f'<div style="color:{text};font-size:13px;line-height:1.5;max-width:520px">'
        f"<div>{escape(title)}</div>"
        f'<div style="display:flex;align-items:center;gap:8px">'
        f"<span>{escape(low)}</span>"
        f'<span style="flex:1;height:12px;border-radius:2px;background:{ramp_css()}"></span>'
        f"<span>{escape(high)}</span></div>"
        f'<div style="margin-top:4px"><span style="display:inline-block;width:14px;height:11px;background:{grey};'
        f'vertical-align:middle;margin-right:4px"></span>{escape(no_value)}{zone_key}</div>'
        "</div>"
    )
