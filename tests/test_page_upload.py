"""数据上传 (pages/manage/upload.py) through AppTest: preview before writing, corrections,
commit, duplicates, roles and limits; and two loads at the same moment."""

from __future__ import annotations

import json
import threading
import time
import tomllib
from datetime import date
from functools import partial
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import workbooks as wb
from etl import files, isolate
from etl import load as load_module
from etl.load import load_ledger
from etl.read import read_ledger
from ui import upload as upload_logic
from ui.format import md_text
from warehouse import accounts, ingest
from warehouse.db import Reader, WarehouseBusy
from conftest import routed

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "manage" / "upload.py")
PASSWORD = "s3cret password"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


pytestmark = pytest.mark.usefixtures("staff_env")


def signed(tmp_path, *projects, name="2024年1-6月签约项目台账.xlsx") -> Path:
    return wb.xlsx(tmp_path / name, {"Sheet1": [wb.SIGNED_HEADER, *wb.signed_rows(*projects)]})


GOOD = (
    ("年产10万吨铝型材项目", "临猗县", 12000, date(2024, 3, 15), "铝镁精深加工"),
    ("100MW储能电站项目", "临猗县", 56000.5, date(2024, 5, 20), "新能源"),
)


def page() -> AppTest:
    return routed("pages/manage/upload.py")


def upload(at: AppTest, *paths: Path) -> AppTest:
    at.file_uploader(key="upload_files").set_value([(p.name, p.read_bytes(), XLSX) for p in paths])
    return at.run()


def login(at: AppTest, name: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return at.run()


def frame(at: AppTest, first_column: str):
    """The shown table whose first column is `first_column`."""
    return next(df.value for df in at.dataframe if df.value.columns[0] == first_column)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def commit_button(at: AppTest):
    return next(b for b in at.button if b.label == "导入数据仓库")


def messages(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind)


def projects(db) -> list[tuple]:
    return Reader(db).cursor().sql(
        "select project_name, unit_id, signed_amount_wan::double, signed_date from projects order by project_name"
    ).fetchall()


# ---------------------------------------------------------------- the flow


def test_good_file_is_shown_before_anything_is_written_then_committed(db, tmp_path):
    at = upload(page(), signed(tmp_path, *GOOD))
    assert not at.exception
    assert metrics(at) == {"台账类型": "签约台账", "报表期间": "2024年1-6月", "项目行数": "2", "错误 / 警告": "0 / 0"}
    sheets = next(df.value for df in at.dataframe if "处理" in df.value.columns)
    assert list(zip(sheets["工作表"], sheets["处理"], sheets["项目行数"])) == [("Sheet1", "读取", 2)]
    mapping = next(df.value for df in at.dataframe if "识别为" in df.value.columns)
    assert ("签约金额（万元）", "签约金额", "高", "万元") in list(
        zip(mapping["表头（原文）"], mapping["识别为"], mapping["把握"], mapping["金额单位"])
    )
    rows = next(df.value for df in at.dataframe if "项目名称" in df.value.columns)
    assert rows["项目名称"].tolist() == ["年产10万吨铝型材项目", "100MW储能电站项目"]
    assert rows["县（市、区）/开发区"].tolist() == ["临猗县", "临猗县"]
    assert [float(v) for v in rows["签约金额（万元）"]] == [12000.0, 56000.5]
    assert not db.exists(), "reading wrote nothing"

    button = commit_button(at)
    assert not button.disabled
    button.click()
    at.run()
    assert not at.exception
    assert "已导入：第 1 次导入，2 个项目行" in messages(at)
    assert projects(db) == [
        ("100MW储能电站项目", "140821", 56000.5, date(2024, 5, 20)),
        ("年产10万吨铝型材项目", "140821", 12000.0, date(2024, 3, 15)),
    ]
    assert Reader(db).cursor().sql("select loaded_by, period_label from loads").fetchall() == [("本机", "2024年1-6月")]
    (entry,) = accounts.audit_log(action=accounts.UPLOAD)
    assert entry.user == "本机" and '"status": "loaded"' in entry.detail and '"load_id": 1' in entry.detail
    assert commit_button(at).disabled, "a loaded file cannot be committed twice from the same page"


def test_errors_are_listed_with_their_cells_and_block_the_commit(db, tmp_path):
    path = signed(
        tmp_path,
        ("铝型材项目", "临猗县", 12000, date(2024, 3, 15), "铝镁精深加工"),
        ("储能电站项目", "临猗县", "约五千万", date(2024, 2, 1), "新能源"),
        ("果品加工项目", "临猗县", 3000, None, "食品加工"),
    )
    at = upload(page(), path)
    problems = frame(at, "级别")
    assert list(problems.columns) == ["级别", "位置", "列", "值", "问题"]
    listed = list(zip(problems["级别"], problems["位置"], problems["列"], problems["值"].fillna("")))
    assert ("错误", "Sheet1!D3", "签约金额（万元）", "约五千万") in listed
    assert ("错误", "Sheet1!E4", "签约时间", "") in listed
    assert metrics(at)["错误 / 警告"] == "2 / 0"
    assert commit_button(at).disabled
    assert any("错误报告" in b.label for b in at.download_button)
    assert not db.exists()


def test_corrected_kind_period_and_unit_are_read_again(db, tmp_path):
    # no period or kind in the name, no unit in the amount header
    path = wb.xlsx(tmp_path / "台账.xlsx", {"Sheet1": [
        ["项目名称", "所属县（市、区）", "签约金额", "签约时间", "开工时间"],
        ["风电项目", "万荣县", 8, date(2024, 2, 1), date(2024, 5, 1)],
    ]})
    at = upload(page(), path)
    assert metrics(at)["台账类型"] == "签约台账" and metrics(at)["报表期间"] == "未识别"
    assert next(df.value for df in at.dataframe if "项目名称" in df.value.columns)["签约金额（万元）"].tolist() == [8]

    next(s for s in at.selectbox if s.label == "金额单位").set_value("亿元")
    at.toggle[0].set_value(True)
    at.run()
    next(n for n in at.number_input if n.label == "年份").set_value(2024)
    next(s for s in at.select_slider if s.label.startswith("月份")).set_value((1, 6))
    next(s for s in at.selectbox if s.label == "台账类型").set_value("started")
    at.run()
    assert not at.exception
    shown = metrics(at)
    assert (shown["台账类型"], shown["报表期间"]) == ("开工台账", "2024年1-6月")
    preview = next(df.value for df in at.dataframe if "项目名称" in df.value.columns)
    # on a started ledger the plain total is the planned investment; 8 亿元 = 80000 万元
    assert [float(v) for v in preview["计划总投资（万元）"]] == [80000.0]
    assert preview["开工时间"].tolist()[0].date() == date(2024, 5, 1)

    commit_button(at).click()
    at.run()
    assert Reader(db).cursor().sql("select kind, period_label, period_end from loads").fetchall() == [
        ("started", "2024年1-6月", date(2024, 6, 30))
    ]


def test_a_file_loaded_before_is_reported_as_a_duplicate(db, tmp_path):
    path = signed(tmp_path, *GOOD)
    at = upload(page(), path)
    commit_button(at).click()
    at.run()

    st.cache_resource.clear()
    again = upload(page(), path)  # a new session uploading the same bytes: told before the button
    [(loaded_at,)] = Reader(db).cursor().sql("select loaded_at from loads").fetchall()
    said = f"此文件与第 1 次导入（{path.name}，本机，{loaded_at:%Y-%m-%d %H:%M}）内容完全相同，无需再导入"
    assert [w.value for w in again.warning] == [md_text(said)]
    assert commit_button(again).disabled
    assert Reader(db).cursor().sql("select count(*) from loads").fetchall() == [(1,)]


def test_several_files_are_checked_and_committed_one_by_one(db, tmp_path):
    first = signed(tmp_path, GOOD[0], name="2024年1-3月签约项目台账.xlsx")
    second = signed(tmp_path, GOOD[1], name="2024年4月签约项目台账.xlsx")
    at = upload(page(), first, second)
    assert [m.value for m in at.metric if m.label == "报表期间"] == ["2024年1-3月", "2024年4月"]
    for i in range(2):
        [b for b in at.button if b.label == "导入数据仓库"][i].click()
        at.run()
    assert len(projects(db)) == 2


def test_a_busy_warehouse_is_reported_and_nothing_is_lost(db, tmp_path, monkeypatch):
    def busy(*args, **kwargs):
        raise WarehouseBusy("数据仓库正被其他导入占用超过 600 秒，请稍后再试")

    monkeypatch.setattr(upload_logic, "load_ledger", busy)
    at = upload(page(), signed(tmp_path, *GOOD))
    commit_button(at).click()
    at.run()
    assert not at.exception
    assert "请稍后再试" in at.error[0].value
    assert not commit_button(at).disabled, "the file can be committed again"


# ---------------------------------------------------------------- roles and limits


def test_an_uploader_cannot_load_rows_of_another_unit(db, tmp_path):
    accounts.add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    at = login(page(), "临猗上传员")
    assert "临猗县" in at.caption[0].value
    at = upload(at, signed(
        tmp_path,
        ("铝型材项目", "临猗县", 12000, date(2024, 3, 15), "铝镁精深加工"),
        ("储能电站项目", "盐湖区", 5000, date(2024, 2, 1), "新能源"),
    ))
    problems = frame(at, "级别")
    errors = [(where, value, text) for level, where, value, text in zip(problems["级别"], problems["位置"], problems["值"], problems["问题"]) if level == "错误"]
    assert errors == [("Sheet1!C3", "盐湖区", "当前账号无权上报“盐湖区”的项目，请删除该行或由对应单位上报")]
    assert commit_button(at).disabled
    assert not db.exists()


def test_viewers_do_not_reach_the_upload(tmp_path):
    accounts.add_user("查看者", "viewer", PASSWORD)
    at = login(page(), "查看者")
    assert "无权访问" in at.error[0].value
    assert len(at.file_uploader) == 0


def test_login_is_required_once_accounts_exist(tmp_path):
    accounts.add_user("管理员", "admin", PASSWORD)
    at = page()
    assert len(at.file_uploader) == 0 and at.text_input[0].label == "用户名"


def test_an_oversized_file_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    path = signed(tmp_path, *GOOD)
    assert path.stat().st_size > 1024
    at = upload(page(), path)
    assert at.error[0].value.startswith("文件过大") and "上限为 1 KB" in at.error[0].value
    assert not at.metric and not [b for b in at.button if b.label == "导入数据仓库"]
    assert not db.exists()


def read_with_limit(limit: str, value: int, *args, **kwargs):
    """read_ledger in the read worker with one of etl.files' limits lowered for this read only."""
    saved = getattr(files, limit)
    setattr(files, limit, value)
    try:
        return read_ledger(*args, **kwargs)
    finally:
        setattr(files, limit, saved)  # the worker is reused


@pytest.mark.parametrize("limit, value, message", [
    ("MAX_UNZIPPED_BYTES", 1000, "文件解压后大小异常"),
    ("MAX_ROWS", 2, "超过 2 行"),
])
def test_decompressed_size_and_rows_are_limited_with_a_clear_message(db, tmp_path, monkeypatch, limit, value, message):
    # files are read in a worker process, where a monkeypatch here does not reach
    reader = partial(read_with_limit, limit, value)
    monkeypatch.setattr(upload_logic, "read_isolated", partial(isolate.read_isolated, reader=reader))
    at = upload(page(), signed(tmp_path, *GOOD))
    problems = frame(at, "级别")
    assert (problems["级别"][0], problems["位置"][0]) == ("错误", "整个文件") and message in problems["问题"][0]
    assert commit_button(at).disabled
    assert not db.exists()


def sparse_workbook(path: Path) -> Path:
    """4.7 KB whose cells A1 and XFD1048576 made calamine allocate 512 GiB and abort the server."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "项目名称"
    book.active["XFD1048576"] = "x"
    book.save(path)
    return path


def test_a_workbook_that_exhausts_memory_is_refused_and_the_page_lives_on(db, tmp_path):
    sparse = sparse_workbook(tmp_path / "2024年12月稀疏台账.xlsx")
    at = upload(page(), sparse, signed(tmp_path, *GOOD))
    assert not at.exception
    assert at.error[0].value.startswith(md_text("「2024年12月稀疏台账.xlsx」未读取：工作表「Sheet」在单元格 XFD1048576 有内容"))
    assert [m.value for m in at.metric if m.label == "项目行数"] == ["0", "2"], "the good file beside it is read"
    buttons = [b for b in at.button if b.label == "导入数据仓库"]
    assert [b.disabled for b in buttons] == [True, False]


def test_the_memory_limit_message_names_the_file(db, tmp_path, monkeypatch):
    # a reader past etl.files' pre-checks, straight into calamine: only the worker's limit stops it
    from test_isolate import calamine_only

    monkeypatch.setattr(upload_logic, "read_isolated", partial(isolate.read_isolated, reader=calamine_only))
    at = upload(page(), sparse_workbook(tmp_path / "稀疏.xlsx"))
    assert not at.exception
    assert at.error[0].value == md_text(
        "读取「稀疏.xlsx」时占用内存超过上限（2 GB），已停止；文件可能含有大量空白格式或隐藏内容，请另存为新文件后再上传"
    )
    assert commit_button(at).disabled
    assert not db.exists()


@pytest.mark.parametrize("name", ["说明.txt", "台账.docx", "台账"])
def test_a_file_of_another_type_is_refused_in_chinese(db, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"not a ledger")
    at = upload(page(), path)
    assert not at.exception
    assert at.error[0].value.startswith(f"「{name}」不是台账文件")
    assert not at.metric and not db.exists()


def test_the_servers_upload_ceiling_is_above_our_own_limit():
    """Above server.maxUploadSize Streamlit refuses a file in English, before our Chinese check."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * upload_logic.MB > files.MAX_FILE_BYTES


def test_blank_templates_are_offered(tmp_path):
    at = page()
    assert {b.label for b in at.download_button} >= {"下载签约项目台账模板", "下载开工项目台账模板"}


# ---------------------------------------------------------------- two uploads at once


def test_two_uploads_at_the_same_moment_both_land(db, tmp_path, monkeypatch):
    """The writer lock serialises them: neither load overwrites the other's copy."""
    inside: list[tuple[float, float]] = []
    original = ingest.record_load

    def slow_record_load(con, *args, **kwargs):
        start = time.monotonic()
        load_id = original(con, *args, **kwargs)
        time.sleep(0.3)  # hold the lock long enough for the other thread to arrive
        inside.append((start, time.monotonic()))
        return load_id

    monkeypatch.setattr(ingest, "record_load", slow_record_load)
    ledgers = [
        read_ledger(signed(tmp_path, GOOD[0], name="2024年1-3月临猗签约台账.xlsx")),
        read_ledger(signed(tmp_path, GOOD[1], name="2024年4-6月临猗签约台账.xlsx")),
    ]
    data = [(tmp_path / name).read_bytes() for name in ("2024年1-3月临猗签约台账.xlsx", "2024年4-6月临猗签约台账.xlsx")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        barrier.wait()
        results[i] = load_ledger(ledgers[i], data[i], db, user=f"user{i}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert [r.status for r in results] == ["loaded", "loaded"]
    assert sorted(r.load_id for r in results) == [1, 2]
    (a_start, a_end), (b_start, b_end) = sorted(inside)
    assert a_end <= b_start, "the second write started only after the first was done"
    assert [name for name, *_ in projects(db)] == ["100MW储能电站项目", "年产10万吨铝型材项目"]


def test_a_code_held_by_another_unit_is_an_error_in_the_preview(db, tmp_path):
    """Finding 2 of issue 17: the uploader sees the clash before committing, in the code's cell."""
    from test_ownership import WANRONG_CODE, hijack, ledger

    load_module.load_file(ledger(tmp_path / "wanrong", ("万荣风电项目", WANRONG_CODE, "万荣县", 50000, date(2024, 3, 1))), db=db)
    accounts.add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    at = upload(login(page(), "临猗上传员"), hijack(tmp_path))
    problems = frame(at, "级别")
    errors = [(where, value) for level, where, value in zip(problems["级别"], problems["位置"], problems["值"]) if level == "错误"]
    assert errors == [("Sheet1!C3", WANRONG_CODE)]
    assert commit_button(at).disabled


def test_an_administrator_is_warned_of_a_transfer_before_committing(db, tmp_path):
    from test_ownership import WANRONG_CODE, hijack, ledger

    load_module.load_file(ledger(tmp_path / "wanrong", ("万荣风电项目", WANRONG_CODE, "万荣县", 50000, date(2024, 3, 1))), db=db)
    accounts.add_user("管理员", "admin", PASSWORD)
    at = upload(login(page(), "管理员"), hijack(tmp_path))
    problems = frame(at, "级别")
    assert [level for level, value in zip(problems["级别"], problems["值"]) if value == WANRONG_CODE] == ["警告"]
    assert any("此行将把项目「万荣风电项目」从万荣县划转到临猗县" in text for text in problems["问题"])
    commit_button(at).click()
    at.run()
    [entry] = accounts.audit_log(action=accounts.UPLOAD)
    assert WANRONG_CODE in entry.detail and "transfers" in entry.detail


def test_an_amount_above_the_ceiling_loads_only_once_the_uploader_confirms_it(db, tmp_path):
    # 35000 亿元 (万元 under a 亿元 header) loaded silently; now it is an error the uploader can
    # lift only by confirming the amount, which the audit log records cell by cell
    accounts.add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    path = signed(tmp_path, ("储能电站项目", "临猗县", 35000 * 10_000, date(2024, 5, 20), "新能源"))  # 万元
    at = upload(login(page(), "临猗上传员"), path)
    assert metrics(at)["错误 / 警告"] == "1 / 0" and commit_button(at).disabled
    confirm = at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("confirm-amounts-")))
    assert confirm.label == "我已逐项核实上述 1 个可能填错单位的金额无误（记入审计日志）"
    confirm.check().run()
    assert metrics(at)["错误 / 警告"] == "0 / 1" and not commit_button(at).disabled
    commit_button(at).click().run()
    assert not at.exception
    assert projects(db) == [("储能电站项目", "140821", 350_000_000.0, date(2024, 5, 20))]
    [entry] = accounts.audit_log(action=accounts.UPLOAD)
    assert json.loads(entry.detail)["confirmed_amounts"] == ["Sheet1!D2"]


# ---------------------------------------------------------------- what the import would change


def recorded_changes(db, load_id: int) -> set[tuple]:
    return set(Reader(db).cursor().sql(
        "select change, project_name, field, old_value, new_value from load_changes where load_id = ?", params=[load_id]
    ).fetchall())


def predicted_changes(at: AppTest) -> set[tuple]:
    """The page's prediction as load_changes records it ('stage' is the preview's own)."""
    [prediction] = at.session_state["upload_predictions"].values()
    rows = prediction.changes.filter(pl.col("change") != "stage")
    return set(rows.select("change", "project_name", "field", "old_value", "new_value").iter_rows())


def test_the_preview_says_what_a_cumulative_ledger_changes_and_the_load_records_the_same(db, tmp_path):
    """Issue 12 §3: new, changed (old → new) and disappeared projects and the ignored columns
    before the button; after the import, /data's change record says the same."""
    load_module.load_file(signed(tmp_path / "may", *GOOD, ("果品冷链物流项目", "临猗县", 8000, date(2024, 4, 1), "食品加工"),
                                 name="2024年1-5月签约项目台账.xlsx"), db=db)
    june = wb.xlsx(tmp_path / "2024年1-6月签约项目台账.xlsx", {"Sheet1": [
        [*wb.SIGNED_HEADER, "联系人"],
        [1, "年产10万吨铝型材项目", "临猗县", 15000, date(2024, 3, 15), "铝镁精深加工", "张三"],
        [2, "100MW储能电站项目", "临猗县", 56000.5, date(2024, 5, 21), "新能源", "李四"],
        [3, "光伏组件项目", "临猗县", 30000, date(2024, 6, 3), "新能源", "王五"],
    ]})
    at = upload(page(), june)
    assert not at.exception
    tab = next(t for t in at.tabs if t.label.startswith("导入后的变化"))
    assert tab.label == "导入后的变化（新增 1 / 变更 2 / 消失 1）"
    assert "将新增 1 个项目，变更 2 个，累计台账中消失 1 个" in [c.value for c in at.caption]
    shown = frame(at, "变化")
    assert [tuple(r) for r in shown.fillna("").itertuples(index=False)] == [
        ("新增项目", "光伏组件项目", "临猗县", "", "", ""),
        ("变更", "100MW储能电站项目", "临猗县", "签约时间", "2024-05-20", "2024-05-21"),
        ("变更", "年产10万吨铝型材项目", "临猗县", "签约金额（万元）", "12,000", "15,000"),
        ("累计台账中消失", "果品冷链物流项目", "临猗县", "", "", ""),
    ]
    ignored = next(df.value for df in at.dataframe if list(df.value.columns) == ["工作表", "列", "表头（原文）"])
    assert [tuple(r) for r in ignored.itertuples(index=False)] == [("Sheet1", "A", "序号"), ("Sheet1", "G", "联系人")]
    mapping = next(df.value for df in at.dataframe if "识别为" in df.value.columns)
    assert ("G", "联系人", "未识别（不导入）") in list(zip(mapping["列"], mapping["表头（原文）"], mapping["识别为"]))

    predicted = predicted_changes(at)
    commit_button(at).click()
    at.run()
    assert not at.exception and "已导入：第 2 次导入" in messages(at)
    assert recorded_changes(db, 2) == predicted
    assert {c for c, *_ in predicted} == {"new", "changed", "disappeared"}


def test_the_preview_names_projects_newly_started_with_their_stage(db, tmp_path):
    load_module.load_file(signed(tmp_path / "signed", *GOOD), db=db)
    started = wb.started_ledger(tmp_path, [
        [1, "年产10万吨铝型材项目", "临猗县", 20000, date(2024, 6, 10)],
        [2, "新建仓储中心项目", "临猗县", 5000, date(2024, 6, 12)],
    ])
    at = upload(page(), started)
    assert not at.exception
    shown = frame(at, "变化")
    assert [tuple(r) for r in shown.fillna("").itertuples(index=False)] == [
        ("新增项目", "新建仓储中心项目", "临猗县", "", "", ""),
        ("新开工", "年产10万吨铝型材项目", "临猗县", "开工时间", "", "2024-06-10"),
        ("变更", "年产10万吨铝型材项目", "临猗县", "计划总投资（万元）", "", "20,000"),
        ("阶段变化", "年产10万吨铝型材项目", "临猗县", "阶段", "签约", "开工"),
    ]
    assert "将新增 1 个项目，变更 1 个，累计台账中消失 0 个" in [c.value for c in at.caption]
    predicted = predicted_changes(at)
    commit_button(at).click()
    at.run()
    assert not at.exception
    assert recorded_changes(db, 2) == predicted


def test_an_administrators_transfer_is_predicted_as_recorded(db, tmp_path):
    from test_ownership import WANRONG_CODE, hijack, ledger

    load_module.load_file(ledger(tmp_path / "wanrong", ("万荣风电项目", WANRONG_CODE, "万荣县", 50000, date(2024, 3, 1))), db=db)
    accounts.add_user("管理员", "admin", PASSWORD)
    at = upload(login(page(), "管理员"), hijack(tmp_path))
    shown = frame(at, "变化")
    assert ("划转", "县（市、区）/开发区", "万荣县", "临猗县") in [
        (c, f, o, n) for c, f, o, n in zip(shown["变化"], shown["字段"], shown["原值"], shown["新值"])
    ]
    predicted = predicted_changes(at)
    commit_button(at).click()
    at.run()
    assert not at.exception
    assert recorded_changes(db, 2) == predicted


# ---------------------------------------------------------------- mapping columns in the preview


def worded(tmp_path, unit: str, *projects, name: str) -> Path:
    """A signed ledger whose signing date column is called 约定日期: the reader only guesses it."""
    return wb.worded_ledger(tmp_path, ["项目名称", "所在县区", "协议金额（万元）", "约定日期"],
                            *([p, unit, amount, day] for p, amount, day in projects), name=name)


def field_box(at: AppTest, header: str):
    return next(s for s in at.selectbox if s.label == header)


def confidences(at: AppTest) -> dict[str, tuple[str, str]]:
    shown = next(df.value for df in at.dataframe if "把握" in df.value.columns)
    return {h: (f, c) for h, f, c in zip(shown["表头（原文）"], shown["识别为"], shown["把握"])}


def test_a_mapping_set_in_the_preview_loads_the_file_and_is_remembered_for_the_unit(db, tmp_path):
    accounts.add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    accounts.add_user("永济上传员", "uploader", PASSWORD, ["永济市"])
    first = worded(tmp_path, "临猗县", ("铝材项目", 10000, date(2024, 2, 1)), name="2024年1-2月签约项目台账.xlsx")
    at = upload(login(page(), "临猗上传员"), first)
    assert commit_button(at).disabled
    assert "“约定日期”（D列）可能是签约时间" in "\n".join(frame(at, "级别")["问题"])

    field_box(at, "约定日期").set_value("signed_date")
    at.run()
    assert not at.exception
    assert confidences(at)["约定日期"] == ("签约时间", "指定")
    assert metrics(at)["错误 / 警告"].startswith("0 /")
    commit_button(at).click()
    at.run()
    assert "已导入：第 1 次导入" in messages(at)
    (options,) = Reader(db).cursor().sql("select read_options from loads").fetchall()[0]
    assert json.loads(options)["mapping"] == {"约定日期": "signed_date"}
    remembered = Reader(db).cursor().sql("select unit_id, header, field, confirmed_by from header_mappings").fetchall()
    assert ("140821", "约定日期", "signed_date", "临猗上传员") in remembered
    assert commit_button(at).disabled, "committing does not change how the file on screen is read"

    # the unit's next ledger, in a new session: read with the confirmed mapping, nothing to set
    st.cache_resource.clear()
    # no period in its name: a signed ledger without a signing date and without a period is refused
    second = worded(tmp_path, "临猗县", ("储能电站", 2500.5, date(2024, 3, 1)), name="临猗县签约项目补报.xlsx")
    at = upload(login(page(), "临猗上传员"), second)
    assert not at.exception
    assert confidences(at)["约定日期"] == ("签约时间", "已确认")
    assert any("「约定日期」→签约时间（临猗县第 1 次导入时由临猗上传员" in c.value for c in at.caption)
    assert not commit_button(at).disabled
    commit_button(at).click()
    at.run()
    assert "已导入：第 2 次导入" in messages(at)
    (options,) = Reader(db).cursor().sql("select read_options from loads where load_id = 2").fetchall()[0]
    assert json.loads(options)["mapping"]["约定日期"] == "signed_date", "rebuild reads it alike"

    # another unit's uploader is not given 临猗县's mapping
    st.cache_resource.clear()
    other = worded(tmp_path, "永济市", ("光伏项目", 3000, date(2024, 3, 5)), name="2024年3月永济签约项目台账.xlsx")
    at = upload(login(page(), "永济上传员"), other)
    assert commit_button(at).disabled
    assert confidences(at)["约定日期"] == ("未识别（不导入）", "")
    assert not any("此前确认的列对应" in c.value for c in at.caption)


def test_a_mapping_given_in_the_upload_wins_over_a_remembered_one(db, tmp_path):
    accounts.add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    first = worded(tmp_path, "临猗县", ("铝材项目", 10000, date(2024, 2, 1)), name="2024年1-2月签约项目台账.xlsx")
    at = upload(login(page(), "临猗上传员"), first)
    field_box(at, "约定日期").set_value("signed_date")
    at.run()
    commit_button(at).click()
    at.run()

    st.cache_resource.clear()
    # no period in its name: a signed ledger without a signing date and without a period is refused
    second = worded(tmp_path, "临猗县", ("储能电站", 2500.5, date(2024, 3, 1)), name="临猗县签约项目补报.xlsx")
    at = upload(login(page(), "临猗上传员"), second)
    field_box(at, "约定日期").set_value("not_imported")
    at.run()
    assert not at.exception
    assert confidences(at)["约定日期"] == ("未识别（不导入）", "")
    assert commit_button(at).disabled, "without its signing date the ledger is refused again"
