"""Entries made in the app (在线录入, /entry): a lead or a project's progress, one row.

An entry is a ledger of one row: it is written out as a small CSV whose headers are the
field catalog's labels, read by the same reader as any uploaded file (etl/read.py) and loaded
by the same loader (etl/load.py), so the same rules refuse it, the same history records it
and the same rollback undoes it. The CSV is archived like any original, so `python -m
warehouse rebuild` replays it. Excel stays the bulk path.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import polars as pl

from base.actor import current_user
from base.reference import load_reference

from warehouse import transfers
from warehouse.db import connect_readonly, db_path

from .fields import BY_KEY
from .load import LoadResult, load_ledger
from .parse import parse_period
from .problems import Problem
from .read import Ledger, read_ledger

# the stages a form offers: the ledger kind an entry of that stage is, and the flags it sets
STAGES = {
    "线索": ("lead", {}),
    "洽谈": ("negotiating", {}),
    "签约": ("signed", {}),
    "开工": ("started", {"started": "是"}),
    "投产": ("started", {"started": "是", "produced": "是"}),
}
# the fields an entry can give, in the form's order; the unit comes from the form's choice
FIELDS = (
    "project_name", "project_code", "unit", "chain", "investor", "investor_origin",
    "lead_source", "lead_date", "negotiation_date", "negotiation_progress",
    "signed_date", "signed_amount", "start_date", "production_date",
    "intended_amount", "planned_investment", "funds_in_place",
    "responsible_unit", "liaison_leader", "progress", "problems", "started", "produced",
)
SOURCE = "entry"


@dataclass(frozen=True)
class Entry:
    """What a person entered: field key -> text (blank: not given), the stage, and for an
    update the project it updates (its key and name key keep its identity)."""

    values: dict[str, str | None]
    stage: str
    project_key: str | None = None
    name_key: str | None = None


def entry_file(entry: Entry, unit_id: str) -> tuple[str, bytes]:
    """The entry as the CSV file the reader reads: headers are the catalog's labels (amounts
    in 万元), one row; the unit by its name, as a ledger writes it."""
    units = {u.unit_id: u.name for u in load_reference().units}
    values = {k: _cell(v) for k, v in entry.values.items()}
    values["unit"] = units.get(unit_id, unit_id)
    values.update(STAGES[entry.stage][1])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([BY_KEY[k].column_label for k in FIELDS])
    writer.writerow([values.get(k) or "" for k in FIELDS])
    name = (values.get("project_name") or "").replace("/", "／").replace("\\", "＼")
    return f"在线录入：{name}.csv", out.getvalue().encode("utf-8-sig")


def _cell(value) -> str | None:
    """One line of text: a note typed over several lines stays in its cell."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def read_entry(entry: Entry, unit_id: str, allowed_units: set[str] | None, today: date | None = None) -> tuple[Ledger, bytes]:
    """The entry read as a one-row ledger by the file reader, with every problem it finds."""
    today = today or date.today()
    file_name, data = entry_file(entry, unit_id)
    if not _cell(entry.values.get("project_name")):
        # a ledger row without a name is no project row; a form without one is a mistake
        label = BY_KEY["project_name"].label
        refused = Ledger.refused(file_name, data, STAGES[entry.stage][0], "请填写项目名称")
        return replace(refused, problems=[Problem("error", "请填写项目名称", file_name, header=label)]), data
    ledger = read_ledger(
        Path(file_name), STAGES[entry.stage][0], data=data, display_name=file_name,
        period=entry_period(today), allowed_units=allowed_units, today=today,
    )
    return keep_identity(ledger, entry.name_key), data


def entry_period(day: date):
    """An entry reports the month it is made in: it orders after the ledgers of earlier months."""
    return parse_period(f"{day.year}年{day.month}月")


def keep_identity(ledger: Ledger, name_key: str | None) -> Ledger:
    """An update of a project keyed by its unit and name keeps that key even when the
    project is now another unit's (a lead passed on), so it stays one project."""
    if name_key is None or ledger.rows.is_empty():
        return ledger
    return replace(ledger, rows=ledger.rows.with_columns(name_key=pl.lit(name_key, pl.String)))


def messages(ledger: Ledger, level: str = "error") -> list[str]:
    """The problems of one level in Chinese, each naming the field and the value entered."""
    return [message(p) for p in ledger.problems if p.level == level]


def message(problem: Problem) -> str:
    if not problem.header:
        return problem.message
    value = f"「{problem.value}」" if problem.value not in (None, "") else ""
    return f"{problem.header}{value}：{problem.message}"


def submit(
    entry: Entry, unit_id: str, allowed_units: set[str] | None, db=None, user: str | None = None, also=None,
) -> LoadResult:
    """Validate and load one entry; nothing is written when it has an error. also(con,
    load_id) writes what belongs to the entry in its transaction (a pass-on's assignment)."""
    ledger, data = read_entry(entry, unit_id, allowed_units)
    options = {"kind": STAGES[entry.stage][0], "period": ledger.period}
    if entry.name_key:
        options["name_key"] = entry.name_key
    return load_ledger(ledger, data, db, user or current_user(), allowed_units, options=options, source=SOURCE, also=also)


def identity_name_key(project_key: str) -> str | None:
    """The name key an update must keep: that of a project keyed by unit and name (a project
    keyed by its code keeps its identity through the code)."""
    return project_key.removeprefix("name:") if project_key.startswith("name:") else None


def assign(db, transfer_id: int, to_unit: str, note: str | None, user: str | None = None) -> LoadResult:
    """The centre assigns an offered lead to `to_unit`: an administrator's entry of the
    project under that unit (its code or name key kept, so it stays one project), with the
    assignment recorded in the same transaction."""
    user = user or current_user()
    con = connect_readonly(db_path(db))
    try:
        offer = transfers.pending(con, transfer_id)
    finally:
        con.close()
    if to_unit == offer["unit_id"]:
        raise transfers.TransferRefused("接收单位与项目现所在单位相同，请选择其他单位")
    stage = {"lead": "线索", "negotiating": "洽谈"}.get(offer["stage"], "线索")
    entry = Entry(
        {"project_name": offer["project_name"], "project_code": offer["project_code"]},
        stage, offer["project_key"], identity_name_key(offer["project_key"]),
    )
    note = " ".join((note or "").split()) or None

    def record(con, load_id):
        transfers.record_assignment(con, transfer_id, to_unit, note, user, load_id)

    return submit(entry, to_unit, None, db, user, also=record)
