"""What a load would change, told before it is loaded: the preview's prediction of the
change record (warehouse/sql/changes/load_changes.sql) from the live warehouse, read-only.

Like the ownership and history checks it needs the warehouse, so the upload page asks for
it after reading; nothing is written and no file is copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from warehouse.ingest import latest_date
from warehouse.queries import run

from .read import Ledger

CHANGE_COLUMNS = ("change", "project_key", "project_name", "unit_id", "unit_name", "field", "old_value", "new_value")


@dataclass(frozen=True)
class Duplicate:
    """An active load of exactly the same content."""

    load_id: int
    file_name: str
    loaded_by: str
    loaded_at: object  # datetime


@dataclass(frozen=True)
class Prediction:
    duplicate: Duplicate | None
    changes: pl.DataFrame  # CHANGE_COLUMNS, as load_changes will record them, plus 'stage'

    def projects(self, *changes: str) -> int:
        """How many projects have any of these changes."""
        rows = self.changes.filter(pl.col("change").is_in(changes))
        return rows.get_column("project_key").n_unique()

    @property
    def new(self) -> int:
        return self.projects("new")

    @property
    def changed(self) -> int:
        """Projects already stored whose figures, dates, chain, unit or stage change."""
        return self.projects("changed", "started", "transferred", "stage")

    @property
    def disappeared(self) -> int:
        return self.projects("disappeared")


def predict(con, ledger: Ledger) -> Prediction:
    """What loading `ledger` into the warehouse behind `con` (a cursor) would change."""
    found = run(con, "preview_duplicate", digest=ledger.sha256)
    if found.height:
        return Prediction(Duplicate(**found.row(0, named=True)), _empty())
    if ledger.rows.is_empty() or ledger.kind is None:
        return Prediction(None, _empty())
    period = ledger.period
    con.register("incoming", ledger.rows)
    try:
        changes = run(
            con, "preview_changes",
            kind=ledger.kind,
            period_start=period.start if period else None,
            period_end=period.end if period else latest_date(ledger.rows),
        )
    finally:
        con.unregister("incoming")
    return Prediction(None, changes)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.String for c in CHANGE_COLUMNS})
