"""Accounts, roles and the audit log, in a small database beside the warehouse.

Logins and audit entries are frequent small writes; the DuckDB warehouse is published by
copy-and-rename (see db.py), so they live here instead: by default a SQLite file in WAL
mode ($ACCOUNTS_DB or data/accounts.sqlite, created with its schema on first write); for
several servers a PostgreSQL database (`ACCOUNTS_DB=postgres:<conninfo>`, or the one of a
`ducklake:postgres:` warehouse), so that a login, a lockout or a disabled account holds
on every server. accounts_db.py keeps the two apart. Every call takes a connection of
its own (a new one on SQLite, a pooled one on PostgreSQL), and every write transaction
runs alone (on SQLite, and on PostgreSQL across servers), so the app's threads, the
command line and other servers may use the store at the same time.

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher: salted, slow, memory
hard) and never stored, logged or put into an exception message.

Rate limiting (failed logins, kept for a day): keyed so that a stranger cannot lock an
account out from elsewhere.

- per account and address: after the 3rd failure within an hour, the next attempt from
  that address for that account must wait 1, 2, 4, ... seconds (at most 5 minutes) after
  the last failure;
- per address, across accounts: 20 failures within 15 minutes lock the address for 15
  minutes (for every account);
- per account, across addresses: beyond 100 failures within 15 minutes every attempt for
  the account is slowed by a few seconds, never refused, so its owner still gets in.

An attempt is counted before its password is checked, so parallel guesses cannot slip
past the limit; a refused attempt is not counted. A login from a local or unknown address
(None) counts as one address.

Sessions (login to logout) are rows here too, so that logout, expiry and disabling an
account end a session in every tab and browser at once: the browser holds a random token
(in a signed HttpOnly cookie, ui/session_routes.py), the table only its SHA-256. A session
ends when it is revoked (logout, account disabled, password changed), idle longer than the
idle limit, or past its lifetime. The browser receives the token through a one-time
handoff: a second random value, redeemable once within HANDOFF_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from base.reference import load_reference, resolve_unit, suggest_unit

from . import accounts_db
from .accounts_db import AccountsUnavailable

ROLES = ("viewer", "uploader", "admin")  # each role includes the ones before it
ROLE_LABELS = {"viewer": "查看者", "uploader": "上传员", "admin": "管理员"}

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_NAME_LENGTH = 64

FAILURE_WINDOW = 15 * 60  # seconds in which failures count
DELAY_WINDOW = 60 * 60  # seconds in which failures of one account from one address count
FREE_FAILURES = 3  # failures of one account from one address before delays begin
MAX_DELAY = 5 * 60  # the longest delay between attempts on one account from one address
ADDRESS_MAX_FAILURES = 20  # failures from one address (any accounts) that lock the address
LOCKOUT = 15 * 60  # seconds an address stays locked after the failure that locked it
ACCOUNT_CEILING = 100  # failures of one account (any addresses) beyond which it is slowed
ACCOUNT_SLOWDOWN = 3.0  # seconds each attempt on such an account waits

# Audit actions (the `action` column).
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_BLOCKED = "login_blocked"
LOGOUT = "logout"
SESSION_EXPIRED = "session_expired"
USER_ADD = "user_add"
USER_PASSWD = "user_passwd"
USER_DISABLE = "user_disable"
USER_ENABLE = "user_enable"
EXPORT = "export"
UPLOAD = "upload"
UPLOAD_FAILED = "upload_failed"  # refused with errors, or failed with an exception
ROLLBACK = "rollback"
ROLLBACK_FAILED = "rollback_failed"  # refused (already rolled back, no such load) or failed
NIL_REPORT = "nil_report"  # 本月无新增 (warehouse.periods)
PERIOD_CLOSE = "period_close"  # an admin publishes a month with units missing
PERIOD_REOPEN = "period_reopen"
DIGEST_PUSH = "digest_push"  # the daily update taken by a group robot (warehouse.robots)
DIGEST_PUSH_FAILED = "digest_push_failed"  # not taken after every retry
REVIEW_DECISIONS = "review_decisions"  # 研判意见 entered after a monthly review meeting (warehouse.report)
ENTRY = "entry"  # a lead or progress entered on /entry (etl.entry)
LEAD_OFFER = "lead_offer"  # 项目流转: a unit offers a lead on (warehouse.transfers)
LEAD_WITHDRAW = "lead_withdraw"
LEAD_ASSIGN = "lead_assign"  # the centre assigns it to another unit

HANDOFF_SECONDS = 60  # from the login form to the browser holding the cookie
SESSION_TOUCH_SECONDS = 30  # activity is written at most this often per session

SCHEMA_VERSION = 2
SCHEMA = """
create table if not exists users (
    id integer primary key,
    name text not null unique collate nocase,
    role text not null check (role in ('viewer', 'uploader', 'admin')),
    units text not null default '[]',          -- JSON array of unit ids (uploaders)
    password_hash text not null,
    disabled integer not null default 0,
    created_at text not null,
    updated_at text not null
);
create table if not exists login_failures (
    id integer primary key,
    ts real not null,                           -- unix seconds
    name_key text not null,                     -- casefolded name as typed
    ip text
);
create index if not exists login_failures_name on login_failures (name_key, ts);
create index if not exists login_failures_ip on login_failures (ip, ts);
create table if not exists audit (
    id integer primary key,
    ts text not null,                           -- ISO 8601, local time with offset
    "user" text,
    ip text,
    action text not null,
    detail text
);
create index if not exists audit_ts on audit (ts);
create table if not exists sessions (
    id integer primary key,
    token_hash text not null unique,            -- SHA-256 of the browser's token
    handoff_hash text unique,                   -- one-time, until the browser holds the cookie
    handoff_expires real,
    name text not null collate nocase,          -- users.name
    created real not null,                      -- unix seconds
    last_seen real not null,
    expires real not null,
    revoked real                                -- when logout, disabling or a new password ended it
);
create index if not exists sessions_name on sessions (name);
create table if not exists secrets (
    key text primary key,
    value text not null
);
"""


class AccountError(ValueError):
    """A refused account operation; the message is Chinese and safe to show."""


class RateLimited(AccountError):
    """Too many failed logins: no password is checked until `retry_after` seconds pass
    (for this account from this address, or from this address at all)."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class User:
    name: str
    role: str
    units: tuple[str, ...] = ()  # unit ids an uploader may load; empty for other roles
    disabled: bool = False
    created_at: str | None = None
    updated_at: str | None = None

    def can(self, role: str) -> bool:
        """Whether this user has `role` or more: admin ⊇ uploader ⊇ viewer."""
        return not self.disabled and ROLES.index(self.role) >= ROLES.index(check_role(role))

    def may_load_unit(self, unit_id: str) -> bool:
        """Whether rows of this reporting unit may be loaded by this user."""
        if self.disabled:
            return False
        return self.role == "admin" or (self.role == "uploader" and unit_id in self.units)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


@dataclass(frozen=True)
class Session:
    """A session's state as of the moment asked: `user` is set only while it is live."""

    status: str  # live | expired (idle or past its lifetime) | ended (revoked) | disabled | unknown
    name: str | None = None
    user: User | None = None
    idle_seconds: float = 0.0


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: datetime
    user: str | None
    ip: str | None
    action: str
    detail: str | None


# ---------------------------------------------------------------- validation


def location_text() -> str:
    """Where the configured store is, for messages: the file, or PostgreSQL（库@主机）
    (never a password)."""
    try:
        return accounts_db.open_backend(None, SCHEMA, SCHEMA_VERSION).describe()
    except AccountsUnavailable:
        return "PostgreSQL（连接串格式有误）"


_ROLE_ALIASES = {**{r: r for r in ROLES}, **{label: r for r, label in ROLE_LABELS.items()}}


def check_role(role: str) -> str:
    """'uploader' or its label '上传员' -> 'uploader'; anything else is an AccountError."""
    found = _ROLE_ALIASES.get(str(role).strip().lower()) if role is not None else None
    if found is None:
        raise AccountError(f"未知的角色「{role}」，应为 viewer（查看者）、uploader（上传员）或 admin（管理员）")
    return found


def clean_name(name: str) -> str:
    """The stored form of a user name: NFKC, surrounding whitespace removed."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip()
    if not text:
        raise AccountError("用户名不能为空")
    if len(text) > MAX_NAME_LENGTH:
        raise AccountError(f"用户名过长（最多 {MAX_NAME_LENGTH} 个字符）")
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise AccountError("用户名不能包含控制字符")
    return text


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name or "")).strip().casefold()


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码太短：至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"密码过长（最多 {MAX_PASSWORD_LENGTH} 个字符）")
    if password != password.strip("\r\n"):
        raise AccountError("密码不能以换行符开头或结尾")
    return password


def resolve_units(units: Iterable[str], reference=None) -> tuple[str, ...]:
    """Unit names, aliases or ids -> unit ids (order kept, duplicates dropped)."""
    units = [u for u in units if str(u).strip()]
    if not units:
        return ()
    reference = reference or load_reference()
    by_id = {u.unit_id: u for u in reference.units}
    resolved: list[str] = []
    for text in units:
        text = str(text).strip()
        unit = by_id.get(text) or resolve_unit(text, reference)
        if unit is None:
            hint = suggest_unit(text, reference)
            message = f"未知的填报单位「{text}」"
            if hint:
                message += f"，是否为「{hint}」？"
            names = "、".join(u.name for u in reference.units)
            raise AccountError(f"{message}\n可用的填报单位：{names}")
        if unit.unit_id not in resolved:
            resolved.append(unit.unit_id)
    return tuple(resolved)


def unit_names(unit_ids: Iterable[str], reference=None) -> list[str]:
    """Unit ids -> names for display (an id no longer in the reference is shown as is)."""
    unit_ids = list(unit_ids)
    if not unit_ids:
        return []
    reference = reference or load_reference()
    names = {u.unit_id: u.name for u in reference.units}
    return [names.get(i, i) for i in unit_ids]


# ---------------------------------------------------------------- the store


class AccountStore:
    """Accounts and audit log at `location` (see accounts_db.location: a SQLite file or
`postgres:<conninfo>`). `clock` returns unix seconds and `sleep` waits (tests inject both)."""

    def __init__(
        self,
        location: str | os.PathLike | None = None,
        *,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
        reference=None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.location = accounts_db.location(location)
        self.backend = accounts_db.open_backend(self.location, SCHEMA, SCHEMA_VERSION)
        self.path = self.backend.path  # the SQLite file; None on PostgreSQL
        self.clock = clock
        self.sleep = sleep
        self.hasher = hasher or PasswordHasher()  # argon2id, random 16-byte salt per hash
        self.reference = reference
        self._dummy_hash: str | None = None

    def _stamp(self, ts: float | None = None) -> str:
        return datetime.fromtimestamp(self.clock() if ts is None else ts).astimezone().isoformat(timespec="seconds")

    def _audit(self, con, action: str, user, ip, detail) -> None:
        if isinstance(user, User):
            user = user.name
        if isinstance(detail, (dict, list, tuple)):
            detail = json.dumps(detail, ensure_ascii=False, default=str)
        con.execute(
            'insert into audit (ts, "user", ip, action, detail) values (?, ?, ?, ?, ?)',
            (self._stamp(), user, ip or None, action, detail),
        )

    # -- accounts

    def any_accounts(self) -> bool:
        """Whether any account (disabled ones included) exists; never creates the file."""
        if not self.backend.exists():
            return False
        with self.backend.read() as con:
            return con.execute("select exists (select 1 from users)").fetchone()[0] == 1

    def get_user(self, name: str) -> User | None:
        if not self.backend.exists():
            return None
        with self.backend.read() as con:
            row = con.execute(_USER_SELECT + " where name = ?", (_lookup(name),)).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        if not self.backend.exists():
            return []
        with self.backend.read() as con:
            return [_user(r) for r in con.execute(_USER_SELECT + " order by name")]

    def add_user(
        self, name: str, role: str, password: str, units: Iterable[str] = (), *, actor: str | None = None, ip: str | None = None
    ) -> User:
        name = clean_name(name)
        role = check_role(role)
        check_password(password)
        unit_ids = resolve_units(units, self.reference)
        if role == "uploader" and not unit_ids:
            raise AccountError("上传员必须指定至少一个填报单位（--unit 单位名称）")
        if role != "uploader" and unit_ids:
            raise AccountError(f"只有上传员（uploader）需要指定填报单位；{ROLE_LABELS[role]}可以访问所有单位的数据")
        digest = self.hasher.hash(password)
        now = self._stamp()
        with self.backend.write() as con:
            if con.execute("select 1 from users where name = ?", (name,)).fetchone():
                raise AccountError(f"用户「{name}」已存在")
            con.execute(
                "insert into users (name, role, units, password_hash, disabled, created_at, updated_at) "
                "values (?, ?, ?, ?, 0, ?, ?)",
                (name, role, json.dumps(list(unit_ids), ensure_ascii=False), digest, now, now),
            )
            self._audit(con, USER_ADD, actor, ip, {"name": name, "role": role, "units": list(unit_ids)})
        return User(name, role, unit_ids, False, now, now)

    def set_password(self, name: str, password: str, *, actor: str | None = None, ip: str | None = None) -> None:
        check_password(password)
        digest = self.hasher.hash(password)
        with self.backend.write() as con:
            stored = self._require(con, name)
            con.execute(
                "update users set password_hash = ?, updated_at = ? where name = ?", (digest, self._stamp(), stored)
            )
            # A new password lifts the delays of the name (not the lock of any address).
            con.execute("delete from login_failures where name_key = ?", (_name_key(stored),))
            # whoever was logged in with the old password is no longer
            self._revoke_all(con, stored)
            self._audit(con, USER_PASSWD, actor, ip, {"name": stored})

    def disable_user(self, name: str, *, actor: str | None = None, ip: str | None = None) -> None:
        self._set_disabled(name, True, USER_DISABLE, actor, ip)

    def enable_user(self, name: str, *, actor: str | None = None, ip: str | None = None) -> None:
        self._set_disabled(name, False, USER_ENABLE, actor, ip)

    def _set_disabled(self, name, disabled: bool, action: str, actor, ip) -> None:
        with self.backend.write() as con:
            stored = self._require(con, name)
            con.execute(
                "update users set disabled = ?, updated_at = ? where name = ?", (int(disabled), self._stamp(), stored)
            )
            if disabled:
                self._revoke_all(con, stored)
            self._audit(con, action, actor, ip, {"name": stored})

    def _require(self, con, name: str) -> str:
        row = con.execute("select name from users where name = ?", (_lookup(name),)).fetchone()
        if row is None:
            raise AccountError(f"用户「{str(name).strip()}」不存在")
        return row[0]

    # -- sessions

    def _revoke_all(self, con, name: str) -> None:
        con.execute("update sessions set revoked = ? where name = ? and revoked is null", (self.clock(), name))

    def start_session(self, name: str, lifetime: float, now: float | None = None) -> tuple[str, str]:
        """A new session for `name` lasting at most `lifetime` seconds: (token, handoff)."""
        now = self.clock() if now is None else now
        token, handoff = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.backend.write() as con:
            con.execute("delete from sessions where expires < ? or revoked < ?", (now - 86400, now - 86400))
            con.execute(
                "insert into sessions (token_hash, handoff_hash, handoff_expires, name, created, last_seen, expires) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                (_digest(token), _digest(handoff), now + HANDOFF_SECONDS, name, now, now, now + lifetime),
            )
        return token, handoff

    def redeem_handoff(self, handoff: str, now: float | None = None) -> tuple[str, float] | None:
        """The token a handoff stands for and the seconds its session has left; None when the
        handoff is unknown, used, late, or its session over. A handoff works once."""
        now = self.clock() if now is None else now
        if not handoff or not self.backend.exists():
            return None
        token = secrets.token_urlsafe(32)
        with self.backend.write() as con:
            row = con.execute(
                "select id, handoff_expires, expires, revoked from sessions where handoff_hash = ?", (_digest(handoff),)
            ).fetchone()
            if row is None:
                return None
            if row[1] < now or row[3] is not None or row[2] <= now:
                con.execute("update sessions set handoff_hash = null, handoff_expires = null where id = ?", (row[0],))
                return None
            # A new token for the cookie: the raw one of the login is nowhere but in the
            # session that logged in, which the redirect to here leaves behind.
            con.execute(
                "update sessions set token_hash = ?, handoff_hash = null, handoff_expires = null where id = ?",
                (_digest(token), row[0]),
            )
        return token, row[2] - now

    def session(self, token: str | None, idle_limit: float, now: float | None = None) -> Session:
        """What the session of `token` is now; a live one counts `now` as activity."""
        now = self.clock() if now is None else now
        if not token or not self.backend.exists():
            return Session("unknown")
        with self.backend.read() as con:
            row = con.execute(
                "select id, name, last_seen, expires, revoked from sessions where token_hash = ?", (_digest(token),)
            ).fetchone()
        if row is None:
            return Session("unknown")
        session_id, name, last_seen, expires, revoked = row
        idle = now - last_seen
        user = self.get_user(name)
        if user is None or user.disabled:
            return Session("disabled", name)
        if revoked is not None:
            return Session("ended", name)
        if idle > idle_limit or now >= expires:
            self.end_session(token, now)
            return Session("expired", name, idle_seconds=idle)
        if idle > SESSION_TOUCH_SECONDS:
            with self.backend.write() as con:
                con.execute("update sessions set last_seen = ? where id = ?", (now, session_id))
        return Session("live", name, user, idle)

    def end_session(self, token: str | None, now: float | None = None) -> str | None:
        """Revoke the session of `token`; its user's name (None: no such session)."""
        now = self.clock() if now is None else now
        if not token or not self.backend.exists():
            return None
        with self.backend.write() as con:
            row = con.execute("select id, name from sessions where token_hash = ?", (_digest(token),)).fetchone()
            if row is None:
                return None
            con.execute("update sessions set revoked = ? where id = ? and revoked is null", (now, row[0]))
        return row[1]

    def secret(self, key: str = "session_cookie") -> bytes:
        """A random server secret, made on first use and kept (e.g. to sign cookies)."""
        if self.backend.exists():
            with self.backend.read() as con:
                row = con.execute("select value from secrets where key = ?", (key,)).fetchone()
            if row is not None:
                return bytes.fromhex(row[0])
        with self.backend.write() as con:
            row = con.execute("select value from secrets where key = ?", (key,)).fetchone()
            if row is None:
                row = (secrets.token_hex(32),)
                con.execute("insert into secrets (key, value) values (?, ?)", (key, row[0]))
        return bytes.fromhex(row[0])

    # -- logins

    def authenticate(self, name: str, password: str, ip: str | None = None) -> User | None:
        """The user for the right name and password; None otherwise (also for a disabled
        account). Raises RateLimited while this account is delayed from this address, or the
        address is locked (see the module docstring): then the password is not even checked.
        Every outcome is audited; the password never is."""
        key = _name_key(name)
        shown = unicodedata.normalize("NFKC", str(name or "")).strip()[:MAX_NAME_LENGTH] or None
        ip = ip or None
        now = self.clock()
        with self.backend.write() as con:
            con.execute("delete from login_failures where ts < ?", (now - 86400,))
            blocked = self._address_blocked(con, ip, now) or self._pair_delayed(con, key, ip, now)
            if blocked is not None:
                self._audit(con, LOGIN_BLOCKED, shown, ip, blocked.args[0])
            else:
                slowed = con.execute(
                    "select count(*) from login_failures where name_key = ? and ts > ?", (key, now - FAILURE_WINDOW)
                ).fetchone()[0] >= ACCOUNT_CEILING
                # Counted before checking, so that parallel guesses all count; removed on success.
                attempt = con.execute(
                    "insert into login_failures (ts, name_key, ip) values (?, ?, ?) returning id", (now, key, ip)
                ).fetchall()[0][0]
                row = con.execute(
                    "select name, role, units, disabled, created_at, updated_at, password_hash from users where name = ?",
                    (_lookup(name),),
                ).fetchone()
        if blocked is not None:
            raise blocked  # after the commit, so that the audit entry stays
        if slowed:
            self.sleep(ACCOUNT_SLOWDOWN)  # outside the transaction: other logins go on

        ok = self._verify(row[6] if row else None, password)
        reason = None
        if row is None:
            reason = "用户不存在"
        elif not ok:
            reason = "密码错误"
        elif row[3]:
            reason = "账号已停用"

        # Hashes made with weaker parameters are upgraded (hashing outside the transaction).
        rehashed = self.hasher.hash(password) if reason is None and self.hasher.check_needs_rehash(row[6]) else None
        with self.backend.write() as con:
            if reason is not None:
                self._audit(con, LOGIN_FAILED, shown, ip, reason)
                return None
            user = _user(row[:6])
            # the owner's success clears their own delays, not those of other addresses
            con.execute("delete from login_failures where id = ? or (name_key = ? and ip is not distinct from ?)", (attempt, key, ip))
            if rehashed:
                con.execute(
                    "update users set password_hash = ? where name = ? and password_hash = ?", (rehashed, user.name, row[6])
                )
            self._audit(con, LOGIN, user.name, ip, None)
            return user

    def _verify(self, digest: str | None, password: str) -> bool:
        if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH:
            password = "\0"  # still spend the time of a verification
        if digest is None:
            # Unknown name: spend the same time as for a known one (no user enumeration).
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash("dummy password for timing")
            digest = self._dummy_hash
            try:
                self.hasher.verify(digest, password + "\0")
            except (VerificationError, InvalidHashError):
                pass
            return False
        try:
            return self.hasher.verify(digest, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _pair_delayed(self, con, key: str, ip: str | None, now: float) -> RateLimited | None:
        """The wait after the FREE_FAILURES-th failure of this account from this address
        within DELAY_WINDOW: 1, 2, 4, ... seconds after the last one, at most MAX_DELAY."""
        count, last = con.execute(
            "select count(*), max(ts) from login_failures where name_key = ? and ip is not distinct from ? and ts > ?",
            (key, ip, now - DELAY_WINDOW),
        ).fetchone()
        if count < FREE_FAILURES:
            return None
        wait = last + min(2.0 ** (count - FREE_FAILURES), MAX_DELAY) - now
        if wait <= 0:
            return None
        return RateLimited(f"该账号从此地址登录失败次数过多，请 {_wait_text(wait)}后再试", wait)

    def _address_blocked(self, con, ip: str | None, now: float) -> RateLimited | None:
        """The lock of an address with ADDRESS_MAX_FAILURES failures (any accounts) within
        FAILURE_WINDOW: LOCKOUT seconds after the failure that reached the limit."""
        times = [
            ts
            for (ts,) in con.execute(
                "select ts from login_failures where ip is not distinct from ? and ts > ? order by ts", (ip, now - FAILURE_WINDOW - LOCKOUT)
            )
        ]
        until = None
        for i in range(ADDRESS_MAX_FAILURES - 1, len(times)):
            if times[i] - times[i - ADDRESS_MAX_FAILURES + 1] < FAILURE_WINDOW and times[i] + LOCKOUT > now:
                until = max(until or 0.0, times[i] + LOCKOUT)
        if until is None:
            return None
        wait = until - now
        return RateLimited(
            f"来自该地址的登录失败次数过多（{FAILURE_WINDOW // 60} 分钟内 {ADDRESS_MAX_FAILURES} 次），"
            f"已暂停登录，请 {_wait_text(wait)}后再试",
            wait,
        )

    # -- audit

    def audit(self, action: str, user: "str | User | None", ip: str | None = None, detail=None) -> None:
        """Record an event. `detail` is text, or a dict/list stored as JSON."""
        with self.backend.write() as con:
            self._audit(con, action, user, ip, detail)

    def audit_log(
        self,
        limit: int | None = 100,
        *,
        action: str | Iterable[str] | None = None,
        user: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[AuditEntry]:
        """The newest entries first: of these actions and this user, from `since` to
        `until` (local dates, both included); limit None: every one."""
        if not self.backend.exists():
            return []
        where, params = [], []
        if action:
            actions = [action] if isinstance(action, str) else list(action)
            where.append(f"action in ({', '.join('?' * len(actions))})")
            params += actions
        if user:
            where.append('"user" = ?')
            params.append(user)
        # ts is ISO 8601 in local time: its first ten characters are the local date
        if since:
            where.append("substr(ts, 1, 10) >= ?")
            params.append(since.isoformat())
        if until:
            where.append("substr(ts, 1, 10) <= ?")
            params.append(until.isoformat())
        sql = 'select id, ts, "user", ip, action, detail from audit'
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by id desc"
        if limit is not None:
            sql += " limit ?"
            params.append(int(limit))
        with self.backend.read() as con:
            rows = con.execute(sql, params).fetchall()
        return [AuditEntry(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5]) for r in rows]

    def audit_users(self) -> list[str]:
        """Everyone named in the audit log, for a filter."""
        if not self.backend.exists():
            return []
        with self.backend.read() as con:
            return [u for (u,) in con.execute('select distinct "user" from audit where "user" is not null order by "user"')]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(token: str, secret: bytes) -> str:
    """`token.signature`: the cookie's value."""
    return f"{token}.{hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()}"


def unsign(value: str | None, secret: bytes) -> str | None:
    """The token of a signed cookie value; None when missing or forged."""
    token, _, signature = (value or "").rpartition(".")
    if not token or not hmac.compare_digest(sign(token, secret), value):
        return None
    return token


_USER_SELECT = "select name, role, units, disabled, created_at, updated_at from users"


def _wait_text(seconds: float) -> str:
    return f"{math.ceil(seconds)} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"


def _lookup(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name or "")).strip()


def _user(row) -> User:
    name, role, units, disabled, created, updated = row
    return User(name, role, tuple(json.loads(units or "[]")), bool(disabled), created, updated)


# ---------------------------------------------------------------- the store
# One way in: accounts.store().add_user(…). The store follows $ACCOUNTS_DB at each call, so
# tests and the CLI point it elsewhere with the environment (tests also replace store()).


def store() -> AccountStore:
    return AccountStore()
