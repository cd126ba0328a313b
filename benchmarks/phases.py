"""`python -m etl load` with a stopwatch on each phase (run by the ingest part as a subprocess).

    REFERENCE_DIR=... python -m benchmarks.phases --db WAREHOUSE LEDGER

Wraps the public functions the load goes through (reading the grids with fastexcel, the
reader as a whole, the snapshot copy of the warehouse file, record_load, refresh, change
tracking) and prints their cumulative seconds as JSON on the last line. The reader runs
in this process (ETL_READ_INPROCESS=1), where it can be timed, not in its worker.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time

TIMES: dict[str, float] = {}


def _timed(owner, attribute: str, label: str) -> None:
    original = getattr(owner, attribute)  # a renamed function fails here, not silently

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

    os.environ["ETL_READ_INPROCESS"] = "1"
    import etl.isolate
    import etl.read
    from etl.__main__ import main as etl_main
    from warehouse import build, history, ingest

    TIMES["imports"] = time.perf_counter() - t_start
    _timed(etl.read, "read_grids", "read: fastexcel grids")
    _timed(etl.isolate, "read_ledger", "read: whole reader (grids + parse + checks)")
    _timed(shutil, "copyfile", "write: copy live warehouse file")
    _timed(ingest, "record_load", "write: record_load (Arrow insert)")
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
