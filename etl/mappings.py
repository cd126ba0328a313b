"""Header mappings confirmed per reporting unit: which a load confirms (stored with it by
warehouse.ingest), and which are offered to the unit's next upload (issue 12 §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from .read import Ledger
from .vocabulary import header_key


@dataclass(frozen=True)
class Remembered:
    field: str
    unit_id: str
    confirmed_by: str
    confirmed_at: datetime
    load_id: int


def confirmed(ledger: Ledger, mapping: dict[str, str] | None) -> dict[str, str]:
    """header -> field worth remembering: the uploader's mapping, and columns the reader
    only matched by its vocabulary rules (medium), which the uploader saw and accepted."""
    found = {c.header: c.field for s in ledger.sheets if s.used for c in s.columns if c.confidence == "medium"}
    return {**found, **dict(mapping or {})}  # mapping: a dict or the page's (header, field) pairs


def remembered(cur, units) -> dict[str, Remembered]:
    """header -> the latest mapping confirmed for any of these units by a load still active."""
    units = sorted(set(units))
    if not units:
        return {}
    try:
        rows = cur.execute(
            """
            select m.header, m.field, m.unit_id, m.confirmed_by, m.confirmed_at, m.load_id
            from header_mappings m join loads l using (load_id)
            where l.status = 'active' and m.unit_id in (select unnest(?::varchar[]))
            order by m.confirmed_at, m.load_id
            """,
            [units],
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse from before migration 009
        return {}
    found: dict[str, Remembered] = {}
    for header, fld, unit_id, by, at, load_id in rows:
        found[header] = Remembered(fld, unit_id, by, at, load_id)  # later rows win
    return found


def applicable(remembered_: dict[str, Remembered], headers) -> dict[str, Remembered]:
    """The remembered mappings whose header this file has (compared as the reader does), so
    that a mapping for a header the file lacks is not reported as unused."""
    by_key = {header_key(h): r for h, r in remembered_.items()}
    # keyed by the header as this file writes it (spaces may differ from the confirmed one)
    return {h: by_key[header_key(h)] for h in headers if h and header_key(h) in by_key}
