"""Derive the current state from the recorded loads; run inside every write."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from base.config import limits
from base.reference import Reference, load_reference, load_targets

from .db import SQL_DIR, connect_readonly, migrations, writer


def refresh_reference(con: duckdb.DuckDBPyConnection, reference: Reference) -> None:
    units = pl.DataFrame(
        [
            {
                "unit_id": u.unit_id,
                "name": u.name,
                "kind": u.kind,
                "adcode": u.adcode,
                "host_adcode": u.host_adcode,
                "stat_code": u.stat_code,
                "lon": u.lon,
                "lat": u.lat,
                "sort_order": i,
            }
            for i, u in enumerate(reference.units)
        ],
        schema_overrides={"lon": pl.Float64, "lat": pl.Float64},
    )
    chains = pl.DataFrame({"chain": list(reference.chains), "sort_order": range(len(reference.chains))})
    # strings: DuckDB casts them to the table's types on insert
    targets = pl.DataFrame(
        load_targets(), schema={"year": pl.String, "unit": pl.String, "metric": pl.String, "target": pl.String}
    )
    for table, frame in (("ref_units", units), ("ref_chains", chains), ("ref_targets", targets)):
        con.register("frame", frame)
        # rewritten only when city.toml changed them: on a lake every rewrite is new files
        con.execute(f"create or replace temp view incoming as (from {table} limit 0) union all by name (from frame)")
        changed = con.execute(
            f"select exists (from {table} except all from incoming) or exists (from incoming except all from {table})"
        ).fetchall()[0][0]
        if changed:
            con.execute(f"delete from {table}")
            con.execute(f"insert into {table} by name select * from frame")
        con.execute("drop view incoming")
        con.unregister("frame")


# share of projects appended out of signed-date order (out_of_order) that makes a write
# reorder the table
REORDER_SHARE = 1 / 8


def put_projects_in_order(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite projects in signed-date order (seconds at a million projects, once in many writes).

    A page's year filter then reads one year's row groups instead of every one; projects
    an incremental write appended (at the end, in any year) undo that bit by bit.
    """
    con.execute(
        "create or replace temp table ordered_projects as "
        "select * from projects order by signed_date nulls last, unit_id, project_key"
    )
    con.execute("delete from projects")
    con.execute("insert into projects select * from ordered_projects")
    con.execute("drop table ordered_projects")


def out_of_order(con: duckdb.DuckDBPyConnection) -> int:
    """Projects this write appended before the latest year already in the table.

    A year filter skips row groups by their signed-date range, so only a project of an
    earlier year placed after later ones (a start reported for an old project) spoils it.
    """
    return con.execute("""
        with kept as (
            select max(year(signed_date)) as last_year
            from projects
            where project_key not in (select project_key from affected_keys)
        )
        select count(*)
        from projects
        where project_key in (select project_key from affected_keys)
          and year(signed_date) < (select last_year from kept)
    """).fetchone()[0]


def code_fingerprint() -> str:
    """The derivation, the views and the stored warnings as this code defines them."""
    files = [f for part in ("periods", "derive", "views", "stored") for f in sorted((SQL_DIR / part).glob("*.sql"))]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def refresh(con: duckdb.DuckDBPyConnection, changed_loads: list[int] | None = None,
            reference: Reference | None = None) -> None:
    """Reference tables, the projects the changed loads touch, the views, the stored warnings.

    With no changed_loads, or when the derivation or views changed since the last write,
    everything is derived again. Leaves temp tables affected_keys and projects_before
    for the change record.
    """
    reference = reference or load_reference()
    refresh_reference(con, reference)
    fingerprint = code_fingerprint()
    state = con.execute("select fingerprint, unordered_projects from derive_state").fetchone()
    full = changed_loads is None or state is None or state[0] != fingerprint
    changed_loads = [*(changed_loads or []), *refresh_periods(con, reference)]
    con.execute("create or replace temp table changed_loads (load_id integer)")
    if changed_loads:
        con.executemany("insert into changed_loads values (?)", [[i] for i in set(changed_loads)])
    for file in sorted((SQL_DIR / "derive").glob("*.sql")):
        # $full is the only parameter; a literal, because a script of several statements
        # cannot be prepared with parameters
        con.execute(file.read_text(encoding="utf-8").replace("$full", "true" if full else "false"))
    unordered = 0 if full else state[1] + out_of_order(con)
    if unordered > con.execute("select count(*) from projects").fetchone()[0] * REORDER_SHARE:
        put_projects_in_order(con)
        unordered = 0
    con.execute("delete from derive_state")
    con.execute("insert into derive_state values (?, ?)", [fingerprint, unordered])
    for file in sorted((SQL_DIR / "views").glob("*.sql")):
        con.execute(file.read_text(encoding="utf-8"))
    store_warnings(con)


def refresh_periods(con: duckdb.DuckDBPyConnection, reference: Reference) -> list[int]:
    """Who reported which month and the published period (sql/periods).

    Returns the loads with rows in the months that a move of the published period publishes
    or withdraws: their projects must be derived again.
    """
    before = con.execute("select published_through from period_state").fetchone()
    con.execute("create or replace temp table expected_units (unit_id varchar)")
    if reference.expected_units:
        con.executemany("insert into expected_units values (?)", [[u] for u in reference.expected_units])
    reported_before = "true" if reference.expected_units is None else "false"
    for file in sorted((SQL_DIR / "periods").glob("*.sql")):
        con.execute(file.read_text(encoding="utf-8").replace("$reported_before", reported_before))
    after = con.execute("select published_through from period_state").fetchone()
    old, new = (before or [None])[0], after[0]
    if before is not None and old == new:
        return []
    low, high = sorted([old or date.min, new or date.min])
    return [load_id for (load_id,) in con.execute(
        "select distinct load_id from ledger_rows where period_end > ? and period_end <= ?", [low, high]
    ).fetchall()]


def store_warnings(con: duckdb.DuckDBPyConnection) -> None:
    """The rolling warnings of the data date under city.toml's limits (sql/stored)."""

    params = limits().params()
    for file in sorted((SQL_DIR / "stored").glob("*.sql")):
        con.execute(file.read_text(encoding="utf-8"), params).fetchall()


def is_current(path: Path) -> bool:
    """Whether the warehouse file has every migration, derivation and view of this code."""
    con = connect_readonly(path)
    try:
        applied = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
        stored = con.execute("select fingerprint from derive_state").fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return {v for v, _ in migrations()} <= applied and stored is not None and stored[0] == code_fingerprint()


def ensure_current(path: Path) -> None:
    """Bring a warehouse written by an older version of the code up to date.

    Views and derived tables live in the file, so new page code over an old file would
    query views that do not exist yet; one write (migrations, derivation, views) fixes it.
    """
    if path.exists() and not is_current(path):
        with writer(path) as con:
            refresh(con, [])
