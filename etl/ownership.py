"""Project codes another unit's project already holds.

A project's identity is its national project code (README, Data model), so a row that
reuses another unit's code joins that project and moves it, with its amount, to the row's
unit. Only an administrator may do that (a 划转, shown as a warning and recorded in the
load's changes); for an uploader bound to units it is an error in the code's cell.

A project without a code is keyed by its unit and name, and keeps that key when the centre
passes it on to another unit (项目流转, /entry): a row of the unit it left with that name
would join it and move it back, so it is checked the same way, in the name's cell.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from base.reference import load_reference
from warehouse.queries import code_holders, name_holders

from .problems import Problem
from .read import Ledger


@dataclass(frozen=True)
class CodeProblem(Problem):
    """A problem found against the warehouse (not in the file): checked again at commit."""


def check_codes(con, ledger: Ledger, allowed_units) -> Ledger:
    """The ledger with the code problems of the warehouse behind `con` (replacing any found
    earlier, e.g. in the preview). allowed_units None: an administrator's load (transfers are
    warnings); a set of unit ids: an uploader's (transfers are errors)."""
    kept = [p for p in ledger.problems if not isinstance(p, CodeProblem)]
    rows = ledger.rows.filter(pl.col("project_code").is_not_null() & pl.col("unit_id").is_not_null())
    found: list[Problem] = []
    if rows.height:
        holders = code_holders(con, rows.get_column("project_code").to_list())
        found = code_problems(ledger, rows, holders, admin=allowed_units is None)
    named = ledger.rows.filter(pl.col("project_code").is_null() & pl.col("name_key").is_not_null())
    if named.height:
        holders = name_holders(con, named.get_column("name_key").to_list())
        found += name_problems(ledger, named, holders, admin=allowed_units is None)
    return replace(ledger, problems=kept + found)


def code_problems(ledger: Ledger, rows: pl.DataFrame, holders: pl.DataFrame, *, admin: bool) -> list[Problem]:
    """One problem per row whose code a project of another unit holds."""
    def says(row, holder, unit):
        code = row["project_code"]
        if admin:
            return f"此行将把项目「{row['project_name_holder']}」从{holder}划转到{unit}（项目代码 {code}），导入后记入变更记录"
        return (
            f"项目代码 {code} 已属于{holder}的项目「{row['project_name_holder']}」，不能由{unit}报送；"
            "如确属同一项目易地，请联系市中心管理员办理划转"
        )

    return _clashes(ledger, rows, holders, says, key="project_code", field="project_code", header="项目代码", admin=admin)


def name_problems(ledger: Ledger, rows: pl.DataFrame, holders: pl.DataFrame, *, admin: bool) -> list[Problem]:
    """One problem per row whose name (in its unit) a project now of another unit holds."""
    def says(row, holder, unit):
        if admin:
            return f"此行将把项目「{row['project_name_holder']}」从{holder}划转到{unit}，导入后记入变更记录"
        return f"项目「{row['project_name_holder']}」已流转给{holder}，不能再由{unit}报送；如有疑问请联系市中心管理员"

    return _clashes(ledger, rows, holders, says, key="name_key", field="project_name", header="项目名称", admin=admin)


def _clashes(ledger: Ledger, rows: pl.DataFrame, holders: pl.DataFrame, says, *, key: str, field: str,
             header: str, admin: bool) -> list[Problem]:
    """Rows whose `key` a project of another unit holds: a warning (划转) for an administrator,
    an error for an uploader, in the cell of `field` (headed `header` when the sheet lacks it)."""
    if holders.is_empty():
        return []
    names = {u.unit_id: u.name for u in load_reference().units}
    columns = {s.name: c for s in ledger.sheets for c in s.columns if c.field == field}
    clashes = rows.join(holders, on=key, suffix="_holder").filter(pl.col("unit_id") != pl.col("unit_id_holder"))
    problems: list[Problem] = []
    for row in clashes.unique(["sheet", "excel_row", "unit_id_holder"], maintain_order=True).iter_rows(named=True):
        unit = names.get(row["unit_id"], row["unit_id"])
        column = columns.get(row["sheet"])
        problems.append(CodeProblem(
            "warning" if admin else "error", says(row, row["unit_name"], unit), ledger.file_name, row["sheet"],
            row["excel_row"], column.letter if column else None, column.header if column else header, row[field],
        ))
    return problems
