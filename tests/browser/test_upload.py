"""A county's staff member logs in, uploads this month's ledger through the real page,
commits it, and logs out; the warehouse has the new project afterwards. A hostile file
is refused without taking the server down, and the uploader speaks Chinese only."""

import datetime
import re
import shutil
import threading
import time
import urllib.request

import openpyxl
from playwright.sync_api import expect

from warehouse.accounts import AccountStore
from warehouse.db import Reader

from .conftest import AppServer, assert_no_exception, wait_until_done

# Every text a person sees inside an element: text nodes that are drawn, and the
# ::after content the app's CSS draws in place of Streamlit's English.
VISIBLE_TEXTS = """e => {
  const out = [];
  const walk = document.createTreeWalker(e, NodeFilter.SHOW_ELEMENT);
  for (let n = walk.currentNode; n; n = walk.nextNode()) {
    const after = getComputedStyle(n, '::after').content;
    if (after && !['none', 'normal'].includes(after) && n.checkVisibility({visibilityProperty: true}))
      out.push(after.replace(/^"|"$/g, ''));
    if (!n.checkVisibility({visibilityProperty: true}) || n.getBoundingClientRect().width <= 1
        || n.closest('[data-testid=stIconMaterial]')) continue;  // icons are glyphs of a font
    for (const c of n.childNodes) if (c.nodeType === 3 && c.textContent.trim()) out.push(c.textContent.trim());
  }
  return out;
}"""
ALLOWED_LATIN = {"MB", "KB", "B", "xlsx", "xlsm", "xls", "csv", "txt"}  # sizes and file names


def english(texts: list[str]) -> list[str]:
    return [t for t in texts if set(re.findall(r"[A-Za-z]+", t)) - ALLOWED_LATIN]


def sparse_workbook(path):
    """4.7 KB: cells A1 and XFD1048576; reading it used to abort the server (a 512 GiB grid)."""
    book = openpyxl.Workbook()
    book.active["A1"] = "项目名称"
    book.active["XFD1048576"] = "x"
    book.save(path)
    return path

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


def test_a_hostile_workbook_is_refused_and_the_dashboard_keeps_answering(browser, page, server, tmp_path):
    name = "2024年12月临猗县签约项目台账.xlsx"
    path = sparse_workbook(tmp_path / name)
    assert path.stat().st_size < 8 * 1024
    failures, done = [], threading.Event()

    def watch_health():
        while not done.is_set():
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as r:
                    r.read()
            except OSError as exc:
                failures.append(repr(exc))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch_health)
    watcher.start()
    try:
        page.goto(f"{page.app_url}/upload")
        wait_until_done(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
        refusal = page.locator('[data-testid="stAlertContentError"]').filter(has_text=f"「{name}」")
        expect(refusal.first).to_be_visible(timeout=60_000)
        wait_until_done(page)
        assert_no_exception(page)
        # another visitor is served meanwhile, by the same process
        other = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        try:
            overview = other.new_page()
            overview.goto(f"{server.url}/overview")
            wait_until_done(overview)
            expect(overview.locator('[data-testid="stMetric"]').first).to_be_visible()
            assert_no_exception(overview)
        finally:
            other.close()
    finally:
        done.set()
        watcher.join()
    assert server.process.poll() is None, "the server process lives"
    assert failures == []
    assert_no_exception(page)


def test_the_uploader_speaks_chinese_only(browser, sample_db, tmp_path):
    """Streamlit's uploader texts and rejections are English; the app's CSS replaces them.
    A 1 MB ceiling here makes a 2 MB file one Streamlit itself refuses."""
    app = AppServer(sample_db, tmp_path / "streamlit.log", env={
        "ACCOUNTS_DB": str(tmp_path / "accounts.sqlite"), "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "1",
    })
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{app.url}/upload")
        wait_until_done(page)
        uploader = page.locator('[data-testid="stFileUploader"]')
        texts = uploader.evaluate(VISIBLE_TEXTS)
        assert "选择文件" in texts and "或拖入此处；每个文件不超过 1.0 MB" in texts
        assert english(texts) == [], texts

        dropzone = page.locator('[data-testid="stFileUploaderDropzone"]')
        dragged = page.evaluate_handle("() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'a.xlsx')); return d; }")
        dropzone.dispatch_event("dragenter", {"dataTransfer": dragged})
        page.wait_for_function("() => document.querySelector("
                               "'[data-testid=stFileUploaderDropzone] > div:not([data-testid]):not(:has([data-testid=stFileChips]))')")
        texts = uploader.evaluate(VISIBLE_TEXTS)
        assert "松开鼠标即可上传" in texts and english(texts) == [], texts
        dropzone.dispatch_event("dragleave", {"dataTransfer": dragged})

        big = tmp_path / "全年台账.xlsx"
        big.write_bytes(b"PK\x03\x04" + bytes(2 * 1024 * 1024))
        notes = tmp_path / "说明.txt"
        notes.write_text("不是台账", encoding="utf-8")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(big), str(notes)])
        expect(page.get_by_text("「说明.txt」不是台账文件（扩展名为 .txt），未读取", exact=False)).to_be_visible(timeout=30_000)
        wait_until_done(page)
        page.locator('[data-testid="stFileChip"][aria-invalid="true"]').hover()
        page.wait_for_timeout(500)  # Streamlit's tooltip would open now
        texts = uploader.evaluate(VISIBLE_TEXTS) + page.locator("body").evaluate(
            "b => [...b.querySelectorAll('[role=tooltip]')].filter(t => t.checkVisibility()).map(t => t.innerText)"
        )
        assert "未上传：文件超过 1.0 MB 或连接中断，请拆分文件或刷新页面后重试" in texts
        assert english(texts) == [], texts
        assert_no_exception(page)
    finally:
        context.close()
        app.stop()
