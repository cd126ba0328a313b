"""The page guard (ui/auth.py) through AppTest on tests/apps/protected_page.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from base.config import AccessSettings, networks
from ui import auth
from warehouse import accounts
from warehouse.accounts import AccountStore

PAGE = str(Path(__file__).resolve().parent / "apps" / "protected_page.py")
PASSWORD = "s3cret password"
CONTENT = "受保护的内容"


@pytest.fixture
def store(accounts_location, monkeypatch) -> AccountStore:
    """An empty store on SQLite, then on PostgreSQL."""
    monkeypatch.setenv("ACCOUNTS_DB", accounts_location)
    # cheap argon2id parameters for speed; the hashing itself is tested in test_accounts
    monkeypatch.setattr(accounts, "store", lambda: AccountStore(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: AccessSettings())
    return accounts.store()


def page(role: str = "uploader", analyst: bool = False) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["required_role"] = role
    at.session_state["analyst_page"] = analyst
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for kind in (at.markdown, at.info, at.error, at.warning, at.subheader, at.caption) for e in kind]
    return "\n".join(str(p) for p in parts)


def login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


# ---------------------------------------------------------------- no account yet


def test_no_accounts_local_is_allowed_with_the_first_admin_hint(store):
    at = page("admin")
    assert not at.exception
    assert CONTENT in texts(at) and "本机" in texts(at)
    assert auth.FIRST_ADMIN_COMMAND in at.info[0].value
    if store.path is not None:
        assert not store.path.exists(), "looking does not create the accounts database file"


def test_no_accounts_remote_is_refused_with_the_explanation(store, monkeypatch):
    monkeypatch.setattr(auth, "_peer_ip", lambda: "192.0.2.50")
    at = page("uploader")
    assert CONTENT not in texts(at)
    refusal = at.error[0].value
    assert "本机" in refusal and "联系管理员" in refusal
    assert "python -m" not in refusal, "no shell command for whoever reaches the server from afar"


@pytest.mark.parametrize(
    "peer, headers, local",
    [
        (None, {}, True),  # AppTest, or loopback (Streamlit reports 127.0.0.1 and ::1 as None)
        (None, {"host": "localhost:8501"}, True),
        (None, {"host": "127.0.0.1:8501"}, True),
        (None, {"host": "[::1]:8501"}, True),
        ("127.0.1.1", {"host": "127.0.1.1:8501"}, True),
        ("192.0.2.50", {"host": "192.0.2.2:8501"}, False),
        (None, {"host": "dashboard.example.org"}, False),  # reverse proxy or DNS rebinding
        (None, {"host": "127.0.0.1:8501", "x-forwarded-for": "198.51.100.4"}, False),
        (None, {"host": "127.0.0.1:8501", "x-real-ip": "198.51.100.4"}, False),
        (None, {"host": "127.0.0.1:8501", "forwarded": 'for="[2001:db8::1]:4711"'}, False),
        (None, {"host": "127.0.0.1:8501", "x-forwarded-for": "127.0.0.1"}, True),
    ],
)
def test_what_counts_as_local(monkeypatch, peer, headers, local):
    monkeypatch.setattr(auth, "_peer_ip", lambda: peer)
    monkeypatch.setattr(auth, "_headers", lambda: headers)
    assert auth.is_local_request() is local


def trusting(monkeypatch, *proxies: str) -> None:
    monkeypatch.setattr(
        auth, "access_settings", lambda directory=None: AccessSettings(trusted_proxies=networks(list(proxies)))
    )


def test_client_ip_ignores_forwarded_headers_unless_the_proxy_is_configured(monkeypatch):
    # issue 17, finding 7: any loopback peer was trusted, so a visitor could invent its address
    monkeypatch.setattr(auth, "_peer_ip", lambda: None)
    monkeypatch.setattr(auth, "_headers", lambda: {"x-forwarded-for": "6.6.6.6, 198.51.100.4"})
    assert auth.client_ip() is None, "no trusted proxy configured: the (loopback) peer is the client"
    monkeypatch.setattr(auth, "_peer_ip", lambda: "192.0.2.50")
    assert auth.client_ip() == "192.0.2.50", "a remote peer cannot choose its address"


@pytest.mark.parametrize("peer, proxies, forwarded, client", [
    (None, ["127.0.0.1"], "6.6.6.6, 198.51.100.4", "198.51.100.4"),  # the address the proxy saw
    (None, ["127.0.0.1", "198.51.100.0/24"], "6.6.6.6, 198.51.100.4", "6.6.6.6"),  # a chain of proxies
    ("10.0.0.2", ["10.0.0.0/8"], "203.0.113.9", "203.0.113.9"),
    ("192.0.2.50", ["10.0.0.0/8"], "203.0.113.9", "192.0.2.50"),  # not a configured proxy
    (None, ["127.0.0.1"], "not an address", None),  # garbage: the proxy itself (local)
    (None, ["127.0.0.1", "bogus"], "203.0.113.9", "203.0.113.9"),  # a wrong entry is left out
])
def test_client_ip_from_configured_proxies(monkeypatch, peer, proxies, forwarded, client):
    trusting(monkeypatch, *proxies)
    monkeypatch.setattr(auth, "_peer_ip", lambda: peer)
    monkeypatch.setattr(auth, "_headers", lambda: {"x-forwarded-for": forwarded})
    assert auth.client_ip() == client


def test_trusted_proxies_from_city_toml(tmp_path):
    (tmp_path / "city.toml").write_text('[access]\ntrusted_proxies = ["127.0.0.1", "10.0.0.0/8"]\n', encoding="utf-8")
    assert [str(n) for n in auth.access_settings(tmp_path).trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert auth.access_settings(tmp_path / "none").trusted_proxies == (), "default: trust no proxy"


# ---------------------------------------------------------------- accounts exist


@pytest.fixture
def staff(store) -> AccountStore:
    store.add_user("管理员", "admin", PASSWORD)
    store.add_user("张三", "uploader", PASSWORD, units=["临猗县"])
    store.add_user("王五", "viewer", PASSWORD)
    return store


def test_accounts_exist_shows_the_login_form(staff):
    at = page("uploader")
    assert CONTENT not in texts(at)
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert at.text_input[1].proto.type == at.text_input[1].proto.PASSWORD
    assert at.button[0].label == "登录"


def test_wrong_password_is_refused_and_audited(staff):
    at = login(page("uploader"), "张三", "wrong password")
    assert "用户名或密码错误" in at.error[0].value
    assert CONTENT not in texts(at)
    failed = staff.audit_log(1)[0]
    assert (failed.action, failed.user, failed.detail) == ("login_failed", "张三", "密码错误")


def test_right_password_shows_the_content_and_logout_ends_it(staff):
    at = login(page("uploader"), "张三", PASSWORD)
    assert not at.exception
    assert f"{CONTENT}：张三" in texts(at)
    assert "已登录：张三（上传员）" in at.sidebar.caption[0].value
    assert staff.audit_log(1)[0].action == "login"
    # the browser is sent once through the route that sets the session cookie
    (redirect,) = [h.value for h in at.html]
    assert "/account/session?h=" in redirect
    assert not at.run().html

    logout = next(b for b in at.sidebar.button if b.label == "退出登录")
    at = logout.click().run()
    assert CONTENT not in texts(at) and "已退出登录" in texts(at)
    assert "/account/logout?" in at.html[0].value, "and then through the one that deletes it"
    assert staff.audit_log(1)[0].action == "logout" and staff.audit_log(1)[0].user == "张三"


def test_viewer_on_an_uploader_page_sees_only_no_access(staff):
    at = login(page("uploader"), "王五", PASSWORD)
    assert "无权访问" in at.error[0].value
    assert CONTENT not in texts(at)
    assert not at.text_input, "no form, no content"


def test_uploader_on_admin_page_and_admin_everywhere(staff):
    assert "无权访问" in login(page("admin"), "张三", PASSWORD).error[0].value
    at = login(page("admin"), "管理员", PASSWORD)
    assert f"{CONTENT}：管理员" in texts(at) and not at.error


def test_rate_limited_login_says_so(staff):
    at = page("uploader")
    for _ in range(5):
        at = login(at, "张三", "wrong password")
    at = login(at, "张三", PASSWORD)
    assert "失败次数过多" in at.error[0].value
    assert CONTENT not in texts(at)
    assert staff.audit_log(1)[0].action == "login_blocked"


def test_session_expires_after_inactivity(staff, monkeypatch):
    now = [1_750_000_000.0]
    monkeypatch.setattr(auth, "_now", lambda: now[0])
    at = login(page("uploader"), "张三", PASSWORD)
    now[0] += 479 * 60
    at = at.run()
    assert CONTENT in texts(at), "activity within the limit keeps the session"
    now[0] += 479 * 60
    at = at.run()
    assert CONTENT in texts(at), "the limit counts from the last activity"
    now[0] += 481 * 60
    at = at.run()
    assert CONTENT not in texts(at) and "登录已超时" in texts(at)
    assert staff.audit_log(1)[0].action == "session_expired"


def test_disabled_account_is_logged_out_at_its_next_rerun(staff):
    at = login(page("uploader"), "张三", PASSWORD)
    staff.disable_user("张三")
    at = at.run()
    assert CONTENT not in texts(at) and "已停用" in texts(at)


# ---------------------------------------------------------------- analyst pages


def test_analyst_pages_open_unless_configured(staff, monkeypatch):
    at = page(analyst=True)
    assert f"{CONTENT}：匿名" in texts(at)
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: AccessSettings(analyst_login_required=True))
    at = page(analyst=True)
    assert CONTENT not in texts(at) and at.text_input
    at = login(at, "王五", PASSWORD)
    assert f"{CONTENT}：王五" in texts(at)


def test_access_settings_from_city_toml(tmp_path):
    assert auth.access_settings(tmp_path) == AccessSettings(False, 480, 24)  # no file: defaults
    (tmp_path / "city.toml").write_text(
        'name = "x"\n[access]\nanalyst_login_required = true\nsession_minutes = 30\nsession_hours = 8\n', encoding="utf-8"
    )
    assert auth.access_settings(tmp_path) == AccessSettings(True, 30, 8)
    (tmp_path / "city.toml").write_text(
        '[access]\nanalyst_login_required = "yes"\nsession_minutes = -1\nsession_hours = 1.5\n', encoding="utf-8"
    )
    assert auth.access_settings(tmp_path) == AccessSettings(False, 480, 24)


def test_audit_export_records_user_and_file(staff):
    at = login(page("uploader"), "张三", PASSWORD)
    export = next(b for b in at.button if b.label == "导出")
    export.click().run()
    entry = staff.audit_log(1)[0]
    assert (entry.action, entry.user) == ("export", "张三") and "签约项目.xlsx" in entry.detail


# ---------------------------------------------------------------- rate limiting by address (issue 17, finding 7)


@pytest.mark.parametrize("peer", [None, "192.0.2.50"])  # None: a loopback peer
def test_rotating_x_forwarded_for_from_an_untrusted_peer_neither_evades_the_limit_nor_reaches_the_log(staff, monkeypatch, peer):
    monkeypatch.setattr(auth, "_peer_ip", lambda: peer)
    invented = iter(f"198.51.100.{i}" for i in range(100))
    monkeypatch.setattr(auth, "_headers", lambda: {"x-forwarded-for": next(invented)})
    at = page("uploader")
    for _ in range(accounts.FREE_FAILURES + 1):
        at = login(at, "张三", "wrong password")
    assert "失败次数过多" in at.error[0].value, "the rotated header did not make a fresh address"
    assert {e.ip for e in staff.audit_log(10) if e.action.startswith("login")} == {peer}, "the real peer is logged"


def test_a_configured_proxys_forwarded_address_is_used(staff, monkeypatch):
    trusting(monkeypatch, "127.0.0.1")
    monkeypatch.setattr(auth, "_peer_ip", lambda: None)
    monkeypatch.setattr(auth, "_headers", lambda: {"host": "example.org", "x-forwarded-for": "203.0.113.9"})
    login(page("uploader"), "张三", "wrong password")
    entry = staff.audit_log(1)[0]
    assert (entry.action, entry.ip) == ("login_failed", "203.0.113.9")


def test_five_wrong_guesses_from_one_address_do_not_lock_out_the_right_password_from_another(staff, monkeypatch):
    peer = ["198.51.100.66"]
    monkeypatch.setattr(auth, "_peer_ip", lambda: peer[0])
    at = page("admin")
    for _ in range(5):
        at = login(at, "管理员", "wrong password")
    assert CONTENT not in texts(at)
    peer[0] = "10.0.0.1"
    at = login(page("admin"), "管理员", PASSWORD)
    assert f"{CONTENT}：管理员" in texts(at) and not at.error
