"""Viewers: N browser sessions at once opening / (overview) or /wall, on one app server and on
two behind nginx (tests/cluster.py, deploy/nginx/zhaoshang.conf), against the sample warehouse.

Each wave: N new browser contexts in one headless chromium (empty browser caches: a first
visit), all navigating at the same moment; each session's time from navigation to a finished,
drawn page (benchmarks/harness.py's notion, as in the browser part). The servers were started
for the topology and warmed by one visit to each page first, so a wave measures new viewers
of a running server (imports and st.cache_data warm), not a cold start.

While a wave runs, a thread samples VmRSS of every app server process and its children
(/proc/<pid>/status) and the CPU ticks (/proc/<pid>/stat, /proc/stat) of the servers, of
everything else this benchmark started (chromium, playwright's driver, nginx) and of the
whole machine, so the result says what share of the 2 cores the servers got, what the
browsers took, and what other work on the machine took.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from pathlib import Path

from ui.process import CHROMIUM, CHROMIUM_ARGS, AppProcess

from .common import DATA, save, summary
from .harness import COUNT_JS, READY_JS

SIZES = (10, 25, 50)
TARGET_S = 2.5
TOKEN = "viewers-benchmark-token"
PAGES = {"overview": "", "wall": f"wall?token={TOKEN}"}
WORK = DATA / "tmp" / "viewers"
VISIT_TIMEOUT_MS = 240_000
SAMPLE_EVERY_S = 0.1
TICK = os.sysconf("SC_CLK_TCK")
FAILED_TEXT = "页面暂时无法显示"


# ---------------------------------------------------------------- processes and their costs


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(root: int, tree: dict[int, list[int]]) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += tree.get(pid, [])
    return out


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _machine_busy_ticks() -> int:
    """Ticks every core spent on anything but idle and iowait since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


class Meter:
    """Peak RSS of each server's process tree, sampled; CPU ticks of servers, the rest of
    this benchmark's children (browser, driver, nginx) and the machine, between start and stop.

    CPU per process is taken as the difference of its own counters; a process that exits
    during the wave loses its ticks, so the wave's contexts are closed only after stop().
    """

    def __init__(self, server_pids: list[int]):
        self.server_pids = server_pids
        self.peak_mb = {pid: 0.0 for pid in server_pids}
        self.peak_total_mb = 0.0
        self._stop = threading.Event()

    def _snapshot(self) -> tuple[dict[int, int], dict[int, int], int]:
        tree = _children()
        servers = {p for s in self.server_pids for p in _descendants(s, tree)}
        ours = set(_descendants(os.getpid(), tree)) - servers - {os.getpid()}
        return ({p: _cpu_ticks(p) for p in servers}, {p: _cpu_ticks(p) for p in ours}, _machine_busy_ticks())

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            tree = _children()
            total = 0.0
            for s in self.server_pids:
                mb = sum(_rss_mb(p) for p in _descendants(s, tree))
                self.peak_mb[s] = max(self.peak_mb[s], mb)
                total += mb
            self.peak_total_mb = max(self.peak_total_mb, total)

    def start(self) -> None:
        self._before = self._snapshot()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> dict:
        seconds = time.perf_counter() - self._t0
        after = self._snapshot()
        self._stop.set()
        self._thread.join()

        def spent(i: int) -> float:
            return sum(t - self._before[i].get(p, 0) for p, t in after[i].items()) / TICK

        server_s, browser_s = spent(0), spent(1)
        machine_s = (after[2] - self._before[2]) / TICK
        return {
            "wave_s": seconds,
            "server_cpu_s": server_s,
            "browser_cpu_s": browser_s,  # chromium, playwright's driver, nginx
            "other_cpu_s": max(0.0, machine_s - server_s - browser_s),  # everything else on the machine
            "machine_cpu_s": machine_s,
            "peak_rss_mb": {str(p): round(mb, 1) for p, mb in self.peak_mb.items()},
            "peak_rss_total_mb": round(self.peak_total_mb, 1),
        }


# ---------------------------------------------------------------- the browser side


async def _visit(context, url: str, settle: bool) -> dict:
    """benchmarks.harness.timed_visit for the async API; a failure is a result."""
    page = await context.new_page()
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=VISIT_TIMEOUT_MS)
        await page.wait_for_function(READY_JS, timeout=VISIT_TIMEOUT_MS, polling="raf")
        done = time.perf_counter() - t0
        for _ in range(10 if settle else 0):
            await page.wait_for_timeout(500)
            if await page.evaluate(READY_JS):
                break
            await page.wait_for_function(READY_JS, timeout=VISIT_TIMEOUT_MS, polling="raf")
            done = time.perf_counter() - t0
        drawn = await page.evaluate(COUNT_JS)
        failed = any(FAILED_TEXT in a for a in drawn["alerts"])
        return {"seconds": done, "error": "app error box" if failed else None, "drawn": drawn}
    except Exception as exc:
        return {"seconds": None, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}", "drawn": None}


async def _wave(browser, base_url: str, path: str, n: int, meter: Meter) -> tuple[list[dict], dict]:
    settle = not path.startswith("wall")
    contexts = [await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN") for _ in range(n)]
    meter.start()
    try:
        visits = await asyncio.gather(*(_visit(c, f"{base_url}/{path}", settle) for c in contexts))
    finally:
        usage = meter.stop()
        for c in contexts:
            await c.close()
    return visits, usage


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _idle(pids: list[int], seconds: float = 1.0, limit: float = 0.1, timeout: float = 30) -> None:
    """Wait until the servers use under `limit` of a core (closed sessions are cleaned up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = _children()
        procs = [p for s in pids for p in _descendants(s, tree)]
        before = sum(_cpu_ticks(p) for p in procs)
        time.sleep(seconds)
        if (sum(_cpu_ticks(p) for p in procs) - before) / TICK / seconds < limit:
            return


async def _topology(name: str, base_url: str, server_pids: list[int], sizes, log) -> list[dict]:
    from playwright.async_api import async_playwright

    rows = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            for path in PAGES.values():  # imports, connections and st.cache_data warm on the server(s)
                for _ in range(len(server_pids)):
                    await _visit(warm, f"{base_url}/{path}", settle=False)
            await warm.close()
            for n in sizes:
                for page, path in PAGES.items():
                    _idle(server_pids)
                    load = os.getloadavg()[0]
                    visits, usage = await _wave(browser, base_url, path, n, Meter(server_pids))
                    times = sorted(v["seconds"] for v in visits if v["seconds"] is not None and v["error"] is None)
                    errors = [v["error"] for v in visits if v["error"]]
                    row = {
                        "topology": name, "page": page, "n": n, "loadavg_1m": load,
                        "p50": _quantile(times, 0.5), "p95": _quantile(times, 0.95),
                        "max": times[-1] if times else None, "ok": len(times),
                        "within_target": sum(t <= TARGET_S for t in times),
                        "errors": errors, "times": times,
                        "drawn": next((v["drawn"] for v in visits if v["drawn"]), None), **usage,
                    }
                    rows.append(row)
                    log(f"  {name:<5} {page:<8} N={n:<3} p50 {_s(row['p50'])}  p95 {_s(row['p95'])}  max {_s(row['max'])} s  "
                        f"ok {row['ok']}/{n}  server CPU {usage['server_cpu_s']:.1f} s  browser CPU {usage['browser_cpu_s']:.1f} s  "
                        f"other {usage['other_cpu_s']:.1f} s  wave {usage['wave_s']:.1f} s  peak RSS {usage['peak_rss_total_mb']:.0f} MB"
                        f"  (load {load:.1f})")
        finally:
            await browser.close()
    return rows



def _s(v: float | None) -> str:
    return "  —  " if v is None else f"{v:5.2f}"


def _env(db: Path) -> dict[str, str]:
    return {
        "WAREHOUSE_DB": str(db),
        "ACCOUNTS_DB": str(WORK / "accounts.sqlite"),  # no account: the overview is open, no login
        "WALL_TOKEN": TOKEN,
    }


def _sample_warehouse() -> Path:
    from etl.sample import build_sample

    db = WORK / "warehouse.duckdb"
    if not db.exists():
        results = build_sample(db)
        if not all(r.ok for r in results):
            raise RuntimeError("the sample warehouse did not build")
    return db


def run(log=print, sizes=SIZES) -> dict:
    from tests.cluster import Cluster

    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "accounts.sqlite").unlink(missing_ok=True)
    env = _env(_sample_warehouse())
    rows: list[dict] = []
    rss_idle: dict[str, float] = {}

    server = AppProcess(env, WORK / "one.log")
    try:
        rss_idle["one"] = server.memory_mb()["VmRSS"]
        rows += asyncio.run(_topology("one", server.url, [server.pid], sizes, log))
    finally:
        server.stop()

    cluster = Cluster(env, 2, WORK / "two")
    try:
        rss_idle["two"] = sum(s.memory_mb()["VmRSS"] for s in cluster.servers)
        rows += asyncio.run(_topology("two", cluster.url, [s.pid for s in cluster.servers], sizes, log))
        routed = {}
        for entry in cluster.nginx.log():
            if entry.uri.startswith("/_stcore/stream") and entry.upstream_port:
                routed[entry.upstream_port] = routed.get(entry.upstream_port, 0) + 1
    finally:
        cluster.stop()

    result = {
        "warehouse": "sample (embedded DuckDB file built by etl.sample)",
        "sizes": list(sizes),
        "pages": PAGES | {"wall": "wall?token=…"},
        "rows": rows,
        "rss_idle_mb": rss_idle,
        "sessions_per_server_two": {str(k): v for k, v in routed.items()},
        "target_s": TARGET_S,
        "visit_timeout_s": VISIT_TIMEOUT_MS / 1000,
    }
    save("viewers", result)
    return result


if __name__ == "__main__":
    import sys

    run(sizes=tuple(int(a) for a in sys.argv[1:]) or SIZES)
