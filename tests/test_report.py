"""研判材料: the monthly review pack as a .docx, opened with python-docx and read back."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import docx
import pytest

from base.reference import REFERENCE_DIR
from conftest import routed
from test_pipeline import lead, load, signing, start
from warehouse import report
from warehouse.__main__ import main

MARCH = date(2025, 3, 31)


@pytest.fixture
def march(db) -> Path:
    """2024: 盐湖区 and 临猗县 signed one project each (1 and 2 亿元), never started (red by now).
    2025 to March: 盐湖区 signed 5 亿 (January, started 1 March) and 3 亿 (10 March), 临猗县 1 亿
    (February), 万荣县 0.5 亿 (20 March); 盐湖区's lead of 1 December waits for negotiation (red)."""
    load(db, [signing("旧项目甲", "140802", date(2024, 2, 10), 10000),
              signing("旧项目乙", "140821", date(2024, 3, 5), 20000)], "signed", as_of=date(2024, 12, 31))
    load(db, [signing("储能电站项目", "140802", date(2025, 1, 15), 50000),
              signing("光伏组件项目", "140802", date(2025, 3, 10), 30000),
              signing("铝型材项目", "140821", date(2025, 2, 20), 10000),
              signing("预制菜项目", "140822", date(2025, 3, 20), 5000)], "signed", as_of=MARCH)
    load(db, [start("储能电站项目", "140802", date(2025, 3, 1))], "started", as_of=MARCH)
    load(db, [lead("铜杆铜线项目", "140802", date(2024, 12, 1), liaison_leader="王副市长")], "lead", as_of=MARCH)
    return db


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def target(metric: str) -> float:
    with open(REFERENCE_DIR / "targets.csv", encoding="utf-8") as f:
        return next(float(r["target"]) for r in csv.DictReader(f) if (r["year"], r["unit"], r["metric"]) == ("2025", "全市", metric))


def test_the_pack_holds_the_figures_charts_ranking_warnings_changes_and_a_decisions_table(march, tmp_path, capsys):
    out = tmp_path / "研判材料.docx"
    assert main(["report", "--db", str(march), "--month", "2025-03", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"已生成 2025年3月研判材料：{out}"
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "运城市招商引资项目研判材料（2025年3月）"
    assert texts[1] == "统计期间：2025年1-3月；数据截至 2025年3月31日；已发布至 2025年3月。"
    assert len(document.inline_shapes) == 4
    assert [t for t in texts if t.startswith("图")] == [
        "图1　2025年1-3月各月签约金额与项目数", "图2　2025年1-3月各县（市、区）签约金额",
        "图3　2025年1-3月各产业链签约金额", "图4　2025年1-3月签约项目开工率（按县区）",
    ]
    figures, ranking, warnings, changes, decisions = (cells(t) for t in document.tables)

    assert figures[0] == ["指标", "2025年1-3月", "上年同期", "同比", "年度目标", "目标完成率"]
    assert figures[1] == ["签约项目数（个）", "4", "2", "+100.00%", f"{target('signed_projects'):,.0f}",
                          f"{4 / target('signed_projects') * 100:.2f}%"]
    assert figures[2] == ["签约金额（亿元）", "9.50", "3.00", "+216.67%", f"{target('signed_amount_yi'):,.2f}",
                          f"{9.5 / target('signed_amount_yi') * 100:.2f}%"]
    assert figures[3][:4] == ["开工项目数（个）", "1", "0", "—"]
    assert figures[4][:3] == ["签约项目开工率（%）", "25.00%", "0.00%"]

    assert ranking == [
        ["名次", "单位", "签约项目（个）", "签约金额（亿元）", "上年同期（亿元）", "同比", "签约项目开工率"],
        ["1", "盐湖区", "2", "8.00", "1.00", "+700.00%", "50.00%"],
        ["2", "临猗县", "1", "1.00", "2.00", "-50.00%", "0.00%"],
        ["3", "万荣县", "1", "0.50", "0.00", "—", "0.00%"],
    ]
    assert warnings[0] == ["序号", "单位", "项目名称", "所处阶段", "停留天数", "责任单位", "包联领导"]
    assert sorted((w[1], w[2], w[3], w[4], w[6]) for w in warnings[1:]) == [
        ("临猗县", "旧项目乙", "签约", str((MARCH - date(2024, 3, 5)).days), "—"),
        ("盐湖区", "旧项目甲", "签约", str((MARCH - date(2024, 2, 10)).days), "—"),
        ("盐湖区", "铜杆铜线项目", "线索", str((MARCH - date(2024, 12, 1)).days), "王副市长"),
    ]
    assert changes == [
        ["序号", "单位", "项目名称", "原阶段", "本月进入", "日期", "金额（亿元）", "包联领导"],
        ["1", "盐湖区", "储能电站项目", "签约", "开工", "2025-03-01", "0.05", "—"],
        ["2", "盐湖区", "光伏组件项目", "新入库", "签约", "2025-03-10", "3.00", "—"],
        ["3", "万荣县", "预制菜项目", "新入库", "签约", "2025-03-20", "0.50", "—"],
    ]
    assert decisions[0] == list(report.DECISION_COLUMNS)
    assert [(d[2], d[3], d[4]) for d in decisions[1:]] == [(w[2], f"红色预警：{w[3]} {w[4]} 天", "") for w in warnings[1:]]


def test_a_month_without_published_data_and_a_missing_cjk_font_are_refused_in_chinese(march, tmp_path, capsys, monkeypatch):
    out = tmp_path / "四月.docx"
    assert main(["report", "--db", str(march), "--month", "2025-04", "--out", str(out)]) == 1
    assert "2025年4月尚无已发布的数据（数据截至：2025年3月31日）" in capsys.readouterr().err
    assert main(["report", "--db", str(march), "--month", "2025-4月", "--out", str(out)]) == 1
    assert "格式不对，应为 YYYY-MM" in capsys.readouterr().err
    monkeypatch.setattr(report, "CJK_FAMILIES", ("没有这种字体",))
    assert main(["report", "--db", str(march), "--month", "2025-03", "--out", str(out)]) == 1
    assert "未找到中文字体" in capsys.readouterr().err
    assert not out.exists()


def test_decisions_entered_after_the_meeting_are_followed_up_in_the_next_pack(march, tmp_path, monkeypatch):
    from test_pipeline import start
    from warehouse.db import Reader
    from warehouse.queries import run

    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "accounts.sqlite"))
    items = report.review_items(Reader(march).cursor(), date(2025, 3, 1))
    keys = {r["project_name"]: r["project_key"] for r in items.iter_rows(named=True)}
    assert sorted(keys) == ["旧项目乙", "旧项目甲", "铜杆铜线项目"]
    with pytest.raises(report.ReportError, match="没有研判意见"):
        report.record_decisions(march, date(2025, 3, 1), items, {keys["旧项目乙"]: {"due": "4月底"}}, "管理员")
    assert report.record_decisions(march, date(2025, 3, 1), items, {
        keys["旧项目甲"]: {"decision": "督促 4 月底前开工", "responsible": "盐湖区招商中心 李四", "due": "2025年4月底"},
        keys["旧项目乙"]: {"decision": "  协调用地  "},
        keys["铜杆铜线项目"]: {"decision": ""},  # nothing entered, nothing written
    }, "管理员") == 2
    items = report.review_items(Reader(march).cursor(), date(2025, 3, 1))
    assert report.record_decisions(march, date(2025, 3, 1), items, {keys["旧项目乙"]: {"decision": "协调用地"}}, "管理员") == 0
    # the March pack now prints the decisions in its table
    out = tmp_path / "三月.docx"
    assert main(["report", "--db", str(march), "--month", "2025-03", "--out", str(out)]) == 0
    decisions = cells(docx.Document(str(out)).tables[-1])
    assert ["旧项目甲", "督促 4 月底前开工", "盐湖区招商中心 李四", "2025年4月底"] in [[d[2], *d[4:]] for d in decisions]
    assert ["旧项目乙", "协调用地", "", ""] in [[d[2], *d[4:]] for d in decisions]

    # April: 旧项目甲 started, its warning is gone; the pack follows March's decisions up
    load(march, [start("旧项目甲", "140802", date(2025, 4, 10))], "started", as_of=date(2025, 4, 30))
    out = tmp_path / "四月.docx"
    assert main(["report", "--db", str(march), "--month", "2025-04", "--out", str(out)]) == 0
    document = docx.Document(str(out))
    assert "六、上次研判意见落实情况（2025年3月）" in [p.text for p in document.paragraphs]
    assert cells(document.tables[-2]) == [
        list(report.FOLLOWUP_COLUMNS),
        ["1", "盐湖区", "旧项目甲", "督促 4 月底前开工", "盐湖区招商中心 李四", "2025年4月底", "开工", "已不在红色预警"],
        ["2", "临猗县", "旧项目乙", "协调用地", "—", "—", "签约", "仍为红色预警"],
    ]
    # the dossier reads a project's decisions by its key
    history = run(Reader(march).cursor(), "project_decisions", project_key=keys["旧项目甲"])
    assert history.select("month", "decision").rows() == [(date(2025, 3, 1), "督促 4 月底前开工")]
    assert [e.action for e in report.accounts.audit_log(limit=None)] == ["review_decisions"]


def test_an_administrator_enters_a_decision_on_the_page(march, staff_env):
    from warehouse.db import Reader

    report.accounts.add_user("管理员", "admin", "s3cret password")
    at = routed("pages/manage/digest.py")
    at.text_input[0].input("管理员")
    at.text_input[1].input("s3cret password")
    at.button[0].click()
    at.run()
    assert at.selectbox(key="report_month").value == date(2025, 3, 1)
    items = report.review_items(Reader(march).cursor(), date(2025, 3, 1))
    wanted = next(r["project_key"] for r in items.iter_rows(named=True) if r["project_name"] == "铜杆铜线项目")
    at.selectbox(key="decision_project").set_value(wanted).run()
    at.text_area(key=f"decision_{wanted}").input("列入下月重点调度")
    at.text_input(key=f"responsible_{wanted}").input("王副市长")
    at.button(key="FormSubmitter:decision_form-保存研判意见").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["已保存研判意见"]
    shown = at.dataframe[0].value
    assert shown.to_dict("records") == [
        {"单位": "盐湖区", "项目名称": "铜杆铜线项目", "研判意见": "列入下月重点调度", "责任单位及责任人": "王副市长", "完成时限": ""}
    ]
