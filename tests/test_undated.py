"""Signed ledgers without a 签约时间 column: loaded by their stated period, counted in its
year, shown as 月份不详 by month (issue 12 §4)."""

from datetime import date
from decimal import Decimal as D

import workbooks as wb
from etl.load import load_file
from warehouse.db import Reader
from warehouse.queries import Filters, headline, run

UNDATED = [["序号", "项目名称", "所属县（市、区）", "签约金额（万元）"], [1, "铝材项目", "临猗县", 1200], [2, "储能项目", "盐湖区", 800]]


def load(db, path):
    result = load_file(path, db, user="test")
    assert result.status == "loaded", [p.message for p in result.ledger.problems]
    return result


def test_an_undated_yearly_return_counts_in_its_year_and_in_no_month(db, tmp_path):
    # the units of both ledgers are the same, so December is complete and published (008)
    load(db, wb.xlsx(tmp_path / "2023年签约项目清单.xlsx", {"Sheet1": UNDATED}))
    load(db, wb.signed_ledger(tmp_path, [("光伏项目", "临猗县", 500, date(2023, 3, 15), None)], name="2023年3月签约项目台账.xlsx"))
    cur = Reader(db).cursor()
    assert run(cur, "years").select("year", "latest_month", "projects").rows() == [(2023, 12, 3)]
    year = headline(cur, Filters(2023))
    assert (year["signed_projects"], year["signed_amount_yi"]) == (3, D("0.25"))
    # the first quarter holds the dated project only: the others may have signed in December
    spring = headline(cur, Filters(2023, month_from=1, month_to=3))
    assert (spring["signed_projects"], spring["signed_amount_yi"]) == (1, D("0.05"))
    monthly = run(cur, "signing_by_month", Filters(2023))
    assert monthly.filter(monthly["projects"] > 0).rows() == [
        (3, 1, D("500"), 1, D("500")),
        (None, 2, D("2000"), 3, D("2500")),  # 月份不详, last; the running total ends at the year's
    ]
    assert headline(cur, Filters(2024))["signed_projects"] == 0
    # the overview's running total adds them at the period's last month and ends at the year's
    cumulative = run(cur, "overview_monthly_cumulative", Filters(2023))
    assert cumulative.filter(cumulative["year"] == 2023).select("month", "amount_wan", "cumulative_wan").rows()[-1] == (
        12, D("2000"), D("2500"))


def test_a_dated_row_gives_an_undated_project_its_month(db, tmp_path):
    load(db, wb.xlsx(tmp_path / "2025年1-9月签约项目清单.xlsx", {"Sheet1": UNDATED}))
    cur = Reader(db).cursor()
    assert headline(cur, Filters(2025, month_from=1, month_to=9))["signed_projects"] == 2
    assert headline(cur, Filters(2025, month_from=1, month_to=8))["signed_projects"] == 0
    load(db, wb.signed_ledger(tmp_path, [("铝材项目", "临猗县", 1200, date(2025, 4, 2), None)], name="2025年4月签约项目台账.xlsx"))
    cur = Reader(db).cursor()
    signed = cur.sql("select project_name, signed_date, signed_period_end, signed_month from v_signed_projects order by 1").fetchall()
    assert signed == [("储能项目", None, date(2025, 9, 30), None), ("铝材项目", date(2025, 4, 2), None, 4)]


def test_an_undated_signing_not_started_waits_since_its_period_end(db, tmp_path):
    # its signing day is unknown; from the period's end its wait is never overstated
    load(db, wb.xlsx(tmp_path / "2023年签约项目清单.xlsx", {"Sheet1": UNDATED}))
    load(db, wb.signed_ledger(tmp_path, [  # both units report March 2024: the data date is its end
        ("光伏项目", "临猗县", 500, date(2024, 3, 31), None), ("风电项目", "盐湖区", 500, date(2024, 3, 31), None),
    ], name="2024年3月签约项目台账.xlsx"))
    cur = Reader(db).cursor()
    warned = run(cur, "starts_warnings", Filters(2024, month_from=1, month_to=3), yellow_days=60, red_days=90, include_earlier=True)
    assert warned.select("level", "project_name", "days_waiting").rows() == [("红", "储能项目", 91), ("红", "铝材项目", 91)]
