"""Load ledgers into the warehouse: each file whole or not at all."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from warehouse import build, history
from warehouse.db import archive_dir, db_path, writer

from . import mappings
from .isolate import read_isolated
from .ownership import check_codes
from .precedent import check_history
from .read import Ledger


@dataclass
class LoadResult:
    file_name: str
    status: str  # loaded | duplicate | refused
    ledger: Ledger
    load_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    def summary(self) -> str:
        ledger = self.ledger
        if self.status == "refused":
            return f"✗ {self.file_name}：未导入，发现 {len(ledger.errors)} 处错误"
        if self.status == "duplicate":
            return f"= {self.file_name}：此文件已导入过（第 {self.load_id} 次导入），未做改动"
        used = [s.name for s in ledger.sheets if s.used]
        return (
            f"✓ {self.file_name}：已导入（第 {self.load_id} 次导入），{ledger.rows.height} 行，"
            f"工作表 {'、'.join(used)}，警告 {len(ledger.warnings)} 条"
        )


def current_user() -> str:
    try:
        return os.environ.get("ETL_USER") or getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def load_file(
    path: str | Path,
    db: str | Path | None = None,
    kind: str | None = None,
    user: str | None = None,
    **read_options,
) -> LoadResult:
    """Read and, when it has no errors, load one file (the CLI's and the upload page's path).

    The read runs in a worker process under a memory and a time limit (etl.isolate), as
    `etl check` and the upload page read: a hostile file ends the worker, not the load,
    and comes back as one Chinese error. The worker costs ~5% on a 200,000-row ledger
    (numbers in etl.isolate.read_isolated)."""
    path = Path(path)
    data = read_options.pop("data", None)
    if data is None:
        data = path.read_bytes()
    ledger = read_isolated(path.name, data, kind=kind, **read_options)
    return load_ledger(ledger, data, db, user, read_options.get("allowed_units"), options={"kind": kind, **read_options})


def load_ledger(
    ledger: Ledger, data: bytes, db: str | Path | None = None, user: str | None = None, allowed_units=None,
    options: dict | None = None,
) -> LoadResult:
    """Load a ledger without errors. allowed_units (an uploader's unit ids) refuses rows whose
    project code another unit's project holds; without it such rows transfer the project.
    `options` are the overrides it was read with (kind, period, money_unit, confirm_amounts, mapping),
    recorded so that `python -m warehouse rebuild` reads the original alike."""
    if not ledger.ok:
        return LoadResult(ledger.file_name, "refused", ledger)
    live = db_path(db)
    user = user or current_user()
    created: list[Path] = []  # archive entries this load adds; gone again if it fails
    with writer(live, extra_bytes=len(data), what="导入", created=created) as con:
        previous = con.execute(
            "select load_id from loads where sha256 = ? and status = 'active'", [ledger.sha256]
        ).fetchone()
        if previous:
            return LoadResult(ledger.file_name, "duplicate", ledger, previous[0])
        # under the write lock: no other load can hand a code to another unit meanwhile
        ledger = check_codes(con, ledger, allowed_units)
        ledger = check_history(con, ledger, bool((options or {}).get("confirm_amounts")))
        if not ledger.ok:
            return LoadResult(ledger.file_name, "refused", ledger)
        archived = _archive(live, ledger, data, created)
        load_id = record_load(
            con,
            ledger.rows,
            file_name=ledger.file_name,
            sha256=ledger.sha256,
            kind=ledger.kind,
            period=ledger.period,
            problems=ledger.problems,
            user=user,
            archive_path=archived.relative_to(archive_dir(live)).as_posix(),
            file_size=ledger.size,
            sheets_used=[s.name for s in ledger.sheets if s.used],
            sheets_skipped=[f"{s.name}: {s.reason}" for s in ledger.sheets if not s.used],
            read_options=recorded_options(options or {}),
        )
        # the mapping the uploader confirmed, for the unit's next upload
        mappings.record(con, load_id, ledger, (options or {}).get("mapping"), user)
        build.refresh(con, [load_id])
        history.record_changes(con, load_id, "load", user)
    return LoadResult(ledger.file_name, "loaded", ledger, load_id)


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
) -> int:
    """Insert one load and its rows (through Arrow); the caller refreshes derived tables."""
    load_id = con.execute(
        """
        insert into loads (file_name, sha256, kind, period_label, period_start, period_end,
            sheets_used, sheets_skipped, rows_loaded, warning_count, loaded_at, loaded_by,
            archive_path, file_size, read_options)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        returning load_id
        """,
        [
            file_name, sha256, kind,
            period.label if period else None,
            period.start if period else None,
            period.end if period else _latest_date(rows),
            list(sheets_used), list(sheets_skipped),
            rows.height, sum(p.level == "warning" for p in problems), datetime.now(), user,
            archive_path, file_size,
            json.dumps(read_options, ensure_ascii=False) if read_options is not None else None,
        ],
    ).fetchone()[0]
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


def _latest_date(rows: pl.DataFrame):
    columns = ("signed_date", "start_date", "lead_date", "negotiation_date", "production_date")
    dates = [rows.get_column(c).max() for c in columns if rows.height]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def recorded_options(options: dict) -> dict:
    """The read overrides as stored in loads.read_options (None: as detected)."""
    period = options.get("period")
    recorded = {
        "kind": options.get("kind"),
        "period": period.label if period is not None else None,
        "money_unit": options.get("money_unit"),
        "confirm_amounts": bool(options.get("confirm_amounts")),
    }
    if options.get("mapping"):  # only when given: loads without one keep their record as before
        recorded["mapping"] = dict(options["mapping"])
    return recorded


def _archive(live: Path, ledger: Ledger, data: bytes, created: list[Path]) -> Path:
    """Keep the original bytes by content hash, so every load can be downloaded again.

    Appends to `created` what did not exist before (folders, the file), for the writer
    to remove if the load fails; an original an earlier load archived is never touched.
    """
    folder = archive_dir(live) / ledger.sha256[:2]
    for directory in (archive_dir(live), folder):
        if not directory.exists():
            directory.mkdir()
            created.append(directory)
    target = folder / f"{ledger.sha256}{Path(ledger.file_name).suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        created.append(target)
    return target
