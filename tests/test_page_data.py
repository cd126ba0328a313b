"""数据管理 (pages/manage/data.py) through AppTest: history, what a load changed, rollback through
the page, data-quality findings per unit, and the trace from a project to its rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import workbooks as wb
from conftest import routed, rows
from etl.load import load_ledger
from etl.problems import Problem
from etl.read import read_ledger
from warehouse import accounts, build, history, queries
from warehouse.db import Reader, writer
from warehouse.ingest import record_load

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "manage" / "data.py")
PASSWORD = "s3cret password"
PROJECTS = "select * exclude (signed_source, start_source) from projects order by project_key"


pytestmark = pytest.mark.usefixtures("staff_env")


def ledger_file(tmp_path, name, sheet, *projects) -> Path:
    return wb.xlsx(tmp_path / name, {sheet: [wb.SIGNED_HEADER, *wb.signed_rows(*projects)]})


def load_file(db, path: Path, user="县里上传员") -> int:
    result = load_ledger(read_ledger(path), path.read_bytes(), db, user=user)
    assert result.status == "loaded", result.ledger.problems
    return result.load_id


@pytest.fixture
def two_loads(db, tmp_path) -> tuple[int, int]:
    """1-3月, then the cumulative 1-6月: 甲 changed, 丙 new, 乙 gone."""
    q1 = ledger_file(tmp_path, "2024年1-3月签约项目台账.xlsx", "1-3月",
                     ("甲项目", "临猗县", 100, date(2024, 1, 5), "新能源"),
                     ("乙项目", "临猗县", 200, date(2024, 2, 5), "新能源"))
    h1 = ledger_file(tmp_path, "2024年1-6月签约项目台账.xlsx", "1-6月",
                     ("甲项目", "临猗县", 150, date(2024, 1, 5), "新能源"),
                     ("丙项目", "临猗县", 300, date(2024, 5, 5), "食品加工"))
    return load_file(db, q1), load_file(db, h1)


def page() -> AppTest:
    return routed("pages/manage/data.py")


def login(at: AppTest, name: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return at.run()


def open_tab(at: AppTest, label: str) -> AppTest:
    """Switch the page's tabs (they rerun the page, so a closed tab's queries do not run)."""
    at.session_state["data_tab"] = label
    return at.run()


def frame(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def query(db, sql):
    return Reader(db).cursor().sql(sql).fetchall()


# ---------------------------------------------------------------- history and changes


def test_history_lists_every_load_with_who_what_and_status(db, two_loads):
    at = page()
    assert not at.exception
    history_table = frame(at, "编号")
    assert list(history_table.columns) == ["编号", "导入时间", "导入人", "文件", "台账类型", "报表期间", "项目行数", "警告", "状态"]
    assert [tuple(r) for r in history_table[["编号", "导入人", "文件", "台账类型", "报表期间", "项目行数", "状态"]].itertuples(index=False)] == [
        (2, "县里上传员", "2024年1-6月签约项目台账.xlsx", "签约", "2024年1-6月", 2, "有效"),
        (1, "县里上传员", "2024年1-3月签约项目台账.xlsx", "签约", "2024年1-3月", 2, "有效"),
    ]


def test_a_load_shows_what_it_changed_in_chinese(db, two_loads):
    at = page()
    assert at.selectbox(key="data_load").value == 2  # the newest load first
    changes = frame(at, "变更内容")
    assert sorted(zip(changes["变更"], changes["项目名称"], changes["变更内容"])) == sorted([
        ("新增项目", "丙项目", ""),
        ("金额或日期变更", "甲项目", "签约金额（万元）：100 → 150"),
        ("累计台账中消失", "乙项目", ""),
    ])
    assert {m.label: m.value for m in at.metric} == {
        "新增项目": "1 个", "金额或日期变更": "1 个", "新开工": "0 个", "累计台账中消失": "1 个", "划转": "0 个",
    }


def test_a_started_ledger_shows_the_projects_it_started(db, tmp_path, two_loads):
    starts = wb.xlsx(tmp_path / "2024年1-7月开工项目台账.xlsx", {"1-7月": [
        wb.STARTED_HEADER, [1, "甲项目", "临猗县", 80, date(2024, 7, 1)],
    ]})
    load_file(db, starts)
    at = page()
    assert at.selectbox(key="data_load").value == 3
    changes = frame(at, "变更内容")
    assert ("新开工", "甲项目", "开工时间：空 → 2024-07-01") in list(zip(changes["变更"], changes["项目名称"], changes["变更内容"]))


def test_the_archived_original_is_offered_and_its_download_audited(db, two_loads):
    at = page()
    button = next(b for b in at.download_button if b.label == "下载导入的原始文件")
    button.click()
    at.run()
    (entry,) = accounts.store().audit_log(action=accounts.EXPORT)
    assert entry.user == "本机" and "2024年1-6月签约项目台账.xlsx" in entry.detail and '"load_id": 2' in entry.detail


# ---------------------------------------------------------------- rollback


def test_rollback_through_the_page_restores_exactly_the_previous_projects(db, tmp_path):
    load_file(db, ledger_file(tmp_path, "2024年1-3月签约项目台账.xlsx", "1-3月",
                              ("甲项目", "临猗县", 100, date(2024, 1, 5), "新能源"),
                              ("乙项目", "临猗县", 200, date(2024, 2, 5), "新能源")))
    before = query(db, PROJECTS)
    load_file(db, ledger_file(tmp_path, "2024年1-6月签约项目台账.xlsx", "1-6月",
                              ("甲项目", "临猗县", 150, date(2024, 1, 5), "食品加工"),
                              ("丙项目", "临猗县", 300, date(2024, 5, 5), "食品加工")))
    assert query(db, PROJECTS) != before

    at = page()
    button = at.button(key="rollback-2")
    assert button.disabled, "nothing is undone without the confirmation"
    at.text_input(key="rollback-note-2").input("县里报错了数")
    at.checkbox(key="rollback-confirm-2").check()
    at.run()
    at.button(key="rollback-2").click()
    at.run()
    assert not at.exception

    assert query(db, PROJECTS) == before
    assert query(db, "select load_id, action, by_user, note from load_events order by event_at") == [
        (1, "load", "县里上传员", None), (2, "load", "县里上传员", None), (2, "rollback", "本机", "县里报错了数"),
    ]
    assert "已撤销第 2 次导入" in at.success[0].value
    assert at.warning[0].value.startswith("这次导入已撤销（") and "本机" in at.warning[0].value
    shown = frame(at, "编号")
    assert shown["状态"].tolist()[0].startswith("已撤销（") and shown["状态"].tolist()[1] == "有效"
    (entry,) = accounts.store().audit_log(action=accounts.ROLLBACK)
    assert '"load_id": 2' in entry.detail
    assert not [b for b in at.button if b.key == "rollback-2"], "a rolled-back load offers no second rollback"


def test_uploaders_see_the_history_but_cannot_roll_back(db, two_loads):
    accounts.store().add_user("临猗上传员", "uploader", PASSWORD, ["临猗县"])
    at = login(page(), "临猗上传员")
    assert frame(at, "编号").shape[0] == 2
    assert not [b for b in at.button if (b.key or "").startswith("rollback")]
    assert any("需要管理员" in c.value for c in at.caption)
    # someone else's file: the original is not offered
    assert not [b for b in at.download_button if b.label == "下载导入的原始文件"]


def test_viewers_do_not_reach_data_management(db, two_loads):
    accounts.store().add_user("查看者", "viewer", PASSWORD)
    at = login(page(), "查看者")
    assert "无权访问" in at.error[0].value and not at.dataframe


# ---------------------------------------------------------------- data quality


def add(db, frame, kind, name, problems=()):
    with writer(db) as con:
        load_id = record_load(con, frame, file_name=name, sha256=name, kind=kind, user="t", problems=problems)
        build.refresh(con, [load_id])
        history.record_changes(con, load_id, "load", "t")
    return load_id


@pytest.fixture
def findings_warehouse(db):
    signed = rows([
        {"project_name": "年产10万吨铝型材项目", "unit_id": "140821", "signed_date": date(2024, 1, 5), "signed_amount_wan": Decimal(100)},
        # one character off: very likely the same project
        {"project_name": "年产10万吨铝形材项目", "unit_id": "140821", "signed_date": date(2024, 3, 5), "signed_amount_wan": Decimal(100)},
        # a different capacity: a different project, however similar the words
        {"project_name": "年产20万吨铝型材项目", "unit_id": "140821", "signed_date": date(2024, 4, 5), "signed_amount_wan": Decimal(100)},
        {"project_name": "待定金额项目", "unit_id": "140821", "signed_date": date(2024, 2, 5), "signed_amount_wan": None},
        {"project_name": "果蔬项目", "unit_id": "140821", "signed_date": date(2024, 2, 9), "signed_amount_wan": Decimal(5), "chain": "其他", "chain_raw": "果蔬"},
        # 其它 is an alias of 其他: recognised, not a finding
        {"project_name": "其它项目", "unit_id": "140821", "signed_date": date(2024, 2, 9), "signed_amount_wan": Decimal(5), "chain": "其他", "chain_raw": "其它"},
    ], sheet="1-6月", period_end=date(2024, 6, 30))
    # the sheet lists 临猗县 only: its 合计 row is 临猗县's
    total = Problem("warning", "合计行与明细之和不一致：合计 1.0000，明细之和 3.0000（万元）", "临猗.xlsx", "1-6月", 20, "D", "签约金额（万元）", "1")
    add(db, signed, "signed", "临猗.xlsx", problems=[total])
    yanhu = rows([{"project_name": "盐湖项目", "unit_id": "140802", "signed_date": date(2023, 2, 9), "signed_amount_wan": None}],
                 sheet="2023年", period_end=date(2023, 12, 31))
    add(db, yanhu, "signed", "盐湖.xlsx")
    started = rows([{"project_name": "从未签约的开工项目", "unit_id": "140821", "start_date": date(2024, 5, 1)}],
                   kind="started", sheet="开工", period_end=date(2024, 6, 30))
    add(db, started, "started", "开工.xlsx")
    return db


def test_findings_per_unit_and_the_list_to_send_back(findings_warehouse):
    at = open_tab(page(), "数据质量")
    summary = frame(at, "合计")
    per_unit = {r["县（市、区）/开发区"]: r for r in summary.to_dict("records")}
    assert set(per_unit) == {"临猗县", "盐湖区"}
    linyi = per_unit["临猗县"]
    assert (linyi["开工项目未匹配签约"], linyi["疑似重复项目"], linyi["合计行不一致"], linyi["未识别的产业链"], linyi["缺少签约金额"], linyi["合计"]) == (1, 1, 1, 1, 1, 5)
    assert per_unit["盐湖区"]["缺少签约金额"] == 1 and per_unit["盐湖区"]["合计"] == 1

    assert at.selectbox(key="quality_unit").options == ["盐湖区", "临猗县"]  # in the city's unit order
    at.selectbox(key="quality_unit").set_value("临猗县").run()
    listed = frame(at, "问题类型")
    found = {(kind, name or "") for kind, name in zip(listed["问题类型"], listed["项目名称"].fillna(""))}
    assert found == {
        ("开工项目未匹配签约", "从未签约的开工项目"),
        ("疑似重复项目", "年产10万吨铝型材项目"),
        ("合计行不一致", ""),
        ("未识别的产业链", "果蔬项目"),
        ("缺少签约金额", "待定金额项目"),
    }
    duplicate = listed[listed["问题类型"] == "疑似重复项目"].iloc[0]
    assert "年产10万吨铝形材项目" in duplicate["说明"]
    total = listed[listed["问题类型"] == "合计行不一致"].iloc[0]
    assert (total["文件"], total["工作表"], total["行号"]) == ("临猗.xlsx", "1-6月", 20)

    at.selectbox(key="quality_year").set_value(2023).run()
    assert set(frame(at, "合计")["县（市、区）/开发区"]) == {"盐湖区"}


def test_an_uploader_sees_the_findings_of_their_own_units_only(findings_warehouse):
    accounts.store().add_user("盐湖上传员", "uploader", PASSWORD, ["盐湖区"])
    at = open_tab(login(page(), "盐湖上传员"), "数据质量")
    assert set(frame(at, "合计")["县（市、区）/开发区"]) == {"盐湖区"}


@pytest.fixture
def ran(monkeypatch) -> list[tuple[str, dict]]:
    """The warehouse queries the page runs, with their parameters."""
    seen: list[tuple[str, dict]] = []
    run = queries.run

    def spy(cur, name, filters=None, **params):
        seen.append((name, params))
        return run(cur, name, filters, **params)

    monkeypatch.setattr(queries, "run", spy)
    return seen


def test_the_findings_are_found_only_when_their_tab_is_opened(findings_warehouse, ran):
    at = page()
    assert not at.exception and frame(at, "编号").shape[0] == 3
    assert "data_findings" not in [name for name, _ in ran]
    at = open_tab(at, "数据质量")
    assert ("data_findings", {"units": [], "include_open": True}) in ran  # an administrator: every unit
    assert frame(at, "合计").shape[0] == 2


def test_an_uploaders_findings_are_found_for_their_units_only(findings_warehouse, ran):
    accounts.store().add_user("盐湖上传员", "uploader", PASSWORD, ["盐湖区"])
    open_tab(login(page(), "盐湖上传员"), "数据质量")
    assert [params for name, params in ran if name == "data_findings"] == [{"units": ["140802"], "include_open": True}]


def test_the_quality_tab_keeps_its_choices_while_another_tab_is_open(findings_warehouse):
    at = open_tab(page(), "数据质量")
    at.selectbox(key="quality_unit").set_value("临猗县").run()
    at = open_tab(open_tab(at, "导入记录"), "数据质量")
    assert at.selectbox(key="quality_unit").value == "临猗县"
    assert frame(at, "问题类型").shape[0] == 5


# names like a county's ledger: an enterprise, a capacity, a product, sometimes a phase
BASES = [
    "同远半导体1200架机柜数据中心", "嘉科智能科技年产1万吨精密铸件", "正远农产品年产1万吨面粉及挂面",
    "汇源镁业年产1万吨镁合金压铸件", "年产8万吨再生铝", "聚邦新能源20MW/40MWh独立储能电站",
    "中辰储能科技1MW分布式光伏", "宏丰镁业年产1500吨铝制品加工", "华禾果业年产30万吨预制菜",
    "恒丰机械农机装备制造", "天创医疗器械中药饮片加工", "晟诺汽车科技年产120万套汽车线束",
    "博远新材料年产15吨碳纤维复合材料", "盛骏果业冷链物流园", "宏和智能装备产业园",
]
FILLER = "华禾盛骏宏和嘉科正远汇源聚邦中辰天创晟诺博远新材料科技有限公司年产吨万套"


def variants(rng, base: str) -> list[str]:
    """The base name and edits of it: characters replaced, inserted or dropped anywhere,
    a phase or 有限公司 added, a number changed."""
    out = [base]
    for _ in range(12):
        name = list(base)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(name))
            edit = rng.choice(("replace", "insert", "drop"))
            if edit == "replace":
                name[i] = rng.choice(FILLER)
            elif edit == "insert":
                name.insert(i, rng.choice(FILLER))
            elif len(name) > 4:
                del name[i]
        out.append("".join(name))
    out += [base + "（一期）", base.replace("年产", "有限公司年产"), base.replace("1", "2", 1), base[2:], base[:-2]]
    return out


def test_likely_duplicates_are_the_pairs_an_all_pairs_search_finds(db):
    """The blocked search compares far fewer pairs; it must find exactly the same ones."""
    import random

    rng = random.Random(20240601)
    names = sorted({v for base in BASES for v in variants(rng, base)})
    records = [
        {"project_name": f"{name}项目", "unit_id": "140821", "signed_date": date(2024 - i % 2, 1 + i % 12, 1),
         "signed_amount_wan": Decimal(1),
         # some with a national code: two coded projects are never a pair
         "project_code": f"2024-140821-00-00-{i:06d}" if i % 5 == 0 else None}
        for i, name in enumerate(names)
    ]
    add(db, rows(records, sheet="2024年", period_end=date(2024, 12, 31)), "signed", "临猗.xlsx")
    cur = Reader(db).cursor()
    everything = """
        with c as (
            select p.project_key, p.project_name, p.project_code, p.unit_id,
                year(coalesce(p.signed_date, p.start_date)) as year,
                substr(k.name_key, length(p.unit_id) + 2) as norm_name
            from projects p
            join (select project_key, arg_max(name_key, seq) as name_key from row_keys group by all) k using (project_key)
        )
        select a.project_name, b.project_name, round(name_similarity(a.norm_name, b.norm_name), 2)
        from c a join c b on a.unit_id = b.unit_id and a.year = b.year and a.project_key < b.project_key
        where (a.project_code is null or b.project_code is null)
          and regexp_extract_all(a.norm_name, '\\d+') = regexp_extract_all(b.norm_name, '\\d+')
          and name_similarity(a.norm_name, b.norm_name) >= 0.9
    """
    expected = sorted(
        (a, f"与「{b}」名称相近（相似度 {s}），但被识别为两个项目；如为同一项目请统一名称或填写相同的项目代码")
        for a, b, s in cur.sql(everything).fetchall()
    )
    found = queries.run(cur, "data_findings", units=[]).filter(pl.col("finding") == "duplicate")
    assert len(expected) > 50  # enough pairs, near and far from the threshold, to mean something
    assert sorted(zip(found["project_name"], found["detail"])) == expected
    assert queries.run(cur, "data_findings", units=["140802"]).is_empty()  # another unit's: none


# ---------------------------------------------------------------- trace


def test_trace_lists_every_source_row_of_a_project(db, two_loads):
    at = page()
    at.text_input(key="trace_search").input("甲").run()
    assert at.selectbox(key="trace_project").value == "name:140821:甲"
    trace = frame(at, "项目名称（原文）")
    assert [tuple(r) for r in trace[["导入编号", "文件", "工作表", "行号"]].itertuples(index=False)] == [
        (1, "2024年1-3月签约项目台账.xlsx", "1-3月", 2),
        (2, "2024年1-6月签约项目台账.xlsx", "1-6月", 2),
    ]
    assert [float(v) for v in trace["签约金额（万元）"]] == [100.0, 150.0]

    at.text_input(key="trace_search").input("没有这个项目").run()
    assert "没有名称包含" in at.info[-1].value
