"""包联 (pages/projects/liaison.py) through AppTest: per leader and unit, changes since the bulletin, print view."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import run_page as run

from test_pipeline import AS_OF, lead, load, negotiation, signing, start
from warehouse.bulletins import Limits, create_bulletin

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "projects" / "liaison.py")
LINYI = "临猗县招商中心"
WANRONG = "万荣县投资促进中心"


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def warehouse(db, monkeypatch) -> Path:
    """张三 and 李四 share P1 (a lead of 121 days: red); 张三 alone has P2 (signed 77 days ago)
    and the dropped P5; 王五 has P3 (negotiating 152 days: yellow) and P4 (producing)."""
    load(db, [
        lead("P1", "140821", date(2025, 6, 1), liaison_leader="张三、李四", responsible_unit=LINYI),
        lead("P5", "140821", date(2025, 6, 1), liaison_leader="张三", responsible_unit=LINYI, negotiation_progress="已终止"),
    ], "lead")
    load(db, [negotiation("P3", "140822", date(2025, 5, 1), liaison_leader="王五", responsible_unit=WANRONG)], "negotiating")
    load(db, [
        signing("P2", "140821", date(2025, 7, 15), liaison_leader="张三", responsible_unit=LINYI),
        signing("P4", "140822", date(2024, 3, 1), liaison_leader="王五", responsible_unit=WANRONG),
    ], "signed")
    load(db, [start("P4", "140822", date(2024, 6, 1), is_produced=True, production_date=date(2025, 6, 1))], "started")
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    return db



def page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return run(at)


def frame_with(at: AppTest, *columns: str):
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_leaders_and_their_projects(warehouse):
    at = page()
    leaders = frame_with(at, "包联领导", "在库项目").set_index("包联领导")
    # a cell naming two leaders counts for both; the dropped P5 is in nobody's libraries
    assert leaders.loc["张三", ["在库项目", "线索", "签约未开工", "红色预警"]].tolist() == [2, 1, 1, 1]
    assert leaders.loc["李四", ["在库项目", "红色预警"]].tolist() == [1, 1]
    # P4 produces: out of the libraries, counted apart
    assert leaders.loc["王五", ["在库项目", "洽谈", "已投产", "黄色预警"]].tolist() == [1, 1, 1, 1]
    assert leaders.loc["张三", "打印视图"] == "liaison?leader=%E5%BC%A0%E4%B8%89"
    at.selectbox(key="leader").set_value("张三")
    run(at)
    mine = frame_with(at, "预警", "项目名称")
    assert list(mine["项目名称"]) == ["P1", "P2"]  # the warned one first
    assert [list(level) for level in mine["预警"]] == [["红色"], []]  # a red badge, none
    assert metric(at, "红色预警") == "1 个"
    # the choice survives a visit to the other tab, which reruns the page without this one
    at.selectbox(key="leader").set_value("王五")
    run(at)
    at.session_state["liaison_tab"] = "按责任单位"
    run(at)
    at.session_state["liaison_tab"] = "按包联领导"
    run(at)
    assert at.selectbox(key="leader").value == "王五"


def test_responsible_units(warehouse):
    at = page()
    assert not any("责任单位" == d.value.columns[0] for d in at.dataframe)  # a closed tab is not computed
    at.session_state["liaison_tab"] = "按责任单位"
    run(at)
    units = frame_with(at, "责任单位", "在库项目").set_index("责任单位")
    assert units.loc[LINYI, ["在库项目", "红色预警"]].tolist() == [2, 1]
    assert units.loc[WANRONG, ["在库项目", "已投产", "黄色预警"]].tolist() == [1, 1, 1]
    at.selectbox(key="responsible").set_value(WANRONG)
    run(at)
    theirs = next(d.value for d in reversed(at.dataframe) if "最新进展" in d.value.columns)
    assert list(theirs["项目名称"]) == ["P3"]  # P4 produces: not a project to chase


def test_changes_since_the_last_bulletin(warehouse):
    create_bulletin(warehouse, rules=Limits(), by="test")
    # a month later P1 is negotiating (its warning is resolved) and P2 has waited 108 days
    load(warehouse, [negotiation("P1", "140821", date(2025, 10, 20), liaison_leader="张三、李四")],
         "negotiating", as_of=date(2025, 10, 31), name="october.xlsx")
    at = page()
    leaders = frame_with(at, "包联领导", "在库项目").set_index("包联领导")
    assert leaders.loc["张三", ["较上期新增", "较上期解除", "红色预警", "黄色预警"]].tolist() == [1, 1, 0, 1]
    at.selectbox(key="leader").set_value("张三")
    run(at)
    mine = frame_with(at, "较上期通报", "项目名称")
    assert dict(zip(mine["项目名称"], mine["较上期通报"])) == {"P2": "新增预警", "P1": "已解除"}
    assert metric(at, "新增预警") == "1 个"
    assert "对照第1期预警通报（截至 2025-09-30）" in at.caption[0].value


def test_print_view_for_one_leader(warehouse):
    at = page(leader="张三")
    assert at.header[0].value == "包联项目预警清单"
    assert at.text[0].value == "包联领导：张三"
    assert len(at.selectbox) == 0  # no filters, nothing to click: a page to print
    listed = frame_with(at, "项目名称")
    assert list(listed["项目名称"]) == ["P1", "P2"]
    assert metric(at, "红色预警") == "1 个"
    assert AS_OF.strftime("%Y年%m月%d日") in at.caption[0].value
    unknown = page(leader="无此人")
    assert any("没有该包联领导" in i.value for i in unknown.info)


def test_page_renders_through_the_router(warehouse):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/projects/liaison.py")
    run(at)
    assert at.title[0].value.startswith("包联")


def test_without_a_previous_bulletin_nothing_is_counted_as_new(warehouse):
    for issued in (False, True):  # no bulletin yet; then one of the data date itself
        if issued:
            create_bulletin(warehouse, rules=Limits(), by="test")
        at = page()
        assert "尚无上期预警通报，不显示较上期新增、解除" in at.caption[0].value
        leaders = frame_with(at, "包联领导", "在库项目").set_index("包联领导")
        assert "较上期新增" not in leaders.columns and "较上期解除" not in leaders.columns
        assert leaders.loc["张三", "红色预警"] == 1
        at.selectbox(key="leader").set_value("张三")
        run(at)
        assert "较上期通报" not in frame_with(at, "项目名称", "停留天数").columns
        assert not any(m.label in ("新增预警", "已解除预警") for m in at.metric)
        printed = page(leader="张三")
        assert "尚无上期预警通报" in printed.caption[0].value
        assert "较上期" not in frame_with(printed, "项目名称").columns
