"""数据大屏 in a real browser, offline: its figures, a screen without overflow at 1080p, 4K and
21:9, and a CLI load that appears within one refresh interval without reloading the page."""

import datetime
import shutil
import subprocess
import sys
import time

import openpyxl
import pytest

from warehouse.db import Reader
from warehouse.queries import Filters, headline

from .conftest import ARTIFACTS, ROOT, AppServer, OfflineGuard, assert_no_exception, wait_until_done

TOKEN = "wall-test-token"
REFRESH_SECONDS = 2
NEW_PROJECT = "大屏测试新增储能项目"

# Every element's box, cut by its clipping ancestors (a rolling list moves inside its panel),
# must lie inside the viewport; the document must not scroll either way.
OVERFLOW = """() => {
  const vw = window.innerWidth, vh = window.innerHeight, outside = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    let [x0, y0, x1, y1] = [r.left, r.top, r.right, r.bottom];
    for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
        const q = a.getBoundingClientRect();
        [x0, y0, x1, y1] = [Math.max(x0, q.left), Math.max(y0, q.top), Math.min(x1, q.right), Math.min(y1, q.bottom)];
      }
    }
    if (x1 <= x0 || y1 <= y0) continue;
    if (x0 < -0.5 || y0 < -0.5 || x1 > vw + 0.5 || y1 > vh + 0.5) {
      outside.push(`${el.tagName}.${el.className} ${Math.round(x0)},${Math.round(y0)}-${Math.round(x1)},${Math.round(y1)}`);
    }
  }
  const d = document.documentElement;
  return {scroll: [d.scrollWidth - vw, d.scrollHeight - vh], outside: outside.slice(0, 10)};
}"""


def one_project_ledger(path):
    """A signing on the data date of the sample's latest year (2025, January to September)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "9月"
    ws.append(["运城市2025年9月招商引资签约项目台账"])
    ws.append(["序号", "项目名称", "所属县（市、区）", "所属产业链", "签约金额（万元）", "签约时间"])
    ws.append([1, NEW_PROJECT, "万荣县", "新能源", 56789, datetime.date(2025, 9, 30)])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def wall_app(sample_db, tmp_path_factory):
    """The app on a copy of the sample, with a wall token, a 2-second refresh, and the overview
    held on screen (the turning wall has its own server below)."""
    folder = tmp_path_factory.mktemp("wall")
    db = folder / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    app = AppServer(
        db, folder / "streamlit.log",
        env={"WALL_TOKEN": TOKEN, "WALL_REFRESH_SECONDS": str(REFRESH_SECONDS), "WALL_ROTATE_SECONDS": "0"},
    )
    yield app
    app.stop()


def open_wall(browser, app, width, height, token=TOKEN):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    guard = OfflineGuard("127.0.0.1")
    page.on("request", guard)
    page.goto(f"{app.url}/wall?token={token}")
    wait_until_done(page)
    page.wait_for_selector(".wall-kpis, .wall-notice", timeout=30_000)
    return context, page, guard


def card(page, metric: str) -> str:
    return page.locator(f'.wall-kpi[data-metric="{metric}"] .wall-kpi-value b').inner_text()


def save(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def fits(page) -> None:
    result = page.evaluate(OVERFLOW)
    assert result["scroll"][0] <= 0 and result["scroll"][1] <= 0, result
    assert result["outside"] == [], result


def test_wall_at_1080p_shows_this_years_figures_and_a_cli_load_without_reload(browser, wall_app, tmp_path):
    context, page, guard = open_wall(browser, wall_app, 1920, 1080)
    try:
        assert_no_exception(page)
        page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(state="visible", timeout=20_000)
        # a meeting-room screen: no navigation, no menu, no toolbar
        for chrome in ("stSidebar", "stSidebarNav", "stHeader", "stToolbar"):
            assert not page.locator(f'[data-testid="{chrome}"]').is_visible(), chrome

        figures = headline(Reader(wall_app.db).cursor(), Filters(2025, 1, 9))
        assert page.locator(".wall-period span").first.inner_text() == "2025年1-9月"
        assert card(page, "signed_projects") == str(figures["signed_projects"]) == "402"
        assert card(page, "signed_amount_yi") == f"{figures['signed_amount_yi']:,.2f}"
        assert card(page, "started_projects") == str(figures["started_projects"])
        assert card(page, "start_rate") == f"{figures['start_rate'] * 100:.2f}"
        assert card(page, "started_planned_investment_yi") == f"{figures['started_planned_investment_yi']:,.2f}"
        assert card(page, "funds_in_place_yi") == f"{figures['funds_in_place_yi']:,.2f}"
        size = page.locator('.wall-kpi[data-metric="signed_amount_yi"] .wall-kpi-value b').evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 48
        fits(page)
        save(page, "wall-1920x1080.png")

        page.evaluate("window.wallMarker = 'same page'")
        ledger = one_project_ledger(tmp_path / "2025年9月签约项目台账.xlsx")
        load = subprocess.run(
            [sys.executable, "-m", "etl", "load", "--db", str(wall_app.db), str(ledger)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert load.returncode == 0, load.stderr
        loaded = time.monotonic()
        page.wait_for_function(
            """() => document.querySelector('.wall-kpi[data-metric="signed_projects"] .wall-kpi-value b')
                       ?.innerText === '403'""",
            timeout=(REFRESH_SECONDS + 5) * 1000,
        )
        # one interval, plus the rerun itself
        assert time.monotonic() - loaded <= REFRESH_SECONDS + 3
        assert page.evaluate("window.wallMarker") == "same page"
        # the same rerun redraws the list of latest signings, newest first
        page.locator(".wall-item-name span").filter(has_text=NEW_PROJECT).first.wait_for(state="attached", timeout=5_000)
        assert_no_exception(page)
        fits(page)
    finally:
        context.close()
    assert guard.outside == [], guard.outside


@pytest.mark.parametrize("width,height", [(3840, 2160), (2560, 1080)])
def test_wall_fills_larger_and_wider_screens_without_overflow(browser, wall_app, width, height):
    context, page, guard = open_wall(browser, wall_app, width, height)
    try:
        assert_no_exception(page)
        page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(state="visible", timeout=20_000)
        page.wait_for_timeout(1000)
        size = page.locator('.wall-kpi[data-metric="signed_projects"] .wall-kpi-value b').evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 48 * height / 1080
        fits(page)
        save(page, f"wall-{width}x{height}.png")
    finally:
        context.close()
    assert guard.outside == [], guard.outside


def test_wall_with_a_wrong_token_shows_a_calm_notice(browser, wall_app):
    context, page, guard = open_wall(browser, wall_app, 1920, 1080, token="wrong")
    try:
        assert_no_exception(page)
        assert page.locator(".wall-notice").inner_text() == "请使用管理员提供的大屏链接"
        assert page.locator(".wall-kpis").count() == 0
        assert page.locator('[data-testid="stAlert"]').count() == 0
        fits(page)
        save(page, "wall-wrong-token.png")
    finally:
        context.close()
    assert guard.outside == [], guard.outside


@pytest.fixture(scope="module")
def turning_app(sample_db, tmp_path_factory):
    """The app as shipped (rotation on in city.toml), turning every 3 seconds for the test."""
    folder = tmp_path_factory.mktemp("turning")
    db = folder / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    app = AppServer(db, folder / "streamlit.log", env={"WALL_TOKEN": TOKEN, "WALL_ROTATE_SECONDS": "3"})
    yield app
    app.stop()


def test_wall_turns_to_the_ranking_and_the_red_warnings_by_itself(browser, turning_app):
    context, page, guard = open_wall(browser, turning_app, 1920, 1080)
    try:
        page.evaluate("window.wallMarker = 'same page'")
        # a full turn, nobody touching the page: each panel comes in its turn
        for panel, selector in (("units", ".wall-units-panel"), ("warnings", ".wall-red-list"),
                                ("overview", '[data-testid="stDeckGlJsonChart"]')):
            page.wait_for_selector(selector, state="visible", timeout=30_000)
            assert_no_exception(page)
            if panel == "warnings":
                rows = page.locator(".wall-red-row:not(.wall-red-head) .wall-duty")
                assert rows.count() == 20  # ten warnings, each with its unit and its leader
                assert all(text and text != "未填报" for text in rows.all_inner_texts())
            fits(page)
            save(page, f"wall-turn-{panel}.png")
        assert page.evaluate("window.wallMarker") == "same page"
        # the data date of the sample is long past its reporting deadline
        assert page.locator(".wall-overdue").inner_text().startswith("⚠ 数据未按期更新")
    finally:
        context.close()
    assert guard.outside == [], guard.outside
