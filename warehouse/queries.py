"""The query API: run a named .sql file of sql/queries with filters, get a polars frame."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import polars as pl

from .db import SQL_DIR
from .metrics import ratio, yi


@dataclass(frozen=True)
class Filters:
    """What a page's sidebar selects; an empty tuple means all."""

    year: int
    month_from: int = 1
    month_to: int = 12
    units: tuple[str, ...] = field(default_factory=tuple)
    chains: tuple[str, ...] = field(default_factory=tuple)

    def previous_year(self) -> "Filters":
        return Filters(self.year - 1, self.month_from, self.month_to, self.units, self.chains)

    def params(self) -> dict:
        return {
            "year": self.year,
            "month_from": self.month_from,
            "month_to": self.month_to,
            "units": list(self.units),
            "chains": list(self.chains),
        }


@lru_cache(maxsize=None)
def sql(name: str) -> tuple[str, frozenset[str]]:
    text = (SQL_DIR / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    return text, frozenset(re.findall(r"\$([a-z_]+)", text))


def run(cur: duckdb.DuckDBPyConnection, name: str, filters: Filters | None = None, **params) -> pl.DataFrame:
    """Execute sql/queries/<name>.sql; parameters it does not use are not passed."""
    text, wanted = sql(name)
    given = {**(filters.params() if filters else {}), **params}
    start = time.perf_counter()
    frame = cur.sql(text, params={k: v for k, v in given.items() if k in wanted}).pl()
    if QUERY_LOG:
        _log_query(name, time.perf_counter() - start, frame.height)
    return frame


@dataclass(frozen=True)
class Listing:
    """The first rows of a long list, how many rows it has, and (if asked) per value of a column."""

    rows: pl.DataFrame
    total: int
    counts: dict = field(default_factory=dict)


def run_listing(cur: duckdb.DuckDBPyConnection, name: str, filters: Filters | None = None, *,
                limit: int, count_by: str | None = None, **params) -> Listing:
    """The first `limit` rows of sql/queries/<name>.sql in its order, and the row counts.

    A province-wide list has 100,000 rows that nobody reads on screen: fetching and
    formatting them all cost more than the rest of the page. The download runs `run`.
    """
    text, wanted = sql(name)
    body = text.rstrip().rstrip(";")
    given = {**(filters.params() if filters else {}), **params}
    used = {k: v for k, v in given.items() if k in wanted}
    start = time.perf_counter()
    # a plain limit over the query keeps its order (DuckDB turns order by + limit into top-n)
    rows = cur.sql(f"select * from (\n{body}\n) limit {int(limit)}", params=used).pl()
    counts: dict = {}
    if count_by:
        grouped = cur.sql(f"select {count_by} as value, count(*) as n from (\n{body}\n) group by all", params=used)
        counts = dict(grouped.fetchall())
        total = sum(counts.values())
    elif rows.height < limit:
        total = rows.height
    else:
        total = cur.sql(f"select count(*) from (\n{body}\n)", params=used).fetchall()[0][0]
    if QUERY_LOG:
        _log_query(f"{name} (first {limit})", time.perf_counter() - start, rows.height)
    return Listing(rows, total, counts)


# $WAREHOUSE_QUERY_LOG: a file that gets one JSON line per query run (name, seconds, rows),
# to see which queries a slow page runs and what each costs (the benchmarks read it)
QUERY_LOG = os.environ.get("WAREHOUSE_QUERY_LOG")


def _log_query(name: str, seconds: float, rows: int) -> None:
    line = json.dumps({"query": name, "seconds": round(seconds, 6), "rows": rows, "pid": os.getpid()})
    with open(QUERY_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def headline(cur: duckdb.DuckDBPyConnection, filters: Filters) -> dict:
    """The headline figures in display units (亿元, fractions), plus the data date."""
    row = run(cur, "headline", filters).row(0, named=True)
    as_of = run(cur, "as_of").item()
    return {
        "year": filters.year,
        "signed_projects": row["signed_projects"],
        "signed_amount_yi": yi(row["signed_amount_wan"]),
        "started_projects": row["started_projects"],
        "start_rate": ratio(row["started_projects"], row["signed_projects"]),
        "started_planned_investment_yi": yi(row["started_planned_wan"]),
        "funds_in_place_yi": yi(row["funds_wan"]),
        "funds_rate": ratio(row["funds_wan"], row["signed_amount_wan"]),
        "projects_over_1yi": row["projects_over_1yi"],
        "as_of": as_of,
    }
