"""What only the DuckLake backend does: one schema with the file's, writers from several
processes queued and all landing, readers on whole snapshots, and the past kept.

The rest of the warehouse and CLI tests run on a lake too (WAREHOUSE_TEST_BACKEND=ducklake,
a second pass of `make test`); these run in both passes, on a real PostgreSQL."""

import os
import re
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest

import workbooks as wb
from warehouse.db import Lake, LakeMisconfigured, Reader, compact, archive_dir, connect_lake, db_path, lake_version, migrate, writer
from etl.load import load_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lake(postgres, tmp_path) -> Lake:
    return Lake(f"postgres:{postgres.database('lake')}", tmp_path / "lake")


def columns(con, database: str) -> list[tuple]:
    return con.execute(
        "select table_name, column_name, data_type, is_nullable from information_schema.columns "
        "where table_catalog = ? and table_schema = 'main' order by table_name, ordinal_position",
        [database],
    ).fetchall()


def test_the_migrations_give_a_lake_the_file_warehouses_tables_and_columns(lake, tmp_path):
    # DuckLake takes no keys, indexes or sequences; for_lake leaves them out and nothing else
    import duckdb

    with duckdb.connect(str(tmp_path / "file.duckdb")) as con:
        migrate(con)
        expected = columns(con, "file")
    # DuckLake cannot SET NOT NULL on a column it holds no statistics of (006 on a new lake)
    expected.remove(("derive_state", "unordered_projects", "BIGINT", "NO"))
    with connect_lake(lake) as con:
        migrate(con, lake=True)
        got = columns(con, "wh")
    got.remove(("derive_state", "unordered_projects", "BIGINT", "YES"))
    assert got == expected
    assert len(expected) > 100


def test_a_lake_is_named_by_the_environment_and_never_shows_its_password(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_DB", "ducklake:postgres:dbname=wh host=db.local user=zs password=s3cret")
    monkeypatch.setenv("WAREHOUSE_DATA_PATH", str(tmp_path))
    lake = db_path()
    assert lake == Lake("postgres:dbname=wh host=db.local user=zs password=s3cret", tmp_path)
    assert "s3cret" not in str(lake)
    assert str(lake) == "ducklake:postgres:dbname=wh host=db.local user=zs password=***"
    assert db_path(lake.uri) == lake  # what configuration passes on keeps the password
    assert archive_dir(lake) == tmp_path / "archive"


def test_a_lake_remembers_its_data_directory(lake, tmp_path):
    ledger = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    assert load_file(ledger, db=lake, user="t").ok
    again = db_path(str(lake))  # named without WAREHOUSE_DATA_PATH, as a second server may
    assert again.data_path is None and again.files() == lake.data_path
    assert archive_dir(again) == lake.data_path / "archive"
    assert any((lake.data_path / "archive").rglob("*.xlsx"))


def test_loads_from_several_processes_at_once_all_land(lake, tmp_path):
    ledgers = [
        wb.signed_ledger(tmp_path, [(f"项目{i}", "临猗县", 1000 * (i + 1), date(2024, 2, 1), "新能源")],
                         name=f"2024年1-6月签约项目台账-{i}.xlsx")
        for i in range(6)
    ]
    env = {**os.environ, "WAREHOUSE_DB": str(lake), "WAREHOUSE_DATA_PATH": str(lake.data_path), "ETL_USER": "t"}
    running = [
        subprocess.Popen([sys.executable, "-m", "etl", "load", str(f)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in ledgers
    ]
    outcomes = [p.communicate(timeout=300) + (p.returncode,) for p in running]
    assert [code for _, _, code in outcomes] == [0] * 6, outcomes
    cur = Reader(lake).cursor()
    assert cur.execute("select count(*), count(distinct load_id) from loads").fetchall() == [(6, 6)]
    assert cur.execute("select list_sort(list(project_name)) from projects").fetchall() == [
        ([f"项目{i}" for i in range(6)],)
    ]


def test_a_reader_sees_whole_snapshots_and_the_next_one_when_it_asks_again(lake, tmp_path):
    first = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    second = wb.signed_ledger(tmp_path, [("储能电站", "永济市", 80000, date(2024, 3, 1), "新能源")], name="2024年1-6月签约项目台账-2.xlsx")
    assert load_file(first, db=lake, user="t").ok
    reader = Reader(lake)
    before = reader.cursor()
    assert load_file(second, db=lake, user="t").ok
    # the cursor opened before the load keeps its snapshot: projects and loads agree
    assert before.execute("select (select count(*) from projects), (select count(*) from loads)").fetchall() == [(1, 1)]
    assert reader.cursor().execute("select (select count(*) from projects), (select count(*) from loads)").fetchall() == [(2, 2)]


def test_a_failed_write_leaves_no_snapshot(lake, tmp_path):
    ledger = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    assert load_file(ledger, db=lake, user="t").ok
    version = lake_version(lake)
    with pytest.raises(RuntimeError, match="midway"):
        with writer(lake) as con:
            con.execute("delete from ledger_rows")
            raise RuntimeError("midway")
    assert lake_version(lake) == version
    assert Reader(lake).cursor().execute("select count(*) from ledger_rows").fetchall() == [(1,)]


def test_the_summary_as_it_stood_at_a_time(lake, tmp_path):
    first = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    second = wb.signed_ledger(tmp_path, [("储能电站", "永济市", 80000, date(2024, 3, 1), "新能源")], name="2024年1-6月签约项目台账-2.xlsx")
    assert load_file(first, db=lake, user="t").ok
    time.sleep(1.1)  # --at takes seconds: the two loads must fall in different ones
    between = datetime.now().replace(microsecond=0)
    time.sleep(1.1)
    assert load_file(second, db=lake, user="t").ok
    env = {**os.environ, "WAREHOUSE_DB": str(lake)}

    def projects(*extra):
        done = subprocess.run([sys.executable, "-m", "warehouse", "summary", "--year", "2024", "--include-open", "--json", *extra],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        import json
        return json.loads(done.stdout)["signed_projects"]

    assert (projects(), projects("--at", between.isoformat(sep=" "))) == (2, 1)


def test_a_file_warehouse_has_no_past_to_show(tmp_path):
    ledger = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    file = tmp_path / "warehouse.duckdb"
    assert load_file(ledger, db=file, user="t").ok
    done = subprocess.run([sys.executable, "-m", "warehouse", "summary", "--db", str(file), "--year", "2024", "--at", "2026-01-01"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == "错误：只有 DuckLake 数据仓库保留历史快照；单机数据仓库文件只有当前数据"


def test_a_file_warehouse_moves_to_a_lake_by_replaying_its_archive(lake, tmp_path):
    file = tmp_path / "warehouse.duckdb"
    for i, project in enumerate([("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工"),
                                 ("储能电站", "永济市", 80000, date(2024, 3, 1), "新能源")]):
        assert load_file(wb.signed_ledger(tmp_path, [project], name=f"2024年1-6月签约项目台账-{i}.xlsx"), db=file, user="t").ok
    env = {**os.environ, "WAREHOUSE_DATA_PATH": str(lake.data_path)}

    def warehouse(*args):
        return subprocess.run([sys.executable, "-m", "warehouse", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    moved = warehouse("rebuild", "--from-archive", "--db", str(file), "--out", str(lake))
    assert moved.returncode == 0, moved.stderr
    summaries = [warehouse("summary", "--db", str(db), "--year", "2024", "--include-open", "--json").stdout
                 for db in (file, lake)]
    assert summaries[0] == summaries[1] and '"signed_projects": 2' in summaries[0]
    again = warehouse("rebuild", "--from-archive", "--db", str(file), "--out", str(lake))
    assert again.returncode == 1 and "目标已存在，不覆盖" in again.stderr


def test_a_server_that_mounts_the_data_elsewhere_is_refused(lake, tmp_path):
    ledger = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    assert load_file(ledger, db=lake, user="t").ok
    elsewhere = Lake(lake.catalog, tmp_path / "elsewhere")
    with pytest.raises(LakeMisconfigured, match="与 DuckLake 目录库记录的数据目录.*不一致"):
        Reader(elsewhere).cursor()



def test_compacting_gathers_small_writes_and_keeps_the_figures_and_the_past(lake, tmp_path):
    for i in range(4):
        ledger = wb.signed_ledger(tmp_path, [(f"项目{i}", "临猗县", 1000 * (i + 1), date(2024, 2 + i, 1), "新能源")],
                                  name=f"2024年1-6月签约项目台账-{i}.xlsx")
        assert load_file(ledger, db=lake, user="t").ok
    first_snapshot = lake_version(lake)
    env = {**os.environ, "WAREHOUSE_DB": str(lake)}
    figures = lambda: Reader(lake).cursor().execute(
        "select count(*), sum(signed_amount_wan) from projects").fetchall()
    before = figures()
    done = subprocess.run([sys.executable, "-m", "warehouse", "compact"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert re.search(r"数据文件 \d+ 个 → \d+ 个；历史快照全部保留", done.stdout), done.stdout
    assert figures() == before == [(4, 10000)]
    settled = compact(lake)  # everything was gathered: nothing left to do
    assert settled[0] == settled[1]
    # the past is still there: the reader of the snapshot before compacting
    past = connect_lake(lake, read_only=True, snapshot=int(first_snapshot.removeprefix("snapshot-")))
    assert past.execute("select count(*) from projects").fetchall() == [(4,)]


def test_a_file_warehouse_needs_no_compacting(tmp_path):
    file = tmp_path / "warehouse.duckdb"
    assert load_file(wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")]),
                     db=file, user="t").ok
    done = subprocess.run([sys.executable, "-m", "warehouse", "compact", "--db", str(file)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "单机数据仓库文件无需整理（每次写入后已整体写好）\n")
