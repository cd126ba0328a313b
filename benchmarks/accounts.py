"""The accounts store on PostgreSQL against SQLite (`python -m benchmarks.accounts`).

What a page run and a login cost in the store itself: the session check every rerun
makes, `any_accounts`, one audit entry, one failed login (argon2 at its cheapest, so the
store's share shows), and audit entries written by 8 threads at once (every write
transaction runs alone: BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL). Both
stores in this process, interleaved run by run; PostgreSQL is a local throwaway cluster
(tests/pg.py, fsync off), so a real server adds its network round trips.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import threading
import time
from pathlib import Path

from argon2 import PasswordHasher

from tests.pg import PostgresServer
from warehouse.accounts import AccountStore

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


_addresses = itertools.count()


def _guess() -> tuple[str, str, str]:
    i = next(_addresses)
    return f"guess{i}", "wrong password", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def _per_call(fn, calls: int) -> float:
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls


def _threaded_audits(store: AccountStore, threads: int = 8, each: int = 25) -> float:
    start = threading.Barrier(threads)

    def work():
        start.wait()
        for _ in range(each):
            store.audit("export", "张三", "10.0.0.1", {"file": "签约项目.xlsx"})

    workers = [threading.Thread(target=work) for _ in range(threads)]
    t = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return (time.perf_counter() - t) / (threads * each)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.accounts")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args(argv)
    server = PostgresServer()
    try:
        stores = {
            "sqlite": AccountStore(Path(tempfile.mkdtemp(prefix="acc-")) / "accounts.sqlite", hasher=CHEAP),
            "postgres": AccountStore("postgres:" + server.database("bench"), hasher=CHEAP),
        }
        tokens = {}
        for name, store in stores.items():
            store.add_user("张三", "viewer", "correct horse 1")
            tokens[name], _ = store.start_session("张三", 86400)
        operations = {
            "session check (every rerun)": lambda s, n: _per_call(lambda: s.session(tokens[n], 3600), args.calls),
            "any_accounts": lambda s, n: _per_call(s.any_accounts, args.calls),
            "audit entry": lambda s, n: _per_call(lambda: s.audit("export", "张三", "10.0.0.1", {"rows": 1}), args.calls),
            # a new name and address each time: never delayed or slowed, so every call
            # checks the limits, counts the attempt, verifies and audits
            "failed login (cheap argon2)": lambda s, n: _per_call(lambda: s.authenticate(*_guess()), args.calls),
            "audit entry, 8 threads at once (per entry)": lambda s, n: _threaded_audits(s),
        }
        print(f"{'operation':<44}{'SQLite ms':>11}{'PostgreSQL ms':>15}{'ratio':>8}")
        for label, op in operations.items():
            times: dict[str, list[float]] = {n: [] for n in stores}
            for r in range(args.runs):
                for n in (list(stores) if r % 2 == 0 else list(stores)[::-1]):
                    times[n].append(op(stores[n], n))
            sqlite, pg = (statistics.median(times[n]) * 1000 for n in ("sqlite", "postgres"))
            print(f"{label:<44}{sqlite:>11.2f}{pg:>15.2f}{pg / sqlite:>8.1f}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
