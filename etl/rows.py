"""Tell a sheet's rows apart and find each project's reporting unit.

Below the header sit project rows, blank lines, group rows ("一、盐湖区"), totals, the
template's keep-me lines and footers; only project rows are parsed. A project's unit is its
own cell, else the group row above it, else the unit the title or file name names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from base.reference import Reference, Unit, resolve_unit, suggest_unit
from base.text import clean_text

from . import columns as columns_mod
from . import parse
from .fields import LABELS, of_type
from .header import Column, columns_by_field
from .problems import Findings

AMOUNT_FIELDS = of_type("amount")


@dataclass
class SheetRows:
    """The project rows of one sheet as written (a text column per field), and where
    problems about their cells go."""

    findings: Findings
    sheet: str
    by_field: dict[str, Column]
    rows: pl.DataFrame

    def error_rows(self, fld: str, errors: dict[str, str]) -> pl.Series:
        """One error per cell whose text a parser rejected; returns which rows are bad."""
        cells = self.rows.get_column(fld)
        bad = cells.is_in(list(errors)) if errors else pl.Series([False] * self.rows.height, dtype=pl.Boolean)
        c = self.by_field[fld]
        for row, value in self.rows.select("excel_row", fld).filter(bad).iter_rows():
            self.findings.add("error", errors[value], self.sheet, row, c.letter, c.header, str(value))
        return bad

    def warn_rows(self, message: str, fld: str, mask: pl.Series, values: pl.Series) -> None:
        """One warning for all rows of the mask, at the first of them, with their count."""
        count = int(mask.sum()) if mask.len() else 0
        if not count:
            return
        first = int(mask.arg_true()[0])
        c = self.by_field.get(fld)
        value = values[first]
        self.findings.warn_once(message, self.sheet, self.rows.get_column("excel_row")[first],
                                c.letter if c else None, c.header if c else None,
                                None if value is None else str(value), count=count)


class Units:
    """The reporting units of a file's rows: named in a cell, a group row or the title."""

    def __init__(self, reference: Reference, file: str, allowed_units: set[str] | None = None):
        self.reference = reference
        self.file = file
        self.allowed_units = allowed_units

    def group_unit(self, text: str) -> Unit | None:
        """The unit a group row such as "一、盐湖区" names, if any."""
        return resolve_unit(re.sub(r"^[（(]?[一二三四五六七八九十]+[）)、.．]", "", text), self.reference)

    def has_group_units(self, frame, data_start, fields) -> bool:
        letters = list(dict.fromkeys([*frame.columns[:3], frame.columns[fields["project_name"][0]]]))
        return any(
            parse.is_group_row(text) and self.group_unit(text)
            for letter in letters
            for text in frame.get_column(letter).slice(data_start).drop_nulls().to_list()
        )

    def context_unit(self, *texts) -> Unit | None:
        """A reporting unit named in the title, sheet or file name (a county's own ledger)."""
        best = None
        candidates = [*texts, Path(self.file).stem]
        for unit in self.reference.units:
            for alias in (unit.name, *unit.aliases):
                if len(alias) >= 2 and any(alias in (t or "") for t in candidates):
                    if best is None or len(alias) > best[0]:
                        best = (len(alias), unit)
        return best[1] if best else None

    def resolve(self, sheet: SheetRows, cells: pl.Series | None, group_unit: pl.Series, title: str, n: int):
        """Reporting unit: the cell, else the group row above, else the title or file name."""
        findings, rows = sheet.findings, sheet.rows
        c = sheet.by_field.get("unit")
        if cells is None:
            cells = pl.repeat(None, n, eager=True, dtype=pl.String)
        resolved, _ = columns_mod.map_unique(
            cells, lambda v: (u.unit_id if (u := resolve_unit(v, self.reference)) else None), pl.String
        )
        unknown = cells.is_not_null() & resolved.is_null()
        # one fuzzy match per distinct text: a column of wrong names is one text repeated
        # down 200,000 rows (40 s when matched row by row)
        hints: dict[str, str | None] = {}
        for row, value in rows.select("excel_row").with_columns(v=cells).filter(unknown).iter_rows():
            if value not in hints:
                hints[value] = suggest_unit(value, self.reference)
            hint = hints[value]
            findings.add(
                "error",
                "无法识别的县（市、区）或开发区" + (f"，是否为“{hint}”？" if hint else "，请填写全称，如“临猗县”"),
                sheet.sheet, row, c.letter if c else None, c.header if c else None, value,
            )
        context = self.context_unit(title, sheet.sheet)
        unit_id = pl.select(
            pl.when(pl.lit(cells).is_not_null()).then(pl.lit(resolved))
            .otherwise(pl.coalesce(pl.lit(group_unit), pl.lit(context.unit_id if context else None, dtype=pl.String)))
        ).to_series()
        for (row,) in rows.select("excel_row").filter(cells.is_null() & unit_id.is_null()).iter_rows():
            findings.add(
                "error", "县（市、区）为空，请填写项目所属县（市、区）或开发区", sheet.sheet, row,
                c.letter if c else None, c.header if c else LABELS["unit"],
            )
        if self.allowed_units is not None:
            names = {u.unit_id: u.name for u in self.reference.units}
            outside = unit_id.is_not_null() & ~unit_id.is_in(list(self.allowed_units))
            for row, uid, value in rows.select("excel_row").with_columns(u=unit_id, v=cells).filter(outside).iter_rows():
                findings.add(
                    "error", f"当前账号无权上报“{names[uid]}”的项目，请删除该行或由对应单位上报",
                    sheet.sheet, row, c.letter if c else None, c.header if c else None, value or names[uid],
                )
        return cells, unit_id


def classify_rows(raw: pl.DataFrame, columns: list[Column], sheet: str, findings: Findings,
                  units: Units) -> tuple[list[str], list[str | None]]:
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
            unit = units.group_unit(group_text)
            if unit is not None or not group_text.startswith(("（", "(")):
                group_unit = unit
            group_units[pos] = group_unit.unit_id if group_unit else ""
        elif name is None:
            filled = [c for c in columns if c.field != "project_name" and row[c.field] is not None]
            kinds[pos] = "skip"
            if len(filled) > 1 or any(c.field in AMOUNT_FIELDS for c in filled):
                c = columns_by_field(columns)["project_name"]
                findings.add("error", "项目名称为空，请填写项目名称或删除该行", sheet, row["excel_row"], c.letter, c.header)
    if footer_from is not None:
        kinds[footer_from:] = ["footer"] * (raw.height - footer_from)
    # only the first grand total is compared; later ones repeat it
    totals = [i for i, k in enumerate(kinds) if k == "total"]
    for i in totals[1:]:
        kinds[i] = "subtotal"
    return kinds, [g if g != "" else None for g in group_units] if any(group_units) else group_units
