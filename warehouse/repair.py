"""An administrator's tools for a warehouse in doubt: check it (`python -m warehouse check`),
and the warehouse's part of rebuilding it from the archived originals of its loads (the
loads to replay, the records to carry over; the replay itself is etl.rebuild)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from . import build
from .db import Lake, WarehouseDamaged, archive_dir, connect_readonly, migrate, migrations, writer

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


def check(db: Path | Lake) -> list[Finding]:
    """Open read-only and verify schema, every table, the archived originals, the derived tables."""
    if not db.exists():
        return [Finding("error", f"数据仓库不存在：{db}")]
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


class _Discard(Exception):
    """Ends a lake's check write: its derivation is compared, never committed."""


def _derived_in_lake(lake: Lake) -> list[Finding]:
    """Derive everything again inside a write that is rolled back, and compare."""
    findings: list[Finding] = []
    try:
        with writer(lake, what="核对") as con:
            stored = con.execute("select fingerprint from derive_state").fetchall()
            if not stored or stored[0][0] != build.code_fingerprint():
                return [Finding("warning", "派生表由其他版本的程序生成，未核对；下次写入（或启动页面）时会按本程序重新推导")]
            for table in DERIVED:
                con.execute(f"create temp table stored_{table} as select * from {table}")
            build.refresh(con)
            findings = _compare(con, lambda table: f"stored_{table}")
            raise _Discard
    except _Discard:
        return findings


def _compare(con, stored) -> list[Finding]:
    findings = []
    for table in DERIVED:
        derived = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        kept = con.execute(f"select count(*) from {stored(table)}").fetchall()[0][0]
        differ = con.execute(
            f"select count(*) from ((select * from {table} except all select * from {stored(table)}) "
            f"union all (select * from {stored(table)} except all select * from {table}))"
        ).fetchall()[0][0]
        if differ:
            findings.append(Finding(
                "error",
                f"派生表 {table} 与重新推导的结果不一致（保存 {kept:,} 行，重新推导 {derived:,} 行，{differ:,} 行不同）",
            ))
    return findings or [Finding("ok", "派生表（" + "、".join(DERIVED) + "）与按导入记录重新推导的结果一致")]


def _derived(db: Path | Lake) -> list[Finding]:
    """Derive everything again in a scratch copy and compare it with the stored tables."""
    if isinstance(db, Lake):
        return _derived_in_lake(db)
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
            return _compare(con, lambda table: f"stored.{table}")
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------- rebuild


class RebuildRefused(ValueError):
    """str(e) says in Chinese why nothing was built."""


def reporting_records(source: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The source's closed months and nil reports (none in a warehouse older than them)."""
    con = connect_readonly(source)
    try:
        actions = con.sql("select * from period_actions").pl()
        nil_reports = con.sql("select * from nil_reports").pl()
    except duckdb.CatalogException:
        return pl.DataFrame(), pl.DataFrame()
    finally:
        con.close()
    return actions, nil_reports


def transfer_records(source: Path) -> pl.DataFrame:
    """The source's leads passed on (项目流转; none in a warehouse older than them)."""
    con = connect_readonly(source)
    try:
        return con.sql("select * from lead_transfers order by transfer_id").pl()
    except duckdb.CatalogException:
        return pl.DataFrame()
    finally:
        con.close()


def active_loads(source: Path) -> list[dict]:
    """The source's active loads in load order, with what a replay needs."""
    try:
        con = connect_readonly(source)
    except WarehouseDamaged as damaged:
        raise RebuildRefused(f"{damaged}：无法读出导入记录，不能重建") from damaged
    try:
        columns = {c for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'wh' and table_name = 'loads'"
        ).fetchall()}
        cursor = con.execute(
            "select load_id, file_name, sha256, kind, period_label, loaded_by, loaded_at, archive_path, "
            + ("read_options" if "read_options" in columns else "null as read_options") + ", "
            + ("source" if "source" in columns else "'file' as source")
            + " from loads where status = 'active' order by load_id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        raise RebuildRefused(f"数据仓库文件已损坏，导入记录（loads）无法读取：{exc}") from exc
    finally:
        con.close()


def restore_records(staging: Path, loaded_at: dict[int, object], actions: pl.DataFrame, nil_reports: pl.DataFrame,
                    transfers: pl.DataFrame | None = None, load_ids: dict[int, int] | None = None) -> None:
    """After the replay: the original load times (new load id -> time), so the history and
    the reporting board read as they did, and the source's closed months, nil reports and
    leads passed on, which are records of their own, not in any original file; then derive.
    load_ids (source load id -> new) renumber the loads that assigned a lead; one not
    replayed (or rolled back) leaves its offer waiting, as the project did not move."""
    if transfers is not None and transfers.height:
        transfers = transfers.with_columns(
            pl.col("assigned_load").replace_strict(load_ids or {}, default=None, return_dtype=pl.Int32)
        )
    with writer(staging) as con:
        if loaded_at:
            con.executemany("update loads set loaded_at = ? where load_id = ?", [[t, i] for i, t in loaded_at.items()])
        for table, frame in (("period_actions", actions), ("nil_reports", nil_reports), ("lead_transfers", transfers)):
            if frame is None:
                continue
            if frame.height:
                con.register("frame", frame)
                con.execute(f"insert into {table} by name select * from frame")
                con.unregister("frame")
        build.refresh(con, [] if loaded_at else None)
