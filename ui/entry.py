"""在线录入 and 项目流转 for /entry: the form's values, each write audited, every outcome a
Chinese message (level, text) for the page to show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from etl import entry as entries
from etl.entry import Entry
from etl.load import LoadResult
from etl.read import KIND_NAMES
from ui.format import md_text
from warehouse import accounts, transfers
from warehouse.db import WarehouseBusy, WriteFailed, db_path

# a project's stage -> the form's
TRANSFER_STATUS = {"offered": "待指派", "assigned": "已流转", "undone": "已撤销（指派的导入已撤销）", "withdrawn": "已撤回"}
STAGE_OF = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工", "producing": "投产"}
# the form's fields by how they are typed: text, dates, amounts in 万元, notes
TEXT_FIELDS = ("project_code", "chain", "investor", "investor_origin", "lead_source", "negotiation_progress",
               "responsible_unit", "liaison_leader")
DATE_FIELDS = ("lead_date", "negotiation_date", "signed_date", "start_date", "production_date")
AMOUNT_FIELDS = ("intended_amount", "signed_amount", "planned_investment", "funds_in_place")
NOTE_FIELDS = ("progress", "problems")


def defaults(project: dict | None) -> dict[str, object]:
    """The form's starting values: a project's current ones for an update, else blank."""
    if project is None:
        return {"lead_date": date.today()}  # a lead is entered as it arises
    values: dict[str, object] = {}
    for key in (*TEXT_FIELDS, *NOTE_FIELDS, "project_name"):
        values[key] = project.get(key) or ""
    for key in DATE_FIELDS:
        values[key] = project.get(key)
    for key in AMOUNT_FIELDS:
        amount = project.get(f"{key}_wan")
        # in 万元 as a person types it: no padding zeros
        values[key] = format(Decimal(amount).normalize(), "f") if amount is not None else ""
    return values


def stage_of(project: dict | None) -> str:
    return STAGE_OF.get(project["stage"], "线索") if project else "线索"


def as_entry(values: dict[str, object], stage: str, project: dict | None) -> Entry:
    """The form's values as an entry: dates as ISO text, everything as the person typed it,
    for the file reader to judge."""
    cells = {k: (v.isoformat() if isinstance(v, date) else (str(v) if v not in (None, "") else None))
             for k, v in values.items()}
    if project is not None:  # an update keeps the project's name and code: its identity
        cells["project_name"] = project["project_name"]
        cells["project_code"] = project.get("project_code")
        return Entry(cells, stage, project["project_key"], entries.identity_name_key(project["project_key"]))
    return Entry(cells, stage)


def submit(entry: Entry, unit_id: str, user: accounts.User, ip: str | None = None) -> tuple[str, list[str]]:
    """Validate and load the entry, audited; (level, lines): success, info or error."""
    allowed = None if user.can("admin") else set(user.units)
    detail = {"project": entry.values.get("project_name"), "unit": unit_id, "stage": entry.stage}
    try:
        result = entries.submit(entry, unit_id, allowed, db_path(), user.name)
    except (WarehouseBusy, WriteFailed) as failed:
        accounts.store().audit(accounts.UPLOAD_FAILED, user, ip, {**detail, "entry": True, "error": str(failed)})
        return "error", [str(failed)]
    accounts.store().audit(accounts.ENTRY if result.ok else accounts.UPLOAD_FAILED, user, ip,
                   {**detail, "entry": True, "status": result.status, "load_id": result.load_id})
    return outcome(result)


def outcome(result: LoadResult) -> tuple[str, list[str]]:
    ledger = result.ledger
    if result.status == "refused":
        return "error", ["未保存，请修改后重新提交：", *(md_text(m) for m in entries.messages(ledger))]
    if result.status == "duplicate":
        return "info", [f"与第 {result.load_id} 次导入（在线录入）的内容完全相同，未做改动。"]
    kind = KIND_NAMES.get(ledger.kind, ledger.kind)
    lines = [f"已保存：第 {result.load_id} 次导入（在线录入，{kind}）。可在「数据管理」的导入记录中查看或撤销。"]
    lines += [md_text(m) for m in entries.messages(ledger, "warning")]
    return "success", lines


def offer(project: dict, reason: str, user: accounts.User, ip: str | None = None) -> tuple[str, list[str]]:
    """The project's unit offers it on (项目流转)."""
    if not user.may_load_unit(project["unit_id"]):
        return "error", ["只能流转本单位的项目"]
    try:
        transfers.offer(db_path(), project["project_key"], reason, user.name, ip)
    except (transfers.TransferRefused, WarehouseBusy, WriteFailed) as refused:
        return "error", [md_text(str(refused))]
    return "success", [f"已提出流转：{md_text(project['project_name'])}，等待市中心指派接收单位。"]


def withdraw(transfer_id: int, user: accounts.User, ip: str | None = None) -> tuple[str, list[str]]:
    try:
        transfers.withdraw(db_path(), transfer_id, user.name, ip)
    except (transfers.TransferRefused, WarehouseBusy, WriteFailed) as refused:
        return "error", [md_text(str(refused))]
    return "success", ["已撤回流转。"]


def assign(transfer: dict, to_unit: str, note: str, user: accounts.User, ip: str | None = None) -> tuple[str, list[str]]:
    """The centre assigns an offered lead to another unit: the project moves there, one project."""
    if not user.can("admin"):
        return "error", ["只有市中心管理员可以指派流转项目"]
    try:
        result = entries.assign(db_path(), transfer["transfer_id"], to_unit, note, user.name)
    except (transfers.TransferRefused, WarehouseBusy, WriteFailed) as refused:
        return "error", [md_text(str(refused))]
    accounts.store().audit(accounts.LEAD_ASSIGN, user, ip, {
        "project": transfer["project_name"], "from": transfer["from_unit"], "to": to_unit,
        "status": result.status, "load_id": result.load_id,
    })
    if result.status != "loaded":
        return outcome(result)
    return "success", [f"已指派：{md_text(transfer['project_name'])} 流转至接收单位（第 {result.load_id} 次导入，可在「数据管理」中撤销）。"]
