"""A real `streamlit run app.py` on a free loopback port, and Debian's chromium to drive it.

The same ideas as tests/browser/conftest.py (copied, not imported: benchmarks do not
depend on test code). Candidates for one shared module both could import.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-quic", "--disable-sync",
]

# Finished: the script is not running, the page drew something, no skeleton placeholder is
# left, and every visible chart has drawn (plotly: its svg; pydeck: a sized canvas; tables:
# their canvas). Charts in a closed expander or an unselected tab are not drawn by the
# browser until shown, so they are not waited for.
READY_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    const state = app.getAttribute('data-test-script-state');
    if (!state || ['initial', 'running', 'rerunRequested'].includes(state)) return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || !main.querySelector('h1, [data-testid="stElementContainer"]')) return false;
    if (main.querySelector('[data-testid="stSkeleton"]')) return false;
    const shown = e => (e.checkVisibility ? e.checkVisibility() : e.offsetParent !== null)
        && e.getBoundingClientRect().height > 0;
    for (const c of main.querySelectorAll('[data-testid="stPlotlyChart"]'))
        if (shown(c) && !c.querySelector('.main-svg')) return false;
    for (const c of main.querySelectorAll('[data-testid="stDeckGlJsonChart"]')) {
        if (!shown(c)) continue;
        const canvas = c.querySelector('canvas');
        if (!canvas || canvas.width < 10 || canvas.height < 10) return false;
    }
    for (const c of main.querySelectorAll('[data-testid="stDataFrame"]'))
        if (shown(c) && !c.querySelector('canvas, table')) return false;
    return true;
}"""

COUNT_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const n = s => main ? main.querySelectorAll(s).length : 0;
    const errors = [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlert"]')]
        .map(e => e.innerText.slice(0, 200)).filter(t => t);
    return {plotly: n('[data-testid="stPlotlyChart"]'), deck: n('[data-testid="stDeckGlJsonChart"]'),
            tables: n('[data-testid="stDataFrame"]'), metrics: n('[data-testid="stMetric"]'), alerts: errors};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`python -m streamlit run app.py` with the given environment; stop() ends only this process."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log
        self.log = log.open("w")
        t = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.address", "127.0.0.1", "--server.port", str(self.port),
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_healthy()
        self.startup_s = time.perf_counter() - t

    @property
    def pid(self) -> int:
        return self.process.pid

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("streamlit did not become healthy")

    def memory_mb(self) -> dict[str, float]:
        """VmHWM (peak RSS) and VmRSS of the server process, from /proc."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) / 1024
        return out

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def launch_browser(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def timed_visit(page, url: str, timeout_ms: float = 60_000, settle_ms: int = 500, settle: bool = True) -> float:
    """Seconds from navigation until the page has finished running and drawn its charts.

    After the first moment it is finished, wait settle_ms and check again: when a rerun
    started meanwhile, the time is taken when that one has finished (not for a page that
    reruns by itself, such as the wall's fragment: settle=False). The check runs on the
    page's main thread, so a page whose drawing blocks that thread is finished only when
    the thread is free again (what its user sees).
    """
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    page.wait_for_function(READY_JS, timeout=timeout_ms, polling="raf")
    done = time.perf_counter() - t0
    for _ in range(10 if settle else 0):
        page.wait_for_timeout(settle_ms)
        if page.evaluate(READY_JS):
            return done
        page.wait_for_function(READY_JS, timeout=timeout_ms, polling="raf")
        done = time.perf_counter() - t0
    return done


# Records every change of the script state with its time (performance.now(), ms).
WATCH_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__states = [[performance.now(), app.getAttribute('data-test-script-state')]];
    new MutationObserver(() => window.__states.push([performance.now(), app.getAttribute('data-test-script-state')]))
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def rerun_durations(page, wait_ms: int) -> list[float]:
    """Seconds each rerun (e.g. a st.fragment(run_every=...)) spent running, watched for wait_ms."""
    page.evaluate(WATCH_JS)
    page.wait_for_timeout(wait_ms)
    states = page.evaluate("() => window.__states")
    durations, started = [], None
    for t, state in states:
        if state in ("running", "rerunRequested") and started is None:
            started = t
        elif state not in ("running", "rerunRequested", "initial") and started is not None:
            durations.append((t - started) / 1000)
            started = None
    return durations
