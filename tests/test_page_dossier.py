"""项目档案 (/project) and 项目清单 (/projects): a dossier agrees with the lists it is opened
from, an unknown id says so, and the list behind a clicked figure totals that figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, unquote

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import conftest
from conftest import add_load, rows
from ui import links, warnings as warning_list
from warehouse import queries
from warehouse.accounts import User
from warehouse.db import Reader
from warehouse.dossier import may_download_original
from warehouse.metrics import yi
from warehouse.queries import Filters

SIGNED = {"kind": "signed", "origin": "", "size": "", "undated": False}


def dossier(**params) -> AppTest:
    return conftest.open_page("pages/projects/project.py", **params)


def project_list(query: dict[str, str]) -> AppTest:
    return conftest.open_page("pages/projects/projects.py", **query)


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def key_of(url: str) -> str:
    return unquote(parse_qs(url.split("?", 1)[1])["id"][0])


def shown_yi(wan) -> str:
    return f"{yi(wan):,.2f} 亿元"


@pytest.fixture
def cursor(on_sample):
    return Reader(on_sample).cursor()


# ---------------------------------------------------------------- the dossier


def test_a_dossier_opened_from_the_signing_list_shows_that_row_and_every_source_row(cursor):
    signing = conftest.open_page("pages/analysis/signing.py", year="2024", months="1-12")
    listed = frame_with(signing, "档案")
    row = listed.iloc[0]
    key = key_of(row["档案"])

    at = dossier(id=key)
    assert at.header[0].value == row["项目名称"]
    assert cards(at)["签约金额"] == f"{row['签约金额（亿元）']:,.2f} 亿元"
    facts = {k: v for d in at.dataframe if "内容" in d.value.columns for k, v in zip(d.value["项目"], d.value["内容"])}
    assert facts["县（市、区）/开发区"] == row["县（市、区）/开发区"]
    assert facts["产业链"] == row["产业链"]
    assert facts["签约日期"] == f"{row['签约日期']:%Y-%m-%d}"

    timeline = frame_with(at, "停留天数")
    signed_step = timeline[timeline["阶段"] == "签约"].iloc[0]
    assert signed_step["进入日期"] == row["签约日期"]
    assert list(timeline["阶段"]) == ["线索", "洽谈", "签约", "开工", "投产"]

    trace = queries.run(cursor, "data_trace", project_key=key)
    sources = frame_with(at, "行号")
    assert sorted(zip(sources["来源"], sources["工作表"], sources["行号"])) == sorted(
        zip(trace["file_name"], trace["sheet"], trace["excel_row"])
    )
    changes = frame_with(at, "变更内容")
    assert "新增项目" in set(changes["变化"])


def test_a_warned_project_shows_its_warning_with_the_days_of_the_warning_list(cursor):
    pipeline = conftest.open_page("pages/projects/pipeline.py", year="2024", months="1-12")
    warned = frame_with(pipeline, "停留天数")
    row = warned.iloc[0]
    # a red warning is drawn as an error box: run without run_page's check against those
    at = AppTest.from_file(str(conftest.ROOT / "pages/projects/project.py"), default_timeout=60)
    at.query_params["id"] = key_of(row["档案"])
    at.run()
    assert not at.exception
    box = (at.error or at.warning)[0].value
    badge = row[warning_list.LEVEL]  # a coloured badge: the level's name in a list
    assert f"{list(badge)[0]}预警" in box and f"已停留 {row['停留天数']} 天" in box
    current = frame_with(at, "状态")
    assert current[current["状态"] == "当前阶段"].iloc[0]["停留天数"] == row["停留天数"]


@pytest.mark.parametrize("wanted", ["name:000000:没有这个项目", "code:1999-000000-00-00-000000", "<script>"])
def test_an_unknown_id_says_so_in_chinese(on_sample, wanted):
    at = dossier(id=wanted)
    assert "没有找到编号为" in at.warning[0].value
    assert not at.metric and not at.dataframe


def test_without_an_id_the_page_points_to_the_list(on_sample):
    at = dossier()
    assert "打开一个项目的档案" in at.info[0].value


def test_a_link_made_before_the_project_got_a_code_still_opens_it(db, monkeypatch):
    add_load(db, rows([{"project_name": "铝材项目", "unit_id": "140821", "signed_date": date(2024, 3, 1),
                        "signed_amount_wan": Decimal(12000)}]), "signed")
    old = "name:140821:铝材"
    cursor = Reader(db).cursor()
    assert queries.run(cursor, "dossier_resolve", id=old).item(0, "project_key") == old
    add_load(db, rows([{"project_name": "铝材项目", "unit_id": "140821", "project_code": "2024-140821-32-03-000001",
                        "start_date": date(2024, 6, 1)}], kind="started"), "started")
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = dossier(id=old)
    assert at.header[0].value == "铝材项目"
    assert cards(at)["签约金额"] == "1.20 亿元"
    assert "2024-140821-32-03-000001" in set(frame_with(at, "内容")["内容"])


# ---------------------------------------------------------------- who may download originals


def test_originals_go_to_admins_their_uploader_and_uploaders_of_only_their_units():
    load = {"loaded_by": "临猗上传", "load_units": ["140821"], "project_unit": "140821"}
    city_wide = {**load, "loaded_by": "中心", "load_units": ["140821", "140822"]}
    assert may_download_original(User("管理员", "admin"), **city_wide)
    assert may_download_original(User("临猗上传", "uploader", ("140821",)), **load)
    assert may_download_original(User("临猗二", "uploader", ("140821",)), **{**load, "loaded_by": "别人"})
    # a file holding another unit's rows, a project of another unit, a viewer, nobody, a disabled admin
    assert not may_download_original(User("临猗二", "uploader", ("140821",)), **city_wide)
    assert not may_download_original(User("万荣", "uploader", ("140822",)), **{**load, "loaded_by": "别人"})
    assert not may_download_original(User("看", "viewer"), **load)
    assert not may_download_original(None, **load)
    assert not may_download_original(User("旧", "admin", disabled=True), **load)


# ---------------------------------------------------------------- the list behind a figure


def test_the_list_behind_a_map_county_totals_the_county(cursor):
    """What a click on a county opens (its zones rolled up, within the sidebar's units) totals
    its figures on the map, for every county and with a unit filter."""
    for scope in (Filters(2024), Filters(2024, 4, 9, units=("140802", "zone-jingkai", "140821"))):
        territories = queries.run(cursor, "map_units", scope)
        for county in territories.filter(pl.col("kind") == "county").iter_rows(named=True):
            units = territories.filter(pl.col("host_adcode") == county["host_adcode"]).get_column("unit_id").to_list()
            behind = links.narrowed(scope, units=tuple(units))
            if behind is None:
                assert county["signed_projects"] == 0
                continue
            total = queries.run(cursor, "drill_signed_total", behind, **SIGNED).row(0, named=True)
            assert (total["projects"], total["signed_amount_wan"], total["started_projects"]) == (
                county["signed_projects"], county["signed_amount_wan"], county["started_projects"]
            ), county["name"]


def test_the_list_page_shows_the_clicked_county_figures(cursor):
    territories = queries.run(cursor, "map_units", Filters(2024))
    county = territories.filter(pl.col("kind") == "county").sort("signed_projects", descending=True).row(0, named=True)
    units = territories.filter(pl.col("host_adcode") == county["host_adcode"]).get_column("unit_id").to_list()
    assert len(units) > 1  # the county has zones: the list must roll them up like the map
    at = project_list(links.list_params(links.narrowed(Filters(2024), units=tuple(units))))
    assert cards(at)["项目数"] == f"{county['signed_projects']} 个"
    assert cards(at)["签约金额"] == shown_yi(county["signed_amount_wan"])
    listed = frame_with(at, "档案")
    assert len(listed) == county["signed_projects"]
    assert all(url.startswith("project?id=") for url in listed["档案"])


def test_every_bar_and_heat_map_cell_opens_a_list_totalling_it(cursor):
    scope = Filters(2024, units=(), chains=())
    for row in queries.run(cursor, "signing_by_unit", scope).filter(pl.col("projects") > 0).iter_rows(named=True):
        total = queries.run(cursor, "drill_signed_total", links.narrowed(scope, units=(row["unit_id"],)), **SIGNED).row(0)
        assert total[:2] == (row["projects"], row["amount_wan"]), row["unit_name"]
    for row in queries.run(cursor, "signing_by_origin", scope).filter(pl.col("projects") > 0).iter_rows(named=True):
        total = queries.run(cursor, "drill_signed_total", scope, **{**SIGNED, "origin": row["origin_province"]}).row(0)
        assert total[:2] == (row["projects"], row["amount_wan"]), row["origin_province"]
    for row in queries.run(cursor, "signing_by_size", scope).filter(pl.col("projects") > 0).iter_rows(named=True):
        total = queries.run(cursor, "drill_signed_total", scope, **{**SIGNED, "size": row["size_band"]}).row(0)
        assert total[:2] == (row["projects"], row["amount_wan"]), row["size_band"]
    for row in queries.run(cursor, "signing_by_month", scope).iter_rows(named=True):
        month = row["month"]
        behind = scope if month is None else Filters(2024, month, month)
        total = queries.run(cursor, "drill_signed_total", behind, **{**SIGNED, "undated": month is None}).row(0)
        assert total[:2] == (row["projects"], row["amount_wan"]), month
    for cell in queries.run(cursor, "chains_matrix", scope).iter_rows(named=True):
        behind = links.narrowed(scope, units=(cell["unit_id"],), chains=(cell["chain"],))
        total = queries.run(cursor, "drill_signed_total", behind, **SIGNED).row(0)
        assert total[:2] == (cell["projects"], cell["amount_wan"]), (cell["unit_name"], cell["chain"])
    for name, column in (("starts_by_unit", "unit_id"), ("starts_by_chain", "chain")):
        for row in queries.run(cursor, name, scope).iter_rows(named=True):
            behind = links.narrowed(scope, **{"units" if column == "unit_id" else "chains": (row[column],)})
            total = queries.run(cursor, "drill_signed_total", behind, **SIGNED).row(0, named=True)
            assert (total["projects"], total["started_projects"]) == (row["signed_projects"], row["started_projects"]), row
    libraries = queries.run(cursor, "pipeline_libraries", scope)
    as_of = queries.run(cursor, "as_of").item()
    for library in libraries.iter_rows(named=True):
        listed = queries.run(cursor, "drill_library", scope, library=library["library"], as_of=as_of)
        assert listed.height == library["projects"], library["library"]


def test_a_chain_bar_opens_a_list_that_says_what_it_holds(cursor):
    chain = queries.run(cursor, "chains_summary", Filters(2024)).row(0, named=True)
    at = project_list(links.list_params(Filters(2024), chains=None) | {"chains": chain["chain"]})
    assert cards(at)["项目数"] == f"{chain['projects']} 个"
    assert cards(at)["签约金额"] == shown_yi(chain["amount_wan"])
    assert f"产业链：{chain['chain']}" in at.caption[0].value


def test_a_library_list_totals_the_library(cursor):
    library = queries.run(cursor, "pipeline_libraries", Filters(2024)).row(0, named=True)
    at = project_list({"library": library["library"]})
    assert cards(at)["项目数"] == f"{library['projects']} 个"
    assert len(frame_with(at, "档案")) == library["projects"]


def test_unknown_conditions_in_a_list_link_are_named_and_left_out(on_sample):
    at = project_list({"year": "1999", "units": "nowhere", "kind": "everything"})
    assert all(word in at.warning[0].value for word in ("1999", "nowhere", "everything"))
    assert cards(at)["项目数"].endswith("个")


def test_the_list_search_narrows_the_rows_but_not_the_figure(cursor):
    at = project_list({"year": "2024", "months": "1-12"})
    at.text_input(key="projects_search").input("储能").run()
    listed = frame_with(at, "档案")
    assert 0 < len(listed) < 539
    assert all("储能" in f"{n}{i}{u}{r}{l}" for n, i, u, r, l in
               zip(listed["项目名称"], listed["投资方"], listed["县（市、区）/开发区"], listed["责任单位"], listed["包联领导"]))
    assert cards(at)["项目数"] == "539 个"


def test_both_pages_run_through_the_router(on_sample):
    at = conftest.run_page(AppTest.from_file(str(conftest.ROOT / "app.py"), default_timeout=60))
    at.switch_page("pages/projects/project.py")
    conftest.run_page(at)
    assert at.title[0].value == "项目档案"
    at.switch_page("pages/projects/projects.py")
    conftest.run_page(at)
    assert at.title[0].value == "项目清单"


def test_a_project_only_an_unpublished_month_holds_opens_in_the_open_state(db, monkeypatch):
    march, april = date(2024, 3, 31), date(2024, 4, 30)
    add_load(db, rows([
        {"project_name": "临猗项目", "unit_id": "140821", "signed_date": date(2024, 3, 1), "signed_amount_wan": Decimal(5000)},
        {"project_name": "万荣项目", "unit_id": "140822", "signed_date": date(2024, 3, 2), "signed_amount_wan": Decimal(6000)},
    ], period_end=march), "signed")
    # 临猗 reports April, 万荣 has not yet: April is open
    add_load(db, rows([{"project_name": "四月项目", "unit_id": "140821", "signed_date": date(2024, 4, 3),
                        "signed_amount_wan": Decimal(7000)}], period_end=april), "signed", name="april.xlsx")
    cursor = Reader(db).cursor()
    assert queries.run(cursor, "dossier_resolve", id="name:140821:四月").row(0) == ("name:140821:四月", False)
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = dossier(id="name:140821:四月")
    assert "尚未发布" in at.info[0].value
    assert cards(at)["签约金额"] == "0.70 亿元"
    sources = frame_with(at, "行号")
    assert list(sources["月份"]) == ["未完结"]


def test_the_review_meetings_decisions_on_the_project_are_in_its_dossier(db, monkeypatch):
    from datetime import datetime

    from warehouse.db import writer

    add_load(db, rows([{"project_name": "铝材项目", "unit_id": "140821", "signed_date": date(2024, 3, 1),
                        "signed_amount_wan": Decimal(12000)}]), "signed")
    with writer(db) as con:
        con.execute(
            "insert into review_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [date(2025, 3, 1), "name:140821:铝材", "铝材项目", "140821", "签约满一年未开工", "督促 4 月底前开工",
             "临猗县招商中心 李四", "2025年4月底", datetime(2025, 3, 20, 10), "管理员"],
        )
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    decisions = frame_with(dossier(id="name:140821:铝材"), "研判意见")
    assert decisions.to_dict("records") == [{
        "研判月份": "2025年3月", "研判原因": "签约满一年未开工", "研判意见": "督促 4 月底前开工",
        "责任单位及责任人": "临猗县招商中心 李四", "完成时限": "2025年4月底",
    }]
