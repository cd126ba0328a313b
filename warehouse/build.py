"""Derive the current state from the recorded loads; run inside every write."""

from __future__ import annotations

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


def refresh(con: duckdb.DuckDBPyConnection, reference: Reference | None = None) -> None:
    """Reference tables, then derived tables, then views, in file order."""
    refresh_reference(con, reference or load_reference())
    for folder in ("derive", "views"):
        for file in sorted((SQL_DIR / folder).glob("*.sql")):
            con.execute(file.read_text(encoding="utf-8"))
