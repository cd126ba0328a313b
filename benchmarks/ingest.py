"""Ingest: `python -m etl load` of the 200,000-row ledger against pandas and fastexcel reads.

Each tool runs as its own process, timed whole (interpreter start and imports included)
with time.perf_counter around it and its peak RSS from wait4; the tools are interleaved
run by run (order rotated), and every etl run loads into a fresh copy of the 10k warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from . import generate
from .common import DATA, PYTHON, paired_ratio, run_measured, save, summary

LEDGER = "200k"
BASE_WAREHOUSE = "10k"
TOOLS = ("etl", "etl check", "pandas", "fastexcel", "etl imports only")


def commands(ledger: Path, db: Path) -> dict[str, list[str]]:
    return {
        "etl": [PYTHON, "-m", "etl", "load", "--db", str(db), "--user", "benchmark", str(ledger)],
        # the same read and validation, nothing written: the load's share is the difference
        "etl check": [PYTHON, "-m", "etl", "check", str(ledger)],
        "pandas": [PYTHON, "-c", "import sys, pandas; pandas.read_excel(sys.argv[1], engine='openpyxl')", str(ledger)],
        "fastexcel": [PYTHON, "-c", "import sys, fastexcel; fastexcel.read_excel(sys.argv[1]).load_sheet(0).to_polars()",
                      str(ledger)],
        # what the etl process pays before it reads a byte: interpreter, polars, duckdb, pyarrow
        "etl imports only": [PYTHON, "-c", "import etl.load, etl.read, warehouse.build"],
    }


def fresh_copy(base: Path, folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "warehouse.duckdb"
    shutil.copyfile(base, db)
    return db


def run(runs: int, log=print) -> dict:
    ledger = generate.ensure_ledger(LEDGER)
    base = generate.ensure_warehouse(BASE_WAREHOUSE)
    ref = generate.ensure_reference()
    env = {**os.environ, "REFERENCE_DIR": str(ref)}
    work = DATA / "tmp" / "ingest"
    times: dict[str, list[float]] = {t: [] for t in TOOLS}
    rss: dict[str, list[float]] = {t: [] for t in TOOLS}
    cpu: dict[str, list[float]] = {t: [] for t in TOOLS}
    failures: list[str] = []
    log(f"ingest: {ledger.name} ({ledger.stat().st_size / 2**20:.1f} MB), {runs} interleaved runs")
    for r in range(runs):
        order = TOOLS[r % len(TOOLS):] + TOOLS[: r % len(TOOLS)]
        for tool in order:
            db = fresh_copy(base, work / f"run{r}")  # outside the timing
            m = run_measured(commands(ledger, db)[tool], env=env)
            ok = m.returncode == 0 and (tool != "etl" or "已导入" in m.stdout) and (tool != "etl check" or "可以导入" in m.stdout)
            if not ok:
                failures.append(f"{tool} run {r}: exit {m.returncode}: {(m.stderr or m.stdout)[-800:]}")
            times[tool].append(m.seconds if ok else None)
            rss[tool].append(m.max_rss_mb)
            cpu[tool].append(m.cpu_seconds if ok else None)
            log(f"  run {r + 1}/{runs} {tool:<17} {m.seconds:7.2f} s  cpu {m.cpu_seconds:7.2f} s  peak RSS {m.max_rss_mb:6.0f} MB" + ("" if ok else "  FAILED"))
    shutil.rmtree(work, ignore_errors=True)

    # one instrumented run: where the etl time goes
    db = fresh_copy(base, work / "phases")
    m = run_measured([PYTHON, "-m", "benchmarks.phases", "--db", str(db), "--user", "benchmark", str(ledger)], env=env)
    phases = {}
    try:
        phases = json.loads(m.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        failures.append(f"phases run: exit {m.returncode}: {m.stderr[-800:]}")
    loaded = [line for line in m.stdout.splitlines() if "已导入" in line or "✗" in line]
    warnings = [line.strip() for line in m.stdout.splitlines() if "[警告]" in line]
    shutil.rmtree(work, ignore_errors=True)

    # one load of the 10k ledger into a copy of the 1M warehouse: what a monthly load costs at province scale
    province = {}
    big = generate.warehouse_path("1m")
    if big.exists():
        small = generate.ensure_ledger("10k")
        db = fresh_copy(big, work / "province")
        m2 = run_measured([PYTHON, "-m", "benchmarks.phases", "--db", str(db), "--user", "benchmark", str(small)], env=env)
        try:
            province = {"seconds": m2.seconds, "max_rss_mb": m2.max_rss_mb,
                        "phases": json.loads(m2.stdout.strip().splitlines()[-1])}
        except (ValueError, IndexError):
            failures.append(f"province load: exit {m2.returncode}: {m2.stderr[-800:]}")
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "ledger": ledger.name,
        "ledger_mb": round(ledger.stat().st_size / 2**20, 2),
        "ledger_meta": json.loads(ledger.with_suffix(".json").read_text()),
        "base_warehouse": BASE_WAREHOUSE,
        "runs": runs,
        "times": times,
        "rss_mb": rss,
        "summary": {t: summary(v) for t, v in times.items()},
        "rss_summary": {t: summary(v) for t, v in rss.items()},
        "cpu": cpu,
        "cpu_summary": {t: summary(v) for t, v in cpu.items()},
        "cpu_ratios": {
            "etl/pandas": paired_ratio(cpu["etl"], cpu["pandas"]),
            "etl/fastexcel": paired_ratio(cpu["etl"], cpu["fastexcel"]),
        },
        "ratios": {
            "etl/pandas": paired_ratio(times["etl"], times["pandas"]),
            "etl/fastexcel": paired_ratio(times["etl"], times["fastexcel"]),
            "pandas/etl": paired_ratio(times["pandas"], times["etl"]),
            "check/fastexcel": paired_ratio(times["etl check"], times["fastexcel"]),
            "pandas/check": paired_ratio(times["pandas"], times["etl check"]),
        },
        "phases": phases,
        "phases_output": loaded + warnings[:5],
        "province_load_10k_into_1m": province,
        "failures": failures,
    }
    save("ingest", result)
    return result

