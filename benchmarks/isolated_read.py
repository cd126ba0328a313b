"""Isolated read against in-process read of the 200,000-row ledger (`python -m benchmarks.isolated_read`).

Both in this process, interleaved run by run, after one warm-up of each (the worker is
started and has imported etl.read; the reference is loaded): what an upload pays for
the worker is the difference of the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from . import generate


def timed_read(name: str, data: bytes):
    """In the worker: read_ledger and the seconds it took there (the rest is the transfer)."""
    from etl.read import read_ledger

    t = time.perf_counter()
    ledger = read_ledger(name, data=data, display_name=name)
    return time.perf_counter() - t, ledger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.isolated_read")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="200k")
    args = parser.parse_args(argv)
    ledger = generate.ensure_ledger(args.size)
    os.environ["REFERENCE_DIR"] = str(generate.ensure_reference())  # before the worker starts: it inherits it

    from etl import isolate
    from etl.read import read_ledger

    data = ledger.read_bytes()
    ways = {
        "in-process": lambda: read_ledger(ledger.name, data=data, display_name=ledger.name),
        "isolated": lambda: isolate.read_isolated(ledger.name, data),
    }
    inside: list[float] = []
    # by its module's name: under `python -m` this file is __main__, which the worker is not
    from benchmarks.isolated_read import timed_read

    def isolated_timed():
        seconds, ledger_read = isolate.run_isolated(ledger.name, timed_read, ledger.name, data)
        inside.append(seconds)
        return ledger_read

    ways["isolated, read_ledger in the worker"] = isolated_timed
    for fn in ways.values():
        fn()  # warm-up
    inside.clear()
    times: dict[str, list[float]] = {w: [] for w in ways}
    for r in range(args.runs):
        for way in (list(ways) if r % 2 == 0 else list(ways)[::-1]):
            t = time.perf_counter()
            result = ways[way]()
            times[way].append(time.perf_counter() - t)
            assert result.rows.height > 0 and result.ok, result.problems[:3]
    times["  of which read_ledger in the worker"] = inside
    med = {w: statistics.median(v) for w, v in times.items()}
    for w, v in times.items():
        print(f"{w:<38} median {med[w]:.2f} s  runs {' '.join(f'{x:.2f}' for x in v)}")
    print(f"isolated / in-process: {med['isolated'] / med['in-process']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
