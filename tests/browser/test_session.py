"""A login holds across a reload, a new tab and a followed link, in an HttpOnly cookie, until
the user logs out or the account is disabled."""

import re

import pytest
from playwright.sync_api import expect

from warehouse.accounts import AccountStore

from .conftest import AppServer, assert_no_exception, wait_until_done

PASSWORD = "临猗招商2024!"
NAME = "临猗上传员"


@pytest.fixture
def app(sample_db, tmp_path, accounts_location):
    """The app with its accounts on SQLite, then on PostgreSQL."""
    store = AccountStore(accounts_location)
    store.add_user(NAME, "uploader", PASSWORD, units=["临猗县"])
    server = AppServer(sample_db, tmp_path / "streamlit.log", env={"ACCOUNTS_DB": store.location})
    server.store = store
    yield server
    server.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    yield context
    context.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_until_done(page)
    assert_no_exception(page)


def logged_in(page) -> None:
    expect(page.get_by_text(f"已登录：{NAME}（上传员）")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="登录", exact=True)).to_have_count(0)


def login_form(page) -> None:
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("已登录：")).to_have_count(0)


def log_in(page) -> None:
    page.get_by_label("用户名").fill(NAME)
    page.get_by_label("密码").fill(PASSWORD)
    # the page passes through /account/session, which sets the cookie, and comes back: wait
    # for that answer (the URL is the same before and after, so waiting for it proves nothing)
    with page.expect_response(re.compile(r"/account/session\?"), timeout=30_000) as handoff:
        page.get_by_role("button", name="登录", exact=True).click()
    assert "set-cookie" in handoff.value.all_headers()
    page.wait_for_url(re.compile(r"/data\?tab=x$"), timeout=30_000)
    wait_until_done(page)


def test_the_login_holds_across_reload_and_tabs_until_logout(app, context):
    page = context.new_page()
    open_page(page, f"{app.url}/data?tab=x")
    login_form(page)
    log_in(page)
    logged_in(page)

    (cookie,) = [c for c in context.cookies() if c["name"] == "zs_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    assert "zs_session" not in page.evaluate("document.cookie"), "scripts cannot read it"

    page.reload()
    wait_until_done(page)
    logged_in(page)
    # the navigation lists what an uploader may open
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("数据上传")
    expect(nav).not_to_contain_text("操作审计")

    other = context.new_page()  # a new tab, opened on a followed link to another page
    open_page(other, f"{app.url}/upload")
    logged_in(other)

    with page.expect_response(re.compile(r"/account/logout"), timeout=30_000):
        page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/data\?tab=x$"), timeout=30_000)
    wait_until_done(page)
    login_form(page)
    assert not [c for c in context.cookies() if c["name"] == "zs_session"], "the logout route deleted it"
    page.reload()
    wait_until_done(page)
    login_form(page)

    # the other tab's session ended with the logout: its next run shows the login form
    other.reload()
    wait_until_done(other)
    login_form(other)


def test_a_disabled_account_is_anonymous_at_the_next_page_load(app, context):
    page = context.new_page()
    open_page(page, f"{app.url}/data?tab=x")
    log_in(page)
    logged_in(page)
    app.store.disable_user(NAME)
    page.reload()
    wait_until_done(page)
    login_form(page)
    expect(page.get_by_text("账号已停用")).to_be_visible()


def test_plain_streamlit_run_serves_the_session_routes_too(sample_db, tmp_path, context):
    store = AccountStore(tmp_path / "accounts.sqlite")
    store.add_user(NAME, "uploader", PASSWORD, units=["临猗县"])
    app = AppServer(sample_db, tmp_path / "streamlit.log", env={"ACCOUNTS_DB": str(store.path)}, command=AppServer.STREAMLIT_RUN)
    try:
        page = context.new_page()
        open_page(page, f"{app.url}/data?tab=x")
        log_in(page)
        page.reload()
        wait_until_done(page)
        logged_in(page)
    finally:
        app.stop()
