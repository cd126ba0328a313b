"""A CLI load while `streamlit run` serves the app: no lock error, no half state, new figures."""

import datetime
import shutil
import subprocess
import sys

import openpyxl

from .conftest import ROOT, AppServer, assert_no_exception, wait_until_done


def one_project_ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "12月"
    ws.append(["运城市2024年12月招商引资签约项目台账"])
    ws.append(["序号", "项目名称", "所属县（市、区）", "所属产业链", "签约金额（万元）", "签约时间"])
    ws.append([1, "浏览器测试新增项目", "万荣县", "食品加工", 12345, datetime.date(2024, 12, 20)])
    wb.save(path)
    return path


def signed_count(page) -> str:
    return page.locator('[data-testid="stMetric"]').first.inner_text()


def test_cli_load_while_app_serves(browser, sample_db, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    app = AppServer(db, tmp_path / "streamlit.log")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{app.url}/?year=2024&months=1-12")
        wait_until_done(page)
        assert "539" in signed_count(page)

        ledger = one_project_ledger(tmp_path / "2024年12月签约项目台账.xlsx")
        load = subprocess.Popen(
            [sys.executable, "-m", "etl", "load", "--db", str(db), str(ledger)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        # keep the app busy reading while the load runs
        while load.poll() is None:
            page.reload()
            wait_until_done(page)
            assert_no_exception(page)
        out, err = load.communicate()
        assert load.returncode == 0, err
        assert "已导入" in out

        page.reload()
        wait_until_done(page)
        assert_no_exception(page)
        assert "540" in signed_count(page)
    finally:
        context.close()
        app.stop()
