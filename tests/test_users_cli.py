"""`python -m warehouse users ...`: password on stdin, Chinese errors, exit codes, audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import stored_text
from warehouse.accounts import AccountStore

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "s3cret password"


@pytest.fixture
def accounts_db(accounts_location) -> str:
    """$ACCOUNTS_DB of the commands: a SQLite file, then postgres:<conninfo>."""
    return accounts_location


def users(accounts_db: str | Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "ACCOUNTS_DB": str(accounts_db)}
    return subprocess.run(
        [sys.executable, "-m", "warehouse", "users", *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=60,
    )


def assert_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert PASSWORD not in result.stderr + result.stdout


def test_add_list_passwd_disable(accounts_db):
    added = users(accounts_db, "add", "张三", "--role", "uploader", "--unit", "临猗", "--unit", "运城经开区", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "张三" in added.stdout and "临猗县" in added.stdout
    assert users(accounts_db, "add", "管理员", "--role", "admin", stdin=PASSWORD + "\n").returncode == 0

    listed = users(accounts_db, "list")
    assert listed.returncode == 0
    line = next(l for l in listed.stdout.splitlines() if l.startswith("张三"))
    assert "uploader" in line and "临猗县" in line and "运城经济技术开发区" in line and "启用" in line
    as_json = json.loads(users(accounts_db, "list", "--json").stdout)
    assert {"name": "张三", "role": "uploader", "units": ["140821", "zone-jingkai"], "disabled": False} in as_json

    store = AccountStore(accounts_db)
    assert store.authenticate("张三", PASSWORD) is not None, "the newline is not part of the password"

    assert users(accounts_db, "passwd", "张三", stdin="another password\n").returncode == 0
    assert store.authenticate("张三", PASSWORD) is None
    assert store.authenticate("张三", "another password") is not None

    assert users(accounts_db, "disable", "张三").returncode == 0
    assert "已停用" in next(l for l in users(accounts_db, "list").stdout.splitlines() if l.startswith("张三"))
    assert store.authenticate("张三", "another password") is None

    changes = [e for e in reversed(store.audit_log(100)) if e.action.startswith("user_")]
    assert [e.action for e in changes] == ["user_add", "user_add", "user_passwd", "user_disable"]
    assert all(e.user.startswith("命令行") for e in changes)
    assert PASSWORD not in stored_text(store)


def test_empty_list_says_how_to_start(accounts_db):
    result = users(accounts_db, "list")
    assert result.returncode == 0 and "python -m warehouse users add 管理员 --role admin" in result.stdout


@pytest.mark.parametrize(
    "args, stdin, fragments",
    [
        (("add", "李四", "--role", "boss"), PASSWORD, ("未知的角色「boss」",)),
        (("add", "李四", "--role", "uploader", "--unit", "临漪县"), PASSWORD, ("未知的填报单位「临漪县」", "临猗县")),
        (("add", "李四", "--role", "uploader"), PASSWORD, ("至少一个填报单位",)),
        (("add", "李四", "--role", "viewer"), "short\n", ("密码太短",)),
        (("add", "李四", "--role", "viewer"), "", ("未从标准输入读到密码",)),
        (("passwd", "王五"), PASSWORD, ("用户「王五」不存在",)),
        (("disable", "王五"), "", ("用户「王五」不存在",)),
        (("add", "李四"), PASSWORD, ("参数错误",)),
        (("frobnicate",), "", ("参数错误",)),
    ],
)
def test_errors_exit_1_with_a_chinese_message(accounts_db, args, stdin, fragments):
    assert_error(users(accounts_db, *args, stdin=stdin), *fragments)
    assert not AccountStore(accounts_db).any_accounts()


def test_duplicate_name_is_refused(accounts_db):
    assert users(accounts_db, "add", "张三", "--role", "viewer", stdin=PASSWORD).returncode == 0
    assert_error(users(accounts_db, "add", "张三", "--role", "admin", stdin=PASSWORD), "用户「张三」已存在")
    assert [u.role for u in AccountStore(accounts_db).list_users()] == ["viewer"]


def test_unusable_database_is_an_error_not_a_traceback(tmp_path):
    directory = tmp_path / "not-a-file"
    directory.mkdir()
    assert_error(users(directory, "add", "张三", "--role", "viewer", stdin=PASSWORD), "账号库操作失败")


def test_an_unreachable_postgresql_is_an_error_that_names_it_without_its_password():
    from tests.pg import free_port

    where = f"postgres:dbname=zs host=127.0.0.1 port={free_port()} user=zs password=hunter2secret connect_timeout=5"
    result = users(where, "list")
    assert_error(result, "无法连接账号库 PostgreSQL（zs@127.0.0.1:")
    assert "hunter2secret" not in result.stderr + result.stdout


def test_with_a_ducklake_postgres_warehouse_the_accounts_are_in_its_database(postgres):
    import psycopg

    dsn = postgres.database("wh")
    env = {k: v for k, v in os.environ.items() if k != "ACCOUNTS_DB"} | {"WAREHOUSE_DB": f"ducklake:postgres:{dsn}"}
    added = subprocess.run(
        [sys.executable, "-m", "warehouse", "users", "add", "管理员", "--role", "admin"],
        input=PASSWORD + "\n", capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=60,
    )
    assert added.returncode == 0, added.stderr
    with psycopg.connect(dsn) as con:
        assert con.execute("select name, role from accounts.users").fetchall() == [("管理员", "admin")]
