"""Every page in a real browser, offline: it renders, shows no error, and shows its figures."""

import pytest
from playwright.sync_api import expect

from .conftest import AppServer, assert_no_exception, wait_until_done

PAGES = {
    "": "招商引资总览",
    "signing": "签约分析",
    "starts": "开工分析",
    "chains": "产业链集聚",
    "map": "县区排名",
    "pipeline": "四库",
    "liaison": "包联",
    "projects": "项目清单",
    "project": "项目档案",
    "upload": "数据上传",
    "data": "数据管理",
    "digest": "每日动态与研判材料",
    "entry": "项目录入与流转",
}
ANALYST_PAGES = ["", "signing", "starts", "chains", "map"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline(page, path):
    page.goto(f"{page.app_url}/{path}?year=2024&months=1-12")
    wait_until_done(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_contain_text(PAGES[path])
    if path in ANALYST_PAGES:
        assert page.locator('[data-testid="stSidebar"]').get_by_text("年份").count() == 1


def test_overview_shows_the_2024_figures(page):
    page.goto(f"{page.app_url}/?year=2024&months=1-12")
    wait_until_done(page)
    metrics = page.locator('[data-testid="stMetric"]')
    for figure in ("539", "3,126.95", "443", "82.19%", "546.98", "157.19"):
        expect(metrics.filter(has_text=figure).first).to_be_visible()


def test_map_canvas_is_drawn(page):
    page.goto(f"{page.app_url}/map?year=2024&months=1-12")
    wait_until_done(page)
    canvas = page.locator("canvas").first
    canvas.wait_for(state="visible", timeout=20_000)
    box = canvas.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200


def test_phone_width_has_no_horizontal_scroll(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/?year=2024&months=1-12")
        wait_until_done(page)
        assert_no_exception(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
    finally:
        context.close()


@pytest.mark.parametrize("command", [AppServer.MAKE_RUN, AppServer.STREAMLIT_RUN], ids=["make_run", "streamlit_run"])
def test_a_deep_link_to_a_fresh_server_goes_through_the_router(browser, sample_db, tmp_path, command):
    """Regression: with a pages/ folder beside app.py, Streamlit's old multipage mode ran
    /starts as a bare script (no router, no error guard, raw file names in the sidebar), or
    showed "Page not found" over it, until somebody had opened / once. app.py switches that
    mode off wherever the server was started from: `make run` or plain `streamlit run app.py`."""
    app = AppServer(sample_db, tmp_path / "streamlit.log", command=command)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{app.url}/starts?year=2024&months=1-12")
        wait_until_done(page)
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_contain_text("开工分析")
        expect(nav).to_contain_text("数据管理")
        assert "starts" not in nav.inner_text()
        assert "View" not in nav.inner_text(), "every page listed, no English button hiding some"
        expect(page.locator("h1").first).to_contain_text("开工分析")
        assert page.get_by_text("Page not found").count() == 0
    finally:
        context.close()
        app.stop()
