"""Understand a ledger file: find the project table in each sheet and parse its rows.

`read_ledger` never writes anything. It returns the typed rows together with every
problem found, each pointing at a cell; a caller loads the rows only when there are no
errors.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import polars as pl

from base.reference import Reference, Unit, load_reference, resolve_unit, suggest_unit
from base.text import clean_text

from . import columns as columns_mod
from . import parse
from .fields import FIELDS, LABELS, of_type, required
from .files import FileRefused, Grid, check_file, read_grids
from .problems import AmountProblem, Problem
from .vocabulary import ALL_PARENS, UNIT_PARENS, guess_score, header_key, vocabulary_index, vocabulary_keys

log = logging.getLogger(__name__)

KINDS = ("lead", "negotiating", "signed", "started")
KIND_NAMES = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工"}
KIND_WORDS = (("开工", "started"), ("签约", "signed"), ("洽谈", "negotiating"), ("线索", "lead"))
AMOUNT_FIELDS = of_type("amount")
DATE_FIELDS = of_type("date")
TEXT_FIELDS = of_type("text")
FUTURE_WORDS = {"signed_date": "签约时间", "start_date": "开工时间", "production_date": "投产时间"}
HEADER_SCAN_ROWS = 20
# Real names run to 60 characters or so; far beyond, the cell holds a pasted paragraph
# or a whole row, and taking it as a name would create a nonsense project.
MAX_NAME_CHARS = 200
MAX_HEADER_ROWS = 3
# Ranks of a header match, lower is stronger: an uploader's --map, then the synonyms of
# headers.csv (their order), then the vocabulary rules (etl/vocabulary.py).
MANUAL_RANK = -1
# the field of a column the uploader says not to load (「不导入」): read as no field
NOT_IMPORTED = "not_imported"
VOCABULARY_RANK = 1000
CONFIDENCE_NAMES = {"manual": "指定", "high": "高", "medium": "中"}

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


@dataclass(frozen=True)
class Column:
    field: str
    letter: str
    header: str
    money_unit: str | None = None  # 万元 | 亿元 | 元 | 万美元, for amount fields
    confidence: str = "high"  # high: a listed synonym | medium: by the vocabulary rules | manual: --map


def confidence_of(rank: int) -> str:
    return "manual" if rank < 0 else "high" if rank < VOCABULARY_RANK else "medium"


@dataclass(frozen=True)
class ColumnGuess(Problem):
    """A required column nobody named, and the header that may be it: an error until the
    uploader confirms the mapping (the CLI's --map)."""

    proposal: tuple[str, str] = ("", "")  # (header, field label)

    def for_cli(self) -> "ColumnGuess":
        header, label = self.proposal
        base = self.message.split("，如确认")[0]
        return replace(self, message=f"{base}，如确认请加 --map {header}={label}")


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


def _ignored(head, first, last, letters, columns) -> list[tuple[str, str]]:
    """(letter, header) of each header column no field was read from (lowest header text)."""
    used = {c.letter for c in columns}
    ignored = []
    for j, letter in enumerate(letters):
        texts = [head[i][j] for i in range(last, first - 1, -1) if j < len(head[i]) and head[i][j]]
        if texts and letter not in used:
            ignored.append((letter, texts[0]))
    return ignored


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


def _header_variants(text: str) -> list[str]:
    k0 = header_key(text)
    k1 = UNIT_PARENS.sub("", k0)
    k2 = ALL_PARENS.sub("", k1)
    return list(dict.fromkeys(k for k in (k0, k1, k2) if k))


def synonym_index(reference: Reference) -> dict[str, tuple[str, int]]:
    """Header key -> (field, priority); exact synonyms first, bracket-free forms after."""
    index: dict[str, tuple[str, int]] = {}
    for fld, synonyms in reference.header_synonyms.items():
        for rank, synonym in enumerate(synonyms):
            index.setdefault(header_key(synonym), (fld, rank))
    for fld, synonyms in reference.header_synonyms.items():
        for rank, synonym in enumerate(synonyms):
            index.setdefault(ALL_PARENS.sub("", header_key(synonym)), (fld, 100 + rank))
    return index


def match_header(text: str | None, index: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    if not text:
        return None
    for key in _header_variants(text):
        if key in index:
            return index[key]
    return None


def field_named(name: str, reference: Reference | None = None) -> str | None:
    """The field a person names: its English name, its label (etl.fields) or a listed header."""
    reference = reference or load_reference()
    name = header_key(name)
    if name in (NOT_IMPORTED, "不导入"):
        return NOT_IMPORTED
    fields = set(reference.header_synonyms) | set(LABELS)
    if name in fields:
        return name
    labels = {header_key(label): fld for fld, label in LABELS.items()}
    if name in labels:
        return labels[name]
    matched = match_header(name, synonym_index(reference))
    return matched[0] if matched else None


def field_label(fld: str) -> str:
    """The Chinese name of a field, as --map and the messages write it."""
    if fld == NOT_IMPORTED:
        return "不导入"
    return LABELS.get(fld, fld)


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
    def __init__(self, file_name, reference, kind, period, money_unit, allowed_units, today, confirm_amounts, mapping=None):
        self.file = file_name
        self.today = today
        self.confirm_amounts = confirm_amounts
        self.reference = reference
        self.kind = kind
        self.period_override = period
        self.money_unit_override = money_unit
        self.allowed_units = allowed_units
        self.synonyms = synonym_index(reference)
        self.vocabulary = vocabulary_index(reference.header_synonyms)
        # header variant -> (field, the header as given); unknown fields were refused by the caller
        self.mapping: dict[str, tuple[str, str]] = {}
        self.mapping_given = {text: field_named(name, reference) or name for text, name in (mapping or {}).items()}
        for text, fld in self.mapping_given.items():
            for key in _header_variants(text):
                self.mapping.setdefault(key, (fld, text))
        self.mapping_used: set[str] = set()
        self.problems: list[Problem] = []
        self.bad_cells: set[tuple[str, int, str]] = set()  # (sheet, row, field) already reported
        self.current_sheet: str | None = None  # for the message of an unexpected error
        self._matched: dict[str, tuple | None] = {}  # header text -> match, for find_header's many blocks
        self._aggregated: dict[tuple, list] = {}

    # -- problems ---------------------------------------------------------------

    def problem(self, level, message, sheet=None, row=None, column=None, header=None, value=None):
        self.problems.append(Problem(level, message, self.file, sheet, row, column, header, value))

    def warn_once(self, message, sheet, row, column=None, header=None, value=None, count=1):
        """Warnings repeat down a column; report each once, at its first cell, with a count."""
        key = (message, sheet, column)
        if key in self._aggregated:
            self._aggregated[key][1] += count
            return
        self._aggregated[key] = [Problem("warning", message, self.file, sheet, row, column, header, value), count]

    def _flush_warnings(self):
        for problem, count in self._aggregated.values():
            if count > 1:
                problem = Problem(
                    problem.level, f"{problem.message}（同类共 {count} 行，首次见此行）", problem.file,
                    problem.sheet, problem.row, problem.column, problem.header, problem.value,
                )
            self.problems.append(problem)

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
        if not any(s.used for s in sheets) and not any(p.level == "error" for p in self.problems):
            reasons = "；".join(f"「{s.name}」{s.reason}" for s in sheets) or "没有工作表"
            self.problem(
                "error",
                f"文件中没有找到项目清单（{reasons}）。项目清单须有“项目名称”等表头，可下载模板对照",
            )
        for s in sheets:
            if not s.used and s.reason:
                self.problem("note", f"已跳过：{s.reason}", s.name)
        self.current_sheet = None
        used = {self.mapping[k][1] for k in self.mapping_used}
        for text, fld in self.mapping_given.items():
            if text not in used:
                self.problem("warning", f"指定的对应“{text}={field_label(fld)}”在文件的表头中未找到，未使用")
        self._flush_warnings()
        rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=ROW_SCHEMA)
        used_periods = [s.period for s in sheets if s.used and s.period]
        period = max(used_periods, key=lambda p: p.end) if used_periods else file_period
        order = {"error": 0, "warning": 1, "note": 2}
        problems = sorted(self.problems, key=lambda p: order[p.level])
        return Ledger(self.file, sha, size, self.kind, period, sheets, rows, problems)

    # -- one sheet ----------------------------------------------------------------

    def read_sheet(self, grid: Grid, file_period) -> tuple[SheetResult, pl.DataFrame | None]:
        frame = grid.frame
        if frame.height == 0:
            return SheetResult(grid.name, False, "空工作表"), None
        head = [[_cell(v) for v in row] for row in frame.head(HEADER_SCAN_ROWS + MAX_HEADER_ROWS).rows()]
        letters = frame.columns
        found = self.find_header(head)
        if found is None:
            return SheetResult(grid.name, False, "未找到项目表头（如说明页）"), None
        first, last, fields = found
        if "project_name" not in fields:
            return SheetResult(grid.name, False, "没有“项目名称”列，不是项目清单（如汇总表）"), None
        title_texts = [t for row in head[:first] for t in row if t]
        title = " ".join(title_texts)

        if self.kind is None:
            self.kind = kind_from_text(title, grid.name, Path(self.file).stem) or self._kind_from_columns(fields)
        kind = self.kind
        default_year = next(
            (p.start.year for p in (parse.parse_period(title), file_period) if p), None
        )
        period = (
            parse.parse_period(grid.name, default_year)
            or parse.parse_period(title, default_year)
            or file_period
        )
        columns = self.columns(head, first, last, fields, letters, title_texts, grid.name)
        result = SheetResult(grid.name, True, period=period, header_rows=(first + 1, last + 1), columns=columns,
                             ignored=_ignored(head, first, last, letters, columns))
        self.report_mapping(head, first, last, columns, letters, grid.name)

        # Without a unit column the unit may come from the title/file name or group rows.
        missing = [
            f for f in required(kind)
            if f not in fields
            and not (f == "unit" and (self._context_unit(title, grid.name) or self._has_group_units(frame, last + 1, fields)))
        ]
        guesses = {}
        if missing:
            guesses = self.guess_columns(head, first, last, fields, missing, letters)
            for fld, (letter, header) in guesses.items():
                label = field_label(fld)
                self.problems.append(ColumnGuess(
                    "error", f"未找到“{label}”列；“{header}”（{letter}列）可能是{label}，如确认请把该列表头改为“{label}”",
                    self.file, grid.name, last + 1, letter, header, proposal=(header, label),
                ))
        if kind == "signed" and "signed_date" in missing and "signed_date" not in guesses and period is not None:
            # Yearly returns often list the year's signings without dates; the period the
            # title, sheet or file name states is then all that is known of when they signed.
            missing.remove("signed_date")
            self.problem(
                "warning", f"本表没有签约时间列，项目按报表期间 {period_words(period)} 计入，月份不详",
                grid.name, last + 1,
            )
        unguessed = [f for f in missing if f not in guesses]
        if unguessed:
            needed = "、".join(
                f"“{LABELS.get(f, f)}”（可用表头：{'、'.join(self.reference.header_synonyms.get(f, ())[:4])}）"
                for f in unguessed
            )
            self.problem(
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

    def find_header(self, head: list[list[str | None]]):
        """The block of 1-3 rows in the first 20 that names the most known fields."""
        best = None
        for start in range(min(HEADER_SCAN_ROWS, len(head))):
            for height in range(1, MAX_HEADER_ROWS + 1):
                end = start + height - 1
                if end >= len(head):
                    break
                fields = self._fields_of_block(head, start, end)
                # more fields wins; on a tie the shorter block (no title rows in it)
                score = (len(fields), -height)
                if len(fields) >= 2 and (best is None or score > best[0]):
                    best = (score, start, end, fields)
        return None if best is None else best[1:]

    def match(self, text: str | None) -> tuple[str, int, tuple[str, ...]] | None:
        """(field, rank, other fields it could be) of a header cell: --map, synonym, vocabulary."""
        if not text:
            return None
        if text in self._matched:
            return self._matched[text]
        found = None
        keys = _header_variants(text)
        if given := next((self.mapping[k] for k in keys if k in self.mapping), None):
            if given[0] == NOT_IMPORTED:
                self.mapping_used.update(k for k in keys if k in self.mapping)
            else:
                found = (given[0], MANUAL_RANK, ())
        elif matched := match_header(text, self.synonyms):
            found = (matched[0], matched[1], ())
        else:
            for key in vocabulary_keys(text):
                if candidates := self.vocabulary.get(key):
                    (fld, rank), *others = candidates
                    found = (fld, VOCABULARY_RANK + rank, tuple(f for f, _ in others))
                    break
        self._matched[text] = found
        return found

    def _fields_of_block(self, head, start, end, matches: list | None = None) -> dict[str, tuple[int, int]]:
        """field -> (column index, rank); the lowest header row that names a field wins.

        matches, when given, receives (column, field, rank, header, other fields) of every
        column that names a field, the weaker ones included."""
        fields: dict[str, tuple[int, int]] = {}
        width = max(len(r) for r in head[start : end + 1])
        for j in range(width):
            for i in range(end, start - 1, -1):
                row = head[i]
                text = row[j] if j < len(row) else None
                matched = self.match(text)
                if matched:
                    fld, rank, others = matched
                    if matches is not None:
                        matches.append((j, fld, rank, text, others))
                    if fld not in fields or rank < fields[fld][1]:
                        fields[fld] = (j, rank)
                    break
        return fields

    def report_mapping(self, head, first, last, columns: list[Column], letters, sheet) -> None:
        """A note for every header left out because a stronger one took its field, and
        for every header that could have been another field: never silently both."""
        matches: list = []
        self._fields_of_block(head, first, last, matches)
        by_letter = {c.letter: c for c in columns}
        by_field = self.by_field_of(columns)
        for j, fld, rank, text, others in matches:
            letter = letters[j]
            if rank == MANUAL_RANK:
                self.mapping_used.update(k for k in _header_variants(text) if k in self.mapping)
            label = field_label(fld)
            if letter not in by_letter and fld in by_field:
                winner = by_field[fld]
                winner_header = re.sub(r"\s+", "", winner.header)
                self.problem(
                    "note",
                    f"本列也可能是“{label}”，已按把握更大的{winner.letter}列「{winner_header}」读取，本列未读取；"
                    "如应读取本列，请修改表头",
                    sheet, last + 1, letter, text,
                )
            elif letter in by_letter and others:
                # columns() may have moved the field (总投资 on a started ledger): say what was read
                read_as = by_letter[letter].field
                others = [o for o in (fld, *others) if o != read_as]
                alternatives = "或".join(f"“{field_label(o)}”" for o in others)
                self.problem(
                    "note", f"本列按“{field_label(read_as)}”读取，也可能是{alternatives}；如不对请修改表头",
                    sheet, last + 1, letter, text,
                )

    def guess_columns(self, head, first, last, fields, missing, letters) -> dict[str, tuple[str, str]]:
        """field -> (letter, header) of an unnamed column that may hold a missing required field."""
        taken = {j for j, _ in fields.values()}
        width = max(len(r) for r in head[first : last + 1])
        headers = {}
        for j in range(width):
            text = next((head[i][j] for i in range(last, first - 1, -1) if j < len(head[i]) and head[i][j]), None)
            # a column the uploader said not to load is never proposed either
            if j not in taken and text and not self.match(text) and not self._not_imported(text):
                headers[j] = header_key(text)
        guesses = {}
        for fld in missing:
            scored = [(guess_score(fld, text), -j) for j, text in headers.items()]
            best = max((s for s in scored if s[0] > 0), default=None)
            if best is not None:
                j = -best[1]
                guesses[fld] = (letters[j], headers.pop(j))
        return guesses

    def _not_imported(self, text: str) -> bool:
        return any(self.mapping.get(k, ("",))[0] == NOT_IMPORTED for k in _header_variants(text))

    def _kind_from_columns(self, fields) -> str:
        if "start_date" in fields and "signed_date" not in fields:
            return "started"
        if "signed_date" in fields or "signed_amount" in fields:
            return "signed"
        if "negotiation_date" in fields or "negotiation_progress" in fields:
            return "negotiating"
        if "lead_date" in fields or "lead_source" in fields:
            return "lead"
        return "signed"

    def columns(self, head, first, last, fields, letters, title_texts, sheet) -> list[Column]:
        fields = dict(fields)
        # On a started ledger the plain total (总投资) is the project's planned investment;
        # a 签约金额 column beside it stays the signed amount.
        if self.kind == "started" and "planned_investment" not in fields:
            total = self._plain_total(head, first, last)
            if total is not None and fields.get("signed_amount", (None,))[0] != total[0]:
                fields["planned_investment"] = total
            elif "signed_amount" in fields:
                fields["planned_investment"] = fields.pop("signed_amount")
        sheet_unit = self._sheet_money_unit(title_texts + [t for r in head[first : last + 1] for t in r if t])
        columns = []
        for fld, (j, rank) in sorted(fields.items(), key=lambda kv: kv[1][0]):
            texts = [head[i][j] if j < len(head[i]) else None for i in range(last, first - 1, -1)]
            header = next((t for t in texts if t), "")
            money_unit = None
            if fld in AMOUNT_FIELDS:
                money_unit = (
                    self.money_unit_override
                    or next((u for u in (parse.detect_money_unit(t) for t in texts + self._group_texts(head, first, last, j)) if u), None)
                    or sheet_unit
                )
                if money_unit is None:
                    money_unit = "万元"
                    self.warn_once("未注明金额单位，按“万元”处理；如为亿元请在表头写明“（亿元）”", sheet, last + 1, letters[j], header)
            columns.append(Column(fld, letters[j], header, money_unit, confidence_of(rank)))
        return columns

    @staticmethod
    def _group_texts(head, first, last, j) -> list[str]:
        """Merged group cells above this column ("投资情况（亿元）"), nearest first.

        A merged cell keeps its text only in its leftmost cell, so the group over column j
        is the nearest text at or left of j in each upper header row.
        """
        groups = []
        for i in range(last - 1, first - 1, -1):
            row = head[i]
            for k in range(min(j, len(row) - 1), -1, -1):
                if row[k]:
                    groups.append(row[k])
                    break
        return groups

    def _plain_total(self, head, first, last) -> tuple[int, int] | None:
        """(column, rank) of a 总投资/投资总额 header: an amount not tied to the signing."""
        width = max(len(r) for r in head[first : last + 1])
        for j in range(width):
            for i in range(last, first - 1, -1):
                text = head[i][j] if j < len(head[i]) else None
                matched = match_header(text, self.synonyms)
                if matched:
                    if matched[0] == "signed_amount" and not re.search("签约|协议|合同", text):
                        return j, matched[1]
                    break
        return None

    def _group_unit(self, text: str) -> Unit | None:
        """The unit a group row such as "一、盐湖区" names, if any."""
        return resolve_unit(re.sub(r"^[（(]?[一二三四五六七八九十]+[）)、.．]", "", text), self.reference)

    def _has_group_units(self, frame, data_start, fields) -> bool:
        letters = list(dict.fromkeys([*frame.columns[:3], frame.columns[fields["project_name"][0]]]))
        return any(
            parse.is_group_row(text) and self._group_unit(text)
            for letter in letters
            for text in frame.get_column(letter).slice(data_start).drop_nulls().to_list()
        )

    @staticmethod
    def _sheet_money_unit(texts) -> str | None:
        for text in texts:
            if "单位" in text and "元" in text:
                unit = parse.detect_money_unit(text)
                if unit:
                    return unit
        return None

    def _context_unit(self, *texts) -> Unit | None:
        """A reporting unit named in the title, sheet or file name (a county's own ledger)."""
        best = None
        candidates = [*texts, Path(self.file).stem]
        for unit in self.reference.units:
            for alias in (unit.name, *unit.aliases):
                if len(alias) >= 2 and any(alias in (t or "") for t in candidates):
                    if best is None or len(alias) > best[0]:
                        best = (len(alias), unit)
        return best[1] if best else None

    # -- rows ---------------------------------------------------------------------

    def parse_rows(self, grid, frame, data_start, columns, kind, period, title) -> pl.DataFrame:
        """Project rows of one sheet, typed. Works column by column (see etl/columns.py)."""
        by_field = {c.field: c for c in columns}
        sheet = grid.name
        raw = frame.slice(data_start).select(
            pl.int_range(data_start + 1, data_start + 1 + frame.height - data_start, dtype=pl.Int32).alias("excel_row"),
            *[pl.col(c.letter).cast(pl.String).alias(c.field) for c in columns],
            *[pl.col(letter).cast(pl.String).alias(f"_lead{i}") for i, letter in enumerate(frame.columns[:3])],
        )
        kinds, group_units = self.classify_rows(raw, columns, sheet)
        group_unit = pl.Series("group_unit", group_units, dtype=pl.String).fill_null(strategy="forward")
        raw = raw.with_columns(group_unit, row_kind=pl.Series(kinds, dtype=pl.String))
        rows = raw.filter(pl.col("row_kind") == "project")
        totals = raw.filter(pl.col("row_kind") == "total")
        self.sheet, self.by_field, self.rows = sheet, by_field, rows
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
            self.problem(
                "error", f"项目名称过长（{len(name)} 个字符），可能误粘贴了整段文字；请只填写项目名称（不超过 {MAX_NAME_CHARS} 字）",
                sheet, row, c.letter, c.header, name,
            )

        if "project_code" in texts:
            codes = texts["project_code"]
            bad = codes.is_not_null() & ~columns_mod.project_codes(codes)
            self.warn_rows("项目代码不符合全国统一格式（YYYY-AAAAAA-NN-NN-NNNNNN），未用于识别项目", "project_code", bad, codes)
            out["project_code"] = pl.select(pl.when(pl.lit(bad)).then(None).otherwise(pl.lit(codes))).to_series()

        out["unit_raw"], out["unit_id"] = self.units(texts.get("unit"), rows.get_column("group_unit"), title, n)

        chain_raw = texts.get("chain", pl.repeat(None, n, eager=True, dtype=pl.String))
        chain, _ = columns_mod.map_unique(chain_raw, lambda v: parse.resolve_chain(v, self.reference)[0], pl.String)
        known, _ = columns_mod.map_unique(chain_raw, lambda v: parse.resolve_chain(v, self.reference)[1], pl.Boolean)
        self.warn_rows("未识别的产业链，已归入“其他”；如属重点产业链请按下拉选项填写", "chain", chain_raw.is_not_null() & ~known.fill_null(False), chain_raw)
        out["chain"], out["chain_raw"] = chain.fill_null("其他"), chain_raw

        if "investor_origin" in out:
            out["origin_province"], _ = columns_mod.map_unique(out["investor_origin"], parse.origin_province, pl.String)

        bad_cells: dict[str, pl.Series] = {}
        for fld in AMOUNT_FIELDS:
            if fld in by_field:
                values, errors = columns_mod.amounts(rows.get_column(fld), by_field[fld].money_unit)
                bad_cells[fld] = self.error_rows(fld, errors)
                out[f"{fld}_wan"] = values
        default_year = period.start.year if period else None
        for fld in DATE_FIELDS:
            if fld in by_field:
                values, errors = columns_mod.dates(rows.get_column(fld), default_year)
                bad_cells[fld] = self.error_rows(fld, errors)
                cells = rows.get_column(fld)
                precision, _ = columns_mod.map_unique(cells.filter(values.is_not_null()), parse.date_precision, pl.String)
                month_only = pl.Series([False] * n, dtype=pl.Boolean)
                if precision.len():
                    month_only = cells.is_in(cells.filter(values.is_not_null()).filter(precision == "month").to_list()) & values.is_not_null()
                self.warn_rows("日期只精确到月，按当月1日计", fld, month_only, cells)
                out[fld] = values
        for fld, target, convert in (
            ("started", "is_started", parse.parse_started), ("produced", "is_produced", parse.parse_produced)
        ):
            if fld in by_field:
                values, errors = columns_mod.map_unique(rows.get_column(fld), convert, pl.Boolean)
                self.error_rows(fld, errors)
                out[target] = values

        frame_out = pl.DataFrame({k: out.get(k, pl.repeat(None, n, eager=True, dtype=t)).cast(t) for k, t in ROW_SCHEMA.items()
                                  if k != "name_key"}, schema={k: t for k, t in ROW_SCHEMA.items() if k != "name_key"})
        frame_out = frame_out.with_columns(
            name_key=pl.when(pl.col("unit_id").is_not_null() & pl.col("project_name").is_not_null())
            .then(pl.col("unit_id") + ":" + columns_mod.name_keys(frame_out.get_column("project_name")))
        ).select(list(ROW_SCHEMA))
        frame_out = self.check_rows(frame_out, kind, period, bad_cells)
        self.check_totals(totals, frame_out)
        return frame_out

    def classify_rows(self, raw: pl.DataFrame, columns, sheet) -> tuple[list[str], list[str | None]]:
        """project | blank | total | subtotal | group | footer | skip for every row, and group units.

        Only rows that could be special (no name, or a cell with one of the words or marks
        of totals, groups and footers) are looked at one by one.
        """
        lead_cols = [c for c in raw.columns if c.startswith("_lead")]
        mapped = [c.field for c in columns]
        # a superset of what parse.is_total_row / is_group_row / is_footer_row accept, on
        # the raw text (spaces may sit anywhere in it); everything else is a project row
        gap = r"[\s\u3000]*"
        special = "|".join([
            f"[合总小]{gap}计",
            r"^[\s\u3000]*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])",
            f"^{gap}(?:填{gap}[报表]|审{gap}核|联{gap}系|制{gap}表|单{gap}位{gap}负|负{gap}责|备{gap}注|注)",
            f"勿{gap}删|删{gap}除|保{gap}留",
        ])
        candidate = pl.col("project_name").is_null() | pl.any_horizontal(
            [pl.col(c).str.contains(special).fill_null(False) for c in [*lead_cols, "project_name"]]
        )
        look = raw.with_row_index("pos").filter(candidate)
        kinds = ["project"] * raw.height
        group_units: list[str | None] = [None] * raw.height
        group_unit: Unit | None = None
        footer_from = None
        for row in look.iter_rows(named=True):
            pos = row["pos"]
            name = clean_text(row["project_name"])
            lead = [clean_text(row[c]) for c in lead_cols]
            cells = [row[f] for f in mapped if row[f] is not None and str(row[f]).strip()]
            if not cells and not any(lead):
                kinds[pos] = "blank"
            elif any(parse.is_footer_row(t) for t in [*lead, name] if t):
                footer_from = pos  # footer lines end the table
                break
            elif any(parse.is_keep_row(t) for t in [*lead, name] if t) and not any(
                row[c.field] is not None and str(row[c.field]).strip() for c in columns if c.field != "project_name"
            ):
                # the template's 「此行需保留，勿删」 line; where the table has no 序号 its text
                # sits in the name column and would otherwise be a project without a unit
                kinds[pos] = "skip"
            elif parse.is_total_row([*lead, name]):
                is_grand = any("合" in t.replace(" ", "") or "总" in t for t in [*lead, name] if t)
                kinds[pos] = "total" if is_grand else "subtotal"
            elif (group_text := next((t for t in [name, *lead] if t and parse.is_group_row(t)), None)) and (
                name is None or name == group_text
            ):
                kinds[pos] = "group"
                # a sub-group such as "（一）新能源" under "一、盐湖区" keeps the county above it
                unit = self._group_unit(group_text)
                if unit is not None or not group_text.startswith(("（", "(")):
                    group_unit = unit
                group_units[pos] = group_unit.unit_id if group_unit else ""
            elif name is None:
                filled = [c for c in columns if c.field != "project_name" and row[c.field] is not None]
                kinds[pos] = "skip"
                if len(filled) > 1 or any(c.field in AMOUNT_FIELDS for c in filled):
                    c = self.by_field_of(columns)["project_name"]
                    self.problem("error", "项目名称为空，请填写项目名称或删除该行", sheet, row["excel_row"], c.letter, c.header)
        if footer_from is not None:
            kinds[footer_from:] = ["footer"] * (raw.height - footer_from)
        # only the first grand total is compared; later ones repeat it
        totals = [i for i, k in enumerate(kinds) if k == "total"]
        for i in totals[1:]:
            kinds[i] = "subtotal"
        return kinds, [g if g != "" else None for g in group_units] if any(group_units) else group_units

    @staticmethod
    def by_field_of(columns) -> dict[str, Column]:
        return {c.field: c for c in columns}

    def units(self, cells: pl.Series | None, group_unit: pl.Series, title: str, n: int):
        """Reporting unit: the cell, else the group row above, else the title or file name."""
        c = self.by_field.get("unit")
        if cells is None:
            cells = pl.repeat(None, n, eager=True, dtype=pl.String)
        resolved, _ = columns_mod.map_unique(
            cells, lambda v: (u.unit_id if (u := resolve_unit(v, self.reference)) else None), pl.String
        )
        unknown = cells.is_not_null() & resolved.is_null()
        # one fuzzy match per distinct text: a column of wrong names is one text repeated
        # down 200,000 rows (40 s when matched row by row)
        hints: dict[str, str | None] = {}
        for row, value in self.rows.select("excel_row").with_columns(v=cells).filter(unknown).iter_rows():
            if value not in hints:
                hints[value] = suggest_unit(value, self.reference)
            hint = hints[value]
            self.problem(
                "error",
                "无法识别的县（市、区）或开发区" + (f"，是否为“{hint}”？" if hint else "，请填写全称，如“临猗县”"),
                self.sheet, row, c.letter if c else None, c.header if c else None, value,
            )
        context = self._context_unit(title, self.sheet)
        unit_id = pl.select(
            pl.when(pl.lit(cells).is_not_null()).then(pl.lit(resolved))
            .otherwise(pl.coalesce(pl.lit(group_unit), pl.lit(context.unit_id if context else None, dtype=pl.String)))
        ).to_series()
        for (row,) in self.rows.select("excel_row").filter(cells.is_null() & unit_id.is_null()).iter_rows():
            self.problem(
                "error", "县（市、区）为空，请填写项目所属县（市、区）或开发区", self.sheet, row,
                c.letter if c else None, c.header if c else LABELS["unit"],
            )
        if self.allowed_units is not None:
            names = {u.unit_id: u.name for u in self.reference.units}
            outside = unit_id.is_not_null() & ~unit_id.is_in(list(self.allowed_units))
            for row, uid, value in self.rows.select("excel_row").with_columns(u=unit_id, v=cells).filter(outside).iter_rows():
                self.problem(
                    "error", f"当前账号无权上报“{names[uid]}”的项目，请删除该行或由对应单位上报",
                    self.sheet, row, c.letter if c else None, c.header if c else None, value or names[uid],
                )
        return cells, unit_id

    def error_rows(self, fld: str, errors: dict[str, str]) -> pl.Series:
        """One error per cell whose text a parser rejected; returns which rows are bad."""
        cells = self.rows.get_column(fld)
        bad = cells.is_in(list(errors)) if errors else pl.Series([False] * self.rows.height, dtype=pl.Boolean)
        c = self.by_field[fld]
        for row, value in self.rows.select("excel_row", fld).filter(bad).iter_rows():
            self.problem("error", errors[value], self.sheet, row, c.letter, c.header, str(value))
        return bad

    def warn_rows(self, message: str, fld: str, mask: pl.Series, values: pl.Series) -> None:
        """One warning for all rows of the mask, at the first of them, with their count."""
        count = int(mask.sum()) if mask.len() else 0
        if not count:
            return
        first = int(mask.arg_true()[0])
        c = self.by_field.get(fld)
        value = values[first]
        self.warn_once(message, self.sheet, self.rows.get_column("excel_row")[first],
                       c.letter if c else None, c.header if c else None,
                       None if value is None else str(value), count=count)

    def check_rows(self, rows: pl.DataFrame, kind, period, bad_cells) -> pl.DataFrame:
        sheet = self.sheet
        none = pl.Series([False] * rows.height, dtype=pl.Boolean)
        by_field = self.by_field

        def errors(mask, message, fld):
            c = by_field[fld]
            for (row,) in rows.select("excel_row").filter(mask).iter_rows():
                self.problem("error", message, sheet, row, c.letter, c.header)

        if kind == "signed" and "signed_date" in by_field:
            errors(rows.get_column("signed_date").is_null() & ~bad_cells.get("signed_date", none),
                   "签约时间为空，请填写签约日期，如 2024-03-15", "signed_date")
        if kind == "signed":
            self.warn_rows("签约金额待定或为空，项目计入个数但不计入金额", "signed_amount",
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
            self.warn_rows("开工时间早于签约时间，请核实", "start_date", early, started_on.cast(pl.String))
        if period and kind == "signed":
            late = (signed > period.end).fill_null(False)
            self.warn_rows(f"签约时间晚于报表期末（{period.end.isoformat()}），请核实", "signed_date", late, signed.cast(pl.String))
        self.check_plausible(rows)
        keyed = rows.select("excel_row", "name_key", "project_name").with_columns(
            first=pl.col("excel_row").first().over("name_key")
        ).filter(pl.col("name_key").is_not_null() & (pl.col("excel_row") != pl.col("first")))
        c = by_field["project_name"]
        for row, _, name, first in keyed.iter_rows():
            self.problem("warning", f"与第{first}行项目重复，以本行为准", sheet, row, c.letter, c.header, name)
        return rows

    def check_plausible(self, rows: pl.DataFrame) -> None:
        """Values that cannot be true are errors: a date after today, an amount beyond any project."""
        for fld in ("signed_date", "start_date", "production_date"):
            c = self.by_field.get(fld)
            if c is None:
                continue
            future = rows.select("excel_row", fld).filter(pl.col(fld) > self.today)
            for row, value in future.iter_rows():
                self.problem("error", f"{FUTURE_WORDS[fld]}晚于今天（{self.today.isoformat()}），不可能已发生；请核对年份或月份",
                             self.sheet, row, c.letter, c.header, value.isoformat())
        ceiling = self.reference.max_project_amount_wan
        for fld in AMOUNT_FIELDS:
            c = self.by_field.get(fld)
            if c is None:
                continue
            unit = c.money_unit or "万元"
            factor = parse.WAN_PER_UNIT.get(unit, Decimal(1))
            huge = rows.select("excel_row", f"{fld}_wan").filter(pl.col(f"{fld}_wan") > ceiling)
            for row, wan in huge.iter_rows():
                written = f"{Decimal(wan) / factor:,.2f} {unit}"
                limit = f"{ceiling // 10_000:,} 亿元"
                self.problems.append(AmountProblem.found(
                    self.confirm_amounts, f"金额 {written} 超过单个项目的上限（{limit}）",
                    self.file, self.sheet, row, c.letter, c.header, written,
                ))

    def check_totals(self, totals: pl.DataFrame, rows: pl.DataFrame) -> None:
        """A 合计 row that disagrees with its rows is worth a look, not a refusal."""
        if totals.height == 0:
            return
        for fld in AMOUNT_FIELDS:
            c = self.by_field.get(fld)
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
                self.problem(
                    "warning",
                    f"合计行与明细之和不一致：合计 {stated / factor:,.4f}，明细之和 {actual / factor:,.4f}（{c.money_unit}）",
                    self.sheet, row, c.letter, c.header, raw,
                )
