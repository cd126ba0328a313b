"""load_file: each file whole or not at all, once, traceable to its cells."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

import workbooks as wb
from etl.load import load_file
from warehouse import build
from warehouse.db import Lake, archive_dir, connect_readonly, lake_version
from warehouse.queries import Filters, headline

ROOT = Path(__file__).resolve().parent.parent


def sha256(path: Path | Lake) -> str:
    """The warehouse as written: the file's bytes, or the lake's snapshot."""
    if isinstance(path, Lake):
        return lake_version(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(db: Path, sql: str, params=None) -> list[tuple]:
    con = connect_readonly(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def content(db: Path) -> dict[str, list]:
    """Every row of every table, order-independent: what any reader could see."""
    con = connect_readonly(db)
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'wh' order by 1"
        ).fetchall()]
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in tables}
    finally:
        con.close()


def figures(db: Path, year: int = 2024) -> dict:
    con = connect_readonly(db)
    try:
        return headline(con, Filters(year))
    finally:
        con.close()


def siblings(db: Path | Lake) -> list[str]:
    """Files beside the warehouse: temp copies would show here (a lake's data files)."""
    if isinstance(db, Lake):
        root = db.files()
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "archive" not in p.parts)
    return sorted(p.name for p in db.parent.iterdir() if p.is_file())


def signed_file(tmp_path, name="2024年1-6月签约项目台账.xlsx"):
    return wb.signed_ledger(tmp_path, [
        ("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工"),
        ("储能电站", "永济市", 80000, date(2024, 3, 1), "新能源"),
        ("光伏电站项目", "盐湖区", 20000, date(2024, 4, 1), "新能源"),
    ], name=name)


@pytest.fixture
def loaded(tmp_path, db):
    """A warehouse holding one signed ledger."""
    result = load_file(signed_file(tmp_path / "in"), db=db, user="测试员")
    assert result.status == "loaded", [p.text() for p in result.ledger.errors]
    return db


# ---------------------------------------------------------------- whole or nothing


def test_a_file_with_errors_changes_nothing(tmp_path, loaded):
    before, before_content = sha256(loaded), content(loaded)
    bad = wb.signed_ledger(tmp_path / "bad", [
        ("铝材二期项目", "临漪县", 100, date(2024, 5, 1), None),  # one bad cell is enough
        ("风电项目", "万荣县", 100, date(2024, 5, 2), None),
    ])
    result = load_file(bad, db=loaded)
    assert (result.status, result.ok, result.load_id) == ("refused", False, None)
    assert result.summary() == "✗ 2024年1-6月签约项目台账.xlsx：未导入，发现 1 处错误"
    assert sha256(loaded) == before and content(loaded) == before_content
    assert not list(archive_dir(loaded).rglob(f"{result.ledger.sha256}*"))


def test_a_refused_first_file_creates_no_warehouse(tmp_path, db):
    result = load_file(wb.truncated_xlsx(tmp_path), db=db)
    assert result.status == "refused"
    assert not db.exists() and not archive_dir(db).exists()


def test_a_failure_in_the_middle_of_a_load_leaves_the_warehouse_as_it_was(tmp_path, loaded, monkeypatch):
    before, before_content, before_files = sha256(loaded), content(loaded), siblings(loaded)
    inserted = []

    def refresh_then_fail(con, changed_loads=None, reference=None):
        inserted.append(con.execute("select count(*) from ledger_rows").fetchone()[0])
        raise RuntimeError("断电")

    monkeypatch.setattr(build, "refresh", refresh_then_fail)
    path = wb.signed_ledger(tmp_path / "new", [("风电项目", "万荣县", 100, date(2024, 5, 2), None)])
    with pytest.raises(RuntimeError, match="断电"):
        load_file(path, db=loaded)
    assert inserted == [4]  # the new row was written to the private copy when it failed
    assert sha256(loaded) == before and content(loaded) == before_content
    assert siblings(loaded) == before_files  # no temp copy or .wal left behind
    monkeypatch.undo()
    assert load_file(path, db=loaded).status == "loaded"  # and the lock was released


KILLED_LOAD = """
import sys, time
from pathlib import Path
from warehouse import build
from etl.load import load_file

def hang(con, reference=None):
    Path(sys.argv[3]).touch()
    time.sleep(60)

build.refresh = hang
load_file(sys.argv[1], db=sys.argv[2])
"""


def kill_during_load(tmp_path, db):
    """Run a load in a child process and SIGKILL it after its rows are written."""
    path = wb.signed_ledger(tmp_path / "new", [("风电项目", "万荣县", 100, date(2024, 5, 2), None)])
    flag = path.parent / "writing"
    child = subprocess.Popen([sys.executable, "-c", KILLED_LOAD, str(path), str(db), str(flag)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not flag.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the child never reached the write"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return path


def test_a_killed_load_leaves_the_live_file_intact(tmp_path, loaded):
    before, before_content = sha256(loaded), content(loaded)
    path = kill_during_load(tmp_path, loaded)
    assert sha256(loaded) == before and content(loaded) == before_content
    assert load_file(path, db=loaded).status == "loaded"  # the dead writer's lock is gone


@pytest.mark.file_only  # a lake's next write adds data files of its own
def test_a_killed_load_leaves_no_temp_file_after_the_next_write(tmp_path, loaded):
    before_files = siblings(loaded)
    path = kill_during_load(tmp_path, loaded)
    load_file(path, db=loaded)
    assert siblings(loaded) == before_files


# ---------------------------------------------------------------- once


def test_loading_the_same_file_twice_changes_nothing(tmp_path, loaded):
    before_content = content(loaded)
    renamed = tmp_path / "改了名字的台账.xlsx"  # same bytes, another name: still the same file
    shutil.copyfile(tmp_path / "in" / "2024年1-6月签约项目台账.xlsx", renamed)
    again = load_file(renamed, db=loaded)
    assert (again.status, again.ok, again.load_id) == ("duplicate", True, 1)
    assert again.summary() == "= 改了名字的台账.xlsx：此文件已导入过（第 1 次导入），未做改动"
    assert content(loaded) == before_content


def test_cumulative_month_sheets_count_each_project_once(tmp_path, db):
    load_file(wb.month_sheets_ledger(tmp_path), db=db)
    assert query(db, "select count(*) from ledger_rows") == [(3,)]
    assert query(db, "select project_name, signed_amount_wan from v_signed_projects order by 1") == [
        ("储能电站项目", D("50000")), ("铝材项目", D("1200")),  # the 1-6月 amount updates 1-3月
    ]
    f = figures(db)
    assert (f["signed_projects"], f["signed_amount_yi"]) == (2, D("5.12"))


def test_projects_relisted_in_a_later_file_count_once(tmp_path, db):
    q1 = wb.signed_ledger(tmp_path / "q1", [("铝材项目", "临猗县", 1000, date(2024, 2, 1), None)], name="2024年1-3月签约项目台账.xlsx")
    h1 = wb.signed_ledger(tmp_path / "h1", [
        ("铝材", "临猗", 1500, date(2024, 2, 1), None),  # the same project, written differently
        ("储能电站", "永济", 50000, date(2024, 5, 1), None),
    ], name="2024年1-6月签约项目台账.xlsx")
    # loaded out of order: the ledger with the later data date still wins
    assert [load_file(p, db=db).status for p in (h1, q1)] == ["loaded", "loaded"]
    assert query(db, "select project_name, signed_amount_wan from v_signed_projects order by 1") == [
        ("储能电站", D("50000")), ("铝材", D("1500")),
    ]
    assert figures(db)["signed_projects"] == 2


# ---------------------------------------------------------------- starts


def test_started_rows_attach_to_their_signed_projects(tmp_path, loaded):
    started = wb.started_ledger(tmp_path / "s", [
        [1, "铝材", "临猗", 5000, date(2024, 4, 1)],  # without 项目
        [2, "储能\n电站项目", "永济", 80000, "2024.5.6"],  # a wrapped name, the unit's short form
        [3, "未签约的新项目", "盐湖区", 999, date(2024, 5, 1)],
    ])
    assert load_file(started, db=loaded).status == "loaded"
    assert query(db := loaded, "select project_name, is_started, start_date, planned_investment_wan from v_signed_projects order by signed_date") == [
        ("铝材项目", True, date(2024, 4, 1), D("5000")),
        ("储能电站", True, date(2024, 5, 6), D("80000")),
        ("光伏电站项目", False, None, None),
    ]
    assert query(db, "select project_name, unit_id, start_date, planned_investment_wan from v_unmatched_starts") == [
        ("未签约的新项目", "140802", date(2024, 5, 1), D("999")),
    ]
    f = figures(db)
    assert (f["signed_projects"], f["started_projects"], f["start_rate"], f["started_planned_investment_yi"]) == (
        3, 2, D("0.6667"), D("8.50"),  # the unmatched start is in no figure
    )


# ---------------------------------------------------------------- records and trace


def test_a_load_is_recorded_and_its_file_archived(tmp_path, db):
    path = wb.month_sheets_ledger(tmp_path)
    result = load_file(path, db=db, user="临猗县商务局")
    assert query(db, """
        select load_id, file_name, sha256, kind, period_label, sheets_used, sheets_skipped,
               rows_loaded, warning_count, loaded_by, status, archive_path, file_size
        from loads""") == [(
        1, "2024年签约项目台账.xlsx", sha256(path), "signed", "2024年1-6月", ["1-3月", "1-6月"],
        ["说明: 未找到项目表头（如说明页）", "汇总: 没有“项目名称”列，不是项目清单（如汇总表）"],
        3, 0, "临猗县商务局", "active", f"{sha256(path)[:2]}/{sha256(path)}.xlsx", path.stat().st_size,
    )]
    assert query(db, "select level, sheet, message from load_messages order by sheet") == [
        ("note", "汇总", "已跳过：没有“项目名称”列，不是项目清单（如汇总表）"),
        ("note", "说明", "已跳过：未找到项目表头（如说明页）"),
    ]
    archived = archive_dir(db) / query(db, "select archive_path from loads")[0][0]
    assert archived.read_bytes() == path.read_bytes()
    assert result.summary() == "✓ 2024年签约项目台账.xlsx：已导入（第 1 次导入），3 行，工作表 1-3月、1-6月，警告 0 条"


def test_warnings_are_recorded_with_their_cells(tmp_path, db):
    load_file(wb.text_values_ledger(tmp_path), db=db)
    # 待定, — and / : the projects count, their amounts do not
    f = figures(db)
    assert (f["signed_projects"], f["signed_amount_yi"]) == (7, D("5.75"))  # 57468.5 万元
    assert query(db, "select warning_count from loads") == [(1,)]
    assert query(db, "select level, sheet, cell, excel_row, column_name from load_messages") == [
        ("warning", "Sheet1", "Sheet1!D6", 6, "签约金额（万元）"),
    ]


def test_every_project_keeps_its_source_cells(tmp_path, db):
    load_file(wb.month_sheets_ledger(tmp_path), db=db)
    assert query(db, """
        select file_name, sheet, excel_row, load_id, project_name, signed_amount_wan
        from v_trace where project_name = '铝材项目' order by excel_row, sheet""") == [
        ("2024年签约项目台账.xlsx", "1-3月", 2, 1, "铝材项目", D("1000")),
        ("2024年签约项目台账.xlsx", "1-6月", 2, 1, "铝材项目", D("1200")),
    ]
    # the figure comes from the later sheet, and says so
    assert query(db, "select signed_source from projects where project_name = '铝材项目'") == [
        ({"load_id": 1, "sheet": "1-6月", "excel_row": 2},),
    ]
    assert query(db, "select sheet, excel_row from project_rows where project_name = '储能电站项目'") == [("1-6月", 3)]


# ---------------------------------------------------------------- concurrency


def test_concurrent_loads_are_serialised_and_both_land(tmp_path, db, monkeypatch):
    inside, overlaps = [], []
    real_refresh = build.refresh

    def slow_refresh(con, changed_loads=None, reference=None):
        inside.append(threading.get_ident())
        if len(inside) > 1:
            overlaps.append(list(inside))
        time.sleep(0.3)
        real_refresh(con, changed_loads, reference)
        inside.remove(threading.get_ident())

    monkeypatch.setattr(build, "refresh", slow_refresh)
    files = [
        wb.signed_ledger(tmp_path / "a", [("铝材项目", "临猗县", 100, date(2024, 1, 2), None)], name="临猗.xlsx"),
        wb.signed_ledger(tmp_path / "b", [("风电项目", "万荣县", 200, date(2024, 1, 3), None)], name="万荣.xlsx"),
    ]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda p: load_file(p, db=db), files))
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert overlaps == []
    assert query(db, "select file_name from loads order by file_name") == [("万荣.xlsx",), ("临猗.xlsx",)]
    assert query(db, "select project_name from v_signed_projects order by 1") == [("铝材项目",), ("风电项目",)]


def test_a_load_remembers_its_confirmed_mapping_per_unit_until_it_is_rolled_back(tmp_path, db):
    from etl import mappings
    from warehouse import history

    path = wb.worded_ledger(tmp_path, ["项目名称", "所在县区", "签约金额（万元）", "约定日期"],
                            ["铝材项目", "临猗县", 10000, date(2024, 2, 1)], ["储能项目", "盐湖区", 2500.5, date(2024, 3, 1)])
    result = load_file(path, db=db, user="测试员", mapping={"约定日期": "signed_date"})
    assert result.status == "loaded"
    stored = query(db, "select unit_id, header, field, confirmed_by from header_mappings order by unit_id, header")
    # the mapping given, and the column read only by the vocabulary rules, for both units of the rows
    assert stored == [
        (unit, header, fld, "测试员")
        for unit in ("140802", "140821") for header, fld in (("所在县区", "unit"), ("约定日期", "signed_date"))
    ]
    con = connect_readonly(db)
    try:
        assert mappings.remembered(con, ["140821"])["约定日期"].field == "signed_date"
        assert mappings.remembered(con, ["140881"]) == {}
    finally:
        con.close()
    history.rollback(db, result.load_id, "测试员")
    con = connect_readonly(db)
    try:
        assert mappings.remembered(con, ["140821"]) == {}, "a rolled-back load confirms nothing"
    finally:
        con.close()
