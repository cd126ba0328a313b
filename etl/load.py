"""Load ledgers into the warehouse: each file whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from base.actor import current_user
from warehouse import ingest
from warehouse.db import db_path, writer

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
    options: dict | None = None, source: str = "file", also: Callable | None = None,
) -> LoadResult:
    """Load a ledger without errors. allowed_units (an uploader's unit ids) refuses rows whose
    project code another unit's project holds; without it such rows transfer the project.
    `options` are the overrides it was read with (kind, period, money_unit, confirm_amounts, mapping),
    recorded so that `python -m warehouse rebuild` reads the original alike. source: file, or
    entry (etl.entry). also(con, load_id) writes what belongs to the load in its transaction."""
    if not ledger.ok:
        return LoadResult(ledger.file_name, "refused", ledger)
    live = db_path(db)
    user = user or current_user()
    options = options or {}
    created: list[Path] = []  # archive entries this load adds; gone again if it fails
    with writer(live, extra_bytes=len(data), what="导入", created=created) as con:
        previous = ingest.active_load(con, ledger.sha256)
        if previous is not None:
            return LoadResult(ledger.file_name, "duplicate", ledger, previous)
        # under the write lock: no other load can hand a code to another unit meanwhile
        ledger = check_codes(con, ledger, allowed_units)
        ledger = check_history(con, ledger, bool(options.get("confirm_amounts")))
        if not ledger.ok:
            return LoadResult(ledger.file_name, "refused", ledger)
        load_id = ingest.commit(
            con,
            live,
            ledger.rows,
            data,
            created=created,
            file_name=ledger.file_name,
            sha256=ledger.sha256,
            kind=ledger.kind,
            period=ledger.period,
            problems=ledger.problems,
            user=user,
            file_size=ledger.size,
            sheets_used=[s.name for s in ledger.sheets if s.used],
            sheets_skipped=[f"{s.name}: {s.reason}" for s in ledger.sheets if not s.used],
            read_options=recorded_options(options),
            # the mapping the uploader confirmed, for the unit's next upload
            mapping=mappings.confirmed(ledger, options.get("mapping")),
            source=source,
        )
        if also is not None:
            also(con, load_id)
    return LoadResult(ledger.file_name, "loaded", ledger, load_id)


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
    if options.get("name_key"):  # an entry updating a project passed on (etl.entry.keep_identity)
        recorded["name_key"] = options["name_key"]
    return recorded
