"""An amount far beyond its unit's history is refused until the uploader confirms it."""

from datetime import date

import pytest

import workbooks as wb
from etl.load import load_file
from warehouse.db import Reader
from warehouse.queries import Filters, headline


@pytest.fixture
def linyi(db, tmp_path):
    """临猗县 has signed six projects, the largest of 5,000 万元; 万荣县 three."""
    projects = [(f"临猗项目{i}", "临猗县", amount, date(2024, 1, i), "新能源")
                for i, amount in enumerate((1000, 2000, 3000, 4000, 5000, 500), 1)]
    projects += [(f"万荣项目{i}", "万荣县", 100, date(2024, 2, i), "新能源") for i in range(1, 4)]
    assert load_file(wb.signed_ledger(tmp_path / "before", projects), db=db).status == "loaded"
    return db


def slip(tmp_path, unit: str, amount_wan: int):
    return wb.signed_ledger(tmp_path / "slip", [("储能电站项目", unit, amount_wan, date(2024, 5, 1), "新能源")],
                            name="2024年1-6月补报签约项目台账.xlsx")


def test_a_hundred_times_the_units_largest_project_is_an_error_until_confirmed(linyi, tmp_path):
    # 80 亿元 stays under the city's 500 亿元 ceiling but is 160 times anything 临猗县 signed
    before = headline(Reader(linyi).cursor(), Filters(2024))
    refused = load_file(slip(tmp_path, "临猗县", 800_000), db=linyi)
    assert refused.status == "refused"
    [error] = refused.ledger.errors
    assert (error.sheet, error.row, error.column, error.value) == ("Sheet1", 2, "D", "80.00 亿元")
    assert error.message == (
        "签约金额 80.00 亿元 是临猗县以往最大签约项目（0.50 亿元）的 160 倍，"
        "是否把万元填成了亿元？请核对金额和表头中的单位；确属无误的，请在预览中确认后导入"
    )
    assert headline(Reader(linyi).cursor(), Filters(2024)) == before

    confirmed = load_file(slip(tmp_path, "临猗县", 800_000), db=linyi, confirm_amounts=True)
    assert confirmed.status == "loaded"
    assert [w.message for w in confirmed.ledger.warnings] == [
        "签约金额 80.00 亿元 是临猗县以往最大签约项目（0.50 亿元）的 160 倍，已由上传人确认无误"
    ]


@pytest.mark.parametrize("unit, amount_wan", [
    ("万荣县", 800_000),  # three projects are too little history to judge by
    ("临猗县", 90_000),  # 180 times, but 9 亿元 is below the 10 亿元 a slip is looked for from
    ("临猗县", 400_000),  # 80 times: within the unit's range
])
def test_amounts_the_history_cannot_judge_load(linyi, tmp_path, unit, amount_wan):
    assert load_file(slip(tmp_path, unit, amount_wan), db=linyi).status == "loaded"
