"""县区排名: the ranking equals the warehouse's per-territory figures; map and boundaries agree."""

import json
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT, add_load, rows
from base.reference import load_reference
from ui import geo
from warehouse.db import Reader, writer
from warehouse.metrics import yi

COUNTIES = [u for u in load_reference().units if u.kind == "county"]
ZONES = [u for u in load_reference().units if u.kind == "zone"]
NAMES = {u.unit_id: u.name for u in load_reference().units}


def signed(unit_id: str, day: date, wan: int, name: str, started: bool = False) -> dict:
    return {
        "project_name": name, "unit_id": unit_id, "signed_date": day,
        "signed_amount_wan": Decimal(wan), "is_started": started,
    }


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def warehouse(db, monkeypatch):
    """2024: 临猗县 9 亿; 盐湖区 8.5 亿 of which its zones 5.5 亿; 万荣县 0.1 亿. 2023: 盐湖区 ahead of 临猗县."""
    add_load(db, rows([
        signed("140802", date(2024, 2, 1), 10000, "盐湖甲", started=True),
        signed("140802", date(2024, 5, 1), 20000, "盐湖乙"),
        signed("zone-jingkai", date(2024, 3, 1), 50000, "经开甲", started=True),
        signed("zone-konggang", date(2024, 8, 1), 5000, "空港甲"),
        signed("140821", date(2024, 1, 9), 30000, "临猗甲", started=True),
        signed("140821", date(2024, 4, 9), 30000, "临猗乙", started=True),
        signed("140821", date(2024, 9, 9), 30000, "临猗丙"),
        signed("140822", date(2024, 6, 1), 1000, "万荣甲"),
        signed("140802", date(2023, 3, 1), 200000, "盐湖旧"),
        signed("140821", date(2023, 3, 1), 100000, "临猗旧"),
    ], period_end=date(2024, 12, 31)), "signed")
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    return db


def page(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "analysis" / "map.py"), default_timeout=60)
    for k, v in {"year": "2024", **params}.items():
        at.query_params[k] = v
    return at.run()


def shown_table(at: AppTest) -> pl.DataFrame:
    assert not at.exception, at.exception
    return pl.from_pandas(at.dataframe[0].value)


def column(frame: pl.DataFrame, key: str, value: str) -> dict:
    return {k: (None if v is None else Decimal(str(v))) for k, v in zip(frame.get_column(key), frame.get_column(value))}


def test_county_amounts_equal_the_warehouse_with_zones_rolled_up_to_their_host(warehouse):
    table = shown_table(page())
    cur = Reader(warehouse).cursor()
    by_host = dict(cur.execute(
        "select host_adcode, sum(signed_amount_wan) from v_signed_projects where signed_year = 2024 group by host_adcode"
    ).fetchall())
    # counties that signed nothing are listed without a figure or rank
    expected = {u.name: yi(by_host[u.adcode]) if u.adcode in by_host else None for u in COUNTIES}
    assert column(table, "县（市、区）", "签约金额（亿元）") == expected
    assert expected["盐湖区"] == Decimal("8.50")  # 3 亿 of its own and 5.5 亿 of its zones
    assert table.get_column("排名").to_list() == [1, 2, 3] + [None] * 10
    assert table.get_column("排名").head(3).to_list() == [1, 2, 3]
    assert table.get_column("县（市、区）").head(3).to_list() == ["临猗县", "盐湖区", "万荣县"]
    changes = dict(zip(table.get_column("县（市、区）"), table.get_column("排名变化")))
    assert (changes["临猗县"], changes["盐湖区"]) == ("↑1", "↓1")
    growth = column(table, "县（市、区）", "同比增长（%）")
    assert growth["临猗县"] == Decimal("-10.00") and growth["盐湖区"] == Decimal("-57.50")


def test_the_map_colours_every_county_with_the_ranked_figures(warehouse):
    at = page()
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    counties = next(layer for layer in deck["layers"] if layer["id"] == "counties")
    values = {f["properties"]["name"]: f["properties"]["value"] for f in counties["data"]["features"]}
    assert values == dict(zip([u.name for u in COUNTIES], [8.5, 9, 0.1] + [None] * 10))
    fills = {f["properties"]["name"]: f["properties"]["fill"] for f in counties["data"]["features"]}
    assert fills["临猗县"] == [*geo.RAMP[-1], 220] and fills["万荣县"] == [*geo.RAMP[0], 220]
    assert fills["夏县"] == [*geo.NO_VALUE[False], 150]
    zones = next(layer for layer in deck["layers"] if layer["id"] == "zones")
    assert {p["name"] for p in zones["data"]} == {u.name for u in ZONES}


def test_switching_the_metric_changes_the_table(warehouse):
    at = page()
    at.selectbox(key="map_metric").select("signed_projects").run()
    table = shown_table(at)
    counts = column(table, "县（市、区）", "签约项目数（个）")
    assert (counts["盐湖区"], counts["临猗县"], counts["万荣县"], counts["夏县"]) == (4, 3, 1, None)
    assert table.get_column("县（市、区）").head(2).to_list() == ["盐湖区", "临猗县"]
    assert at.query_params["metric"] == "signed_projects"

    at.selectbox(key="map_metric").select("start_rate").run()
    rates = column(shown_table(at), "县（市、区）", "签约项目开工率（%）")
    assert (rates["盐湖区"], rates["临猗县"], rates["夏县"]) == (Decimal("50.00"), Decimal("66.67"), None)


def test_zones_are_ranked_separately(warehouse):
    table = shown_table(page(scope="zone"))
    amounts = column(table, "开发区", "签约金额（亿元）")
    assert amounts == dict(zip([u.name for u in ZONES], [Decimal("5.00"), Decimal("0.50")] + [None] * 4))
    hosts = dict(zip(table.get_column("开发区"), table.get_column("所在县（市、区）")))
    assert hosts["运城空港经济开发区"] == "盐湖区"
    assert table.get_column("排名变化").head(2).to_list() == ["无上年排名", "无上年排名"]


def test_unit_and_month_filters_change_the_ranking(warehouse):
    only_zone = shown_table(page(units="zone-jingkai"))
    assert column(only_zone, "县（市、区）", "签约金额（亿元）") == {"盐湖区": Decimal("5.00")}
    first_half = shown_table(page(months="1-6"))
    amounts = column(first_half, "县（市、区）", "签约金额（亿元）")
    assert (amounts["盐湖区"], amounts["临猗县"]) == (Decimal("8.00"), Decimal("6.00"))
    assert first_half.get_column("县（市、区）")[0] == "盐湖区"


def test_target_completion_where_units_have_targets(warehouse):
    assert "没有为所选县" in page(metric="target_completion").info[0].value
    with writer(warehouse) as con:
        con.execute("insert into ref_targets values (2024, '盐湖区', 'signed_amount_yi', 6), (2024, '临猗县', 'signed_amount_yi', 12)")
    st.cache_data.clear()
    table = shown_table(page(metric="target_completion"))
    completion = column(table, "县（市、区）", "签约金额目标完成率（%）")
    # 盐湖区: its own 3 亿 against its target; its zones have no target of their own
    assert (completion["盐湖区"], completion["临猗县"], completion["夏县"]) == (Decimal("50.00"), Decimal("75.00"), None)
    assert table.get_column("县（市、区）").head(2).to_list() == ["临猗县", "盐湖区"]



def test_sample_rankings_add_up_to_the_city_figures(sample_db, monkeypatch):
    """docs/domain.md: 539 projects signed in 2024, 3126.95 亿元; every one counted once, in one county."""
    monkeypatch.setenv("WAREHOUSE_DB", str(sample_db))
    at = page(metric="signed_projects")
    assert not at.error
    assert sum(shown_table(at).get_column("签约项目数（个）").drop_nulls()) == 539
    amounts = shown_table(page()).get_column("签约金额（亿元）").drop_nulls()
    assert len(amounts) == len(COUNTIES)
    # each county is rounded to 0.01 亿元 on its own
    assert abs(Decimal(str(amounts.sum())) - Decimal("3126.95")) <= Decimal("0.005") * len(COUNTIES)


def test_rank_change():
    assert [geo.rank_change(1, 3), geo.rank_change(3, 2), geo.rank_change(2, 2)] == ["↑2", "↓1", "—"]
    assert geo.rank_change(None, 1) == "无排名" and geo.rank_change(4, None) == "无上年排名"
    ranked = geo.ranked(pl.DataFrame({"value": [5, 3, 5, None]}), "value")
    assert ranked.get_column("rank").to_list() == [1, 3, 1, None]


def test_comparison_with_last_year():
    now = geo.ranked(pl.DataFrame({"unit_id": ["a", "b", "c"], "value": [Decimal("30"), Decimal("20"), Decimal("10")]}), "value")
    before = geo.ranked(pl.DataFrame({"unit_id": ["a", "b"], "value": [Decimal("10"), Decimal("40")]}), "value")
    out = geo.compared(now, before, "value", rate=False)
    assert out.get_column("rank_change").to_list() == ["↑1", "↓1", "无上年排名"]
    assert out.get_column("year_on_year").to_list() == [Decimal("200.00"), Decimal("-50.00"), None]
    rates = geo.compared(now, before, "value", rate=True)
    assert rates.get_column("year_on_year").to_list()[:2] == [Decimal("2000.00"), Decimal("-2000.00")]


def _inside(point, ring) -> bool:
    """Even-odd rule: a ray to the east crosses the ring an odd number of times."""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def _polygons(geometry) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def test_boundaries_have_one_feature_per_county_and_zones_lie_inside_their_host():
    features = geo.counties_geojson()["features"]
    adcodes = [f["properties"]["adcode"] for f in features]
    assert sorted(adcodes) == sorted(u.adcode for u in COUNTIES)
    assert {f["properties"]["name"] for f in features} == {u.name for u in COUNTIES}
    shapes = {f["properties"]["adcode"]: _polygons(f["geometry"]) for f in features}
    for zone in ZONES:
        inside = [a for a, polygons in shapes.items() if any(_inside((zone.lon, zone.lat), p[0]) for p in polygons)]
        assert inside == [zone.host_adcode], zone.name


@pytest.mark.parametrize("dark", [False, True])
def test_the_deck_draws_every_county_offline(dark):
    frame = pl.DataFrame([
        {"kind": u.kind, "host_adcode": u.host_adcode, "name": u.name, "lon": u.lon, "lat": u.lat, "value": float(i)}
        for i, u in enumerate(load_reference().units)
    ])
    deck = json.loads(geo.county_map(frame, "value", dark=dark).to_json())
    layers = {layer["id"]: layer for layer in deck["layers"]}
    drawn = [f["properties"]["adcode"] for f in layers["counties"]["data"]["features"]]
    assert sorted(drawn) == sorted(u.adcode for u in COUNTIES)
    assert [p["name"] for p in layers["zones"]["data"]] == [u.name for u in ZONES]
    assert sorted(t["name"] for t in layers["county-names"]["data"]) == sorted(u.name for u in COUNTIES)
    # the basemap is the app's own blank style: pydeck's default would fetch one from Carto
    assert deck["mapStyle"] == geo.MAP_STYLE[dark] and deck["mapStyle"].startswith("/app/static/")
    assert "mapProvider" not in deck



def test_without_boundaries_the_ranking_is_still_shown(warehouse, monkeypatch):
    """A city whose geo_file is not generated yet (or a province in the benchmarks) still ranks."""
    from ui import geo

    monkeypatch.setattr(geo, "has_boundaries", lambda: False)
    at = page(year="2024")
    assert not at.exception
    assert "未找到县区边界文件" in at.info[0].value
    assert shown_table(at).height == 13  # a row per county, as with the map
