"""Queries: every page's set of warehouse queries at 10,000 and 1,000,000 projects.

The set is discovered: every file of warehouse/sql/queries/, with the parameters it takes
(warehouse.queries.sql). A file named `<page>_...` belongs to that page; a file without a
prefix (headline, as_of, years, units, chains) is run by every page. Each query runs through
warehouse.queries.run (polars result, as the app gets it) on a connection made like the
app's (warehouse.db.connect_readonly).

* cold: a new connection (new DuckDB instance, empty buffer pool), each query once;
  the connection time is reported apart. The OS page cache is warm (no root to drop it).
* warm: the same connection, the set repeated.

Variants: the latest year's filters (months 1..latest), and the same with three reporting
units and two chains selected. Page sets over 150 ms cold at 1M are profiled with
EXPLAIN ANALYZE (text in benchmarks/data/profiles/) and DuckDB's JSON profile (top operators).
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

from . import generate
from .common import PROFILES, app_pages, save, summary

TARGET_S = 0.150
SIZES = ("10k", "1m")


def discover() -> dict[str, frozenset[str]]:
    from warehouse import queries
    from warehouse.db import SQL_DIR

    return {f.stem: queries.sql(f.stem)[1] for f in sorted((SQL_DIR / "queries").glob("*.sql"))}


def page_sets(found: dict[str, frozenset[str]]) -> dict[str, list[str]]:
    """Page -> its queries. A prefix is a page when app.py routes to it or two files share it."""
    from collections import Counter

    prefixes = Counter(name.split("_", 1)[0] for name in found if "_" in name)
    routed = {p["url_path"] for p in app_pages()}
    is_page = {p for p, n in prefixes.items() if n >= 2 or p in routed}
    common = [q for q in found if "_" not in q or q.split("_", 1)[0] not in is_page]
    pages: dict[str, list[str]] = {}
    for name in found:
        if name not in common:
            pages.setdefault(name.split("_", 1)[0], []).append(name)
    return {page: common + names for page, names in pages.items()}


def context(con, ref: Path) -> dict:
    """Values for the parameters beyond the filters, taken from the warehouse itself."""
    from warehouse.queries import Filters, run

    years = run(con, "years")
    year, month = years.row(0)[:2]
    units = run(con, "units")
    counties = units.filter(units["kind"] == "county").get_column("unit_id").to_list()
    zones = units.filter(units["kind"] == "zone").get_column("unit_id").to_list()
    chosen_units = (counties[0], counties[3], zones[0])
    chains = ("新能源", "铝镁精深加工")
    latest = Filters(year, 1, month)
    city = tomllib.loads((ref / "city.toml").read_text(encoding="utf-8"))
    signed_days = city.get("warnings", {})
    stage_days = city.get("pipeline_warnings", {})
    load_id = con.execute("select max(load_id) from loads").fetchone()[0]
    key = con.execute(
        "select project_key from v_signed_projects where signed_year = ? order by signed_amount_wan desc nulls last limit 1",
        [year],
    ).fetchone()[0]
    as_of = con.execute("select as_of from v_as_of").fetchone()[0]
    try:
        number = con.execute("select max(number) from bulletins").fetchone()[0]
    except Exception:  # no bulletins table in this warehouse
        number = None
    extra = {
        "search": "",  # the signing page's default: no search
        "bin_days": 30,
        "yellow_days": signed_days.get("signed_not_started_yellow_days", 90),
        "red_days": signed_days.get("signed_not_started_red_days", 180),
        "signed_yellow": signed_days.get("signed_not_started_yellow_days", 90),
        "signed_red": signed_days.get("signed_not_started_red_days", 180),
        "include_earlier": False,
        "load_id": load_id,
        "project_key": key,
        "as_of": as_of,
        "number": number if number is not None else 1,
        "leader": "",
        "responsible": "",
        "min_similarity": 0.9,
        "limit": 20,  # the wall's latest_signings default
    }
    for stage in ("lead", "negotiating", "started"):
        for level, fallback in (("yellow", 90), ("red", 180)):
            extra[f"{stage}_{level}"] = stage_days.get(f"{stage}_{level}_days", fallback)
    return {
        "variants": {
            "latest": latest,
            "filtered": Filters(year, 1, month, chosen_units, chains),
        },
        "extra": extra,
        # data_trace_search needs a word to look for (an empty one selects nothing useful)
        "per_query": {"data_trace_search": {"search": "储能"}},
        "year": year,
        "month": month,
        "units": chosen_units,
        "chains": chains,
    }


def params_for(name: str, wanted: frozenset[str], ctx: dict) -> dict:
    extra = {k: v for k, v in ctx["extra"].items() if k in wanted}
    extra.update({k: v for k, v in ctx["per_query"].get(name, {}).items() if k in wanted})
    return extra


FILTER_PARAMS = {"year", "month_from", "month_to", "units", "chains"}


def unknown_params(found: dict[str, frozenset[str]], ctx: dict) -> dict[str, list[str]]:
    known = FILTER_PARAMS | set(ctx["extra"])
    return {q: sorted(w - known) for q, w in found.items() if w - known}


class TimedOut(Exception):
    pass


def timed_run(con, name: str, filters, params: dict, timeout: float):
    """warehouse.queries.run, interrupted after `timeout` seconds (a runaway query is a result)."""
    import threading

    from warehouse.queries import run

    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    t = time.perf_counter()
    try:
        frame = run(con, name, filters, **params)
    except Exception as exc:
        if time.perf_counter() - t >= timeout * 0.99:
            raise TimedOut(name) from exc
        raise
    finally:
        timer.cancel()
    return frame, time.perf_counter() - t


def measure(size: str, runs: int, log=print, timeout: float = 30.0) -> dict:
    """Cold and warm medians per page set; a query over `timeout` s is dropped from its set."""
    from warehouse.db import connect_readonly

    path = generate.ensure_warehouse(size)
    ref = generate.ensure_reference()
    found = discover()
    pages = page_sets(found)
    con = connect_readonly(path)
    ctx = context(con, ref)
    con.close()
    skipped = unknown_params(found, ctx)
    for q, missing in skipped.items():
        log(f"  {q}: no value for parameter(s) {missing}, not run")
    failed: dict[str, str] = {f"{q}": f"no value for {m}" for q, m in skipped.items()}
    out: dict = {"warehouse": str(path), "meta": generate.warehouse_meta(size), "pages": {}, "queries": {},
                 "params": {k: str(v) for k, v in ctx["extra"].items()},
                 "variants": {k: repr(v) for k, v in ctx["variants"].items()}, "failed": failed,
                 "timeout_s": timeout}

    def run_set(con, names, filters, sink) -> float:
        total = 0.0
        for name in names:
            if name in failed:
                continue
            try:
                frame, dt = timed_run(con, name, filters, params_for(name, found[name], ctx), timeout)
            except TimedOut:
                failed[name] = f"over {timeout:.0f} s (interrupted)"
                log(f"  {size} {name}: over {timeout:.0f} s, interrupted; left out of its page set")
                continue
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
                log(f"  {size} {name}: {failed[name]}")
                continue
            total += dt
            sink.setdefault(name, []).append(dt)
            rows[name] = frame.height
        return total

    for variant, filters in ctx["variants"].items():
        cold: dict[str, list[float]] = {p: [] for p in pages}
        connect: list[float] = []
        per_query_cold: dict[str, list[float]] = {}
        rows: dict[str, int] = {}
        for r in range(runs):
            for page, names in pages.items():
                t = time.perf_counter()
                con = connect_readonly(path)
                connect.append(time.perf_counter() - t)
                cold[page].append(run_set(con, names, filters, per_query_cold))
                con.close()
        warm: dict[str, list[float]] = {p: [] for p in pages}
        per_query_warm: dict[str, list[float]] = {}
        for page, names in pages.items():
            con = connect_readonly(path)
            run_set(con, names, filters, {})  # warm-up, not timed
            for r in range(runs):
                warm[page].append(run_set(con, names, filters, per_query_warm))
            con.close()
        out["pages"][variant] = {
            page: {"queries": [q for q in pages[page] if q not in failed], "left_out": [q for q in pages[page] if q in failed],
                   "cold": summary(cold[page]), "warm": summary(warm[page])}
            for page in pages
        }
        out["queries"][variant] = {
            q: {"cold": summary(per_query_cold.get(q, [])), "warm": summary(per_query_warm.get(q, [])),
                "rows": rows.get(q), "params": sorted(found[q])}
            for q in found if q not in failed
        }
        out.setdefault("connect", {})[variant] = summary(connect)
        for page in pages:
            c = out["pages"][variant][page]["cold"]["median"]
            w = out["pages"][variant][page]["warm"]["median"]
            log(f"  {size} {variant:<8} {page:<9} cold {c * 1000:7.1f} ms  warm {w * 1000:7.1f} ms")
    return out


def profile(size: str, result: dict, log=print) -> dict:
    """EXPLAIN ANALYZE of every query of each page set over the target (cold), top operators."""
    from warehouse.db import connect_readonly
    from warehouse.queries import sql

    path = generate.ensure_warehouse(size)
    ref = generate.ensure_reference()
    found = discover()
    PROFILES.mkdir(parents=True, exist_ok=True)
    con = connect_readonly(path)
    ctx = context(con, ref)
    con.close()
    profiled: dict = {}
    for variant, pages in result["pages"].items():
        slow = [p for p, v in pages.items() if (v["cold"]["median"] or 0) > TARGET_S]
        names = sorted({q for p in slow for q in pages[p]["queries"]},
                       key=lambda q: -(result["queries"][variant][q]["cold"]["median"] or 0))
        for name in names:
            if (name, variant) in profiled or name not in result["queries"][variant] \
                    or result["queries"][variant][name]["cold"]["median"] < 0.010:
                continue
            text, wanted = sql(name)
            params = {**ctx["variants"][variant].params(), **params_for(name, found[name], ctx)}
            params = {k: v for k, v in params.items() if k in wanted}
            con = connect_readonly(path)  # cold, as measured
            plan = con.sql("explain analyze " + text, params=params).fetchall()
            plan_text = "\n".join(str(row[-1]) for row in plan)
            (PROFILES / f"{size}-{variant}-{name}.txt").write_text(plan_text, encoding="utf-8")
            json_path = PROFILES / f"{size}-{variant}-{name}.json"
            con.close()
            con = connect_readonly(path)
            con.execute("pragma enable_profiling = 'json'")
            con.execute(f"pragma profiling_output = '{json_path}'")
            t = time.perf_counter()
            con.sql(text, params=params).pl()
            seconds = time.perf_counter() - t
            con.execute("pragma disable_profiling")
            con.close()
            top = top_operators(json_path)
            profiled[(name, variant)] = {"query": name, "variant": variant, "seconds": seconds, "top": top,
                                         "pages": [p for p in slow if name in pages[p]["queries"]]}
            log(f"  profiled {name} ({variant}): {seconds * 1000:.0f} ms; " +
                "; ".join(f"{o['name']} {o['seconds'] * 1000:.0f} ms" for o in top[:3]))
    return {f"{q}|{v}": p for (q, v), p in profiled.items()}


def top_operators(json_path: Path, n: int = 5) -> list[dict]:
    try:
        tree = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return []
    ops: list[dict] = []

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        name = node.get("operator_name") or node.get("name")
        timing = node.get("operator_timing", node.get("timing"))
        if name and timing is not None:
            info = node.get("extra_info") or {}
            detail = ""
            if isinstance(info, dict):
                detail = "; ".join(f"{k}: {str(v)[:80]}" for k, v in info.items()
                                   if k not in ("Estimated Cardinality", "Projections"))[:200]
            rows = node.get("operator_cardinality", node.get("intermediate_rows", node.get("cardinality")))
            ops.append({"name": name.strip(), "seconds": float(timing), "rows": rows, "detail": detail})
        for child in node.get("children", []) + node.get("operator", []):
            walk(child)

    walk(tree)
    return sorted(ops, key=lambda o: -o["seconds"])[:n]


def record_page(file: str, query_params: dict[str, str]) -> list[tuple]:
    """The warehouse calls a page makes when opened (AppTest, empty caches), in order.

    Each is ("run" | "listing", name, filters, keyword arguments), as ui/data.py made it:
    what the page's first visitor waits for, including queries it repeats with other
    filters (last year) and leaving out those it runs only on request (a closed tab, a
    button).
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from warehouse import queries

    calls: list[tuple] = []
    real_run, real_listing = queries.run, queries.run_listing

    def run(cur, name, filters=None, **params):
        calls.append(("run", name, filters, params))
        return real_run(cur, name, filters, **params)

    def run_listing(cur, name, filters=None, **params):
        calls.append(("listing", name, filters, params))
        return real_listing(cur, name, filters, **params)

    st.cache_data.clear()
    st.cache_resource.clear()
    queries.run, queries.run_listing = run, run_listing
    try:
        at = AppTest.from_file(str(generate.ROOT / file), default_timeout=600)
        for key, value in query_params.items():
            at.query_params[key] = value
        at.run()
        if at.exception:
            raise RuntimeError(f"{file}: {at.exception[0].message}")
    finally:
        queries.run, queries.run_listing = real_run, real_listing
    return calls


def replay(con, calls: list[tuple]) -> float:
    from warehouse.queries import run, run_listing

    t = time.perf_counter()
    for kind, name, filters, params in calls:
        (run if kind == "run" else run_listing)(con, name, filters, **params)
    return time.perf_counter() - t


def measure_as_run(size: str, runs: int, log=print) -> dict:
    """Each page's calls as the page makes them (record_page), replayed cold and warm."""
    import os

    from warehouse.db import ALIAS, connect_readonly

    path = generate.ensure_warehouse(size)
    ref = generate.ensure_reference()
    con = connect_readonly(path)
    ctx = context(con, ref)
    con.close()
    variants = {
        "latest": {},
        "filtered": {"units": ",".join(ctx["units"]), "chains": ",".join(ctx["chains"])},
    }
    os.environ["WAREHOUSE_DB"] = str(path)
    os.environ["REFERENCE_DIR"] = str(generate.reference_dir(True))
    out: dict = {}
    for variant, query_params in variants.items():
        out[variant] = {}
        for page in app_pages():
            calls = record_page(page["file"], query_params)
            cold, warm = [], []
            for _ in range(runs):
                con = connect_readonly(path)  # a new DuckDB instance: nothing in its buffers
                cold.append(replay(con, calls))
                con.close()
            con = connect_readonly(path)
            con.execute(f"use {ALIAS}")
            replay(con, calls)
            for _ in range(runs):
                warm.append(replay(con, calls))
            con.close()
            names = [f"{name} (first rows)" if kind == "listing" else name for kind, name, _, _ in calls]
            out[variant][page["path"] or "overview"] = {"calls": names, "cold": summary(cold), "warm": summary(warm)}
            log(f"  {size} {variant:<8} /{page['path']:<9} {len(calls):2d} calls  cold {summary(cold)['median'] * 1000 if calls else 0:7.1f} ms"
                f"  warm {summary(warm)['median'] * 1000 if calls else 0:7.1f} ms")
    return out


def run_part(runs: int, log=print) -> dict:
    result = {"runs": runs, "target_s": TARGET_S, "sizes": {}, "as_run": {}}
    for size in SIZES:
        log(f"queries: {size} warehouse, each page's calls as the page makes them, {runs} runs cold and warm")
        result["as_run"][size] = measure_as_run(size, runs, log)
    for size in SIZES:
        log(f"queries: {size} warehouse, every query file, {runs} runs cold and warm")
        result["sizes"][size] = measure(size, runs, log)
    result["profiles"] = profile("1m", result["sizes"]["1m"], log)
    save("queries", result)
    return result
