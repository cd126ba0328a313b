"""Project codes are identities: an uploader bound to units cannot take over another unit's
project by reusing its national project code (issue 17, finding 2); an administrator can,
as a recorded transfer (划转)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import workbooks as wb
from etl.load import load_file
from test_load import content, figures, query

HEADER = ["序号", "项目名称", "项目代码", "所属县（市、区）", "签约金额（万元）", "签约时间", "所属产业链"]
WANRONG_CODE = "2024-140822-44-01-000123"
LINYI, WANRONG = "140821", "140822"


def ledger(folder: Path, *projects: tuple, name: str = "2024年1-6月签约项目台账.xlsx") -> Path:
    """A signed ledger from (name, code, unit, amount 万元, date) tuples, code in column C."""
    return wb.xlsx(folder / name, {"Sheet1": [HEADER, *([i, *p, "新能源"] for i, p in enumerate(projects, 1))]})


@pytest.fixture
def wanrong(tmp_path, db) -> Path:
    """A warehouse where 万荣县 signed a 50,000 万元 wind farm under WANRONG_CODE."""
    result = load_file(
        ledger(tmp_path / "wanrong", ("万荣风电项目", WANRONG_CODE, "万荣县", 50000, date(2024, 3, 1))), db=db, user="万荣"
    )
    assert result.status == "loaded"
    return db


def hijack(tmp_path) -> Path:
    """The finding's file: a 临猗县 row reusing 万荣县's code under another name. The finding's
    8,888,888 万元 is now also above the plausibility ceiling; 88,888 万元 keeps this about the code."""
    return ledger(
        tmp_path / "linyi",
        ("临猗果品加工项目", "2024-140821-13-01-000001", "临猗县", 3000, date(2024, 4, 1)),
        ("临猗新能源产业园", WANRONG_CODE, "临猗县", 88888, date(2024, 5, 1)),
    )


def test_an_uploader_cannot_take_over_another_units_project_by_its_code(tmp_path, wanrong):
    # before the fix the row loaded with 0 errors and moved the project (and its amount) to 临猗县
    before, before_figures = content(wanrong), figures(wanrong)
    result = load_file(hijack(tmp_path), db=wanrong, user="临猗上传员", allowed_units={LINYI})
    assert result.status == "refused"
    [error] = result.ledger.errors
    assert (error.file, error.sheet, error.row, error.column, error.header, error.value) == (
        "2024年1-6月签约项目台账.xlsx", "Sheet1", 3, "C", "项目代码", WANRONG_CODE
    )
    assert error.message == (
        f"项目代码 {WANRONG_CODE} 已属于万荣县的项目「万荣风电项目」，不能由临猗县报送；"
        "如确属同一项目易地，请联系市中心管理员办理划转"
    )
    assert content(wanrong) == before, "a refused file changes nothing, not even the other row"
    assert figures(wanrong)["signed_amount_yi"] == before_figures["signed_amount_yi"]
    assert query(wanrong, "select unit_id, signed_amount_wan::double from projects where project_code = ?", [WANRONG_CODE]) == [
        (WANRONG, 50000.0)
    ]


def test_an_uploader_may_report_its_own_projects_codes_again(tmp_path, wanrong):
    again = ledger(tmp_path / "again", ("万荣风电项目", WANRONG_CODE, "万荣县", 52000, date(2024, 3, 1)), name="2024年1-7月签约项目台账.xlsx")
    result = load_file(again, db=wanrong, user="万荣上传员", allowed_units={WANRONG})
    assert result.status == "loaded", [p.text() for p in result.ledger.errors]


def test_an_administrator_transfers_a_project_openly(tmp_path, wanrong):
    result = load_file(hijack(tmp_path), db=wanrong, user="管理员")
    assert result.status == "loaded"
    [warning] = [p for p in result.ledger.warnings if p.value == WANRONG_CODE]
    assert (warning.row, warning.column) == (3, "C")
    assert "从万荣县划转到临猗县" in warning.message
    # the transfer is in what the load changed and in its stored messages
    assert query(wanrong, "select change, project_name, old_value, new_value from load_changes where load_id = ? and field = 'unit'", [result.load_id]) == [
        ("transferred", "临猗新能源产业园", "万荣县", "临猗县")
    ]
    assert query(wanrong, "select excel_row, message from load_messages where load_id = ? and value = ?", [result.load_id, WANRONG_CODE]) == [
        (3, warning.message)
    ]
