"""A county's staff member logs in, uploads this month's ledger through the real page,
commits it, and logs out; the warehouse has the new project afterwards."""

import datetime
import shutil

import openpyxl
from playwright.sync_api import expect

from warehouse.accounts import AccountStore
from warehouse.db import Reader

from .conftest import AppServer, assert_no_exception, wait_until_done

PASSWORD = "临猗招商2024!"


def ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "12月"
    ws.append(["临猗县2024年12月招商引资签约项目台账"])
    ws.append(["序号", "项目名称", "所属县（市、区）", "所属产业链", "签约金额（万元）", "签约时间"])
    ws.append([1, "浏览器上传的苹果深加工项目", "临猗县", "食品加工", 8000, datetime.date(2024, 12, 18)])
    wb.save(path)
    return path


def test_uploader_logs_in_uploads_commits_and_logs_out(browser, sample_db, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    accounts = tmp_path / "accounts.sqlite"
    AccountStore(accounts).add_user("临猗上传员", "uploader", PASSWORD, units=["临猗县"])
    app = AppServer(db, tmp_path / "streamlit.log", env={"ACCOUNTS_DB": str(accounts)})
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{app.url}/upload")
        wait_until_done(page)
        page.get_by_label("用户名").fill("临猗上传员")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        wait_until_done(page)

        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(ledger(tmp_path / "2024年12月临猗县签约项目台账.xlsx")))
        expect(page.get_by_text("读取完成")).to_be_visible(timeout=30_000)
        wait_until_done(page)
        page.get_by_role("button", name="导入数据仓库").click()
        expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="已导入")).to_be_visible(timeout=30_000)
        assert_no_exception(page)
        names = Reader(db).cursor().sql("select project_name from v_signed_projects where unit_id = '140821'").fetchall()
        assert ("浏览器上传的苹果深加工项目",) in names

        page.get_by_role("button", name="退出登录").click()
        wait_until_done(page)
        expect(page.get_by_role("button", name="登录")).to_be_visible()
    finally:
        context.close()
        app.stop()
