"""An administrator's command line for a warehouse in doubt: `python -m warehouse check`,
`rollback`, `rebuild --from-archive`, and `summary` over a damaged file; and `etl load` on a full disk."""

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

import workbooks as wb
from etl.load import load_file
from etl.parse import parse_period
from warehouse.db import archive_dir, connect_readonly, writer
from warehouse.history import rollback

from test_cli import run


def query(db: Path, sql: str) -> list[tuple]:
    con = connect_readonly(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def copy_warehouse(source: Path, target_dir: Path) -> Path:
    """The warehouse file with its archive, somewhere a test may change them."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    shutil.copyfile(source, target)
    shutil.copytree(archive_dir(source), archive_dir(target))
    return target


def summary(db: Path, year: int) -> dict:
    result = run("-m", "warehouse", "summary", "--db", str(db), "--year", str(year), "--json", db=db)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


LOAD_COLUMNS = "file_name, sha256, kind, period_label, period_end, rows_loaded, warning_count, loaded_by, loaded_at, read_options"


# ---------------------------------------------------------------- rebuild


def test_the_sample_warehouse_rebuilt_from_its_archive_has_the_same_figures(sample_db, tmp_path):
    out = tmp_path / "rebuilt" / "warehouse.duckdb"
    result = run("-m", "warehouse", "rebuild", "--from-archive", "--db", str(sample_db), "--out", str(out), db=sample_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith("  ✓ 第 ") for line in lines) == 12
    assert "  ✓ 第 1 次导入（2023年开工项目台账.xls，sample）→ 新仓库第 1 次导入，267 行，按导入时的设置" in lines
    for year in (2024, 2025):
        assert summary(out, year) == summary(sample_db, year)
    for table in ("projects", "pipeline_projects", "row_keys", "ledger_rows"):
        assert query(out, f"select count(*) from {table}") == query(sample_db, f"select count(*) from {table}")
    # the same loads, by the same people, at the same times, with their originals archived
    assert query(out, f"select {LOAD_COLUMNS} from loads order by load_id") == query(
        sample_db, f"select {LOAD_COLUMNS} from loads order by load_id"
    )
    assert run("-m", "warehouse", "check", "--db", str(out), db=out).returncode == 0


def test_a_rebuild_reads_each_file_as_it_was_corrected_and_skips_rolled_back_loads(tmp_path):
    db = tmp_path / "wh" / "warehouse.duckdb"
    # no period in the name and no unit in the header: staff chose 2024年1-6月 and 亿元
    corrected = wb.xlsx(tmp_path / "台账.xlsx", {"Sheet1": [
        ["项目名称", "所属县（市、区）", "签约金额", "签约时间"],
        ["风电项目", "万荣县", 8, date(2024, 2, 1)],
    ]})
    loaded = load_file(corrected, db=db, user="县区上传员", kind="signed",
                       period=parse_period("2024年1-6月"), money_unit="亿元")
    assert loaded.status == "loaded"
    undone = wb.signed_ledger(tmp_path / "later", [("铝材项目", "临猗县", 100, date(2024, 5, 1), None)])
    assert load_file(undone, db=db, user="县区上传员").status == "loaded"
    rollback(db, 2, "管理员")

    out = tmp_path / "new.duckdb"
    result = run("-m", "warehouse", "rebuild", "--from-archive", "--db", str(db), "--out", str(out), db=db)
    assert result.returncode == 0, result.stderr
    assert query(out, "select load_id, kind, period_label, loaded_by, read_options from loads") == [
        (1, "signed", "2024年1-6月", "县区上传员", '{"kind": "signed", "period": "2024年1-6月", "money_unit": "亿元", "confirm_amounts": false}'),
    ]
    assert query(out, "select project_name, signed_amount_wan::double from projects") == [("风电项目", 80000.0)]
    assert "第 2 次" not in result.stdout


def test_loads_recorded_before_overrides_were_stored_are_replayed_as_detected(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    assert load_file(wb.signed_ledger(tmp_path / "in", [("铝材项目", "临猗县", 100, date(2024, 5, 1), None)]), db=db).ok
    with writer(db) as con:
        con.execute("update loads set read_options = null")
    out = tmp_path / "new.duckdb"
    result = run("-m", "warehouse", "rebuild", "--from-archive", "--db", str(db), "--out", str(out), db=db)
    assert result.returncode == 0, result.stderr
    assert "导入时的更正未记录，台账类型按原记录，其余自动识别" in result.stdout
    assert query(out, "select count(*) from projects") == [(1,)]


def test_a_rebuild_never_overwrites(sample_db, tmp_path):
    out = tmp_path / "existing.duckdb"
    out.write_bytes(b"keep me")
    result = run("-m", "warehouse", "rebuild", "--from-archive", "--db", str(sample_db), "--out", str(out), db=sample_db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "未重建：目标已存在，不覆盖" in result.stderr
    assert out.read_bytes() == b"keep me" and not archive_dir(out).exists()


def test_a_missing_original_is_reported_and_the_rest_replayed(sample_db, tmp_path):
    db = copy_warehouse(sample_db, tmp_path / "wh")
    (path,) = query(db, "select archive_path from loads where load_id = 3")[0]
    (archive_dir(db) / path).unlink()
    out = tmp_path / "new.duckdb"
    result = run("-m", "warehouse", "rebuild", "--from-archive", "--db", str(db), "--out", str(out), db=db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "✗ 第 3 次导入（2024年1-6月签约项目台账.xlsx）：原始文件不在归档中，未重放" in result.stderr
    assert query(out, "select count(*) from loads") == [(11,)]
    # and nothing of the unfinished rebuild is left beside the new file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.archive", "new.duckdb", "new.duckdb.lock", "wh"]


# ---------------------------------------------------------------- check


def test_check_of_a_sound_warehouse(sample_db):
    result = run("-m", "warehouse", "check", "--db", str(sample_db), db=sample_db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ 12 次有效导入的原始文件均在归档中，内容无误" in result.stdout
    assert "✓ 派生表（row_keys、projects、pipeline_projects）与按导入记录重新推导的结果一致" in result.stdout
    assert "projects 2,326" in result.stdout
    assert result.stdout.rstrip().endswith("未发现问题")


def test_check_finds_a_changed_and_a_missing_original(sample_db, tmp_path):
    db = copy_warehouse(sample_db, tmp_path)
    paths = dict(query(db, "select load_id, archive_path from loads"))
    (archive_dir(db) / paths[2]).write_bytes(b"changed")
    (archive_dir(db) / paths[5]).unlink()
    result = run("-m", "warehouse", "check", "--db", str(db), db=db)
    assert result.returncode == 1
    assert "✗ 第 2 次导入（2023年招商引资签约项目台账.xlsx）的归档文件内容已改变（sha256 不符）" in result.stdout
    assert "✗ 第 5 次导入（2024年临猗县签约项目台账.csv）的原始文件不在归档中" in result.stdout
    assert "python -m warehouse rebuild --from-archive" in result.stdout


def test_check_finds_derived_tables_that_do_not_follow_from_the_loads(sample_db, tmp_path):
    db = copy_warehouse(sample_db, tmp_path)
    with writer(db) as con:
        con.execute("delete from projects where project_key in (select project_key from projects limit 3)")
    result = run("-m", "warehouse", "check", "--db", str(db), db=db)
    assert result.returncode == 1
    assert "✗ 派生表 projects 与重新推导的结果不一致（保存 2,323 行，重新推导 2,326 行，3 行不同）" in result.stdout


@pytest.fixture
def damaged(sample_db, tmp_path) -> dict[str, Path]:
    """A truncated copy of the sample warehouse (opens, fails on reading) and a garbage file."""
    truncated = tmp_path / "truncated.duckdb"
    truncated.write_bytes(sample_db.read_bytes()[: sample_db.stat().st_size // 2])
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"\x00garbage" * 4096)
    return {"truncated": truncated, "garbage": garbage}


@pytest.mark.parametrize("which", ["truncated", "garbage"])
def test_check_of_a_damaged_file(damaged, which):
    db = damaged[which]
    result = run("-m", "warehouse", "check", "--db", str(db), db=db)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    # where a cut lands decides whether the file opens and fails on a table, or does not open
    assert "无法读取（文件已损坏）" in result.stdout or "数据仓库文件已损坏或无法读取" in result.stdout


@pytest.mark.parametrize("which", ["truncated", "garbage"])
def test_summary_of_a_damaged_file_says_so_in_chinese(damaged, which):
    db = damaged[which]
    result = run("-m", "warehouse", "summary", "--db", str(db), "--year", "2024", db=db)
    assert result.returncode == 1 and "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith(f"数据仓库文件已损坏或无法读取（{db}）。请运行 python -m warehouse check")


# ---------------------------------------------------------------- rollback


def test_rollback_from_the_command_line(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    assert load_file(wb.signed_ledger(tmp_path / "in", [("铝材项目", "临猗县", 100, date(2024, 5, 1), None)]), db=db).ok
    result = run("-m", "warehouse", "rollback", "1", "--db", str(db), "--user", "值班管理员", "--note", "重复上报", db=db)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith("已撤销第 1 次导入（2024年1-6月签约项目台账.xlsx）")
    assert query(db, "select status from loads") == [("rolled_back",)]
    assert query(db, "select action, by_user, note from load_events order by event_at")[-1] == ("rollback", "值班管理员", "重复上报")
    assert query(db, "select count(*) from projects") == [(0,)]

    again = run("-m", "warehouse", "rollback", "1", "--db", str(db), db=db)
    assert (again.returncode, again.stderr.strip()) == (1, "未撤销：第 1 次导入已经撤销过")
    missing = run("-m", "warehouse", "rollback", "9", "--db", str(db), db=db)
    assert (missing.returncode, missing.stderr.strip()) == (1, "未撤销：没有编号为 9 的导入记录")


# ---------------------------------------------------------------- a full disk from the command line

FULL_DISK_LOAD = """
import shutil, sys
from warehouse import db
usage = shutil.disk_usage(sys.argv[2])
db.shutil.disk_usage = lambda path: usage._replace(free=1024 * 1024)
from etl.__main__ import main
sys.exit(main(["load", "--db", sys.argv[1], sys.argv[3]]))
"""


def test_etl_load_on_a_full_disk_names_the_cause_in_chinese(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    path = wb.signed_ledger(tmp_path / "in", [("铝材项目", "临猗县", 100, date(2024, 5, 1), None)])
    result = run("-c", FULL_DISK_LOAD, str(db), str(tmp_path), str(path), db=db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "原因：磁盘空间不足，导入未完成，仓库未改动；请清理服务器磁盘（至少需要 9 MB，当前可用 1 MB）后重试" in result.stderr
    assert not db.exists() and not archive_dir(db).exists()
