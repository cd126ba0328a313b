"""Fixtures: tiny warehouses built from rows, and ledger workbooks built in the test."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from base.config import AccessSettings
from etl.parse import normalize_name
from etl.read import ROW_SCHEMA
from etl.sample import build_sample
from warehouse import build
from warehouse.db import Lake, archive_dir, publish, writer
from warehouse.ingest import record_load

ROOT = Path(__file__).resolve().parent.parent
# the app's bulletin scheduler writes to whichever warehouse a test points it at: off, but
# in the tests of the scheduler itself (tests/test_bulletins.py)
os.environ["BULLETIN_SCHEDULE"] = "off"


def rows(records: list[dict], kind: str = "signed", sheet: str = "Sheet1", period_end: date | None = None) -> pl.DataFrame:
    """Ledger rows from short dicts: project_name and unit_id are enough, the rest defaults."""
    filled = []
    for i, r in enumerate(records):
        row = {k: None for k in ROW_SCHEMA}
        row.update(sheet=sheet, sheet_index=0, excel_row=i + 3, kind=kind, period_end=period_end, chain="其他")
        row.update(r)
        row["name_key"] = f"{row['unit_id']}:{normalize_name(row['project_name'])}"
        if kind == "started" and row["is_started"] is None:
            row["is_started"] = row["start_date"] is not None
        filled.append(row)
    return pl.DataFrame(filled, schema=ROW_SCHEMA)


def add_load(db: Path, frame: pl.DataFrame, kind: str, name: str | None = None) -> int:
    """Record one load the way the loader does, without an Excel file."""
    name = name or f"{kind}-{frame.height}.xlsx"
    with writer(db) as con:
        load_id = record_load(
            con, frame, file_name=name, kind=kind, user="test",
            sha256=hashlib.sha256(frame.write_csv().encode() + name.encode()).hexdigest(),
        )
        build.refresh(con, [load_id])
    return load_id


# `make test` runs the warehouse and CLI tests twice: on the embedded file, then with
# WAREHOUSE_TEST_BACKEND=ducklake on a DuckLake whose catalog is a real PostgreSQL.
ON_LAKE = os.environ.get("WAREHOUSE_TEST_BACKEND") == "ducklake"


def new_warehouse(request, folder: Path):
    """An empty warehouse of the backend under test: a file, or a lake in a new database."""
    if not ON_LAKE:
        return folder / "warehouse.duckdb"
    return Lake(f"postgres:{request.getfixturevalue('postgres').database('wh')}", folder / "lake")


@pytest.fixture
def db(request, tmp_path, monkeypatch):
    warehouse = new_warehouse(request, tmp_path)
    if ON_LAKE:  # a new lake learns its data directory from the first command that writes it
        monkeypatch.setenv("WAREHOUSE_DATA_PATH", str(warehouse.data_path))
    return warehouse


@pytest.fixture(scope="session")
def sample_file(tmp_path_factory) -> Path:
    """The warehouse of data/sample as a file, built once per session."""
    db = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    assert all(r.ok for r in build_sample(db))
    return db


def copy_of_sample(request, folder: Path):
    """A private copy of the sample warehouse, archive included, on the backend under test
    (a lake gets the file's tables in one snapshot, as a move to a lake does)."""
    source = request.getfixturevalue("sample_file")
    folder.mkdir(parents=True, exist_ok=True)
    copy = new_warehouse(request, folder)
    if ON_LAKE:
        publish(source, copy)
        if request.scope == "function":  # its commands find its data directory as a test's `db`'s do
            request.getfixturevalue("monkeypatch").setenv("WAREHOUSE_DATA_PATH", str(copy.data_path))
    else:
        shutil.copyfile(source, copy)
        shutil.copytree(archive_dir(source), archive_dir(copy))
    return copy


@pytest.fixture(scope="session")
def sample_db(request, tmp_path_factory):
    """The warehouse of data/sample; tests only read it."""
    if not ON_LAKE:
        return request.getfixturevalue("sample_file")
    return copy_of_sample(request, tmp_path_factory.mktemp("sample-lake"))


@pytest.fixture
def sample_copy(request, tmp_path):
    """A copy of the sample warehouse that a test may write."""
    return copy_of_sample(request, tmp_path / "sample")


@pytest.fixture
def province(db, monkeypatch) -> Path:
    """A warehouse of 40 more units (测试0县 … 测试39县) than the city has, the app's:
    unit i signed 40 projects in March 2024 of i × 10 万元 each and started i of them."""
    import dataclasses

    from base.reference import Unit, load_reference

    city = load_reference()
    extra = tuple(Unit(f"99{i:04d}", f"测试{i}县", "county", f"99{i:04d}", f"99{i:04d}", None, (), None, None) for i in range(40))
    signed = rows([
        {"project_name": f"项目{i}-{j}", "unit_id": u.unit_id, "signed_date": date(2024, 3, 1), "signed_amount_wan": 10 * i}
        for i, u in enumerate(extra) for j in range(40)
    ])
    started = rows([
        {"project_name": f"项目{i}-{j}", "unit_id": u.unit_id, "start_date": date(2024, 6, 1)}
        for i, u in enumerate(extra) for j in range(i)
    ], kind="started")
    with writer(db) as con:
        loads = [record_load(con, frame, file_name=f"{kind}.xlsx", kind=kind, user="test", sha256=kind * 8)
                 for frame, kind in ((signed, "signed"), (started, "started"))]
        build.refresh(con, loads, reference=dataclasses.replace(city, units=city.units + extra))
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    return db


def run_page(at: AppTest) -> AppTest:
    """Run a page and insist it drew without an exception or an error box."""
    at.run()
    assert not at.exception, at.exception
    assert not at.error, at.error
    return at


def routed(page: str) -> AppTest:
    """A page (path under the repo) opened through the router, app.py, which admits the
    visitor as the page's declaration says, and run once."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(page)
    return at.run()


def open_page(page: str, **params: str) -> AppTest:
    """A page script (path under the repo) run with these URL parameters."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return run_page(at)


@pytest.fixture
def on_sample(sample_db, monkeypatch) -> Path:
    """Pages read the session's sample warehouse."""
    monkeypatch.setenv("WAREHOUSE_DB", str(sample_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    return sample_db


def point_at(monkeypatch, warehouse) -> None:
    """The app and its commands read this warehouse (a lake: with its data directory)."""
    monkeypatch.setenv("WAREHOUSE_DB", str(warehouse))
    if isinstance(warehouse, Lake):
        monkeypatch.setenv("WAREHOUSE_DATA_PATH", str(warehouse.data_path))


@pytest.fixture
def staff_env(db, tmp_path, monkeypatch) -> None:
    """Pages behind a login: own warehouse and account store, cheap argon2, default access."""
    from ui import auth
    from warehouse import accounts
    from warehouse.accounts import AccountStore

    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "accounts.sqlite"))
    # hashing itself is tested in test_accounts
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "store", lambda: AccountStore(hasher=cheap))
    monkeypatch.setattr(auth, "access_settings", lambda directory=None: AccessSettings())


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (tests/pg.py)."""
    from tests.needs import missing
    from tests.pg import PostgresMissing, PostgresServer

    try:
        server = PostgresServer()
    except PostgresMissing as absent:
        missing(absent, "REQUIRE_POSTGRES")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def accounts_location(request, tmp_path) -> str:
    """An empty accounts store on each backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "accounts.sqlite")
    return "postgres:" + request.getfixturevalue("postgres").database("accounts")


@pytest.fixture
def accounts_env(accounts_location, monkeypatch) -> str:
    """$ACCOUNTS_DB points at an empty store on each backend."""
    monkeypatch.setenv("ACCOUNTS_DB", accounts_location)
    return accounts_location


def stored_text(store) -> str:
    """Everything an accounts store holds, as text: the SQLite files' bytes, or every row
    of every table of the PostgreSQL schema."""
    if store.path is not None:
        return b"".join(f.read_bytes() for f in store.path.parent.glob(store.path.name + "*")).decode("utf-8", "replace")
    with store.backend.read() as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = current_schema()").fetchall()]
        assert tables
        return "\n".join(str(row) for t in tables for row in con.execute(f"select * from {t}").fetchall())
