"""开工分析 (pages/analysis/starts.py) through AppTest on hand-made warehouses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import add_load, rows, run_page as run
from warehouse.db import Reader

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "analysis" / "starts.py")
AS_OF = date(2024, 12, 31)


def waiting(days: int, unit: str = "140821") -> dict:
    return {
        "project_name": f"待开工{days}天", "unit_id": unit, "chain": "新能源",
        "signed_date": AS_OF - timedelta(days=days), "signed_amount_wan": Decimal(12345),
        "responsible_unit": "县商务局", "liaison_leader": "张三",
    }


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def warehouse(db, monkeypatch) -> Path:
    # 临猗县 1 of 5 started, 万荣县 2 of 3, 闻喜县 1 of 1; one 2023 project never started
    signed = [waiting(d) for d in (89, 90, 179, 180)] + [
        {"project_name": "临猗已开工", "unit_id": "140821", "chain": "食品加工", "signed_date": date(2024, 1, 10), "signed_amount_wan": Decimal(1000)},
        {"project_name": "万荣一", "unit_id": "140822", "chain": "食品加工", "signed_date": date(2024, 2, 1), "signed_amount_wan": Decimal(1000)},
        {"project_name": "万荣二", "unit_id": "140822", "chain": "新能源", "signed_date": date(2024, 3, 1), "signed_amount_wan": Decimal(1000)},
        waiting(10, unit="140822"),
        {"project_name": "闻喜一", "unit_id": "140823", "chain": "新能源", "signed_date": date(2024, 4, 1), "signed_amount_wan": Decimal(1000)},
        {"project_name": "往年未开工", "unit_id": "140822", "chain": "食品加工", "signed_date": date(2023, 6, 1), "signed_amount_wan": Decimal(1000)},
    ]
    started = [
        {"project_name": "临猗已开工", "unit_id": "140821", "start_date": date(2024, 2, 20)},
        {"project_name": "万荣一", "unit_id": "140822", "start_date": date(2024, 4, 1)},
        {"project_name": "万荣二", "unit_id": "140822", "start_date": date(2024, 9, 1)},
        # the latest date of the loads: the data date every warning is measured to
        {"project_name": "闻喜一", "unit_id": "140823", "start_date": AS_OF},
    ]
    add_load(db, rows(signed), "signed")
    add_load(db, rows(started, kind="started"), "started")
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    return db



def frame_with(at: AppTest, *columns: str):
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def levels(at: AppTest) -> dict[str, str]:
    """Project → 红 / 黄, from the level badges (one label each)."""
    warnings = frame_with(at, "预警等级")
    return {name: badge[0].removesuffix("色") for name, badge in zip(warnings["项目名称"], warnings["预警等级"])}


def test_page_renders_through_the_router(warehouse):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/analysis/starts.py")
    run(at)
    assert not at.error
    assert at.title[0].value == "开工分析"
    assert any("数据截至 2024年12月31日" in c.value for c in at.caption)


def test_warning_levels_at_the_default_thresholds(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    assert at.number_input(key="yellow_days").value == 90
    assert at.number_input(key="red_days").value == 180
    assert levels(at) == {"待开工90天": "黄", "待开工179天": "黄", "待开工180天": "红"}
    assert (metric(at, "红色预警"), metric(at, "黄色预警")) == ("1 个", "2 个")
    row = frame_with(at, "预警等级").iloc[0]
    assert (row["县（市、区）"], row["责任单位"], row["包联领导"], row["已签约天数"]) == ("临猗县", "县商务局", "张三", 180)
    assert float(row["签约金额（亿元）"]) == 1.23


def test_threshold_inputs_change_the_list(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    at.number_input(key="yellow_days").set_value(89)
    at.number_input(key="red_days").set_value(179)
    run(at)
    assert levels(at) == {"待开工89天": "黄", "待开工90天": "黄", "待开工179天": "红", "待开工180天": "红"}
    at.number_input(key="yellow_days").set_value(5)
    run(at)
    assert levels(at)["待开工10天"] == "黄"
    assert (metric(at, "红色预警"), metric(at, "黄色预警")) == ("2 个", "3 个")


def test_earlier_years_only_when_asked(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    assert "往年未开工" not in levels(at)
    at.checkbox(key="include_earlier").check()
    run(at)
    assert levels(at)["往年未开工"] == "红"
    # the unit filter still applies to the earlier years
    at.multiselect(key="f_units").set_value(["140821"])
    run(at)
    assert "往年未开工" not in levels(at)


def test_start_rate_per_unit_is_started_over_signed(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    shown = frame_with(at, "县（市、区）", "签约项目开工率（%）")
    shown = dict(zip(shown["县（市、区）"], shown["签约项目开工率（%）"]))
    cur = Reader(warehouse).cursor()
    expected = dict(cur.execute(
        "select unit_name, round(100 * count(*) filter (where is_started) / count(*), 2) "
        "from v_signed_projects where signed_year = 2024 group by unit_name"
    ).fetchall())
    assert shown == expected == {"临猗县": 20.0, "万荣县": 66.67, "闻喜县": 100.0}
    assert metric(at, "签约项目开工率") == "44.44%"  # 4 of 9

    at.multiselect(key="f_units").set_value(["140822"])
    run(at)
    assert list(frame_with(at, "县（市、区）", "签约项目开工率（%）")["县（市、区）"]) == ["万荣县"]
    assert metric(at, "签约项目开工率") == "66.67%"


def test_empty_selection_keeps_the_warning_list(warehouse):
    at = run(AppTest.from_file(PAGE, default_timeout=60))
    at.multiselect(key="f_units").set_value(["140824"])  # 稷山县: nothing signed
    at.checkbox(key="include_earlier").check()
    run(at)
    assert any(i.value == "所选范围内没有签约项目。" for i in at.info)
    assert metric(at, "红色预警") == "0 个"


@pytest.fixture
def sample(sample_db) -> Path:
    return sample_db


def test_sample_year_2024(sample, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(sample))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["year"] = "2024"
    run(at)
    assert (metric(at, "签约项目数"), metric(at, "开工项目数"), metric(at, "签约项目开工率")) == ("539 个", "443 个", "82.19%")
    units = frame_with(at, "县（市、区）", "签约项目开工率（%）")
    assert units["签约项目数"].sum() == 539 and units["已开工项目数"].sum() == 443


def test_a_province_charts_its_lowest_units_and_lists_them_all(province):
    """Regression: 120 units drew a 3,400 px chart that cost the browser a tenth of a second."""
    import json

    at = run(AppTest.from_file(PAGE, default_timeout=60))
    assert "开工率最低的 30 个县区" in [s.value for s in at.subheader]
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert len(bars["y"]) == 30
    # 测试0县 started none of its projects, 测试39县 39 of 40
    assert bars["y"][-1] == "测试0县" and "测试39县" not in bars["y"]
    assert len(frame_with(at, "县（市、区）", "签约项目开工率（%）")) == 40
