"""What the pages say when the warehouse cannot be written or read, and strings from files
and people shown as text (never as Markdown links, images, emphasis or HTML)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import workbooks as wb
from ui.format import WORD_JOINER, md_text
from warehouse import accounts
from warehouse import db as warehouse_db
from warehouse.db import archive_dir
from conftest import routed

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "s3cret password"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.usefixtures("staff_env")

PAYLOADS = [
    "[点此](https://evil.example)",
    "![](https://198.51.100.7/x.png)",
    "**粗体**",
    "<img src=x onerror=alert(1)>",
    ":red[x]",
    "$x$",
    "_斜体_ `代码` ~~删除~~ # 标题 > 引用",
    "https://evil.example www.evil.example 某人@evil.example",
    "\\*已转义\\* &lt;b&gt;",
]
PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def unescaped_markup(source: str) -> list[str]:
    """ASCII punctuation that Markdown could take as markup: any not behind a backslash."""
    found, i = [], 0
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if PUNCTUATION.match(source[i]):
            found.append(source[i])
        i += 1
    return found


def shown(source: str) -> str:
    """The text Markdown shows for a source whose punctuation is all escaped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", source)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_text_shows_any_string_as_itself(payload):
    source = md_text(payload)
    assert unescaped_markup(source) == []
    text = shown(source)
    assert text.replace(WORD_JOINER, "") == payload  # exactly what was written
    # GFM links bare addresses in the shown text: the word joiner breaks every one
    assert not re.search(r"(?i)https?://|www\.|@\w", text)


# ---------------------------------------------------------------- pages through AppTest


def login(at: AppTest, name: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return at.run()


def upload(at: AppTest, path: Path, name: str | None = None) -> AppTest:
    at.file_uploader(key="upload_files").set_value([(name or path.name, path.read_bytes(), XLSX)])
    return at.run()


def commit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "导入数据仓库").click()
    return at.run()


def rendered(block) -> list[str]:
    """The source of every element of the block that Streamlit renders as Markdown."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "success", "info", "warning", "error", "toast")
    return [e.value for kind in kinds for e in getattr(block, kind)]


def assert_shown_as_text(block, *strings: str) -> None:
    sources = rendered(block)
    for s in strings:
        assert any(md_text(s) in source for source in sources), f"{s!r} is not shown"
        for source in sources:
            assert s not in source, f"{s!r} reaches Markdown unescaped: {source!r}"


ACCOUNT = "**管理员**[点此](https://evil.example)"
FILE_NAME = "[点此下载新模板](https://evil.example)![](https://198.51.100.7/x.png)签约台账.xlsx"
SHEET = "<img src=x onerror=1>$x$_斜_"  # Excel forbids []:*?/\ in sheet names
NOTE = ":red[x] $x$ ![](https://198.51.100.7/x.png) **粗体**"


def test_file_sheet_and_account_names_and_notes_are_shown_as_text(db, tmp_path):
    accounts.add_user(ACCOUNT, "admin", PASSWORD)
    path = wb.xlsx(tmp_path / "台账.xlsx", {SHEET: [wb.SIGNED_HEADER, *wb.signed_rows(
        ("风电项目", "万荣县", 100, date(2024, 5, 2), "新能源"),
    )]})
    at = login(routed("pages/manage/upload.py"), ACCOUNT)
    at = commit(upload(at, path, FILE_NAME))
    assert not at.exception and at.success, at.exception
    assert_shown_as_text(at.main, SHEET)  # the upload's success message names the sheets

    at = login(routed("pages/manage/data.py"), ACCOUNT)
    assert_shown_as_text(at.main, SHEET, ACCOUNT)  # the load's caption: sheets and who loaded it
    at.text_input(key="rollback-note-1").input(NOTE)
    at.checkbox(key="rollback-confirm-1").check()
    at.run()
    at.button(key="rollback-1").click()
    at.run()
    assert not at.exception and not at.error
    # the rollback notice names the file; the load now says who undid it and why
    assert_shown_as_text(at.main, FILE_NAME, ACCOUNT, NOTE)


def test_the_sidebar_shows_the_account_name_as_text(db):
    accounts.add_user(ACCOUNT, "admin", PASSWORD)
    at = login(routed("pages/manage/data.py"), ACCOUNT)
    assert_shown_as_text(at.sidebar, ACCOUNT)


def test_a_full_disk_on_the_upload_page_names_the_cause_and_keeps_nothing(db, tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(warehouse_db.shutil, "disk_usage", lambda path: usage._replace(free=2 * 2**20))
    path = wb.signed_ledger(tmp_path / "in", [("风电项目", "万荣县", 100, date(2024, 5, 2), None)])
    at = commit(upload(routed("pages/manage/upload.py"), path))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "磁盘空间不足，导入未完成，仓库未改动；请清理服务器磁盘（至少需要 9 MB，当前可用 2 MB）后重试"
    ]
    assert not db.exists() and not archive_dir(db).exists()
    assert not next(b for b in at.button if b.label == "导入数据仓库").disabled, "the file can be committed again"


# ---------------------------------------------------------------- a damaged warehouse file


@pytest.fixture(params=["truncated", "garbage"])
def damaged(request, sample_db, db) -> Path:
    data = sample_db.read_bytes()
    db.write_bytes(data[: len(data) // 2] if request.param == "truncated" else b"\x00garbage" * 4096)
    return db


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if page:
        at.switch_page(page)
    return at.run()


@pytest.mark.parametrize("page", [None, "pages/analysis/signing.py", "pages/manage/data.py"])
def test_a_damaged_warehouse_file_is_named_as_the_cause_for_an_administrator(damaged, page):
    at = app(page)  # no account yet: the local machine acts as administrator
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert message.startswith(f"数据仓库文件已损坏或无法读取（{md_text(damaged)}）；请管理员运行 `python -m warehouse check`")
    assert "python -m warehouse rebuild --from-archive" in message


def test_others_are_told_to_ask_an_administrator(damaged):
    accounts.add_user("管理员", "admin", PASSWORD)
    accounts.add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    at = login(app("pages/manage/upload.py"), "临猗上传员")
    at.switch_page("pages/manage/data.py")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["数据仓库文件已损坏或无法读取，页面无法显示数据；请联系管理员。"]
