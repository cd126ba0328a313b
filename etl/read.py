"""Understand a ledger file: find the project table in each sheet and parse its rows.

`read_ledger` never writes anything. It returns the typed rows together with every
problem found, each pointing at a cell; a caller loads the rows only when there are no
errors.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable

import polars as pl

from . import parse
from .files import FileRefused, Grid, check_file, read_grids
from .problems import Problem
from .reference import Reference, Unit, load_reference

KINDS = ("lead", "negotiating", "signed", "started")
KIND_NAMES = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工"}
KIND_WORDS = (("开工", "started"), ("签约", "signed"), ("洽谈", "negotiating"), ("线索", "lead"))
REQUIRED = {
    "signed": ("project_name", "unit", "signed_date", "signed_amount"),
    "started": ("project_name", "unit", "start_date"),
    "negotiating": ("project_name", "unit"),
    "lead": ("project_name", "unit"),
}
FIELD_NAMES = {
    "project_name": "项目名称",
    "project_code": "项目代码",
    "unit": "所属县（市、区）",
    "chain": "所属产业链",
    "signed_amount": "签约金额",
    "signed_date": "签约时间",
    "start_date": "开工时间",
    "planned_investment": "计划总投资",
    "funds_in_place": "累计到位资金",
}
AMOUNT_FIELDS = ("signed_amount", "planned_investment", "funds_in_place", "funds_in_place_period", "intended_amount")
DATE_FIELDS = ("signed_date", "start_date", "planned_start_date", "lead_date", "negotiation_date", "production_date")
FLAG_FIELDS = ("started", "produced")
TEXT_FIELDS = (
    "investor", "investor_origin", "responsible_unit", "liaison_leader", "progress",
    "problems", "remarks", "lead_source", "negotiation_progress",
)
HEADER_SCAN_ROWS = 20
MAX_HEADER_ROWS = 3

ROW_SCHEMA = {
    "sheet": pl.String,
    "sheet_index": pl.Int32,
    "excel_row": pl.Int32,
    "kind": pl.String,
    "period_end": pl.Date,
    "project_code": pl.String,
    "project_name": pl.String,
    "name_key": pl.String,
    "unit_id": pl.String,
    "unit_raw": pl.String,
    "chain": pl.String,
    "chain_raw": pl.String,
    "investor": pl.String,
    "investor_origin": pl.String,
    "origin_province": pl.String,
    "signed_amount_wan": pl.Decimal(18, 4),
    "signed_date": pl.Date,
    "is_started": pl.Boolean,
    "start_date": pl.Date,
    "planned_start_date": pl.Date,
    "planned_investment_wan": pl.Decimal(18, 4),
    "funds_in_place_wan": pl.Decimal(18, 4),
    "funds_in_place_period_wan": pl.Decimal(18, 4),
    "intended_amount_wan": pl.Decimal(18, 4),
    "lead_source": pl.String,
    "lead_date": pl.Date,
    "negotiation_date": pl.Date,
    "negotiation_progress": pl.String,
    "is_produced": pl.Boolean,
    "production_date": pl.Date,
    "responsible_unit": pl.String,
    "liaison_leader": pl.String,
    "progress": pl.String,
    "problems": pl.String,
    "remarks": pl.String,
}


@dataclass(frozen=True)
class Column:
    field: str
    letter: str
    header: str
    money_unit: str | None = None  # 万元 | 亿元 | 元 | 万美元, for amount fields


@dataclass
class SheetResult:
    name: str
    used: bool
    reason: str = ""
    period: parse.Period | None = None
    header_rows: tuple[int, int] | None = None  # first and last Excel row of the header
    columns: list[Column] = field(default_factory=list)
    rows_used: int = 0


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
) -> Ledger:
    """Read one ledger file.

    kind, period and money_unit override what is detected; allowed_units (unit ids)
    turns rows of any other reporting unit into errors (an uploader's own units).
    """
    path = Path(path)
    name = display_name or path.name
    reference = reference or load_reference()
    if data is None:
        data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    empty = pl.DataFrame(schema=ROW_SCHEMA)
    try:
        fmt = check_file(Path(name), data)
        grids = read_grids(Path(name), data, fmt)
    except FileRefused as refused:
        return Ledger(name, sha, len(data), kind, None, [], empty, [Problem("error", str(refused), name)])
    reader = _Reader(name, reference, kind, period, money_unit, allowed_units)
    return reader.read(grids, sha, len(data))


def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text)


_UNIT_PARENS = re.compile(r"[(\[【][^)\]】]*元[^)\]】]*[)\]】]|单位[:：]?[万亿]?(?:美)?元")
_ALL_PARENS = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def _header_variants(text: str) -> list[str]:
    k0 = header_key(text)
    k1 = _UNIT_PARENS.sub("", k0)
    k2 = _ALL_PARENS.sub("", k1)
    return list(dict.fromkeys(k for k in (k0, k1, k2) if k))


def synonym_index(reference: Reference) -> dict[str, tuple[str, int]]:
    """Header key -> (field, priority); exact synonyms first, bracket-free forms after."""
    index: dict[str, tuple[str, int]] = {}
    for fld, synonyms in reference.header_synonyms.items():
        for rank, synonym in enumerate(synonyms):
            index.setdefault(header_key(synonym), (fld, rank))
    for fld, synonyms in reference.header_synonyms.items():
        for rank, synonym in enumerate(synonyms):
            index.setdefault(_ALL_PARENS.sub("", header_key(synonym)), (fld, 100 + rank))
    return index


def match_header(text: str | None, index: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    if not text:
        return None
    for key in _header_variants(text):
        if key in index:
            return index[key]
    return None


def _cell(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def kind_from_text(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        for word, kind in KIND_WORDS:
            if word in text:
                return kind
    return None


class _Reader:
    def __init__(self, file_name, reference, kind, period, money_unit, allowed_units):
        self.file = file_name
        self.reference = reference
        self.kind = kind
        self.period_override = period
        self.money_unit_override = money_unit
        self.allowed_units = allowed_units
        self.synonyms = synonym_index(reference)
        self.problems: list[Problem] = []
        self.bad_cells: set[tuple[str, int, str]] = set()  # (sheet, row, field) already reported
        self._aggregated: dict[tuple, list] = {}

    # -- problems ---------------------------------------------------------------

    def problem(self, level, message, sheet=None, row=None, column=None, header=None, value=None):
        self.problems.append(Problem(level, message, self.file, sheet, row, column, header, value))

    def warn_once(self, message, sheet, row, column=None, header=None, value=None):
        """Warnings repeat down a column; report each once, at its first cell, with a count."""
        key = (message, sheet, column)
        if key in self._aggregated:
            self._aggregated[key][1] += 1
            return
        self._aggregated[key] = [Problem("warning", message, self.file, sheet, row, column, header, value), 1]

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
        result = SheetResult(grid.name, True, period=period, header_rows=(first + 1, last + 1), columns=columns)

        # Without a unit column the unit may come from the title/file name or group rows.
        missing = [
            f for f in REQUIRED[kind]
            if f not in fields
            and not (f == "unit" and (self._context_unit(title, grid.name) or self._has_group_units(frame, last + 1, fields)))
        ]
        if missing:
            needed = "、".join(
                f"“{FIELD_NAMES.get(f, f)}”（可用表头：{'、'.join(self.reference.header_synonyms.get(f, ())[:4])}）"
                for f in missing
            )
            self.problem(
                "error",
                f"{KIND_NAMES[kind]}台账缺少必需列：{needed}。请在第{last + 1}行表头中补上该列，或选择正确的台账类型",
                grid.name, last + 1,
            )
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

    def _fields_of_block(self, head, start, end) -> dict[str, tuple[int, int]]:
        """field -> (column index, priority); the lowest header row that names a field wins."""
        fields: dict[str, tuple[int, int]] = {}
        width = max(len(r) for r in head[start : end + 1])
        for j in range(width):
            for i in range(end, start - 1, -1):
                row = head[i]
                text = row[j] if j < len(row) else None
                matched = match_header(text, self.synonyms)
                if matched:
                    fld, rank = matched
                    if fld not in fields or rank < fields[fld][1]:
                        fields[fld] = (j, rank)
                    break
        return fields

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
        for fld, (j, _) in sorted(fields.items(), key=lambda kv: kv[1][0]):
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
            columns.append(Column(fld, letters[j], header, money_unit))
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
        return parse.resolve_unit(re.sub(r"^[（(]?[一二三四五六七八九十]+[）)、.．]", "", text), self.reference)

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
        by_field = {c.field: c for c in columns}
        sheet = grid.name
        data = frame.slice(data_start)
        excel_rows = list(range(data_start + 1, data_start + 1 + data.height))
        text = {c.field: data.get_column(c.letter).to_list() for c in columns}
        leftmost = [data.get_column(letter).to_list() for letter in frame.columns[: 3]]
        context_unit = self._context_unit(title, sheet)
        default_year = period.start.year if period else None

        keep: list[int] = []  # positions of project rows
        group_units: list[Unit | None] = []
        totals: dict[str, list[tuple[int, str]]] = {}
        group_unit: Unit | None = None
        name_col = text["project_name"]
        for pos in range(data.height):
            name = parse.clean_text(name_col[pos])
            lead = [parse.clean_text(col[pos]) for col in leftmost]
            cells = [v for col in text.values() if (v := col[pos]) is not None and str(v).strip()]
            if not cells and not any(lead):
                continue
            if any(parse.is_footer_row(t) for t in [*lead, name] if t):
                break  # footer lines end the table
            if parse.is_total_row([*lead, name]):
                if any("合" in t.replace(" ", "") or "总" in t for t in [*lead, name] if t):
                    for c in columns:
                        if c.field in AMOUNT_FIELDS and text[c.field][pos] is not None:
                            totals.setdefault(c.field, []).append((excel_rows[pos], text[c.field][pos]))
                continue
            group_text = next((t for t in [name, *lead] if t and parse.is_group_row(t)), None)
            if group_text and (name is None or name == group_text):
                group_unit = self._group_unit(group_text)
                continue
            if name is None:
                filled = [c for c in columns if c.field != "project_name" and text[c.field][pos] is not None]
                if len(filled) <= 1 and all(c.field not in AMOUNT_FIELDS for c in filled):
                    continue  # a numbered empty line of a template
                c = by_field["project_name"]
                self.problem("error", "项目名称为空，请填写项目名称或删除该行", sheet, excel_rows[pos], c.letter, c.header)
                continue
            keep.append(pos)
            group_units.append(group_unit)

        out: dict[str, list] = {k: [None] * len(keep) for k in ROW_SCHEMA}
        out["sheet"] = [sheet] * len(keep)
        out["sheet_index"] = [grid.index] * len(keep)
        out["excel_row"] = [excel_rows[p] for p in keep]
        out["kind"] = [kind] * len(keep)
        out["period_end"] = [period.end if period else None] * len(keep)

        def column_values(fld, convert: Callable, on_error=None):
            """Convert each distinct text of a column once; errors name every cell."""
            c = by_field.get(fld)
            if c is None:
                return None
            raw = text[fld]
            cache: dict = {}
            values = []
            for i, p in enumerate(keep):
                v = raw[p]
                if v not in cache:
                    try:
                        cache[v] = (convert(v, c), None)
                    except parse.ParseError as err:
                        cache[v] = (None, str(err))
                value, err = cache[v]
                if err:
                    self.problem("error", err, sheet, out["excel_row"][i], c.letter, c.header, str(v))
                    self.bad_cells.add((sheet, out["excel_row"][i], fld))
                values.append(value)
            return values

        for fld in ("project_name", *TEXT_FIELDS):
            values = column_values(fld, lambda v, c: parse.clean_text(v))
            if values is not None:
                out[fld] = values
        out["project_name"] = [n.replace("\n", "") if n else n for n in out["project_name"]]

        codes = column_values(
            "project_code", lambda v, c: None if parse.clean_text(v) in parse.PLACEHOLDERS else parse.clean_text(v)
        )
        if codes is not None:
            c = by_field["project_code"]
            for i, code in enumerate(codes):
                if code and not parse.is_project_code(code):
                    self.warn_once("项目代码不符合全国统一格式（YYYY-AAAAAA-NN-NN-NNNNNN），未用于识别项目", sheet, out["excel_row"][i], c.letter, c.header, code)
                    codes[i] = None
            out["project_code"] = codes

        # reporting unit: the cell, else the group row above, else the title/file name
        units = column_values("unit", lambda v, c: parse.resolve_unit(parse.clean_text(v) or "", self.reference) if parse.clean_text(v) else None)
        raw_units = text.get("unit")
        c = by_field.get("unit")
        unit_ids, unit_raw = [], []
        for i, p in enumerate(keep):
            raw = parse.clean_text(raw_units[p]) if raw_units else None
            unit = units[i] if units is not None else None
            if raw and unit is None:
                hint = parse.suggest_unit(raw, self.reference)
                self.problem(
                    "error",
                    f"无法识别的县（市、区）或开发区" + (f"，是否为“{hint}”？" if hint else "，请填写全称，如“临猗县”"),
                    sheet, out["excel_row"][i], c.letter if c else None, c.header if c else None, raw,
                )
            elif not raw:
                unit = group_units[i] or context_unit
                if unit is None:
                    self.problem(
                        "error", "县（市、区）为空，请填写项目所属县（市、区）或开发区", sheet, out["excel_row"][i],
                        c.letter if c else None, c.header if c else "所属县（市、区）",
                    )
            if unit is not None and self.allowed_units is not None and unit.unit_id not in self.allowed_units:
                self.problem(
                    "error", f"当前账号无权上报“{unit.name}”的项目，请删除该行或由对应单位上报",
                    sheet, out["excel_row"][i], c.letter if c else None, c.header if c else None, raw or unit.name,
                )
            unit_ids.append(unit.unit_id if unit else None)
            unit_raw.append(raw)
        out["unit_id"], out["unit_raw"] = unit_ids, unit_raw

        chains = column_values("chain", lambda v, c: parse.resolve_chain(parse.clean_text(v), self.reference))
        c = by_field.get("chain")
        out["chain"], out["chain_raw"] = [], []
        for i, p in enumerate(keep):
            raw = parse.clean_text(text["chain"][p]) if c else None
            chain, known = chains[i] if chains else ("其他", False)
            if raw and not known:
                self.warn_once("未识别的产业链，已归入“其他”；如属重点产业链请按下拉选项填写", sheet, out["excel_row"][i], c.letter, c.header, raw)
            out["chain"].append(chain)
            out["chain_raw"].append(raw)

        out["origin_province"] = [parse.origin_province(v) if v else None for v in out["investor_origin"]]

        for fld in AMOUNT_FIELDS:
            values = column_values(fld, lambda v, c: parse.parse_amount(v, c.money_unit))
            if values is not None:
                out[f"{fld}_wan"] = values

        for fld in DATE_FIELDS:
            values = column_values(fld, lambda v, c: parse.parse_date(v, default_year))
            if values is not None:
                c = by_field[fld]
                for i, p in enumerate(keep):
                    raw = text[fld][p]
                    if values[i] is not None and isinstance(raw, str) and parse.date_precision(raw) == "month":
                        self.warn_once("日期只精确到月，按当月1日计", sheet, out["excel_row"][i], c.letter, c.header, raw)
                out[fld] = values

        for fld, target in (("started", "is_started"), ("produced", "is_produced")):
            values = column_values(fld, lambda v, c: parse.parse_started(v))
            if values is not None:
                out[target] = values

        self.check_rows(out, by_field, kind, sheet, period)
        self.check_totals(totals, out, by_field, sheet)

        out["name_key"] = [
            f"{u}:{parse.normalize_name(n)}" if u and n else None
            for u, n in zip(out["unit_id"], out["project_name"])
        ]
        return pl.DataFrame(out, schema=ROW_SCHEMA)

    def check_rows(self, out, by_field, kind, sheet, period):
        rows = out["excel_row"]
        for i in range(len(rows)):
            if kind == "signed":
                c = by_field["signed_date"]
                if out["signed_date"][i] is None and (sheet, rows[i], "signed_date") not in self.bad_cells:
                    self.problem("error", "签约时间为空，请填写签约日期，如 2024-03-15", sheet, rows[i], c.letter, c.header)
                if out["signed_amount_wan"][i] is None and (sheet, rows[i], "signed_amount") not in self.bad_cells:
                    c = by_field["signed_amount"]
                    self.warn_once("签约金额待定或为空，项目计入个数但不计入金额", sheet, rows[i], c.letter, c.header)
            if kind == "started":
                started = out["is_started"][i]
                if started is None and out["start_date"][i] is not None:
                    out["is_started"][i] = True
                if out["start_date"][i] is None and out["is_started"][i] is not False and (sheet, rows[i], "start_date") not in self.bad_cells:
                    c = by_field["start_date"]
                    self.problem("error", "开工时间为空，请填写实际开工日期，如 2024-03-15", sheet, rows[i], c.letter, c.header)
            signed, started_on = out["signed_date"][i], out["start_date"][i]
            if signed and started_on and started_on < signed:
                c = by_field["start_date"]
                self.warn_once("开工时间早于签约时间，请核实", sheet, rows[i], c.letter, c.header, started_on.isoformat())
            if period and signed and kind == "signed" and signed > period.end:
                c = by_field["signed_date"]
                self.warn_once(f"签约时间晚于报表期末（{period.end.isoformat()}），请核实", sheet, rows[i], c.letter, c.header, signed.isoformat())
        seen: dict[str, int] = {}
        for i, (u, n) in enumerate(zip(out["unit_id"], out["project_name"])):
            if not (u and n):
                continue
            key = f"{u}:{parse.normalize_name(n)}"
            if key in seen:
                c = by_field["project_name"]
                self.problem("warning", f"与第{seen[key]}行项目重复，以本行为准", sheet, rows[i], c.letter, c.header, n)
            seen[key] = rows[i]

    def check_totals(self, totals, out, by_field, sheet):
        """A 合计 row that disagrees with its rows is worth a look, not a refusal."""
        for fld, entries in totals.items():
            c = by_field[fld]
            row, raw = entries[0]
            try:
                stated = parse.parse_amount(raw, c.money_unit)
            except parse.ParseError:
                continue
            if stated is None:
                continue
            actual = sum((v for v in out[f"{fld}_wan"] if v is not None), Decimal(0))
            tolerance = max(Decimal(1), abs(stated) * Decimal("0.0001"))
            if abs(actual - stated) > tolerance:
                factor = Decimal(10000) if c.money_unit == "亿元" else Decimal(1)
                self.problem(
                    "warning",
                    f"合计行与明细之和不一致：合计 {stated / factor:,.4f}，明细之和 {actual / factor:,.4f}（{c.money_unit}）",
                    sheet, row, c.letter, c.header, raw,
                )
