"""Derivation of projects and the headline metrics on hand-made warehouses."""

from datetime import date
from decimal import Decimal

import polars as pl

from conftest import add_load, rows
from warehouse.db import Reader
from warehouse.queries import Filters, headline


def figures(db, year=2024, **kw):
    return headline(Reader(db).cursor(), Filters(year, **kw))


def test_cumulative_sheets_count_each_project_once(db):
    q1 = rows([
        {"project_name": "铝材项目", "unit_id": "140821", "signed_date": date(2024, 2, 1), "signed_amount_wan": Decimal(10000)},
    ], period_end=date(2024, 3, 31), sheet="1-3月")
    h1 = rows([
        # the same project re-listed with a corrected amount, and a new one
        {"project_name": "铝材", "unit_id": "140821", "signed_date": date(2024, 2, 1), "signed_amount_wan": Decimal(12000)},
        {"project_name": "储能电站", "unit_id": "140802", "signed_date": date(2024, 5, 1), "signed_amount_wan": Decimal(500000)},
    ], period_end=date(2024, 6, 30), sheet="1-6月")
    add_load(db, q1, "signed")
    add_load(db, h1, "signed")
    f = figures(db)
    assert (f["signed_projects"], f["signed_amount_yi"]) == (2, Decimal("51.20"))


def test_start_rate_counts_the_signed_cohort_and_ignores_unmatched_starts(db):
    signed = rows([
        {"project_name": f"项目{i}", "unit_id": "140822", "signed_date": date(2024, 1, 10), "signed_amount_wan": Decimal(100)}
        for i in range(4)
    ] + [{"project_name": "旧项目", "unit_id": "140822", "signed_date": date(2023, 6, 1), "signed_amount_wan": Decimal(100)}])
    started = rows([
        {"project_name": "项目0", "unit_id": "140822", "start_date": date(2024, 3, 1), "planned_investment_wan": Decimal(50), "funds_in_place_wan": Decimal(5)},
        {"project_name": "项目1项目", "unit_id": "140822", "start_date": date(2024, 4, 1), "planned_investment_wan": Decimal(70), "funds_in_place_wan": Decimal(7)},
        {"project_name": "旧项目", "unit_id": "140822", "start_date": date(2024, 2, 1), "planned_investment_wan": Decimal(999)},
        {"project_name": "没有签约的项目", "unit_id": "140822", "start_date": date(2024, 2, 1), "planned_investment_wan": Decimal(999)},
    ], kind="started", period_end=date(2024, 6, 30))
    add_load(db, signed, "signed")
    add_load(db, started, "started")
    f = figures(db)
    assert f["signed_projects"] == 4
    assert f["started_projects"] == 2
    assert f["start_rate"] == Decimal("0.5")
    assert f["started_planned_investment_yi"] == Decimal("0.01")  # 120 万元
    assert f["funds_in_place_yi"] == Decimal("0.00")  # 12 万元
    cur = Reader(db).cursor()
    assert cur.execute("select project_name from v_unmatched_starts").fetchall() == [("没有签约的项目",)]


def test_code_joins_rows_without_code(db):
    code = "2024-140821-30-03-012345"
    add_load(db, rows([{"project_name": "A厂", "project_code": code, "unit_id": "140821", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(1)}]), "signed")
    add_load(db, rows([{"project_name": "A厂", "unit_id": "140821", "start_date": date(2024, 2, 5)}], kind="started"), "started")
    assert figures(db)["started_projects"] == 1


def test_filters_select_units_chains_and_months(db):
    add_load(db, rows([
        {"project_name": "a", "unit_id": "140821", "chain": "新能源", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(1)},
        {"project_name": "b", "unit_id": "140822", "chain": "新能源", "signed_date": date(2024, 5, 5), "signed_amount_wan": Decimal(1)},
        {"project_name": "c", "unit_id": "140822", "chain": "食品加工", "signed_date": date(2024, 9, 5), "signed_amount_wan": Decimal(1)},
    ]), "signed")
    assert figures(db)["signed_projects"] == 3
    assert figures(db, units=("140822",))["signed_projects"] == 2
    assert figures(db, chains=("新能源",))["signed_projects"] == 2
    assert figures(db, month_from=2, month_to=6)["signed_projects"] == 1


def test_incremental_derivation_equals_a_full_rebuild(tmp_path):
    """Each load re-derives only the projects it touches; the result must not depend on that."""
    from etl.sample import build_sample
    from warehouse import build
    from warehouse.db import writer

    db = tmp_path / "sample.duckdb"
    assert all(r.ok for r in build_sample(db))
    tables = ("projects", "pipeline_projects")
    queries = {t: f"select * from {t} order by project_key" for t in tables}
    incremental = {t: Reader(db).cursor().sql(q).fetchall() for t, q in queries.items()}
    assert all(incremental.values())
    with writer(db) as con:
        build.refresh(con)  # everything again
    for table, query in queries.items():
        assert Reader(db).cursor().sql(query).fetchall() == incremental[table], table


def test_a_warehouse_of_older_code_is_brought_up_to_date(db):
    """Views live in the file: new page code over an old file would query missing views."""
    from warehouse import build
    from warehouse.db import writer

    add_load(db, rows([{"project_name": "a", "unit_id": "140821", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(1)}]), "signed")
    with writer(db) as con:  # what an older version left: no such view, another fingerprint
        con.execute("drop view v_signed_projects")
        con.execute("update derive_state set fingerprint = 'older code'")
    assert not build.is_current(db)
    build.ensure_current(db)
    assert build.is_current(db)
    assert figures(db)["signed_projects"] == 1


def test_month_filters_keep_the_first_and_last_day_of_each_month(db):
    """signed_in filters by a signed_date range too (for row-group skipping); its edges must match."""
    days = (date(2023, 12, 31), date(2024, 1, 1), date(2024, 3, 31), date(2024, 4, 1), date(2024, 12, 31), date(2025, 1, 1))
    add_load(db, rows([
        {"project_name": f"p{i}", "unit_id": "140821", "signed_date": d, "signed_amount_wan": Decimal(1)}
        for i, d in enumerate(days)
    ]), "signed")
    assert figures(db)["signed_projects"] == 4
    assert figures(db, month_from=1, month_to=3)["signed_projects"] == 2
    assert figures(db, month_from=4, month_to=12)["signed_projects"] == 2
    assert figures(db, year=2025, month_from=1, month_to=1)["signed_projects"] == 1


def test_projects_out_of_signed_date_order_are_put_back_in_order(db, monkeypatch):
    """Year filters skip row groups only while projects is in signed-date order."""
    from warehouse import build

    def physical_order():
        cur = Reader(db).cursor()
        dates = [d for (d,) in cur.execute("select signed_date from projects order by rowid").fetchall()]
        unordered = cur.execute("select unordered_projects from derive_state").fetchone()[0]
        return dates, unordered

    monkeypatch.setattr(build, "REORDER_SHARE", 1 / 4)
    add_load(db, rows([
        {"project_name": f"新{i}", "unit_id": "140821", "signed_date": date(2024, 1 + i % 12, 1), "signed_amount_wan": Decimal(1)}
        for i in range(12)
    ]), "signed", name="2024.xlsx")
    dates, unordered = physical_order()
    assert dates == sorted(dates) and unordered == 0

    def older(n, name):
        add_load(db, rows([
            {"project_name": f"旧{name}{i}", "unit_id": "140822", "signed_date": date(2020, 6, 1 + i), "signed_amount_wan": Decimal(1)}
            for i in range(n)
        ]), "signed", name=name)

    older(2, "a.xlsx")  # 2 of 14 appended at the end: left there
    dates, unordered = physical_order()
    assert dates != sorted(dates) and unordered == 2
    older(3, "b.xlsx")  # 5 of 17 are out of order, over a quarter: the table is rewritten
    dates, unordered = physical_order()
    assert dates == sorted(dates) and unordered == 0
    assert figures(db, year=2020)["signed_projects"] == 5
    # a month of new signings lands after the latest year: still in order, nothing counted
    add_load(db, rows([
        {"project_name": "十二月", "unit_id": "140821", "signed_date": date(2024, 12, 20), "signed_amount_wan": Decimal(1)}
    ]), "signed", name="12.xlsx")
    assert physical_order()[1] == 0


def test_query_log_names_each_query_run_with_its_time_and_rows(db, tmp_path, monkeypatch):
    """$WAREHOUSE_QUERY_LOG is how a slow page is traced to its queries (benchmarks read it)."""
    import json

    from warehouse import queries

    add_load(db, rows([{"project_name": "a", "unit_id": "140821", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(1)}]), "signed")
    log = tmp_path / "queries.jsonl"
    monkeypatch.setattr(queries, "QUERY_LOG", str(log))
    figures(db)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(q["query"], q["rows"]) for q in lines] == [("headline", 1), ("as_of", 1)]
    assert all(q["seconds"] > 0 for q in lines)


def test_a_listing_is_the_head_of_the_full_query_with_its_counts(sample_db):
    """Pages show the first rows of long lists; the order and the counts must be the full query's."""
    from warehouse.queries import run, run_listing

    cur = Reader(sample_db).cursor()
    params = {"yellow_days": 90, "red_days": 180, "include_earlier": True}
    full = run(cur, "starts_warnings", Filters(2024), **params)
    assert full.height > 20
    listing = run_listing(cur, "starts_warnings", Filters(2024), limit=20, count_by=("level",), **params)
    assert listing.rows.equals(full.head(20))
    assert listing.total == full.height
    assert {level: listing.count(level=level) for level in ("红", "黄", "无")} == {
        level: (full["level"] == level).sum() for level in ("红", "黄", "无")
    }
    projects = run(cur, "signing_projects", Filters(2024), search="")
    assert run_listing(cur, "signing_projects", Filters(2024), limit=50, search="").rows.equals(projects.head(50))
    short = run_listing(cur, "signing_projects", Filters(2024), limit=5000, search="")
    assert (short.total, short.rows.height) == (539, 539)


def test_a_listing_finds_text_in_its_columns_as_typed_and_counts_every_row(sample_db):
    from warehouse.queries import run, run_listing

    cur = Reader(sample_db).cursor()
    params = {"yellow_days": 90, "red_days": 180, "include_earlier": True}
    full = run(cur, "starts_warnings", Filters(2024), **params)
    word = full["unit_name"][0]
    found = run_listing(cur, "starts_warnings", Filters(2024), limit=5, count_by=("level",),
                        contains=(("project_name", "unit_name"), word), **params)
    expected = full.filter(pl.col("project_name").str.contains(word, literal=True) | (pl.col("unit_name").str.contains(word, literal=True)))
    assert 5 < found.total == expected.height < full.height
    assert found.rows.equals(expected.head(5))
    assert found.count() == full.height  # the cards count every warning, not the search
    # the same rows and total without counts
    direct = run_listing(cur, "starts_warnings", Filters(2024), limit=5, contains=(("project_name", "unit_name"), word), **params)
    assert (direct.total, direct.rows.equals(found.rows)) == (found.total, True)
    # text is text: a pattern character finds only itself
    assert run_listing(cur, "starts_warnings", Filters(2024), limit=5, contains=(("project_name",), "%"), **params).total == 0
