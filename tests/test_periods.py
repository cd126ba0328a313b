"""The reporting cycle: a figure moves only when its month is complete or closed by an admin."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import workbooks as wb
from etl.load import load_file
from warehouse import periods
from warehouse.db import Reader
from warehouse.queries import Filters, headline
from conftest import point_at, routed

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_2025 = {"signed_projects": 402, "as_of": date(2025, 9, 30)}


@pytest.fixture
def city(sample_copy, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample warehouse (every month through 2025-09 complete)."""
    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "accounts.sqlite"))
    return sample_copy


def early_october(tmp_path) -> Path:
    """临猗县 reports 1-10月 before anyone else: one new signing of 5 亿元 in October."""
    return wb.signed_ledger(
        tmp_path, [("临猗县十月新签项目", "临猗县", 50000, date(2025, 10, 15), "新能源")],
        name="2025年1-10月临猗县签约项目台账.xlsx",
    )


def figures(db: Path, include_open: bool = False) -> dict:
    return headline(Reader(db).cursor(), Filters(2025, include_open=include_open))


def period_state(db: Path) -> periods.PeriodState:
    return periods.state(Reader(db).cursor())


def test_an_early_county_does_not_move_the_published_figures(city, tmp_path):
    # one county's 1-10月 upload made 1-10月 the city's period and dropped 同比 by 8 points
    before = figures(city)
    assert {k: before[k] for k in SAMPLE_2025} == SAMPLE_2025
    assert load_file(early_october(tmp_path), db=city, user="临猗县上传员").status == "loaded"

    assert figures(city) == before
    state = period_state(city)
    assert (state.published_through, state.open_through) == (date(2025, 9, 30), date(2025, 10, 31))
    assert state.open_label() == "（未完结，已报 1/19）"
    # the analyst who asks for the open month sees it
    opened = figures(city, include_open=True)
    assert (opened["signed_projects"], opened["as_of"]) == (403, date(2025, 10, 31))
    assert opened["signed_amount_yi"] == before["signed_amount_yi"] + 5


def test_the_board_shows_who_reported_the_open_month(city, tmp_path):
    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    board = periods.board(Reader(city).cursor(), date(2025, 10, 1), date(2025, 10, 1), today=date(2025, 11, 3))
    statuses = dict(zip(board.get_column("unit_name"), board.get_column("status")))
    assert len(statuses) == 19
    assert statuses.pop("临猗县") == "逾期报送"  # loaded today, after the 5 November deadline
    assert set(statuses.values()) == {"待报"}  # 3 November: the others are not late yet
    late = periods.board(Reader(city).cursor(), date(2025, 10, 1), date(2025, 10, 1), today=date(2025, 11, 6))
    assert late.filter(late["unit_name"] != "临猗县").get_column("status").unique().to_list() == ["缺报"]


def test_an_admin_closes_the_month_naming_who_is_missing_and_can_reopen_it(city, tmp_path):
    before = figures(city)
    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    missing = periods.close_month(city, date(2025, 10, 1), "admin")
    assert len(missing) == 18 and "临猗县" not in missing and missing[0] == "盐湖区"
    closed = figures(city)
    assert (closed["signed_projects"], closed["as_of"]) == (403, date(2025, 10, 31))
    assert period_state(city).published_through == date(2025, 10, 31)
    with pytest.raises(periods.PeriodRefused, match="已经发布过"):
        periods.close_month(city, date(2025, 10, 1), "admin")

    periods.reopen_month(city, date(2025, 10, 1), "admin")
    assert figures(city) == before
    from warehouse import accounts

    assert [e.action for e in accounts.store().audit_log()][:2] == [accounts.PERIOD_REOPEN, accounts.PERIOD_CLOSE]


def test_nil_reports_complete_a_month(city, tmp_path):
    # 本月无新增 is a report; silence is not
    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    from base.reference import load_reference

    others = [u.unit_id for u in load_reference().units if u.name != "临猗县"]
    for unit_id in others[:-1]:
        periods.file_nil_report(city, unit_id, date(2025, 10, 1), "staff")
    assert period_state(city).open_label() == "（未完结，已报 18/19）"
    assert figures(city)["signed_projects"] == 402
    periods.file_nil_report(city, others[-1], date(2025, 10, 1), "staff")
    assert period_state(city).published_through == date(2025, 10, 31)
    assert figures(city)["signed_projects"] == 403
    with pytest.raises(periods.PeriodRefused, match="已经报送过2025年10月（本月无新增）"):
        periods.file_nil_report(city, others[0], date(2025, 10, 1), "staff")
    with pytest.raises(periods.PeriodRefused, match="已经报送过2025年10月（台账）"):
        periods.file_nil_report(city, load_reference().units[1].unit_id, date(2025, 10, 1), "staff")


def test_rolling_back_the_early_upload_leaves_no_open_month(city, tmp_path):
    from warehouse.history import rollback

    result = load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    rollback(city, result.load_id, "admin")
    state = period_state(city)
    assert (state.published_through, state.open_through, state.open_label()) == (date(2025, 9, 30), date(2025, 9, 30), "")
    assert figures(city, include_open=True) == figures(city)


def test_summary_reports_the_published_period_and_counts_open_months_on_request(city, tmp_path):
    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    env = {**os.environ, "WAREHOUSE_DB": str(city)}

    def summary(*extra):
        result = subprocess.run([sys.executable, "-m", "warehouse", "summary", "--year", "2025", "--json", *extra],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    published, everything = summary(), summary("--include-open")
    assert (published["signed_projects"], published["as_of"], published["published_through"]) == (402, "2025-09-30", "2025-09")
    assert (everything["signed_projects"], everything["as_of"], everything["published_through"]) == (403, "2025-10-31", "2025-09")
    assert set(published) == set(everything)


def test_the_period_command_closes_and_shows_the_months(city, tmp_path):
    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    env = {**os.environ, "WAREHOUSE_DB": str(city)}

    def period(*args):
        return subprocess.run([sys.executable, "-m", "warehouse", "period", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    status = period("status")
    assert status.returncode == 0, status.stderr
    assert "已发布至：2025年9月" in status.stdout
    assert "2025-10  未完结  已报 1/19，未报：盐湖区、万荣县" in status.stdout
    bad = period("close", "2025/10")
    assert (bad.returncode, bad.stderr.strip()) == (1, "错误：月份「2025/10」格式不对，应为 YYYY-MM，如 2025-10")
    closed = period("close", "2025-10", "--user", "市中心管理员")
    assert closed.returncode == 0, closed.stderr
    assert closed.stdout.startswith("已发布 2025年10月，未报单位：盐湖区、万荣县")
    assert "已发布至：2025年10月" in closed.stdout


# ---------------------------------------------------------------- pages


@pytest.fixture
def staff_on_city(city, staff_env, monkeypatch):
    """The pages over the private sample copy, with accounts of their own."""
    point_at(monkeypatch, city)
    from warehouse import accounts

    accounts.store().add_user("admin", "admin", "s3cret password")
    accounts.store().add_user("临猗上传员", "uploader", "s3cret password", ["临猗县"])
    return city


def logged_in(page: str, name: str):
    at = routed(page)
    at.text_input[0].input(name)
    at.text_input[1].input("s3cret password")
    at.button[0].click()
    return at.run()


def test_the_centre_closes_the_open_month_from_the_data_page(staff_on_city, tmp_path):
    load_file(early_october(tmp_path), db=staff_on_city, user="临猗上传员")
    at = logged_in("pages/manage/data.py", "admin")
    assert not at.exception
    at.selectbox(key="board_end").select(date(2025, 10, 1)).run()
    board = next(d.value for d in at.dataframe if "单位" in d.value.columns)  # pandas, as AppTest gives it
    assert len(board) == 19 and list(board.columns[1:]) == [f"2025年{m}月" for m in range(5, 11)]
    october = dict(zip(board["单位"], board["2025年10月"]))
    assert october.pop("临猗县") == "逾期报送" and set(october.values()) == {"缺报"}
    assert any("报送：10月已报 1/19（未完结，未计入）" in c.value for c in at.caption)
    at.selectbox(key="close_month").select(date(2025, 10, 1))
    at.checkbox(key="close_confirm").check().run()
    at.button(key="close_month_button").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["已发布 2025年10月"]
    assert period_state(staff_on_city).published_through == date(2025, 10, 31)


def test_an_uploader_files_a_nil_report_for_its_own_unit_only(staff_on_city):
    at = logged_in("pages/manage/upload.py", "临猗上传员")
    assert not at.exception
    assert at.selectbox(key="nil_unit").options == ["临猗县"]
    at.button(key="nil_button").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("已报送：临猗县") and at.success[0].value.endswith("本月无新增")


def test_the_overview_stands_at_the_published_period_and_labels_the_open_month(city, tmp_path, monkeypatch):
    import streamlit as st
    from conftest import open_page

    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    monkeypatch.setenv("WAREHOUSE_DB", str(city))
    st.cache_data.clear()
    st.cache_resource.clear()

    published = open_page("pages/analysis/overview.py", year="2025")
    assert published.caption[0].value.startswith("2025年1-9月 · 数据截至 2025年09月30日 · 报送：10月已报 1/19（未完结，未计入）")
    assert published.metric[0].value == "402 个"
    assert published.sidebar.checkbox[0].label == "包含未完结的2025年10月（已报 1/19）"

    opened = open_page("pages/analysis/overview.py", year="2025", months="1-10", open="1")
    assert opened.caption[0].value.startswith("2025年1-10月（未完结，已报 1/19） · 数据截至 2025年10月31日 · 报送：10月已报 1/19（已计入，未完结）")
    assert opened.metric[0].value == "403 个"


@pytest.mark.file_only  # rebuild replays a file warehouse's archive
def test_a_rebuild_from_the_archive_keeps_closed_months_and_nil_reports(city, tmp_path):
    from etl.rebuild import rebuild

    load_file(early_october(tmp_path), db=city, user="临猗县上传员")
    periods.file_nil_report(city, "140802", date(2025, 10, 1), "盐湖区上传员")
    periods.close_month(city, date(2025, 10, 1), "admin")
    out = tmp_path / "rebuilt" / "warehouse.duckdb"
    assert all(r.ok for r in rebuild(city, out))
    assert period_state(out) == period_state(city)
    assert figures(out) == figures(city)
    assert periods.months(Reader(out).cursor()).equals(periods.months(Reader(city).cursor()))
