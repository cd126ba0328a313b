"""The catalog of ledger fields (etl/fields.py) against everything that must agree with it:
the header vocabulary, the reader's rows, the warehouse's ledger_rows and the upload preview."""

from __future__ import annotations

from datetime import date

import duckdb

import workbooks as wb
from base.reference import load_reference
from etl.fields import BY_KEY, FIELDS, required
from etl.header import field_label, field_named
from etl.read import KINDS, ROW_SCHEMA, read_ledger
from ui.upload import FIELD_CHOICES, PREVIEW, preview_frame
from warehouse.db import migrate


def test_every_field_has_its_header_vocabulary_and_nothing_else_has_one():
    assert set(load_reference().header_synonyms) == set(BY_KEY)


def test_a_label_is_a_header_the_reader_reads_as_its_field():
    # the messages ask the uploader to write the label as the header: it must then be read
    for fld in FIELDS:
        assert field_named(fld.label) == fld.key, fld.label
        assert field_label(fld.key) == fld.label


def test_every_kind_requires_a_name_and_a_unit():
    assert required("signed") == ("project_name", "unit", "signed_date", "signed_amount")
    assert all(required(kind)[:2] == ("project_name", "unit") for kind in KINDS)


def test_the_reader_and_the_warehouse_have_a_column_of_each_field():
    con = duckdb.connect()
    migrate(con)
    stored = dict(con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = 'ledger_rows'"
    ).fetchall())
    for fld in FIELDS:
        assert ROW_SCHEMA[fld.column] == fld.dtype, fld.key
        assert fld.column in stored, f"ledger_rows has no column {fld.column}: a migration is missing"
    assert stored["signed_amount_wan"] == "DECIMAL(18,4)"


def test_the_preview_names_each_column_by_the_catalog(tmp_path):
    headers = [f.label for f in FIELDS]
    values = {
        "name": "铝材深加工项目", "code": "2024-140821-33-03-000001", "unit": "临猗县", "chain": "铝镁精深加工",
        "text": "某某", "amount": 1200, "date": date(2024, 3, 1), "flag": "是",
    }
    path = wb.xlsx(tmp_path / "2024年3月签约项目台账.xlsx", {"Sheet1": [headers, [values[f.type] for f in FIELDS]]})
    ledger = read_ledger(path)
    assert ledger.ok, ledger.errors
    shown = preview_frame(ledger)
    assert shown.columns == ["工作表", "行号", *(f.column_label for f in FIELDS)]
    assert shown.row(0, named=True)["签约金额（万元）"] == 1200
    assert shown.row(0, named=True)["县（市、区）/开发区"] == "临猗县"
    assert set(PREVIEW) >= {"unit_name", "signed_amount_wan", "is_started"}
    assert FIELD_CHOICES[1:-1] == tuple(f.key for f in FIELDS)
