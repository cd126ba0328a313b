"""What a load changed, and rollback restoring exactly the state without that load."""

from datetime import date
from decimal import Decimal

from conftest import rows
from etl.parse import Period
from warehouse import build, history
from warehouse.db import Reader, writer
from warehouse.ingest import record_load


def load(db, frame, kind, name, period=None):
    with writer(db) as con:
        load_id = record_load(con, frame, file_name=name, sha256=name, kind=kind, user="t", period=period)
        build.refresh(con, [load_id])
        history.record_changes(con, load_id, "load", "t")
    return load_id


def table(db, sql):
    return Reader(db).cursor().sql(sql).fetchall()


Q1 = rows([
    {"project_name": "甲", "unit_id": "140821", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(100)},
    {"project_name": "乙", "unit_id": "140821", "signed_date": date(2024, 2, 5), "signed_amount_wan": Decimal(200)},
], period_end=date(2024, 3, 31))
H1 = rows([
    {"project_name": "甲", "unit_id": "140821", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(150)},
    {"project_name": "丙", "unit_id": "140821", "signed_date": date(2024, 5, 5), "signed_amount_wan": Decimal(300)},
], period_end=date(2024, 6, 30))
STARTS = rows([{"project_name": "甲", "unit_id": "140821", "start_date": date(2024, 7, 1)}], kind="started", period_end=date(2024, 7, 31))


def test_changes_name_new_changed_started_and_disappeared(db):
    load(db, Q1, "signed", "q1")
    h1 = load(db, H1, "signed", "h1")
    starts = load(db, STARTS, "started", "starts")
    changes = table(db, f"select change, project_name, field, old_value, new_value from load_changes where load_id = {h1} order by all")
    assert changes == [
        ("changed", "甲", "signed_amount_wan", "100.0000", "150.0000"),
        ("new", "丙", None, None, None),
    ]
    assert table(db, f"select change, project_name, field from load_changes where load_id = {starts}") == [("started", "甲", "start_date")]


def test_disappeared_from_a_cumulative_series(db):
    # 1-3月 then 1-6月 of the same series: 乙 is missing from 1-6月
    load(db, Q1, "signed", "q1", Period(date(2024, 1, 1), date(2024, 3, 31), "2024年1-3月", True))
    h1 = load(db, H1, "signed", "h1", Period(date(2024, 1, 1), date(2024, 6, 30), "2024年1-6月", True))
    assert ("disappeared", "乙") in table(db, f"select change, project_name from load_changes where load_id = {h1}")


def test_rollback_restores_exactly_the_state_without_the_load(db, tmp_path):
    load(db, Q1, "signed", "q1")
    h1 = load(db, H1, "signed", "h1")
    load(db, STARTS, "started", "starts")
    history.rollback(db, h1, "admin")

    without = tmp_path / "without.duckdb"
    load(without, Q1, "signed", "q1")
    load(without, STARTS, "started", "starts")
    query = "select * exclude (signed_source, start_source) from projects order by project_key"
    assert table(db, query) == table(without, query)
    # the facts derived for every page's first queries follow the rollback too
    for summary in ("select * from v_as_of", "select * from signed_years order by year"):
        assert table(db, summary) == table(without, summary), summary
    assert table(db, "select action from load_events order by event_at") == [("load",), ("load",), ("load",), ("rollback",)]
    assert table(db, f"select count(*) from ledger_rows where load_id = {h1}") == [(2,)]  # nothing is lost
