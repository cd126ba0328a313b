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

Past one machine the warehouse is a DuckLake instead (`Lake`): its catalog in PostgreSQL,
its Parquet data files and the archive of original files in a shared directory. There
every write is one DuckLake transaction, published as one snapshot when it commits, and
readers see whole snapshots only; no file is copied or renamed. Writers from every server
queue on a PostgreSQL advisory lock (the file lock's counterpart), so their commits never
conflict and a load is never lost to a lost race.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import importlib.util
import math
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
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


LAKE_PREFIX = "ducklake:"


class LakeMisconfigured(ValueError):
    """A ducklake: warehouse named without what it needs; str(e) says what in Chinese."""


@dataclass(frozen=True)
class Lake:
    """A DuckLake warehouse: `ducklake:postgres:<libpq conninfo>`. Its data files (and the
    archive of original files) live under `data_path`, a directory every server mounts;
    DuckLake keeps that path in its catalog, so only the first writer needs to be told."""

    catalog: str  # postgres:<conninfo>
    data_path: Path | None = None

    @property
    def conninfo(self) -> str:
        return self.catalog.removeprefix("postgres:")

    @property
    def uri(self) -> str:
        """What names it in WAREHOUSE_DB, password included: for configuration, never to show."""
        return LAKE_PREFIX + self.catalog

    def __str__(self) -> str:
        # said in messages and logs: never the password a conninfo may hold
        return LAKE_PREFIX + re.sub(r"password\s*=\s*('[^']*'|\S+)", "password=***", self.catalog)

    def exists(self) -> bool:
        return lake_version(self) is not None

    def files(self) -> Path:
        """The data directory: as configured, else as the catalog recorded it."""
        if self.data_path is not None:
            return self.data_path
        stored = _catalog_query(self, "select value from ducklake_metadata where key = 'data_path'")
        if not stored:
            raise LakeMisconfigured("新建 DuckLake 数据仓库时必须设置 WAREHOUSE_DATA_PATH（共享数据目录）")
        return Path(stored[0][0])


Location = Path | Lake


def db_path(path: str | os.PathLike | Lake | None = None) -> Location:
    """The warehouse: the argument, else $WAREHOUSE_DB, else data/warehouse.duckdb.

    `ducklake:postgres:<conninfo>` names a DuckLake warehouse, whose data files live in
    $WAREHOUSE_DATA_PATH."""
    if isinstance(path, Lake):
        return path
    value = str(path or os.environ.get("WAREHOUSE_DB") or DEFAULT_DB)
    if not value.startswith(LAKE_PREFIX):
        return Path(value)
    catalog = value.removeprefix(LAKE_PREFIX)
    if not catalog.startswith("postgres:"):
        raise LakeMisconfigured(f"不支持的 DuckLake 目录库：{catalog.split(':')[0]}（只支持 ducklake:postgres:<连接串>）")
    data_path = os.environ.get("WAREHOUSE_DATA_PATH")
    return Lake(catalog, Path(data_path) if data_path else None)


def archive_dir(path: Location) -> Path:
    """Original files of every load, stored by content hash beside the database (a lake's
    in its data directory)."""
    if isinstance(path, Lake):
        return path.files() / "archive"
    return path.parent / f"{path.stem}.archive"


def file_version(path: Location) -> str | None:
    """Changes whenever a writer publishes; None when there is no warehouse yet."""
    if isinstance(path, Lake):
        return lake_version(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


_catalogs: dict[str, object] = {}
_catalogs_lock = threading.Lock()


def lake_version(lake: Lake, at: datetime | None = None) -> str | None:
    """The lake's latest snapshot (with `at`: the one current at that time), read from the
    catalog; None before its first migration (or before `at`)."""
    rows = _catalog_query(
        lake,
        "select (select max(snapshot_id) from ducklake_snapshot where snapshot_time <= coalesce(%s, snapshot_time)) "
        "where exists (select 1 from ducklake_table where table_name = 'schema_migrations' and end_snapshot is null)",
        [at.astimezone() if at else None],
    )
    return f"snapshot-{rows[0][0]}" if rows and rows[0][0] is not None else None


def _catalog_query(lake: Lake, query: str, params: list | None = None) -> list[tuple]:
    """A query of the lake's PostgreSQL catalog; [] before DuckLake has made its tables.

    The version is asked before every read, so one connection per process answers."""
    import psycopg

    with _catalogs_lock:
        for attempt in (1, 2):
            pg = _catalogs.get(lake.conninfo)
            if pg is None or pg.closed:
                pg = _catalogs[lake.conninfo] = psycopg.connect(lake.conninfo, autocommit=True, connect_timeout=10)
            try:
                return pg.execute(query, params).fetchall()
            except psycopg.errors.UndefinedTable:
                return []
            except psycopg.OperationalError:
                pg.close()  # the server restarted or dropped us: one fresh connection
                if attempt == 2:
                    raise
    return []


def snapshot_id(version: str) -> int:
    return int(version.removeprefix("snapshot-"))


def read_sql(relative: str) -> str:
    return (SQL_DIR / relative).read_text(encoding="utf-8")


def migrations() -> list[tuple[int, Path]]:
    files = sorted((SQL_DIR / "migrations").glob("*.sql"))
    return [(int(f.name.split("_", 1)[0]), f) for f in files]


def migrate(con: duckdb.DuckDBPyConnection, lake: bool = False) -> None:
    """Apply the numbered .sql files of sql/migrations that this database has not seen, in
    one transaction (on a lake: one snapshot, not one per statement)."""
    con.execute("begin transaction")
    try:
        con.execute("create table if not exists schema_migrations (version integer, name varchar, applied_at timestamp)")
        done = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
        for version, file in migrations():
            if version in done:
                continue
            sql = file.read_text(encoding="utf-8")
            con.execute(for_lake(sql) if lake else sql)
            con.execute(
                "insert into schema_migrations values (?, ?, current_timestamp::timestamp)",
                [version, file.name],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


# What DuckLake has no place for: keys (a column key stays NOT NULL), indexes and sequences
# (ids are allocated by the writers, which run one at a time), and SET NOT NULL on a column
# it has no statistics of.
_LAKE_DROPPED = re.compile(r"^\s*(create|drop)\s+(unique\s+)?(sequence|index)\b|\bset\s+not\s+null\b|\bdrop\s+default\b", re.I)
_LAKE_STRIPPED = (
    (re.compile(r",\s*primary\s+key\s*\([^)]*\)", re.I), ""),
    (re.compile(r"\s+primary\s+key\b", re.I), " not null"),
    (re.compile(r"\s+default\s+nextval\('[^']*'\)", re.I), ""),
)


def for_lake(sql: str) -> str:
    """A migration as DuckLake takes it: the same tables and columns, without constraints
    it does not support (tests/test_lake.py compares the two schemas)."""
    statements = []
    for statement in re.sub(r"--[^\n]*", "", sql).split(";"):
        if not statement.strip() or _LAKE_DROPPED.search(statement):
            continue
        for pattern, replacement in _LAKE_STRIPPED:
            statement = pattern.sub(replacement, statement)
        statements.append(statement)
    return ";\n".join(statements)


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """The next id of a table, for a writer (writers run one at a time on either backend)."""
    return con.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchall()[0][0]


class NoHistory(ValueError):
    """A past state asked of a warehouse that keeps none."""


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


def _queue(take, timeout: float) -> None:
    """Try a lock until `take()` gets it: writers wait their turn, for `timeout` at most."""
    deadline = time.monotonic() + timeout
    while not take():
        if time.monotonic() > deadline:
            raise WarehouseBusy(f"数据仓库正被其他导入占用超过 {timeout:.0f} 秒，请稍后再试")
        time.sleep(0.05)


def _try_flock(lock) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        _queue(lambda: _try_flock(lock), timeout)
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
    if isinstance(live, Lake):
        with _lake_writer(live, extra_bytes, what, created) as con:
            yield con
        return
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


# the advisory lock every writer of a lake takes (any number, the same on every server)
LAKE_LOCK_KEY = 0x7A68_6173  # "zhas"


@contextmanager
def write_lock(path: Location, timeout: float = 600.0) -> Iterator[None]:
    """Writers queue here: a file lock beside the warehouse, or a lake's advisory lock in
    its PostgreSQL catalog, which every server's writers share."""
    if not isinstance(path, Lake):
        with _file_lock(path, timeout):
            yield
        return
    import psycopg

    with psycopg.connect(path.conninfo, autocommit=True, connect_timeout=10) as pg:
        _queue(lambda: pg.execute("select pg_try_advisory_lock(%s)", [LAKE_LOCK_KEY]).fetchall()[0][0], timeout)
        try:
            yield
        finally:
            pg.execute("select pg_advisory_unlock(%s)", [LAKE_LOCK_KEY])


@contextmanager
def _lake_writer(lake: Lake, extra_bytes: int, what: str, created: list[Path] | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckLake transaction under the lake's lock: one snapshot when it commits, nothing
    when it fails (files a failed block listed in `created` are removed)."""
    with write_lock(lake):
        files = lake.files()
        files.mkdir(parents=True, exist_ok=True)
        needed = 2 * extra_bytes + WRITE_HEADROOM
        free = shutil.disk_usage(files).free
        if free < needed:
            raise DiskFull(what, needed, free)
        published = False
        try:
            with closing(connect_lake(lake)) as con:
                migrate(con, lake=True)
                con.execute("begin transaction")
                try:
                    yield con
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise
            published = True
        except (OSError, duckdb.Error) as exc:
            if is_disk_full(exc):
                raise DiskFull(what, max(needed, free + WRITE_HEADROOM), free) from exc
            raise
        finally:
            if not published:
                for path in reversed(created or []):
                    _discard(path)


def _new_data_path(lake: Lake) -> bool:
    """Whether the configured data directory is to be recorded (a new lake); one that differs
    from the recorded directory is refused: every server mounts the share at one path."""
    if lake.data_path is None:
        return False
    stored = _catalog_query(lake, "select value from ducklake_metadata where key = 'data_path'")
    if not stored:
        return True
    if Path(stored[0][0]).resolve() != lake.data_path.resolve():
        raise LakeMisconfigured(
            f"WAREHOUSE_DATA_PATH（{lake.data_path}）与 DuckLake 目录库记录的数据目录（{stored[0][0]}）不一致；"
            "各服务器须把共享数据目录挂载在同一路径"
        )
    return False


def extension_file(name: str) -> str:
    """A DuckDB extension installed as a pip package (duckdb-extension-<name>): nothing is
    downloaded at run time."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    found = []
    for folder in (spec.submodule_search_locations if spec else None) or []:
        found += glob.glob(os.path.join(folder, "extensions", f"v{duckdb.__version__}", f"{name}.duckdb_extension"))
    if not found:
        raise RuntimeError(f"缺少 DuckDB 扩展 {name}（pip install duckdb-extension-{name}=={duckdb.__version__}）")
    return found[0]


LAKE_EXTENSIONS = ("postgres_scanner", "ducklake")
_extensions_checked = threading.Event()


def connect_lake(
    lake: Lake, *, read_only: bool = False, snapshot: int | None = None, config: dict | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the lake attached as `wh` and in use; a reader's pinned
    to one snapshot, as a reader of the file backend is to one file."""
    # DuckDB checks an extension's signature by hashing the whole file (1-3 s for the two
    # on a busy 2-core server, at every write); the first connection of a process checks
    # them, later ones load the same checked files without hashing them again
    checked = _extensions_checked.is_set()
    con = duckdb.connect(config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
        "allow_unsigned_extensions": checked, **(config or {}),
    })
    try:
        for name in LAKE_EXTENSIONS:
            con.execute(f"load '{_quote(extension_file(name))}'")
        _extensions_checked.set()
        options = [f"data_path '{_quote(str(lake.data_path) + os.sep)}'"] if _new_data_path(lake) else []
        options += ["read_only"] if read_only else []
        options += [f"snapshot_version {int(snapshot)}"] if snapshot is not None else []
        attach = f"attach '{_quote(lake.uri)}' as {ALIAS}"
        con.execute(attach + (f" ({', '.join(options)})" if options else ""))
        con.execute(f"use {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def compact(lake: Lake) -> tuple[int, int]:
    """Gather a lake's small writes: rows inlined in the catalog into data files, and small
    adjacent files of a table into one. Snapshots are kept (rollback and --at read them).
    Returns the current data files before and after."""
    def files() -> int:
        return _catalog_query(lake, "select count(*) from ducklake_data_file where end_snapshot is null")[0][0]

    with write_lock(lake), closing(connect_lake(lake)) as con:
        before = files()
        con.execute(f"call ducklake_flush_inlined_data('{ALIAS}')")
        con.execute(f"call ducklake_merge_adjacent_files('{ALIAS}')")
    return before, files()


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
def staged(live: Location) -> Iterator[Path]:
    """A new warehouse file beside `live` (a lake's: in a temporary folder) to build whole
    (a sample, a rebuild), then `publish`; it, its lock and its archive are gone afterwards
    whatever happened."""
    folder = Path(tempfile.gettempdir()) if isinstance(live, Lake) else live.parent
    staging = folder / f".{'lake' if isinstance(live, Lake) else live.stem}-{uuid.uuid4().hex[:8]}.duckdb"
    try:
        yield staging
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".lock").unlink(missing_ok=True)
        shutil.rmtree(archive_dir(staging), ignore_errors=True)


def publish(staging: Path, live: Location) -> None:
    """Move a staged warehouse and its archive to `live` (the caller holds write_lock(live)
    and has removed or refused an archive already there).

    A lake takes the staged file's rows in one transaction instead, replacing every table's
    rows: one snapshot, and the lake's history keeps what was there before."""
    if isinstance(live, Lake):
        _publish_to_lake(staging, live)
        return
    if archive_dir(staging).exists():
        archive_dir(staging).rename(archive_dir(live))
    staging.replace(live)


def _publish_to_lake(staging: Path, lake: Lake) -> None:
    if archive_dir(staging).exists():
        shutil.copytree(archive_dir(staging), archive_dir(lake), dirs_exist_ok=True)
    with closing(connect_lake(lake)) as con:
        migrate(con, lake=True)
        con.execute(f"attach '{_quote(staging)}' as staged (read_only)")
        tables = lambda database: {t for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main'", [database]
        ).fetchall()} - {"schema_migrations"}
        present = tables(ALIAS)
        con.execute("begin transaction")
        for table in sorted(tables("staged")):
            if table in present:  # made by a migration: keep its constraints
                con.execute(f"delete from {ALIAS}.main.{table}")
                con.execute(f"insert into {ALIAS}.main.{table} by name select * from staged.main.{table}")
            else:  # derived
                con.execute(f"create table {ALIAS}.main.{table} as select * from staged.main.{table}")
        for file in sorted((SQL_DIR / "views").glob("*.sql")):
            con.execute(file.read_text(encoding="utf-8"))
        con.execute("commit")


def reader_config() -> dict:
    return {"memory_limit": READER_MEMORY, "temp_directory": str(Path(tempfile.gettempdir()) / "warehouse-spill")}


def connect_readonly(path: Location) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse attached read-only as `wh`.

    Attaching (instead of duckdb.connect(path)) sidesteps DuckDB's per-path instance
    cache, which would hand back the replaced file's old instance.
    """
    if isinstance(path, Lake):
        version = lake_version(path)
        if version is None:
            raise FileNotFoundError(str(path))
        return connect_lake(path, read_only=True, snapshot=snapshot_id(version), config=reader_config())
    con = duckdb.connect(config=reader_config())
    try:
        con.execute(f"attach '{_quote(path)}' as {ALIAS} (read_only)")
    except duckdb.Error as exc:
        con.close()
        if "newer version of duckdb" in str(exc).lower():
            raise WarehouseDamaged(path, f"文件由更新版本的 DuckDB 写成，本程序的 duckdb {duckdb.__version__} 无法读取") from exc
        if is_damage(exc) and path.exists():
            raise WarehouseDamaged(path, exc) from exc
        raise
    con.execute(f"use {ALIAS}")
    return con


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


class Reader:
    """Read access for a long-lived process: reconnects when a writer publishes a new file.

    A lake's reader may be given a time (`at`): it reads the lake as it stood then, from
    the snapshots DuckLake keeps (the file backend keeps no history)."""

    def __init__(self, path: str | os.PathLike | Lake | None = None, at: datetime | None = None):
        self.path = db_path(path)
        if at is not None and not isinstance(self.path, Lake):
            raise NoHistory("只有 DuckLake 数据仓库保留历史快照；单机数据仓库文件只有当前数据")
        self.at = at
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: str | None = None

    def version(self) -> str | None:
        return lake_version(self.path, self.at) if self.at else file_version(self.path)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one unit of work (one per thread; keep it while using its result)."""
        with self._lock:
            current = self.version()
            if current is None:
                raise FileNotFoundError(self.path)
            if self._con is None or current != self._version:
                # The old connection is not closed: a thread may still be reading from
                # it; it goes away with its last cursor.
                self._con = (
                    connect_lake(self.path, read_only=True, snapshot=snapshot_id(current), config=reader_config())
                    if isinstance(self.path, Lake) else connect_readonly(self.path)
                )
                self._version = current
            cur = self._con.cursor()
        cur.execute(f"use {ALIAS}")
        return cur
