"""`python -m etl load` with a stopwatch on each phase (run by the ingest part as a subprocess).

    REFERENCE_DIR=... python -m benchmarks.phases --db WAREHOUSE LEDGER

Wraps the public functions the load goes through (reading the grids with fastexcel, the
reader as a whole, the snapshot copy of the warehouse file, record_load, refresh, change
tracking) and prints their cumulative seconds as JSON on the last line. A function that
no longer exists under its name is simply not timed.
"""

from __future__ import annotations

import functools
import json
import sys
import time

TIMES: dict[str, float] = {}


def _timed(owner, attribute: str, label: str) -> None:
    original = getattr(owner, attribute, None)
    if original is None:
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[label] = TIMES.get(label, 0.0) + time.perf_counter() - t

    setattr(owner, attribute, wrapper)


def main() -> int:
    t_start = time.perf_counter()
    import shutil

    import etl.files
    import etl.load
    import etl.read
    from etl.__main__ import main as etl_main
    from warehouse import build, history

    TIMES["imports"] = time.perf_counter() - t_start
    _timed(etl.read, "read_grids", "read: fastexcel grids")
    _timed(etl.load, "read_ledger", "read: whole reader (grids + parse + checks)")
    _timed(shutil, "copyfile", "write: copy live warehouse file")
    _timed(etl.load, "record_load", "write: record_load (Arrow insert)")
    _timed(history, "before_change", "write: snapshot projects_before")
    _timed(build, "refresh", "write: build.refresh (derive + views)")
    _timed(history, "record_changes", "write: load_changes")
    t = time.perf_counter()
    code = etl_main(["load", *sys.argv[1:]])
    TIMES["etl main (after imports)"] = time.perf_counter() - t
    TIMES["total in process"] = time.perf_counter() - t_start
    print(json.dumps(TIMES))
    return code


if __name__ == "__main__":
    sys.exit(main())
