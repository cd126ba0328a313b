"""The catalog of ledger fields: one line per column a ledger can have.

What the reader maps a header to (`key`), the Chinese name people read and type
(`label`: in the upload preview, the mapping choices, `--map`, messages and /data), how a
cell is read (`type`), the column of `ledger_rows` it fills, and the ledger kinds that
cannot load without it. The header texts that name a field are city vocabulary, in
data/reference/headers.csv (one line per key; the reader's rules in etl/vocabulary.py).

A new column is one line here, its synonyms in headers.csv, a migration adding it to
ledger_rows, and the SQL that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MONEY_UNIT = "万元"  # every amount is stored in 万元, whatever the ledger wrote


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str  # name | code | unit | chain | text | amount | date | flag
    required_by: tuple[str, ...] = ()  # ledger kinds: signed | started | negotiating | lead

    @property
    def column(self) -> str:
        """The column of ledger_rows the field fills."""
        if self.type == "amount":
            return f"{self.key}_wan"
        if self.type == "flag":
            return f"is_{self.key}"
        if self.type == "unit":
            return "unit_id"
        return self.key

    @property
    def dtype(self) -> pl.DataType:
        return {"amount": pl.Decimal(18, 4), "date": pl.Date, "flag": pl.Boolean}.get(self.type, pl.String)

    @property
    def column_label(self) -> str:
        """The label of the field's column in a table: amounts say their unit."""
        return f"{self.label}（{MONEY_UNIT}）" if self.type == "amount" else self.label


ALL_KINDS = ("signed", "started", "negotiating", "lead")

# In the order the upload preview shows them and the mapping offers them.
FIELDS = (
    Field("project_name", "项目名称", "name", ALL_KINDS),
    Field("project_code", "项目代码", "code"),
    Field("unit", "县（市、区）/开发区", "unit", ALL_KINDS),
    Field("chain", "产业链", "chain"),
    Field("investor", "投资方", "text"),
    Field("investor_origin", "投资方所在地", "text"),
    Field("signed_date", "签约时间", "date", ("signed",)),
    Field("signed_amount", "签约金额", "amount", ("signed",)),
    Field("started", "是否开工", "flag"),
    Field("start_date", "开工时间", "date", ("started",)),
    Field("planned_start_date", "计划开工时间", "date"),
    Field("planned_investment", "计划总投资", "amount"),
    Field("funds_in_place", "累计到位资金", "amount"),
    Field("funds_in_place_period", "本期到位资金", "amount"),
    Field("intended_amount", "意向投资额", "amount"),
    Field("produced", "是否投产", "flag"),
    Field("production_date", "投产时间", "date"),
    Field("lead_source", "线索来源", "text"),
    Field("lead_date", "线索录入时间", "date"),
    Field("negotiation_date", "洽谈时间", "date"),
    Field("negotiation_progress", "洽谈进展", "text"),
    Field("responsible_unit", "责任单位", "text"),
    Field("liaison_leader", "包联领导", "text"),
    Field("progress", "项目进展", "text"),
    Field("problems", "存在问题", "text"),
    Field("remarks", "备注", "text"),
)
BY_KEY = {f.key: f for f in FIELDS}
LABELS = {f.key: f.label for f in FIELDS}


def of_type(type_: str) -> tuple[str, ...]:
    """The keys of the fields of one type, in catalog order."""
    return tuple(f.key for f in FIELDS if f.type == type_)


def required(kind: str) -> tuple[str, ...]:
    """The fields a ledger of this kind cannot load without."""
    return tuple(f.key for f in FIELDS if kind in f.required_by)
