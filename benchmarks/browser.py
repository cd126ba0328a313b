"""Browser and memory: every page in headless chromium against the 1,000,000-project warehouse.

browser: for each run and page, a freshly started server (so the page's queries and
  Streamlit's caches are cold) gets the page as its first visit, then the same page twice
  more (new sessions: what st.cache_data serves). Pages are rotated between runs. The
  server's VmHWM after those three visits is recorded too. A last server with a reference
  directory whose geo_file does not exist shows what the map page does then.
memory: one server, every page visited once (first visits, after the pages before it) and
  then again; VmHWM / VmRSS of the streamlit process from /proc/<pid>/status at the end.
"""

from __future__ import annotations

from urllib.parse import urlparse

from ui.process import AppProcess, launch_chromium

from . import generate
from .common import DATA, app_pages, save, summary
from .harness import COUNT_JS, rerun_durations, timed_navigation, timed_visit

FIRST_TARGET_S = 2.5
SECOND_TARGET_S = 1.0
RSS_TARGET_MB = 800
SIZE = "1m"
LOGS = DATA / "tmp" / "browser"
SHOTS = DATA / "screenshots"
VISIT_TIMEOUT_MS = 60_000
WALL_REFRESH_S = 3  # WALL_REFRESH_SECONDS for the servers: the wall's fragment reruns this often


class Outside:
    """Requests to any host but the app's (the product must work offline)."""

    def __init__(self):
        self.urls: list[str] = []

    def __call__(self, request) -> None:
        host = urlparse(request.url).hostname
        if not request.url.startswith(("data:", "blob:", "about:")) and host not in ("127.0.0.1", "localhost"):
            self.urls.append(request.url)


def _env(geo: bool = True) -> dict[str, str]:
    generate.ensure_reference()
    return {
        "WAREHOUSE_DB": str(generate.ensure_warehouse(SIZE)),
        "REFERENCE_DIR": str(generate.reference_dir(geo)),
        "WALL_REFRESH_SECONDS": str(WALL_REFRESH_S),
    }


def _new_page(browser, outside: Outside):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("request", outside)
    return context, page


def logged_queries(path) -> dict:
    """The queries a server ran so far ($WAREHOUSE_QUERY_LOG): names, total seconds, rows."""
    import json

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return {"queries": [q["query"] for q in lines], "seconds": sum(q["seconds"] for q in lines),
            "rows": sum(q["rows"] for q in lines), "slowest": max(lines, key=lambda q: q["seconds"], default=None)}


def run_browser(runs: int, log=print) -> dict:
    from playwright.sync_api import sync_playwright

    pages = app_pages()
    env = _env()
    first = {p["path"]: [] for p in pages}
    second = {p["path"]: [] for p in pages}
    first_cached = {p["path"]: [] for p in pages}
    by_sidebar = {p["path"]: [] for p in pages}
    hwm = {p["path"]: [] for p in pages}
    # the warehouse queries each first visit ran, as the server logged them (cold: fresh server)
    page_queries = {p["path"]: [] for p in pages}
    startup: list[float] = []
    wall_refresh: list[float] = []
    seen: dict[str, dict] = {}
    outside = Outside()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        timed_out: dict[str, str] = {}
        for r in range(runs):
            order = pages[r % len(pages):] + pages[: r % len(pages)]
            for p in order:
                if p["path"] in timed_out:  # once over the limit, not again every run
                    continue
                query_log = LOGS / f"run{r}-{p['url_path']}.queries.jsonl"
                query_log.unlink(missing_ok=True)
                server = AppProcess({**env, "WAREHOUSE_QUERY_LOG": str(query_log)}, LOGS / f"run{r}-{p['url_path']}.log")
                startup.append(server.startup_s)
                context, page = _new_page(browser, outside)
                settle = p["url_path"] != "wall"
                try:
                    url = f"{server.url}/{p['path']}"
                    t1 = timed_visit(page, url, VISIT_TIMEOUT_MS, settle=settle)
                    seen[p["path"]] = page.evaluate(COUNT_JS)
                    page_queries[p["path"]].append(logged_queries(query_log))
                    t2 = timed_visit(page, url, VISIT_TIMEOUT_MS, settle=settle)
                    t3 = timed_visit(page, url, VISIT_TIMEOUT_MS, settle=settle)
                    first[p["path"]].append(t1)
                    second[p["path"]] += [t2, t3]
                    # and as an analyst moves between pages: from another page, by its link
                    # in the sidebar (no reload, the same session)
                    other = f"{server.url}/{'data' if p['url_path'] == 'upload' else 'upload'}"
                    for _ in range(2):
                        timed_visit(page, other, VISIT_TIMEOUT_MS)
                        by_sidebar[p["path"]].append(timed_navigation(page, url, VISIT_TIMEOUT_MS))
                    hwm[p["path"]].append(server.memory_mb()["VmHWM"])
                    # the same browser (its cache holds the app's scripts) after the server
                    # restarted: the first visit of a returning user, server caches cold
                    port = server.port
                    server.stop()
                    server = AppProcess(env, LOGS / f"run{r}-{p['url_path']}-restarted.log", port=port)
                    t4 = timed_visit(page, url, VISIT_TIMEOUT_MS, settle=settle)
                    first_cached[p["path"]].append(t4)
                    ran = page_queries[p["path"]][-1]
                    log(f"  run {r + 1}/{runs} /{p['path']:<8} first {t1:6.2f} s (browser cache warm {t4:5.2f} s)  second {t2:5.2f} / {t3:5.2f} s  "
                        f"sidebar {by_sidebar[p['path']][-2]:5.2f} / {by_sidebar[p['path']][-1]:5.2f} s  "
                        f"VmHWM {hwm[p['path']][-1]:5.0f} MB  queries {len(ran['queries'])} in {ran['seconds'] * 1000:.0f} ms"
                        f" (after the first visit: {len(logged_queries(query_log)['queries']) - len(ran['queries'])})")
                    if p["url_path"] == "wall":  # its fragment's reruns, as the meeting room sees them
                        wall_refresh += rerun_durations(page, int(WALL_REFRESH_S * 2500))
                        log(f"  wall refreshes: {[round(d, 2) for d in wall_refresh[-3:]]} s")
                except Exception as exc:  # a page that never finishes is a result, not a crash
                    timed_out[p["path"]] = f"run {r + 1}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                    hwm[p["path"]].append(server.memory_mb()["VmHWM"])
                    log(f"  run {r + 1}/{runs} /{p['path']}: {timed_out[p['path']]}")
                finally:
                    context.close()
                    server.stop()

        # the map page when the reference's geo_file does not exist
        nogeo: dict = {}
        server = AppProcess(_env(geo=False), LOGS / "nogeo.log")
        context, page = _new_page(browser, outside)
        try:
            nogeo["seconds"] = timed_visit(page, f"{server.url}/map")
            nogeo.update(page.evaluate(COUNT_JS))
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "map-missing-geo.png"), full_page=True)
        except Exception as exc:
            nogeo["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        finally:
            context.close()
            server.stop()
        log(f"  map page with a missing geo_file: {nogeo}")
        browser.close()

    result = {
        "warehouse": SIZE,
        "meta": generate.warehouse_meta(SIZE),
        "runs": runs,
        "pages": [p for p in pages],
        "first": {k: summary(v) for k, v in first.items()},
        "second": {k: summary(v) for k, v in second.items()},
        "first_browser_cache_warm": {k: summary(v) for k, v in first_cached.items()},
        "by_sidebar": {k: summary(v) for k, v in by_sidebar.items()},
        "by_sidebar_raw": by_sidebar,
        "first_raw": first,
        "second_raw": second,
        "vmhwm_after_one_page_mb": {k: summary(v) for k, v in hwm.items()},
        "page_queries": {k: summary([q["seconds"] for q in v]) for k, v in page_queries.items()},
        "page_queries_raw": page_queries,
        "server_startup": summary(startup),
        "elements": seen,
        "outside_requests": sorted(set(outside.urls)),
        "map_missing_geo": nogeo,
        "timed_out": timed_out,
        "visit_timeout_s": VISIT_TIMEOUT_MS / 1000,
        "wall": next((p for p in pages if p["url_path"] == "wall"), None),
        "wall_refresh": summary(wall_refresh),
        "wall_refresh_raw": wall_refresh,
        "wall_refresh_interval_s": WALL_REFRESH_S,
        "targets": {"first_s": FIRST_TARGET_S, "second_s": SECOND_TARGET_S},
    }
    save("browser", result)
    return result


def run_memory(log=print) -> dict:
    from playwright.sync_api import sync_playwright

    pages = app_pages()
    env = _env()
    outside = Outside()
    timings: dict[str, dict] = {}
    steps: list[dict] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        server = AppProcess(env, LOGS / "memory.log")
        steps.append({"after": "server start", **server.memory_mb()})
        context, page = _new_page(browser, outside)
        SHOTS.mkdir(parents=True, exist_ok=True)
        try:
            for p in pages:
                url = f"{server.url}/{p['path']}"
                try:
                    t = timed_visit(page, url, VISIT_TIMEOUT_MS, settle=p["url_path"] != "wall")
                except Exception as exc:
                    t = None
                    log(f"  /{p['path']}: {type(exc).__name__} (over {VISIT_TIMEOUT_MS / 1000:.0f} s)")
                timings.setdefault(p["path"], {})["first_after_others"] = t
                page.screenshot(path=str(SHOTS / f"{p['url_path']}.png"), full_page=True)
                steps.append({"after": f"first visit /{p['path']}", **server.memory_mb()})
            for p in pages:
                url = f"{server.url}/{p['path']}"
                try:
                    timings[p["path"]]["second"] = timed_visit(page, url, VISIT_TIMEOUT_MS, settle=p["url_path"] != "wall")
                except Exception:
                    timings[p["path"]]["second"] = None
                steps.append({"after": f"second visit /{p['path']}", **server.memory_mb()})
        finally:
            context.close()
            memory = server.memory_mb()
            server.stop()
            browser.close()
    for s in steps:
        log(f"  {s['after']:<28} VmRSS {s.get('VmRSS', 0):6.0f} MB  VmHWM {s.get('VmHWM', 0):6.0f} MB")
    result = {
        "warehouse": SIZE,
        "meta": generate.warehouse_meta(SIZE),
        "peak_rss_mb": memory.get("VmHWM"),
        "rss_mb": memory.get("VmRSS"),
        "steps": steps,
        "timings": timings,
        "target_mb": RSS_TARGET_MB,
        "outside_requests": sorted(set(outside.urls)),
    }
    save("memory", result)
    return result
