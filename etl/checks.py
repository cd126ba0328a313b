"""Check the typed rows of a sheet: what a ledger kind needs, dates in order, values that
cannot be true, repeated projects, and a 合计 row against the rows it sums."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from base.reference import Reference

from . import parse
from .fields import of_type
from .problems import AmountProblem, Findings
from .rows import SheetRows

AMOUNT_FIELDS = of_type("amount")
FUTURE_WORDS = {"signed_date": "签约时间", "start_date": "开工时间", "production_date": "投产时间"}


class Checks:
    """The checks of one file's rows; `today` is the day of the load, `confirm_amounts` the
    uploader's word that amounts above the city's ceiling are right."""

    def __init__(self, reference: Reference, findings: Findings, today: date, confirm_amounts: bool):
        self.reference = reference
        self.findings = findings
        self.today = today
        self.confirm_amounts = confirm_amounts

    def check_rows(self, cells: SheetRows, rows: pl.DataFrame, kind, period, bad_cells) -> pl.DataFrame:
        """Rows as a ledger of `kind` for `period` needs them; fills 是否开工 from a start date."""
        sheet = cells.sheet
        none = pl.Series([False] * rows.height, dtype=pl.Boolean)
        by_field = cells.by_field

        def errors(mask, message, fld):
            c = by_field[fld]
            for (row,) in rows.select("excel_row").filter(mask).iter_rows():
                self.findings.add("error", message, sheet, row, c.letter, c.header)

        if kind == "signed" and "signed_date" in by_field:
            errors(rows.get_column("signed_date").is_null() & ~bad_cells.get("signed_date", none),
                   "签约时间为空，请填写签约日期，如 2024-03-15", "signed_date")
        if kind == "signed":
            cells.warn_rows("签约金额待定或为空，项目计入个数但不计入金额", "signed_amount",
                            rows.get_column("signed_amount_wan").is_null() & ~bad_cells.get("signed_amount", none),
                            pl.repeat(None, rows.height, eager=True, dtype=pl.String))
        if kind == "started":
            rows = rows.with_columns(
                is_started=pl.when(pl.col("is_started").is_null() & pl.col("start_date").is_not_null())
                .then(True).otherwise(pl.col("is_started"))
            )
            if "start_date" in by_field:
                errors(rows.get_column("start_date").is_null() & rows.get_column("is_started").ne_missing(False)
                       & ~bad_cells.get("start_date", none),
                       "开工时间为空，请填写实际开工日期，如 2024-03-15", "start_date")
        signed, started_on = rows.get_column("signed_date"), rows.get_column("start_date")
        if "start_date" in by_field:
            early = (started_on < signed).fill_null(False)
            cells.warn_rows("开工时间早于签约时间，请核实", "start_date", early, started_on.cast(pl.String))
        if period and kind == "signed":
            late = (signed > period.end).fill_null(False)
            cells.warn_rows(f"签约时间晚于报表期末（{period.end.isoformat()}），请核实", "signed_date", late, signed.cast(pl.String))
        self.check_plausible(cells, rows)
        keyed = rows.select("excel_row", "name_key", "project_name").with_columns(
            first=pl.col("excel_row").first().over("name_key")
        ).filter(pl.col("name_key").is_not_null() & (pl.col("excel_row") != pl.col("first")))
        c = by_field["project_name"]
        for row, _, name, first in keyed.iter_rows():
            self.findings.add("warning", f"与第{first}行项目重复，以本行为准", sheet, row, c.letter, c.header, name)
        return rows

    def check_plausible(self, cells: SheetRows, rows: pl.DataFrame) -> None:
        """Values that cannot be true are errors: a date after today, an amount beyond any project."""
        for fld in ("signed_date", "start_date", "production_date"):
            c = cells.by_field.get(fld)
            if c is None:
                continue
            future = rows.select("excel_row", fld).filter(pl.col(fld) > self.today)
            for row, value in future.iter_rows():
                self.findings.add("error", f"{FUTURE_WORDS[fld]}晚于今天（{self.today.isoformat()}），不可能已发生；请核对年份或月份",
                                  cells.sheet, row, c.letter, c.header, value.isoformat())
        ceiling = self.reference.max_project_amount_wan
        for fld in AMOUNT_FIELDS:
            c = cells.by_field.get(fld)
            if c is None:
                continue
            unit = c.money_unit or "万元"
            factor = parse.WAN_PER_UNIT.get(unit, Decimal(1))
            huge = rows.select("excel_row", f"{fld}_wan").filter(pl.col(f"{fld}_wan") > ceiling)
            for row, wan in huge.iter_rows():
                written = f"{Decimal(wan) / factor:,.2f} {unit}"
                limit = f"{ceiling // 10_000:,} 亿元"
                self.findings.append(AmountProblem.found(
                    self.confirm_amounts, f"金额 {written} 超过单个项目的上限（{limit}）",
                    self.findings.file, cells.sheet, row, c.letter, c.header, written,
                ))

    def check_totals(self, cells: SheetRows, totals: pl.DataFrame, rows: pl.DataFrame) -> None:
        """A 合计 row that disagrees with its rows is worth a look, not a refusal."""
        if totals.height == 0:
            return
        for fld in AMOUNT_FIELDS:
            c = cells.by_field.get(fld)
            if c is None or totals.get_column(fld)[0] is None:
                continue
            raw = totals.get_column(fld)[0]
            row = totals.get_column("excel_row")[0]
            try:
                stated = parse.parse_amount(raw, c.money_unit)
            except parse.ParseError:
                continue
            if stated is None:
                continue
            actual = rows.get_column(f"{fld}_wan").sum() or Decimal(0)
            actual = Decimal(actual)
            tolerance = max(Decimal(1), abs(stated) * Decimal("0.0001"))
            if abs(actual - stated) > tolerance:
                factor = Decimal(10000) if c.money_unit == "亿元" else Decimal(1)
                self.findings.add(
                    "warning",
                    f"合计行与明细之和不一致：合计 {stated / factor:,.4f}，明细之和 {actual / factor:,.4f}（{c.money_unit}）",
                    cells.sheet, row, c.letter, c.header, raw,
                )
