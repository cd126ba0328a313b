"""Load history: what each load changed, and rolling a load back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from . import build
from .db import read_sql, writer


def record_changes(con: duckdb.DuckDBPyConnection, load_id: int, action: str, user: str, note: str | None = None) -> None:
    """After build.refresh: store what the load changed, and the load event."""
    con.execute(read_sql("changes/load_changes.sql"), {"load_id": load_id})
    con.execute("insert into load_events values (?, ?, ?, ?, ?)", [datetime.now(), load_id, action, user, note])
    con.execute("drop table projects_before")


class RollbackRefused(ValueError):
    """The load cannot be rolled back; str(e) says why in Chinese."""


def rollback(db: str | Path | None, load_id: int, user: str, note: str | None = None) -> str:
    """Mark a load rolled back and derive again: the warehouse as if it had never been loaded.

    Its rows stay recorded (nothing is ever lost) and the rollback itself is an event.
    Returns the load's file name.
    """
    with writer(db, what="撤销") as con:
        status = con.execute("select status, file_name from loads where load_id = ?", [load_id]).fetchone()
        if status is None:
            raise RollbackRefused(f"没有编号为 {load_id} 的导入记录")
        if status[0] != "active":
            raise RollbackRefused(f"第 {load_id} 次导入已经撤销过")
        con.execute("update loads set status = 'rolled_back' where load_id = ?", [load_id])
        build.refresh(con, [load_id])
        con.execute("insert into load_events values (?, ?, 'rollback', ?, ?)", [datetime.now(), load_id, user, note])
    return status[1]
