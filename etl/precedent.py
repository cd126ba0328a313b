"""Amounts far beyond what a unit has ever signed: checked against the warehouse.

The ceiling for one project (etl.checks) catches a 万元 typed under a 亿元 header in most
ledgers; a small county's slip may stay under it yet be a hundred times its largest project
so far. Like the code check (etl/ownership.py) it needs the warehouse, so it runs in the
preview and again under the write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import polars as pl

from base.reference import load_reference
from warehouse.queries import run

from .problems import AmountProblem
from .read import Ledger

CHECKED = (("signed_amount", "签约金额"), ("planned_investment", "计划总投资"))


@dataclass(frozen=True)
class HistoryProblem(AmountProblem):
    """An amount far beyond its unit's history (found again at each check)."""


def check_history(con, ledger: Ledger, confirmed: bool = False) -> Ledger:
    """The ledger with the history problems of the warehouse behind `con` (replacing any
    found earlier); confirmed: the uploader's word that the amounts are right."""
    reference = load_reference()
    kept = [p for p in ledger.problems if not isinstance(p, HistoryProblem)]
    if ledger.rows.is_empty():
        return replace(ledger, problems=kept)
    largest = run(con, "unit_largest").filter(pl.col("projects") >= reference.history_min_projects)
    names = {u.unit_id: u.name for u in reference.units}
    found = []
    for field, label in CHECKED:
        columns = {s.name: c for s in ledger.sheets for c in s.columns if c.field == field}
        beyond = ledger.rows.join(largest, on="unit_id").filter(
            (pl.col(f"{field}_wan") >= reference.history_min_amount_wan)
            & (pl.col(f"{field}_wan") > pl.col("largest_wan") * reference.history_factor)
        )
        for row in beyond.iter_rows(named=True):
            column = columns.get(row["sheet"])
            amount, largest_wan = Decimal(row[f"{field}_wan"]), Decimal(row["largest_wan"])
            why = (
                f"{label} {_yi(amount)} 是{names.get(row['unit_id'], row['unit_id'])}以往最大签约项目"
                f"（{_yi(largest_wan)}）的 {amount / largest_wan:,.0f} 倍"
            )
            found.append(HistoryProblem.found(
                confirmed, why, ledger.file_name, row["sheet"], row["excel_row"],
                column.letter if column else None, column.header if column else label, _yi(amount),
            ))
    return replace(ledger, problems=kept + found)


def _yi(wan: Decimal) -> str:
    return f"{wan / 10_000:,.2f} 亿元"
