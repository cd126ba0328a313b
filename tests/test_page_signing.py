"""签约分析 (pages/analysis/signing.py) through AppTest on the sample warehouse."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import conftest
from conftest import run_page as run

from warehouse.db import Reader
from warehouse.metrics import SIZE_BANDS, yi
from warehouse.queries import Filters, headline

ROOT = Path(__file__).resolve().parent.parent



@pytest.fixture(autouse=True)
def warehouse(on_sample) -> Path:
    return on_sample


def open_page(**params: str) -> AppTest:
    return conftest.open_page("pages/analysis/signing.py", **params)


def frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def projects(at: AppTest):
    return frame_with(at, "项目名称")


BREAKDOWN_TABS = {"县（市、区）/开发区": "按县（市、区）", "产业链": "按产业链", "投资方来源省份": "按投资方来源地", "投资规模": "按投资规模"}


def breakdown(at: AppTest, header: str):
    """The breakdown table whose first column is `header` (only the open tab is drawn)."""
    at.session_state["signing_breakdown"] = BREAKDOWN_TABS[header]
    conftest.run_page(at)
    return next(d.value for d in at.dataframe if d.value.columns[0] == header)


def figures(warehouse: Path, **filters) -> dict:
    return headline(Reader(warehouse).cursor(), Filters(**filters))


def month_chart(at: AppTest) -> dict[str, list]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {trace["name"]: trace["y"] for trace in spec["data"]}


def test_renders_through_the_router():
    at = run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.switch_page("pages/analysis/signing.py")
    run(at)
    assert at.title[0].value == "签约分析"
    assert any("数据截至 2025年09月30日" in c.value for c in at.caption)


def test_2024_cards_and_table_agree_with_the_headline(warehouse):
    at = open_page(year="2024", months="1-12")
    assert {m.label: m.value for m in at.metric} == {
        "签约项目数": "539 个",
        "签约金额": "3,126.95 亿元",
        "亿元以上项目": f"{figures(warehouse, year=2024)['projects_over_1yi']} 个",
    }
    table = projects(at)
    assert len(table) == 539
    # each row is its project's amount in 亿元, rounded as the city rounds; unrounded, they
    # sum to the headline's 3126.95 亿元 exactly
    stored = [w for (w,) in Reader(warehouse).cursor().execute(
        "select signed_amount_wan from v_signed_projects where signed_year = 2024"
    ).fetchall()]
    assert sorted(Decimal(str(v)) for v in table["签约金额（亿元）"].dropna()) == sorted(yi(w) for w in stored if w is not None)
    assert sum(w for w in stored if w is not None) == Decimal("31269500")


def test_unit_filter_narrows_cards_breakdowns_and_table(warehouse):
    at = open_page(year="2024", months="4-9", units="140824,zone-jingkai")
    expected = figures(warehouse, year=2024, month_from=4, month_to=9, units=("140824", "zone-jingkai"))
    assert at.metric[0].value == f"{expected['signed_projects']} 个"
    assert at.metric[1].value == f"{expected['signed_amount_yi']:,.2f} 亿元"
    assert len(projects(at)) == expected["signed_projects"] < 539
    assert set(projects(at)["县（市、区）/开发区"]) <= {"稷山县", "运城经济技术开发区"}
    by_unit = breakdown(at, "县（市、区）/开发区")
    assert dict(zip(by_unit["县（市、区）/开发区"], by_unit["签约项目数"])).keys() <= {"稷山县", "运城经济技术开发区"}
    assert by_unit["签约项目数"].sum() == expected["signed_projects"]


def test_changing_the_unit_filter_changes_the_numbers(warehouse):
    at = open_page(year="2024", months="1-12")
    at.multiselect(key="f_units").set_value(["140821"])
    run(at)
    expected = figures(warehouse, year=2024, units=("140821",))
    assert at.metric[0].value == f"{expected['signed_projects']} 个"
    assert len(projects(at)) == expected["signed_projects"]


def test_breakdowns_add_up_to_the_period(warehouse):
    at = open_page(year="2024", months="1-12")
    total = figures(warehouse, year=2024)
    for header in ("县（市、区）/开发区", "产业链", "投资方来源省份", "投资规模"):
        frame = breakdown(at, header)
        assert frame["签约项目数"].sum() == total["signed_projects"], header
        assert float(sum(frame["签约金额（亿元）"])) == pytest.approx(float(total["signed_amount_yi"]), abs=0.01 * len(frame)), header
        assert frame["金额占比（%）"].sum() == pytest.approx(100, abs=0.05), header
        assert frame["上年同期项目数"].sum() == figures(warehouse, year=2023)["signed_projects"], header
    sizes = breakdown(at, "投资规模")
    assert list(sizes["投资规模"])[:4] == list(SIZE_BANDS)


def test_size_bands_follow_the_definition(warehouse):
    at = open_page(year="2024", months="1-12")
    sizes = breakdown(at, "投资规模")
    cur = Reader(warehouse).cursor()
    over_50 = cur.execute(
        "select count(*) from v_signed_projects where signed_year = 2024 and signed_amount_wan >= 500000"
    ).fetchone()[0]
    assert dict(zip(sizes["投资规模"], sizes["签约项目数"]))["50亿元及以上"] == over_50 > 0


def test_month_bars_and_cumulative_line(warehouse):
    at = open_page(year="2024", months="1-12")
    chart = month_chart(at)
    assert len(chart["当月"]) == 12
    assert chart["累计"][-1] == pytest.approx(3126.95)
    assert sum(chart["当月"]) == pytest.approx(3126.95, abs=0.06)
    at.segmented_control(key="signing_measure").set_value("projects")
    run(at)
    chart = month_chart(at)
    assert (sum(chart["当月"]), chart["累计"][-1]) == (539, 539)


def test_search_narrows_the_table_to_name_or_investor(warehouse):
    at = open_page(year="2024", months="1-12")
    at.text_input(key="signing_search").input("储能")
    run(at)
    table = projects(at)
    cur = Reader(warehouse).cursor()
    expected = cur.execute(
        "select count(*) from v_signed_projects where signed_year = 2024 "
        "and (project_name like '%储能%' or investor like '%储能%')"
    ).fetchone()[0]
    assert 0 < len(table) == expected < 539
    assert all("储能" in f"{name}{investor}" for name, investor in zip(table["项目名称"], table["投资方"]))
    # the search is case-insensitive and ignores surrounding spaces
    at.text_input(key="signing_search").input("  GWH ")
    run(at)
    assert 0 < len(projects(at)) < 539
    assert all("gwh" in f"{n}{i}".lower() for n, i in zip(projects(at)["项目名称"], projects(at)["投资方"]))


def test_amounts_in_the_table_are_yi_with_two_decimals(warehouse):
    at = open_page(year="2024", months="1-12")
    table = projects(at)
    largest = Reader(warehouse).cursor().execute(
        "select project_name, signed_amount_wan from v_signed_projects where signed_year = 2024 "
        "order by signed_amount_wan desc limit 1"
    ).fetchone()
    assert (table["项目名称"].iloc[0], table["签约金额（亿元）"].iloc[0]) == (largest[0], (largest[1] / 10000).quantize(Decimal("0.01")))


def test_only_the_open_breakdown_is_drawn(warehouse):
    """Four charts and tables in closed tabs were drawn unseen on every visit."""
    at = open_page(year="2024", months="1-12")
    firsts = [d.value.columns[0] for d in at.dataframe]
    assert "县（市、区）/开发区" in firsts and "产业链" not in firsts
    assert len(at.get("plotly_chart")) == 2  # the months and the open breakdown


def test_a_province_charts_its_first_thirty_units_and_lists_them_all(province):
    """Regression: 120 units × two years drew 240 bars, 4,000 px tall, on every visit."""
    at = open_page(year="2024", months="1-12")
    bars = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][-1]
    assert len(bars["y"]) == 30
    # unit i signed 40 projects of i × 10 万元: the highest amounts first
    assert bars["y"][:2] == ["测试39县", "测试38县"] and "测试9县" not in bars["y"]
    assert any("前 30 位（共 40 个）" in c.value for c in at.caption)
    assert len(breakdown(at, "县（市、区）/开发区")) == 40


def test_signings_of_a_ledger_without_dates_are_drawn_as_month_unknown(tmp_path, monkeypatch):
    # a yearly return without 签约时间 counts in the year (issue 12 §4), in no month: its bar
    # comes last, and the running total ends at the year's total
    import streamlit as st

    import workbooks as wb
    from etl.load import load_file

    db = tmp_path / "warehouse.duckdb"
    path = wb.xlsx(tmp_path / "2023年签约项目清单.xlsx", {"Sheet1": [
        ["序号", "项目名称", "所属县（市、区）", "签约金额（万元）"], [1, "铝材项目", "临猗县", 12000], [2, "储能项目", "盐湖区", 8000],
    ]})
    assert load_file(path, db, user="test").status == "loaded"
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page(year="2023", months="1-12")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = next(t for t in spec["data"] if t["name"] == "当月")
    assert bars["x"] == [f"{m}月" for m in range(1, 13)] + ["月份不详"]
    assert month_chart(at)["当月"][-1] == month_chart(at)["累计"][-1] == 2
