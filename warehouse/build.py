"""Derive the current state from the recorded loads; run inside every write."""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl

from etl.reference import Reference, load_reference, load_targets

from .db import SQL_DIR


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
        con.execute(f"delete from {table}")
        con.register("frame", frame)
        con.execute(f"insert into {table} by name select * from frame")
        con.unregister("frame")


def refresh(con: duckdb.DuckDBPyConnection, changed_loads: list[int] | None = None,
            reference: Reference | None = None) -> None:
    """Reference tables, then the projects the changed loads touch, then the views.

    With no changed_loads (or when the derivation itself changed) everything is derived
    again. Leaves temp tables affected_keys and projects_before for the change record.
    """
    refresh_reference(con, reference or load_reference())
    derive = sorted((SQL_DIR / "derive").glob("*.sql"))
    fingerprint = hashlib.sha256(b"".join(f.read_bytes() for f in derive)).hexdigest()
    stored = con.execute("select fingerprint from derive_state").fetchone()
    full = changed_loads is None or stored is None or stored[0] != fingerprint
    con.execute("create or replace temp table changed_loads (load_id integer)")
    if changed_loads:
        con.executemany("insert into changed_loads values (?)", [[i] for i in changed_loads])
    for file in derive:
        # $full is the only parameter; a literal, because a script of several statements
        # cannot be prepared with parameters
        con.execute(file.read_text(encoding="utf-8").replace("$full", "true" if full else "false"))
    con.execute("delete from derive_state")
    con.execute("insert into derive_state values (?)", [fingerprint])
    for file in sorted((SQL_DIR / "views").glob("*.sql")):
        con.execute(file.read_text(encoding="utf-8"))
