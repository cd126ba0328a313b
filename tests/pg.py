"""A real PostgreSQL server for tests and benchmarks: initdb into a temporary directory.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
(created by Debian's postgresql packages). In CI (CI or REQUIRE_POSTGRES set) a missing
server is a failure, not a skip.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_bin() -> Path:
    """The newest installed PostgreSQL server's bin directory."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        on_path = shutil.which("initdb")
        if on_path is None:
            raise PostgresMissing("未找到 PostgreSQL 服务器（apt install postgresql）")
        return Path(on_path).parent
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One throwaway cluster on a free loopback port; `database()` hands out empty databases."""

    def __init__(self, root: Path | None = None):
        self.bin = server_bin()
        self.root = Path(root or tempfile.mkdtemp(prefix="pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        # a script that ends on an exception without stopping it leaves no server behind
        atexit.register(self.stop)
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=300",
            "start",
        )

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string."""
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user=postgres"

    def database(self, prefix: str = "t") -> str:
        """A new empty database; its connection string."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn(), autocommit=True) as con:
            con.execute(f'create database "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        if not self.data.exists():
            return  # stopped already
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

