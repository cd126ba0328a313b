"""四库: one identity across the libraries, stage dates, conversion rates, warnings, the review list."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import rows
from etl.parse import Period
from etl.read import read_ledger
from warehouse import build
from base.config import Limits, limits
from warehouse.db import Reader, writer
from warehouse.ingest import record_load
from warehouse.queries import Filters, run
from workbooks import xlsx

AS_OF = date(2025, 9, 30)
LIMITS = Limits()


def load(db: Path, records: list[dict], kind: str, as_of: date = AS_OF, name: str | None = None) -> int:
    """Record one ledger of `kind` whose data date is as_of (the loader's period end).

    The fixtures report only the units a test needs, so the centre publishes the month as
    it goes (warehouse.periods): the figures stand at the latest ledger, as these tests expect.
    """
    frame = rows(records, kind=kind, period_end=as_of)
    name = name or f"{kind}-{as_of}-{len(records)}.xlsx"
    with writer(db) as con:
        load_id = record_load(
            con, frame, file_name=name, kind=kind, user="test",
            sha256=hashlib.sha256(frame.write_csv().encode() + name.encode()).hexdigest(),
            period=Period(date(as_of.year, 1, 1), as_of, f"{as_of.year}年1-{as_of.month}月", True),
        )
        con.execute("insert into period_actions values (?, 'close', now(), 'test', [])", [as_of.replace(day=1)])
        build.refresh(con, [load_id])
    return load_id


def project(db: Path, name_like: str) -> dict:
    cur = Reader(db).cursor()
    frame = cur.sql(
        "select * from v_pipeline_projects where project_name like $name", params={"name": f"%{name_like}%"}
    ).pl()
    assert frame.height == 1, frame
    return frame.row(0, named=True)


def lead(name, unit, on, **more) -> dict:
    return {"project_name": name, "unit_id": unit, "lead_date": on, **more}


def negotiation(name, unit, on, **more) -> dict:
    return {"project_name": name, "unit_id": unit, "negotiation_date": on, **more}


def signing(name, unit, on, amount=1000, **more) -> dict:
    return {"project_name": name, "unit_id": unit, "signed_date": on, "signed_amount_wan": Decimal(amount), **more}


def start(name, unit, on, **more) -> dict:
    return {"project_name": name, "unit_id": unit, "start_date": on, "planned_investment_wan": Decimal(500), **more}


# ---------------------------------------------------------------- identity and stage dates


def test_a_lead_that_is_signed_and_started_is_one_project_with_dated_stages(db):
    code = "2025-140821-32-03-123456"
    load(db, [lead("甲铝业年产5万吨铝型材项目", "140821", date(2025, 1, 6), negotiation_progress="已转入洽谈")], "lead")
    load(db, [negotiation("甲铝业年产5万吨铝型材", "140821", date(2025, 1, 20))], "negotiating")
    load(db, [signing("甲铝业 年产5万吨铝型材项目", "140821", date(2025, 3, 3), project_code=code)], "signed")
    load(db, [start("甲铝业年产５万吨铝型材", "140821", date(2025, 5, 8), project_code=code)], "started")

    cur = Reader(db).cursor()
    assert cur.execute("select count(*) from v_pipeline_projects").fetchall() == [(1,)]
    p = project(db, "甲铝业")
    assert p["project_key"] == f"code:{code}"
    assert (p["lead_on"], p["negotiation_on"], p["signed_date"], p["start_date"]) == (
        date(2025, 1, 6), date(2025, 1, 20), date(2025, 3, 3), date(2025, 5, 8)
    )
    assert (p["stage"], p["library"], p["stage_since"]) == ("started", "started", date(2025, 5, 8))
    assert (p["days_lead_to_negotiation"], p["days_negotiation_to_signed"], p["days_signed_to_started"]) == (14, 42, 66)
    assert p["on_lead_ledger"] and p["on_negotiating_ledger"] and p["on_signed_ledger"] and p["on_started_ledger"]


def test_a_negotiation_ledger_without_dates_still_moves_the_project_on(db):
    load(db, [lead("乙项目", "140822", date(2025, 2, 1))], "lead", as_of=date(2025, 3, 31))
    load(db, [{"project_name": "乙", "unit_id": "140822"}], "negotiating", as_of=date(2025, 6, 30))
    p = project(db, "乙")
    # no 首次洽谈时间: the first negotiation ledger's data date is when it was known to negotiate
    assert (p["stage"], p["negotiation_on"], p["stage_since"]) == ("negotiating", date(2025, 6, 30), date(2025, 6, 30))


def test_a_lead_without_entry_date_counts_from_its_first_ledger(db):
    load(db, [{"project_name": "丙", "unit_id": "140823"}], "lead", as_of=date(2025, 4, 30))
    load(db, [{"project_name": "丙", "unit_id": "140823"}], "lead", as_of=date(2025, 6, 30))
    assert project(db, "丙")["lead_on"] == date(2025, 4, 30)


def test_dropped_leads_and_negotiations_leave_the_libraries(db):
    load(db, [
        lead("丁", "140821", date(2025, 1, 6), negotiation_progress="已终止（企业投资意向变化）"),
        lead("戊", "140821", date(2025, 1, 6), negotiation_progress="跟踪对接中"),
        lead("己", "140821", date(2025, 1, 6), negotiation_progress="已转入洽谈"),
    ], "lead")
    load(db, [negotiation("己", "140821", date(2025, 2, 1), negotiation_progress="洽谈终止（选址未达成一致）")], "negotiating")
    assert (project(db, "丁")["library"], project(db, "丁")["is_closed"]) == ("closed", True)
    assert project(db, "戊")["library"] == "lead"
    # the negotiation ledger's own status decides for a negotiating project
    assert (project(db, "己")["stage"], project(db, "己")["library"]) == ("negotiating", "closed")
    warned = run(Reader(db).cursor(), "pipeline_warnings", Filters(2025), as_of=AS_OF, **LIMITS.params())
    assert warned.get_column("project_name").to_list() == ["戊"]


def test_the_reader_maps_the_lead_negotiation_and_production_headers(tmp_path):
    leads = read_ledger(xlsx(tmp_path / "2025年1-9月线索库台账.xlsx", {"线索库": [
        ["运城市2025年招商引资项目线索台账"],
        ["序号", "线索名称", "所属县（市、区）", "拟投资额（亿元）", "线索来源", "录入时间", "洽谈进展", "包联领导"],
        [1, "某新材料项目", "临猗县", 1.5, "市级推送", date(2025, 3, 2), "跟踪对接中", "张三、李四"],
    ]}))
    assert leads.ok and leads.kind == "lead", leads.problems
    row = leads.rows.row(0, named=True)
    assert (row["lead_date"], row["intended_amount_wan"], row["lead_source"]) == (date(2025, 3, 2), Decimal(15000), "市级推送")
    assert (row["negotiation_progress"], row["liaison_leader"]) == ("跟踪对接中", "张三、李四")

    talks = read_ledger(xlsx(tmp_path / "2025年1-9月洽谈项目台账.xlsx", {"1-9月": [
        ["序号", "项目名称", "县（市、区）", "意向投资额（万元）", "首次洽谈日期", "洽谈进展情况"],
        [1, "某新材料项目", "临猗", 8000, "2025年4月1日", "正在商谈投资协议"],
    ]}))
    assert talks.ok and talks.kind == "negotiating", talks.problems
    row = talks.rows.row(0, named=True)
    assert (row["negotiation_date"], row["intended_amount_wan"], row["negotiation_progress"]) == (
        date(2025, 4, 1), Decimal(8000), "正在商谈投资协议"
    )

    started = read_ledger(xlsx(tmp_path / "2025年1-9月开工项目台账.xlsx", {"1-9月": [
        ["序号", "项目名称", "县区", "实际开工时间", "是否投产", "投产时间"],
        [1, "某新材料项目", "临猗县", date(2024, 5, 1), "是", date(2025, 6, 1)],
        [2, "某装备项目", "临猗县", date(2024, 6, 1), "否", None],
    ]}))
    assert started.ok and started.kind == "started", started.problems
    assert started.rows.select("is_produced", "production_date").rows() == [(True, date(2025, 6, 1)), (False, None)]


# ---------------------------------------------------------------- conversion of a lead cohort

@pytest.fixture
def cohort(db) -> Path:
    """Ten 2025 leads, hand-checked: 6 negotiated, 4 signed, 2 started, 1 producing (7 in 临猗)."""
    ly, wr = "140821", "140822"
    load(db, [
        lead("L1", ly, date(2025, 1, 10)), lead("L2", ly, date(2025, 1, 15)), lead("L3", ly, date(2025, 2, 1)),
        lead("L4", ly, date(2025, 2, 10)), lead("L5", ly, date(2025, 3, 1)), lead("L6", ly, date(2025, 3, 5)),
        lead("L7", ly, date(2025, 3, 10), negotiation_progress="已终止"),
        lead("W1", wr, date(2025, 1, 5)), lead("W2", wr, date(2025, 2, 5)), lead("W3", wr, date(2025, 3, 20)),
        lead("O1", ly, date(2024, 11, 1)),  # last year's lead, signed this year: not in the 2025 cohort
    ], "lead")
    load(db, [
        negotiation("L1", ly, date(2025, 1, 20)), negotiation("L2", ly, date(2025, 2, 1)),
        negotiation("L3", ly, date(2025, 2, 20)), negotiation("L4", ly, date(2025, 3, 1)),
        negotiation("L5", ly, date(2025, 3, 15), negotiation_progress="洽谈终止"),
        negotiation("W1", wr, date(2025, 1, 25)),
    ], "negotiating")
    load(db, [
        signing("L1", ly, date(2025, 3, 1)), signing("L2", ly, date(2025, 4, 1)), signing("L3", ly, date(2025, 5, 1)),
        signing("W1", wr, date(2025, 2, 15)), signing("O1", ly, date(2025, 1, 20)),
    ], "signed")
    load(db, [
        start("L1", ly, date(2025, 5, 1), is_produced=True, production_date=date(2025, 8, 1)),
        start("L2", ly, date(2025, 6, 1), is_produced=False),
    ], "started")
    return db


def test_conversion_of_the_lead_cohort(cohort):
    cur = Reader(cohort).cursor()
    flow = run(cur, "pipeline_conversion", Filters(2025, 1, 9)).row(0, named=True)
    assert {k: flow[k] for k in ("leads", "negotiated", "signed", "started", "producing")} == dict(
        leads=10, negotiated=6, signed=4, started=2, producing=1
    )
    # the flow chart's branches add up to the stage they leave
    assert (flow["still_lead"], flow["dropped_as_lead"]) == (3, 1)
    assert (flow["still_negotiating"], flow["dropped_in_negotiation"]) == (1, 1)
    assert flow["negotiated"] + flow["still_lead"] + flow["dropped_as_lead"] == flow["leads"]
    # a year later, last year's counts are this cohort's, as its own query gives them
    next_year = run(cur, "pipeline_conversion", Filters(2026, 1, 9)).row(0, named=True)
    steps = ("leads", "negotiated", "signed", "started", "producing")
    assert {k: next_year[f"previous_{k}"] for k in steps} == {k: flow[k] for k in steps}


def test_conversion_rates_per_unit_and_month(cohort):
    cur = Reader(cohort).cursor()
    units = {r["unit_name"]: r for r in run(cur, "pipeline_conversion_by_unit", Filters(2025, 1, 9)).iter_rows(named=True)}
    assert set(units) == {"临猗县", "万荣县"}
    ly = units["临猗县"]
    assert (ly["leads"], ly["negotiated"], ly["signed"], ly["started"], ly["producing"]) == (7, 5, 3, 2, 1)
    assert ly["lead_to_signed_rate"] == pytest.approx(3 / 7)
    assert ly["negotiation_to_signed_rate"] == pytest.approx(3 / 5)
    assert units["万荣县"]["lead_to_signed_rate"] == pytest.approx(1 / 3)
    months = run(cur, "pipeline_conversion_by_month", Filters(2025, 1, 9))
    assert months.select("month", "leads", "signed").rows() == [(1, 3, 3), (2, 3, 1), (3, 4, 0)]
    # the sidebar's filters select the cohort
    january = run(cur, "pipeline_conversion", Filters(2025, 1, 1)).row(0, named=True)
    assert (january["leads"], january["signed"]) == (3, 3)
    linyi = run(cur, "pipeline_conversion", Filters(2025, 1, 9, units=("140821",))).row(0, named=True)
    assert (linyi["leads"], linyi["signed"]) == (7, 3)


def test_entries_and_libraries(cohort):
    cur = Reader(cohort).cursor()
    entries = run(cur, "pipeline_entries", Filters(2025, 1, 9)).row(0, named=True)
    this_year = {k: v for k, v in entries.items() if not k.startswith("previous_")}
    assert this_year == dict(new_leads=10, new_negotiations=6, new_signed=5, new_started=2, new_producing=1)
    # last year's columns are this year's query a year earlier
    last_year = run(cur, "pipeline_entries", Filters(2024, 1, 9)).row(0, named=True)
    assert {k[len("previous_"):]: v for k, v in entries.items() if k.startswith("previous_")} == {
        k: v for k, v in last_year.items() if not k.startswith("previous_")
    }
    libraries = dict(run(cur, "pipeline_libraries", Filters(2025)).select("library", "projects").rows())
    # signed: L3, W1 and last year's lead O1; closed: L5 (in negotiation) and L7 (as a lead)
    assert libraries == dict(lead=3, negotiating=1, signed=3, started=1, producing=1, closed=2)


def test_stage_days(cohort):
    days = {r["stage"]: r for r in run(
        Reader(cohort).cursor(), "pipeline_stage_days", Filters(2025, 1, 9), as_of=AS_OF
    ).iter_rows(named=True)}
    # lead -> negotiation: L1 10, L2 17, L3 19, L4 19, L5 14, W1 20 days
    assert (days["lead"]["completed"], days["lead"]["median_days"]) == (6, 18)
    # still waiting as leads: L6 (209 days), W2 (237), W3 (194)
    assert (days["lead"]["waiting"], days["lead"]["median_waiting_days"]) == (3, 209)
    assert days["started"]["completed"] == 1 and days["started"]["median_days"] == 92


# ---------------------------------------------------------------- warnings


def test_warning_levels_follow_the_stage_limits(db):
    day = AS_OF
    load(db, [
        lead("等29天", "140821", day - timedelta(days=29)),
        lead("等30天", "140821", day - timedelta(days=30)),
        lead("等60天", "140821", day - timedelta(days=60)),
    ], "lead")
    load(db, [negotiation("谈90天", "140822", day - timedelta(days=90))], "negotiating")
    load(db, [signing("签179天", "140823", day - timedelta(days=179)), signing("签180天", "140823", day - timedelta(days=180)),
              signing("无投产报告", "140823", date(2023, 1, 5)), signing("报未投产", "140823", date(2023, 1, 5))], "signed")
    load(db, [
        start("无投产报告", "140823", date(2023, 3, 1)),
        start("报未投产", "140823", date(2023, 3, 1), is_produced=False),
    ], "started")
    warned = run(Reader(db).cursor(), "pipeline_warnings", Filters(2025), as_of=day, **LIMITS.params())
    levels = dict(warned.select("project_name", "level").rows())
    assert levels == {
        "等30天": "yellow", "等60天": "red", "谈90天": "yellow", "签179天": "yellow", "签180天": "red",
        "报未投产": "red",  # 944 days after starting, production reported as not yet
    }
    stages = dict(warned.select("project_name", "stage").rows())
    assert (stages["谈90天"], stages["报未投产"]) == ("negotiating", "started")
    # a tighter limit from city.toml turns the 29-day lead yellow too
    tighter = {**LIMITS.params(), "lead_yellow": 29}
    again = run(Reader(db).cursor(), "pipeline_warnings", Filters(2025), as_of=day, **tighter)
    assert "等29天" in again.get_column("project_name").to_list()


# ---------------------------------------------------------------- identity review list


def test_review_lists_names_that_differ_slightly_but_not_other_capacities(db):
    load(db, [
        lead("恒锐铝业有限公司年产5万吨铝型材项目", "140821", date(2025, 1, 6)),
        lead("年产8万吨再生铝（一期）项目", "140821", date(2025, 1, 6)),
        lead("宏达年产50万吨铝型材项目", "140822", date(2025, 1, 6)),
    ], "lead")
    load(db, [
        signing("恒锐铝业年产5万吨铝型材项目", "140821", date(2025, 3, 1)),
        signing("年产8万吨再生铝项目", "140821", date(2025, 3, 1)),
        signing("宏达年产5万吨铝型材项目", "140822", date(2025, 3, 1)),
        signing("恒锐铝业年产5万吨铝型材项目", "140823", date(2025, 3, 1)),  # another county: not a pair
    ], "signed")
    pairs = run(Reader(db).cursor(), "pipeline_identity_review", Filters(2025), min_similarity=0.95)
    found = {frozenset((a, b)) for a, b in pairs.select("name_a", "name_b").rows()}
    assert found == {
        frozenset(("恒锐铝业年产5万吨铝型材项目", "恒锐铝业有限公司年产5万吨铝型材项目")),
        frozenset(("年产8万吨再生铝项目", "年产8万吨再生铝（一期）项目")),
    }
    by_name = {r["name_b"]: r for r in pairs.iter_rows(named=True)} | {r["name_a"]: r for r in pairs.iter_rows(named=True)}
    assert by_name["恒锐铝业有限公司年产5万吨铝型材项目"]["similarity"] == pytest.approx(1.0)
    assert by_name["年产8万吨再生铝（一期）项目"]["contained"]
    assert {r["library_a"] for r in pairs.iter_rows(named=True)} | {r["library_b"] for r in pairs.iter_rows(named=True)} == {"线索", "签约"}


@pytest.mark.parametrize("threshold", [0.85, 0.9, 0.95, 1.0])
def test_review_lists_the_pairs_an_all_pairs_search_finds(db, threshold):
    """The review compares only pairs that can qualify (a province took 25 s comparing all);
    it must list exactly the pairs that comparing every two projects of a unit lists."""
    import random

    from test_page_data import BASES, variants

    rng = random.Random(20251001)
    names = sorted({v for base in BASES for v in variants(rng, base)})
    load(db, [
        # some with a national code: two coded projects are never a pair
        signing(f"{name}项目", "140821", date(2025, 1 + i % 9, 1),
                project_code=f"2025-140821-00-00-{i:06d}" if i % 5 == 0 else None)
        for i, name in enumerate(names)
    ], "signed")
    cur = Reader(db).cursor()
    everything = """
        select a.project_key, b.project_key
        from pipeline_projects a
        join pipeline_projects b on a.unit_id = b.unit_id and a.project_key < b.project_key
        where (a.project_code is null or b.project_code is null)
          and a.name_numbers = b.name_numbers
          and (name_similarity(a.compared_name, b.compared_name) >= ?
               or (length(a.compared_name) >= 4 and length(b.compared_name) >= 4
                   and (contains(a.compared_name, b.compared_name) or contains(b.compared_name, a.compared_name))))
    """
    expected = sorted(cur.execute(everything, [threshold]).fetchall())
    pairs = run(cur, "pipeline_identity_review", Filters(2025), min_similarity=threshold)
    assert len(expected) > 20  # near and far from the threshold, to mean something
    assert sorted(pairs.select("key_a", "key_b").rows()) == expected


# ---------------------------------------------------------------- the sample data


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from etl.sample import build_sample

    db = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    assert all(r.ok for r in build_sample(db))
    return db


def test_sample_calibration_586_leads_112_signed(sample):
    cur = Reader(sample).cursor()
    flow = run(cur, "pipeline_conversion", Filters(2025, 1, 9)).row(0, named=True)
    assert (flow["leads"], flow["signed"]) == (586, 112)
    # every library is populated, and the eight near-miss lead names are up for review
    libraries = dict(run(cur, "pipeline_libraries", Filters(2025)).select("library", "projects").rows())
    assert all(libraries[k] > 0 for k in ("lead", "negotiating", "signed", "started", "producing", "closed"))
    pairs = run(cur, "pipeline_identity_review", Filters(2025), min_similarity=0.95)
    names = set(pairs.get_column("name_a")) | set(pairs.get_column("name_b"))
    assert len({n for n in names if any(mark in n for mark in ("有限公司", "生产线", "（一期）"))}) == 8


def test_stored_warnings_are_the_ones_worked_out_live(request, tmp_path):
    """/pipeline reads the warnings each write stores for the data date and city.toml's
    limits; they must be exactly what working them out gives, and other limits must not
    read them."""
    from conftest import copy_of_sample
    from warehouse.db import writer

    db = copy_of_sample(request, tmp_path / "copy")
    cur = Reader(db).cursor()
    as_of = cur.execute("select as_of from v_as_of").fetchall()[0][0]
    city = limits().params()
    assert cur.execute("select count(*) from pipeline_warnings_stored").fetchall()[0][0] > 0
    stored = run(cur, "pipeline_warnings", Filters(2025), as_of=as_of, **city)
    tampered = copy_of_sample(request, tmp_path / "tampered")
    with writer(tampered) as con:  # the page does read the stored copy
        con.execute("delete from pipeline_warnings_stored where position = 1")
    assert run(Reader(tampered).cursor(), "pipeline_warnings", Filters(2025), as_of=as_of, **city).height == stored.height - 1
    with writer(db) as con:  # no stored basis: every query works them out
        con.execute("delete from pipeline_warnings_basis")
    live = run(Reader(db).cursor(), "pipeline_warnings", Filters(2025), as_of=as_of, **city)
    assert stored.height > 0 and stored.equals(live)
    stricter = {**city, "lead_yellow": 1, "lead_red": 2}
    assert run(cur, "pipeline_warnings", Filters(2025), as_of=as_of, **stricter).height > stored.height


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler by characters, as the textbook (and duckdb 2) computes it."""
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    taken = [False] * len(b)
    matched_a = []
    for i, c in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == c:
                taken[j] = True
                matched_a.append(c)
                break
    if not matched_a:
        return 0.0
    matched_b = [c for j, c in enumerate(b) if taken[j]]
    m = len(matched_a)
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b)) / 2
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = next((i for i, (x, y) in enumerate(zip(a[:4], b[:4])) if x != y), min(4, len(a), len(b)))
    return jaro + prefix * 0.1 * (1 - jaro)


def test_names_are_compared_by_characters_not_bytes(db, tmp_path):
    # duckdb 1.5 compares UTF-8 bytes: 宏和智能装备 and 宏和智装司产 came out 0.89 instead of 0.84
    load(db, [signing("铝材项目", "140821", date(2025, 1, 1))], "signed")
    names = ["宏和智能装备", "宏和智装司产", "年产8万吨再生铝项目", "8万吨再生铝项目", "光伏电站", "风电场", "abc", "abd", "铝材"]
    cur = Reader(db).cursor()
    for a in names:
        for b in names:
            [(got,)] = cur.execute("select name_similarity(?, ?)", [a, b]).fetchall()
            assert got == pytest.approx(jaro_winkler(a, b)), (a, b)
