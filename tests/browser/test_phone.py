"""At a phone's width (390 px, the city's mini-program users) and in Chinese only: the whole
map, figure cards two per row, and no English or raw None/NaN where a user looks."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from ui.geo import MAP_STYLE

from .conftest import assert_no_exception, wait_until_done

PHONE = {"width": 390, "height": 844}
# what Streamlit, Plotly or a raw value would show in English
ENGLISH = re.compile(
    r"\b(None|NaN|nan|null|Download as CSV|Download plot|Upload|per file|Drag and drop|Print|Fullscreen|"
    r"Search|Show/hide columns|Zoom|Pan|Autoscale|Reset axes|Produced with Plotly)\b"
)
PAGES = ["", "signing", "starts", "chains", "map", "pipeline", "liaison", "upload", "data"]


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def open_page(page, url: str) -> None:
    """The page after the browser has reported its width (ui.viewport) and the rerun it causes."""
    page.goto(url)
    wait_until_done(page)
    page.wait_for_timeout(1000)
    wait_until_done(page)
    assert_no_exception(page)


def test_the_whole_city_is_on_the_phone_map(phone, server):
    open_page(phone, f"{server.url}/map?year=2024&months=1-12")
    canvas = phone.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for(state="visible", timeout=20_000)
    phone.wait_for_timeout(1500)  # deck.gl draws after the element appears
    box = canvas.bounding_box()
    assert box["width"] <= PHONE["width"]
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    background = (244, 244, 240)  # static/blank.json's background
    assert MAP_STYLE[False].endswith("blank.json")

    def drawn(x: int, y: int) -> bool:
        return max(abs(a - b) for a, b in zip(image.getpixel((x, y)), background)) > 12

    w, h = image.size
    # the zoom buttons sit in the top-right corner; everything else along the edges is empty
    controls = phone.locator('[data-testid="stDeckGlJsonChart"] .maplibregl-ctrl-group, '
                             '[data-testid="stDeckGlJsonChart"] button').evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom])")
    scale = w / box["width"]

    def under_controls(x: int, y: int) -> bool:
        px, py = box["x"] + x / scale, box["y"] + y / scale
        return any(l - 4 <= px <= r + 4 and t - 4 <= py <= b + 4 for l, t, r, b in controls)

    def in_corner(x: int, y: int) -> bool:  # the chart's rounded corners show the page behind
        return min(x, w - 1 - x) < 12 * scale and min(y, h - 1 - y) < 12 * scale

    edge = [(x, y) for x in range(w) for y in (2, h - 3)] + [(x, y) for y in range(h) for x in (2, w - 3)]
    cut = [(x, y) for x, y in edge if drawn(x, y) and not under_controls(x, y) and not in_corner(x, y)]
    assert cut == [], f"counties touch the map's edge at {cut[:5]} (of {len(cut)})"
    # and the counties are there: a good part of the map is coloured
    sample = [(x, y) for x in range(0, w, 6) for y in range(0, h, 6)]
    assert sum(drawn(x, y) for x, y in sample) > 0.3 * len(sample)


@pytest.mark.parametrize("path", ["", "pipeline"])
def test_figure_cards_two_per_row(phone, server, path):
    open_page(phone, f"{server.url}/{path}?year=2024&months=1-12")
    boxes = [m.bounding_box() for m in phone.locator('[data-testid="stMetric"]').all()[:4]]
    assert len(boxes) == 4
    for left, right in (boxes[0:2], boxes[2:4]):
        assert abs(left["y"] - right["y"]) < 2 and right["x"] > left["x"] + left["width"]
        assert left["width"] < PHONE["width"] / 2 and right["x"] + right["width"] <= PHONE["width"]
    assert boxes[2]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


@pytest.mark.parametrize("width", [390, 1440])
def test_no_english_and_no_raw_values_on_any_page(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        for path in PAGES:
            open_page(page, f"{server.url}/{path}?year=2024&months=1-12")
            text = page.locator("body").inner_text()
            found = ENGLISH.findall(text)
            assert not found, f"/{path}: {found}"
            # Plotly's toolbar titles (shown on hover): Chinese, or the button is hidden
            titles = page.locator(".modebar-btn").evaluate_all(
                "els => els.filter(e => getComputedStyle(e).display !== 'none').map(e => e.getAttribute('data-title'))")
            assert not [t for t in titles if ENGLISH.search(t or "")], f"/{path}: {titles}"
            assert page.get_by_role("button", name="Download as CSV").count() == 0, f"/{path}"
    finally:
        context.close()


def test_table_toolbar_tooltips_are_not_english(page):
    """The tables' own toolbar (search, fullscreen, columns) keeps its icons; the English
    tooltips Streamlit gives them are not shown."""
    page.goto(f"{page.app_url}/?year=2024&months=1-12")
    wait_until_done(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.evaluate("e => e.scrollIntoView({block: 'center'})")
    table.hover()
    page.wait_for_timeout(500)  # the toolbar slides in
    container = table.locator("xpath=ancestor::div[@data-testid='stElementContainer'][1]")
    buttons = container.locator('[data-testid="stElementToolbarButton"] button')
    assert buttons.count() >= 2
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(800)
        assert buttons.nth(i).evaluate("e => e.matches(':hover')")
        tips = page.locator('[role="tooltip"]').evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText)")
        assert not [t for t in tips if ENGLISH.search(t)], tips
