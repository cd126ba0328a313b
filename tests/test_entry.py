"""在线录入 and 项目流转 (pages/projects/entry.py, etl/entry.py, warehouse/transfers.py): an
entry is a load like any file's, and a lead passed on stays one project."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import routed, run_page
from etl.entry import Entry, assign, messages, submit
from test_pipeline import cohort  # noqa: F401 (fixture)
from ui.filters import Filters
from warehouse import accounts, transfers
from warehouse.db import Reader
from warehouse.history import rollback
from warehouse.queries import run

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "pages/projects/entry.py"
PIPELINE = str(ROOT / "pages" / "projects" / "pipeline.py")
PASSWORD = "s3cret password"
LINYI, WANRONG = "140821", "140822"  # 临猗县, 万荣县 of the cohort

pytestmark = pytest.mark.usefixtures("staff_env")


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    st.cache_data.clear()


def login(name: str) -> AppTest:
    at = routed(ENTRY)
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return run_page(at)


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def save(at: AppTest) -> AppTest:
    widget(at.button, "保存").click()
    return at.run()


def said(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind)


def leads_on_pipeline() -> tuple[str, dict]:
    """线索数 and the libraries' counts on /pipeline for 2025 (the cohort's year)."""
    st.cache_data.clear()
    at = AppTest.from_file(PIPELINE, default_timeout=60)
    at.query_params["year"], at.query_params["months"] = "2025", "1-9"
    at = run_page(at)
    libraries = next(d.value for d in at.dataframe if {"库", "在库项目数"} <= set(d.value.columns))
    return next(m.value for m in at.metric if m.label == "线索数"), dict(zip(libraries["库"], libraries["在库项目数"]))


def project(db, name: str) -> list[tuple]:
    return Reader(db).cursor().sql(
        f"select project_key, unit_id, stage, intended_amount_wan::double, progress, problems from projects where project_name = '{name}'"
    ).fetchall()


def load_count(db) -> int:
    return Reader(db).cursor().sql("select count(*) from loads").fetchall()[0][0]


def test_an_entered_lead_counts_on_the_pipeline_and_a_rollback_removes_it(cohort):
    assert leads_on_pipeline() == ("10 个", {"线索": 3, "洽谈": 1, "签约": 3, "开工": 1, "投产": 1, "已终止": 2})
    accounts.store().add_user("临猗录入员", "uploader", PASSWORD, ["临猗县"])
    at = login("临猗录入员")
    assert at.selectbox(key="entry_unit").options == ["临猗县"]  # only the uploader's own units
    widget(at.text_input, "项目名称").input("氢能装备制造项目")
    widget(at.date_input, "线索录入时间").set_value(date(2025, 4, 2))
    widget(at.text_input, "意向投资额（万元）").input("8000")
    widget(at.text_input, "包联领导").input("王副县长")
    widget(at.text_area, "项目进展").input("已赴企业考察")
    widget(at.text_area, "存在问题").input("需协调用地指标")
    at = save(at)
    assert "已保存" in at.success[0].value, said(at)

    # in the project tables, recorded as an entry with who made it, not a monthly report
    assert project(cohort, "氢能装备制造项目") == [
        ("name:140821:氢能装备制造", LINYI, "lead", 8000.0, "已赴企业考察", "需协调用地指标")
    ]
    cur = Reader(cohort).cursor()
    load_id, source, by = cur.sql("select load_id, source, loaded_by from loads order by load_id desc limit 1").fetchall()[0]
    assert (source, by) == ("entry", "临猗录入员")
    assert cur.sql(f"select count(*) from unit_reports where load_id = {load_id}").fetchall() == [(0,)]
    traced = run(cur, "data_trace", project_key="name:140821:氢能装备制造")
    assert traced.get_column("source").to_list() == ["在线录入（临猗录入员）"]
    assert leads_on_pipeline() == ("11 个", {"线索": 4, "洽谈": 1, "签约": 3, "开工": 1, "投产": 1, "已终止": 2})

    rollback(cohort, load_id, "管理员")
    assert project(cohort, "氢能装备制造项目") == []
    assert leads_on_pipeline()[0] == "10 个"


@pytest.mark.parametrize("stage, values, expected", [
    ("签约", {"signed_date": "2025-05-01", "signed_amount": "五千"}, "签约金额（万元）「五千」：无法识别的金额"),
    ("签约", {"signed_amount": "5000"}, "签约时间：签约时间为空"),
    ("开工", {"start_date": "2099-03-01"}, "开工时间「2099-03-01」：开工时间晚于今天"),
    ("线索", {"project_name": None}, "项目名称"),
])
def test_a_bad_entry_is_refused_naming_the_field_and_changes_nothing(cohort, stage, values, expected):
    before = load_count(cohort)
    result = submit(Entry({"project_name": "新材料项目", **values}, stage), LINYI, {LINYI}, cohort, "临猗录入员")
    assert result.status == "refused"
    assert any(m.startswith(expected) for m in messages(result.ledger)), messages(result.ledger)
    assert load_count(cohort) == before


def test_a_bad_entry_on_the_page_shows_the_field_in_chinese(cohort):
    accounts.store().add_user("临猗录入员", "uploader", PASSWORD, ["临猗县"])
    at = login("临猗录入员")
    widget(at.text_input, "项目名称").input("新材料项目")
    at.selectbox(key="stage-new-140821").set_value("签约")
    widget(at.text_input, "签约金额（万元）").input("五千")
    at = save(at)
    assert "未保存" in at.error[0].value
    assert "签约金额（万元）「五千」" in at.error[0].value
    assert "签约时间" in at.error[0].value
    assert project(cohort, "新材料项目") == []


def test_an_update_keeps_the_project_and_its_history(cohort):
    before = Reader(cohort).cursor().sql("select count(*) from projects").fetchall()
    result = submit(
        Entry({"project_name": "L6", "negotiation_date": "2025-04-01", "progress": "已开始洽谈"}, "洽谈",
              "name:140821:l6", None),
        LINYI, {LINYI}, cohort, "临猗录入员",
    )
    assert result.status == "loaded", messages(result.ledger)
    assert project(cohort, "L6") == [("name:140821:l6", LINYI, "negotiating", None, "已开始洽谈", None)]
    assert Reader(cohort).cursor().sql("select count(*) from projects").fetchall() == before


def by_unit(db) -> dict[str, int]:
    frame = run(Reader(db).cursor(), "pipeline_conversion_by_unit", Filters(2025, 1, 9))
    return dict(zip(frame["unit_name"], frame["leads"]))


def test_a_passed_on_lead_counts_once_under_the_unit_holding_it(cohort):
    flow = run(Reader(cohort).cursor(), "pipeline_conversion", Filters(2025, 1, 9)).row(0, named=True)
    assert (flow["leads"], by_unit(cohort)) == (10, {"临猗县": 7, "万荣县": 3})

    transfer = transfers.offer(cohort, "name:140821:l6", "本县无合适用地", "临猗录入员")
    with pytest.raises(transfers.TransferRefused, match="已提出流转"):
        transfers.offer(cohort, "name:140821:l6", "再提一次", "临猗录入员")
    result = assign(cohort, transfer, WANRONG, "万荣有园区承接", "管理员")
    assert result.status == "loaded", messages(result.ledger)

    # one project, now 万荣's: counted once in the funnel, under 万荣
    cur = Reader(cohort).cursor()
    assert cur.sql("select project_key, unit_id from projects where project_name = 'L6'").fetchall() == [
        ("name:140821:l6", WANRONG)
    ]
    flow = run(cur, "pipeline_conversion", Filters(2025, 1, 9)).row(0, named=True)
    assert (flow["leads"], by_unit(cohort)) == (10, {"临猗县": 6, "万荣县": 4})
    # its history shows both units: the transfer with who, when and why, and the load's change
    history = run(cur, "lead_transfers", project_key="name:140821:l6").row(0, named=True)
    assert {k: history[k] for k in ("from_unit_name", "to_unit_name", "reason", "offered_by", "assigned_by", "status")} == {
        "from_unit_name": "临猗县", "to_unit_name": "万荣县", "reason": "本县无合适用地",
        "offered_by": "临猗录入员", "assigned_by": "管理员", "status": "assigned",
    }
    assert cur.sql(
        f"select change, old_value, new_value from load_changes where load_id = {result.load_id}"
    ).fetchall() == [("transferred", "临猗县", "万荣县")]

    # the receiving unit may update it, the offering unit may not
    update = Entry({"project_name": "L6", "progress": "万荣已对接"}, "线索", "name:140821:l6", "140821:l6")
    refused = submit(update, LINYI, {LINYI}, cohort, "临猗录入员")
    assert refused.status == "refused"
    assert messages(refused.ledger) == ["项目名称「L6」：项目「L6」已流转给万荣县，不能再由临猗县报送；如有疑问请联系市中心管理员"]
    accepted = submit(update, WANRONG, {WANRONG}, cohort, "万荣录入员")
    assert accepted.status == "loaded", messages(accepted.ledger)
    assert project(cohort, "L6") == [("name:140821:l6", WANRONG, "lead", None, "万荣已对接", None)]

    # rolling the assignment back moves it back; the offer stays on record as undone
    rollback(cohort, accepted.load_id, "管理员")
    rollback(cohort, result.load_id, "管理员")
    assert project(cohort, "L6")[0][1] == LINYI
    assert run(Reader(cohort).cursor(), "lead_transfers", project_key="name:140821:l6")["status"].to_list() == ["undone"]


def test_the_centre_assigns_on_the_page_and_the_record_shows_both_units(cohort):
    accounts.store().add_user("管理员", "admin", PASSWORD)
    transfers.offer(cohort, "name:140821:l6", "本县无合适用地", "临猗录入员")
    at = login("管理员")
    at.selectbox(key="assign_to").set_value(WANRONG)
    widget(at.text_input, "指派说明").input("万荣有园区")
    at = widget(at.button, "指派").click().run()
    assert "已指派" in at.success[-1].value, said(at)
    record = next(d.value for d in at.dataframe if "接收单位" in d.value.columns)
    assert record[["项目名称", "提出单位", "接收单位", "状态"]].values.tolist() == [["L6", "临猗县", "万荣县", "已流转"]]
    assert project(cohort, "L6")[0][:2] == ("name:140821:l6", WANRONG)


def test_a_viewer_does_not_reach_the_form(db):
    accounts.store().add_user("查看者", "viewer", PASSWORD)
    at = routed(ENTRY)
    at.text_input[0].input("查看者")
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    at.run()
    assert "无权访问" in at.error[0].value
    assert not [b for b in at.button if b.label == "保存"]


def test_an_update_on_the_page_starts_from_the_project_and_keeps_it(cohort):
    accounts.store().add_user("临猗录入员", "uploader", PASSWORD, ["临猗县"])
    at = login("临猗录入员")
    at.radio(key="entry_mode").set_value("更新已有项目")
    at = run_page(at)
    at.selectbox(key="entry_project").set_value("name:140821:l4")
    at = run_page(at)
    assert widget(at.date_input, "线索录入时间").value == date(2025, 2, 10)  # the project's own, not today
    assert at.selectbox(key="stage-name:140821:l4").value == "洽谈"
    widget(at.text_area, "存在问题").input("环评待批复")
    at = save(at)
    assert "已保存" in at.success[0].value, said(at)
    assert project(cohort, "L4") == [("name:140821:l4", LINYI, "negotiating", None, None, "环评待批复")]


@pytest.mark.file_only  # rebuild replays a file warehouse's archive
def test_rebuild_replays_entries_as_entries_and_a_pass_on_with_its_record(cohort, tmp_path):
    from etl.rebuild import rebuild

    submit(Entry({"project_name": "氢能装备制造项目", "lead_date": "2025-04-02"}, "线索"), LINYI, {LINYI}, cohort, "临猗录入员")
    assign(cohort, transfers.offer(cohort, "name:140821:l6", "本县无合适用地", "临猗录入员"), WANRONG, None, "管理员")
    out = tmp_path / "rebuilt.duckdb"
    replayed = rebuild(cohort, out)  # the cohort's own loads were recorded without an original
    assert [r.ok for r in replayed if r.file_name.startswith("在线录入")] == [True, True]
    cur = Reader(out).cursor()
    assert cur.sql("select source, loaded_by from loads where source = 'entry' order by load_id").fetchall() == [
        ("entry", "临猗录入员"), ("entry", "管理员")
    ]
    assert cur.sql(
        "select project_name, project_key, unit_id from projects where project_name in ('L6', '氢能装备制造项目') order by 1"
    ).fetchall() == [("L6", "name:140821:l6", WANRONG), ("氢能装备制造项目", "name:140821:氢能装备制造", LINYI)]
    # the record of the pass-on comes along, pointing at the replayed assignment
    restored = run(cur, "lead_transfers", project_key="").select("from_unit_name", "to_unit_name", "reason", "assigned_load", "status")
    assert restored.rows() == [("临猗县", "万荣县", "本县无合适用地", replayed[-1].new_load_id, "assigned")]


def test_the_dossier_names_an_entry_as_its_source_and_shows_the_pass_on(cohort):
    """An entry has no file, sheet or row: its dossier says 在线录入 and who; a passed-on lead's
    dossier keeps one identity and shows both units."""
    entered = submit(Entry({"project_name": "L6", "progress": "已赴企业考察"}, "线索", "name:140821:l6", "140821:l6"),
                     LINYI, {LINYI}, cohort, "临猗录入员")
    assert entered.status == "loaded", messages(entered.ledger)
    transfer = transfers.offer(cohort, "name:140821:l6", "本县无合适用地", "临猗录入员")
    assert assign(cohort, transfer, WANRONG, "万荣有园区承接", "管理员").status == "loaded"
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "projects" / "project.py"), default_timeout=60)
    at.query_params["id"] = "name:140821:l6"
    at = at.run()  # L6 waits past its limit: a red warning box is expected, no exception
    assert not at.exception
    sources = next(d.value for d in at.dataframe if "来源" in d.value.columns and "行号" in d.value.columns)
    assert "在线录入（临猗录入员）" in set(sources["来源"])
    assert "在线录入（管理员）" in set(sources["来源"])  # the centre's assignment is an entry too
    moved = next(d.value for d in at.dataframe if "接收单位" in d.value.columns)
    assert moved[["提出单位", "接收单位", "流转原因", "状态"]].values.tolist() == [["临猗县", "万荣县", "本县无合适用地", "已流转"]]

