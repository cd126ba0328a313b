"""每日项目动态: the text of a fixture day, and its push to WeCom and DingTalk robots."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time as pytime
from datetime import date, datetime, time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import routed, rows
from warehouse.ingest import record_load
from etl.parse import Period
from warehouse import accounts, build, daily, robots, scheduler
from warehouse.__main__ import main
from warehouse.bulletins import create_bulletin
from warehouse.db import Reader, writer
from warehouse.digest import MAX_ITEMS, DigestConfig, compose, config

DAY = date(2025, 3, 14)


def ledger(db: Path, records: list[dict], kind: str, loaded_at: datetime, period_end: date | None = None) -> int:
    """One ledger as the loader records it, received at `loaded_at`; with period_end, it
    reports that month for the units of its rows."""
    frame = rows(records, kind=kind, period_end=period_end)
    period = Period(date(period_end.year, 1, 1), period_end, f"{period_end.year}年1-{period_end.month}月", True) if period_end else None
    name = f"{kind}-{loaded_at:%m%d%H%M}.xlsx"
    with writer(db) as con:
        load_id = record_load(con, frame, file_name=name, kind=kind, user="test",
                              sha256=hashlib.sha256(frame.write_csv().encode() + name.encode()).hexdigest(), period=period)
        con.execute("update loads set loaded_at = ? where load_id = ?", [loaded_at, load_id])
        build.refresh(con, [load_id])
    return load_id


def lead(name, unit, on, amount=None, **more):
    return {"project_name": name, "unit_id": unit, "lead_date": on, "intended_amount_wan": amount, **more}


@pytest.fixture
def day(db, tmp_path, monkeypatch) -> Path:
    """The fixture day 14 March 2025, in a city of three reporting units.

    January is reported by all three. Bulletin 1 (9 March) has three leads in yellow: 甲
    (since 11 January), 乙 (20 January), 丙 (25 January). On the 14th arrive: 乙's
    negotiation, 盐湖区's February ledger (a signing that day, one of 10 February), a start
    and a new lead that day; bulletin 2 of the 14th finds 甲 red, 乙 resolved, 丙 still yellow.
    """
    monkeypatch.setenv("ACCOUNTS_DB", str(tmp_path / "accounts.sqlite"))
    ledger(db, [
        lead("甲铝业铝型材项目", "140802", date(2025, 1, 11), Decimal(20000), liaison_leader="张副市长"),
        lead("乙新能源储能项目", "140821", date(2025, 1, 20), Decimal(5000)),
        lead("丙果业预制菜项目", "140822", date(2025, 1, 25)),
    ], "lead", datetime(2025, 2, 3, 9), period_end=date(2025, 1, 31))
    create_bulletin(db, date(2025, 3, 9), by="test")
    ledger(db, [{"project_name": "乙新能源储能项目", "unit_id": "140821", "negotiation_date": DAY}], "negotiating", datetime(2025, 3, 14, 9, 30))
    ledger(db, [
        {"project_name": "光伏组件项目", "unit_id": "140802", "signed_date": DAY, "signed_amount_wan": Decimal(125000)},
        {"project_name": "面粉加工项目", "unit_id": "140802", "signed_date": date(2025, 2, 10), "signed_amount_wan": Decimal(3000)},
    ], "signed", datetime(2025, 3, 14, 10), period_end=date(2025, 2, 28))
    ledger(db, [{"project_name": "铝制品加工项目", "unit_id": "140821", "start_date": DAY,
                 "planned_investment_wan": Decimal(3000)}], "started", datetime(2025, 3, 14, 11))
    ledger(db, [lead("电子元器件项目", "140822", DAY)], "lead", datetime(2025, 3, 14, 15))
    create_bulletin(db, DAY, by="test")
    return db


LINK = "https://zs.example.cn/app/project?id="
EXPECTED = f"""【运城市招商项目动态 2025年3月14日】
▶新签约 1 个，签约金额合计 12.50 亿元
1. 盐湖区｜光伏组件项目，12.50 亿元
   {LINK}name%3A140802%3A%E5%85%89%E4%BC%8F%E7%BB%84%E4%BB%B6
▶新开工 1 个，计划总投资合计 0.30 亿元
1. 临猗县｜铝制品加工项目，0.30 亿元
   {LINK}name%3A140821%3A%E9%93%9D%E5%88%B6%E5%93%81%E5%8A%A0%E5%B7%A5
▶新增洽谈 1 个，拟投资额合计 0.50 亿元
1. 临猗县｜乙新能源储能项目，0.50 亿元
   {LINK}name%3A140821%3A%E4%B9%99%E6%96%B0%E8%83%BD%E6%BA%90%E5%82%A8%E8%83%BD
▶新增线索 1 个
1. 万荣县｜电子元器件项目，金额待定
   {LINK}name%3A140822%3A%E7%94%B5%E5%AD%90%E5%85%83%E5%99%A8%E4%BB%B6
收到台账 4 份：
· 临猗县 洽谈台账 1 行
· 盐湖区 2025年1-2月签约台账 2 行
· 临猗县 开工台账 1 行
· 万荣县 线索台账 1 行
报送：2025年2月已报 1/3，未报：临猗县、万荣县
▶转为红色预警 1 个（第2期通报）
1. 盐湖区｜甲铝业铝型材项目（线索 62 天，包联：张副市长）
   {LINK}name%3A140802%3A%E7%94%B2%E9%93%9D%E4%B8%9A%E9%93%9D%E5%9E%8B%E6%9D%90
▶预警解除 1 个（第2期通报）
1. 临猗县｜乙新能源储能项目（原线索）
   {LINK}name%3A140821%3A%E4%B9%99%E6%96%B0%E8%83%BD%E6%BA%90%E5%82%A8%E8%83%BD"""


def test_the_update_of_a_fixture_day_is_this_text(day):
    update = compose(Reader(day).cursor(), DAY, DigestConfig(base_url="https://zs.example.cn/app/"))
    assert update.text() == EXPECTED


def test_without_a_base_url_the_update_has_no_links_and_a_quiet_day_says_so(day):
    cur = Reader(day).cursor()
    assert compose(cur, DAY, DigestConfig()).text() == "\n".join(
        line for line in EXPECTED.split("\n") if not line.startswith("   http")
    )
    quiet = compose(cur, date(2025, 3, 15), DigestConfig()).text()
    assert quiet == (
        "【运城市招商项目动态 2025年3月15日】\n当日无新增线索、洽谈、签约或开工项目。\n收到台账：无\n"
        "报送：2025年2月已报 1/3，未报：临猗县、万荣县"
    )


def test_markdown_links_each_project_to_its_dossier(day):
    markdown = compose(Reader(day).cursor(), DAY, DigestConfig(base_url="https://zs.example.cn/app")).markdown()
    assert markdown.startswith("**运城市招商项目动态 2025年3月14日**\n**新签约 1 个，签约金额合计 12.50 亿元**\n")
    assert f"1. 盐湖区｜[光伏组件项目]({LINK}name%3A140802%3A%E5%85%89%E4%BC%8F%E7%BB%84%E4%BB%B6)，12.50 亿元" in markdown


def test_a_long_day_lists_the_first_projects_and_counts_the_rest(db):
    ledger(db, [
        {"project_name": f"储能项目{i:02d}", "unit_id": "140802", "signed_date": DAY, "signed_amount_wan": Decimal(1000 + i)}
        for i in range(MAX_ITEMS + 3)
    ] + [
        {"project_name": "早签约项目", "unit_id": unit, "signed_date": date(2025, 3, 1), "signed_amount_wan": Decimal(100)}
        for unit in ("140823", "140822", "140821")
    ], "signed", datetime(2025, 3, 14, 10))
    text = compose(Reader(db).cursor(), DAY, DigestConfig()).text()
    lines = text.split("\n")
    assert lines[1] == "▶新签约 13 个，签约金额合计 1.31 亿元"
    assert lines[2] == "1. 盐湖区｜储能项目12，0.10 亿元"
    assert lines[MAX_ITEMS + 2] == "…另有 3 个，见平台"
    # a ledger of many units names the first three in the city's order
    assert lines[MAX_ITEMS + 3:MAX_ITEMS + 5] == ["收到台账 1 份：", "· 盐湖区、临猗县、万荣县等 4 个单位 签约台账 16 行"]


# ---------------------------------------------------------------- pushing to robots


class Receiver:
    """A local robot endpoint: records each request and answers with the next scripted status."""

    def __init__(self, statuses: list[int] | None = None):
        self.requests: list[tuple[str, dict, dict]] = []  # path, query, JSON body
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                url = urlsplit(self.path)
                receiver.requests.append((url.path, parse_qs(url.query), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = json.dumps({"errcode": 0 if status == 200 else 500, "errmsg": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def audit_actions() -> list[tuple[str, dict]]:
    return [(e.action, json.loads(e.detail)) for e in accounts.store().audit_log(limit=None)
            if e.action.startswith("digest_push")]


def test_both_robots_receive_the_update_in_their_formats_with_a_valid_dingtalk_signature(day, monkeypatch):
    waits = []
    with Receiver() as robot:
        settings = DigestConfig(
            base_url="https://zs.example.cn/app", wecom_webhook=f"{robot.url}/cgi-bin/webhook/send?key=K1",
            dingtalk_webhook=f"{robot.url}/robot/send?access_token=T1", dingtalk_secret="SEC123",
        )
        update = compose(Reader(day).cursor(), DAY, settings)
        results = robots.push(update, settings, user="管理员", sleep=waits.append, clock=lambda: 1741910400.123)
    assert [r.ok for r in results] == [True, True]
    assert waits == []
    (wecom_path, wecom_query, wecom_body), (ding_path, ding_query, ding_body) = robot.requests
    assert (wecom_path, wecom_query) == ("/cgi-bin/webhook/send", {"key": ["K1"]})
    assert wecom_body == {"msgtype": "markdown", "markdown": {"content": update.markdown()}}
    assert ding_path == "/robot/send"
    assert ding_body == {"msgtype": "markdown", "markdown": {"title": "运城市招商项目动态 2025年3月14日", "text": update.markdown()}}
    assert ding_query["access_token"] == ["T1"] and ding_query["timestamp"] == ["1741910400123"]
    expected = base64.b64encode(hmac.new(b"SEC123", b"1741910400123\nSEC123", hashlib.sha256).digest()).decode()
    assert ding_query["sign"] == [expected]  # parse_qs undid the URL encoding
    assert [a for a, _ in audit_actions()] == ["digest_push", "digest_push"]


def test_a_robot_answering_500_is_tried_again_and_a_robot_that_never_takes_it_is_reported(day):
    waits = []
    with Receiver([500, 200, 500, 500, 500]) as robot:
        settings = DigestConfig(wecom_webhook=f"{robot.url}/w?key=K", dingtalk_webhook=f"{robot.url}/d?access_token=T",
                                msgtype="text", attempts=3, backoff_seconds=1.5)
        update = compose(Reader(day).cursor(), DAY, settings)
        wecom, ding = robots.push(update, settings, user="命令行:cron", sleep=waits.append)
    assert [r[0] for r in robot.requests] == ["/w", "/w", "/d", "/d", "/d"]
    assert robot.requests[0][2] == robot.requests[1][2] == {"msgtype": "text", "text": {"content": update.text()}}
    assert robot.requests[2][2] == {"msgtype": "text", "text": {"content": update.text()}}
    assert "sign" not in robot.requests[2][1]  # no secret, no signature
    assert (wecom.ok, wecom.attempts) == (True, 2)
    assert (ding.ok, ding.attempts, ding.sent) == (False, 3, 0)
    assert waits == [1.5, 1.5, 3.0]
    assert ding.line() == "推送到钉钉群机器人失败：已发送 0/1 条，共尝试 3 次；机器人地址返回 HTTP 500"
    actions = audit_actions()
    assert [a for a, _ in actions] == ["digest_push_failed", "digest_push"]
    assert actions[0][1] == {"robot": "钉钉", "host": "127.0.0.1", "date": "2025-03-14", "parts": 1, "sent": 0,
                             "attempts": 3, "error": "机器人地址返回 HTTP 500"}


def test_a_message_over_the_robot_limit_is_split_into_numbered_parts():
    lines = [f"{i}. 盐湖区｜{'很长的项目名称' * 12}，1.00 亿元" for i in range(40)]
    parts = robots.split("\n".join(lines), 4096)
    assert len(parts) > 1
    assert all(len(p.encode()) <= 4096 for p in parts)
    assert parts[0].endswith(f"（第1/{len(parts)}条）") and parts[1].startswith("（续）\n")
    kept = [line for p in parts for line in p.split("\n") if line[:1].isdigit()]
    assert kept == lines
    (one,) = robots.split("很" * 3000, 4096)
    assert len(one.encode()) <= 4096 and one.endswith("（本行过长，已截断）")


def test_cli_prints_the_update_and_exits_1_when_a_push_fails(day, monkeypatch, capsys):
    with Receiver([500, 500, 500]) as robot:
        monkeypatch.setenv("DIGEST_WECOM_WEBHOOK", f"{robot.url}/w?key=K")
        monkeypatch.setattr(robots.time, "sleep", lambda s: None)
        code = main(["digest", "--db", str(day), "--date", "2025-03-14", "--push"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("【运城市招商项目动态 2025年3月14日】\n▶新签约 1 个")
    assert "推送到企业微信群机器人失败：已发送 0/1 条，共尝试 3 次；机器人地址返回 HTTP 500" in err
    assert len(robot.requests) == 3
    assert [a for a, _ in audit_actions()] == ["digest_push_failed"]


def test_cli_without_a_robot_refuses_to_push(day, monkeypatch, capsys):
    for variable in ("DIGEST_WECOM_WEBHOOK", "DIGEST_DINGTALK_WEBHOOK"):
        monkeypatch.delenv(variable, raising=False)
    assert main(["digest", "--db", str(day), "--date", "2025-03-14", "--push"]) == 1
    assert "未配置群机器人" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["digest", "--db", str(day), "--date", "2025-3-x"])
    assert "日期格式应为 YYYY-MM-DD，收到 '2025-3-x'" in capsys.readouterr().err


# ---------------------------------------------------------------- the page


PAGE = "pages/manage/digest.py"


@pytest.fixture
def people(staff_env):
    accounts.store().add_user("管理员", "admin", "s3cret password")
    accounts.store().add_user("张三", "uploader", "s3cret password", ["临猗县"])


def login(name: str):
    at = routed(PAGE)
    at.text_input[0].input(name)
    at.text_input[1].input("s3cret password")
    at.button[0].click()
    return at.run()


def test_admins_copy_the_day_push_it_and_download_the_review_pack(day, people, monkeypatch):
    import io

    import docx
    import streamlit as st

    monkeypatch.delenv("DIGEST_BASE_URL", raising=False)
    captured = {}
    real = st.download_button

    def capture(label, data=None, file_name=None, *args, **kwargs):
        captured[file_name] = data
        return real(label, data=b"", file_name=file_name, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    with Receiver() as robot:
        monkeypatch.setenv("DIGEST_WECOM_WEBHOOK", f"{robot.url}/w?key=K")
        at = login("管理员")
        assert not at.exception
        at.date_input(key="digest_day").set_value(DAY).run()
        shown = "\n".join(line for line in EXPECTED.split("\n") if not line.startswith("   http"))
        assert at.code[0].value == shown
        at.button(key="digest_push").click().run()
        assert [s.value for s in at.success] == ["已推送到企业微信群机器人（1 条消息）"]
    assert robot.requests[0][2]["markdown"]["content"].startswith("**运城市招商项目动态 2025年3月14日**")
    at.button(key="report_make").click().run()
    assert not at.exception and not at.error
    pack = docx.Document(io.BytesIO(captured["研判材料_2025-01.docx"]))
    assert pack.paragraphs[0].text == "运城市招商引资项目研判材料（2025年1月）"


def test_the_page_is_for_administrators_only(day, people):
    at = login("张三")
    assert "无权访问" in at.error[0].value
    assert not at.code


def test_the_app_pushes_the_day_once_at_push_at_however_many_processes_look(day, accounts_env):
    """Every server process runs a scheduler; the day is claimed in the accounts store (SQLite,
    then PostgreSQL), so one pushes."""
    with Receiver() as robot:
        settings = DigestConfig(wecom_webhook=f"{robot.url}/w?key=K", push_at=time(18, 0))
        at = lambda hour, minute: lambda: datetime(2025, 3, 14, hour, minute)  # noqa: E731
        early = scheduler.Scheduler(day, clock=at(17, 59), settings=lambda: settings)
        early.push()
        assert robot.requests == [] and daily.state("2025-03-14") is None
        servers = [scheduler.Scheduler(day, clock=at(18, m), settings=lambda: settings) for m in (0, 1, 7)]
        for server in servers:
            server.push()
    update = compose(Reader(day).cursor(), DAY, settings)
    assert robot.requests == [("/w", {"key": ["K"]}, {"msgtype": "markdown", "markdown": {"content": update.markdown()}})]
    assert daily.state("2025-03-14") == "sent"
    assert [(a, d["robot"]) for a, d in audit_actions()] == [("digest_push", "企业微信")]


def test_a_daily_push_no_robot_took_is_tried_again_later_three_times_at_most(day, accounts_env):
    with Receiver([500] * 9) as robot:
        settings = DigestConfig(wecom_webhook=f"{robot.url}/w?key=K", push_at=time(18, 0), attempts=1)
        now = datetime(2025, 3, 14, 18, 30)
        assert [r.ok for r in daily.push_due(day, now, settings)] == [False]
        assert daily.state("2025-03-14") == "failed"
        assert daily.push_due(day, now, settings) is None  # not again at once
        later = pytime.time() + daily.RETRY_AFTER
        assert daily.claim("2025-03-14", now=later)  # the second push, ten minutes on
        assert not daily.claim("2025-03-14", now=later)  # taken: no other process pushes it too
        assert daily.claim("2025-03-14", now=later + daily.STALE_AFTER)  # its process died: the third
        assert not daily.claim("2025-03-14", now=later + 10 * daily.STALE_AFTER)  # and the last
    assert len(robot.requests) == 1


def test_servers_claiming_the_day_at_once_get_it_once(accounts_env):
    start = threading.Barrier(8)
    taken = []

    def claim():
        start.wait()
        taken.append(daily.claim("2025-03-14"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == [False] * 7 + [True]
    assert daily.state("2025-03-14") == "sending"


def test_push_at_is_a_time_of_day(tmp_path):
    (tmp_path / "city.toml").write_text('[digest]\npush_at = "18:00"\n', encoding="utf-8")
    assert config(tmp_path).push_at == time(18, 0)
    (tmp_path / "city.toml").write_text('[digest]\npush_at = "下午六点"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="push_at 应为 时:分"):
        config(tmp_path)
