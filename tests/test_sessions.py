"""Sessions in the accounts store and the two routes that set and delete the browser's cookie."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from argon2 import PasswordHasher
from starlette.requests import Request

from conftest import stored_text
from ui import session_routes
from warehouse import accounts
from warehouse.accounts import AccountStore

PASSWORD = "correct horse 1"
HOUR = 3600


class Clock:
    def __init__(self):
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(accounts_location, clock, monkeypatch) -> AccountStore:
    """On SQLite, then on PostgreSQL."""
    store = AccountStore(accounts_location, clock=clock, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store.add_user("张三", "uploader", PASSWORD, units=["临猗县"])
    monkeypatch.setattr(accounts, "store", lambda: store)
    return store


def test_a_session_is_live_until_idle_past_the_limit_and_then_ended(store, clock):
    token, _ = store.start_session("张三", 24 * HOUR)
    clock.t += 479 * 60
    assert store.session(token, 480 * 60).user.name == "张三"
    clock.t += 479 * 60
    assert store.session(token, 480 * 60).status == "live", "activity counts from the last run"
    clock.t += 481 * 60
    assert store.session(token, 480 * 60).status == "expired"
    clock.t = clock.t - 481 * 60 + 1
    assert store.session(token, 480 * 60).status == "ended", "an expired session stays over"


def test_a_session_ends_at_its_lifetime_however_active(store, clock):
    token, _ = store.start_session("张三", 2 * HOUR)
    for _ in range(3):
        clock.t += 50 * 60
        state = store.session(token, 480 * 60)
    assert state.status == "expired"


def test_logout_disabling_and_a_new_password_end_every_session_of_the_account(store):
    first, _ = store.start_session("张三", HOUR)
    second, _ = store.start_session("张三", HOUR)
    assert store.end_session(first) == "张三"
    assert store.session(first, HOUR).status == "ended"
    assert store.session(second, HOUR).status == "live", "a logout ends that login only"

    store.set_password("张三", "another password 2")
    assert store.session(second, HOUR).status == "ended"

    third, _ = store.start_session("张三", HOUR)
    store.disable_user("张三")
    assert store.session(third, HOUR).status == "disabled"
    store.enable_user("张三")
    assert store.session(third, HOUR).status == "ended", "enabling again does not revive it"


def test_tokens_are_stored_only_as_hashes(store):
    token, handoff = store.start_session("张三", HOUR)
    raw = stored_text(store)
    assert "张三" in raw
    assert token not in raw and handoff not in raw


def test_a_handoff_works_once_within_its_minute(store, clock):
    token, handoff = store.start_session("张三", HOUR)
    cookie_token, seconds = store.redeem_handoff(handoff)
    assert seconds == HOUR and cookie_token != token
    assert store.session(cookie_token, HOUR).status == "live"
    assert store.redeem_handoff(handoff) is None, "used"

    _, late = store.start_session("张三", HOUR)
    clock.t += accounts.HANDOFF_SECONDS + 1
    assert store.redeem_handoff(late) is None


def test_only_this_servers_signature_is_accepted(store):
    secret = store.secret()
    assert store.secret() == secret, "kept across calls (and restarts)"
    value = accounts.sign("abc", secret)
    assert accounts.unsign(value, secret) == "abc"
    assert accounts.unsign(accounts.sign("abc", b"other secret"), secret) is None
    assert accounts.unsign("abc", secret) is None and accounts.unsign(None, secret) is None


# ---------------------------------------------------------------- the routes


def call(route, path: str, query: dict, cookie: str | None = None, scheme: str = "http"):
    headers = [(b"host", b"127.0.0.1:8501")]
    if cookie:
        headers.append((b"cookie", f"{session_routes.COOKIE}={cookie}".encode()))
    scope = {"type": "http", "method": "GET", "scheme": scheme, "path": path, "query_string": urlencode(query).encode(),
             "headers": headers, "server": ("127.0.0.1", 8501)}
    # in a thread of its own: after the browser tests, Playwright's sync API keeps an event
    # loop running in this process's main thread, where asyncio.run refuses to start another
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, route(Request(scope))).result()


def set_cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    for name, value in response.raw_headers:
        if name == b"set-cookie":
            cookie.load(value.decode())
    return cookie


def test_the_session_route_sets_an_httponly_signed_cookie_and_goes_back(store):
    _, handoff = store.start_session("张三", 2 * HOUR)
    response = call(session_routes.start, session_routes.LOGIN_PATH, {"h": handoff, "next": "/data?tab=x"})
    assert response.status_code == 303 and response.headers["location"] == "/data?tab=x"
    morsel = set_cookie(response)[session_routes.COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "lax" and morsel["max-age"] == str(2 * HOUR)
    assert not morsel["secure"], "plain http on the office network"
    token = session_routes.session_token(morsel.value)
    assert store.session(token, HOUR).user.name == "张三"

    again = call(session_routes.start, session_routes.LOGIN_PATH, {"h": handoff, "next": "/data"})
    assert session_routes.COOKIE not in set_cookie(again), "a handoff works once"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "data"])
def test_the_routes_go_back_only_to_this_site(store, target):
    response = call(session_routes.start, session_routes.LOGIN_PATH, {"h": "x", "next": target})
    assert response.headers["location"] == "/"


def test_the_logout_route_ends_the_session_and_deletes_the_cookie(store):
    _, handoff = store.start_session("张三", HOUR)
    value = set_cookie(call(session_routes.start, session_routes.LOGIN_PATH, {"h": handoff}))[session_routes.COOKIE].value
    response = call(session_routes.end, session_routes.LOGOUT_PATH, {"next": "/upload"}, cookie=value)
    assert response.headers["location"] == "/upload"
    assert set_cookie(response)[session_routes.COOKIE]["max-age"] == "0"
    assert store.session(session_routes.session_token(value), HOUR).status == "ended"


def test_over_https_the_cookie_is_secure(store):
    _, handoff = store.start_session("张三", HOUR)
    response = call(session_routes.start, session_routes.LOGIN_PATH, {"h": handoff}, scheme="https")
    assert set_cookie(response)[session_routes.COOKIE]["secure"]
