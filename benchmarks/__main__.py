"""`python -m benchmarks [--quick] [--only ingest|queries|browser|memory|viewers|lake]`, then RESULTS.md."""

from __future__ import annotations

import argparse
import os
import sys
import time

PARTS = ("ingest", "queries", "browser", "memory", "viewers", "lake")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 5 (data sizes unchanged)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 5, --quick 3)")
    parser.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md from the saved results")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    parts = args.only or list(PARTS)

    from . import generate, report
    from .common import begin

    def log(message: str) -> None:
        print(message, flush=True)

    if not args.report_only and set(parts) - {"viewers"}:  # viewers reads the sample warehouse only
        t0 = time.perf_counter()
        log("data: making whatever is missing in benchmarks/data/ (the 1M warehouse takes a few minutes once)")
        generate.ensure_reference()
        if "ingest" in parts:
            generate.ensure_ledger("200k")
            generate.ensure_ledger("10k")
            generate.ensure_warehouse("10k")
        if "queries" in parts or "lake" in parts:
            generate.ensure_warehouse("10k")
        generate.ensure_warehouse("1m")
        log(f"data ready in {time.perf_counter() - t0:.0f} s")
    if not args.report_only:
        # heavy parts first would warm caches for the others; the order below is fixed
        if "ingest" in parts:
            from . import ingest

            begin("ingest")
            log(f"ingest: load average {os.getloadavg()[0]:.1f}")
            ingest.run(runs, log)
        if "queries" in parts:
            from . import queries

            begin("queries")
            log(f"queries: load average {os.getloadavg()[0]:.1f}")
            queries.run_part(runs, log)
        if "browser" in parts:
            from . import browser

            begin("browser")
            log(f"browser: load average {os.getloadavg()[0]:.1f}")
            browser.run_browser(runs, log)
        if "memory" in parts:
            from . import browser

            begin("memory")
            log(f"memory: load average {os.getloadavg()[0]:.1f}")
            browser.run_memory(log)
        if "viewers" in parts:
            from . import viewers

            begin("viewers")
            log(f"viewers: load average {os.getloadavg()[0]:.1f}")
            viewers.run(log)
        if "lake" in parts:
            from . import lake

            begin("lake")
            log(f"lake: load average {os.getloadavg()[0]:.1f}")
            lake.run(runs, log, quick=args.quick)
    # a lake-only run leaves the other parts' tables as they stand
    path = report.write_lake() if parts == ["lake"] else report.write()
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
