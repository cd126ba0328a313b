"""Write benchmarks/RESULTS.md from the latest result of each part (benchmarks/data/results/).

Hand-written notes between the markers `<!-- notes -->` and `<!-- /notes -->` in the
existing RESULTS.md are kept when the tables are written again.
"""

from __future__ import annotations

import re
from pathlib import Path

from .common import load, machine, median, ms, sec

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"
NOTES = re.compile(r"<!-- notes -->.*?<!-- /notes -->", re.S)


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def _load(avg) -> str:
    return "—" if not avg else f"{avg[0]:.1f}"


def _range(s: dict, f=ms) -> str:
    return "—" if not s or s.get("min") is None else f"{f(s['min'])}–{f(s['max'])}"


def render() -> str:
    ingest, queries, browser, memory = (load(p) for p in ("ingest", "queries", "browser", "memory"))
    parts = [r for r in (ingest, queries, browser, memory) if r]
    m = (parts[0]["machine"] if parts else machine())
    out = ["# Benchmark results", ""]
    out.append("Written by `python -m benchmarks` (see README.md); each part keeps its own date. "
               "Times are medians of separate runs; ranges are min–max.")
    out.append("")
    out.append("## Machine")
    out.append("")
    out.append(f"- {m['nproc']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}")
    out.append(f"- Python {m['python']}, duckdb {m['duckdb']}, polars {m['polars']}, pyarrow {m['pyarrow']}, "
               f"streamlit {m['streamlit']}, fastexcel {m['fastexcel']}, openpyxl {m['openpyxl']}, "
               f"pandas {m['pandas']}, playwright {m['playwright']}, {m['chromium']}")
    out.append("- dates: " + ", ".join(f"{r['part']} {r['date']}" for r in parts))
    out.append("- 1-minute load average at the start and end of each part (2 cores; above ~2 means other "
               "work was competing for the CPU): " + ", ".join(
                   f"{r['part']} {_load(r.get('loadavg_start'))} → {_load(r.get('loadavg_end'))}" for r in parts))
    out.append("")
    targets: list[tuple[str, bool | None, str]] = []

    wh = (queries or {}).get("sizes", {})
    metas = {k: v.get("meta") for k, v in wh.items() if v.get("meta")}
    if browser and browser.get("meta"):
        metas.setdefault("1m", browser["meta"])
    if metas:
        out += ["## Generated data", ""]
        out.append("| warehouse | signed projects | started | ledger rows | file MB | record loads s | "
                   "refresh (derive) s | one more load: snapshot + record + refresh + changes s | commit + checkpoint s |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for size, meta in metas.items():
            t = meta["timings"]
            one_more = sum(t.get(k, 0) for k in ("last_load_snapshot_s", "last_load_record_s",
                                                  "last_load_refresh_s", "last_load_changes_s"))
            out.append(
                f"| {size} | {meta['signed_projects']:,} | {meta['started_projects']:,} "
                f"({meta['started_projects'] / meta['signed_projects']:.0%}) | {meta['ledger_rows']:,} | "
                f"{meta['file_mb']} | {sec(t['record_loads_s'])} | {sec(t['refresh_full_s'])} | "
                f"{sec(one_more)} ({sec(t.get('last_load_snapshot_s', 0))} + {sec(t['last_load_record_s'])} + "
                f"{sec(t['last_load_refresh_s'])} + {sec(t['last_load_changes_s'])}) | "
                f"{sec(t['commit_checkpoint_publish_s'])} |"
            )
        out.append("")
        out.append("Province reference: 120 reporting units (counties, districts, county-level cities, development "
                   "zones) in 11 invented prefecture cities, chains and header synonyms of data/reference, "
                   "2016–2025 with data date 2025-09-30.")
        out.append("")

    if ingest:
        s, r = ingest["summary"], ingest["ratios"]
        meta = ingest.get("ledger_meta", {})
        out += ["## Ingest", ""]
        out.append(f"`{ingest['ledger']}`: {meta.get('rows', 0):,} rows × 14 columns, {ingest['ledger_mb']} MB, "
                   f"{meta.get('text_amounts', 0):,} amounts and {meta.get('text_dates', 0):,} dates as text; "
                   f"each etl run loads into a fresh copy of the {ingest['base_warehouse']} warehouse. "
                   f"{ingest['runs']} interleaved runs, each tool a separate process (start-up and imports included).")
        out.append("")
        out.append("| tool | median s | min–max s | CPU s (user+sys, median) | peak RSS MB (median) |")
        out.append("|---|---|---|---|---|")
        for tool, label in (("etl", "`python -m etl load` (parse, validate, load)"),
                            ("etl check", "`python -m etl check` (parse, validate; nothing written)"),
                            ("pandas", "`pandas.read_excel` (openpyxl)"),
                            ("fastexcel", "bare `fastexcel` read to polars"),
                            ("etl imports only", "`import etl.load, etl.read, warehouse.build` (start-up share)")):
            if tool not in s:  # a part measured before the tool existed
                continue
            cpu = ingest.get("cpu_summary", {}).get(tool, {})
            out.append(f"| {label} | {sec(s[tool]['median'])} | {_range(s[tool], sec)} | {sec(cpu.get('median'))} | "
                       f"{ingest['rss_summary'][tool]['median']:,.0f} |")
        out.append("")
        ep, ef = r["etl/pandas"], r["etl/fastexcel"]
        pe = r["pandas/etl"]
        out.append(f"- etl / pandas: **{ep['ratio']:.3f}** (per run {ep['min']:.3f}–{ep['max']:.3f}) — "
                   f"etl is {pe['ratio']:.1f}x faster than pandas (per run {pe['min']:.1f}–{pe['max']:.1f}x)"
                   if ep["ratio"] else "- etl / pandas: —")
        out.append(f"- etl / fastexcel: **{ef['ratio']:.2f}** (per run {ef['min']:.2f}–{ef['max']:.2f})"
                   if ef["ratio"] else "- etl / fastexcel: —")
        cf, pc = r.get("check/fastexcel"), r.get("pandas/check")
        if cf and cf["ratio"]:
            out.append(f"- read and validation alone (`etl check`): **{cf['ratio']:.2f}x** a bare fastexcel read "
                       f"(per run {cf['min']:.2f}–{cf['max']:.2f}), {pc['ratio']:.1f}x faster than pandas; the rest of "
                       f"`etl load` is writing: the rows, the derived projects and libraries, the change record and "
                       f"the checkpoint (phases below)")
        cr = ingest.get("cpu_ratios")
        if cr and cr["etl/fastexcel"]["ratio"]:
            out.append(f"- on CPU time: etl / pandas {cr['etl/pandas']['ratio']:.3f}, "
                       f"etl / fastexcel {cr['etl/fastexcel']['ratio']:.2f} "
                       f"(per run {cr['etl/fastexcel']['min']:.2f}–{cr['etl/fastexcel']['max']:.2f})")
        out.append("")
        targets.append(("Ingest ≥ 10x faster than pandas.read_excel", (pe["ratio"] or 0) >= 10 if pe["ratio"] else None,
                        f"{pe['ratio']:.1f}x" if pe["ratio"] else "—"))
        targets.append(("Ingest ≤ 1.5x a bare fastexcel read", (ef["ratio"] or 99) <= 1.5 if ef["ratio"] else None,
                        f"{ef['ratio']:.2f}x" if ef["ratio"] else "—"))
        if ingest.get("phases"):
            out.append("Where the etl time goes (one instrumented run, `benchmarks/phases.py`; seconds, "
                       "nested phases overlap: the reader includes the grids):")
            out.append("")
            out.append("| phase | s |")
            out.append("|---|---|")
            for k, v in ingest["phases"].items():
                out.append(f"| {k} | {sec(v)} |")
            out.append("")
        prov = ingest.get("province_load_10k_into_1m") or {}
        if prov.get("phases"):
            out.append(f"A monthly load at province scale: the 10,000-row ledger into a copy of the 1M warehouse "
                       f"took **{sec(prov['seconds'])} s** (peak RSS {prov['max_rss_mb']:,.0f} MB):")
            out.append("")
            out.append("| phase | s |")
            out.append("|---|---|")
            for k, v in prov["phases"].items():
                out.append(f"| {k} | {sec(v)} |")
            out.append("")
        if ingest.get("failures"):
            out.append("Failures: " + "; ".join(f"`{f[:300]}`" for f in ingest["failures"]))
            out.append("")

    if queries:
        target = queries["target_s"]
        out += ["## Queries", ""]
        out.append(f"Median of {queries['runs']} runs. **Page sets as the pages make them**: each page opened "
                   "in Streamlit's AppTest with empty caches while `warehouse.queries.run` / `run_listing` record "
                   "every call (name, filters, parameters), the latest year with all units (latest) and with three "
                   "units and two chains in the URL (filtered); the calls are then replayed on a new read-only "
                   "connection (cold: a new DuckDB instance, as the app's Reader makes; OS file cache warm) and "
                   "on the same connection again (warm). Queries a page runs only on request (a closed tab, a "
                   "button, the identity review past 5,000 projects) are not in its set; they are in the "
                   "per-file table below.")
        out.append("")
        for size, variants in queries.get("as_run", {}).items():
            for variant, pages in variants.items():
                out.append(f"**{size} projects, {variant}, as the pages run them:**")
                out.append("")
                out.append("| page | calls | cold ms | cold min–max | warm ms | target (1M cold ≤ 150 ms) |")
                out.append("|---|---|---|---|---|---|")
                for page, v in pages.items():
                    ok = v["cold"]["median"] <= target if size == "1m" else None
                    out.append(f"| {page} | {len(v['calls'])} | {ms(v['cold']['median'])} | {_range(v['cold'])} | "
                               f"{ms(v['warm']['median'])} | {_mark(ok) if size == '1m' else ''} |")
                    if size == "1m":
                        targets.append((f"Query set of page `{page}` ({variant}) ≤ 150 ms cold at 1M", ok,
                                        f"{ms(v['cold']['median'])} ms"))
                out.append("")
        out.append("**Every query file**, grouped by the page its name starts with (files without a page "
                   "prefix, such as headline and years, count for every page); each run in full, as "
                   "`warehouse.queries.run`, on-request queries included. Not what a page runs: the "
                   "sets above are.")
        out.append("")
        for size, res in queries["sizes"].items():
            for variant, pages in res["pages"].items():
                desc = res["variants"][variant]
                conn = res.get("connect", {}).get(variant, {})
                out.append(f"**{size} projects, {variant}** (`{desc}`; connect {ms(conn.get('median'))} ms):")
                out.append("")
                out.append("| files of page | files | cold ms | cold min–max | warm ms |")
                out.append("|---|---|---|---|---|")
                for page, v in pages.items():
                    out.append(f"| {page} | {len(v['queries'])} | {ms(v['cold']['median'])} | {_range(v['cold'])} | "
                               f"{ms(v['warm']['median'])} |")
                out.append("")
        big = queries["sizes"].get("1m")
        if big:
            out.append("Per query at 1M (ms; rows returned):")
            out.append("")
            out.append("| query | params | latest cold | latest warm | filtered cold | filtered warm | rows |")
            out.append("|---|---|---|---|---|---|---|")
            lat, fil = big["queries"]["latest"], big["queries"]["filtered"]
            for q in sorted(lat, key=lambda q: -(lat[q]["cold"]["median"] or 0)):
                extra = ", ".join(p for p in lat[q]["params"] if p not in ("year", "month_from", "month_to", "units", "chains"))
                out.append(f"| {q} | {extra} | {ms(lat[q]['cold']['median'])} | {ms(lat[q]['warm']['median'])} | "
                           f"{ms(fil[q]['cold']['median'])} | {ms(fil[q]['warm']['median'])} | {lat[q]['rows']:,} |")
            out.append("")
        if queries.get("profiles"):
            out.append("Profiled (queries of page sets over 150 ms cold at 1M; EXPLAIN ANALYZE text in "
                       "benchmarks/data/profiles/; top operators by time from DuckDB's JSON profile):")
            out.append("")
            out.append("| query | variant | ms (profiled) | top operators |")
            out.append("|---|---|---|---|")
            for p in sorted(queries["profiles"].values(), key=lambda p: -p["seconds"]):
                tops = "; ".join(f"{o['name']} {o['seconds'] * 1000:.0f} ms ({o['rows'] if o['rows'] is not None else '?'} rows)"
                                 for o in p["top"][:3])
                out.append(f"| {p['query']} | {p['variant']} | {ms(p['seconds'])} | {tops} |")
            out.append("")

    if browser:
        out += ["## Browser", ""]
        out.append(f"`python -m ui.serve` against the 1M warehouse, headless Debian chromium (playwright), "
                   f"viewport 1440×900. Time from navigation until the script has finished "
                   f"(`data-test-script-state` not initial/running/rerunRequested, no running indicator) and every "
                   f"chart is drawn (plotly svg, deck.gl canvas, dataframe canvas). First visit: the page as the "
                   f"first session of a freshly started server (cold caches, page modules imported) in a new browser "
                   f"context (empty browser cache: Streamlit's and plotly's scripts downloaded and compiled); first visit, "
                   f"browser cache warm: the same browser after the server was restarted on the same port (a returning "
                   f"user the morning after a restart: server caches cold, scripts cached); second: two "
                   f"more visits of the same page (new sessions, st.cache_data warm); by the sidebar: from another "
                   f"page, a click on the page's link in the sidebar (no reload, the same session: how an analyst "
                   f"moves between pages), twice. Queries of the first visit: "
                   f"the time the server spent in warehouse queries during it (`WAREHOUSE_QUERY_LOG`; the browser "
                   f"shares the 2 cores). {browser['runs']} runs; "
                   f"server start to healthy {sec(browser['server_startup']['median'])} s.")
        out.append("")
        timeouts: list[str] = []
        out.append("| page | first visit s | min–max | first visit, browser cache warm s | second visit s | min–max | by the sidebar s | queries of the first visit ms | VmHWM after it MB | elements | target first ≤ 2.5 s (empty / warm browser cache) | target second ≤ 1 s |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for p in browser["pages"]:
            k = p["path"]
            f, s = browser["first"][k], browser["second"][k]
            e = browser["elements"].get(k, {})
            elements = f"{e.get('plotly', 0)} plotly, {e.get('deck', 0)} map, {e.get('tables', 0)} tables" if e else "—"
            over = (browser.get("timed_out") or {}).get(k)
            failed = any("页面暂时无法显示" in a for a in (browser["elements"].get(k, {}).get("alerts") or []))
            okf = f["median"] <= browser["targets"]["first_s"] if f["median"] is not None else (False if over else None)
            oks = s["median"] <= browser["targets"]["second_s"] if s["median"] is not None else (False if over else None)
            if over and f["median"] is None:
                f = s = {"median": None}
                limit = f"> {browser.get('visit_timeout_s', 60):.0f} s"
            first_text = sec(f["median"]) if f["median"] is not None or not over else limit
            second_text = sec(s["median"]) if s["median"] is not None or not over else limit
            mf, ms_ = ("**error**", "**error**") if failed else (_mark(okf), _mark(oks))
            fc = (browser.get("first_browser_cache_warm") or {}).get(k) or {"median": None}
            okc = fc["median"] <= browser["targets"]["first_s"] if fc["median"] is not None else None
            logged = (browser.get("page_queries") or {}).get(k) or {"median": None}
            nav = (browser.get("by_sidebar") or {}).get(k) or {"median": None}
            out.append(f"| /{k} ({p['title']}) | {first_text} | {_range(f, sec)} | {sec(fc['median'])} | {second_text} | "
                       f"{_range(s, sec)} | {sec(nav['median'])} | {ms(logged['median'])} | {browser['vmhwm_after_one_page_mb'][k]['median'] or 0:,.0f} | "
                       f"{elements} | {mf} / {'**error**' if failed else _mark(okc)} | {ms_} |")
            targets.append((f"/{k} first visit, browser cache warm (server restarted) ≤ 2.5 s", None if failed else okc,
                            f"{sec(fc['median'])} s"))
            if failed:
                okf = oks = None
                first_text = second_text = "page failed (app error box)"
            targets.append((f"/{k} first visit ≤ 2.5 s", okf, f"{first_text} s".replace("s s", "s").replace(") s", ")")))
            targets.append((f"/{k} second visit ≤ 1 s", oks, f"{second_text} s".replace("s s", "s").replace(") s", ")")))
            if over:
                timeouts.append(f"/{k}: {over}")
        out.append("")
        if timeouts:
            out.append("Not finished within the visit limit (later runs skip the page): " + "; ".join(timeouts))
            out.append("")
        alerts = {k: e.get("alerts") for k, e in browser["elements"].items() if e.get("alerts")}
        if alerts:
            out.append("Alerts shown: " + "; ".join(f"/{k}: {v}" for k, v in alerts.items()))
            out.append("")
        if browser.get("wall") is None:
            out.append("Wall display: app.py routes to no `wall` page yet, so its refresh was not measured.")
            targets.append(("Wall display refresh ≤ 1 s", None, "no wall page yet"))
            out.append("")
        else:
            w = browser.get("wall_refresh") or {}
            ok = w.get("median") is not None and w["median"] <= 1.0
            out.append(f"Wall display refresh (its `st.fragment(run_every=…)` rerun, WALL_REFRESH_SECONDS="
                       f"{browser.get('wall_refresh_interval_s')}; time the script state spent running, seen in the "
                       f"browser): median {sec(w.get('median'))} s, {_range(w, sec)} s over {w.get('n', 0)} refreshes.")
            targets.append(("Wall display refresh ≤ 1 s", ok if w.get("median") is not None else None,
                            f"{sec(w.get('median'))} s"))
            out.append("")
        ng = browser.get("map_missing_geo") or {}
        out.append(f"Map page with a reference whose `geo_file` does not exist: "
                   + (f"finished in {sec(ng.get('seconds'))} s, {ng.get('deck', 0)} map(s) drawn, "
                      f"alerts: {ng.get('alerts') or 'none'}" if "seconds" in ng else ng.get("error", "not run")))
        out.append("")
        if browser.get("outside_requests"):
            out.append(f"Requests that left the machine: {browser['outside_requests']}")
            out.append("")

    if memory:
        out += ["## Memory", ""]
        peak = memory["peak_rss_mb"]
        ok = peak is not None and peak < memory["target_mb"]
        out.append(f"One streamlit server, every page visited once and then again (1M warehouse): "
                   f"peak RSS (VmHWM) **{peak:,.0f} MB**, RSS at the end {memory['rss_mb']:,.0f} MB "
                   f"(target < {memory['target_mb']} MB: {_mark(ok)}).")
        out.append("")
        out.append("| after | VmRSS MB | VmHWM MB | visit s |")
        out.append("|---|---|---|---|")
        for s in memory["steps"]:
            page = s["after"].split("/", 1)[1] if "/" in s["after"] else None
            kind = "first_after_others" if s["after"].startswith("first") else "second"
            t = memory["timings"].get(page.strip(), {}).get(kind) if page is not None else None
            out.append(f"| {s['after']} | {s.get('VmRSS', 0):,.0f} | {s.get('VmHWM', 0):,.0f} | {sec(t)} |")
        out.append("")
        targets.append(("App peak RSS < 800 MB at 1M", ok, f"{peak:,.0f} MB"))

    lake = load("lake")
    if lake:
        out.append(render_lake(lake))
    viewers = load("viewers")
    if viewers:
        out += viewers_section(viewers)

    out += ["## Targets (issue 6)", "", "| target | measured | result |", "|---|---|---|"]
    for name, ok, value in targets:
        out.append(f"| {name} | {value} | {_mark(ok)} |")
    out.append("")
    return "\n".join(out)


def write() -> Path:
    text = render()
    notes = ""
    if RESULTS_MD.exists():
        found = NOTES.search(RESULTS_MD.read_text(encoding="utf-8"))
        notes = found.group(0) if found else ""
    if not notes:
        notes = "<!-- notes -->\n## Notes\n\n(Hand-written analysis goes here; kept when the tables are rewritten.)\n<!-- /notes -->"
    RESULTS_MD.write_text(text + "\n" + notes + "\n", encoding="utf-8")
    return RESULTS_MD


LAKE_BLOCK = re.compile(r"<!-- lake -->.*?<!-- /lake -->\n?", re.S)


def _ratio(r: dict | None) -> str:
    return "—" if not r or r.get("ratio") is None else f"{r['ratio']:.2f} ({r['min']:.2f}–{r['max']:.2f})"


def render_lake(lake: dict) -> str:
    """The issue-15 section: DuckLake on PostgreSQL against the embedded file."""
    out = ["<!-- lake -->", "## DuckLake against the embedded file (issue 15)", ""]
    load = lake.get("loadavg_start"), lake.get("loadavg_end")
    out.append(f"Measured {lake['date']}; 1-minute load average {_load(load[0])} at the start and {_load(load[1])} at "
               f"the end (2 cores: other work competed for the CPU, so read the ratios, not the absolute times). "
               f"The lake's catalog is a throwaway PostgreSQL on the same "
               f"machine (tests/pg.py, fsync off), its data directory on the same disk; each benchmark warehouse file "
               f"was published into a lake (`warehouse.db.publish`), and every run that writes started from a copy of "
               f"that lake (a PostgreSQL database made from it as template). Medians over {lake['runs']} runs; file and "
               f"lake interleaved run by run, ratios lake / file of the paired runs (min–max in brackets).")
    out.append("")
    pub = lake.get("publish_s", {})
    out.append("Publishing a warehouse file into a new lake (one transaction, every table): " + ", ".join(
        f"{size} {sec(s, 1)} s" if s is not None else f"{size} over the budget, left out" for size, s in pub.items()) + ".")
    out.append("")
    w = lake.get("writers")
    if w:
        out += ["### Writers: 20 monthly loads submitted at once", ""]
        out.append(f"{w['writers']} `python -m etl load` processes started together, each a {w['rows_each']}-row monthly "
                   f"signed ledger of another reporting unit, into a fresh copy of the 10k warehouse (file: writers queue "
                   f"on the file lock, each copies and renames the file; lake: writers queue on the PostgreSQL advisory "
                   f"lock, each commits one DuckLake snapshot). Every load landed in every round (the count of loads "
                   f"is checked). Per-load time is each process's wall time from the common start (queueing included).")
        out.append("")
        out.append("| backend | rounds | all 20 landed in s (median) | per load p50 s | per load p95 s |")
        out.append("|---|---|---|---|---|")
        for b in ("file", "lake"):
            s = w[f"{b}_summary"]
            out.append(f"| {b} | {len(w[b])} | {sec(s['total']['median'], 1)} ({_range(s['total'], lambda v: sec(v, 1))}) "
                       f"| {sec(s['p50'], 1)} | {sec(s['p95'], 1)} |")
        out.append("")
        out.append(f"Total time lake / file: **{_ratio(w['ratio_total'])}**.")
        out.append("")
    q = lake.get("queries")
    if q:
        out += ["### Page query sets", ""]
        out.append("The page sets of the queries part (every file of `warehouse/sql/queries/`, grouped per page, the "
                   "same parameters and filter variants) through `Reader(file)` and `Reader(lake)`. Cold: a new Reader "
                   "per page set (a new DuckDB instance; for the lake also the extension load, the catalog attach and "
                   "the snapshot lookup: connection time apart). Warm: one Reader, after a warm-up run. "
                   "Times per page set in ms.")
        out.append("")
        for size, left in q.get("left_out", {}).items():
            out.append(f"- {size}: not measured, {left}.")
        for size, r in q["sizes"].items():
            for variant, totals in r["totals"].items():
                c = r["connect"][variant]
                out.append(f"**{size}, {variant}** — connect: file {ms(c['file']['median'])} ms, lake "
                           f"{ms(c['lake']['median'])} ms; all page sets together: file cold "
                           f"{ms(totals['file']['cold']['median'])} / warm {ms(totals['file']['warm']['median'])} ms, "
                           f"lake cold {ms(totals['lake']['cold']['median'])} / warm "
                           f"{ms(totals['lake']['warm']['median'])} ms")
                out.append("")
                out.append("| page | queries | file cold | lake cold | lake / file cold | file warm | lake warm | lake / file warm |")
                out.append("|---|---|---|---|---|---|---|---|")
                pages = r["pages"][variant]
                ratios = r["ratios"][variant]["lake"]
                for page in pages["file"]:
                    f, k = pages["file"][page], pages["lake"][page]
                    out.append(f"| {page} | {len(r['queries'][page])} | {ms(f['cold']['median'])} | {ms(k['cold']['median'])} | "
                               f"{_ratio(ratios[page]['cold'])} | {ms(f['warm']['median'])} | {ms(k['warm']['median'])} | "
                               f"{_ratio(ratios[page]['warm'])} |")
                out.append("")
            failed = {k: v for k, v in r["failed"].items() if v}
            if failed:
                out.append(f"Queries that failed at {size}: " + "; ".join(
                    f"{k} {name}: {why}" for k, f in failed.items() for name, why in f.items()))
                out.append("")
    i = lake.get("inlining")
    if i:
        out += ["### Data inlining and compaction for small monthly loads", ""]
        out.append(f"{i['loads']} `python -m etl load` runs one after another, each a {i['rows_each']}-row monthly "
                   f"ledger of another unit, into a copy of the 10k lake: with DuckLake's data inlining at its default "
                   f"(inserts of up to 10 rows stay in the PostgreSQL catalog), and off (`set_option("
                   f"'data_inlining_row_limit', 0)`: every insert writes Parquet). Then compaction: "
                   f"`ducklake_flush_inlined_data` + `ducklake_merge_adjacent_files` (no snapshot expired, so time "
                   f"travel and rollback keep working; its time includes a process start). Files are the catalog's live "
                   f"data files (`ducklake_data_file`), inlined rows the live rows of its inlined-data tables. Page "
                   f"query sets: all pages, latest-year filters, summed, ms; the file got no loads.")
        out.append("")
        out.append("| inlining | per load s (median, min–max) | data files before → after loads | inlined rows after loads "
                   "| compaction s | data files after compaction | all page sets cold / warm after loads "
                   "(lake / file warm) | after compaction (lake / file warm) |")
        out.append("|---|---|---|---|---|---|---|---|")
        before, after = i["sets_after_loads"], i["sets_after_compaction"]

        def warm_ratio(key: str, label: str) -> str:
            r = i.get(key, {}).get(label, {}).get("warm")
            return f" ({_ratio(r)})" if r else ""

        for label, v in i["variants"].items():
            out.append(f"| {label} | {sec(v['per_load']['median'])} ({_range(v['per_load'], sec)}) | "
                       f"{v['files_before']['data_files']} → {v['files_after']['data_files']} | "
                       f"{v['files_after']['inlined_rows']:,} | {sec(v.get('compaction_s'), 1)} | "
                       f"{v.get('files_compacted', {}).get('data_files', '—')} | "
                       f"{ms(before[label]['cold']['median'])} / {ms(before[label]['warm']['median'])}"
                       f"{warm_ratio('ratios_after_loads', label)} | "
                       f"{ms(after[label]['cold']['median'])} / {ms(after[label]['warm']['median'])}"
                       f"{warm_ratio('ratios_after_compaction', label)} |")
        f0, f1 = before["file"], after["file"]
        out.append(f"| (embedded file, same runs) | | | | | | {ms(f0['cold']['median'])} / {ms(f0['warm']['median'])} | "
                   f"{ms(f1['cold']['median'])} / {ms(f1['warm']['median'])} |")
        out.append("")
    out.append("<!-- /lake -->")
    return "\n".join(out) + "\n"


def write_lake() -> Path:
    """Only the lake section, put in place of the one RESULTS.md holds (or before the notes):
    `--only lake` leaves the other parts' tables as they were."""
    lake = load("lake")
    text = RESULTS_MD.read_text(encoding="utf-8")
    if lake is None:
        return RESULTS_MD
    block = render_lake(lake)
    if LAKE_BLOCK.search(text):
        text = LAKE_BLOCK.sub(lambda _: block, text, count=1)
    elif "<!-- notes -->" in text:
        text = text.replace("<!-- notes -->", block + "<!-- notes -->", 1)
    else:
        text += "\n" + block
    RESULTS_MD.write_text(text, encoding="utf-8")
    return RESULTS_MD
def _per_visit(rows: list[dict], client: str, page: str, topology: str = "one") -> float | None:
    """Server CPU seconds per visit, from the waves of this client that finished every session."""
    done = [r for r in rows if r["client"] == client and r["page"] == page and r["topology"] == topology
            and not r["hung"] and r["ok"] == r["n"]]
    return median([r["server_cpu_s"] / r["n"] for r in done])


def viewers_section(v: dict) -> list[str]:
    """Issue 15's viewers: sessions at once on one server and two behind nginx, and what one server holds."""
    rows, target = v["rows"], v["target_s"]
    load_s, load_e = v.get("loadavg_start"), v.get("loadavg_end")
    out = ["## Viewers (issue 15)", ""]
    out.append(
        f"`python -m benchmarks --only viewers` ({v['date']}; 1-minute load average {_load(load_s)} → {_load(load_e)} on "
        f"{v['machine']['nproc']} cores), warehouse: {v['warehouse']}, no accounts (the overview is open), the wall "
        f"by its token. Each wave: N sessions started at the same moment against servers warmed by one visit "
        f"to each page (a running server: imports and st.cache_data warm). **browser**: N new contexts (empty "
        f"browser cache) in one headless chromium on the same machine; time from navigation to a finished, drawn "
        f"page (as in the Browser part, checked every 100 ms). **ws**: N websocket sessions as the browser's "
        f"script opens them (`/_stcore/stream`, the page's rerun request, until `script_finished`): the server's "
        f"side of a first visit without HTML, scripts or drawing. **ws-serial**: the same, N one after another. "
        f"CPU seconds from /proc during the wave: the app servers (and their children), the client (chromium and "
        f"playwright's driver, or this process), and everything else on the machine (other work that competed). "
        f"Peak RSS: VmRSS of the server processes and their children summed, sampled every 0.1 s. A wave in "
        f"which a server used under 0.05 of a core for {v['hang_window_s']} s with sessions unfinished and did "
        f"not answer its health check is marked **deadlock** and cut short; after any wave with unfinished "
        f"sessions the servers are restarted.")
    out.append("")
    out.append("| servers | client | page | N | p50 s | p95 s | max s | finished (≤ 2.5 s) | server CPU s (per visit) "
               "| server cores used | client CPU s | other work CPU s | wave s | peak server RSS MB |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        where = "one" if r["topology"] == "one" else "two + nginx"
        finished = f"{r['ok']}/{r['n']} ({r['within_target']})" + (" **deadlock**" if r["hung"] else "")
        out.append(
            f"| {where} | {r['client']} | {r['page']} | {r['n']} | {sec(r['p50'])} | {sec(r['p95'])} | {sec(r['max'])} | "
            f"{finished} | {r['server_cpu_s']:.1f} ({r['server_cpu_s'] / r['n']:.2f}) | "
            f"{r['server_cpu_s'] / r['wave_s']:.2f} | {r['browser_cpu_s']:.1f} | {r['other_cpu_s']:.1f} | "
            f"{r['wave_s']:.1f} | {r['peak_rss_total_mb']:,.0f} |")
    out.append("")
    idle = {k: s["idle_rss_mb"] for k, s in v["servers"].items()}
    both = [sorted(r["peak_rss_mb"].values()) for r in rows if r["topology"] == "two" and len(r["peak_rss_mb"]) == 2]
    out.append(f"Idle RSS after start: one server {idle.get('one', 0):,.0f} MB, two servers {idle.get('two', 0):,.0f} MB "
               f"together. Peak RSS of each of the two servers in their waves: the smaller "
               f"{min(b[0] for b in both):,.0f}–{max(b[0] for b in both):,.0f} MB, the larger "
               f"{min(b[1] for b in both):,.0f}–{max(b[1] for b in both):,.0f} MB (nginx spread the sessions over "
               f"both)." if both else f"Idle RSS after start: one server {idle.get('one', 0):,.0f} MB.")
    out.append("")
    out.append("**What one 2-core server holds** (first visits within 2.5 s):")
    out.append("")
    one_cores = max((r["server_cpu_s"] / r["wave_s"] for r in rows
                     if r["topology"] == "one" and r["client"] == "ws" and r["wave_s"] > 1), default=None)
    for page in dict.fromkeys(r["page"] for r in rows):
        cpu = _per_visit(rows, "ws-serial", page) or _per_visit(rows, "ws", page)
        held = {t: max((r["n"] for r in rows if r["client"] == "ws" and r["page"] == page and r["topology"] == t
                        and not r["hung"] and r["ok"] == r["n"] and r["p95"] is not None and r["p95"] <= target),
                       default=None) for t in ("one", "two")}
        browser = [r for r in rows if r["client"] == "browser" and r["page"] == page and r["ok"]]
        share = (sum(r["browser_cpu_s"] for r in browser) / sum(r["browser_cpu_s"] + r["server_cpu_s"] for r in browser)
                 if browser else None)
        per_browser = median([r["browser_cpu_s"] / r["n"] for r in browser])
        text = f"- /{'' if page == 'overview' else 'wall'} ({page}): "
        if cpu:
            text += (f"server CPU per first visit {cpu:.2f} s (ws-serial); by CPU alone, 2 cores give "
                     f"{2 * target / cpu:.0f} first visits per {target} s")
            if one_cores:
                text += (f", one server process (it used at most {one_cores:.2f} cores in the ws waves) about "
                         f"{min(2, one_cores) * target / cpu:.0f}")
            text += ". "
        text += ("Largest ws wave with p95 ≤ 2.5 s and every session finished: one server "
                 f"{held['one'] or 'none'}, two behind nginx {held['two'] or 'none'}. ")
        if share is not None:
            text += (f"In the browser waves chromium took {share:.0%} of the CPU that chromium and the servers used "
                     f"({per_browser:.1f} s per session against {cpu or 0:.2f} s in the server), so those waves "
                     f"understate a server whose viewers sit at their own machines about "
                     f"{1 / (1 - share):.0f}-fold.")
        hung = [r for r in rows if r["page"] == page and r["hung"]]
        if hung:
            text += (f" **{len(hung)} of {sum(r['page'] == page for r in rows)} waves deadlocked** "
                     f"({', '.join(sorted({r['client'] + ' N=' + str(r['n']) + ' ' + r['topology'] for r in hung}))}).")
        out.append(text)
    out.append("")
    return out
