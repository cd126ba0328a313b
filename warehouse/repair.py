"""An administrator's tools for a warehouse in doubt: check it, and rebuild it from the
archived originals of its loads (`python -m warehouse check | rebuild`)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from etl.load import load_ledger
from etl.parse import parse_period
from etl.read import read_ledger

from . import build
from .db import WarehouseDamaged, archive_dir, connect_readonly, migrate, migrations, publish, staged, write_lock, writer

# tables re-derived from the loads at every write: what `check` derives again and compares
DERIVED = ("row_keys", "projects", "pipeline_projects")


@dataclass(frozen=True)
class Finding:
    level: str  # ok | warning | error
    text: str

    def line(self) -> str:
        return {"ok": "✓", "warning": "!", "error": "✗"}[self.level] + " " + self.text


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(db: Path) -> list[Finding]:
    """Open read-only and verify schema, every table, the archived originals, the derived tables."""
    if not db.exists():
        return [Finding("error", f"数据仓库文件不存在：{db}")]
    try:
        con = connect_readonly(db)
    except WarehouseDamaged as damaged:
        return [Finding("error", f"{damaged}。请从归档重建：python -m warehouse rebuild --from-archive --db {db} --out 新文件.duckdb")]
    try:
        findings = _schema(con)
        findings += _tables(con)
        if not any(f.level == "error" for f in findings):
            findings += _archive(con, db)
            findings += _derived(db)
        return findings
    finally:
        con.close()


def _schema(con) -> list[Finding]:
    try:
        applied = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    except duckdb.Error as exc:
        return [Finding("error", f"无法读取数据库版本（schema_migrations）：{exc}")]
    known = {v for v, _ in migrations()}
    missing, unknown = sorted(known - applied), sorted(applied - known)
    if unknown:
        return [Finding("error", f"数据库版本 {max(applied)} 比本程序新（本程序最高 {max(known)}）：请用新版程序检查")]
    if missing:
        return [Finding("warning", f"数据库版本 {max(applied)}，缺少迁移 {missing}：下次写入时自动升级")]
    return [Finding("ok", f"数据库版本 {max(applied)}（最新）")]


def _tables(con) -> list[Finding]:
    """Read every column of every row: a damaged block shows up only when it is read."""
    names = [t for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = 'wh' order by table_name"
    ).fetchall()]
    findings, counts = [], []
    for name in names:
        try:
            rows = con.execute(f'select count(*), sum(hash(columns(*))) from "{name}"').fetchone()[0]
        except duckdb.Error as exc:
            findings.append(Finding("error", f"表 {name} 无法读取（文件已损坏）：{exc}"))
        else:
            counts.append(f"{name} {rows:,}")
    if not findings:
        findings.append(Finding("ok", f"{len(names)} 个表均可完整读取（行数：{'，'.join(counts)}）"))
    return findings


def _archive(con, db: Path) -> list[Finding]:
    """Every active load's original is in the archive, byte for byte."""
    loads = con.execute(
        "select load_id, file_name, sha256, archive_path from loads where status = 'active' order by load_id"
    ).fetchall()
    problems = []
    for load_id, file_name, sha, archive_path in loads:
        path = archive_dir(db) / archive_path if archive_path else None
        if path is None or not path.exists():
            problems.append(Finding("error", f"第 {load_id} 次导入（{file_name}）的原始文件不在归档中：{path or '未记录归档位置'}"))
        elif sha256_of(path) != sha:
            problems.append(Finding("error", f"第 {load_id} 次导入（{file_name}）的归档文件内容已改变（sha256 不符）：{path}"))
    return problems or [Finding("ok", f"{len(loads)} 次有效导入的原始文件均在归档中，内容无误")]


def _derived(db: Path) -> list[Finding]:
    """Derive everything again in a scratch copy and compare it with the stored tables."""
    scratch = Path(tempfile.mkdtemp(prefix="warehouse-check-"))
    try:
        copy = scratch / db.name
        try:
            shutil.copyfile(db, copy)
        except OSError as exc:
            return [Finding("warning", f"未核对派生表：无法在临时目录 {scratch.parent} 复制数据仓库（{exc}）")]
        con = duckdb.connect(str(copy))
        try:
            stored = con.execute("select fingerprint from derive_state").fetchone()
            if stored is None or stored[0] != build.code_fingerprint():
                return [Finding("warning", "派生表由其他版本的程序生成，未核对；下次写入（或启动页面）时会按本程序重新推导")]
            migrate(con)
            build.refresh(con)
            con.execute(f"attach '{str(db).replace(chr(39), chr(39) * 2)}' as stored (read_only)")
            findings = []
            for table in DERIVED:
                derived = con.execute(f"select count(*) from {table}").fetchone()[0]
                kept = con.execute(f"select count(*) from stored.{table}").fetchone()[0]
                differ = con.execute(
                    f"select count(*) from ((select * from {table} except all select * from stored.{table}) "
                    f"union all (select * from stored.{table} except all select * from {table}))"
                ).fetchone()[0]
                if differ:
                    findings.append(Finding(
                        "error",
                        f"派生表 {table} 与重新推导的结果不一致（保存 {kept:,} 行，重新推导 {derived:,} 行，{differ:,} 行不同）",
                    ))
            return findings or [Finding("ok", "派生表（" + "、".join(DERIVED) + "）与按导入记录重新推导的结果一致")]
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------- rebuild


class RebuildRefused(ValueError):
    """str(e) says in Chinese why nothing was built."""


@dataclass(frozen=True)
class Replayed:
    load_id: int
    file_name: str
    new_load_id: int | None
    text: str  # ✓/✗ line for the report

    @property
    def ok(self) -> bool:
        return self.new_load_id is not None


def rebuild(source: Path, out: Path) -> list[Replayed]:
    """Replay every active load of `source` from its archived original, in load order and
    with the overrides and user it was recorded with, into the new warehouse `out`.

    Built beside `out` and moved there at the end; an existing `out` is never overwritten.
    """
    if out.exists() or archive_dir(out).exists():
        raise RebuildRefused(f"目标已存在，不覆盖：{out if out.exists() else archive_dir(out)}。请指定一个新的文件名")
    if out.resolve() == source.resolve():
        raise RebuildRefused("目标不能是源数据仓库本身")
    if not source.exists():
        raise RebuildRefused(f"源数据仓库不存在：{source}")
    loads = _active_loads(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    replayed: list[Replayed] = []
    try:
        with staged(out) as staging:
            for load in loads:
                replayed.append(_replay(load, source, staging))
            new_ids = {r.new_load_id: load["loaded_at"] for r, load in zip(replayed, loads) if r.ok}
            actions, nil_reports = _reporting_records(source)
            with writer(staging) as con:
                # the original load times, so the history and the reporting board read as they did
                if new_ids:
                    con.executemany("update loads set loaded_at = ? where load_id = ?", [[t, i] for i, t in new_ids.items()])
                # closed months and nil reports are records of their own, not in any original file
                for table, frame in (("period_actions", actions), ("nil_reports", nil_reports)):
                    if frame.height:
                        con.register("frame", frame)
                        con.execute(f"insert into {table} by name select * from frame")
                        con.unregister("frame")
                build.refresh(con, [] if new_ids else None)
            with write_lock(out):
                if out.exists() or archive_dir(out).exists():
                    raise RebuildRefused(f"目标在重建期间被创建，不覆盖：{out}")
                publish(staging, out)
        return replayed
    finally:
        if not out.exists():
            out.with_name(out.name + ".lock").unlink(missing_ok=True)


def _reporting_records(source: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The source's closed months and nil reports (none in a warehouse older than them)."""
    con = connect_readonly(source)
    try:
        actions = con.sql("select * from period_actions").pl()
        nil_reports = con.sql("select * exclude (nil_report_id) from nil_reports").pl()
    except duckdb.CatalogException:
        return pl.DataFrame(), pl.DataFrame()
    finally:
        con.close()
    return actions, nil_reports


def _active_loads(source: Path) -> list[dict]:
    try:
        con = connect_readonly(source)
    except WarehouseDamaged as damaged:
        raise RebuildRefused(f"{damaged}：无法读出导入记录，不能重建") from damaged
    try:
        has_options = con.execute(
            "select count(*) from duckdb_columns() where database_name = 'wh' and table_name = 'loads' "
            "and column_name = 'read_options'"
        ).fetchone()[0]
        cursor = con.execute(
            "select load_id, file_name, sha256, kind, period_label, loaded_by, loaded_at, archive_path, "
            + ("read_options" if has_options else "null as read_options")
            + " from loads where status = 'active' order by load_id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        raise RebuildRefused(f"数据仓库文件已损坏，导入记录（loads）无法读取：{exc}") from exc
    finally:
        con.close()


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
    result = load_ledger(ledger, data, staging, user=load["loaded_by"], options=options)
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
