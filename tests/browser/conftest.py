"""The app as `make run` starts it (ui.process) on a free loopback port, driven by Debian's chromium.

Browser tests run offline: every request the page makes is recorded, and a request to
any host but the app's fails the test. In CI (CI or REQUIRE_BROWSER set) a missing
browser is a failure, not a skip.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.needs import missing
from ui.process import AppProcess, launch_chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


class AppServer(AppProcess):
    """The app reading the warehouse at db."""

    def __init__(self, db: Path, log: Path, env: dict[str, str] | None = None, command=AppProcess.MAKE_RUN):
        self.db = db
        super().__init__({"WAREHOUSE_DB": str(db), **(env or {})}, log, command=command)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    from etl.sample import build_sample

    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    results = build_sample(db)
    assert all(r.ok for r in results), [p.text() for r in results for p in r.ledger.errors]
    return db


@pytest.fixture(scope="session")
def server(sample_db, tmp_path_factory):
    app = AppServer(sample_db, tmp_path_factory.mktemp("log") / "streamlit.log")
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            b = launch_chromium(p)
        except RuntimeError as absent:
            missing(absent, "REQUIRE_BROWSER")
        yield b
        b.close()


class OfflineGuard:
    """Records every request; the app's own host is the only one allowed."""

    def __init__(self, allowed_host: str):
        self.allowed = {allowed_host, "localhost"}
        self.outside: list[str] = []

    def __call__(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")) or host in self.allowed:
            return
        self.outside.append(request.url)


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    guard = OfflineGuard("127.0.0.1")
    pg.on("request", guard)
    pg.app_url = server.url
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert guard.outside == [], f"requests left the machine: {guard.outside}"


def wait_until_done(page, timeout: float = 30_000) -> None:
    """The script has finished: the app is drawn and no 'running' indicator is shown."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app && app.getAttribute('data-test-script-state');
            return app && !['initial', 'running', 'rerunRequested'].includes(state)
                && !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')
                && document.querySelector('[data-testid="stMain"]')
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)
    # a second check: a rerun may have started right after the first one ended
    page.wait_for_function(
        "() => !['initial', 'running', 'rerunRequested'].includes("
        "document.querySelector('[data-testid=\"stApp\"]').getAttribute('data-test-script-state'))",
        timeout=timeout,
    )


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()
    assert "Traceback" not in page.content()
    # app.py's guard turns a failing page into this message; for a test it is a failure
    assert page.get_by_text("页面暂时无法显示").count() == 0
