"""Tables on screen are capped; their downloads are not."""

import io

import openpyxl
import polars as pl
from streamlit.testing.v1 import AppTest

from ui.export import to_xlsx
from ui.table import SHOWN_ROWS


def test_long_tables_show_the_first_rows_and_say_so():
    def script():
        import polars as pl

        from ui.table import SHOWN_ROWS, table

        table(pl.DataFrame({"n": range(SHOWN_ROWS + 7)}), "long")

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == SHOWN_ROWS
    assert f"共 {SHOWN_ROWS + 7:,} 行" in at.caption[0].value


def test_the_download_has_every_row_and_no_formula():
    frame = pl.DataFrame({"n": range(SHOWN_ROWS + 7), "text": ["=1+1"] * (SHOWN_ROWS + 7)})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame))).active
    assert sheet.max_row == SHOWN_ROWS + 9  # header, every row, totals
    assert sheet.cell(SHOWN_ROWS + 8, 1).value == SHOWN_ROWS + 6
    assert sheet["B2"].value == "'=1+1" and sheet["B2"].data_type == "s"


def badge_table(width: int) -> AppTest:
    """A warning list as the pages draw it, at a browser width the page has measured."""
    def script():
        import polars as pl

        from ui import warnings
        from ui.table import table

        frame = pl.DataFrame(
            {"预警等级": [["红色"], []], "项目名称": ["甲项目", "乙项目"], "停留天数": [400, None]},
            schema={"预警等级": pl.List(pl.String), "项目名称": pl.String, "停留天数": pl.Int64},
        )
        table(frame, "warnings", column_config={"预警等级": warnings.level_column()})

    at = AppTest.from_function(script)
    at.session_state["viewport"] = {"width": width}
    return at.run()


def test_warning_lists_keep_level_and_name_in_view_and_show_no_none():
    import json

    for width, name_width in ((358, 150), (1100, None)):
        at = badge_table(width)
        assert not at.exception
        shown = at.dataframe[0].proto
        columns = json.loads(shown.columns)
        level, name = columns["预警等级"], columns["项目名称"]
        # the level is a coloured badge; level and name stay on the left while the row scrolls
        assert level["type_config"]["type"] == "multiselect" and level["pinned"] and name["pinned"]
        assert [o["color"] for o in level["type_config"]["options"]] == ["#c0392b", "#d9a400"]
        assert name.get("width") == name_width  # narrow on a phone: the days beside it stay in view
        assert shown.placeholder == "—"  # an empty cell is never None
