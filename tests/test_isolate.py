"""etl.isolate: a file that exhausts memory or time ends a worker process, never the
caller, and comes back as one Chinese error naming the file."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import workbooks as wb
from etl import isolate
from etl.read import read_ledger

ROOT = Path(__file__).resolve().parent.parent
NAME = "2024年12月稀疏台账.xlsx"


def sparse_workbook(path: Path) -> Path:
    """4.7 KB: one cell at A1 and one at XFD1048576; calamine makes a dense 512 GiB grid of it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "项目名称"
    sheet["XFD1048576"] = "x"
    book.save(path)
    return path


# Readers run in the worker in place of read_ledger (called as read_ledger is).
def calamine_only(name, kind, *, data, **_):
    """Straight into calamine, past every pre-check in etl.files."""
    import fastexcel

    return fastexcel.read_excel(data).load_sheet(0, header_row=None).to_polars()


def sleeper(name, kind, **_):
    time.sleep(60)


def python_hog(name, kind, **_):
    return bytearray(8 * 1024**3)


def aborts(name, kind, **_):
    os.abort()


def assert_refused(ledger, message: str | None = None) -> None:
    assert [p.level for p in ledger.problems] == ["error"]
    assert ledger.rows.height == 0 and not ledger.ok
    assert ledger.problems[0].file == NAME
    if message is not None:
        assert ledger.problems[0].message == message


def good_ledger(tmp_path) -> Path:
    rows = wb.signed_rows(("年产10万吨铝型材项目", "临猗县", 12000, date(2024, 3, 15), "铝镁精深加工"))
    return wb.xlsx(tmp_path / "2024年1-6月签约项目台账.xlsx", {"Sheet1": [wb.SIGNED_HEADER, *rows]})


def test_a_normal_ledger_reads_as_it_does_in_process(tmp_path):
    path = good_ledger(tmp_path)
    isolated = isolate.read_isolated(path.name, path.read_bytes(), money_unit="万元")
    direct = read_ledger(path, money_unit="万元")
    assert isolated.rows.height == 1
    assert isolated.rows.schema == direct.rows.schema  # Decimal(18, 4), Date, Int32 as they were
    assert isolated.rows.equals(direct.rows)
    assert (isolated.problems, isolated.sheets, isolated.period, isolated.kind) == (
        direct.problems, direct.sheets, direct.period, direct.kind
    )


def test_the_sparse_workbook_is_refused_and_the_caller_lives(tmp_path):
    data = sparse_workbook(tmp_path / NAME).read_bytes()
    assert len(data) < 8 * 1024
    ledger = isolate.read_isolated(NAME, data)
    assert_refused(ledger)
    # the next file reads normally
    path = good_ledger(tmp_path)
    assert isolate.read_isolated(path.name, path.read_bytes()).rows.height == 1


def test_calamine_past_the_pre_checks_is_stopped_by_the_memory_limit(tmp_path):
    data = sparse_workbook(tmp_path / NAME).read_bytes()
    t = time.perf_counter()
    ledger = isolate.read_isolated(NAME, data, reader=calamine_only)
    assert time.perf_counter() - t < 10
    assert_refused(
        ledger,
        f"读取「{NAME}」时占用内存超过上限（2 GB），已停止；文件可能含有大量空白格式或隐藏内容，请另存为新文件后再上传",
    )


def test_a_python_memory_error_is_the_same_refusal(tmp_path):
    ledger = isolate.read_isolated(NAME, b"x", reader=python_hog, memory=1024**3)
    assert_refused(ledger, isolate.memory_message(NAME, 1024**3))
    assert "1 GB" in ledger.problems[0].message


def test_a_read_that_runs_too_long_is_killed(tmp_path):
    t = time.perf_counter()
    ledger = isolate.read_isolated(NAME, b"x", reader=sleeper, timeout=1)
    assert time.perf_counter() - t < 5
    assert_refused(
        ledger, f"读取「{NAME}」用时超过上限（1 秒），已停止；文件可能含有大量空白格式或隐藏内容，请另存为新文件后再上传"
    )


def raises(name, kind, **_):
    raise ValueError("a bug in the reader")


def test_a_reader_error_is_a_refusal_and_the_worker_is_kept():
    ledger = isolate.read_isolated(NAME, b"x", reader=raises)
    assert_refused(ledger, isolate.error_message(NAME))
    assert isolate._idle, "the worker survived its Python error and waits for the next read"


def test_a_worker_that_dies_otherwise_is_a_refusal_too():
    ledger = isolate.read_isolated(NAME, b"x", reader=aborts)
    assert_refused(ledger, isolate.crash_message(NAME))


def test_a_hostile_read_does_not_disturb_one_running_beside_it(tmp_path):
    path = good_ledger(tmp_path)
    results = {}

    def hostile():
        results["hostile"] = isolate.read_isolated(NAME, b"x", reader=sleeper, timeout=2)

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.3)
    results["good"] = isolate.read_isolated(path.name, path.read_bytes())
    thread.join()
    assert results["good"].rows.height == 1
    assert_refused(results["hostile"])


class DiesMidReply:
    """Pickled after the frame before it: the worker dies with that frame's file written."""

    def __reduce__(self):
        os._exit(3)


def frame_then_death(name, kind, **_):
    import polars as pl

    return [pl.DataFrame({"a": list(range(100_000))}), DiesMidReply()]


def frames():
    import polars as pl
    from decimal import Decimal

    amounts = pl.Series("amount", [Decimal("12000.5"), None], pl.Decimal(18, 4))
    first = pl.DataFrame([amounts, pl.Series("day", [date(2024, 3, 15), None], pl.Date), pl.Series("row", [2, 3], pl.Int32)])
    return {"first": first, "again": first, "empty": first.clear(), "note": "小"}


def spools() -> list[str]:
    return [w.spool for w in isolate._idle]


def test_frames_come_back_through_arrow_files_that_are_gone_after():
    got = isolate.run_isolated(NAME, frames)
    assert got["first"].schema == {"amount": pl.Decimal(18, 4), "day": pl.Date, "row": pl.Int32}
    assert got["first"].rows() == [(Decimal("12000.5"), date(2024, 3, 15), 2), (None, None, 3)]
    assert got["again"].equals(got["first"]) and got["empty"].height == 0 and got["note"] == "小"
    assert spools() and all(os.listdir(s) == [] for s in spools())


def test_a_worker_that_dies_writing_its_reply_is_a_refusal_and_leaves_no_file():
    before = set(os.listdir(tempfile.gettempdir()))
    ledger = isolate.read_isolated(NAME, b"x", reader=frame_then_death)
    assert_refused(ledger, isolate.crash_message(NAME))
    assert all(os.listdir(s) == [] for s in spools())
    left = {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("etl-read-")}
    assert left <= {os.path.basename(s) for s in spools()}  # only the replacement worker's empty spool


def test_stopping_a_worker_removes_its_spool():
    worker = isolate._Worker()
    assert os.path.isdir(worker.spool)
    worker.stop()
    assert not os.path.exists(worker.spool)


def test_a_killed_caller_leaves_no_spool():
    code = "import sys, time\nfrom etl import isolate\nisolate.warm_up()\nprint(isolate._idle[0].spool, flush=True)\ntime.sleep(60)"
    caller = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    spool = caller.stdout.readline().strip()
    assert os.path.isdir(spool)
    caller.kill()
    caller.wait()
    deadline = time.monotonic() + 20  # the orphaned worker sees its stdin close once it has imported
    while os.path.exists(spool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(spool)


def test_etl_check_on_the_sparse_workbook_exits_1_in_chinese(tmp_path):
    path = sparse_workbook(tmp_path / NAME)
    done = subprocess.run(
        [sys.executable, "-m", "etl", "check", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr  # it died with 134 (SIGABRT) before
    assert f"✗ {NAME}：不能导入" in done.stderr
    assert f"文件「{NAME}」：工作表「Sheet」在单元格 XFD1048576 有内容" in done.stderr  # the pre-check's refusal
    assert "memory allocation" not in done.stderr and "Traceback" not in done.stderr


def test_etl_load_on_the_sparse_workbook_exits_1_in_chinese_and_writes_nothing(tmp_path):
    path = sparse_workbook(tmp_path / NAME)
    db = tmp_path / "warehouse.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", "--db", str(db), str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert f"✗ {NAME}：未导入，发现 1 处错误" in done.stderr
    assert f"文件「{NAME}」：工作表「Sheet」在单元格 XFD1048576 有内容" in done.stderr  # the pre-check refuses it first
    assert "memory allocation" not in done.stderr and "Traceback" not in done.stderr
    assert not db.exists()


@pytest.fixture(autouse=True)
def no_leftover_workers():
    """Every worker a test leaves is either idle (reused later) or gone."""
    yield
    with isolate._lock:
        assert all(w.alive() for w in isolate._idle)
