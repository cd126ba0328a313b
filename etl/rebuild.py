"""Rebuild a warehouse from the archived originals of its loads (`python -m warehouse
rebuild --from-archive`): each active load read again and loaded into a new file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from warehouse.db import Lake, archive_dir, publish, staged, write_lock
from warehouse.repair import RebuildRefused, active_loads, reporting_records, restore_records, transfer_records

from .entry import keep_identity
from .load import load_ledger
from .parse import parse_period
from .read import read_ledger


@dataclass(frozen=True)
class Replayed:
    load_id: int
    file_name: str
    new_load_id: int | None
    text: str  # ✓/✗ line for the report

    @property
    def ok(self) -> bool:
        return self.new_load_id is not None


def rebuild(source: Path, out: Path | Lake) -> list[Replayed]:
    """Replay every active load of `source` from its archived original, in load order and
    with the overrides and user it was recorded with, into the new warehouse `out`.

    Built beside `out` and moved there at the end; an existing `out` is never overwritten.
    """
    if out.exists() or archive_dir(out).exists():
        raise RebuildRefused(f"目标已存在，不覆盖：{out if out.exists() else archive_dir(out)}。请指定一个新的文件名")
    if isinstance(out, Path) and out.resolve() == source.resolve():
        raise RebuildRefused("目标不能是源数据仓库本身")
    if not source.exists():
        raise RebuildRefused(f"源数据仓库不存在：{source}")
    loads = active_loads(source)
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
    replayed: list[Replayed] = []
    try:
        with staged(out) as staging:
            for load in loads:
                replayed.append(_replay(load, source, staging))
            new_ids = {r.new_load_id: load["loaded_at"] for r, load in zip(replayed, loads) if r.ok}
            renumbered = {r.load_id: r.new_load_id for r in replayed if r.ok}
            restore_records(staging, new_ids, *reporting_records(source), transfer_records(source), renumbered)
            with write_lock(out):
                if out.exists() or archive_dir(out).exists():
                    raise RebuildRefused(f"目标在重建期间被创建，不覆盖：{out}")
                publish(staging, out)
        return replayed
    finally:
        if isinstance(out, Path) and not out.exists():
            out.with_name(out.name + ".lock").unlink(missing_ok=True)


def _replay(load: dict, source: Path, staging: Path) -> Replayed:
    number, name = load["load_id"], load["file_name"]
    path = archive_dir(source) / load["archive_path"] if load["archive_path"] else None
    if path is None or not path.exists():
        return Replayed(number, name, None, f"✗ 第 {number} 次导入（{name}）：原始文件不在归档中，未重放")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != load["sha256"]:
        return Replayed(number, name, None, f"✗ 第 {number} 次导入（{name}）：归档文件内容已改变（sha256 不符），未重放")
    if load["read_options"] is not None:
        recorded = json.loads(load["read_options"])
        how = "按导入时的设置"
    else:
        # recorded before overrides were stored: the kind it was loaded as, the rest as detected
        recorded = {"kind": load["kind"], "period": None, "money_unit": None}
        how = "导入时的更正未记录，台账类型按原记录，其余自动识别"
    options = {
        "kind": recorded.get("kind"),
        "period": parse_period(recorded["period"]) if recorded.get("period") else None,
        "money_unit": recorded.get("money_unit"),
        "confirm_amounts": recorded.get("confirm_amounts", False),
        "mapping": recorded.get("mapping"),
    }
    ledger = read_ledger(Path(name), options["kind"], data=data, display_name=name, period=options["period"],
                         money_unit=options["money_unit"], confirm_amounts=options["confirm_amounts"],
                         mapping=options["mapping"])
    ledger = keep_identity(ledger, recorded.get("name_key"))
    options["name_key"] = recorded.get("name_key")
    result = load_ledger(ledger, data, staging, user=load["loaded_by"], options=options, source=load["source"])
    if result.status != "loaded":
        why = f"发现 {len(ledger.errors)} 处错误" if result.status == "refused" else f"与第 {result.load_id} 次重放的文件相同"
        return Replayed(number, name, None, f"✗ 第 {number} 次导入（{name}）：未能重放，{why}")
    label = ledger.period.label if ledger.period else None
    period = "" if label == load["period_label"] else f"；注意：报表期间识别为 {label or '未识别'}，原为 {load['period_label'] or '未识别'}"
    return Replayed(
        number, name, result.load_id,
        f"✓ 第 {number} 次导入（{name}，{load['loaded_by']}）→ 新仓库第 {result.load_id} 次导入，"
        f"{ledger.rows.height} 行，{how}{period}",
    )
