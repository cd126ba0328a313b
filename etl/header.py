"""Find a sheet's header and map its columns to the fields of the catalog (etl/fields.py).

A header is the block of 1-3 rows near the top that names the most known fields; each of
its columns is matched by the uploader's --map, then the synonyms of headers.csv, then the
vocabulary rules (etl/vocabulary.py), and every doubt is reported as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from base.reference import Reference, load_reference

from . import parse
from .fields import LABELS, of_type
from .problems import Findings, Problem
from .vocabulary import ALL_PARENS, UNIT_PARENS, guess_score, header_key, vocabulary_index, vocabulary_keys

AMOUNT_FIELDS = of_type("amount")
HEADER_SCAN_ROWS = 20
MAX_HEADER_ROWS = 3
# Ranks of a header match, lower is stronger: an uploader's --map, then the synonyms of
# headers.csv (their order), then the vocabulary rules (etl/vocabulary.py).
MANUAL_RANK = -1
# the field of a column the uploader says not to load (「不导入」): read as no field
NOT_IMPORTED = "not_imported"
VOCABULARY_RANK = 1000
CONFIDENCE_NAMES = {"manual": "指定", "high": "高", "medium": "中"}


@dataclass(frozen=True)
class Column:
    field: str
    letter: str
    header: str
    money_unit: str | None = None  # 万元 | 亿元 | 元 | 万美元, for amount fields
    confidence: str = "high"  # high: a listed synonym | medium: by the vocabulary rules | manual: --map


def confidence_of(rank: int) -> str:
    return "manual" if rank < 0 else "high" if rank < VOCABULARY_RANK else "medium"


def columns_by_field(columns: list[Column]) -> dict[str, Column]:
    return {c.field: c for c in columns}


@dataclass(frozen=True)
class ColumnGuess(Problem):
    """A required column nobody named, and the header that may be it: an error until the
    uploader confirms the mapping (the CLI's --map)."""

    proposal: tuple[str, str] = ("", "")  # (header, field label)

    def for_cli(self) -> "ColumnGuess":
        header, label = self.proposal
        base = self.message.split("，如确认")[0]
        return replace(self, message=f"{base}，如确认请加 --map {header}={label}")


def ignored_columns(head, first, last, letters, columns) -> list[tuple[str, str]]:
    """(letter, header) of each header column no field was read from (lowest header text)."""
    used = {c.letter for c in columns}
    ignored = []
    for j, letter in enumerate(letters):
        texts = [head[i][j] for i in range(last, first - 1, -1) if j < len(head[i]) and head[i][j]]
        if texts and letter not in used:
            ignored.append((letter, texts[0]))
    return ignored


def header_variants(text: str) -> list[str]:
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
    for key in header_variants(text):
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


def kind_from_columns(fields) -> str:
    """The ledger kind a header's fields suggest, when no title or name says it."""
    if "start_date" in fields and "signed_date" not in fields:
        return "started"
    if "signed_date" in fields or "signed_amount" in fields:
        return "signed"
    if "negotiation_date" in fields or "negotiation_progress" in fields:
        return "negotiating"
    if "lead_date" in fields or "lead_source" in fields:
        return "lead"
    return "signed"


class Headers:
    """Finds the header of each sheet of one file and maps its columns to fields, with
    the uploader's --map; reports doubts about the mapping to `findings`."""

    def __init__(self, reference: Reference, findings: Findings, money_unit: str | None = None,
                 mapping: dict[str, str] | None = None):
        self.findings = findings
        self.money_unit_override = money_unit
        self.synonyms = synonym_index(reference)
        self.vocabulary = vocabulary_index(reference.header_synonyms)
        # header variant -> (field, the header as given); unknown fields were refused by the caller
        self.mapping: dict[str, tuple[str, str]] = {}
        self.mapping_given = {text: field_named(name, reference) or name for text, name in (mapping or {}).items()}
        for text, fld in self.mapping_given.items():
            for key in header_variants(text):
                self.mapping.setdefault(key, (fld, text))
        self.mapping_used: set[str] = set()
        self._matched: dict[str, tuple | None] = {}  # header text -> match, for find_header's many blocks

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
        keys = header_variants(text)
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
        fields = columns_by_field(columns)
        for j, fld, rank, text, others in matches:
            letter = letters[j]
            if rank == MANUAL_RANK:
                self.mapping_used.update(k for k in header_variants(text) if k in self.mapping)
            label = field_label(fld)
            if letter not in by_letter and fld in fields:
                winner = fields[fld]
                winner_header = re.sub(r"\s+", "", winner.header)
                self.findings.add(
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
                self.findings.add(
                    "note", f"本列按“{field_label(read_as)}”读取，也可能是{alternatives}；如不对请修改表头",
                    sheet, last + 1, letter, text,
                )

    def report_unused_mapping(self) -> None:
        """A warning for each --map whose header no sheet of the file has."""
        used = {self.mapping[k][1] for k in self.mapping_used}
        for text, fld in self.mapping_given.items():
            if text not in used:
                self.findings.add("warning", f"指定的对应“{text}={field_label(fld)}”在文件的表头中未找到，未使用")

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
        return any(self.mapping.get(k, ("",))[0] == NOT_IMPORTED for k in header_variants(text))

    def columns(self, head, first, last, fields, letters, title_texts, sheet, kind) -> list[Column]:
        """The columns read, in sheet order, with the money unit of each amount."""
        fields = dict(fields)
        # On a started ledger the plain total (总投资) is the project's planned investment;
        # a 签约金额 column beside it stays the signed amount.
        if kind == "started" and "planned_investment" not in fields:
            total = self._plain_total(head, first, last)
            if total is not None and fields.get("signed_amount", (None,))[0] != total[0]:
                fields["planned_investment"] = total
            elif "signed_amount" in fields:
                fields["planned_investment"] = fields.pop("signed_amount")
        sheet_unit = _sheet_money_unit(title_texts + [t for r in head[first : last + 1] for t in r if t])
        columns = []
        for fld, (j, rank) in sorted(fields.items(), key=lambda kv: kv[1][0]):
            texts = [head[i][j] if j < len(head[i]) else None for i in range(last, first - 1, -1)]
            header = next((t for t in texts if t), "")
            money_unit = None
            if fld in AMOUNT_FIELDS:
                money_unit = (
                    self.money_unit_override
                    or next((u for u in (parse.detect_money_unit(t) for t in texts + _group_texts(head, first, last, j)) if u), None)
                    or sheet_unit
                )
                if money_unit is None:
                    money_unit = "万元"
                    self.findings.warn_once("未注明金额单位，按“万元”处理；如为亿元请在表头写明“（亿元）”", sheet, last + 1, letters[j], header)
            columns.append(Column(fld, letters[j], header, money_unit, confidence_of(rank)))
        return columns

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


def _sheet_money_unit(texts) -> str | None:
    for text in texts:
        if "单位" in text and "元" in text:
            unit = parse.detect_money_unit(text)
            if unit:
                return unit
    return None
