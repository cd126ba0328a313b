"""From a figure to its projects and on to a project's dossier, in a real browser."""

from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlparse

import polars as pl
from playwright.sync_api import expect

from warehouse import queries
from warehouse.db import Reader
from warehouse.metrics import yi
from warehouse.queries import Filters

from .conftest import assert_no_exception, wait_until_done


def metrics(page) -> dict[str, str]:
    cards = page.locator('[data-testid="stMetric"]')
    expect(cards.first).to_be_visible()
    return {
        card.locator('[data-testid="stMetricLabel"]').inner_text().strip(): card.locator('[data-testid="stMetricValue"]').inner_text().strip()
        for card in cards.all()
    }


def click_map_until_it_opens_a_list(page) -> None:
    """Click the middle of the county map; deck.gl picks only once it has drawn, so click again until it does."""
    canvas = page.locator("#deckgl-overlay").first
    canvas.wait_for(state="visible", timeout=20_000)
    box = canvas.bounding_box()
    for _ in range(6):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.wait_for_url("**/projects?**", timeout=5_000)
            return
        except Exception:
            continue
    raise AssertionError(f"a click on the map opened no project list: {page.url}")


def open_first_row(page):
    """Click the first row's 档案 link; the grid is drawn on a canvas (header and rows 35 px)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    for _ in range(3):
        try:
            with page.context.expect_page(timeout=10_000) as opened:
                page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)
            return opened.value
        except Exception:
            continue
    raise AssertionError("the first row's link opened no dossier")


def test_a_county_clicked_on_the_map_lists_its_projects_and_a_row_opens_a_matching_dossier(page, sample_db):
    page.goto(f"{page.app_url}/map?year=2024&months=1-12&metric=signed_projects")
    wait_until_done(page)
    click_map_until_it_opens_a_list(page)
    wait_until_done(page)
    assert_no_exception(page)

    units = parse_qs(urlparse(page.url).query)["units"][0].split(",")
    cursor = Reader(sample_db).cursor()
    territories = queries.run(cursor, "map_units", Filters(2024))
    county = territories.filter(territories["unit_id"].is_in(units) & (territories["kind"] == "county")).row(0, named=True)
    shown = metrics(page)
    # the list holds what the map says of the county clicked (its zones rolled up)
    assert shown["项目数"] == f"{county['signed_projects']} 个"
    assert shown["签约金额"] == f"{yi(county['signed_amount_wan']):,.2f} 亿元"
    assert shown["已开工"] == f"{county['started_projects']} 个"

    listed = queries.run(cursor, "drill_signed", Filters(2024, units=tuple(units)), kind="signed", origin="", size="", undated=False)
    first = listed.row(0, named=True)
    dossier = open_first_row(page)
    wait_until_done(dossier)
    assert_no_exception(dossier)
    assert unquote(parse_qs(urlparse(dossier.url).query)["id"][0]) == first["project_key"]
    expect(dossier.locator("h2").first).to_contain_text(first["project_name"])
    assert metrics(dossier)["签约金额"] == f"{yi(first['signed_amount_wan']):,.2f} 亿元"
    assert yi(first["signed_amount_wan"]) > Decimal(0)


def test_a_bar_clicked_on_the_signing_page_lists_the_projects_it_counts(page, sample_db):
    page.goto(f"{page.app_url}/signing?year=2024&months=1-12")
    wait_until_done(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(1)  # 按县（市、区）, the open tab
    chart.scroll_into_view_if_needed()
    chart.locator(".bars .point path").first.wait_for(state="visible")
    # the widest bar; plotly's drag layer lies over the bars, so click its place, not the element
    box = max((path.bounding_box() for path in chart.locator(".bars .point path").all()), key=lambda b: b["width"])
    for _ in range(3):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.wait_for_url("**/projects?**", timeout=8_000)
            break
        except Exception:
            continue
    wait_until_done(page)
    assert_no_exception(page)
    query = parse_qs(urlparse(page.url).query)
    year, unit = int(query["year"][0]), query["units"][0]
    figures = queries.run(Reader(sample_db).cursor(), "signing_by_unit", Filters(year)).filter(
        pl.col("unit_id") == unit
    ).row(0, named=True)
    shown = metrics(page)
    assert shown["项目数"] == f"{figures['projects']} 个"
    assert shown["签约金额"] == f"{yi(figures['amount_wan']):,.2f} 亿元"


def test_a_heat_map_cell_clicked_on_the_chains_page_lists_its_projects(page, sample_db):
    page.goto(f"{page.app_url}/chains?year=2024&months=1-12")
    wait_until_done(page)
    heat = page.locator('[data-testid="stPlotlyChart"]').nth(1)  # 签约金额, the open tab
    heat.scroll_into_view_if_needed()
    area = heat.locator(".nsewdrag").first
    area.wait_for(state="visible")
    box = area.bounding_box()
    for _ in range(3):
        # the middle of the grid, a filled cell in the sample (an empty cell opens nothing)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.wait_for_url("**/projects?**", timeout=8_000)
            break
        except Exception:
            continue
    wait_until_done(page)
    assert_no_exception(page)
    query = parse_qs(urlparse(page.url).query)
    unit, chain = query["units"][0], query["chains"][0]
    cell = queries.run(Reader(sample_db).cursor(), "chains_matrix", Filters(2024)).filter(
        (pl.col("unit_id") == unit) & (pl.col("chain") == chain)
    ).row(0, named=True)
    shown = metrics(page)
    assert shown["项目数"] == f"{cell['projects']} 个"
    assert shown["签约金额"] == f"{yi(cell['amount_wan']):,.2f} 亿元"
