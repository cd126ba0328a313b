"""Who opens which page: every page declared in app.py, as anonymous, viewer, uploader and
admin, with and without [access] analyst_login_required.

The pages are read from the router's own declaration, so a page added there is tested
here without a line changing. What the pages draw is their own tests' business: here the
page's run is recorded, not performed.
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.testing.v1 import AppTest

import app as router
from conftest import ROOT
from base.config import AccessSettings
from ui import auth
from warehouse import accounts

VISITORS = (None, "viewer", "uploader", "admin")
NAMES = {"viewer": "王五", "uploader": "张三", "admin": "管理员"}
DECLARED = [(need, script, options) for entries in router.PAGES.values() for need, script, options in entries]


def may_open(need: str, role: str | None, login_required: bool) -> bool:
    """The rule, written out independently of ui/auth.py."""
    if need == "public":
        return True
    if need in ("analyst", "wall"):  # no wall token configured
        return role is not None or not login_required
    return role is not None and accounts.ROLES.index(role) >= accounts.ROLES.index(need)


@pytest.fixture
def people(staff_env):
    accounts.store().add_user(NAMES["admin"], "admin", "s3cret password")
    accounts.store().add_user(NAMES["uploader"], "uploader", "s3cret password", ["临猗县"])
    accounts.store().add_user(NAMES["viewer"], "viewer", "s3cret password")


@pytest.fixture
def ran(monkeypatch, tmp_path) -> dict:
    """Which page ran, and each page's visibility in the navigation, per AppTest run."""
    monkeypatch.delenv("WALL_TOKEN", raising=False)
    from ui import wall

    monkeypatch.setattr(wall, "TOKEN_FILE", tmp_path / "wall_token")
    record = {"ran": [], "visibility": {}}
    real_run = StreamlitPage.run

    def run(page):
        # AppTest runs app.py itself as a page too: that one runs
        if str(page._page).endswith("app.py"):
            return real_run(page)
        record["ran"].append(page.url_path)

    monkeypatch.setattr(StreamlitPage, "run", run)
    real_page = st.Page

    def page(script, **options):
        made = real_page(script, **options)
        record["visibility"][options.get("url_path")] = options.get("visibility")
        return made

    monkeypatch.setattr(st, "Page", page)
    return record


def visit(script: str, role: str | None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if role is not None:
        token, _ = accounts.store().start_session(NAMES[role], 3600)
        at.session_state["_auth_session"] = {"token": token, "name": NAMES[role]}
    at.switch_page(script)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def refused(at: AppTest) -> bool:
    login_form = [t.label for t in at.text_input] == ["用户名", "密码"]
    no_access = any("无权访问" in e.value for e in at.error)
    wall_notice = any("请使用管理员提供的大屏链接" in h.value for h in at.html)
    return login_form or no_access or wall_notice


@pytest.mark.parametrize("login_required", [False, True], ids=["open", "login_required"])
@pytest.mark.parametrize("role", VISITORS, ids=lambda r: r or "anonymous")
def test_every_declared_page_admits_exactly_who_it_declares(people, ran, monkeypatch, role, login_required):
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: AccessSettings(analyst_login_required=login_required))
    assert {need for need, _, _ in DECLARED} <= set(auth.NEEDS)
    for need, script, options in DECLARED:
        ran["ran"].clear()
        at = visit(script, role)
        assert not at.exception, (script, at.exception)
        expected = may_open(need, role, login_required)
        shown = "" if options.get("default") else options["url_path"]
        assert ran["ran"] == ([shown] if expected else []), (script, role)
        assert refused(at) is not expected, (script, role)
        # listed: what this visitor may open, or could after logging in; a page declared
        # hidden (the project list and the dossier, reached by their links) never
        listed = {path for path, visibility in ran["visibility"].items() if visibility == "visible"}
        in_navigation = options.get("visibility", "visible") == "visible"
        assert (options["url_path"] in listed) is ((expected or role is None) and in_navigation), (script, role)


def test_no_page_is_declared_open_to_everyone():
    """Project lists, the print view and the wall stand behind the analyst rule at least:
    "public" would need a reason, and this test changed with it."""
    assert [script for need, script, _ in DECLARED if need == auth.PUBLIC] == []


def test_the_liaison_print_view_needs_the_login_too(people, ran, monkeypatch):
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: AccessSettings(analyst_login_required=True))
    at = visit("pages/projects/liaison.py", None, {"leader": "张副市长"})
    assert refused(at) and ran["ran"] == []
    at = visit("pages/projects/liaison.py", "viewer", {"leader": "张副市长"})
    assert not refused(at) and ran["ran"] == ["liaison"]


def test_a_disabled_account_is_anonymous_at_its_next_page(people, ran, monkeypatch):
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: AccessSettings())
    at = visit("pages/manage/upload.py", "uploader")
    assert ran["ran"] == ["upload"]
    accounts.store().disable_user(NAMES["uploader"])
    at.run()
    assert refused(at) and ran["ran"] == ["upload"], "not run again"
    assert "已停用" in " ".join(w.value for w in at.warning)
