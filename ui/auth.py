"""Login, roles and sessions for the pages (accounts themselves: warehouse/accounts.py).

Who may open a page is declared once, beside the page in app.py (one of NEEDS: public,
analyst, wall, viewer, uploader, admin); the router calls `admit(need)` before running the
page, which draws the login form, the refusal or "无权访问" instead when access is not
granted. A page that needs the user asks `page_user()`. "analyst" is open unless [access]
analyst_login_required, then any login. While no account exists, pages that need a role
are open to the server's own machine only (they say how to create the first administrator)
and refused to anyone else.

The visitor's address (rate limiting, audit log) is the peer's, unless the peer is a proxy
listed in [access] trusted_proxies: then it is the nearest address in X-Forwarded-For (or
Forwarded, X-Real-IP) that is not itself a trusted proxy. Forwarded headers from anyone
else are ignored, so a visitor cannot choose the address it is rate-limited and audited as.

"Local" means: Streamlit saw a loopback peer (it reports `st.context.ip_address` as None
for 127.0.0.1 and ::1; AppTest has no peer at all), no proxy header names another
address, and the Host header is a loopback name, so that neither a reverse proxy on the
same machine nor DNS rebinding makes a remote visitor look local.

A login is a session in the accounts store, held by the tab that logged in and, once the
browser has passed through /account/session (ui/session_routes.py), by an HttpOnly signed
cookie, so that a reload, a new tab or a followed link stays logged in. It ends after
`session_minutes` without activity, `session_hours` after the login, at a logout in any
tab, or when its account is disabled or its password changed: every tab notices at its
next run.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from collections.abc import Callable

import streamlit as st

from base.config import access as access_settings  # tests replace it here
from warehouse import accounts
from warehouse.accounts import ROLE_LABELS, RateLimited, User

from . import session_routes
from .format import md_text

log = logging.getLogger(__name__)

FIRST_ADMIN_COMMAND = "python -m warehouse users add 管理员 --role admin"
LOCAL_USER = User(name="本机", role="admin")  # who acts while no account exists (local only)

_SESSION_KEY = "_auth_session"  # this tab's login: {"token", "name"}
_NOTICE_KEY = "_auth_notice"
_REDIRECT_KEY = "_auth_redirect"  # a session route the browser is to pass through
_DEAD_COOKIE_KEY = "_auth_dead_cookie"  # a cookie whose session is over: said once
_now = time.time  # tests replace it


# ---------------------------------------------------------------- where the request comes from


def _peer_ip() -> str | None:
    """The WebSocket peer; None for loopback (Streamlit's convention) or when unknown."""
    try:
        ip = st.context.ip_address
    except Exception:
        return None
    return ip if isinstance(ip, str) and ip else None  # AppTest hands back a MagicMock


def _headers() -> dict[str, str]:
    try:
        return {k.lower(): v for k, v in st.context.headers.to_dict().items()}
    except Exception:
        return {}


_FORWARDED_FOR = re.compile(r'for\s*=\s*"?([^;,"]+)"?', re.IGNORECASE)


def _strip_port(address: str) -> str:
    address = address.strip()
    if address.startswith("["):  # [::1]:8501
        return address[1:].split("]", 1)[0]
    if address.count(":") == 1:  # 127.0.0.1:8501 or localhost:8501
        return address.split(":", 1)[0]
    return address


def _forwarded_ips(headers: dict[str, str]) -> list[str]:
    """Client addresses named by proxy headers, nearest proxy's view last."""
    found: list[str] = []
    if value := headers.get("forwarded"):
        found += [_strip_port(m) for m in _FORWARDED_FOR.findall(value)]
    if value := headers.get("x-forwarded-for"):
        found += [_strip_port(a) for a in value.split(",") if a.strip()]
    if value := headers.get("x-real-ip"):
        found.append(_strip_port(value))
    return found


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address `text` names (an IPv4-mapped IPv6 address as IPv4), or None."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip


def _is_loopback(address: str) -> bool:
    ip = _address(address)
    return address.lower() == "localhost" or (ip is not None and ip.is_loopback)


def _proxy_chain(headers: dict[str, str]) -> list[str]:
    """The client addresses of one forwarding header (the first of Forwarded,
    X-Forwarded-For, X-Real-IP present), nearest proxy's view last."""
    if value := headers.get("forwarded"):
        return [_strip_port(m) for m in _FORWARDED_FOR.findall(value)]
    if value := headers.get("x-forwarded-for"):
        return [_strip_port(a) for a in value.split(",") if a.strip()]
    if value := headers.get("x-real-ip"):
        return [_strip_port(value)]
    return []


def client_ip() -> str | None:
    """The visitor's address for the audit log and rate limiting; None when local/unknown.

    The peer, unless it is a trusted proxy ([access] trusted_proxies): then walk the
    forwarded addresses from the nearest proxy's view back while they are trusted proxies
    too; the first other address is the client. A malformed entry stops the walk at the
    proxy that passed it on.
    """
    peer = _peer_ip()  # None: loopback (Streamlit's convention) or unknown
    trusted = access_settings().trusted_proxies
    if not trusted:
        return peer

    def is_trusted(address: str | None) -> bool:
        ip = _address(address) if address else ipaddress.ip_address("127.0.0.1")
        return ip is not None and any(ip in network for network in trusted)

    client = peer
    if not is_trusted(client):
        return client
    for hop in reversed(_proxy_chain(_headers())):
        ip = _address(hop)
        if ip is None:
            break
        client = str(ip)
        if not is_trusted(client):
            break
    return None if client is None or _is_loopback(client) else client


def is_local_request() -> bool:
    """Whether the request comes from this machine (see the module docstring)."""
    peer = _peer_ip()
    if peer and not _is_loopback(peer):
        return False
    headers = _headers()
    if any(not _is_loopback(a) for a in _forwarded_ips(headers)):
        return False
    host = headers.get("host")
    return not host or _is_loopback(_strip_port(host))


# ---------------------------------------------------------------- sessions


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(session_routes.COOKIE)
    except Exception:  # no request (AppTest, a script outside Streamlit)
        return None
    return value if isinstance(value, str) else None


def _idle_text(minutes: int) -> str:
    return f"登录已超时（{minutes} 分钟无操作），请重新登录"


_ENDED = {
    "disabled": "账号已停用或已删除，请联系管理员",
    "ended": "登录已结束（已在其他页面退出，或账号密码已更改），请重新登录",
}


def current_user() -> User | None:
    """The user logged in on this browser, or None (never the local no-account user).

    The session is this tab's login, else the browser's session cookie. It ends when it
    has been idle longer than `session_minutes`, is past `session_hours`, was ended by a
    logout anywhere, or its account was disabled; otherwise this run counts as activity.
    """
    own = st.session_state.get(_SESSION_KEY)
    token = own["token"] if own else session_routes.session_token(_cookie())
    if token is None or (not own and token == st.session_state.get(_DEAD_COOKIE_KEY)):
        return None
    settings = access_settings()
    state = accounts.store().session(token, settings.session_minutes * 60, _now())
    if state.status == "live":
        st.session_state[_SESSION_KEY] = {"token": token, "name": state.name}
        return state.user
    st.session_state.pop(_SESSION_KEY, None)
    st.session_state[_DEAD_COOKIE_KEY] = session_routes.session_token(_cookie())
    if state.status == "expired":
        _safe_audit(accounts.SESSION_EXPIRED, state.name, {"idle_minutes": round(state.idle_seconds / 60)})
        st.session_state[_NOTICE_KEY] = _idle_text(settings.session_minutes)
    elif own or state.status == "disabled":
        st.session_state[_NOTICE_KEY] = _ENDED.get(state.status, _ENDED["ended"])
    return None


def _start_session(user: User) -> None:
    lifetime = access_settings().session_hours * 3600
    token, handoff = accounts.store().start_session(user.name, lifetime, _now())
    st.session_state[_SESSION_KEY] = {"token": token, "name": user.name}
    st.session_state[_REDIRECT_KEY] = f"{session_routes.LOGIN_PATH}?h={handoff}"


def logout() -> None:
    """End this login everywhere (the sidebar button's callback); audited. The browser is
    then sent through the route that deletes its cookie."""
    session = st.session_state.pop(_SESSION_KEY, None)
    if session:
        accounts.store().end_session(session["token"], _now())
        _safe_audit(accounts.LOGOUT, session["name"], None)
        st.session_state[_NOTICE_KEY] = "已退出登录"
        st.session_state[_REDIRECT_KEY] = f"{session_routes.LOGOUT_PATH}?"


def _follow_redirect() -> None:
    """Send the browser through a session route and back to this page (once)."""
    target = st.session_state.pop(_REDIRECT_KEY, None)
    if target:
        # the page's own path and query, read in the browser: no server URL to trust
        script = (
            f"<script>window.location.replace({json.dumps(target)} + '&next=' + "
            "encodeURIComponent(window.location.pathname + window.location.search));</script>"
        )
        st.html(script, unsafe_allow_javascript=True)


def account_sidebar(user: User) -> None:
    """Who is logged in, and the logout button. The router calls it once a run."""
    with st.sidebar:
        st.caption(f"已登录：{md_text(user.name)}（{ROLE_LABELS.get(user.role, user.role)}）")
        st.button("退出登录", key="auth_logout", on_click=logout, icon=":material/logout:")


# ---------------------------------------------------------------- guards
# Who may open a page is declared beside it in app.py, as one of NEEDS; the router asks
# `admit` before running the page, `visible` before listing it.

PUBLIC, ANALYST, WALL = "public", "analyst", "wall"
VIEWER, UPLOADER, ADMIN = accounts.ROLES
NEEDS = (PUBLIC, ANALYST, WALL, VIEWER, UPLOADER, ADMIN)


def admit(need: str) -> bool:
    """Whether this visitor may open a page that needs `need`. When not, the login form,
    the refusal or 无权访问 is drawn instead (on the wall: its notice)."""
    _follow_redirect()
    if need == WALL:
        return _admit_wall()
    if need == PUBLIC or (need == ANALYST and not access_settings().analyst_login_required):
        if (user := current_user()) is not None:
            account_sidebar(user)
        return True
    return _require("viewer" if need == ANALYST else need) is not None


def visible(need: str, user: User | None) -> bool:
    """Whether the navigation lists a page that needs `need` to `user` (current_user()):
    every page this visitor may open, or could after logging in."""
    if need in (PUBLIC, ANALYST, WALL):
        return True
    if user is not None:
        return user.can(need)
    return accounts.store().any_accounts() or is_local_request()


def page_user() -> User | None:
    """The user a page acts for, once the router has admitted the visitor: the logged-in
    user, the local no-account administrator, or None (an open page, nobody logged in)."""
    user = current_user()
    if user is None and not accounts.store().any_accounts() and is_local_request():
        return LOCAL_USER
    return user


def _admit_wall() -> bool:
    """A configured token must be in the URL (?token=…); a logged-in session may look too.

    Without a token the wall is open, as are the analyst pages whose aggregated figures it
    shows; where those require a login ([access] analyst_login_required), so does the wall.
    """
    from . import wall

    try:
        if current_user() is not None:
            return True
        expected = wall.configured_token()
        if expected is not None:
            admitted = wall.token_matches(st.query_params.get("token"), expected)
        else:
            admitted = not access_settings().analyst_login_required
    except Exception:
        log.exception("wall access check failed; showing the notice")
        admitted = False
    if not admitted:
        st.html(wall.notice_html("请使用管理员提供的大屏链接"))
    return admitted


def _require(role: str) -> User | None:
    """The user allowed where `role` (viewer | uploader | admin) is needed: the logged-in
    user, or LOCAL_USER while no account exists and the request is local. Otherwise None,
    with the login form, the refusal or 无权访问 drawn."""
    role = accounts.check_role(role)
    if not accounts.store().any_accounts():
        if is_local_request():
            st.info(
                "尚未创建任何账号：本页目前只对服务器本机开放。"
                f"请在服务器上创建第一个管理员账号：\n\n`{FIRST_ADMIN_COMMAND}`\n\n"
                "（随后输入密码；创建账号后，本页需要登录才能使用。）",
                icon=":material/lock_open:",
            )
            return LOCAL_USER
        st.error(
            "尚未创建任何账号，本页只允许在服务器本机访问。\n\n"
            "请联系管理员在服务器上创建第一个管理员账号，然后在此登录。"
            "如果你就在服务器上，请通过 http://localhost:端口 访问，那里会给出创建账号的方法。",
            icon=":material/lock:",
        )
        return None

    user = current_user()
    if user is None:
        _login_form()
        return None
    account_sidebar(user)
    if not user.can(role):
        st.error(
            f"无权访问：本页需要{ROLE_LABELS[role]}或更高权限，当前账号「{md_text(user.name)}」是{user.role_label}。",
            icon=":material/block:",
        )
        return None
    return user


def _login_form() -> None:
    if notice := st.session_state.pop(_NOTICE_KEY, None):
        st.warning(notice)
    st.subheader("请登录")
    # clear_on_submit: the password does not stay in the session after the attempt
    with st.form("auth_login", clear_on_submit=True):
        name = st.text_input("用户名", max_chars=accounts.MAX_NAME_LENGTH)
        password = st.text_input("密码", type="password", max_chars=accounts.MAX_PASSWORD_LENGTH)
        submitted = st.form_submit_button("登录", type="primary")
    if not submitted:
        return
    if not name.strip() or not password:
        st.error("请输入用户名和密码")
        return
    try:
        user = accounts.store().authenticate(name, password, client_ip())
    except RateLimited as exc:
        st.error(str(exc))
        return
    if user is None:
        st.error("用户名或密码错误（或账号已停用）")
        return
    _start_session(user)
    st.rerun()


# ---------------------------------------------------------------- audit helpers


def _safe_audit(action: str, user, detail) -> None:
    try:
        accounts.store().audit(action, user, client_ip(), detail)
    except Exception:
        log.exception("audit entry %s for %s not written", action, user)


def _export_user() -> str | None:
    user = st.session_state.get(_SESSION_KEY, {}).get("name")
    if user is None and not accounts.store().any_accounts() and is_local_request():
        user = LOCAL_USER.name
    return user


def audit_export(name: str, detail=None) -> None:
    """on_click for download buttons: `st.download_button(..., on_click=audit_export, args=("签约项目.xlsx",))`."""
    payload = {"file": name, **(detail or {})} if isinstance(detail, dict) or detail is None else {"file": name, "detail": detail}
    _safe_audit(accounts.EXPORT, _export_user(), payload)


def export_recorder(name: str, title: str | None = None) -> Callable[[int], None]:
    """The audit of a download whose file is built when clicked: record(rows) writes the
    entry (who, file, title, rows, the page's URL filters).

    Streamlit runs a download's data callable outside the page's run, where neither the
    session nor the request is known, so who and from where are taken now, at drawing.
    """
    user, ip = _export_user(), client_ip()
    try:
        filters = st.query_params.to_dict()
    except Exception:  # no page run (a script outside Streamlit)
        filters = {}

    def record(rows: int) -> None:
        detail = {"file": name, "title": title, "rows": rows, "filters": filters or None}
        try:
            accounts.store().audit(accounts.EXPORT, user, ip, {k: v for k, v in detail.items() if v is not None})
        except Exception:
            log.exception("audit entry export of %s for %s not written", name, user)

    return record
