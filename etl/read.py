"""Understand a ledger file: find the project table in each sheet and parse its rows.

`read_ledger` never writes anything. It returns the typed rows together with every
problem found, each pointing at a cell; a caller loads the rows only when there are no
errors. The jobs are split by module: etl/header.py finds the header and maps columns,
etl/rows.py classifies rows and resolves units, etl/checks.py checks the typed values;
this module reads sheet by sheet and types the cells (etl/columns.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from base.reference import Reference, load_reference

from . import columns as columns_mod
from . import parse
from .checks import Checks
from .fields import FIELDS, LABELS, of_type, required
from .files import FileRefused, Grid, check_file, read_grids
from .header import (
    HEADER_SCAN_ROWS, MAX_HEADER_ROWS, Column, ColumnGuess, Headers, columns_by_field, field_label, ignored_columns,
    kind_from_columns,
)
from .problems import AmountProblem, Findings, Problem
from .rows import SheetRows, Units, classify_rows

log = logging.getLogger(__name__)

KINDS = ("lead", "negotiating", "signed", "started")
KIND_NAMES = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工"}
KIND_WORDS = (("开工", "started"), ("签约", "signed"), ("洽谈", "negotiating"), ("线索", "lead"))
AMOUNT_FIELDS = of_type("amount")
DATE_FIELDS = of_type("date")
TEXT_FIELDS = of_type("text")
# Real names run to 60 characters or so; far beyond, the cell holds a pasted paragraph
# or a whole row, and taking it as a name would create a nonsense project.
MAX_NAME_CHARS = 200


# A parsed row: where it came from, a column per field of the catalog, and what the reader
# derives (the name's identity form, the unit and chain as written, the investor's province).
ROW_SCHEMA = {
    "sheet": pl.String,
    "sheet_index": pl.Int32,
    "excel_row": pl.Int32,
    "kind": pl.String,
    "period_end": pl.Date,
    **{f.column: f.dtype for f in FIELDS},
    "name_key": pl.String,
    "unit_raw": pl.String,
    "chain_raw": pl.String,
    "origin_province": pl.String,
}



@dataclass
class SheetResult:
    name: str
    used: bool
    reason: str = ""
    period: parse.Period | None = None
    header_rows: tuple[int, int] | None = None  # first and last Excel row of the header
    columns: list[Column] = field(default_factory=list)
    rows_used: int = 0
    # (letter, header) of header cells recognised as no field: what the load leaves out
    ignored: list[tuple[str, str]] = field(default_factory=list)



@dataclass
class Ledger:
    file_name: str
    sha256: str
    size: int
    kind: str | None
    period: parse.Period | None
    sheets: list[SheetResult]
    rows: pl.DataFrame
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def refused(cls, name: str, data: bytes, kind: str | None, message: str, sheet: str | None = None) -> "Ledger":
        """A file refused whole: no rows, one error."""
        sha = hashlib.sha256(data).hexdigest() if data else ""
        return cls(name, sha, len(data), kind, None, [], pl.DataFrame(schema=ROW_SCHEMA), [Problem("error", message, name, sheet)])

    def implausible_amounts(self) -> list[Problem]:
        """Amounts above the city's ceiling or far beyond the unit's history: errors, or
        warnings once the uploader confirmed them."""
        return [p for p in self.problems if isinstance(p, AmountProblem)]


def read_ledger(
    path: str | Path,
    kind: str | None = None,
    reference: Reference | None = None,
    *,
    data: bytes | None = None,
    display_name: str | None = None,
    period: parse.Period | None = None,
    money_unit: str | None = None,
    allowed_units: set[str] | None = None,
    today: date | None = None,
    confirm_amounts: bool = False,
    mapping: dict[str, str] | None = None,
) -> Ledger:
    """Read one ledger file.

    kind, period and money_unit override what is detected; allowed_units (unit ids)
    turns rows of any other reporting unit into errors (an uploader's own units).
    today is the day of the load (dates after it cannot have happened); confirm_amounts
    is the uploader's word that amounts above the city's ceiling are right. mapping
    (header text -> field name) is the uploader's word on columns the reader cannot name.
    """
    path = Path(path)
    name = display_name or path.name
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            reason = "没有读取权限" if isinstance(exc, PermissionError) else "文件不存在、被占用或磁盘出错"
            return Ledger.refused(name, b"", kind, f"无法读取文件（{reason}），文件未导入")
    sha = hashlib.sha256(data).hexdigest()
    reader = None
    try:
        fmt = check_file(Path(name), data)
        grids = read_grids(Path(name), data, fmt)
        reader = _Reader(name, reference or load_reference(), kind, period, money_unit, allowed_units,
                         today or date.today(), confirm_amounts, mapping)
        return reader.read(grids, sha, len(data))
    except FileRefused as refused:
        return Ledger.refused(name, data, kind, str(refused))
    except Exception:
        # A bug of ours, not the uploader's: the traceback goes to the admin's log, the
        # person gets where it happened and what to do.
        sheet = reader.current_sheet if reader else None
        log.exception("unexpected error reading %s (sheet %s)", name, sheet)
        message = "读取文件时发生意外错误，文件未导入；请把此文件发给管理员"  # the problem names the sheet
        return Ledger.refused(name, data, kind, message, sheet)


def _cell(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def period_words(period: parse.Period) -> str:
    """A period as a sentence says it: '2023年' for a whole year, else its label ('2025年1-9月')."""
    return period.label.removesuffix("全年")


def _blank_placeholders(cells: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.lit(cells).is_in(list(parse.PLACEHOLDERS))).then(None).otherwise(pl.lit(cells))).to_series().alias(cells.name)


def kind_from_text(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        for word, kind in KIND_WORDS:
            if word in text:
                return kind
    return None


class _Reader:
    """Reads one file sheet by sheet; the jobs go to Headers, Units and Checks, which
    report to one Findings in the order the problems are found."""

    def __init__(self, file_name, reference, kind, period, money_unit, allowed_units, today, confirm_amounts, mapping=None):
        self.file = file_name
        self.reference = reference
        self.kind = kind
        self.period_override = period
        self.findings = Findings(file_name)
        self.headers = Headers(reference, self.findings, money_unit, mapping)
        self.units = Units(reference, file_name, allowed_units)
        self.checks = Checks(reference, self.findings, today, confirm_amounts)
        self.current_sheet: str | None = None  # for the message of an unexpected error

    # -- the file -----------------------------------------------------------------

    def read(self, grids: list[Grid], sha: str, size: int) -> Ledger:
        file_period = self.period_override or parse.parse_period(Path(self.file).stem)
        sheets: list[SheetResult] = []
        frames: list[pl.DataFrame] = []
        for grid in grids:
            self.current_sheet = grid.name
            result, frame = self.read_sheet(grid, file_period)
            sheets.append(result)
            if frame is not None:
                frames.append(frame)
        if not any(s.used for s in sheets) and not self.findings.has_errors():
            reasons = "；".join(f"「{s.name}」{s.reason}" for s in sheets) or "没有工作表"
            self.findings.add(
                "error",
                f"文件中没有找到项目清单（{reasons}）。项目清单须有“项目名称”等表头，可下载模板对照",
            )
        for s in sheets:
            if not s.used and s.reason:
                self.findings.add("note", f"已跳过：{s.reason}", s.name)
        self.current_sheet = None
        self.headers.report_unused_mapping()
        self.findings.flush_warnings()
        rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=ROW_SCHEMA)
        used_periods = [s.period for s in sheets if s.used and s.period]
        period = max(used_periods, key=lambda p: p.end) if used_periods else file_period
        order = {"error": 0, "warning": 1, "note": 2}
        problems = sorted(self.findings.problems, key=lambda p: order[p.level])
        return Ledger(self.file, sha, size, self.kind, period, sheets, rows, problems)

    # -- one sheet ----------------------------------------------------------------

    def read_sheet(self, grid: Grid, file_period) -> tuple[SheetResult, pl.DataFrame | None]:
        frame = grid.frame
        if frame.height == 0:
            return SheetResult(grid.name, False, "空工作表"), None
        head = [[_cell(v) for v in row] for row in frame.head(HEADER_SCAN_ROWS + MAX_HEADER_ROWS).rows()]
        letters = frame.columns
        found = self.headers.find_header(head)
        if found is None:
            return SheetResult(grid.name, False, "未找到项目表头（如说明页）"), None
        first, last, fields = found
        if "project_name" not in fields:
            return SheetResult(grid.name, False, "没有“项目名称”列，不是项目清单（如汇总表）"), None
        title_texts = [t for row in head[:first] for t in row if t]
        title = " ".join(title_texts)

        if self.kind is None:
            self.kind = kind_from_text(title, grid.name, Path(self.file).stem) or kind_from_columns(fields)
        kind = self.kind
        default_year = next(
            (p.start.year for p in (parse.parse_period(title), file_period) if p), None
        )
        period = (
            parse.parse_period(grid.name, default_year)
            or parse.parse_period(title, default_year)
            or file_period
        )
        columns = self.headers.columns(head, first, last, fields, letters, title_texts, grid.name, kind)
        result = SheetResult(grid.name, True, period=period, header_rows=(first + 1, last + 1), columns=columns,
                             ignored=ignored_columns(head, first, last, letters, columns))
        self.headers.report_mapping(head, first, last, columns, letters, grid.name)

        # Without a unit column the unit may come from the title/file name or group rows.
        missing = [
            f for f in required(kind)
            if f not in fields
            and not (f == "unit" and (self.units.context_unit(title, grid.name)
                                      or self.units.has_group_units(frame, last + 1, fields)))
        ]
        guesses = {}
        if missing:
            guesses = self.headers.guess_columns(head, first, last, fields, missing, letters)
            for fld, (letter, header) in guesses.items():
                label = field_label(fld)
                self.findings.append(ColumnGuess(
                    "error", f"未找到“{label}”列；“{header}”（{letter}列）可能是{label}，如确认请把该列表头改为“{label}”",
                    self.file, grid.name, last + 1, letter, header, proposal=(header, label),
                ))
        if kind == "signed" and "signed_date" in missing and "signed_date" not in guesses and period is not None:
            # Yearly returns often list the year's signings without dates; the period the
            # title, sheet or file name states is then all that is known of when they signed.
            missing.remove("signed_date")
            self.findings.add(
                "warning", f"本表没有签约时间列，项目按报表期间 {period_words(period)} 计入，月份不详",
                grid.name, last + 1,
            )
        unguessed = [f for f in missing if f not in guesses]
        if unguessed:
            needed = "、".join(
                f"“{LABELS.get(f, f)}”（可用表头：{'、'.join(self.reference.header_synonyms.get(f, ())[:4])}）"
                for f in unguessed
            )
            self.findings.add(
                "error",
                f"{KIND_NAMES[kind]}台账缺少必需列：{needed}。请在第{last + 1}行表头中补上该列，或选择正确的台账类型",
                grid.name, last + 1,
            )
        if missing:
            result.used = False
            result.reason = "缺少必需列"
            return result, None

        rows = self.parse_rows(grid, frame, last + 1, columns, kind, period, title)
        result.rows_used = rows.height
        if rows.height == 0:
            result.used = False
            result.reason = "表头下没有项目行"
            return result, None
        return result, rows

    # -- rows ---------------------------------------------------------------------

    def parse_rows(self, grid, frame, data_start, columns, kind, period, title) -> pl.DataFrame:
        """Project rows of one sheet, typed. Works column by column (see etl/columns.py)."""
        by_field = columns_by_field(columns)
        sheet = grid.name
        raw = frame.slice(data_start).select(
            pl.int_range(data_start + 1, data_start + 1 + frame.height - data_start, dtype=pl.Int32).alias("excel_row"),
            *[pl.col(c.letter).cast(pl.String).alias(c.field) for c in columns],
            *[pl.col(letter).cast(pl.String).alias(f"_lead{i}") for i, letter in enumerate(frame.columns[:3])],
        )
        kinds, group_units = classify_rows(raw, columns, sheet, self.findings, self.units)
        group_unit = pl.Series("group_unit", group_units, dtype=pl.String).fill_null(strategy="forward")
        raw = raw.with_columns(group_unit, row_kind=pl.Series(kinds, dtype=pl.String))
        rows = raw.filter(pl.col("row_kind") == "project")
        totals = raw.filter(pl.col("row_kind") == "total")
        sheet_rows = SheetRows(self.findings, sheet, by_field, rows)
        n = rows.height
        excel_rows = rows.get_column("excel_row")
        out: dict[str, pl.Series] = {
            "sheet": pl.repeat(sheet, n, eager=True, dtype=pl.String),
            "sheet_index": pl.repeat(grid.index, n, eager=True, dtype=pl.Int32),
            "excel_row": excel_rows,
            "kind": pl.repeat(kind, n, eager=True, dtype=pl.String),
            "period_end": pl.repeat(period.end if period else None, n, eager=True, dtype=pl.Date),
        }
        texts = {f: columns_mod.clean(rows.get_column(f)) for f in ("project_name", *TEXT_FIELDS, "project_code", "unit", "chain") if f in by_field}
        # "/", "无", "缺漏" in an optional text cell say nobody knows: stored as blank, not
        # shown as an investor named "/" or a chain warned about
        for f in (*TEXT_FIELDS, "project_code", "chain"):
            if f in texts:
                texts[f] = _blank_placeholders(texts[f])
        out.update({f: texts[f] for f in ("project_name", *TEXT_FIELDS) if f in texts})
        c = by_field["project_name"]
        too_long = rows.select("excel_row").with_columns(name=texts["project_name"]).filter(
            pl.col("name").str.len_chars() > MAX_NAME_CHARS
        )
        for row, name in too_long.iter_rows():
            self.findings.add(
                "error", f"项目名称过长（{len(name)} 个字符），可能误粘贴了整段文字；请只填写项目名称（不超过 {MAX_NAME_CHARS} 字）",
                sheet, row, c.letter, c.header, name,
            )

        if "project_code" in texts:
            codes = texts["project_code"]
            bad = codes.is_not_null() & ~columns_mod.project_codes(codes)
            sheet_rows.warn_rows("项目代码不符合全国统一格式（YYYY-AAAAAA-NN-NN-NNNNNN），未用于识别项目", "project_code", bad, codes)
            out["project_code"] = pl.select(pl.when(pl.lit(bad)).then(None).otherwise(pl.lit(codes))).to_series()

        out["unit_raw"], out["unit_id"] = self.units.resolve(sheet_rows, texts.get("unit"), rows.get_column("group_unit"), title, n)

        chain_raw = texts.get("chain", pl.repeat(None, n, eager=True, dtype=pl.String))
        chain, _ = columns_mod.map_unique(chain_raw, lambda v: parse.resolve_chain(v, self.reference)[0], pl.String)
        known, _ = columns_mod.map_unique(chain_raw, lambda v: parse.resolve_chain(v, self.reference)[1], pl.Boolean)
        sheet_rows.warn_rows("未识别的产业链，已归入“其他”；如属重点产业链请按下拉选项填写", "chain", chain_raw.is_not_null() & ~known.fill_null(False), chain_raw)
        out["chain"], out["chain_raw"] = chain.fill_null("其他"), chain_raw

        if "investor_origin" in out:
            out["origin_province"], _ = columns_mod.map_unique(out["investor_origin"], parse.origin_province, pl.String)

        bad_cells: dict[str, pl.Series] = {}
        for fld in AMOUNT_FIELDS:
            if fld in by_field:
                values, errors = columns_mod.amounts(rows.get_column(fld), by_field[fld].money_unit)
                bad_cells[fld] = sheet_rows.error_rows(fld, errors)
                out[f"{fld}_wan"] = values
        default_year = period.start.year if period else None
        for fld in DATE_FIELDS:
            if fld in by_field:
                values, errors = columns_mod.dates(rows.get_column(fld), default_year)
                bad_cells[fld] = sheet_rows.error_rows(fld, errors)
                cells = rows.get_column(fld)
                precision, _ = columns_mod.map_unique(cells.filter(values.is_not_null()), parse.date_precision, pl.String)
                month_only = pl.Series([False] * n, dtype=pl.Boolean)
                if precision.len():
                    month_only = cells.is_in(cells.filter(values.is_not_null()).filter(precision == "month").to_list()) & values.is_not_null()
                sheet_rows.warn_rows("日期只精确到月，按当月1日计", fld, month_only, cells)
                out[fld] = values
        for fld, target, convert in (
            ("started", "is_started", parse.parse_started), ("produced", "is_produced", parse.parse_produced)
        ):
            if fld in by_field:
                values, errors = columns_mod.map_unique(rows.get_column(fld), convert, pl.Boolean)
                sheet_rows.error_rows(fld, errors)
                out[target] = values

        frame_out = pl.DataFrame({k: out.get(k, pl.repeat(None, n, eager=True, dtype=t)).cast(t) for k, t in ROW_SCHEMA.items()
                                  if k != "name_key"}, schema={k: t for k, t in ROW_SCHEMA.items() if k != "name_key"})
        frame_out = frame_out.with_columns(
            name_key=pl.when(pl.col("unit_id").is_not_null() & pl.col("project_name").is_not_null())
            .then(pl.col("unit_id") + ":" + columns_mod.name_keys(frame_out.get_column("project_name")))
        ).select(list(ROW_SCHEMA))
        frame_out = self.checks.check_rows(sheet_rows, frame_out, kind, period, bad_cells)
        self.checks.check_totals(sheet_rows, totals, frame_out)
        return frame_out
