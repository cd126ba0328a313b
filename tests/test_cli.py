"""The command line as scripts use it: `python -m etl load` and `python -m warehouse summary`."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import workbooks as wb

ROOT = Path(__file__).resolve().parent.parent


def run(*args, db: Path, env_db: bool = True, **popen) -> subprocess.CompletedProcess:
    env = {**os.environ, "ETL_USER": "cli-test"}
    env.pop("WAREHOUSE_DB", None)
    if env_db:
        env["WAREHOUSE_DB"] = str(db)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, **popen
    )


def loads(db: Path) -> list[tuple]:
    from warehouse.db import connect_readonly

    con = connect_readonly(db)
    try:
        return con.execute("select file_name, kind, rows_loaded, loaded_by from loads order by load_id").fetchall()
    finally:
        con.close()


@pytest.fixture
def signed(tmp_path):
    return wb.signed_ledger(tmp_path, [
        ("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工"),
        ("储能电站", "永济市", 80000, date(2024, 3, 1), "新能源"),
        ("光伏电站项目", "盐湖区", 20000, date(2024, 4, 1), "新能源"),
    ])


@pytest.fixture
def started(tmp_path):
    return wb.started_ledger(tmp_path, [
        [1, "铝材", "临猗", 5000, date(2024, 4, 1)],
        [2, "储能电站项目", "永济", 80000, date(2024, 5, 6)],
    ])


def test_load_prints_one_line_per_file_and_exits_0(db, signed, started):
    result = run("-m", "etl", "load", str(signed), str(started), db=db)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "✓ 2024年1-6月签约项目台账.xlsx：已导入（第 1 次导入），3 行，工作表 Sheet1，警告 0 条",
        "✓ 2024年1-6月开工项目台账.xlsx：已导入（第 2 次导入），2 行，工作表 Sheet1，警告 0 条",
    ]
    assert loads(db) == [
        ("2024年1-6月签约项目台账.xlsx", "signed", 3, "cli-test"),
        ("2024年1-6月开工项目台账.xlsx", "started", 2, "cli-test"),
    ]


def test_loading_a_file_again_is_a_successful_no_op(db, signed):
    run("-m", "etl", "load", str(signed), db=db)
    again = run("-m", "etl", "load", str(signed), db=db)
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.splitlines() == ["= 2024年1-6月签约项目台账.xlsx：此文件已导入过（第 1 次导入），未做改动"]
    assert len(loads(db)) == 1


def test_a_bad_file_exits_non_zero_with_every_error_on_stderr(tmp_path, db, signed):
    bad = wb.signed_ledger(tmp_path / "bad", [
        ("铝材项目", "临漪县", 100, date(2024, 1, 2), None),
        ("储能项目", "盐湖区", 200, "2024-02-30", None),
        ("光伏项目", "盐湖区", "-300", date(2024, 1, 4), None),
    ], name="2024年3月签约项目台账.xlsx")
    result = run("-m", "etl", "load", str(signed), str(bad), db=db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    name = "文件「2024年3月签约项目台账.xlsx」 工作表「Sheet1」"
    assert result.stderr.splitlines() == [
        "✗ 2024年3月签约项目台账.xlsx：未导入，发现 3 处错误",
        f"  [错误] {name} 第2行 C列「所属县（市、区）」 值「临漪县」：无法识别的县（市、区）或开发区，是否为“临猗县”？",
        f"  [错误] {name} 第4行 D列「签约金额（万元）」 值「-300」：金额不能为负数，应为一个非负数字，如 1234.5、5000万元 或 3.5亿元",
        f"  [错误] {name} 第3行 E列「签约时间」 值「2024-02-30」：日期无效（没有这一天），应为 2024-03-15、2024.3.15 或 2024年3月15日 等形式",
    ]
    # the good file before it is loaded, the bad one not at all
    assert result.stdout.startswith("✓ 2024年1-6月签约项目台账.xlsx：已导入")
    assert [f for f, *_ in loads(db)] == ["2024年1-6月签约项目台账.xlsx"]


def test_check_reports_what_load_would_and_writes_nothing(tmp_path, db, signed):
    """`etl check` is how a county clerk sees every problem before sending the file."""
    bad = wb.signed_ledger(tmp_path / "bad", [
        ("铝材项目", "临漪县", 100, date(2024, 1, 2), None),
    ], name="2024年3月签约项目台账.xlsx")
    result = run("-m", "etl", "check", str(signed), str(bad), db=db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("✓ 2024年1-6月签约项目台账.xlsx：可以导入")
    assert result.stderr.splitlines() == [
        "✗ 2024年3月签约项目台账.xlsx：不能导入，发现 1 处错误",
        "  [错误] 文件「2024年3月签约项目台账.xlsx」 工作表「Sheet1」 第2行 C列「所属县（市、区）」 值「临漪县」："
        "无法识别的县（市、区）或开发区，是否为“临猗县”？",
    ]
    assert not db.exists()  # nothing written, not even an empty warehouse
    assert run("-m", "etl", "check", str(signed), db=db).returncode == 0


@pytest.mark.parametrize(
    "build, message",
    [
        (wb.truncated_xlsx, "文件已损坏或不完整（无法解压），请重新导出或重新下载后上传"),
        (wb.encrypted_xlsx, "文件设置了打开密码，请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存再上传"),
        (wb.empty_file, "文件为空（0 字节），请重新导出后上传"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_refused_file_says_why_without_a_traceback(tmp_path, db, build, message):
    path = build(tmp_path)
    result = run("-m", "etl", "load", str(path), db=db)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"✗ {path.name}：未导入，发现 1 处错误",
        f"  [错误] 文件「{path.name}」：{message}",
    ]
    assert not db.exists()


def test_a_missing_file(tmp_path, db):
    result = run("-m", "etl", "load", str(tmp_path / "没有这个文件.xlsx"), db=db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"✗ {tmp_path / '没有这个文件.xlsx'}：文件不存在"]


def test_an_unwritable_warehouse_is_reported_without_a_traceback(tmp_path, signed):
    broken = tmp_path / "broken.duckdb"
    broken.write_text("not a database")
    result = run("-m", "etl", "load", str(signed), db=broken)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("✗ 2024年1-6月签约项目台账.xlsx：未导入，数据仓库未改动。原因：")
    assert broken.read_text() == "not a database"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "2024年1-6月签约项目台账.xlsx", "broken.duckdb", "broken.duckdb.lock",
    ]


def test_kind_override(tmp_path, db):
    # a list of starts saved under a 签约 file name
    path = wb.started_ledger(tmp_path, [[1, "铝材项目", "临猗县", 5000, date(2024, 4, 1)]], name="2024年签约项目台账.xlsx")
    assert run("-m", "etl", "load", str(path), db=db).returncode == 1  # read as signed: no 签约时间
    result = run("-m", "etl", "load", "--kind", "started", str(path), db=db)
    assert result.returncode == 0, result.stderr
    assert loads(db) == [("2024年签约项目台账.xlsx", "started", 1, "cli-test")]


def test_db_option_beats_the_environment(tmp_path, db, signed):
    other = tmp_path / "other" / "wh.duckdb"
    assert run("-m", "etl", "load", "--db", str(other), str(signed), db=db).returncode == 0
    assert not db.exists() and len(loads(other)) == 1


def test_two_processes_loading_at_once_both_land(tmp_path, db, signed, started):
    env = {**os.environ, "WAREHOUSE_DB": str(db)}
    children = [
        subprocess.Popen([sys.executable, "-m", "etl", "load", str(p)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for p in (signed, started)
    ]
    outcomes = [(c.wait(timeout=120), c.stderr.read()) for c in children]
    assert outcomes == [(0, ""), (0, "")]
    assert sorted(f for f, *_ in loads(db)) == ["2024年1-6月开工项目台账.xlsx", "2024年1-6月签约项目台账.xlsx"]


SUMMARY_KEYS = [
    "year", "signed_projects", "signed_amount_yi", "started_projects", "start_rate",
    "started_planned_investment_yi", "funds_in_place_yi", "as_of", "published_through",
]


def test_summary_json_is_exactly_one_object(db, signed, started):
    assert run("-m", "etl", "load", str(signed), str(started), db=db).returncode == 0
    result = run("-m", "warehouse", "summary", "--db", str(db), "--year", "2024", "--json", db=db, env_db=False)
    assert (result.returncode, result.stderr) == (0, "")
    figures = json.loads(result.stdout)  # fails on anything but one JSON document
    assert list(figures) == SUMMARY_KEYS
    assert figures == {
        "year": 2024,
        "signed_projects": 3,
        "signed_amount_yi": 11.0,
        "started_projects": 2,
        "start_rate": 0.6667,
        "started_planned_investment_yi": 8.5,
        "funds_in_place_yi": 0.0,
        "as_of": "2024-06-30",
        "published_through": "2024-06",
    }


def test_summary_of_a_missing_warehouse(tmp_path, db):
    result = run("-m", "warehouse", "summary", "--year", "2024", "--json", db=db)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert "数据仓库不存在" in result.stderr


# ---------------------------------------------------------------- failures (issue 17)

def run_patched(patch: str, *args, db: Path) -> subprocess.CompletedProcess:
    """`python -m etl ARGS` with a fault injected first, as a bug or a full disk would."""
    code = f"import sys\n{patch}\nfrom etl.__main__ import main\nsys.exit(main(sys.argv[1:]))"
    return run("-c", code, *args, db=db)


def test_an_id_number_in_an_amount_cell_is_a_cell_error_not_a_traceback(tmp_path, db, signed):
    bad = wb.signed_ledger(tmp_path / "bad", [("铝材项目", "临猗县", "142701199001011234", date(2024, 2, 1), None)])
    result = run("-m", "etl", "load", str(bad), str(signed), db=db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "✗ 2024年1-6月签约项目台账.xlsx：未导入，发现 1 处错误",
        "  [错误] 文件「2024年1-6月签约项目台账.xlsx」 工作表「Sheet1」 第2行 D列「签约金额（万元）」 值「142701199001011234」："
        "金额超出可能范围（单个项目不会超过 10 万亿元），可能误填了身份证号或单位，请核对金额及表头中的单位（万元/亿元）",
    ]
    assert result.stdout.splitlines()[-1].startswith("✓ 2024年1-6月签约项目台账.xlsx：已导入")


BOOM_ON_CHAIN = """
import etl.parse
def boom(text, reference):
    raise RuntimeError("a bug nobody foresaw")
etl.parse.resolve_chain = boom
"""


def test_a_bug_while_reading_names_the_file_and_sheet_and_the_next_file_is_checked(tmp_path, db, started):
    bad = wb.signed_ledger(tmp_path / "bad", [("铝材项目", "临猗县", 100, date(2024, 2, 1), "新能源")])
    # both commands read in a worker; ETL_READ_INPROCESS=1 reads here, where the patch applies
    result = run_patched("import os; os.environ['ETL_READ_INPROCESS'] = '1'\n" + BOOM_ON_CHAIN,
                         "load", str(bad), str(started), db=db)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "✗ 2024年1-6月签约项目台账.xlsx：未导入，发现 1 处错误",
        "  [错误] 文件「2024年1-6月签约项目台账.xlsx」 工作表「Sheet1」：读取文件时发生意外错误，文件未导入；请把此文件发给管理员",
    ]
    assert result.stdout.startswith("✓ 2024年1-6月开工项目台账.xlsx：已导入")


LOAD_RAISES = """
import duckdb, etl.load
real = etl.load.load_file
def load_file(path, **options):
    if "签约" in path.name:
        raise {exc}
    return real(path, **options)
etl.load.load_file = load_file
"""


@pytest.mark.parametrize(
    "exc, line",
    [
        ('RuntimeError("a bug nobody foresaw")',
         "✗ 2024年1-6月签约项目台账.xlsx：导入失败（原因：发生意外错误，请把此文件发给管理员；加 --verbose 可查看详细信息）"),
        ('duckdb.IOException("IO Error: Could not write file: No space left on device")',
         "✗ 2024年1-6月签约项目台账.xlsx：未导入，数据仓库未改动。原因：磁盘空间已满，请清理磁盘后重试"),
        ('duckdb.IOException("IO Error: Cannot open file: Permission denied")',
         "✗ 2024年1-6月签约项目台账.xlsx：未导入，数据仓库未改动。原因：没有写入数据仓库文件的权限，请联系管理员"),
        ('duckdb.InternalException("INTERNAL Error: Attempted to access index 3")',
         "✗ 2024年1-6月签约项目台账.xlsx：未导入，数据仓库未改动。原因：无法读写数据仓库文件（可能磁盘已满、没有权限或文件被占用），请联系管理员；加 --verbose 可查看详细信息"),
    ],
    ids=["bug", "disk-full", "permission", "duckdb-internal"],
)
def test_a_failing_load_is_one_chinese_line_and_the_next_file_still_loads(db, signed, started, exc, line):
    result = run_patched(LOAD_RAISES.format(exc=exc), "load", str(signed), str(started), db=db)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [line]
    assert result.stdout.splitlines() == ["✓ 2024年1-6月开工项目台账.xlsx：已导入（第 1 次导入），2 行，工作表 Sheet1，警告 0 条"]
    assert loads(db) == [("2024年1-6月开工项目台账.xlsx", "started", 2, "cli-test")]


def test_verbose_adds_the_traceback_for_the_admin(db, signed):
    result = run_patched(LOAD_RAISES.format(exc='RuntimeError("a bug nobody foresaw")'), "load", "--verbose", str(signed), db=db)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError: a bug nobody foresaw" in result.stderr
    assert "✗ 2024年1-6月签约项目台账.xlsx：导入失败（原因：" in result.stderr


def test_an_amount_beyond_any_project_loads_only_with_confirm_amounts(db, tmp_path):
    # the CLI's counterpart of the preview's confirmation: without the flag nothing is written
    path = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 35000 * 10_000, date(2024, 2, 1), "铝镁精深加工")])
    refused = run("-m", "etl", "load", str(path), db=db)
    assert refused.returncode == 1
    assert "超过单个项目的上限（500 亿元），是否把万元填成了亿元？" in refused.stderr
    assert not db.exists() or loads(db) == []
    confirmed = run("-m", "etl", "load", "--confirm-amounts", str(path), db=db)
    assert confirmed.returncode == 0, confirmed.stderr
    assert "已由上传人确认无误" in confirmed.stdout
    assert [row[0] for row in loads(db)] == [path.name]


# ---------------------------------------------------------------- header vocabulary and --map


@pytest.fixture
def worded(tmp_path):
    """A signed ledger whose signing date column is called 约定日期: only a guess."""
    return wb.worded_ledger(tmp_path, ["项目名称", "所在县区", "协议金额（万元）", "约定日期"],
                            ["铝材项目", "临猗县", 10000, date(2024, 2, 1)], ["储能电站", "永济市", 2500.5, date(2024, 3, 1)])


def test_check_refuses_a_guessed_required_column_and_proposes_the_map_option(db, worded):
    result = run("-m", "etl", "check", str(worded), db=db)
    assert result.returncode == 1
    assert "未找到“签约时间”列；“约定日期”（D列）可能是签约时间，如确认请加 --map 约定日期=签约时间" in result.stderr
    assert "如确认请把该列表头改为" not in result.stderr + result.stdout


@pytest.mark.file_only  # rebuild replays a file warehouse's archive
def test_load_with_map_reads_the_column_records_it_and_rebuild_replays_it(db, worded, tmp_path):
    result = run("-m", "etl", "load", "--map", "约定日期=签约时间", str(worded), db=db)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[0] == "✓ 2024年1-6月签约项目台账.xlsx：已导入（第 1 次导入），2 行，工作表 Sheet1，警告 0 条"
    from warehouse.db import connect_readonly

    con = connect_readonly(db)
    try:
        options = json.loads(con.execute("select read_options from loads").fetchone()[0])
        amounts = con.execute("select sum(signed_amount_wan)::double, min(signed_date) from projects").fetchone()
    finally:
        con.close()
    assert options["mapping"] == {"约定日期": "signed_date"}
    assert amounts == (12500.5, date(2024, 2, 1))
    out = tmp_path / "rebuilt.duckdb"
    rebuilt = run("-m", "warehouse", "rebuild", "--from-archive", "--db", str(db), "--out", str(out), db=db)
    assert rebuilt.returncode == 0, rebuilt.stderr
    con = connect_readonly(out)
    try:
        assert con.execute("select count(*), sum(signed_amount_wan)::double from projects").fetchone() == (2, 12500.5)
    finally:
        con.close()


def test_load_reads_headers_known_by_the_vocabulary_without_any_option(db, tmp_path):
    path = wb.worded_ledger(tmp_path, ["项目名称", "项目所属区县", "协议金额（万元）", "合同签订时间", "产业链名称"],
                            ["铝材项目", "临猗县", 10000, date(2024, 2, 1), "新能源"])
    result = run("-m", "etl", "load", str(path), db=db)
    assert (result.returncode, result.stderr) == (0, "")
    assert loads(db) == [("2024年1-6月签约项目台账.xlsx", "signed", 1, "cli-test")]


@pytest.mark.parametrize("option, message", [
    ("约定日期=签约人", "不认识字段“签约人”"),
    ("约定日期", "“约定日期”应写成 表头=字段"),
])
def test_a_map_option_that_names_no_field_is_refused(db, worded, option, message):
    result = run("-m", "etl", "check", "--map", option, str(worded), db=db)
    assert result.returncode == 2
    assert message in result.stderr
