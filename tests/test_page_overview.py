"""总览 (pages/analysis/overview.py) through AppTest on the sample warehouse."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import conftest
from conftest import run_page as run

from base.reference import load_targets
from ui import format as fmt
from warehouse.db import Reader
from warehouse.metrics import METRICS, yi
from warehouse.queries import Filters, headline

ROOT = Path(__file__).resolve().parent.parent
CARDS = ("signed_projects", "signed_amount_yi", "started_projects", "start_rate",
         "started_planned_investment_yi", "funds_in_place_yi")



@pytest.fixture(autouse=True)
def warehouse(on_sample) -> Path:
    return on_sample


def open_page(**params: str) -> AppTest:
    return conftest.open_page("pages/analysis/overview.py", **params)


def cards(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta or None) for m in at.metric}


def expected_cards(warehouse: Path, filters: Filters) -> dict[str, tuple[str, str | None]]:
    """The cards as the definitions say: headline figures with 同比 against the year before."""
    cur = Reader(warehouse).cursor()
    now, before = headline(cur, filters), headline(cur, filters.previous_year())
    shown = {"个": lambda v: f"{fmt.count(v)} 个", "亿元": lambda v: f"{fmt.yi(v)} 亿元", "%": fmt.pct}
    return {
        METRICS[k].label: (shown[METRICS[k].unit](now[k]), fmt.change(now[k], before[k], METRICS[k].unit))
        for k in CARDS
    }


def chart_lines(at: AppTest) -> dict[str, list[float]]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {trace["name"]: trace["y"] for trace in spec["data"]}


def test_renders_as_the_default_page_of_the_router():
    at = run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert at.title[0].value == "招商引资总览"
    assert any(c.value.startswith("2025年1-9月 · 数据截至 2025年09月30日") for c in at.caption)


def test_2024_cards_show_the_city_figures_with_definitions():
    at = open_page(year="2024", months="1-12")
    values = {label: value for label, (value, _) in cards(at).items() if not label.startswith("全市")}
    assert values == {
        "签约项目数": "539 个",
        "签约金额": "3,126.95 亿元",
        "开工项目数": "443 个",
        "签约项目开工率": "82.19%",
        "新开工项目计划投资额": "546.98 亿元",
        "资金到位额": "157.19 亿元",
    }
    assert {m.label: m.help for m in at.metric if m.label in values} == {METRICS[k].label: METRICS[k].definition for k in CARDS}


def test_year_over_year_changes_compare_the_same_months(warehouse):
    at = open_page(year="2024", months="1-12")
    shown = cards(at)
    expected = expected_cards(warehouse, Filters(2024, 1, 12))
    assert {k: shown[k] for k in expected} == expected
    assert shown["签约项目数"][1] == "+20，+3.85%（同比）"  # 539 against 2023's 519


def test_a_unit_in_the_link_selects_that_units_figures(warehouse):
    at = open_page(year="2024", months="1-6", units="140821")
    shown = cards(at)
    expected = expected_cards(warehouse, Filters(2024, 1, 6, units=("140821",)))
    assert {k: shown[k] for k in expected} == expected
    assert shown["签约项目数"][0] != "539 个"


def test_changing_the_unit_filter_changes_the_cards(warehouse):
    at = open_page(year="2024", months="1-12")
    at.multiselect(key="f_units").set_value(["140802", "zone-jingkai"])
    run(at)
    shown = cards(at)
    expected = expected_cards(warehouse, Filters(2024, 1, 12, units=("140802", "zone-jingkai")))
    assert {k: shown[k] for k in expected} == expected
    assert at.query_params["units"] == "140802,zone-jingkai"


def test_target_progress_is_achieved_over_the_annual_target():
    targets = {r["metric"]: Decimal(r["target"]) for r in load_targets() if r["year"] == "2024" and r["unit"] == "全市"}
    assert targets, "data/reference/targets.csv has 2024 city targets"
    at = open_page(year="2024", months="1-12")
    achieved = {"signed_projects": Decimal(539), "signed_amount_yi": Decimal("3126.95")}
    for key, target in targets.items():
        label = f"全市 · {METRICS[key].label}"
        assert cards(at)[label][0] == fmt.pct((achieved[key] / target).quantize(Decimal("0.0001")))
    # a unit without targets of its own shows none (the city's are not the unit's)
    at = open_page(year="2024", months="1-12", units="140821")
    assert not [m for m in at.metric if m.label.startswith("全市")]
    assert any("未设定年度目标" in c.value for c in at.caption)


def test_cumulative_line_ends_at_each_years_signed_amount(warehouse):
    at = open_page(year="2024", months="1-12")
    lines = chart_lines(at)
    cur = Reader(warehouse).cursor()
    assert lines["2024年"][-1] == float(headline(cur, Filters(2024))["signed_amount_yi"]) == 3126.95
    assert lines["2023年"][-1] == float(headline(cur, Filters(2023))["signed_amount_yi"])
    assert len(lines["2024年"]) == len(lines["2023年"]) == 12
    assert lines["2024年"] == sorted(lines["2024年"])


def test_cumulative_line_stops_at_the_data_date():
    at = open_page(year="2025", months="1-12")  # data until 2025-09-30
    lines = chart_lines(at)
    assert (len(lines["2025年"]), len(lines["2024年"])) == (9, 12)


def test_top_ten_are_the_largest_projects_of_the_period(warehouse):
    at = open_page(year="2024", months="1-12", chains="新能源")
    top = at.dataframe[0].value
    cur = Reader(warehouse).cursor()
    expected = cur.execute(
        "select project_name, signed_amount_wan from v_signed_projects "
        "where signed_year = 2024 and chain = '新能源' order by signed_amount_wan desc limit 10"
    ).fetchall()
    assert list(top["项目名称"]) == [name for name, _ in expected]
    assert list(top["签约金额（亿元）"]) == [yi(amount) for _, amount in expected]
    assert set(top["产业链"]) == {"新能源"}
    assert list(top["排名"]) == list(range(1, 11))
