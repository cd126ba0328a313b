"""The one place that opens the warehouse.

DuckDB lets a single process hold a database file read-write, and while it does nobody
else may open it, not even read-only. A dashboard that is always open and a loader run
from the command line would lock each other out, so writes never touch the live file:

* a writer takes an exclusive file lock (writers queue, nothing is lost), copies the
  live file to a temporary file beside it, writes there, closes it (DuckDB checkpoints
  on close) and renames it over the live file with os.replace, which is atomic;
* readers attach the live file read-only. A reader that opened the old file keeps a
  consistent view of it until it reconnects; `Reader` reconnects when the file's
  identity (inode, mtime) changes, so no reader ever sees a half-written load.

A failed or interrupted write leaves the live file untouched: the temporary copy is
discarded. This relies on POSIX rename semantics (Linux, macOS).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = Path(__file__).resolve().parent / "sql"
DEFAULT_DB = ROOT / "data" / "warehouse.duckdb"
ALIAS = "wh"
# A reader's memory: DuckDB's default (80% of RAM) lets one province-wide query take most
# of an office PC that also runs the browser; past this limit DuckDB spills to disk.
READER_MEMORY = os.environ.get("WAREHOUSE_READER_MEMORY", "500MB")


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The warehouse file: the argument, else $WAREHOUSE_DB, else data/warehouse.duckdb."""
    return Path(path or os.environ.get("WAREHOUSE_DB") or DEFAULT_DB)


def archive_dir(path: Path) -> Path:
    """Original files of every load, stored by content hash beside the database."""
    return path.parent / f"{path.stem}.archive"


def file_version(path: Path) -> str | None:
    """Changes whenever a writer replaces the file; None when there is no warehouse yet."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def read_sql(relative: str) -> str:
    return (SQL_DIR / relative).read_text(encoding="utf-8")


def migrations() -> list[tuple[int, Path]]:
    files = sorted((SQL_DIR / "migrations").glob("*.sql"))
    return [(int(f.name.split("_", 1)[0]), f) for f in files]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply the numbered .sql files of sql/migrations that this database has not seen."""
    con.execute(
        "create table if not exists schema_migrations "
        "(version integer primary key, name varchar, applied_at timestamp)"
    )
    done = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    for version, file in migrations():
        if version in done:
            continue
        con.execute(file.read_text(encoding="utf-8"))
        con.execute(
            "insert into schema_migrations values (?, ?, current_timestamp::timestamp)",
            [version, file.name],
        )


class WarehouseBusy(RuntimeError):
    """Another writer holds the lock for longer than we are willing to wait."""


@contextmanager
def write_lock(path: Path, timeout: float = 600.0) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(f"数据仓库正被其他导入占用超过 {timeout:.0f} 秒，请稍后再试")
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def writer(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy of the warehouse, published on success.

    Everything done inside the block becomes visible atomically when it exits normally;
    an exception leaves the live file exactly as it was.
    """
    live = db_path(path)
    with write_lock(live):
        # holding the lock, any other temporary copy is a dead writer's leftover
        for stale in live.parent.glob(f".{live.name}.*.tmp*"):
            stale.unlink(missing_ok=True)
        tmp = live.with_name(f".{live.name}.{uuid.uuid4().hex}.tmp")
        try:
            if live.exists():
                shutil.copyfile(live, tmp)
            con = duckdb.connect(str(tmp))
            try:
                migrate(con)
                con.execute("begin transaction")
                yield con
                con.execute("commit")
                con.execute("checkpoint")
            finally:
                con.close()
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, live)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse attached read-only as `wh`.

    Attaching (instead of duckdb.connect(path)) sidesteps DuckDB's per-path instance
    cache, which would hand back the replaced file's old instance.
    """
    con = duckdb.connect(config={
        "memory_limit": READER_MEMORY,
        "temp_directory": str(Path(tempfile.gettempdir()) / "warehouse-spill"),
    })
    con.execute(f"attach '{_quote(path)}' as {ALIAS} (read_only)")
    con.execute(f"use {ALIAS}")
    return con


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


class Reader:
    """Read access for a long-lived process: reconnects when a writer publishes a new file."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = db_path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: str | None = None

    def version(self) -> str | None:
        return file_version(self.path)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one unit of work (one per thread; keep it while using its result)."""
        with self._lock:
            current = self.version()
            if current is None:
                raise FileNotFoundError(self.path)
            if self._con is None or current != self._version:
                # The old connection is not closed: a thread may still be reading from
                # it; it goes away with its last cursor.
                self._con = connect_readonly(self.path)
                self._version = current
            cur = self._con.cursor()
        cur.execute(f"use {ALIAS}")
        return cur
