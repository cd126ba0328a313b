"""项目流转: a unit offers a lead it cannot host, the centre assigns it to another unit.

The offer is a record (lead_transfers). The assignment moves the project: an entry load
(etl.entry) of the project under the receiving unit, which keeps the project's identity,
and the record of the assignment written in that load's transaction (`record_assignment`).
Rolling the load back undoes the move; the offer and its history stay.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from . import accounts
from .db import next_id, writer

# the stages a unit may pass on: a project signed or started in a unit stays there
OFFERED_STAGES = ("lead", "negotiating")


class TransferRefused(ValueError):
    """The offer or assignment cannot be made; str(e) says why in Chinese."""


def offer(db: str | Path | None, project_key: str, reason: str, user: str, ip: str | None = None) -> int:
    """Record that the project's unit offers it on; refused for a project not in the lead or
    negotiation library, or already offered. Returns the transfer id."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise TransferRefused("请填写流转原因（如：用地、产业定位不符等）")
    with writer(db, what="流转") as con:
        found = con.execute(
            "select project_name, unit_id, stage from projects_loaded where project_key = ?", [project_key]
        ).fetchall()
        if not found:
            raise TransferRefused("没有找到该项目，可能已被撤销；请刷新页面")
        name, unit_id, stage = found[0]
        if stage not in OFFERED_STAGES:
            raise TransferRefused(f"项目「{name}」已签约或开工，只有线索库、洽谈库的项目可以流转")
        if _open_offer(con, project_key):
            raise TransferRefused(f"项目「{name}」已提出流转，正等待市中心指派")
        transfer_id = next_id(con, "lead_transfers", "transfer_id")
        con.execute(
            "insert into lead_transfers (transfer_id, project_key, project_name, from_unit, reason, offered_by, offered_at) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [transfer_id, project_key, name, unit_id, reason, user, datetime.now()],
        )
    accounts.store().audit(accounts.LEAD_OFFER, user, ip, {"project": name, "unit": unit_id, "reason": reason})
    return transfer_id


def withdraw(db: str | Path | None, transfer_id: int, user: str, ip: str | None = None) -> None:
    """Withdraw an offer the centre has not assigned yet."""
    with writer(db, what="流转") as con:
        rows = con.execute(
            "select project_name from lead_transfers where transfer_id = ? and assigned_load is null and withdrawn_at is null",
            [transfer_id],
        ).fetchall()
        if not rows:
            raise TransferRefused("该流转已指派或已撤回，无法撤回；请刷新页面")
        con.execute("update lead_transfers set withdrawn_by = ?, withdrawn_at = ? where transfer_id = ?",
                    [user, datetime.now(), transfer_id])
    accounts.store().audit(accounts.LEAD_WITHDRAW, user, ip, {"project": rows[0][0]})


def pending(con: duckdb.DuckDBPyConnection, transfer_id: int) -> dict:
    """An offer waiting for the centre, with the project as it stands; refused otherwise."""
    rows = con.execute(
        """
        select t.project_key, t.from_unit, p.project_name, p.project_code, p.unit_id, p.stage
        from lead_transfers t
        join projects_loaded p using (project_key)
        where t.transfer_id = ? and t.assigned_load is null and t.withdrawn_at is null
        """,
        [transfer_id],
    ).fetchall()
    if not rows:
        raise TransferRefused("该流转已指派、已撤回或项目已不存在；请刷新页面")
    keys = ("project_key", "from_unit", "project_name", "project_code", "unit_id", "stage")
    return dict(zip(keys, rows[0]))


def record_assignment(con: duckdb.DuckDBPyConnection, transfer_id: int, to_unit: str, note: str | None,
                      user: str, load_id: int) -> None:
    """Inside the assigning load's transaction: the offer is assigned by that load."""
    # the count of rows updated (DuckLake has no RETURNING for updates)
    [(updated,)] = con.execute(
        "update lead_transfers set to_unit = ?, assign_note = ?, assigned_by = ?, assigned_at = ?, assigned_load = ? "
        "where transfer_id = ? and assigned_load is null and withdrawn_at is null",
        [to_unit, note, user, datetime.now(), load_id, transfer_id],
    ).fetchall()
    if not updated:  # assigned or withdrawn by someone else meanwhile: the load must not land
        raise TransferRefused("该流转已被他人指派或撤回；请刷新页面")


def _open_offer(con: duckdb.DuckDBPyConnection, project_key: str) -> bool:
    return bool(con.execute(
        "select 1 from lead_transfers where project_key = ? and assigned_load is null and withdrawn_at is null",
        [project_key],
    ).fetchall())
