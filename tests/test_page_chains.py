"""产业链集聚 (pages/analysis/chains.py): the seriation function, and the page through AppTest."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import add_load, rows, run_page as run

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "analysis" / "chains.py")

# the page module without drawing it (its body runs only as Streamlit's __main__)
_spec = importlib.util.spec_from_file_location("chains_page", PAGE)
chains_page = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chains_page)
cluster_order = chains_page.cluster_order
heat_map = chains_page.heat_map


def adjacent(order: list[int], a: int, b: int) -> bool:
    return abs(order.index(a) - order.index(b)) == 1


def test_identical_profiles_sit_next_to_each_other():
    vectors = [
        [1.0, 0.0, 0.0],  # 0
        [0.0, 1.0, 0.2],  # 1
        [0.0, 0.0, 1.0],  # 2
        [5.0, 0.0, 0.0],  # 3: same profile as 0, five times the size
        [0.0, 3.0, 0.6],  # 4: same profile as 1
        [0.1, 0.0, 2.0],  # 5: close to 2
    ]
    order = cluster_order(vectors)
    assert sorted(order) == list(range(6))
    assert adjacent(order, 0, 3)
    assert adjacent(order, 1, 4)
    assert adjacent(order, 2, 5)


def test_order_keeps_similar_groups_together_and_empty_rows_last():
    # two groups of three near-identical profiles, interleaved in the input, and a zero row
    vectors = [[1, 0.1], [0, 1], [1, 0.12], [0.1, 1], [0, 0], [1, 0.11], [0.05, 1]]
    order = cluster_order(vectors)
    assert order[-1] == 4
    first, second = set(order[:3]), set(order[3:6])
    assert {frozenset(first), frozenset(second)} == {frozenset({0, 2, 5}), frozenset({1, 3, 6})}
    assert cluster_order([]) == []
    assert cluster_order([[0, 0]]) == [0]


def test_province_heat_map_leaves_its_cells_unlabelled():
    """Regression: 120 units × 11 chains of numbers took the browser 0.34 s to lay out."""
    chains = [f"链{j}" for j in range(11)]

    def drawn(units: int) -> dict:
        names = [f"县{i}" for i in range(units)]
        z = [[1.0] * 11 for _ in names]
        return heat_map(z, [["1.00"] * 11 for _ in names], names, chains, "%{z}").data[0]

    assert drawn(19).texttemplate == "%{text}" and drawn(19).text is not None
    assert drawn(120).texttemplate is None and drawn(120).text is None


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    st.cache_data.clear()


def project(name: str, unit: str, chain: str, wan: int | None) -> dict:
    return {
        "project_name": name, "unit_id": unit, "chain": chain, "signed_date": date(2024, 3, 1),
        "signed_amount_wan": None if wan is None else Decimal(wan),
    }


@pytest.fixture
def warehouse(db, monkeypatch) -> Path:
    # 亿元: 临猗 新能源 60 食品 40; 万荣 新能源 20 食品 80; 闻喜 新能源 30 食品 20 (临猗's profile)
    # city: 新能源 110, 食品加工 140, total 250
    add_load(db, rows([
        project("临猗光伏", "140821", "新能源", 400000),
        project("临猗储能", "140821", "新能源", 200000),
        project("临猗待定", "140821", "新能源", None),
        project("临猗果品", "140821", "食品加工", 400000),
        project("万荣风电", "140822", "新能源", 200000),
        project("万荣面粉", "140822", "食品加工", 800000),
        project("闻喜光伏", "140823", "新能源", 300000),
        project("闻喜食品", "140823", "食品加工", 200000),
    ]), "signed")
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    return db



def frame_with(at: AppTest, *columns: str):
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def by_unit(frame, column: str) -> dict:
    return {u: float(v) for u, v in zip(frame["县（市、区）"], frame[column])}


def open_lq(at: AppTest) -> AppTest:
    """The LQ heat map and its table are drawn only while their tab is open."""
    at.session_state["chains_heat_map"] = "区位商（LQ）"
    return run(at)


def heat_maps(at: AppTest) -> list[dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return [s["data"][0] for s in specs if s["data"][0]["type"] == "heatmap"]


def test_page_renders_through_the_router(warehouse):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/analysis/chains.py")
    run(at)
    assert not at.error
    assert at.title[0].value == "产业链集聚"


def test_location_quotient_hhi_and_shares(warehouse):
    at = open_lq(run(AppTest.from_file(PAGE, default_timeout=60)))
    lq = frame_with(at, "县（市、区）", "新能源", "食品加工")
    assert by_unit(lq, "新能源") == {"临猗县": 1.36, "万荣县": 0.45, "闻喜县": 1.36}  # 0.6/0.44, 0.2/0.44
    assert by_unit(lq, "食品加工") == {"临猗县": 0.71, "万荣县": 1.43, "闻喜县": 0.71}  # 0.4/0.56, 0.8/0.56
    hhi = frame_with(at, "HHI（0–1）")
    assert by_unit(hhi, "HHI（0–1）") == {"临猗县": 0.52, "万荣县": 0.68, "闻喜县": 0.52}
    assert by_unit(hhi, "签约项目数") == {"临猗县": 4, "万荣县": 2, "闻喜县": 2}  # 金额待定 counts, adds nothing
    chains = frame_with(at, "产业链", "金额占比（%）")
    assert dict(zip(chains["产业链"], chains["金额占比（%）"])) == {"食品加工": 56.0, "新能源": 44.0}
    assert dict(zip(chains["产业链"], chains["签约金额（亿元）"].map(float))) == {"食品加工": 140.0, "新能源": 110.0}


def test_chain_filter_keeps_the_city_as_denominator(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    at.multiselect(key="f_chains").set_value(["新能源"])
    open_lq(at)
    lq = frame_with(at, "县（市、区）", "新能源")
    assert "食品加工" not in lq.columns
    assert by_unit(lq, "新能源") == {"临猗县": 1.36, "万荣县": 0.45, "闻喜县": 1.36}
    assert by_unit(frame_with(at, "HHI（0–1）"), "HHI（0–1）") == {"临猗县": 0.52, "万荣县": 0.68, "闻喜县": 0.52}
    chains = frame_with(at, "产业链", "金额占比（%）")
    assert list(chains["金额占比（%）"]) == [44.0]


def test_heat_map_puts_units_with_the_same_profile_together(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    amounts = heat_maps(at)[0]
    order = amounts["y"]
    # the warehouse order (临猗, 万荣, 闻喜) would separate the two look-alikes
    assert abs(order.index("临猗县") - order.index("闻喜县")) == 1
    row = amounts["z"][order.index("万荣县")]
    assert dict(zip(amounts["x"], row)) == {"新能源": 20.0, "食品加工": 80.0}
    table = frame_with(at, "县（市、区）", "新能源")
    assert list(table["县（市、区）"]) == order
    wanrong = table.iloc[order.index("万荣县")]
    assert (float(wanrong["新能源"]), float(wanrong["食品加工"])) == (20.0, 80.0)


def test_one_heavy_chart_is_drawn_at_a_time(warehouse):
    """Regression: a province's two 120-row heat maps and treemap took the browser seconds to draw."""
    at = run(AppTest.from_file(PAGE, default_timeout=60))

    def kinds():
        return [json.loads(c.proto.spec)["data"][0]["type"] for c in at.get("plotly_chart")]

    assert ["签约金额" in m["hovertemplate"] for m in heat_maps(at)] == [True]
    assert "treemap" not in kinds()
    assert ["区位商" in m["hovertemplate"] for m in heat_maps(open_lq(at))] == [True]
    at.session_state["chains_heat_map"] = "产业链 → 县区 → 项目"
    run(at)
    assert "treemap" in kinds() and "heatmap" not in kinds()


def test_sample_year_2024(sample_db, monkeypatch):
    db = sample_db
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["year"] = "2024"
    run(at)
    assert next(m.value for m in at.metric if m.label == "签约金额") == "3,126.95 亿元"
    chains = frame_with(at, "产业链", "金额占比（%）")
    assert chains["签约项目数"].sum() == 539
    assert sum(float(a) for a in chains["签约金额（亿元）"]) == pytest.approx(3126.95, abs=0.06)
    assert chains["金额占比（%）"].sum() == pytest.approx(100, abs=0.06)


def test_treemap_keeps_twelve_projects_per_unit_and_groups_the_rest(db, monkeypatch):
    """Regression: one node per project made the chart undrawable at province scale."""
    from datetime import date
    from decimal import Decimal

    from conftest import add_load, rows
    from warehouse.db import Reader
    from warehouse.queries import Filters, run

    add_load(db, rows([
        {"project_name": f"项目{i:02d}", "unit_id": "140821", "chain": "新能源",
         "signed_date": date(2024, 3, 1), "signed_amount_wan": Decimal(100 + i)}
        for i in range(15)
    ]), "signed")
    nodes = run(Reader(db).cursor(), "chains_treemap", Filters(2024))
    projects = nodes.filter(nodes["level"] == "project")
    assert projects.height == 13
    rest = projects.filter(projects["project_key"].str.starts_with("rest:")).row(0, named=True)
    assert (rest["project_name"], rest["projects"], rest["amount_wan"]) == ("其余 3 个项目", 3, Decimal("303.0000"))
    assert nodes.filter(nodes["level"] == "all")["amount_wan"][0] == sum(Decimal(100 + i) for i in range(15))


def test_treemap_of_a_province_stops_at_units(db):
    """Past 200 chain × unit cells each unit is one node: the browser cannot draw 100,000."""
    from datetime import date
    from decimal import Decimal

    from conftest import add_load, rows
    from base.reference import load_reference
    from warehouse.db import Reader
    from warehouse.queries import Filters, run

    reference = load_reference()
    add_load(db, rows([
        {"project_name": f"{unit.name}{chain}项目{i}", "unit_id": unit.unit_id, "chain": chain,
         "signed_date": date(2024, 3, 1), "signed_amount_wan": Decimal(100)}
        for unit in reference.units for chain in reference.chains for i in range(2)
    ]), "signed")
    nodes = run(Reader(db).cursor(), "chains_treemap", Filters(2024))
    cells = len(reference.units) * len(reference.chains)
    assert cells > 200
    assert not (nodes["level"] == "project").any()
    units = nodes.filter(nodes["level"] == "unit")
    assert units.height == cells
    assert set(units["projects"]) == {2} and set(units["amount_wan"]) == {Decimal(200)}
    assert nodes.filter(nodes["level"] == "all")["projects"][0] == 2 * cells
