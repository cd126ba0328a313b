"""数据大屏 (pages/display/wall.py) through AppTest: its figures, this year and the clock at every run,
the last good figures when a refresh fails, and access by token."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import add_load, rows
from ui import auth, data, wall
from warehouse.db import Reader
from warehouse.metrics import yi
from warehouse.queries import Filters, headline, run

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "display" / "wall.py")
TZ = timezone(timedelta(hours=8))
NOTICE = "请使用管理员提供的大屏链接"


class ByClass(HTMLParser):
    """Text of every element by each of its classes (and data-metric), from st.html bodies."""

    def __init__(self, html: str):
        super().__init__()
        self.found: dict[str, list[str]] = {}
        self.open: list[list] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        keys = (attrs.get("class") or "").split() + ([attrs["data-metric"]] if "data-metric" in attrs else [])
        if tag not in ("img", "br"):
            self.open.append([tag, keys, []])

    def handle_endtag(self, tag):
        while self.open:
            name, keys, parts = self.open.pop()
            text = "".join(parts)
            if self.open:
                self.open[-1][2].append(text)
            for key in keys:
                self.found.setdefault(key, []).append(text)
            if name == tag:
                break

    def handle_data(self, text):
        if self.open:
            self.open[-1][2].append(text)


def shown(at: AppTest) -> dict[str, list[str]]:
    return ByClass("".join(h.value for h in at.html)).found


def html(at: AppTest) -> str:
    return "".join(h.value for h in at.html)



@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Fresh caches, no token unless a test sets one, a fixed clock the test can move."""
    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.delenv("WALL_TOKEN", raising=False)
    monkeypatch.delenv("WALL_REFRESH_SECONDS", raising=False)
    # the overview unless a test turns the wall: rotation is on in city.toml
    monkeypatch.setenv("WALL_ROTATE_SECONDS", "0")
    monkeypatch.setattr(wall, "TOKEN_FILE", tmp_path / "wall_token")
    clock = {"now": datetime(2026, 11, 25, 9, 30, tzinfo=TZ)}
    monkeypatch.setattr(wall, "now", lambda timezone=None: clock["now"])
    return clock


@pytest.fixture
def sample(sample_db, monkeypatch) -> Path:
    monkeypatch.setenv("WAREHOUSE_DB", str(sample_db))
    return sample_db


def open_wall(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return rerun(at)


def open_routed_wall(**params: str) -> AppTest:
    """The wall through the router, whose guard (app.py) checks its token."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/display/wall.py")
    for key, value in params.items():
        at.query_params[key] = value
    return rerun(at)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    assert not at.error, at.error
    return at


def card_values(at: AppTest) -> dict[str, str]:
    found = shown(at)
    return {key: found[key][0] for key in (
        "signed_projects", "signed_amount_yi", "started_projects", "start_rate",
        "started_planned_investment_yi", "funds_in_place_yi",
    )}


def test_cards_show_this_years_headline_with_year_on_year_and_targets(sample):
    at = open_wall()
    found = shown(at)
    # the latest year with data is 2025 (January to September), not the calendar year 2026
    assert found["wall-period"][0] == "2025年1-9月数据截至 2025年09月30日"
    cur = Reader(sample).cursor()
    now, before = headline(cur, Filters(2025, 1, 9)), headline(cur, Filters(2024, 1, 9))
    values = card_values(at)
    assert values["signed_projects"].startswith(f"签约项目数{now['signed_projects']}个")
    assert values["signed_amount_yi"].startswith(f"签约金额{now['signed_amount_yi']:,.2f}亿元")
    assert values["started_projects"].startswith(f"开工项目数{now['started_projects']}个")
    assert values["start_rate"].startswith(f"签约项目开工率{now['start_rate'] * 100:.2f}%")
    assert values["started_planned_investment_yi"].startswith(f"新开工项目计划投资额{now['started_planned_investment_yi']:,.2f}亿元")
    assert values["funds_in_place_yi"].startswith(f"资金到位额{now['funds_in_place_yi']:,.2f}亿元")
    assert (now["signed_projects"], now["signed_amount_yi"]) == (402, Decimal("1903.68"))

    yoy = dict(zip(CARD_ORDER, found["wall-yoy"]))
    growth = (now["signed_projects"] - before["signed_projects"]) / before["signed_projects"] * 100
    assert yoy["signed_projects"] == f"同比 {'▲' if growth > 0 else '▼'} {abs(growth):.2f}%"
    points = (now["start_rate"] - before["start_rate"]) * 100
    assert yoy["start_rate"] == f"同比 {'▲' if points > 0 else '▼'} {abs(points):.2f} 个百分点"
    # data/reference/targets.csv: 2025 全市 560 projects, 3200 亿元
    assert found["wall-target"][:2] == [
        f"目标 560 个 · 完成 {Decimal(402) / 560 * 100:.2f}%",
        f"目标 3,200 亿元 · 完成 {now['signed_amount_yi'] / 3200 * 100:.2f}%",
    ]
    assert found["wall-target-none"] == [""] * 4


CARD_ORDER = ("signed_projects", "signed_amount_yi", "started_projects", "start_rate",
              "started_planned_investment_yi", "funds_in_place_yi")


def test_warnings_chains_and_latest_signings_equal_their_queries(sample):
    at = open_wall()
    found = shown(at)
    cur = Reader(sample).cursor()
    year = Filters(2025, 1, 9)
    warned = run(cur, "starts_warnings", year, yellow_days=90, red_days=180, include_earlier=False)
    counts = dict(warned.group_by("level").len().iter_rows())
    assert found["wall-warning-value"] == [f"{counts['红']}个", f"{counts['黄']}个"]

    chains = run(cur, "chains_summary", year).head(8)
    ranks = found["wall-rank"]
    assert len(ranks) == 8
    for rank, (chain, projects, amount) in zip(ranks, chains.select("chain", "projects", "amount_wan").iter_rows()):
        assert chain in rank and f"{amount / 10000:,.2f}" in rank and f"{projects}个" in rank

    latest = run(cur, "wall_latest_signings", year, limit=20)
    names = found["wall-item-name"]
    # more than fit: the list is drawn twice so that its loop joins without a jump
    assert len(names) == 2 * latest.height and "wall-rolling" in html(at)
    assert names[0].startswith(latest.item(0, "project_name"))
    assert latest.get_column("signed_date").is_sorted(descending=True)


def test_the_map_colours_counties_by_signed_amount_on_the_dark_offline_style(sample):
    at = open_wall()
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert deck["mapStyle"] == "/app/static/blank-dark.json"
    counties = next(layer for layer in deck["layers"] if layer["id"] == "counties")
    values = {f["properties"]["name"]: f["properties"]["value"] for f in counties["data"]["features"]}
    cur = Reader(sample).cursor()
    by_county = dict(cur.execute(
        "select host_adcode, sum(signed_amount_wan) from v_signed_projects "
        "where signed_year = 2025 and signed_month <= 9 group by host_adcode"
    ).fetchall())
    names = dict(cur.execute("select adcode, name from ref_units where kind = 'county'").fetchall())
    assert values == {names[a]: float(yi(v)) for a, v in by_county.items()}
    zones = next(layer for layer in deck["layers"] if layer["id"] == "zones")
    assert len(zones["data"]) == 6


def test_a_failing_refresh_keeps_the_last_figures_with_a_staleness_mark(sample, isolated, monkeypatch):
    at = open_wall()
    before = card_values(at)
    assert "wall-stale" not in shown(at)

    real, failing = data.query, [True]

    def flaky(*args, **kwargs):
        if failing[0]:
            raise RuntimeError("warehouse unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(data, "query", flaky)
    isolated["now"] = datetime(2026, 11, 25, 9, 31, tzinfo=TZ)
    rerun(at)
    assert card_values(at) == before
    assert shown(at)["wall-stale"] == ["数据更新于 09:30，暂未能刷新"]
    # the clock goes on even while the figures are old
    assert "09:31" in shown(at)["wall-clock"][0]

    failing[0] = False
    isolated["now"] = datetime(2026, 11, 25, 9, 32, tzinfo=TZ)
    rerun(at)
    assert card_values(at) == before
    assert "wall-stale" not in shown(at)


def test_a_warehouse_being_replaced_keeps_the_last_figures(sample_db, tmp_path, isolated, monkeypatch):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = open_wall()
    before = card_values(at)

    db.rename(tmp_path / "elsewhere.duckdb")
    isolated["now"] = datetime(2026, 11, 26, 8, 0, tzinfo=TZ)
    rerun(at)
    assert card_values(at) == before
    # figures from another day say which day
    assert shown(at)["wall-stale"] == ["数据更新于 11月25日 09:30，暂未能刷新"]


def test_with_no_warehouse_yet_a_calm_notice(tmp_path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "none.duckdb"))
    at = open_wall()
    assert shown(at)["wall-notice"][0].startswith("大屏数据准备中")
    assert "wall-kpis" not in shown(at)


def signed(name: str, day: date, wan: int = 10000, unit: str = "140821") -> dict:
    return {"project_name": name, "unit_id": unit, "signed_date": day, "signed_amount_wan": Decimal(wan), "chain": "新能源"}


def test_this_year_and_the_clock_turn_over_at_the_next_refresh(db, isolated, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    add_load(db, rows([
        signed("二四年项目", date(2024, 3, 1)),
        signed("二五年项目甲", date(2025, 6, 1)),
        signed("二五年项目乙", date(2025, 12, 30)),
    ], period_end=date(2025, 12, 31)), "signed")
    isolated["now"] = datetime(2025, 12, 31, 23, 59, tzinfo=TZ)
    at = open_wall()
    found = shown(at)
    assert found["wall-period"][0] == "2025年1-12月数据截至 2025年12月30日"
    assert found["wall-clock"][0].startswith("2025年12月31日 星期三23:59")
    assert card_values(at)["signed_projects"].startswith("签约项目数2个")

    # New Year's night: the first signing of 2026 is loaded; the same session turns over
    add_load(db, rows([signed("新年第一个项目", date(2026, 1, 1))], period_end=date(2026, 1, 31)), "signed")
    isolated["now"] = datetime(2026, 1, 1, 0, 1, tzinfo=TZ)
    rerun(at)
    found = shown(at)
    assert found["wall-period"][0] == "2026年1月数据截至 2026年01月01日"
    assert found["wall-clock"][0].startswith("2026年01月01日 星期四00:01")
    assert card_values(at)["signed_projects"].startswith("签约项目数1个")
    assert found["wall-item-name"][0].startswith("新年第一个项目")


def test_spreadsheet_text_is_shown_as_text(db, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    add_load(db, rows([
        signed('<img src=x onerror="alert(1)">项目', date(2025, 5, 2)),
        signed("**粗体** & 项目", date(2025, 5, 1)),
    ], period_end=date(2025, 5, 31)), "signed")
    at = open_wall()
    body = html(at)
    assert "<img src=x" not in body and "&lt;img src=x onerror=\"alert(1)\"&gt;项目" in body
    assert "**粗体** &amp; 项目" in body
    assert [n.split("亿元")[0] for n in shown(at)["wall-item-name"]] == [
        '<img src=x onerror="alert(1)">项目1.00 ', "**粗体** & 项目1.00 ",
    ]


def test_a_configured_token_is_required(sample, monkeypatch):
    monkeypatch.setenv("WALL_TOKEN", "s3cret-wall")
    for params in ({}, {"token": "wrong"}, {"token": "s3cret-wal"}):
        at = open_routed_wall(**params)
        assert shown(at)["wall-notice"] == [NOTICE], params
        assert "wall-kpis" not in shown(at) and not at.get("deck_gl_json_chart")
    at = open_routed_wall(token="s3cret-wall")
    assert card_values(at)["signed_projects"].startswith("签约项目数402个")


def test_the_token_file_is_read_when_the_environment_has_none(sample):
    wall.TOKEN_FILE.write_text("from-file\n", encoding="utf-8")
    assert shown(open_routed_wall(token="wrong"))["wall-notice"] == [NOTICE]
    assert "wall-kpis" in shown(open_routed_wall(token="from-file"))


def test_without_a_token_the_wall_is_open_unless_analyst_pages_need_a_login(sample, monkeypatch):
    assert "wall-kpis" in shown(open_routed_wall())
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: auth.AccessSettings(analyst_login_required=True))
    assert shown(open_routed_wall())["wall-notice"] == [NOTICE]


def test_the_router_serves_the_wall_at_its_url(sample):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/display/wall.py")
    rerun(at)
    assert card_values(at)["signed_projects"].startswith("签约项目数402个")
    # nothing on the wall leads to upload or data management
    assert "upload" not in html(at) and "/data" not in html(at)


def test_settings_from_city_toml_with_defaults_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("WALL_ROTATE_SECONDS")
    (tmp_path / "city.toml").write_text(
        'name = "x"\n[wall]\nrefresh_seconds = 30\nrotate_seconds = 20\npanels = ["units", "nonsense", "overview"]\n'
        "latest_signings = 0\nchains = 5\n",
        encoding="utf-8",
    )
    config = wall.settings(tmp_path)
    assert config == wall.WallSettings(refresh_seconds=30, rotate_seconds=20, panels=("units", "overview"), chains=5)
    assert wall.run_every(config) == 20
    start = datetime(2026, 1, 1, tzinfo=TZ)
    assert [wall.panel_at(config, start + timedelta(seconds=s)) for s in (0, 19, 20, 40)] == [
        "units", "units", "overview", "units",
    ]
    monkeypatch.setenv("WALL_REFRESH_SECONDS", "2")
    assert wall.settings(tmp_path).refresh_seconds == 2
    monkeypatch.setenv("WALL_ROTATE_SECONDS", "7")
    assert wall.settings(tmp_path).rotate_seconds == 7
    monkeypatch.delenv("WALL_ROTATE_SECONDS")
    (tmp_path / "city.toml").write_text('name = "x"\n', encoding="utf-8")
    assert wall.settings(tmp_path) == wall.WallSettings(refresh_seconds=2)
    assert wall.panel_at(wall.WallSettings(rotate_seconds=0), start) == "overview"


def test_this_year_is_the_latest_year_with_data_up_to_today():
    years = pl.DataFrame({"year": [2099, 2025, 2024], "latest_month": [1, 8, 12]})
    assert wall.period(years, date(2025, 9, 30), date(2026, 11, 25)) == Filters(2025, 1, 9)
    assert wall.period(years, date(2026, 1, 31), date(2026, 2, 1)) == Filters(2025, 1, 12)
    assert wall.period(years.filter(pl.col("year") > 2030), date(2026, 1, 31), date(2026, 2, 1)) is None


def test_the_wall_rotates_by_default_through_the_ranking_and_the_red_warnings(monkeypatch):
    monkeypatch.delenv("WALL_ROTATE_SECONDS")
    shipped = wall.settings()
    assert shipped.rotate_seconds > 0 and shipped.panels == ("overview", "units", "warnings")
    assert wall.WallSettings().rotate_seconds > 0  # also where city.toml says nothing
    assert wall.run_every(shipped) <= shipped.rotate_seconds


def moment_showing(config: wall.WallSettings, panel: str) -> datetime:
    start = datetime(2026, 11, 25, 9, 30, tzinfo=TZ)
    return next(
        m for m in (start + timedelta(seconds=s) for s in range(0, 3600, config.rotate_seconds))
        if wall.panel_at(config, m) == panel
    )


def test_one_session_turns_through_every_panel(sample, isolated, monkeypatch):
    monkeypatch.setenv("WALL_ROTATE_SECONDS", "30")
    config = wall.settings()
    isolated["now"] = moment_showing(config, "overview")
    at = open_wall()
    assert at.get("deck_gl_json_chart") and "wall-units-panel" not in shown(at)
    isolated["now"] = moment_showing(config, "units")
    rerun(at)
    assert "wall-units-panel" in shown(at) and "wall-red-list" not in shown(at)
    isolated["now"] = moment_showing(config, "warnings")
    rerun(at)
    assert "wall-red-list" in shown(at) and "wall-units-panel" not in shown(at)
    assert "wall-kpis" in shown(at)  # the figures stay on every panel


def test_the_red_warnings_panel_names_the_responsible_unit_and_leader(sample, isolated, monkeypatch):
    monkeypatch.setenv("WALL_ROTATE_SECONDS", "30")
    isolated["now"] = moment_showing(wall.settings(), "warnings")
    at = open_wall()
    cur = Reader(sample).cursor()
    from warehouse import bulletins

    warned = run(cur, "pipeline_warnings", as_of=date(2025, 9, 30), units=[], chains=[], **bulletins.limits().params())
    red = warned.filter(pl.col("level") == "red")
    found = shown(at)
    assert f"四库红色预警 {red.height} 个 · 责任到人" in html(at)
    rows = [r for r in found["wall-red-row"] if not r.startswith("项目名称")]
    assert len(rows) == 10
    for i, (row, r) in enumerate(zip(rows, red.head(10).iter_rows(named=True)), 1):
        assert row == f"{i}{r['project_name']}{r['unit_name']}{r['stage_label']}{r['days']}{r['responsible_unit']}{r['liaison_leader']}"
    # the longest wait first
    assert red.head(10).get_column("days").is_sorted(descending=True)


def test_data_past_the_reporting_deadline_are_marked(sample, isolated):
    # the sample's data date is 30 September 2025: October is due by 5 November
    isolated["now"] = datetime(2025, 11, 5, 18, 0, tzinfo=TZ)
    at = open_wall()
    assert "wall-overdue" not in shown(at)
    isolated["now"] = datetime(2025, 11, 6, 8, 0, tzinfo=TZ)
    rerun(at)
    assert shown(at)["wall-overdue"] == ["⚠ 数据未按期更新：2025年10月数据应于 2025年11月5日前报送"]
    # beside the data date, not instead of it
    assert shown(at)["wall-period"][0] == "2025年1-9月数据截至 2025年09月30日"


def test_the_rise_colour_of_city_toml_colours_the_year_on_year(sample, tmp_path, monkeypatch):
    from base import reference

    at = open_wall()
    assert "--wall-up: #ff6b6b; --wall-down: #35d07f" in html(at)  # 红涨绿跌, as shipped
    (tmp_path / "city.toml").write_text('[display]\nrise_colour = "green"\n', encoding="utf-8")
    monkeypatch.setattr(reference, "REFERENCE_DIR", tmp_path)
    rerun(at)
    assert "--wall-up: #35d07f; --wall-down: #ff6b6b" in html(at)


def test_the_reporting_deadline_across_the_turn_of_the_year():
    from warehouse import periods

    # November's data: December is due by 5 January
    assert periods.report_deadline(date(2025, 12, 1), 5) == date(2026, 1, 5)
    assert periods.overdue_month(date(2025, 11, 30), date(2026, 1, 5), 5) is None
    assert periods.overdue_month(date(2025, 11, 30), date(2026, 1, 6), 5) == date(2025, 12, 1)
    assert periods.overdue_month(date(2025, 12, 15), date(2026, 2, 6), 10) is None
