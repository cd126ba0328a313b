"""Measuring pages in headless chromium: when a page has finished, what it drew, its reruns.

The app runs through ui.process: `python -m ui.serve` (what `make run` starts) on a free
loopback port, and Debian's chromium drives it.
"""

from __future__ import annotations

import time

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


def timed_navigation(page, href: str, timeout_ms: float = 60_000) -> float:
    """Seconds from a click on the sidebar link to href until that page has finished.

    What an analyst does between pages: no reload, the same session (its widget state and
    Streamlit's caches), only the page's script rerun. Finished as in timed_visit, once
    the address is href and the new page's script has started.
    """
    page.evaluate(WATCH_JS)
    t0 = time.perf_counter()
    page.click(f'[data-testid="stSidebarNav"] a[href="{href}"]', timeout=timeout_ms)
    page.wait_for_function(
        # the page adds its filters to the address (?year=…), so the path is compared
        "(href) => location.pathname === new URL(href).pathname && window.__states.some(s => s[1] === 'running')",
        arg=href, timeout=timeout_ms, polling="raf",
    )
    page.wait_for_function(READY_JS, timeout=timeout_ms, polling="raf")
    return time.perf_counter() - t0


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
