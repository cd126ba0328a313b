"""Write a read and checked ledger into the warehouse: its original, its load record, its
rows and messages, the header mapping it confirmed, the derived tables and its changes.

etl/ reads and validates and calls this inside `db.writer`; this module never reads a file."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import polars as pl

from . import build, history
from .db import archive_dir, next_id


def active_load(con, sha256: str) -> int | None:
    """The active load that already holds a file with this content, if any."""
    rows = con.execute("select load_id from loads where sha256 = ? and status = 'active'", [sha256]).fetchall()
    return rows[0][0] if rows else None


def commit(
    con,
    live: Path,
    rows: pl.DataFrame,
    data: bytes,
    *,
    created: list[Path],
    file_name: str,
    sha256: str,
    kind: str,
    period,
    problems,
    user: str,
    file_size: int | None,
    sheets_used,
    sheets_skipped,
    read_options: dict,
    mapping: dict[str, str],
    source: str = "file",
) -> int:
    """Archive the original, record the load and its rows, remember `mapping` (header ->
    field) for the units of its rows, derive, and record what it changed. Returns the load id."""
    archived = archive_original(live, sha256, Path(file_name).suffix, data, created)
    load_id = record_load(
        con,
        rows,
        file_name=file_name,
        sha256=sha256,
        kind=kind,
        period=period,
        problems=problems,
        user=user,
        archive_path=archived.relative_to(archive_dir(live)).as_posix(),
        file_size=file_size,
        sheets_used=sheets_used,
        sheets_skipped=sheets_skipped,
        read_options=read_options,
        source=source,
    )
    record_mapping(con, load_id, rows, mapping, user)
    build.refresh(con, [load_id])
    history.record_changes(con, load_id, "load", user)
    return load_id


def record_load(
    con,
    rows: pl.DataFrame,
    *,
    file_name: str,
    sha256: str,
    kind: str,
    period=None,
    problems=(),
    user: str,
    archive_path: str | None = None,
    file_size: int | None = None,
    sheets_used=(),
    sheets_skipped=(),
    read_options: dict | None = None,
    source: str = "file",
) -> int:
    """Insert one load and its rows (through Arrow); the caller refreshes derived tables.
    source: file, or entry for a form's entry (/entry)."""
    load_id = next_id(con, "loads", "load_id")
    con.execute(
        """
        insert into loads (load_id, file_name, sha256, kind, period_label, period_start, period_end,
            sheets_used, sheets_skipped, rows_loaded, warning_count, loaded_at, loaded_by,
            archive_path, file_size, read_options, source)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            load_id, file_name, sha256, kind,
            period.label if period else None,
            period.start if period else None,
            period.end if period else latest_date(rows),
            list(sheets_used), list(sheets_skipped),
            rows.height, sum(p.level == "warning" for p in problems), datetime.now(), user,
            archive_path, file_size,
            json.dumps(read_options, ensure_ascii=False) if read_options is not None else None,
            source,
        ],
    )
    con.register("incoming_rows", rows.with_columns(pl.lit(load_id, pl.Int32).alias("load_id")))
    con.execute("insert into ledger_rows by name select * from incoming_rows")
    con.unregister("incoming_rows")
    messages = pl.DataFrame(
        [
            {
                "load_id": load_id, "level": p.level, "sheet": p.sheet, "cell": p.cell,
                "excel_row": p.row, "column_name": p.header, "value": p.value, "message": p.message,
            }
            for p in problems
        ],
        schema={
            "load_id": pl.Int32, "level": pl.String, "sheet": pl.String, "cell": pl.String,
            "excel_row": pl.Int32, "column_name": pl.String, "value": pl.String, "message": pl.String,
        },
    )
    con.register("incoming_messages", messages)
    con.execute("insert into load_messages by name select * from incoming_messages")
    con.unregister("incoming_messages")
    return load_id


def record_mapping(con, load_id: int, rows: pl.DataFrame, mapping: dict[str, str], user: str) -> int:
    """Store header -> field for every unit of the rows, offered to the unit's next upload;
    inside the load's transaction, so a failed load remembers nothing. Returns the rows written."""
    units = sorted(u for u in rows.get_column("unit_id").unique().to_list() if u) if rows.height else []
    if not mapping or not units:
        return 0
    now = datetime.now()
    frame = pl.DataFrame(
        [{"unit_id": u, "header": h, "field": f, "confirmed_by": user, "confirmed_at": now, "load_id": load_id}
         for u in units for h, f in mapping.items()],
        schema={"unit_id": pl.String, "header": pl.String, "field": pl.String, "confirmed_by": pl.String,
                "confirmed_at": pl.Datetime("us"), "load_id": pl.Int32},
    )
    con.register("incoming_mappings", frame)
    con.execute("insert into header_mappings by name select * from incoming_mappings")
    con.unregister("incoming_mappings")
    return frame.height


def latest_date(rows: pl.DataFrame):
    """The period end of a load whose ledger states no period: its latest date."""
    columns = ("signed_date", "start_date", "lead_date", "negotiation_date", "production_date")
    dates = [rows.get_column(c).max() for c in columns if rows.height]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def archive_original(live: Path, sha256: str, suffix: str, data: bytes, created: list[Path]) -> Path:
    """Keep the original bytes by content hash, so every load can be downloaded again.

    Appends to `created` what did not exist before (folders, the file), for the writer
    to remove if the load fails; an original an earlier load archived is never touched.
    """
    folder = archive_dir(live) / sha256[:2]
    for directory in (archive_dir(live), folder):
        if not directory.exists():
            directory.mkdir()
            created.append(directory)
    target = folder / f"{sha256}{suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        created.append(target)
    return target
