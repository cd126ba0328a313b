"""Where the accounts store lives: a SQLite file (the default) or a PostgreSQL database.

The store's queries (warehouse/accounts.py, warehouse/daily.py) are written once in SQL
both databases speak: `?` placeholders, `"user"` quoted, `is not distinct from`,
`returning id`, `collate nocase`. What differs lives here and nowhere else: how a
connection is opened, how its schema is created and versioned, and how a write
transaction keeps every other writer out.

- SQLite: $ACCOUNTS_DB or data/accounts.sqlite, WAL, `pragma user_version`, and
  BEGIN IMMEDIATE, which takes the file's write lock up front.
- PostgreSQL: `ACCOUNTS_DB=postgres:<libpq conninfo>`, or, with ACCOUNTS_DB unset, the
  database of a `WAREHOUSE_DB=ducklake:postgres:<conninfo>` warehouse. The tables live in
  their own schema `accounts` (DuckLake's catalog tables stay in theirs), the version in
  `accounts.schema_version`, and `nocase` is an ICU collation (case-insensitive,
  accent-sensitive; PostgreSQL built with ICU, as Debian's is), so that names compare
  ignoring case as in SQLite, whose nocase folds ASCII letters only.

On SQLite every call opens its own short-lived connection. On PostgreSQL a connection
costs several milliseconds and a server process, more than most of the store's queries,
and a page checks its session on every run: each process keeps a small pool per database
(psycopg_pool), whose connections are checked when taken and closed after a minute idle.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ACCOUNTS_DB = ROOT / "data" / "accounts.sqlite"
POSTGRES = "postgres:"
DUCKLAKE_POSTGRES = "ducklake:postgres:"
PG_SCHEMA = "accounts"
# Key of the transaction-scoped advisory lock every write takes (any constant of our own).
PG_WRITE_LOCK = 0x7A68_6163_636F  # "zhacco"
PG_POOL_SIZE = 10  # connections per process: a store call holds one for a few statements
PG_WAIT = 10  # seconds to wait for the server (connecting) or for a free pooled connection


class AccountsUnavailable(RuntimeError):
    """The accounts database cannot be reached; the message names it without a password."""


def location(explicit: str | os.PathLike | None = None) -> str:
    """The argument, else $ACCOUNTS_DB, else the PostgreSQL database of a
    ducklake:postgres warehouse, else data/accounts.sqlite."""
    chosen = str(explicit or os.environ.get("ACCOUNTS_DB") or "")
    if not chosen:
        warehouse = os.environ.get("WAREHOUSE_DB", "")
        if warehouse.startswith(DUCKLAKE_POSTGRES):
            chosen = POSTGRES + warehouse[len(DUCKLAKE_POSTGRES):]
    return chosen or str(DEFAULT_ACCOUNTS_DB)


def open_backend(where: str | os.PathLike | None, schema: str, version: int) -> "SqliteBackend | PostgresBackend":
    """The backend of a location (see `location`), which creates `schema` on first use."""
    where = location(where)
    if where.startswith(POSTGRES):
        return PostgresBackend(where[len(POSTGRES):], schema, version)
    return SqliteBackend(Path(where), schema, version)


class SqliteBackend:
    """One SQLite file in WAL mode; SQLite serialises the writers of every process."""

    def __init__(self, path: Path, schema: str, version: int):
        self.path = path
        self.schema = schema
        self.version = version

    def exists(self) -> bool:
        """Whether there is anything to read (reads never create the file)."""
        return self.path.exists()

    def describe(self) -> str:
        return str(self.path)

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Password hashes inside: readable by the owner only (SQLite gives the -wal
            # and -shm files the permissions of the database file).
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        con.execute("pragma busy_timeout = 10000")
        if con.execute("pragma user_version").fetchone()[0] < self.version:
            con.execute("pragma journal_mode = wal")
            con.execute("begin immediate")
            for statement in self.schema.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(f"pragma user_version = {self.version}")
            con.execute("commit")
        con.execute("pragma synchronous = normal")
        return con

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as con:
            yield con

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: takes the write lock up front)."""
        with closing(self._connect()) as con:
            con.execute("begin immediate")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")


class _PgConnection:
    """A psycopg connection that takes the store's `?` placeholders (the store's SQL has no
    literal `?` or `%`)."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql: str, params=()):
        return self._con.execute(sql.replace("?", "%s"), params)


_PG_DDL = ((re.compile(r"\binteger primary key\b"), "bigint generated by default as identity primary key"),
           (re.compile(r"\breal\b"), "double precision"))  # SQLite's real is 8 bytes, PostgreSQL's 4


class PostgresBackend:
    """The schema `accounts` of a PostgreSQL database, shared by every server.

    Every write transaction first takes one transaction-scoped advisory lock, so writers
    queue exactly as under SQLite's BEGIN IMMEDIATE: a login's rate-limit check and the
    failure it records, a handoff's redemption, a digest claim, each runs alone on every
    server. Row locks (SELECT ... FOR UPDATE) cannot do this, since the rows that would
    have to be locked (the failures of an address) do not exist yet; SERIALIZABLE could,
    but would make every caller retry. The lock is held for a few statements (no password
    is hashed inside one) and released by commit, rollback or a dropped connection.
    """

    _pools: dict = {}  # conninfo -> this process's ConnectionPool
    _pools_lock = threading.Lock()

    def __init__(self, conninfo: str, schema: str, version: int):
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        self.path = None
        self.schema = schema
        self.version = version
        try:
            self._params = conninfo_to_dict(conninfo)
        except Exception:
            raise AccountsUnavailable("账号库的 PostgreSQL 连接串格式有误（ACCOUNTS_DB=postgres:… 或 WAREHOUSE_DB=ducklake:postgres:…）") from None
        extra = {"options": f"{self._params.get('options', '')} -c search_path={PG_SCHEMA}".strip()}
        if "connect_timeout" not in self._params:
            extra["connect_timeout"] = PG_WAIT
        self.conninfo = make_conninfo(conninfo, **extra)

    def exists(self) -> bool:
        return True

    def describe(self) -> str:
        """'PostgreSQL（dbname@host:port）': never the password."""
        p = self._params
        host = p.get("host") or p.get("hostaddr") or "本机"
        port = f":{p['port']}" if p.get("port") else ""
        return f"PostgreSQL（{p.get('dbname') or p.get('user') or '默认库'}@{host}{port}）"

    def _pool(self):
        with self._pools_lock:
            pool = self._pools.get(self.conninfo)
            if pool is None:
                self._create()
                from psycopg_pool import ConnectionPool

                pool = ConnectionPool(
                    self.conninfo, kwargs={"autocommit": True}, min_size=0, max_size=PG_POOL_SIZE, max_idle=60,
                    timeout=PG_WAIT, check=ConnectionPool.check_connection, num_workers=1, name="accounts", open=True,
                )
                self._pools[self.conninfo] = pool
        return pool

    @contextmanager
    def _connection(self):
        from psycopg_pool import PoolTimeout

        try:
            with self._pool().connection() as con:
                yield con
        except PoolTimeout:
            raise AccountsUnavailable(f"无法连接账号库 {self.describe()}（{PG_WAIT} 秒内未取得连接）") from None

    def _create(self) -> None:
        """Connect once directly, so that an unreachable server is named with its reason,
        and create the schema unless this version of it is there."""
        import psycopg

        try:
            con = psycopg.connect(self.conninfo, autocommit=True)
        except psycopg.Error as exc:
            reason = str(exc).strip()
            if self._params.get("password"):
                reason = reason.replace(self._params["password"], "***")
            raise AccountsUnavailable(f"无法连接账号库 {self.describe()}：{reason}") from None
        with closing(con), con.transaction():
            con.execute("select pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
            con.execute(f"create schema if not exists {PG_SCHEMA}")
            con.execute("create collation if not exists nocase "
                        "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)")
            con.execute("create table if not exists schema_version (version integer not null)")
            stored = con.execute("select max(version) from schema_version").fetchall()[0][0] or 0
            if stored < self.version:
                ddl = self.schema
                for pattern, replacement in _PG_DDL:
                    ddl = pattern.sub(replacement, ddl)
                for statement in ddl.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute("delete from schema_version")
                con.execute("insert into schema_version values (%s)", (self.version,))

    @contextmanager
    def read(self) -> Iterator[_PgConnection]:
        with self._connection() as con:
            yield _PgConnection(con)

    @contextmanager
    def write(self) -> Iterator[_PgConnection]:
        """One write transaction, alone on every server (see the class docstring)."""
        with self._connection() as con, con.transaction():
            con.execute("select pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
            yield _PgConnection(con)
