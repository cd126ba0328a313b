"""四库 (pages/projects/pipeline.py) through AppTest on the hand-checked lead cohort and on the sample."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import run_page as run

from test_pipeline import cohort, lead, load, sample, signing  # noqa: F401 (fixtures)
from warehouse.bulletins import Limits, create_bulletin

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "projects" / "pipeline.py")


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def warehouse(cohort, monkeypatch) -> Path:
    monkeypatch.setenv("WAREHOUSE_DB", str(cohort))
    return cohort



def page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return run(at)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def frame_with(at: AppTest, *columns: str):
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def test_cohort_figures_are_the_hand_checked_ones(warehouse):
    at = page(year="2025", months="1-9")
    assert metric(at, "线索数") == "10 个"
    assert metric(at, "线索转洽谈率") == "60.00%"
    assert metric(at, "洽谈转签约率") == "66.67%"
    assert metric(at, "线索签约率") == "40.00%"
    assert metric(at, "签约转开工率") == "50.00%"
    assert metric(at, "开工转投产率") == "50.00%"
    assert metric(at, "新增签约") == "5 个"
    libraries = frame_with(at, "库", "在库项目数")
    assert dict(zip(libraries["库"], libraries["在库项目数"])) == {
        "线索": 3, "洽谈": 1, "签约": 3, "开工": 1, "投产": 1, "已终止": 2
    }
    months = frame_with(at, "录入月份")
    assert list(months["录入月份"]) == ["1月", "2月", "3月"]
    assert list(months["线索签约率（%）"]) == [100.0, 33.33, 0.0]
    # every figure carries its definition
    assert all(m.help for m in at.metric)


def test_filters_change_the_cohort(warehouse):
    at = page(year="2025", months="1-9")
    at.multiselect(key="f_units").set_value(["140821"])
    run(at)
    assert metric(at, "线索数") == "7 个"
    assert metric(at, "线索签约率") == "42.86%"
    at.select_slider(key="f_months").set_value((1, 1))
    run(at)
    assert metric(at, "线索数") == "2 个"
    assert metric(at, "线索签约率") == "100.00%"


def test_warnings_on_the_data_date_and_search(warehouse):
    at = page(year="2025", months="1-9")
    assert metric(at, "红色预警") == "6 个"
    assert metric(at, "黄色预警") == "1 个"
    warned = frame_with(at, "预警等级", "停留天数")
    assert {name: list(badge) for name, badge in zip(warned["项目名称"], warned["预警等级"])} == {
        "O1": ["红色"], "W1": ["红色"], "W2": ["红色"], "L4": ["红色"], "L6": ["红色"], "W3": ["红色"], "L3": ["黄色"]
    }
    # red before yellow, then the longest wait first
    assert [badge[0] for badge in warned["预警等级"]] == ["红色"] * 6 + ["黄色"]
    assert list(warned["停留天数"][:6]) == sorted(warned["停留天数"][:6], reverse=True)
    at.text_input(key="warning_search").input("W")
    run(at)
    assert sorted(frame_with(at, "预警等级", "停留天数")["项目名称"]) == ["W1", "W2", "W3"]
    assert metric(at, "红色预警") == "6 个"  # the cards count every warning, not the search
    per_stage = frame_with(at, "阶段", "红色", "黄色")
    assert (per_stage["红色"].sum(), per_stage["黄色"].sum()) == (6, 1)
    assert any("尚未生成预警通报" in i.value for i in at.info)


def test_bulletin_section_after_the_first_bulletin(warehouse):
    create_bulletin(warehouse, rules=Limits(), by="test")
    at = page(year="2025", months="1-9")
    assert at.selectbox(key="bulletin_number").value == 1
    # the first bulletin has nothing before it: no new, persisting or resolved counts
    assert not any(m.label in ("新增预警", "持续预警", "已解除预警") for m in at.metric)
    assert any("第1期为首期，没有上期通报可比较" in c.value for c in at.caption)
    units = frame_with(at, "县（市、区）", "红色预警")
    assert dict(zip(units["县（市、区）"], units["红色预警"])) == {"临猗县": 3, "万荣县": 3}
    assert "新增" not in units.columns
    # the bulletin is of the data date: the live list is that bulletin, and nothing precedes it
    assert metric(at, "较上期新增") == "无上期通报"
    assert "较上期通报" not in frame_with(at, "预警等级", "停留天数").columns
    assert not any("尚未生成预警通报" in i.value for i in at.info)
    # the bulletin's detail, below the live list: badges, red first, and no 较上期 in the first
    detail = [d.value for d in at.dataframe if {"预警等级", "停留天数"} <= set(d.value.columns)][-1]
    assert [badge[0] for badge in detail["预警等级"]] == ["红色"] * 6 + ["黄色"]
    assert not {"较上期", "上期天数"} & set(detail.columns)


def test_live_warnings_compare_with_the_bulletin_before_the_data_date(warehouse):
    create_bulletin(warehouse, rules=Limits(), by="test")
    # a month on, W-projects have waited longer; the next bulletin (of the new data date) is
    # the live list itself, so 较上期 is against the first
    load(warehouse, [lead("新线索", "140821", date(2025, 8, 1))], "lead", as_of=date(2025, 10, 31), name="oct.xlsx")
    create_bulletin(warehouse, rules=Limits(), by="test")
    at = page(year="2025", months="1-9")
    assert metric(at, "较第1期新增") == "1 个"
    warned = frame_with(at, "预警等级", "较上期通报")
    assert dict(zip(warned["项目名称"], warned["较上期通报"]))["新线索"] == "新增"
    assert metric(at, "新增预警") == "1 个"  # bulletin 2 against bulletin 1


SHELL = ("python -m", "make run", "make ", "`")


def test_no_shell_command_for_a_non_admin(warehouse, tmp_path, monkeypatch):
    from argon2 import PasswordHasher

    from ui import auth
    from warehouse import accounts
    from warehouse.accounts import AccountStore

    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "accounts.sqlite"))
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "store", lambda: AccountStore(hasher=cheap))
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: auth.AccessSettings())
    accounts.add_user("管理员", "admin", "a-long-password-1")
    at = page(year="2025", months="1-9")  # an anonymous visitor: the analyst pages are open
    said = [e.value for e in (*at.info, *at.caption, *at.markdown, *at.warning)]
    notice = next(v for v in said if "尚未生成预警通报" in v)
    assert "自动生成第1期" in notice
    assert not [v for v in said if any(s in v for s in SHELL)]


def test_an_administrator_may_read_the_command(warehouse):
    # no account yet and the local machine: the one who set the server up
    at = page(year="2025", months="1-9")
    notice = next(i.value for i in at.info if "尚未生成预警通报" in i.value)
    assert "python -m warehouse bulletin" in notice


def test_identity_review_lists_the_near_miss(warehouse):
    load(warehouse, [lead("恒锐铝业有限公司年产5万吨铝型材项目", "140821", date(2025, 1, 6))], "lead", name="more.xlsx")
    load(warehouse, [signing("恒锐铝业年产5万吨铝型材项目", "140821", date(2025, 3, 1))], "signed", name="more-signed.xlsx")
    at = page(year="2025", months="1-9")
    review = frame_with(at, "项目名称甲", "项目名称乙")
    assert review.shape[0] == 1
    assert {review["项目名称甲"][0], review["项目名称乙"][0]} == {
        "恒锐铝业有限公司年产5万吨铝型材项目", "恒锐铝业年产5万吨铝型材项目"
    }
    assert review["名称相似度（%）"][0] == 100.0


def test_page_renders_through_the_router(warehouse):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/projects/pipeline.py")
    run(at)
    assert at.title[0].value.startswith("四库")


def test_sample_2025_calibration_on_the_page(sample, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(sample))
    at = page(year="2025", months="1-9")
    assert metric(at, "线索数") == "586 个"
    assert metric(at, "线索签约率") == "19.11%"


def test_a_long_warning_list_comes_in_pages_reddest_first(sample, monkeypatch):
    from ui.warnings import PAGE_ROWS

    monkeypatch.setenv("WAREHOUSE_DB", str(sample))
    at = page(year="2025", months="1-9")
    red, yellow = (int(metric(at, label).split()[0]) for label in ("红色预警", "黄色预警"))
    assert red > PAGE_ROWS and yellow > 0  # the sample's list is long enough to page, and has both
    picker = at.selectbox(key="warning_page")
    assert len(picker.options) == -(-(red + yellow) // PAGE_ROWS)
    first = frame_with(at, "预警等级", "停留天数")
    assert len(first) == PAGE_ROWS
    assert all(list(badge) == ["红色"] for badge in first["预警等级"])
    days = list(first["停留天数"])
    assert days == sorted(days, reverse=True)
    # the last page ends the list: its yellow warnings, after every red one
    picker.set_value(len(picker.options) - 1)
    run(at)
    last = frame_with(at, "预警等级", "停留天数")
    assert len(last) == (red + yellow) - PAGE_ROWS * (len(picker.options) - 1)
    assert list(last["预警等级"].iloc[-1]) == ["黄色"]
