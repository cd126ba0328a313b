"""四库五日滚动预警: numbered bulletins, their diff against the previous one, limits, 预警通报."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from datetime import date
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from test_pipeline import lead, load, negotiation, signing
from warehouse import bulletins, scheduler
from warehouse.__main__ import main
from warehouse.bulletins import Bulletin, BulletinError, Limits, create_bulletin
from warehouse.db import Reader
from warehouse.queries import run

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = date(2025, 6, 30), date(2025, 7, 31)
RULES = Limits()


@pytest.fixture
def first(db) -> Path:
    """Data of 30 June: A waits 41 days as a lead (yellow), B 76 (red), C 20 (none); D signed
    179 days ago, not started (yellow)."""
    load(db, [
        lead("项目A", "140821", date(2025, 5, 20)),
        lead("项目B", "140821", date(2025, 4, 15)),
        lead("项目C", "140821", date(2025, 6, 10)),
    ], "lead", as_of=FIRST)
    load(db, [signing("项目D", "140822", date(2025, 1, 2))], "signed", as_of=FIRST)
    return db


def second_month(db: Path) -> None:
    """Data of 31 July: A is negotiating since 1 July; B and C are still leads; D has not started."""
    load(db, [negotiation("项目A", "140821", date(2025, 7, 1))], "negotiating", as_of=SECOND)


def changes(db: Path, number: int) -> dict[str, tuple]:
    frame = run(Reader(db).cursor(), "pipeline_bulletin_changes", number=number, units=[], chains=[])
    return {r["project_name"]: (r["change"], r["level"], r["previous_level"], r["stage"]) for r in frame.iter_rows(named=True)}


def test_second_bulletin_says_what_is_new_resolved_and_persisting(first):
    one = create_bulletin(first, rules=RULES, by="test")
    assert one == Bulletin(number=1, as_of=FIRST, red=1, yellow=2, new=3, persisting=0, resolved=0)
    assert changes(first, 1) == {
        "项目A": ("new", "yellow", None, "lead"),
        "项目B": ("new", "red", None, "lead"),
        "项目D": ("new", "yellow", None, "signed"),
    }

    second_month(first)
    two = create_bulletin(first, rules=RULES, by="test")
    assert (two.number, two.as_of) == (2, SECOND)
    assert changes(first, 2) == {
        "项目A": ("resolved", None, "yellow", "lead"),  # moved on to negotiation
        "项目B": ("persisting", "red", "red", "lead"),
        "项目C": ("new", "yellow", None, "lead"),  # 51 days as a lead now
        "项目D": ("persisting", "red", "yellow", "signed"),  # 210 days: yellow became red
    }
    assert (two.red, two.yellow, two.new, two.persisting, two.resolved) == (2, 1, 1, 2, 1)

    cur = Reader(first).cursor()
    per_unit = run(cur, "pipeline_bulletin_units", number=2, units=[], chains=[])
    assert per_unit.select("unit_name", "red", "yellow", "new", "persisting", "resolved").rows() == [
        ("临猗县", 1, 1, 1, 1, 1),
        ("万荣县", 1, 0, 0, 1, 0),
    ]
    listed = run(cur, "pipeline_bulletins")
    assert listed.select("number", "as_of", "red", "resolved").rows() == [(2, SECOND, 2, 1), (1, FIRST, 1, 0)]
    # the unit filter applies to a bulletin's changes
    only = run(cur, "pipeline_bulletin_changes", number=2, units=["140822"], chains=[])
    assert only.get_column("project_name").to_list() == ["项目D"]


def test_live_warnings_are_compared_with_the_latest_bulletin(first):
    create_bulletin(first, rules=RULES, by="test")
    second_month(first)
    live = run(Reader(first).cursor(), "pipeline_warnings", as_of=SECOND, units=[], chains=[], **RULES.params())
    assert dict(live.select("project_name", "change").rows()) == {"项目B": "persisting", "项目C": "new", "项目D": "persisting"}


def test_bulletins_come_every_five_days_and_never_before_the_data(first):
    create_bulletin(first, rules=RULES, by="test")
    with pytest.raises(BulletinError, match="不足 5 天"):
        create_bulletin(first, as_of=date(2025, 7, 4), rules=RULES)
    second_month(first)
    with pytest.raises(BulletinError, match="早于数据截至日期"):
        create_bulletin(first, as_of=date(2025, 7, 30), rules=RULES)
    later = create_bulletin(first, as_of=date(2025, 8, 20), rules=RULES)
    # days are counted to the bulletin's date: C has waited 71 days by 20 August
    assert later.number == 2
    assert changes(first, 2)["项目C"] == ("new", "red", None, "lead")
    cur = Reader(first).cursor()
    stored = json.loads(cur.execute("select limits from bulletins where number = 2").fetchall()[0][0])
    assert stored["lead_yellow"] == 30 and stored["interval_days"] == 5


def test_limits_come_from_city_toml(tmp_path):
    # the shipped configuration: red twice the city's single limit; signed shared with 开工分析
    assert bulletins.limits() == Limits(30, 60, 90, 180, 90, 180, 365, 730, 5)
    (tmp_path / "city.toml").write_text(
        "[warnings]\nsigned_not_started_yellow_days = 60\nsigned_not_started_red_days = 120\n"
        "[pipeline_warnings]\nlead_yellow_days = 15\nlead_red_days = 20\nbulletin_interval_days = 7\n",
        encoding="utf-8",
    )
    custom = bulletins.limits(tmp_path)
    assert (custom.lead_yellow, custom.lead_red, custom.signed_yellow, custom.signed_red) == (15, 20, 60, 120)
    assert (custom.negotiating_yellow, custom.interval_days) == (90, 7)
    (tmp_path / "city.toml").write_text("[pipeline_warnings]\nlead_yellow_days = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lead_yellow_days"):
        bulletins.limits(tmp_path)


def test_notice_workbook_per_unit(first):
    load(first, [lead("=HYPERLINK(\"http://x\")", "140821", date(2025, 3, 1))], "lead", as_of=FIRST, name="extra.xlsx")
    create_bulletin(first, rules=RULES, by="test")
    second_month(first)
    create_bulletin(first, rules=RULES, by="test")
    frame = run(Reader(first).cursor(), "pipeline_bulletin_changes", number=2, units=[], chains=[])
    data = bulletins.notice_xlsx(
        frame, number=2, as_of=SECOND, units=[("140821", "临猗县"), ("140822", "万荣县")], rules=RULES, city="运城市"
    )
    wb = openpyxl.load_workbook(BytesIO(data))
    assert wb.sheetnames == ["临猗县", "万荣县"]
    ws = wb["临猗县"]
    assert ws["A1"].value == "运城市四库项目滚动预警通报（第2期）"
    assert "红色预警 2 个，黄色预警 1 个；较第1期新增 1 个、持续 2 个、已解除 1 个" in ws["A3"].value
    header = [c.value for c in ws[6]]
    assert header[:5] == ["序号", "较上期", "预警等级", "所处阶段", "项目名称"]
    body = {r[4]: r for r in ws.iter_rows(min_row=7, values_only=True)}
    assert body["项目A"][1:4] == ("已解除", "原黄", "线索")
    assert body["项目C"][1:4] == ("新增", "黄", "线索")
    # a name that looks like a formula stays text
    cell = next(c for c in ws["E"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    assert "项目D" in {r[4] for r in wb["万荣县"].iter_rows(min_row=7, values_only=True)}
    # the first bulletin compares with nothing: no "new" in it
    first_one = run(Reader(first).cursor(), "pipeline_bulletin_changes", number=1, units=[], chains=[])
    ws = openpyxl.load_workbook(BytesIO(bulletins.notice_xlsx(
        first_one, number=1, as_of=FIRST, units=[("140821", "临猗县")], rules=RULES, city="运城市"
    )))["临猗县"]
    assert "本期为第1期，没有上期通报可比较" in ws["A3"].value
    assert {r[1] for r in ws.iter_rows(min_row=7, values_only=True)} == {"首期"}


def test_command_line(first, tmp_path, capsys):
    assert main(["bulletin", "--db", str(first), "--excel", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "已生成第1期四库滚动预警通报（截至 2025-06-30）：红色 1 个，黄色 2 个" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["预警通报_第1期_万荣县.xlsx", "预警通报_第1期_临猗县.xlsx"]
    assert main(["bulletin", "--db", str(first)]) == 1
    assert "不足 5 天" in capsys.readouterr().err
    assert main(["bulletin", "--db", str(first), "--as-of", "2025-07-05", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["number"], result["as_of"], result["new"]) == (2, "2025-07-05", 0)


RACER = """
import sys, time
from pathlib import Path
from warehouse import bulletins
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
issued = bulletins.issue_due(sys.argv[1])
print(issued.number if issued else "none")
"""


def test_two_processes_racing_issue_a_due_bulletin_once(first, tmp_path):
    assert bulletins.due(first, RULES) == FIRST
    go = tmp_path / "go"
    racers = [
        subprocess.Popen([sys.executable, "-c", RACER, str(first), str(go)], cwd=ROOT, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    go.touch()
    results = [r.communicate(timeout=120) for r in racers]
    assert all(r.returncode == 0 for r in racers), [err for _, err in results]
    assert sorted(out.strip() for out, _ in results) == ["1", "none"]
    listed = run(Reader(first).cursor(), "pipeline_bulletins")
    assert listed.select("number", "as_of", "created_by").rows() == [(1, FIRST, "系统（定时）")]
    assert bulletins.due(first, RULES) is None


def test_the_next_bulletin_is_due_when_the_data_date_has_moved_on(first):
    assert bulletins.due(first, RULES) == FIRST
    assert bulletins.issue_due(first).number == 1
    assert bulletins.issue_due(first) is None  # the same data date: nothing due
    second_month(first)
    assert bulletins.due(first, RULES) == SECOND
    two = bulletins.issue_due(first)
    assert (two.number, two.as_of, two.new, two.resolved) == (2, SECOND, 1, 1)


def test_nothing_is_due_before_there_is_data(db, tmp_path):
    running = scheduler.Scheduler(db)
    assert running.check() is None  # no warehouse file yet: no error either
    load(db, [signing("项目X", "140821", date(2025, 6, 1))], "signed", as_of=date(2025, 6, 1))
    assert running.check().number == 1


def test_the_running_scheduler_issues_after_a_load_lands(first, caplog):
    caplog.set_level(logging.INFO, logger="warehouse.bulletins")
    running = scheduler.Scheduler(first, every=3600, poll=0.05).start()
    try:
        wait_for(lambda: bulletin_numbers(first) == [1])
        second_month(first)  # a load: the file changes, the bulletin of 31 July is due
        wait_for(lambda: bulletin_numbers(first) == [2, 1])
    finally:
        running.stop()
    issued = [r.getMessage() for r in caplog.records if r.getMessage().startswith("issued bulletin")]
    assert issued == [
        "issued bulletin 1 as of 2025-06-30: red 1, yellow 2, new 3, persisting 0, resolved 0",
        "issued bulletin 2 as of 2025-07-31: red 2, yellow 1, new 1, persisting 2, resolved 1",
    ]


def bulletin_numbers(db: Path) -> list[int]:
    return run(Reader(db).cursor(), "pipeline_bulletins").get_column("number").to_list()


def wait_for(condition, limit: float = 60) -> None:
    """Until the condition holds; a generous limit only so that a broken scheduler fails the test."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the scheduler did not issue the bulletin"
        time.sleep(0.05)


def test_the_app_starts_one_scheduler_per_process_unless_switched_off(db, monkeypatch):
    from ui import scheduler

    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    scheduler._scheduler.clear()
    assert scheduler.start() is None  # tests/conftest.py switches it off
    monkeypatch.setenv("BULLETIN_SCHEDULE", "on")
    scheduler._scheduler.clear()
    running = scheduler.start()
    try:
        assert running is scheduler.start() and running.path == db
    finally:
        running.stop()
        scheduler._scheduler.clear()
