"""The audit trail (issue 17, finding 6): every export, failed commit and rollback is
recorded, and administrators read it on 操作审计 (pages/manage/audit.py)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import workbooks as wb
from etl import load as load_module
from etl.read import read_ledger
from ui import upload as upload_logic
from warehouse import accounts
from warehouse.history import RollbackRefused
from conftest import routed

ROOT = Path(__file__).resolve().parent.parent
AUDIT_PAGE = str(ROOT / "pages" / "manage" / "audit.py")
DATA_PAGE = str(ROOT / "pages" / "manage" / "data.py")
PASSWORD = "s3cret password"

pytestmark = pytest.mark.usefixtures("staff_env")


@pytest.fixture
def people(staff_env, accounts_env):
    """Two accounts in a store on SQLite, then on PostgreSQL (after staff_env's own)."""
    accounts.store().add_user("管理员", "admin", PASSWORD)
    accounts.store().add_user("张三", "uploader", PASSWORD, ["临猗县"])
    return {"admin": accounts.store().get_user("管理员"), "uploader": accounts.store().get_user("张三")}


def login(path: str, name: str) -> AppTest:
    at = routed(path)
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return at.run()


def downloads(monkeypatch) -> dict:
    """Capture the data callables of download buttons by file name: AppTest cannot click a
    download, and Streamlit calls them later, outside the page's run, as done here."""
    captured = {}
    real = st.download_button

    def capture(label, data=None, file_name=None, *args, **kwargs):
        captured[file_name] = data
        return real(label, data=b"", file_name=file_name, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    return captured


def ledger(tmp_path):
    path = wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 10000, date(2024, 2, 1), "铝镁精深加工")])
    return read_ledger(path), path.read_bytes()


# ---------------------------------------------------------------- what is recorded


def test_a_table_download_is_audited_with_user_rows_and_filters(people, tmp_path, monkeypatch):
    # before: table downloads wrote nothing, though the README says exports are audited
    captured = downloads(monkeypatch)
    at = login(AUDIT_PAGE, "管理员")
    assert not at.exception and not at.error
    [name] = [n for n in captured if n.startswith("操作审计")]
    rows = len(accounts.store().audit_log(None))
    captured[name]()  # the click, outside any page run
    entry = accounts.store().audit_log(1)[0]
    detail = json.loads(entry.detail)
    assert (entry.action, entry.user, detail["file"], detail["rows"]) == ("export", "管理员", name, rows)
    assert detail["title"].startswith("操作审计（")


def test_a_commit_that_fails_with_an_exception_is_audited(people, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(upload_logic, "load_ledger", disk_full)
    parsed, data = ledger(tmp_path)
    with pytest.raises(OSError):
        upload_logic.commit(parsed, data, people["uploader"], "10.0.0.5")
    entry = accounts.store().audit_log(1)[0]
    detail = json.loads(entry.detail)
    assert (entry.action, entry.user, entry.ip, detail["status"]) == ("upload_failed", "张三", "10.0.0.5", "failed")
    assert "No space left on device" in detail["error"] and detail["file"] == "2024年1-6月签约项目台账.xlsx"


def test_a_refused_commit_is_audited(people, tmp_path):
    parsed = read_ledger(wb.signed_ledger(tmp_path, [("铝材项目", "临漪县", 1, date(2024, 2, 1), None)]))
    assert parsed.errors
    result = upload_logic.commit(parsed, b"", people["uploader"], "10.0.0.5")
    assert result.status == "refused"
    entry = accounts.store().audit_log(1)[0]
    assert (entry.action, json.loads(entry.detail)["errors"]) == ("upload_failed", 1)


def test_every_rollback_attempt_is_audited(people, tmp_path, db):
    parsed, data = ledger(tmp_path)
    result = load_module.load_ledger(parsed, data, db)
    upload_logic.rollback(result.load_id, parsed.file_name, people["admin"], "10.0.0.1", "报错了")
    with pytest.raises(RollbackRefused):
        upload_logic.rollback(result.load_id, parsed.file_name, people["admin"], "10.0.0.1")
    failed, done = accounts.store().audit_log(2)
    assert (done.action, json.loads(done.detail)["note"]) == ("rollback", "报错了")
    assert (failed.action, json.loads(failed.detail)["error"]) == ("rollback_failed", f"第 {result.load_id} 次导入已经撤销过")


# ---------------------------------------------------------------- the page


def shown(at: AppTest):
    return next(df.value for df in at.dataframe if list(df.value.columns) == ["时间", "用户", "地址", "操作", "详情"])


def test_administrators_filter_the_log_by_action_user_and_date(people):
    accounts.store().audit(accounts.EXPORT, "张三", "10.0.0.5", {"file": "签约项目.xlsx", "rows": 3})
    accounts.store().audit(accounts.UPLOAD_FAILED, "张三", "10.0.0.5", {"file": "台账.xlsx", "status": "refused"})
    at = login(AUDIT_PAGE, "管理员")
    assert not at.exception and not at.error
    everything = shown(at)
    assert {"导出", "导入未成功", "登录"} <= set(everything["操作"])
    at.multiselect(key="audit_actions").set_value([accounts.EXPORT]).run()
    only = shown(at)
    assert list(only["操作"]) == ["导出"] and list(only["用户"]) == ["张三"] and "签约项目.xlsx" in only["详情"][0]
    at.multiselect(key="audit_actions").set_value([]).run()
    at.selectbox(key="audit_user").set_value("管理员").run()
    assert set(shown(at)["用户"]) == {"管理员"}
    yesterday = date.today() - timedelta(days=1)
    at.date_input(key="audit_days").set_value((yesterday - timedelta(days=5), yesterday)).run()
    assert "所选条件下没有操作记录" in at.info[0].value
    assert not at.get("download_button")


def test_the_log_downloads_as_xlsx(people, monkeypatch):
    accounts.store().audit(accounts.EXPORT, "张三", "10.0.0.5", {"file": "=HYPERLINK(\"x\")"})
    captured = downloads(monkeypatch)
    login(AUDIT_PAGE, "管理员")
    [name] = [n for n in captured if n.startswith("操作审计")]
    sheet = openpyxl.load_workbook(io.BytesIO(captured[name]())).active
    rows = list(sheet.iter_rows(values_only=True))
    # the title and the export time above the header
    assert rows[1][0].startswith("导出时间：")
    assert rows[2] == ("时间", "用户", "地址", "操作", "详情")
    assert ("张三", "10.0.0.5", "导出", "file：=HYPERLINK(\"x\")") in [r[1:] for r in rows[3:]]


def test_only_administrators_see_the_log(people):
    at = login(AUDIT_PAGE, "张三")
    assert "无权访问" in at.error[0].value
    assert not [df for df in at.dataframe]
