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
