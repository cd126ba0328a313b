"""A county's staff member enters a lead through the real form in chromium, and /pipeline
counts it."""

import shutil

from playwright.sync_api import expect

from warehouse.accounts import AccountStore
from warehouse.db import Reader

from .conftest import AppServer, assert_no_exception, wait_until_done

PASSWORD = "临猗招商2024!"


def leads(page) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text="线索数").locator('[data-testid="stMetricValue"]').inner_text()


def test_a_lead_entered_in_the_form_is_counted_on_the_pipeline(browser, sample_db, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    accounts = tmp_path / "accounts.sqlite"
    AccountStore(accounts).add_user("临猗录入员", "uploader", PASSWORD, units=["临猗县"])
    app = AppServer(db, tmp_path / "streamlit.log", env={"ACCOUNTS_DB": str(accounts)})
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{app.url}/entry")
        wait_until_done(page)
        page.get_by_label("用户名").fill("临猗录入员")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        wait_until_done(page)

        pipeline = context.new_page()
        pipeline.goto(f"{app.url}/pipeline?year=2025&months=1-9")
        wait_until_done(pipeline)
        before = int(leads(pipeline).removesuffix(" 个").replace(",", ""))

        page.get_by_label("项目名称").fill("浏览器录入的光伏支架项目")
        for part, typed in (("year", "2025"), ("month", "03"), ("day", "02")):  # a date field of spin buttons
            page.get_by_role("spinbutton", name=f"{part}, 线索录入时间").click()
            page.keyboard.type(typed)
        page.get_by_label("意向投资额（万元）").fill("6000")
        page.get_by_label("项目进展").fill("企业已来考察")
        page.get_by_role("button", name="保存").click()
        expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="已保存")).to_be_visible(timeout=30_000)
        assert_no_exception(page)
        assert Reader(db).cursor().sql(
            "select unit_id, lead_date::varchar from projects where project_name = '浏览器录入的光伏支架项目'"
        ).fetchall() == [("140821", "2025-03-02")]

        pipeline.reload()
        wait_until_done(pipeline)
        assert_no_exception(pipeline)
        assert int(leads(pipeline).removesuffix(" 个").replace(",", "")) == before + 1
    finally:
        context.close()
        app.stop()
