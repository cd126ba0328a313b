"""Lake: the DuckLake warehouse (PostgreSQL catalog) against the embedded file (issue 15).

A throwaway PostgreSQL (tests/pg.py) holds the catalogs; each benchmark warehouse file is
published into a lake once (warehouse.db.publish, what `etl sample --db ducklake:...`
does), and every run that writes starts from a fresh copy of that lake: a database created
from the published one as its template, sharing its data directory (writers only add
files there, and nothing here deletes one).

* writers: 20 `python -m etl load` processes started together, each a small monthly ledger
  of another reporting unit, into a fresh copy of the 10k warehouse file and into a fresh
  copy of its lake, rounds interleaved; every load must land (the count of loads is
  checked); total wall time and each process's time (queueing on the lock included);
* queries: the page query sets of queries.py (same files, parameters and filter variants)
  through Reader(file) and Reader(lake), cold (a new Reader per page set, connection time
  reported apart) and warm (one Reader, after a warm-up), file and lake interleaved;
* inlining: small monthly loads one after another into a lake with DuckLake's data
  inlining at its default and off; per-load time, live data files and inlined rows, the
  page query sets; then the same after compaction (`ducklake_flush_inlined_data` +
  `ducklake_merge_adjacent_files`).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

from . import generate, queries
from .common import DATA, PYTHON, median, paired_ratio, save, summary

WRITERS = 20
WRITER_ROWS = 50  # a county's month: tens of signed projects
SMALL_LOADS = 30
# a limit above a monthly load (e.g. 1,000) would be the third variant, but set_option with
# any non-zero limit crashes the process on duckdb 1.5.5's ducklake (see RESULTS.md)
INLINING = {"default (10 rows)": None, "off (0)": 0}
QUERY_SIZES = ("10k", "1m")
PUBLISH_BUDGET_S = 600  # the 1M lake is left out when publishing it would take longer
WORK = DATA / "tmp" / "lake"


def log_to(log):
    def say(message: str) -> None:
        log(f"  {message}")
    return say


# ------------------------------------------------------------------ ledgers


def monthly_ledger(folder: Path, unit: dict, month: int, rows: int, seed: int) -> Path:
    """A county's signed ledger of one month of 2025 (after the warehouses' data date)."""
    import numpy as np
    from openpyxl import Workbook

    ref = generate.ensure_reference()
    chains = [c for c, _ in generate.read_chains(ref)]
    p = generate.make_projects(rows, seed, [unit], chains, years=(2025,))
    wb = Workbook()
    ws = wb.active
    ws.title = f"2025年{month}月"
    ws.append([f"{unit['name']}2025年{month}月招商引资签约项目台账"])
    ws.append(["序号", "项目名称", "投资方", "所属县（市、区）", "所属产业链", "签约金额（万元）", "签约时间"])
    for i in range(rows):
        amount = p["amount"][i]
        ws.append([i + 1, f"{p['name'][i]}（{month}月）", p["investor"][i], unit["name"], chains[p["chain"][i]],
                   None if np.isnan(amount) else int(amount), datetime(2025, month, 1 + i % 28)])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{unit['name']}2025年{month}月签约项目台账.xlsx"
    wb.save(path)
    return path


def ledgers(folder: Path, count: int, first_unit: int, month: int) -> list[Path]:
    units = generate.read_units(generate.ensure_reference())
    return [monthly_ledger(folder, units[(first_unit + i) % len(units)], month, WRITER_ROWS, 9000 + first_unit + i)
            for i in range(count)]


# ------------------------------------------------------------------ lakes


class Lakes:
    """Lakes in one throwaway PostgreSQL: published once per warehouse file, copied per run."""

    def __init__(self):
        from tests.pg import PostgresServer

        self.server = PostgresServer()
        self.published: dict[str, tuple[str, Path]] = {}  # size -> (template database, data dir)

    def publish(self, size: str, budget: float) -> float | None:
        """Publish the benchmark warehouse of `size` into a new lake (in a process stopped
        after `budget` seconds); seconds taken, None when over budget."""
        import subprocess

        name = f"lake_{size}"
        self._sql(f'create database "{name}"')
        data = WORK / name
        shutil.rmtree(data, ignore_errors=True)
        code = ("import sys; from pathlib import Path; from warehouse.db import Lake, publish, write_lock\n"
                "lake = Lake(sys.argv[1], Path(sys.argv[2]))\n"
                "with write_lock(lake): publish(Path(sys.argv[3]), lake)")
        t = time.perf_counter()
        try:
            subprocess.run([PYTHON, "-c", code, "postgres:" + self.server.dsn(name), str(data),
                            str(generate.ensure_warehouse(size))], cwd=generate.ROOT, check=True, timeout=budget)
        except subprocess.TimeoutExpired:
            return None
        seconds = time.perf_counter() - t
        self.published[size] = (name, data)
        return seconds

    def copy(self, size: str, label: str):
        """A fresh lake with the published one's contents (its catalog copied, its data
        directory shared)."""
        from warehouse.db import Lake

        template, data = self.published[size]
        name = f"{label}_{os.urandom(4).hex()}"
        self._sql(f'create database "{name}" template "{template}"')
        return Lake("postgres:" + self.server.dsn(name), data)

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server.dsn(), autocommit=True) as pg:
            pg.execute(statement)

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(WORK, ignore_errors=True)


def catalog_files(lake) -> dict:
    """Live data and delete files and live inlined rows, from the lake's catalog."""
    import psycopg

    with psycopg.connect(lake.conninfo, autocommit=True) as pg:
        files, size = pg.execute("select count(*), coalesce(sum(file_size_bytes), 0) from ducklake_data_file "
                                 "where end_snapshot is null").fetchall()[0]
        deletes = pg.execute("select count(*) from ducklake_delete_file where end_snapshot is null").fetchall()[0][0]
        inlined = 0
        for (table,) in pg.execute("select table_name from information_schema.tables "
                                   "where table_name like 'ducklake_inlined_data_%' "
                                   "and table_name <> 'ducklake_inlined_data_tables'").fetchall():
            inlined += pg.execute(f'select count(*) from "{table}" where end_snapshot is null').fetchall()[0][0]
    return {"data_files": files, "data_mb": round(size / 2**20, 2), "delete_files": deletes, "inlined_rows": inlined}


# ------------------------------------------------------------------ writers


def load_env(location) -> dict:
    env = {**os.environ, "REFERENCE_DIR": str(generate.ensure_reference())}
    if not isinstance(location, Path):
        env["WAREHOUSE_DATA_PATH"] = str(location.data_path)
    return env


def db_arg(location) -> str:
    return str(location) if isinstance(location, Path) else "ducklake:" + location.catalog


def load_count(location) -> int:
    from warehouse.db import Reader

    cur = Reader(location).cursor()
    try:
        return cur.execute("select count(*) from loads").fetchall()[0][0]
    finally:
        cur.close()


def concurrent_loads(location, files: list[Path]) -> dict:
    """Every file loaded by its own `python -m etl load`, all started at once."""
    import subprocess

    before = load_count(location)
    env = load_env(location)
    outs = []
    started = time.perf_counter()
    processes = []
    for file in files:
        out = (WORK / f"{file.stem}.{len(outs)}.out").open("w+", encoding="utf-8")
        outs.append(out)
        processes.append(subprocess.Popen(
            [PYTHON, "-m", "etl", "load", "--db", db_arg(location), "--user", "benchmark", str(file)],
            cwd=generate.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
    ended: dict[int, float] = {}
    codes: dict[int, int] = {}
    while len(ended) < len(processes):
        for i, process in enumerate(processes):
            if i not in ended and process.poll() is not None:
                ended[i], codes[i] = time.perf_counter(), process.returncode
        time.sleep(0.01)
    total = max(ended.values()) - started
    failures = []
    for i, out in enumerate(outs):
        out.seek(0)
        text = out.read()
        out.close()
        if codes[i] != 0 or "已导入" not in text:
            failures.append(f"{files[i].name}: exit {codes[i]}: {text[-600:]}")
    landed = load_count(location) - before
    return {"total_s": total, "per_load_s": [ended[i] - started for i in range(len(processes))],
            "landed": landed, "failures": failures}


def writers(lakes: Lakes, rounds: int, log) -> dict:
    folder = WORK / "writers"
    files = ledgers(folder / "ledgers", WRITERS, first_unit=0, month=10)
    base = generate.ensure_warehouse("10k")
    result: dict = {"writers": WRITERS, "rows_each": WRITER_ROWS, "rounds": rounds, "file": [], "lake": []}
    for r in range(rounds):
        for backend in (("file", "lake") if r % 2 == 0 else ("lake", "file")):
            if backend == "file":
                location = folder / f"round{r}" / "warehouse.duckdb"
                location.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(base, location)
            else:
                location = lakes.copy("10k", f"writers{r}")
            m = concurrent_loads(location, files)
            result[backend].append(m)
            per = summary(m["per_load_s"])
            log(f"round {r + 1}/{rounds} {backend}: {m['landed']}/{WRITERS} landed in {m['total_s']:.1f} s, "
                f"per load p50 {per['median']:.1f} s p95 {percentile(m['per_load_s'], 95):.1f} s"
                + (f", {len(m['failures'])} failed" if m["failures"] else ""))
            assert m["landed"] == WRITERS and not m["failures"], m["failures"]
    for backend in ("file", "lake"):
        rounds_ = result[backend]
        result[f"{backend}_summary"] = {
            "total": summary([m["total_s"] for m in rounds_]),
            "p50": median([percentile(m["per_load_s"], 50) for m in rounds_]),
            "p95": median([percentile(m["per_load_s"], 95) for m in rounds_]),
        }
    result["ratio_total"] = paired_ratio([m["total_s"] for m in result["lake"]], [m["total_s"] for m in result["file"]])
    return result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# ------------------------------------------------------------------ page query sets


def page_queries(file: Path) -> tuple[dict, dict[str, list[str]], dict]:
    from warehouse.db import connect_readonly

    found = queries.discover()
    con = connect_readonly(file)
    try:
        ctx = queries.context(con, generate.ensure_reference())
    finally:
        con.close()
    missing = queries.unknown_params(found, ctx)
    pages = {page: [q for q in names if q not in missing] for page, names in queries.page_sets(found).items()}
    return found, pages, ctx


def run_set(cur, names, filters, found, ctx, failed: dict) -> float:
    total = 0.0
    for name in names:
        if name in failed:
            continue
        try:
            _, seconds = queries.timed_run(cur, name, filters, queries.params_for(name, found[name], ctx), 30.0)
        except Exception as exc:  # a query the lake cannot run is a result, not the end of the part
            failed[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
            continue
        total += seconds
    return total


def cold(location, names, filters, found, ctx, failed) -> tuple[float, float]:
    """A new Reader (a new DuckDB instance), the set once: (connect s, set s)."""
    from warehouse.db import Reader

    t = time.perf_counter()
    reader = Reader(location)
    cur = reader.cursor()
    connect = time.perf_counter() - t
    try:
        return connect, run_set(cur, names, filters, found, ctx, failed)
    finally:
        cur.close()
        del reader


def compare_sets(locations: dict, file: Path, runs: int, variants=("latest", "filtered")) -> dict:
    """Page sets on each location, interleaved per run and page: cold, then warm."""
    from warehouse.db import Reader

    found, pages, ctx = page_queries(file)
    failed: dict[str, dict] = {k: {} for k in locations}
    out: dict = {"pages": {}, "connect": {}, "failed": failed}
    for variant in variants:
        filters = ctx["variants"][variant]
        times = {k: {p: {"cold": [], "warm": []} for p in pages} for k in locations}
        connect = {k: [] for k in locations}
        for r in range(runs):
            for page, names in pages.items():
                order = list(locations) if r % 2 == 0 else list(reversed(locations))
                for k in order:
                    c, s = cold(locations[k], names, filters, found, ctx, failed[k])
                    connect[k].append(c)
                    times[k][page]["cold"].append(s)
        readers = {k: Reader(loc) for k, loc in locations.items()}
        for page, names in pages.items():
            curs = {k: readers[k].cursor() for k in locations}
            for k in locations:
                run_set(curs[k], names, filters, found, ctx, failed[k])  # warm-up
            for r in range(runs):
                for k in (list(locations) if r % 2 == 0 else list(reversed(locations))):
                    times[k][page]["warm"].append(run_set(curs[k], names, filters, found, ctx, failed[k]))
            for cur in curs.values():
                cur.close()
        del readers
        out["pages"][variant] = {k: {p: {m: summary(v) for m, v in t.items()} for p, t in per.items()}
                                 for k, per in times.items()}
        out["connect"][variant] = {k: summary(v) for k, v in connect.items()}
        out.setdefault("totals", {})[variant] = {
            k: {m: summary([sum(times[k][p][m][r] for p in pages) for r in range(runs)]) for m in ("cold", "warm")}
            for k in locations
        }
        if "file" in locations:
            per_run = {k: {m: [sum(times[k][p][m][r] for p in pages) for r in range(runs)] for m in ("cold", "warm")}
                       for k in locations}
            out.setdefault("total_ratios", {})[variant] = {
                k: {m: paired_ratio(per_run[k][m], per_run["file"][m]) for m in ("cold", "warm")}
                for k in locations if k != "file"
            }
            out.setdefault("ratios", {})[variant] = {
                k: {p: {m: paired_ratio(times[k][p][m], times["file"][p][m]) for m in ("cold", "warm")} for p in pages}
                for k in locations if k != "file"
            }
    out["queries"] = {p: names for p, names in pages.items()}
    return out


def page_queries_part(lakes: Lakes, runs: int, log) -> dict:
    result: dict = {"runs": runs, "sizes": {}, "publish_s": {}, "left_out": {}}
    for size in QUERY_SIZES:
        if size not in lakes.published:
            result["left_out"][size] = f"publishing the {size} warehouse took over {PUBLISH_BUDGET_S} s"
            continue
        lake = lakes.copy(size, f"queries_{size}")
        file = generate.ensure_warehouse(size)
        log(f"queries {size}: file vs lake, {runs} runs cold and warm")
        sets = compare_sets({"file": file, "lake": lake}, file, runs)
        sets["lake_files"] = catalog_files(lake)
        result["sizes"][size] = sets
        for variant, totals in sets["totals"].items():
            f, k = totals["file"], totals["lake"]
            log(f"  {size} {variant:<8} all pages: file cold {f['cold']['median'] * 1000:.0f} ms warm "
                f"{f['warm']['median'] * 1000:.0f} ms | lake cold {k['cold']['median'] * 1000:.0f} ms warm "
                f"{k['warm']['median'] * 1000:.0f} ms")
        for k, failed in sets["failed"].items():
            for name, why in failed.items():
                log(f"  {size} {k} {name}: {why}")
    return result


# ------------------------------------------------------------------ inlining and compaction


def on_lake(lake, *statements: str) -> float:
    """Statements in one connection of a separate process, under the writers' lock (a
    crash of DuckLake's extension ends that process, not the benchmark); seconds taken."""
    import subprocess

    code = ("import sys; from contextlib import closing; from pathlib import Path; "
            "from warehouse.db import Lake, connect_lake, write_lock\n"
            "lake = Lake(sys.argv[1], Path(sys.argv[2]))\n"
            "with write_lock(lake), closing(connect_lake(lake)) as con:\n"
            "    for statement in sys.argv[3:]: con.execute(statement)")
    t = time.perf_counter()
    subprocess.run([PYTHON, "-c", code, lake.catalog, str(lake.data_path), *statements], cwd=generate.ROOT,
                   check=True)
    return time.perf_counter() - t


def set_inlining(lake, limit: int | None) -> None:
    from warehouse.db import ALIAS

    if limit is not None:
        on_lake(lake, f"call {ALIAS}.set_option('data_inlining_row_limit', {int(limit)})")


def compact(lake) -> float:
    """What a maintenance step would run: inlined rows to Parquet, then small adjacent files
    merged. Snapshots are kept (time travel, rollback); seconds, process start included."""
    from warehouse.db import ALIAS

    return on_lake(lake, f"call ducklake_flush_inlined_data('{ALIAS}')", f"call ducklake_merge_adjacent_files('{ALIAS}')")


def inlining(lakes: Lakes, loads: int, runs: int, log) -> dict:
    import subprocess

    folder = WORK / "inlining"
    files = [monthly_ledger(folder / "ledgers", unit, 10 + i // 120, WRITER_ROWS, 7000 + i)
             for i, unit in enumerate((generate.read_units(generate.ensure_reference()) * 2)[20:20 + loads])]
    file = generate.ensure_warehouse("10k")
    result: dict = {"loads": loads, "rows_each": WRITER_ROWS, "variants": {}}
    lakes_by: dict = {}
    for label, limit in INLINING.items():
        lake = lakes.copy("10k", "inline")
        set_inlining(lake, limit)
        start = catalog_files(lake)
        env = load_env(lake)
        times = []
        for path in files:
            t = time.perf_counter()
            done = subprocess.run([PYTHON, "-m", "etl", "load", "--db", db_arg(lake), "--user", "benchmark", str(path)],
                                  cwd=generate.ROOT, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            assert done.returncode == 0 and "已导入" in done.stdout, done.stdout[-600:] + done.stderr[-600:]
        after = catalog_files(lake)
        log(f"inlining {label}: {loads} loads, per load median {median(times):.2f} s; "
            f"files {start['data_files']} → {after['data_files']}, inlined rows {after['inlined_rows']:,}")
        result["variants"][label] = {"limit": limit, "per_load": summary(times), "times": times,
                                     "files_before": start, "files_after": after}
        lakes_by[label] = lake
    # the query sets after the loads, every variant interleaved with the file (which got no loads)
    log(f"inlining: page query sets after the loads, {runs} runs")
    sets = compare_sets({"file": file, **lakes_by}, file, runs, variants=("latest",))
    for label, lake in lakes_by.items():
        seconds = compact(lake)
        result["variants"][label]["compaction_s"] = seconds
        result["variants"][label]["files_compacted"] = catalog_files(lake)
        log(f"inlining {label}: compaction {seconds:.1f} s, files → "
            f"{result['variants'][label]['files_compacted']['data_files']}")
    log(f"inlining: page query sets after compaction, {runs} runs")
    compacted = compare_sets({"file": file, **lakes_by}, file, runs, variants=("latest",))
    result["sets_after_loads"] = sets["totals"]["latest"]
    result["sets_after_compaction"] = compacted["totals"]["latest"]
    result["ratios_after_loads"] = sets["total_ratios"]["latest"]
    result["ratios_after_compaction"] = compacted["total_ratios"]["latest"]
    result["failed"] = {"after_loads": sets["failed"], "after_compaction": compacted["failed"]}
    return result


# ------------------------------------------------------------------ the part


def run(runs: int, log=print, quick: bool = False) -> dict:
    """Writers and inlining first (on the 10k lake), then the 1M lake if it publishes in
    time; the result is saved after each step."""
    say = log_to(log)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    lakes = Lakes()
    result: dict = {"runs": runs, "publish_s": {}}

    def publish(size: str) -> None:
        seconds = lakes.publish(size, PUBLISH_BUDGET_S)
        result["publish_s"][size] = seconds
        say(f"published the {size} warehouse into a lake in {seconds:.1f} s" if seconds is not None
            else f"publishing the {size} warehouse took over {PUBLISH_BUDGET_S} s: left out")

    try:
        publish("10k")
        result["writers"] = writers(lakes, 2, say)
        save("lake", result)
        result["inlining"] = inlining(lakes, SMALL_LOADS // 2 if quick else SMALL_LOADS, runs, say)
        save("lake", result)
        for size in QUERY_SIZES[1:]:
            publish(size)
        result["queries"] = page_queries_part(lakes, runs, say)
    finally:
        lakes.stop()
    save("lake", result)
    return result
