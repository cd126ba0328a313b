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
    # count the months not yet published (sql/periods): an analyst's explicit choice
    include_open: bool = False

    def previous_year(self) -> "Filters":
        return Filters(self.year - 1, self.month_from, self.month_to, self.units, self.chains, self.include_open)

    def params(self) -> dict:
        return {
            "year": self.year,
            "month_from": self.month_from,
            "month_to": self.month_to,
            "units": list(self.units),
            "chains": list(self.chains),
        }


@dataclass(frozen=True)
class Order:
    """The order a long list is shown in: its .sql file selects the rows, in no order."""

    by: str  # an order by list over the rows' columns
    hidden: tuple[str, ...] = ()  # columns the rows carry only to be ordered by

    def select(self, rows: str, where: str = "true", limit: int | None = None) -> str:
        shown = f"* exclude ({', '.join(self.hidden)})" if self.hidden else "*"
        # the order by and the limit on one select: DuckDB keeps the first rows (top-n)
        # instead of sorting the whole list
        return f"select {shown} from (\n{rows}\n) where {where}\norder by {self.by}" + (f"\nlimit {int(limit)}" if limit else "")


# The long lists that run_listing shows in part: each is composed from its rows, this order,
# a filter and a limit, and counted over its unordered rows (an ordered subquery is sorted
# even under a count).
LISTINGS = {
    "signing_projects": Order("signed_amount_wan desc nulls last, signed_date, project_name"),
    "starts_warnings": Order("days_waiting desc, unit_order, project_name", hidden=("unit_order",)),
    "pipeline_warnings": Order("position", hidden=("position",)),
    "drill_signed": Order("signed_amount_wan desc nulls last, signed_date, project_name, project_key"),
    "drill_library": Order("library_amount_wan desc nulls last, project_name, project_key"),
}


@lru_cache(maxsize=None)
def _read(name: str) -> str:
    return (SQL_DIR / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def _params(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\$([a-z_]+)", text))


@lru_cache(maxsize=None)
def sql(name: str) -> tuple[str, frozenset[str]]:
    """The query of sql/queries/<name>.sql (a listing in its order) and its parameters."""
    text = LISTINGS[name].select(_read(name)) if name in LISTINGS else _read(name)
    return text, _params(text)


def use_open_state(cur: duckdb.DuckDBPyConnection) -> None:
    """Make this cursor see the open months too (sql/state/open.sql); other cursors are untouched."""
    [(database,)] = cur.execute("select current_database()").fetchall()
    cur.execute(_open_state_sql().replace("$db", f'"{database}"'))


@lru_cache(maxsize=None)
def _open_state_sql() -> str:
    return (SQL_DIR / "state" / "open.sql").read_text(encoding="utf-8")


def run(cur: duckdb.DuckDBPyConnection, name: str, filters: Filters | None = None, *, include_open: bool = False,
        **params) -> pl.DataFrame:
    """Execute sql/queries/<name>.sql; parameters it does not use are not passed. With
    include_open (or the filters'), the open months count (use_open_state)."""
    if include_open or (filters is not None and filters.include_open):
        use_open_state(cur)
    text, wanted = sql(name)
    given = {**(filters.params() if filters else {}), **params}
    start = time.perf_counter()
    frame = cur.sql(text, params={k: v for k, v in given.items() if k in wanted}).pl()
    if QUERY_LOG:
        _log_query(name, time.perf_counter() - start, frame.height)
    return frame


@dataclass(frozen=True)
class Listing:
    """The first rows of a long list, how many match, and counts over the whole list."""

    rows: pl.DataFrame  # the first rows that match `contains`, in the query's order
    total: int  # rows that match `contains`
    counts: pl.DataFrame  # rows per value of the count_by columns (column n), all rows

    def count(self, **values) -> int:
        """Rows whose count_by columns have these values."""
        match = self.counts
        for column, value in values.items():
            match = match.filter(pl.col(column) == value)
        return int(match.get_column("n").sum()) if match.height else 0


def run_listing(cur: duckdb.DuckDBPyConnection, name: str, filters: Filters | None = None, *,
                limit: int, count_by: tuple[str, ...] = (), contains: tuple[tuple[str, ...], str] | None = None,
                **params) -> Listing:
    """The first `limit` rows of the listing `name` (LISTINGS), with counts; contains = (columns, text).

    A province-wide list has 100,000 rows that nobody reads on screen: fetching them into
    Python, caching and formatting them cost more memory and time than the rest of the
    page. The download runs `run`.
    """
    if filters is not None and filters.include_open:
        use_open_state(cur)
    order, rows_sql = LISTINGS[name], _read(name)
    wanted = _params(rows_sql)
    given = {k: v for k, v in {**(filters.params() if filters else {}), **params}.items() if k in wanted}
    columns, needle = contains if contains and contains[1].strip() else ((), "")
    # any of the columns contains the text as typed (no pattern syntax)
    where = " or ".join(f"contains(coalesce({c}::varchar, ''), $needle)" for c in columns) or "true"
    found = {"needle": needle.strip()} if columns else {}
    start = time.perf_counter()
    rows = cur.sql(order.select(rows_sql, where, limit), params={**given, **found}).pl()
    counts = pl.DataFrame()
    if count_by:
        counts = cur.sql(
            f"select {', '.join(count_by)}, count(*) as n from (\n{rows_sql}\n) group by all", params=given
        ).pl()
    if rows.height < limit:
        total = rows.height
    elif count_by and not columns:
        total = int(counts.get_column("n").sum())
    else:
        total = cur.execute(f"select count(*) from (\n{rows_sql}\n) where {where}", {**given, **found}).fetchall()[0][0]
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


def code_holders(cur: duckdb.DuckDBPyConnection, codes) -> pl.DataFrame:
    """The projects that hold these national project codes now (project_code, project_key,
    project_name, unit_id, unit_name); a code nobody holds has no row."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return pl.DataFrame(schema={c: pl.String for c in ("project_code", "project_key", "project_name", "unit_id", "unit_name")})
    return run(cur, "code_holders", codes=codes)


def name_holders(cur: duckdb.DuckDBPyConnection, name_keys) -> pl.DataFrame:
    """The projects that hold these names (unit id:normalised name) now (name_key,
    project_key, project_name, unit_id, unit_name); a name nobody holds has no row."""
    name_keys = sorted({k for k in name_keys if k})
    if not name_keys:
        return pl.DataFrame(schema={c: pl.String for c in ("name_key", "project_key", "project_name", "unit_id", "unit_name")})
    return run(cur, "name_holders", name_keys=name_keys)
