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

import errno
import fcntl
import math
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


class WriteFailed(OSError):
    """A write could not be completed; the live file is unchanged. str(e) says why in Chinese."""


class DiskFull(WriteFailed):
    """The disk holding the warehouse has too little free space for a write."""

    def __init__(self, what: str, needed: int, free: int | None = None):
        self.needed, self.free = needed, free
        now = f"，当前可用 {_mb(free)} MB" if free is not None else ""
        super().__init__(
            f"磁盘空间不足，{what}未完成，仓库未改动；请清理服务器磁盘（至少需要 {_mb(needed)} MB{now}）后重试"
        )


class WarehouseDamaged(OSError):
    """The warehouse file exists but cannot be read: damaged, truncated or not a DuckDB file."""

    def __init__(self, path: Path, cause: BaseException | str):
        self.path = path
        super().__init__(f"数据仓库文件已损坏或无法读取（{path}）：{cause}")


def _mb(size: int) -> int:
    return max(1, math.ceil(size / 2**20))


# Room a write needs beyond the copy of the database: DuckDB's write-ahead log and the
# blocks a checkpoint writes before it frees the old ones.
WRITE_HEADROOM = 8 * 2**20


def space_needed(live: Path, extra: int = 0) -> int:
    """Free bytes a write needs: a copy of the database, what it adds (twice: archive and
    tables), and headroom."""
    size = live.stat().st_size if live.exists() else 0
    return size + 2 * extra + WRITE_HEADROOM


def is_disk_full(exc: BaseException) -> bool:
    """An OSError ENOSPC/EDQUOT, or DuckDB's I/O error for the same cause."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    text = str(exc).lower()
    refused = "permission denied" in text or "read-only" in text
    return isinstance(exc, duckdb.Error) and (
        "no space left on device" in text or ("could not write" in text and not refused)
    )


# what DuckDB says of a truncated, overwritten or garbage database file
DAMAGE_SIGNS = ("corrupt", "not a valid duckdb database", "checksum", "could not read enough bytes")


def damage_said(exc: BaseException) -> bool:
    """Whether DuckDB's error says the database file itself is damaged."""
    return isinstance(exc, duckdb.Error) and any(sign in str(exc).lower() for sign in DAMAGE_SIGNS)


def is_damage(exc: BaseException) -> bool:
    """Whether a read failed because the file is damaged or unreadable (not a query's fault):
    a read-only reader's I/O errors all are, but for a lock another process holds."""
    if "could not set lock" in str(exc).lower():
        return False
    return isinstance(exc, (WarehouseDamaged, duckdb.IOException, duckdb.SerializationException)) or damage_said(exc)


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
def writer(
    path: str | os.PathLike | None = None,
    *,
    extra_bytes: int = 0,
    what: str = "写入",
    created: list[Path] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy of the warehouse, published on success.

    Everything done inside the block becomes visible atomically when it exits normally;
    an exception leaves the live file exactly as it was, and removes the files and
    (empty) folders the block listed in `created` (an archived original), still under
    the lock so that no other writer can have come to rely on them. A full disk (refused
    up front when the free space is visibly short of what the write needs, `extra_bytes`
    being what it adds) raises DiskFull, saying that `what` (导入, 撤销) did not happen.
    """
    live = db_path(path)
    with write_lock(live):
        # holding the lock, any other temporary copy is a dead writer's leftover
        for stale in live.parent.glob(f".{live.name}.*.tmp*"):
            _remove(stale)
        needed = space_needed(live, extra_bytes)
        free = shutil.disk_usage(live.parent).free
        if free < needed:
            raise DiskFull(what, needed, free)
        tmp = live.with_name(f".{live.name}.{uuid.uuid4().hex}.tmp")
        published = False
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
            published = True
        except (OSError, duckdb.Error) as exc:
            if is_disk_full(exc):
                # the estimate fell short: ask for more than there was when the write began
                raise DiskFull(what, max(needed, free + WRITE_HEADROOM), free) from exc
            if damage_said(exc):
                raise WarehouseDamaged(live, exc) from exc
            raise
        finally:
            # the copy, its write-ahead log and DuckDB's spill folder beside it
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), tmp.with_name(tmp.name + ".tmp")):
                _remove(leftover)
            if not published:
                for path in reversed(created or []):
                    _discard(path)


def _discard(path: Path) -> None:
    """Undo a file or folder a failed write created; a folder only while it is empty."""
    try:
        path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
    except OSError:
        pass  # a folder that meanwhile holds other files stays


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def staged(live: Path) -> Iterator[Path]:
    """A new warehouse file beside `live` to build whole (a sample, a rebuild), then `publish`;
    it, its lock and its archive are gone afterwards whatever happened."""
    staging = live.with_name(f".{live.stem}-{uuid.uuid4().hex[:8]}.duckdb")
    try:
        yield staging
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".lock").unlink(missing_ok=True)
        shutil.rmtree(archive_dir(staging), ignore_errors=True)


def publish(staging: Path, live: Path) -> None:
    """Move a staged warehouse and its archive to `live` (the caller holds write_lock(live)
    and has removed or refused an archive already there)."""
    if archive_dir(staging).exists():
        archive_dir(staging).rename(archive_dir(live))
    staging.replace(live)


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse attached read-only as `wh`.

    Attaching (instead of duckdb.connect(path)) sidesteps DuckDB's per-path instance
    cache, which would hand back the replaced file's old instance.
    """
    con = duckdb.connect(config={
        "memory_limit": READER_MEMORY,
        "temp_directory": str(Path(tempfile.gettempdir()) / "warehouse-spill"),
    })
    try:
        con.execute(f"attach '{_quote(path)}' as {ALIAS} (read_only)")
    except duckdb.Error as exc:
        con.close()
        if is_damage(exc) and path.exists():
            raise WarehouseDamaged(path, exc) from exc
        raise
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
