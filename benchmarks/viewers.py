"""Viewers: N sessions at once opening / (overview) or /wall, on one app server and on two
behind nginx (tests/cluster.py, deploy/nginx/zhaoshang.conf), against the sample warehouse.

Two clients. browser: N new browser contexts in one headless chromium (empty browser caches:
a first visit), all navigating at the same moment; each session's time from navigation to a
finished, drawn page (benchmarks/harness.py's notion, as in the browser part). ws: N
websocket sessions as Streamlit's frontend opens them, until the server says the script has
finished: the server's side of a first visit, without the browser's CPU on the same 2 cores
(ws-serial: the same one after another, the cost of one visit alone). The servers were
started for the topology and warmed by one visit to each page first, so a wave measures new
viewers of a running server (imports and st.cache_data warm), not a cold start.

While a wave runs, a thread samples VmRSS of every app server process and its children
(/proc/<pid>/status) and the CPU ticks (/proc/<pid>/stat, /proc/stat) of the servers, of
everything else this benchmark started (chromium, playwright's driver, nginx) and of the
whole machine, so the result says what share of the 2 cores the servers got, what the
browsers took, and what other work on the machine took. A server that stops using CPU
while sessions wait is deadlocked (benchmarks/polars_deadlock.py shows why): the wave is
cut short, says so, and the servers are restarted.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from pathlib import Path

from ui.process import CHROMIUM, CHROMIUM_ARGS, AppProcess

from .common import DATA, save
from .harness import COUNT_JS, READY_JS

# sessions per wave. A chromium first visit costs 8 s of CPU on this machine, so 25 browsers
# at once take minutes of both cores before the servers count: past 10 only the websocket
# client measures the servers. (ws-serial: one after another, the cost of one visit alone)
PLAN = {"ws-serial": (10,), "ws": (10, 25, 50, 100), "browser": (10,)}
TARGET_S = 2.5
TOKEN = "viewers-benchmark-token"
PAGES = {"overview": "", "wall": f"wall?token={TOKEN}"}
WORK = DATA / "tmp" / "viewers"
VISIT_TIMEOUT_MS = 120_000
POLL_MS = 100
HANG_WINDOW_S = 8  # this long under HANG_CORES with sessions unfinished, and no health answer: deadlocked
HANG_CORES = 0.05
HEALTH_S = 5
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


# ---------------------------------------------------------------- the two clients


async def _visit(context, url: str, settle: bool) -> dict:
    """benchmarks.harness.timed_visit for the async API, checked every 100 ms rather than every
    frame (fifty pages polling each frame would take the CPU the servers need); a failure is
    a result."""
    page = await context.new_page()
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=VISIT_TIMEOUT_MS)
        await page.wait_for_function(READY_JS, timeout=VISIT_TIMEOUT_MS, polling=POLL_MS)
        done = time.perf_counter() - t0
        for _ in range(10 if settle else 0):
            await page.wait_for_timeout(500)
            if await page.evaluate(READY_JS):
                break
            await page.wait_for_function(READY_JS, timeout=VISIT_TIMEOUT_MS, polling=POLL_MS)
            done = time.perf_counter() - t0
        drawn = await page.evaluate(COUNT_JS)
        failed = any(FAILED_TEXT in a for a in drawn["alerts"])
        return {"seconds": done, "error": "app error box" if failed else None, "drawn": drawn}
    except Exception as exc:
        return {"seconds": None, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}", "drawn": None}


async def _ws_visit(base_url: str, path: str) -> dict:
    """One session as the browser's websocket runs it: connect to /_stcore/stream, ask for the
    page's script run, wait for its script_finished. No HTML, scripts or drawing: the server's
    side of a first visit only (as if the browser had Streamlit's scripts cached)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    page, _, query = path.partition("?")
    back = BackMsg()
    back.rerun_script.query_string = query
    back.rerun_script.page_name = page
    back.rerun_script.context_info.url = f"{base_url}/{path}"
    back.rerun_script.context_info.timezone = "Asia/Shanghai"
    back.rerun_script.context_info.locale = "zh-CN"
    host = base_url.split("://", 1)[1]
    t0 = time.perf_counter()
    try:
        async with websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                      origin=base_url, max_size=None, open_timeout=VISIT_TIMEOUT_MS / 1000) as ws:
            await ws.send(back.SerializeToString())
            failed, received = False, 0
            async with asyncio.timeout(VISIT_TIMEOUT_MS / 1000):
                async for frame in ws:
                    received += len(frame)
                    failed = failed or FAILED_TEXT.encode() in frame
                    msg = ForwardMsg()
                    msg.ParseFromString(frame)
                    kind = msg.WhichOneof("type")
                    if kind == "page_not_found":
                        return {"seconds": None, "error": "page not found", "bytes": received}
                    if kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                        return {"seconds": time.perf_counter() - t0, "error": "app error box" if failed else None,
                                "bytes": received}
        return {"seconds": None, "error": "closed before the script finished", "bytes": received}
    except Exception as exc:
        return {"seconds": None, "error": f"{type(exc).__name__}: {str(exc)[:160]}", "bytes": 0}


async def _ws_serial(base_url: str, path: str, n: int) -> list[dict]:
    return [await _ws_visit(base_url, path) for _ in range(n)]


# ---------------------------------------------------------------- waves


def _server_ticks(pids: list[int]) -> int:
    tree = _children()
    return sum(_cpu_ticks(p) for s in pids for p in _descendants(s, tree))


def _answers(urls: list[str]) -> bool:
    """Every server answers /_stcore/health within HEALTH_S (a deadlocked one cannot: its event
    loop waits for the GIL too)."""
    import urllib.request

    try:
        for url in urls:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=HEALTH_S) as answer:
                answer.read()
        return True
    except OSError:
        return False


async def _watched(coros, servers: "Servers") -> tuple[list[dict], bool]:
    """Run the sessions; when sessions are left and a server has used under HANG_CORES for
    HANG_WINDOW_S and does not answer its health check, it is deadlocked: the rest is
    cancelled and the wave says so. (Idle alone is not enough: chromium may still be
    starting the pages.)"""
    tasks = [asyncio.ensure_future(c) for c in coros]
    history: list[tuple[float, list[int]]] = []
    hung = False
    while True:
        _, pending = await asyncio.wait(tasks, timeout=1)
        if not pending:
            break
        history.append((time.monotonic(), [_server_ticks([pid]) for pid in servers.pids]))
        old = [h for h in history if h[0] <= history[-1][0] - HANG_WINDOW_S]
        if old:
            span = history[-1][0] - old[-1][0]
            idle = [app.url for app, now, then in zip(servers.apps, history[-1][1], old[-1][1])
                    if (now - then) / TICK / span < HANG_CORES]
            if idle and not await asyncio.to_thread(_answers, idle):
                hung = True
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                break
    lost = {"seconds": None, "error": "unfinished: the server was deadlocked", "drawn": None, "bytes": 0}
    return [lost if t.cancelled() else t.result() for t in tasks], hung


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
        before = _server_ticks(pids)
        time.sleep(seconds)
        if (_server_ticks(pids) - before) / TICK / seconds < limit:
            return


class Servers:
    """One app server on its own port, or two behind nginx; restarted after a deadlock."""

    def __init__(self, topology: str, env: dict[str, str]):
        self.topology, self.env = topology, env
        self._start()

    def _start(self) -> None:
        from tests.cluster import Cluster

        if self.topology == "one":
            self.cluster = None
            self.apps = [AppProcess(self.env, WORK / "one.log")]
            self.url = self.apps[0].url
        else:
            self.cluster = Cluster(self.env, 2, WORK / "two")
            self.apps, self.url = self.cluster.servers, self.cluster.url
        self.pids = [a.pid for a in self.apps]
        self.idle_rss_mb = sum(a.memory_mb()["VmRSS"] for a in self.apps)

    async def warm(self) -> None:
        """Imports, connections and st.cache_data warm on every server: a running server."""
        for app in self.apps:
            for path in PAGES.values():
                await _ws_visit(app.url, path)

    def stop(self) -> None:
        if self.cluster is None:
            self.apps[0].stop()
        else:
            self.cluster.stop()

    async def restart(self) -> None:
        self.stop()
        self._start()
        await self.warm()


async def _wave(client: str, browser, servers: Servers, path: str, n: int) -> tuple[list[dict], dict, bool]:
    meter = Meter(servers.pids)
    url = f"{servers.url}/{path}"
    if client == "browser":
        contexts = [await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN") for _ in range(n)]
        meter.start()
        try:
            visits, hung = await _watched([_visit(c, url, not path.startswith("wall")) for c in contexts], servers)
        finally:
            usage = meter.stop()
            for c in contexts:
                await c.close()
        return visits, usage, hung
    own = os.times()
    meter.start()
    if client == "ws-serial":
        visits, hung = await _watched([_ws_serial(servers.url, path, n)], servers)
        visits = visits[0] if not hung else visits
    else:
        visits, hung = await _watched([_ws_visit(servers.url, path) for _ in range(n)], servers)
    usage = meter.stop()
    after = os.times()
    usage["browser_cpu_s"] += after.user + after.system - own.user - own.system  # the client is this process
    return visits, usage, hung


async def _topology(topology: str, env: dict[str, str], plan: dict[str, tuple[int, ...]], log) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    rows = []
    servers = Servers(topology, env)
    idle_rss = servers.idle_rss_mb
    try:
        await servers.warm()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for client, sizes in plan.items():
                    for n in sizes:
                        for page, path in PAGES.items():
                            _idle(servers.pids)
                            load = os.getloadavg()[0]
                            visits, usage, hung = await _wave(client, browser, servers, path, n)
                            times = sorted(v["seconds"] for v in visits if v["seconds"] is not None and v["error"] is None)
                            row = {
                                "topology": topology, "client": client, "page": page, "n": n, "loadavg_1m": load,
                                "p50": _quantile(times, 0.5), "p95": _quantile(times, 0.95),
                                "max": times[-1] if times else None, "ok": len(times), "hung": hung,
                                "within_target": sum(t <= TARGET_S for t in times),
                                "errors": [v["error"] for v in visits if v["error"]], "times": times,
                                "drawn": next((v["drawn"] for v in visits if v.get("drawn")), None), **usage,
                            }
                            rows.append(row)
                            log(f"  {topology:<3} {client:<7} {page:<8} N={n:<3} p50 {_s(row['p50'])}  p95 {_s(row['p95'])}  "
                                f"max {_s(row['max'])} s  ok {row['ok']}/{n}{'  DEADLOCK' if hung else ''}  "
                                f"server CPU {usage['server_cpu_s']:.1f} s  client CPU {usage['browser_cpu_s']:.1f} s  "
                                f"other {usage['other_cpu_s']:.1f} s  wave {usage['wave_s']:.1f} s  "
                                f"peak RSS {usage['peak_rss_total_mb']:.0f} MB  (load {load:.1f})")
                            if row["ok"] < n:  # a deadlocked server (or one that may be) is not measured again
                                await servers.restart()
            finally:
                await browser.close()
    finally:
        servers.stop()
    return rows, {"idle_rss_mb": idle_rss}


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


def run(log=print, plan: dict[str, tuple[int, ...]] | None = None) -> dict:
    plan = plan or PLAN
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "accounts.sqlite").unlink(missing_ok=True)
    env = _env(_sample_warehouse())
    rows: list[dict] = []
    servers: dict[str, dict] = {}
    for topology in ("one", "two"):
        done, servers[topology] = asyncio.run(_topology(topology, env, plan, log))
        rows += done
    result = {
        "warehouse": "sample (embedded DuckDB file built by etl.sample)",
        "plan": plan,
        "rows": rows,
        "servers": servers,
        "target_s": TARGET_S,
        "visit_timeout_s": VISIT_TIMEOUT_MS / 1000,
        "hang_window_s": HANG_WINDOW_S,
    }
    save("viewers", result)
    return result


if __name__ == "__main__":
    import sys

    sizes = tuple(int(a) for a in sys.argv[1:])
    run(plan={"ws-serial": sizes, "ws": sizes, "browser": sizes} if sizes else None)
