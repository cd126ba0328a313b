"""Login, roles and sessions for the pages (accounts themselves: warehouse/accounts.py).

Pages call one guard at the top:

    user = require("uploader")   # upload page; require("admin") for rollback, accounts
    user = require_analyst()     # analyst pages: login only if [access] says so

`require` renders the login form, the refusal or "无权访问" and stops the page when access
is not granted, so nothing below it runs. While no account exists, upload and data
management are open to the server's own machine only (the page says how to create the
first administrator) and refused to anyone else.

The visitor's address (rate limiting, audit log) is the peer's, unless the peer is a proxy
listed in [access] trusted_proxies: then it is the nearest address in X-Forwarded-For (or
Forwarded, X-Real-IP) that is not itself a trusted proxy. Forwarded headers from anyone
else are ignored, so a visitor cannot choose the address it is rate-limited and audited as.

"Local" means: Streamlit saw a loopback peer (it reports `st.context.ip_address` as None
for 127.0.0.1 and ::1; AppTest has no peer at all), no proxy header names another
address, and the Host header is a loopback name, so that neither a reverse proxy on the
same machine nor DNS rebinding makes a remote visitor look local.

Sessions live in st.session_state (server side, one per browser tab; a reload starts a new
one) and expire after `session_minutes` without a rerun. A disabled account is logged out
at its next rerun.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import streamlit as st

from base import reference as _reference
from warehouse import accounts
from warehouse.accounts import ROLE_LABELS, RateLimited, User

from .format import md_text

log = logging.getLogger(__name__)

FIRST_ADMIN_COMMAND = "python -m warehouse users add 管理员 --role admin"
LOCAL_USER = User(name="本机", role="admin")  # who acts while no account exists (local only)

_SESSION_KEY = "_auth_session"
_NOTICE_KEY = "_auth_notice"
_now = time.time  # tests replace it


@dataclass(frozen=True)
class AccessSettings:
    analyst_login_required: bool = False
    session_minutes: int = 480
    # reverse proxies whose forwarded headers name the client (addresses or networks);
    # none by default: the peer address is the client
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


def access_settings(directory: Path | None = None) -> AccessSettings:
    """The [access] section of data/reference/city.toml; defaults for what is missing.

    Asked for by every table drawn (its export is audited with the client's address): the
    file is parsed again only when it changes.
    """
    path = Path(directory or _reference.REFERENCE_DIR) / "city.toml"
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    return _access_settings(path, version)


@lru_cache(maxsize=8)
def _access_settings(path: Path, version) -> AccessSettings:
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("access", {})
    except (OSError, tomllib.TOMLDecodeError):
        log.warning("cannot read [access] from %s; using defaults", path)
        section = {}
    defaults = AccessSettings()
    required = section.get("analyst_login_required", defaults.analyst_login_required)
    minutes = section.get("session_minutes", defaults.session_minutes)
    if not isinstance(required, bool):
        log.warning("[access] analyst_login_required must be true or false; using %s", defaults.analyst_login_required)
        required = defaults.analyst_login_required
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        log.warning("[access] session_minutes must be a positive integer; using %s", defaults.session_minutes)
        minutes = defaults.session_minutes
    return AccessSettings(
        analyst_login_required=required, session_minutes=minutes, trusted_proxies=_networks(section.get("trusted_proxies", []))
    )


def _networks(entries) -> tuple:
    """trusted_proxies as networks ("127.0.0.1", "10.0.0.0/8"); a wrong entry is left out."""
    if not isinstance(entries, list):
        log.warning("[access] trusted_proxies must be a list of addresses; trusting no proxy")
        return ()
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            log.warning("[access] trusted_proxies: %r is not an address or network; left out", entry)
    return tuple(networks)


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


def current_user() -> User | None:
    """The user logged in on this session, or None (never the local no-account user).

    Ends the session when it has been idle longer than `session_minutes` or the account
    was disabled or removed meanwhile; otherwise counts this rerun as activity.
    """
    session = st.session_state.get(_SESSION_KEY)
    if not session:
        return None
    now = _now()
    minutes = access_settings().session_minutes
    if now - session["last_seen"] > minutes * 60:
        _end_session(accounts.SESSION_EXPIRED, session["name"], {"idle_minutes": round((now - session["last_seen"]) / 60)})
        st.session_state[_NOTICE_KEY] = f"登录已超时（{minutes} 分钟无操作），请重新登录"
        return None
    user = accounts.get_user(session["name"])
    if user is None or user.disabled:
        _end_session(None, session["name"], None)
        st.session_state[_NOTICE_KEY] = "账号已停用或已删除，请联系管理员"
        return None
    session["last_seen"] = now
    return user


def _start_session(user: User) -> None:
    now = _now()
    st.session_state[_SESSION_KEY] = {"name": user.name, "login_at": now, "last_seen": now}


def _end_session(action: str | None, name: str, detail) -> None:
    st.session_state.pop(_SESSION_KEY, None)
    if action:
        _safe_audit(action, name, detail)


def logout() -> None:
    """End this session (the sidebar button's callback); audited."""
    session = st.session_state.get(_SESSION_KEY)
    if session:
        _end_session(accounts.LOGOUT, session["name"], None)
        st.session_state[_NOTICE_KEY] = "已退出登录"


def account_sidebar(user: User) -> None:
    """Who is logged in, and the logout button. `require*` call it; call it at most once a run."""
    with st.sidebar:
        st.caption(f"已登录：{md_text(user.name)}（{ROLE_LABELS.get(user.role, user.role)}）")
        st.button("退出登录", key="auth_logout", on_click=logout, icon=":material/logout:")


# ---------------------------------------------------------------- guards


def require(role: str, *, stop: bool = True) -> User | None:
    """The user allowed on a page that needs `role` (viewer | uploader | admin).

    Access granted: returns the user (LOCAL_USER while no account exists and the request
    is local). Otherwise shows the login form, the refusal or 无权访问, and stops the page
    (or returns None with stop=False).
    """
    role = accounts.check_role(role)
    if not accounts.any_accounts():
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
            f"管理员请在服务器上运行 `{FIRST_ADMIN_COMMAND}` 创建第一个管理员账号，然后在此登录。"
            "如果你就在服务器上，请通过 http://localhost:端口 访问。",
            icon=":material/lock:",
        )
        return _deny(stop)

    user = current_user()
    if user is None:
        _login_form()
        return _deny(stop)
    account_sidebar(user)
    if not user.can(role):
        st.error(
            f"无权访问：本页需要{ROLE_LABELS[role]}或更高权限，当前账号「{md_text(user.name)}」是{user.role_label}。",
            icon=":material/block:",
        )
        return _deny(stop)
    return user


def require_analyst(*, stop: bool = True) -> User | None:
    """For analyst pages: requires a login (any role) only when [access]
    analyst_login_required is true; otherwise returns the logged-in user or None."""
    if access_settings().analyst_login_required:
        return require("viewer", stop=stop)
    user = current_user()
    if user is not None:
        account_sidebar(user)
    return user


def _deny(stop: bool) -> None:
    if stop:
        st.stop()
    return None


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
        user = accounts.authenticate(name, password, client_ip())
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
        accounts.audit(action, user, client_ip(), detail)
    except Exception:
        log.exception("audit entry %s for %s not written", action, user)


def _export_user() -> str | None:
    user = st.session_state.get(_SESSION_KEY, {}).get("name")
    if user is None and not accounts.any_accounts() and is_local_request():
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
            accounts.audit(accounts.EXPORT, user, ip, {k: v for k, v in detail.items() if v is not None})
        except Exception:
            log.exception("audit entry export of %s for %s not written", name, user)

    return record
