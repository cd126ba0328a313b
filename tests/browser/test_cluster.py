"""Two app servers behind nginx (deploy/nginx/zhaoshang.conf, tests/cluster.py), one warehouse
and one accounts store: an uploader logs in and uploads through nginx, landing on the server
its routing cookie picks; the wall held open on the other server shows the new figure without
a reload; a CLI load run at the same moment as the upload lands too.

The warehouse and accounts store come from the `backend` fixture alone: both servers, the
CLI and the checks read the environment it returns.
"""

from __future__ import annotations

import datetime
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.cluster import ROUTE_COOKIE, Cluster, NginxMissing
from tests.needs import missing
from warehouse import accounts

from .conftest import ARTIFACTS, ROOT, OfflineGuard, assert_no_exception, wait_until_done

TOKEN = "cluster-wall-token"
NAME = "临猗上传员"
PASSWORD = "临猗招商2024!"
UPLOADED = "集群上传的苹果深加工项目"
LOADED = "集群命令行导入的储能项目"


@dataclass(frozen=True)
class Backend:
    """Where the servers and the CLI find the warehouse and the accounts."""

    env: dict[str, str]


@pytest.fixture(params=["embedded", "ducklake"])
def backend(request, sample_db, tmp_path) -> Backend:
    """embedded: one warehouse file that both servers on this machine share (a copy of the
    sample), accounts in SQLite. ducklake: the sample built into DuckLake with its catalog in
    a new PostgreSQL database and its data files in a directory; accounts in that database."""
    if request.param == "ducklake":
        dsn = request.getfixturevalue("postgres").database()
        backend = Backend({"WAREHOUSE_DB": f"ducklake:postgres:{dsn}", "WAREHOUSE_DATA_PATH": str(tmp_path / "lake")})
        built = cli(backend, "-m", "etl", "sample", "--db", backend.env["WAREHOUSE_DB"])
        assert built.returncode == 0, built.stderr
        return backend
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    return Backend({"WAREHOUSE_DB": str(db), "ACCOUNTS_DB": str(tmp_path / "accounts.sqlite")})


def cli(backend: Backend, *args: str, stdin: str | None = None, wait: bool = True):
    command = [sys.executable, *args]
    env = {**os.environ, **backend.env}
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=180)


@pytest.fixture
def cluster(backend, tmp_path):
    added = cli(backend, "-m", "warehouse", "users", "add", NAME, "--role", "uploader", "--unit", "临猗县",
                stdin=f"{PASSWORD}\n")
    assert added.returncode == 0, added.stderr
    env = {**backend.env, "WALL_TOKEN": TOKEN, "WALL_REFRESH_SECONDS": "2", "WALL_ROTATE_SECONDS": "0"}
    try:
        running = Cluster(env, 2, tmp_path / "cluster")
    except NginxMissing as absent:
        missing(absent, "REQUIRE_NGINX")
    yield running
    running.stop()


def ledger(path, unit: str, name: str):
    """One signing of September 2025, the sample's published data month."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "9月"
    ws.append([f"{unit}2025年9月招商引资签约项目台账"])
    ws.append(["序号", "项目名称", "所属县（市、区）", "所属产业链", "签约金额（万元）", "签约时间"])
    ws.append([1, name, unit, "食品加工", 8000, datetime.date(2025, 9, 26)])
    wb.save(path)
    return path


def signed_projects(page) -> str:
    return page.locator('.wall-kpi[data-metric="signed_projects"] .wall-kpi-value b').inner_text()


def closed_streams(nginx, routes: set[str]) -> list:
    """nginx's log once it names a websocket of each of these routing cookies."""
    deadline = time.monotonic() + 30
    while True:
        log = nginx.log()
        if routes <= {e.route for e in log if e.uri.startswith("/_stcore/stream")} or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


def log_in(page) -> None:
    """The uploader logs in on the page's login form, through nginx."""
    page.get_by_label("用户名").fill(NAME)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_response(re.compile(r"/account/session\?"), timeout=30_000):
        page.get_by_role("button", name="登录", exact=True).click()
    wait_until_done(page)
    expect(page.get_by_text(f"已登录：{NAME}（上传员）")).to_be_visible(timeout=30_000)


def route_of(context) -> str:
    (route,) = [c["value"] for c in context.cookies() if c["name"] == ROUTE_COOKIE]
    return route


def test_upload_through_nginx_shows_on_the_other_servers_wall_and_a_cli_load_lands_too(browser, cluster, backend, tmp_path):
    uploader = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    guards = [OfflineGuard("127.0.0.1"), OfflineGuard("127.0.0.1")]
    try:
        # the uploader comes without a routing cookie: nginx gives one, and that server keeps it
        page = uploader.new_page()
        page.on("request", guards[0])
        page.goto(f"{cluster.url}/upload")
        wait_until_done(page)
        route = route_of(uploader)
        home = cluster.nginx.upstream_of(route)
        (other,) = [s.port for s in cluster.servers if s.port != home]

        # the wall is held open on the other server, through nginx, by that server's cookie
        wall_route = cluster.nginx.route_to(other)
        wall.add_cookies([{"name": ROUTE_COOKIE, "value": wall_route, "url": cluster.url}])
        screen = wall.new_page()
        screen.on("request", guards[1])
        screen.goto(f"{cluster.url}/wall?token={TOKEN}")
        wait_until_done(screen)
        expect(screen.locator(".wall-kpis")).to_be_visible(timeout=30_000)
        before = int(signed_projects(screen))
        screen.evaluate("window.wallMarker = 'same page'")

        log_in(page)

        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            str(ledger(tmp_path / "2025年9月临猗县签约项目台账.xlsx", "临猗县", UPLOADED)))
        expect(page.get_by_text("读取完成")).to_be_visible(timeout=60_000)
        wait_until_done(page)

        # a county's upload and the centre's CLI load at the same moment
        load = cli(backend, "-m", "etl", "load", str(ledger(tmp_path / "2025年9月万荣县签约项目台账.xlsx", "万荣县", LOADED)),
                   wait=False)
        page.get_by_role("button", name="导入数据仓库").click()
        expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="已导入")).to_be_visible(timeout=60_000)
        out, err = load.communicate(timeout=180)
        assert load.returncode == 0, err
        assert "已导入" in out
        assert_no_exception(page)

        # both land, and the wall on the other server shows them without a reload
        screen.wait_for_function(
            """n => document.querySelector('.wall-kpi[data-metric="signed_projects"] .wall-kpi-value b')
                      ?.innerText === String(n)""",
            arg=before + 2, timeout=60_000,
        )
        for name in (UPLOADED, LOADED):
            screen.locator(".wall-item-name span").filter(has_text=name).first.wait_for(state="attached", timeout=10_000)
        assert screen.evaluate("window.wallMarker") == "same page"
        assert_no_exception(screen)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        screen.screenshot(path=str(ARTIFACTS / "cluster-wall.png"))

        # the login cookie holds on the other server too: every server signs with the
        # accounts store's secret and reads the same sessions
        there = uploader.new_page()
        there.goto(f"{cluster.server_on(other).url}/upload")
        wait_until_done(there)
        expect(there.get_by_text(f"已登录：{NAME}（上传员）")).to_be_visible(timeout=30_000)
    finally:
        uploader.close()
        wall.close()

    # nginx logs a websocket once both ends have closed it: the uploader's session, its
    # upload and its pages went to its server, the wall's to the other
    log = closed_streams(cluster.nginx, {route, wall_route})
    mine = [e for e in log if e.route == route]
    assert {e.upstream_port for e in mine} == {home}
    assert any(e.uri.startswith("/_stcore/upload_file/") for e in mine)
    assert any(e.uri.startswith("/_stcore/stream") for e in mine)
    walls = [e for e in log if e.route == wall_route and not e.uri.startswith("/_stcore/health")]
    assert any(e.uri.startswith("/_stcore/stream") for e in walls)
    assert {e.upstream_port for e in walls} == {other}
    assert guards[0].outside == [] and guards[1].outside == []


def test_a_stopped_server_hands_its_browsers_to_the_other_still_logged_in(browser, cluster):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{cluster.url}/upload")
        wait_until_done(page)
        log_in(page)
        page.evaluate("window.wallMarker = 'same page'")
        route = route_of(context)
        home = cluster.nginx.upstream_of(route)

        cluster.server_on(home).stop()
        (other,) = [s.port for s in cluster.servers if s.port != home]
        assert cluster.nginx.upstream_of(route) == other
        # the page reconnects by itself; the next page it opens is the other server's,
        # with the same login
        page.get_by_role("link", name="数据管理").click()
        page.wait_for_url(re.compile(r"/data$"), timeout=60_000)
        wait_until_done(page, timeout=60_000)
        expect(page.get_by_text(f"已登录：{NAME}（上传员）")).to_be_visible(timeout=30_000)
        assert page.evaluate("window.wallMarker") == "same page"
        assert_no_exception(page)
    finally:
        context.close()


def test_logins_are_counted_against_the_address_nginx_saw_not_one_the_browser_invented(browser, cluster, backend, monkeypatch):
    """The login limits and the audit log take the visitor's address from the X-Forwarded-For
    that nginx writes; a browser sending its own gets the header replaced."""

    def failed_login(url: str) -> None:
        context = browser.new_context(locale="zh-CN", extra_http_headers={"X-Forwarded-For": "203.0.113.9"})
        try:
            page = context.new_page()
            page.goto(f"{url}/upload")
            wait_until_done(page)
            page.get_by_label("用户名").fill(NAME)
            page.get_by_label("密码").fill("wrong password")
            page.get_by_role("button", name="登录", exact=True).click()
            expect(page.get_by_text("用户名或密码错误")).to_be_visible(timeout=30_000)
        finally:
            context.close()

    for key, value in backend.env.items():
        monkeypatch.setenv(key, value)
    # an app server believes the address a proxy on its own machine forwards: that is how it
    # learns the visitor's address from nginx
    failed_login(cluster.servers[0].url)
    # through nginx the browser's header is replaced by the address nginx saw (this machine)
    failed_login(cluster.url)
    seen = [e.ip for e in reversed(accounts.store().audit_log(action=accounts.LOGIN_FAILED))]
    assert seen == ["203.0.113.9", None]


def test_behind_https_the_login_cookie_is_secure(cluster, backend, monkeypatch):
    """nginx terminating HTTPS says so in X-Forwarded-Proto; the cookie route then marks the
    login cookie Secure, and without it (plain http on an intranet) it cannot."""
    for key, value in backend.env.items():
        monkeypatch.setenv(key, value)

    def login_cookie(proto: str) -> str:
        _, handoff = accounts.store().start_session(NAME, 3600)
        con = http.client.HTTPConnection("127.0.0.1", cluster.servers[0].port, timeout=30)
        try:
            con.request("GET", f"/account/session?h={handoff}&next=/upload", headers={"X-Forwarded-Proto": proto})
            answer = con.getresponse()
            assert answer.status == 303
            (cookie,) = [c for c in answer.headers.get_all("Set-Cookie") if c.startswith("zs_session=")]
            return cookie.lower()
        finally:
            con.close()

    assert "; secure" in login_cookie("https")
    assert "; secure" not in login_cookie("http")
