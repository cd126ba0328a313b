"""Accounts: argon2 hashes, authentication, rate limiting, units, audit (warehouse/accounts.py)."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from argon2 import PasswordHasher

from conftest import stored_text
from warehouse import accounts
from warehouse.accounts import AccountError, AccountStore, RateLimited, User

# Cheap argon2id parameters keep the suite fast; the default store is checked separately.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse 1"


class Clock:
    def __init__(self, t: float = 1_750_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(accounts_location, clock) -> AccountStore:
    """A new store on SQLite, then on PostgreSQL: every test below runs on both."""
    return AccountStore(accounts_location, clock=clock, hasher=FAST)


def stored_hash(store: AccountStore, name: str) -> str:
    with store.backend.read() as con:
        return con.execute("select password_hash from users where name = ?", (name,)).fetchall()[0][0]


def actions(store: AccountStore) -> list[str]:
    return [e.action for e in reversed(store.audit_log(1000))]


# ---------------------------------------------------------------- storage and hashing


def test_created_on_first_use_with_wal_and_private_permissions(tmp_path, clock):
    store = AccountStore(tmp_path / "sub" / "accounts.sqlite", clock=clock, hasher=FAST)
    assert not store.any_accounts()
    assert not store.path.exists(), "reading must not create the file"
    store.add_user("管理员", "admin", PASSWORD)
    assert store.any_accounts()
    with sqlite3.connect(store.path) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert store.path.stat().st_mode & 0o077 == 0


def test_default_store_hashes_with_argon2id_salted(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "a.sqlite"))
    accounts.store().add_user("张三", "viewer", PASSWORD)
    accounts.store().add_user("李四", "viewer", PASSWORD)
    store = accounts.store()
    a, b = stored_hash(store, "张三"), stored_hash(store, "李四")
    assert a.startswith("$argon2id$") and b.startswith("$argon2id$")
    assert a != b, "same password, different salt, different hash"
    assert a.split("$")[4] != b.split("$")[4]  # the salts themselves
    assert PASSWORD not in a
    assert not PasswordHasher().check_needs_rehash(a), "default (RFC 9106) parameters"


def test_password_never_stored_or_logged(store):
    store.add_user("张三", "viewer", PASSWORD)
    store.set_password("张三", "another secret 2")
    store.authenticate("张三", "wrong password 3", "10.0.0.1")
    raw = stored_text(store)
    assert "$argon2id$" in raw
    for text in (PASSWORD, "another secret 2", "wrong password 3"):
        assert text not in raw
        assert all(text not in (e.detail or "") for e in store.audit_log(100))


def test_outdated_hash_is_upgraded_at_login(store):
    store.add_user("张三", "viewer", PASSWORD)
    old = stored_hash(store, "张三")
    stronger = AccountStore(store.location, clock=store.clock, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert stronger.authenticate("张三", PASSWORD) is not None
    new = stored_hash(store, "张三")
    assert new != old and "m=2048,t=2" in new
    assert stronger.authenticate("张三", PASSWORD) is not None


# ---------------------------------------------------------------- authentication


def test_authenticate_right_and_wrong(store):
    store.add_user("张三", "uploader", PASSWORD, units=["临猗县"])
    user = store.authenticate("张三", PASSWORD, "10.0.0.1")
    assert user == User("张三", "uploader", ("140821",), False, user.created_at, user.updated_at)
    assert store.authenticate("张三", PASSWORD + "x", "10.0.0.1") is None
    assert store.authenticate("李四", PASSWORD, "10.0.0.1") is None
    assert store.authenticate("张三", "", "10.0.0.1") is None
    # surrounding spaces and full-width forms of the name are the same account
    assert store.authenticate(" 张三 ", PASSWORD) is not None


def test_names_are_unique_ignoring_case_and_width(store):
    store.add_user("Zhang", "viewer", PASSWORD)
    for same in ("zhang", "ＺＨＡＮＧ", " Zhang "):
        with pytest.raises(AccountError, match="已存在"):
            store.add_user(same, "viewer", PASSWORD)
    assert store.authenticate("ZHANG", PASSWORD).name == "Zhang"


def test_disabled_user_cannot_log_in_and_can_be_enabled(store):
    store.add_user("张三", "viewer", PASSWORD)
    store.disable_user("张三", actor="管理员")
    assert store.authenticate("张三", PASSWORD) is None
    assert store.get_user("张三").disabled
    assert not store.get_user("张三").can("viewer")
    failed = store.audit_log(1, action=accounts.LOGIN_FAILED)[0]
    assert failed.user == "张三" and failed.detail == "账号已停用"
    store.enable_user("张三")
    assert store.authenticate("张三", PASSWORD) is not None


def test_set_password(store):
    store.add_user("张三", "viewer", PASSWORD)
    store.set_password("张三", "new password 9")
    assert store.authenticate("张三", PASSWORD) is None
    assert store.authenticate("张三", "new password 9") is not None
    with pytest.raises(AccountError, match="至少需要 8 个字符"):
        store.set_password("张三", "short")
    with pytest.raises(AccountError, match="不存在"):
        store.set_password("王五", "new password 9")


@pytest.mark.parametrize("password", ["", "1234567", None])
def test_password_minimum_length(store, password):
    with pytest.raises(AccountError, match="密码太短"):
        store.add_user("张三", "viewer", password)
    assert not store.any_accounts()


# ---------------------------------------------------------------- rate limiting


def fail(store, name="张三", ip="10.0.0.1", times=1, clock=None):
    for _ in range(times):
        assert store.authenticate(name, "wrong password", ip) is None
        if clock:
            clock.advance(10)


def test_a_strangers_guesses_do_not_lock_the_owner_out_from_elsewhere(store, clock):
    # issue 17, finding 7: five wrong guesses by anyone used to lock the account for 15 minutes
    store.add_user("管理员", "admin", PASSWORD)
    fail(store, name="管理员", ip="198.51.100.66", times=5, clock=clock)
    assert store.authenticate("管理员", PASSWORD, "10.0.0.1") is not None, "the owner, from their own address"


def test_failures_from_one_address_delay_that_account_there_more_and_more(store, clock):
    store.add_user("张三", "viewer", PASSWORD)
    fail(store, times=3)  # three free failures, at the same moment
    waits = []
    for _ in range(12):
        with pytest.raises(RateLimited, match="秒后再试|分钟后再试") as delayed:
            store.authenticate("张三", PASSWORD, "10.0.0.1")  # refused even with the right password
        waits.append(delayed.value.retry_after)
        clock.advance(delayed.value.retry_after)
        fail(store)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300], "doubling, capped at five minutes"
    clock.advance(300)
    assert store.authenticate("张三", PASSWORD, "10.0.0.1") is not None


def test_refused_attempts_are_not_counted(store, clock):
    store.add_user("张三", "viewer", PASSWORD)
    fail(store, times=3)
    for _ in range(20):
        with pytest.raises(RateLimited):
            store.authenticate("张三", "wrong password", "10.0.0.1")
    clock.advance(1)
    assert store.authenticate("张三", PASSWORD, "10.0.0.1") is not None, "the delay is still one second"


def test_failures_spread_beyond_the_window_do_not_delay(store, clock):
    store.add_user("张三", "viewer", PASSWORD)
    for _ in range(10):
        fail(store)
        clock.advance(31 * 60)  # never three within an hour
    assert store.authenticate("张三", PASSWORD, "10.0.0.1") is not None


def test_an_address_guessing_many_accounts_is_locked_for_all_of_them(store, clock):
    store.add_user("张三", "viewer", PASSWORD)
    for i in range(accounts.ADDRESS_MAX_FAILURES):
        fail(store, name=f"guess{i}", ip="203.0.113.7", clock=clock)
    with pytest.raises(RateLimited, match="来自该地址") as blocked:
        store.authenticate("张三", PASSWORD, "203.0.113.7")
    assert "15 分钟后再试" in str(blocked.value)
    assert store.authenticate("张三", PASSWORD, "203.0.113.8") is not None, "other addresses unaffected"
    clock.advance(15 * 60)
    assert store.authenticate("张三", PASSWORD, "203.0.113.7") is not None


def test_an_account_guessed_from_everywhere_is_slowed_not_locked(accounts_location, clock):
    slept = []
    store = AccountStore(accounts_location, clock=clock, hasher=FAST, sleep=slept.append)
    store.add_user("张三", "viewer", PASSWORD)
    for i in range(accounts.ACCOUNT_CEILING):
        fail(store, ip=f"10.1.{i // 250}.{i % 250}")
    assert slept == []
    assert store.authenticate("张三", PASSWORD, "10.0.0.1") is not None, "never locked"
    assert slept == [accounts.ACCOUNT_SLOWDOWN]


def test_new_password_lifts_the_delays_of_the_name(store, clock):
    store.add_user("张三", "viewer", PASSWORD)
    fail(store, times=3)
    store.set_password("张三", "new password 9")
    assert store.authenticate("张三", "new password 9", "10.0.0.1") is not None


def test_parallel_guesses_cannot_pass_the_limit(store):
    store.add_user("张三", "viewer", PASSWORD)
    outcomes = []

    def attempt():
        try:
            outcomes.append(store.authenticate("张三", "wrong password", "10.0.0.1"))
        except RateLimited:
            outcomes.append("blocked")

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(None) == accounts.FREE_FAILURES and outcomes.count("blocked") == 12 - accounts.FREE_FAILURES


# ---------------------------------------------------------------- roles and units


def test_roles_are_ordered():
    admin, uploader, viewer = User("a", "admin"), User("u", "uploader", ("140821",)), User("v", "viewer")
    assert admin.can("admin") and admin.can("uploader") and admin.can("viewer")
    assert not uploader.can("admin") and uploader.can("uploader") and uploader.can("viewer")
    assert not viewer.can("uploader") and viewer.can("viewer")
    assert uploader.may_load_unit("140821") and not uploader.may_load_unit("140802")
    assert admin.may_load_unit("140802") and not viewer.may_load_unit("140821")
    with pytest.raises(AccountError, match="未知的角色"):
        viewer.can("superuser")


def test_units_by_name_alias_or_id(store):
    user = store.add_user("张三", "uploader", PASSWORD, units=["临猗", "运城经开区", "140802", "临猗县"])
    assert user.units == ("140821", "zone-jingkai", "140802")
    assert store.get_user("张三").units == user.units
    assert store.add_user("李四", "上传员", PASSWORD, units=["绛　县"]).units == ("140826",)


def test_unknown_unit_is_a_clear_error(store):
    with pytest.raises(AccountError) as error:
        store.add_user("张三", "uploader", PASSWORD, units=["临漪县"])
    message = str(error.value)
    assert "未知的填报单位「临漪县」" in message and "临猗县" in message
    assert not store.any_accounts()


def test_uploader_needs_units_and_others_take_none(store):
    with pytest.raises(AccountError, match="至少一个填报单位"):
        store.add_user("张三", "uploader", PASSWORD)
    with pytest.raises(AccountError, match="只有上传员"):
        store.add_user("张三", "viewer", PASSWORD, units=["临猗县"])
    with pytest.raises(AccountError, match="未知的角色"):
        store.add_user("张三", "root", PASSWORD)
    with pytest.raises(AccountError, match="用户名不能为空"):
        store.add_user("  ", "viewer", PASSWORD)
    assert not store.any_accounts()


def test_list_users(store):
    store.add_user("张三", "uploader", PASSWORD, units=["临猗县"])
    store.add_user("管理员", "admin", PASSWORD)
    store.disable_user("张三")
    listed = {u.name: u for u in store.list_users()}
    assert listed["张三"].role == "uploader" and listed["张三"].units == ("140821",) and listed["张三"].disabled
    assert listed["管理员"].role == "admin" and not listed["管理员"].disabled


# ---------------------------------------------------------------- audit


def test_audit_of_account_changes_and_logins(store, clock):
    store.add_user("张三", "uploader", PASSWORD, units=["临猗县"], actor="命令行:root")
    store.set_password("张三", "new password 9", actor="命令行:root")
    store.authenticate("张三", "new password 9", "10.0.0.1")
    store.authenticate("张三", "wrong password", "10.0.0.2")
    store.disable_user("张三", actor="管理员", ip="10.0.0.3")
    store.audit(accounts.EXPORT, "张三", "10.0.0.1", {"file": "签约项目.xlsx"})
    fail(store, times=3)
    with pytest.raises(RateLimited):
        store.authenticate("张三", "whatever password", "10.0.0.1")
    assert actions(store) == [
        "user_add", "user_passwd", "login", "login_failed", "user_disable", "export",
        *["login_failed"] * 3, "login_blocked",
    ]
    log = list(reversed(store.audit_log(100)))
    add = log[0]
    assert add.user == "命令行:root" and json.loads(add.detail) == {"name": "张三", "role": "uploader", "units": ["140821"]}
    assert (log[2].user, log[2].ip) == ("张三", "10.0.0.1")
    assert (log[3].user, log[3].ip, log[3].detail) == ("张三", "10.0.0.2", "密码错误")
    assert (log[4].user, log[4].ip) == ("管理员", "10.0.0.3")
    assert json.loads(log[5].detail) == {"file": "签约项目.xlsx"}
    assert "失败次数过多" in log[-1].detail
    assert store.audit_log(2)[0].action == "login_blocked", "newest first"
    assert [e.action for e in store.audit_log(10, user="管理员")] == ["user_disable"]


def test_the_store_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "env.sqlite"))
    assert not accounts.store().any_accounts()
    accounts.store().add_user("管理员", "admin", PASSWORD, actor="test")
    assert accounts.store().any_accounts() and (tmp_path / "env.sqlite").exists()
    assert accounts.store().authenticate("管理员", PASSWORD, "127.0.0.1").can("admin")
    accounts.store().disable_user("管理员")
    assert [u.disabled for u in accounts.store().list_users()] == [True]
    accounts.store().audit("upload", "管理员", None, "2024年3月签约项目台账.xlsx")
    assert accounts.store().audit_log(1)[0].detail == "2024年3月签约项目台账.xlsx"


# ---------------------------------------------------------------- on PostgreSQL, several servers


def test_a_ducklake_postgres_warehouse_keeps_its_accounts_in_the_same_database(postgres, tmp_path, monkeypatch):
    import psycopg

    dsn = postgres.database("wh")
    monkeypatch.delenv("ACCOUNTS_DB", raising=False)
    monkeypatch.setenv("WAREHOUSE_DB", f"ducklake:postgres:{dsn}")
    accounts.store().add_user("管理员", "admin", PASSWORD, actor="test")
    assert accounts.store().path is None
    with psycopg.connect(dsn) as con:
        assert con.execute("select name from accounts.users").fetchall() == [("管理员",)]
    assert accounts.location_text() == f"PostgreSQL（{psycopg.conninfo.conninfo_to_dict(dsn)['dbname']}@127.0.0.1:{postgres.port}）"

    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "own.sqlite"))
    assert not accounts.store().any_accounts(), "an explicit ACCOUNTS_DB wins"
    monkeypatch.delenv("ACCOUNTS_DB")
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))
    assert accounts.store().location == str(accounts.accounts_db.DEFAULT_ACCOUNTS_DB), "an embedded warehouse: the SQLite default"


@pytest.mark.parametrize("conninfo", [
    "dbname=zs host=db.example user=zs password=hunter2secret",
    "postgresql://zs:hunter2secret@db.example:5433/zs",
])
def test_messages_name_the_database_never_its_password(conninfo, monkeypatch):
    monkeypatch.setenv("ACCOUNTS_DB", "postgres:" + conninfo)
    shown = accounts.location_text()
    assert shown.startswith("PostgreSQL（zs@db.example") and "hunter2secret" not in shown


@pytest.fixture
def servers(postgres, clock) -> tuple[AccountStore, AccountStore]:
    """Two servers' stores on one PostgreSQL database."""
    where = "postgres:" + postgres.database("accounts")
    return AccountStore(where, clock=clock, hasher=FAST), AccountStore(where, clock=clock, hasher=FAST)


def test_a_lockout_and_a_disabled_account_hold_on_every_server(servers):
    a, b = servers
    a.add_user("张三", "viewer", PASSWORD)
    fail(a, times=2)
    fail(b)  # the third failure from this address, on the other server
    for server in (a, b):
        with pytest.raises(RateLimited, match="该账号从此地址"):
            server.authenticate("张三", PASSWORD, "10.0.0.1")

    for i in range(accounts.ADDRESS_MAX_FAILURES):
        fail((a, b)[i % 2], name=f"guess{i}", ip="203.0.113.7")
    for server in (a, b):
        with pytest.raises(RateLimited, match="来自该地址"):
            server.authenticate("张三", PASSWORD, "203.0.113.7")

    assert b.authenticate("张三", PASSWORD, "10.0.0.9") is not None
    token, _ = b.start_session("张三", 3600)
    a.disable_user("张三", actor="管理员")
    assert b.authenticate("张三", PASSWORD, "10.0.0.9") is None
    assert b.session(token, 3600).status == "disabled", "the session on the other server ends at once"
    b.enable_user("张三")
    assert a.authenticate("张三", PASSWORD, "10.0.0.9") is not None
    assert [e.action for e in b.audit_log(3)] == ["login", "user_enable", "login_failed"]


def test_parallel_guesses_on_two_servers_cannot_pass_the_limits(servers):
    a, b = servers
    a.add_user("张三", "viewer", PASSWORD)

    def race(guesses: list[tuple[str, str]]) -> list:
        outcomes, start = [], threading.Barrier(len(guesses))

        def attempt(server, name, ip):
            start.wait()
            try:
                outcomes.append(server.authenticate(name, "wrong password", ip))
            except RateLimited:
                outcomes.append("blocked")

        threads = [threading.Thread(target=attempt, args=((a, b)[i % 2], *g)) for i, g in enumerate(guesses)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return outcomes

    one_account = race([("张三", "10.0.0.1")] * 12)
    assert one_account.count(None) == accounts.FREE_FAILURES and one_account.count("blocked") == 12 - accounts.FREE_FAILURES
    many_accounts = race([(f"guess{i}", "203.0.113.7") for i in range(2 * accounts.ADDRESS_MAX_FAILURES)])
    assert many_accounts.count(None) == accounts.ADDRESS_MAX_FAILURES


def test_accounts_and_a_ducklake_catalog_share_one_database(postgres, tmp_path):
    import importlib.util

    import duckdb

    dsn = postgres.database("wh")
    store = AccountStore("postgres:" + dsn, hasher=FAST)
    store.add_user("管理员", "admin", PASSWORD)
    con = duckdb.connect()
    for package, name in (("duckdb_extension_postgres_scanner", "postgres_scanner"), ("duckdb_extension_ducklake", "ducklake")):
        root = importlib.util.find_spec(package).submodule_search_locations[0]
        con.execute(f"LOAD '{root}/extensions/v{duckdb.__version__}/{name}.duckdb_extension'")
    con.execute(f"ATTACH 'ducklake:postgres:{dsn}' AS wh (DATA_PATH '{tmp_path}/')")
    con.execute("create table wh.users as select 1 as x")  # a warehouse table named like the accounts one
    assert con.execute("select x from wh.users").fetchall() == [(1,)]
    assert store.authenticate("管理员", PASSWORD, "10.0.0.1").can("admin")
    store.add_user("张三", "viewer", PASSWORD)
    assert {u.name for u in store.list_users()} == {"张三", "管理员"}
