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
    if holders.is_empty():
        return []
    names = {u.unit_id: u.name for u in load_reference().units}
    columns = {s.name: c for s in ledger.sheets for c in s.columns if c.field == "project_code"}
    clashes = rows.join(holders, on="project_code", suffix="_holder").filter(pl.col("unit_id") != pl.col("unit_id_holder"))
    problems: list[Problem] = []
    for row in clashes.unique(["sheet", "excel_row", "unit_id_holder"], maintain_order=True).iter_rows(named=True):
        code, holder, unit = row["project_code"], row["unit_name"], names.get(row["unit_id"], row["unit_id"])
        if admin:
            level = "warning"
            message = f"此行将把项目「{row['project_name_holder']}」从{holder}划转到{unit}（项目代码 {code}），导入后记入变更记录"
        else:
            level = "error"
            message = (
                f"项目代码 {code} 已属于{holder}的项目「{row['project_name_holder']}」，不能由{unit}报送；"
                "如确属同一项目易地，请联系市中心管理员办理划转"
            )
        column = columns.get(row["sheet"])
        problems.append(CodeProblem(
            level, message, ledger.file_name, row["sheet"], row["excel_row"],
            column.letter if column else None, column.header if column else "项目代码", code,
        ))
    return problems


def name_problems(ledger: Ledger, rows: pl.DataFrame, holders: pl.DataFrame, *, admin: bool) -> list[Problem]:
    """One problem per row whose name (in its unit) a project now of another unit holds."""
    if holders.is_empty():
        return []
    names = {u.unit_id: u.name for u in load_reference().units}
    columns = {s.name: c for s in ledger.sheets for c in s.columns if c.field == "project_name"}
    clashes = rows.join(holders, on="name_key", suffix="_holder").filter(pl.col("unit_id") != pl.col("unit_id_holder"))
    problems: list[Problem] = []
    for row in clashes.unique(["sheet", "excel_row", "unit_id_holder"], maintain_order=True).iter_rows(named=True):
        holder, unit, name = row["unit_name"], names.get(row["unit_id"], row["unit_id"]), row["project_name"]
        if admin:
            level = "warning"
            message = f"此行将把项目「{row['project_name_holder']}」从{holder}划转到{unit}，导入后记入变更记录"
        else:
            level = "error"
            message = f"项目「{row['project_name_holder']}」已流转给{holder}，不能再由{unit}报送；如有疑问请联系市中心管理员"
        column = columns.get(row["sheet"])
        problems.append(CodeProblem(
            level, message, ledger.file_name, row["sheet"], row["excel_row"],
            column.letter if column else None, column.header if column else "项目名称", name,
        ))
    return problems
