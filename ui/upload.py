"""The upload page's logic: read a file as staff corrected it, lay the result out as
tables, and load it through the same code as `python -m etl load`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import streamlit as st

from base.config import ROOT
from base.reference import load_reference
from etl import files, mappings
from etl.fields import FIELDS, LABELS
from etl.isolate import read_isolated
from etl.load import LoadResult, load_ledger
from etl.ownership import CodeProblem, check_codes
from etl.precedent import HistoryProblem, check_history
from etl.preview import Prediction, predict
from etl.parse import Period, parse_period
from etl.problems import LEVEL_NAMES
from etl.header import CONFIDENCE_NAMES, NOT_IMPORTED
from etl.read import KIND_NAMES, KINDS, Ledger
from etl.vocabulary import header_key
from warehouse import accounts, history
from warehouse.db import db_path

from . import data as warehouse_data
from .format import md_text

KIND_CHOICES = (None, *KINDS)  # None: as detected
MONEY_UNIT_CHOICES = (None, "万元", "亿元")  # None: as each header says
MB = 1024 * 1024
UPLOADER_CSS = ROOT / "static" / "upload.css"
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")  # what etl.files reads

# the preview's columns: where each row came from, then a column per field of the catalog
PREVIEW = {
    "sheet": "工作表",
    "excel_row": "行号",
    **{("unit_name" if f.type == "unit" else f.column): f.column_label for f in FIELDS},
}
ALWAYS_SHOWN = ("sheet", "excel_row", "project_name", "unit_name")
CHANGE_NAMES = {
    "transferred": "划转",
    "new": "新增项目",
    "started": "新开工",
    "changed": "变更",
    "stage": "阶段变化",
    "disappeared": "累计台账中消失",
}
CHANGED_FIELDS = {
    **{f.column: f.column_label for f in FIELDS
       if f.key in ("signed_amount", "signed_date", "start_date", "planned_investment", "funds_in_place", "chain")},
    "unit": LABELS["unit"],
    "stage": "阶段",
}
STAGE_NAMES = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工", "producing": "投产"}
IGNORED = "未识别（不导入）"
CONFIRMED = "已确认"  # the confidence of a column read by a mapping remembered for the unit
# what the uploader may set a header to in the preview: None keeps what the reader found
FIELD_CHOICES = (None, *LABELS, NOT_IMPORTED)


def field_choice_label(fld: str | None) -> str:
    return "不导入" if fld == NOT_IMPORTED else LABELS.get(fld, fld or "")


def file_headers(ledger: Ledger) -> list[str]:
    """The header texts of every sheet whose header was found (read or refused for a missing
    column), in sheet and column order: what the uploader may map."""
    headers: dict[str, None] = {}
    for s in ledger.sheets:
        if s.header_rows is None:
            continue
        cells = [(c.letter, c.header) for c in s.columns] + list(s.ignored)
        for _, header in sorted(cells, key=lambda lh: (len(lh[0]), lh[0])):
            if header:
                headers.setdefault(header)
    return list(headers)


def read_as(ledger: Ledger) -> dict[str, str]:
    """header -> the field the reader read it as (a header of several sheets: the first)."""
    found: dict[str, str] = {}
    for s in ledger.sheets:
        for c in s.columns:
            found.setdefault(c.header, c.field)
    return found


def remembered_mapping(units, headers) -> dict[str, mappings.Remembered]:
    """The mappings confirmed for these units at earlier uploads whose header this file has."""
    if not units or not warehouse_data.available():
        return {}
    with warehouse_data.reader().cursor() as cur:
        return mappings.applicable(mappings.remembered(cur, units), headers)


def remembered_caption(remembered: dict[str, mappings.Remembered], unit_names: dict[str, str]) -> str:
    """Where the remembered mappings come from, one clause each; Markdown-inert."""
    said = "；".join(
        f"「{header}」→{field_choice_label(r.field)}（{unit_names.get(r.unit_id, r.unit_id)}第 {r.load_id} 次导入时"
        f"由{r.confirmed_by}于 {r.confirmed_at:%Y-%m-%d} 确认）"
        for header, r in remembered.items()
    )
    return md_text(f"已按本单位此前确认的列对应读取：{said}。如不对，可在「逐列指定字段」中更改。")


def size_limit() -> int:
    """Bytes one file may have: the loader's limit, or the server's upload limit if lower."""
    server = st.get_option("server.maxUploadSize") * MB
    return min(files.MAX_FILE_BYTES, server)


def size_text(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size / 1024:,.0f} KB"


def limits_text() -> str:
    return (
        f"单个文件不超过 {size_text(size_limit())}；.xlsx 解压后不超过 {size_text(files.MAX_UNZIPPED_BYTES)}；"
        f"每个工作表不超过 {files.MAX_ROWS:,} 行。"
    )


def refusal(name: str, size: int) -> str | None:
    """Why an uploaded file is refused before it is read (its type or size), or None.

    The uploader accepts any file so that these reasons reach staff in Chinese, not
    Streamlit's English rejection.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return (
            f"「{name}」不是台账文件（扩展名为 {suffix or '空'}），未读取。"
            f"请上传 Excel 或 CSV 文件（{'、'.join(SUFFIXES)}）。"
        )
    limit = size_limit()
    if size <= limit:
        return None
    return (
        f"文件过大：「{name}」为 {size_text(size)}，上限为 {size_text(limit)}，未读取。"
        "请按月份或县（市、区）拆分后分别上传。"
    )


def uploader_css() -> str:
    """<style> putting the uploader's texts in Chinese (static/upload.css), with our limits."""
    ceiling = st.get_option("server.maxUploadSize") * MB
    texts = {
        "--upload-button": "选择文件",
        "--upload-hint": f"或拖入此处；每个文件不超过 {size_text(size_limit())}",
        "--upload-drop": "松开鼠标即可上传",
        "--upload-failed": f"未上传：文件超过 {size_text(ceiling)} 或连接中断，请拆分文件或刷新页面后重试",
    }
    variables = "".join(f'{name}: "{text}";' for name, text in texts.items())
    return f"<style>:root {{ {variables} }}\n{UPLOADER_CSS.read_text(encoding='utf-8')}</style>"


def file_refused(ledger: Ledger) -> str | None:
    """Why a file was refused as a whole (no sheet was read), naming it; Markdown-inert, or None."""
    if ledger.sheets or not ledger.errors:
        return None
    named = f"「{ledger.file_name}」"
    return md_text("\n\n".join(p.message if named in p.message else f"{named}未读取：{p.message}" for p in ledger.errors))


def period_of(year: int, month_from: int, month_to: int) -> Period:
    """The period staff chose, labelled exactly as the reader labels a detected one."""
    return parse_period(f"{year}年{month_from}-{month_to}月" if month_from != month_to else f"{year}年{month_from}月")


def months_of(period: Period | None) -> tuple[int, int, int]:
    """(year, first month, last month) to preset the period inputs."""
    if period is None:
        return date.today().year, 1, 12
    return period.start.year, period.start.month, period.end.month


def read(name: str, data: bytes, *, kind=None, period=None, money_unit=None, allowed_units=None,
         confirm_amounts=False, mapping=None) -> Ledger:
    """The file as the loader will see it, read in a worker process (a file that exhausts
    memory or time ends the worker, not the server), then checked against the live warehouse:
    project codes another unit holds (errors for an uploader, transfer warnings for an admin)
    and amounts far beyond the unit's history (etl/precedent.py). mapping: header -> field
    (a dict or the page's hashable (header, field) pairs)."""
    ledger = read_isolated(name, data, kind=kind, period=period, money_unit=money_unit, allowed_units=allowed_units,
                           confirm_amounts=confirm_amounts, mapping=dict(mapping) if mapping else None)
    if not warehouse_data.available():
        return ledger
    with warehouse_data.reader().cursor() as cur:
        return check_history(cur, check_codes(cur, ledger, allowed_units), confirm_amounts)


def prediction(ledger: Ledger) -> Prediction | None:
    """What committing the ledger would change in the live warehouse (etl/preview.py), or
    None without a warehouse (then everything is new)."""
    if not warehouse_data.available():
        return None
    with warehouse_data.reader().cursor() as cur:
        return predict(cur, ledger)


def duplicate_message(prediction: Prediction) -> str | None:
    """Why this file need not be loaded: a load of the same content is active; Markdown-inert."""
    dup = prediction.duplicate if prediction else None
    if dup is None:
        return None
    return md_text(
        f"此文件与第 {dup.load_id} 次导入（{dup.file_name}，{dup.loaded_by}，{dup.loaded_at:%Y-%m-%d %H:%M}）"
        "内容完全相同，无需再导入"
    )


def change_summary(prediction: Prediction | None, ledger: Ledger) -> str:
    """One line of what the import would do, e.g. 将新增 3 个项目，变更 2 个，累计台账中消失 1 个."""
    if prediction is None:
        return f"将新增 {ledger.rows.select('name_key').drop_nulls().n_unique()} 个项目（数据仓库尚未建立）"
    return f"将新增 {prediction.new} 个项目，变更 {prediction.changed} 个，累计台账中消失 {prediction.disappeared} 个"


def changes_label(prediction: Prediction | None) -> str:
    if prediction is None or prediction.duplicate:
        return "导入后的变化"
    return f"导入后的变化（新增 {prediction.new} / 变更 {prediction.changed} / 消失 {prediction.disappeared}）"


def shown_value(field: str | None, value: str | None) -> str | None:
    """A changed field's old or new value as people read it (stage names, amounts without trailing zeros)."""
    if value is None:
        return None
    if field == "stage":
        return STAGE_NAMES.get(value, value)
    if field and field.endswith("_wan"):
        return f"{Decimal(value).normalize():,f}"  # 12000.0000 -> 12,000
    return value


def changes_frame(prediction: Prediction) -> pl.DataFrame:
    """The predicted changes under Chinese headers, old -> new."""
    rows = prediction.changes
    return pl.DataFrame(
        {
            "变化": [CHANGE_NAMES.get(c, c) for c in rows["change"]],
            "项目名称": rows["project_name"].to_list(),
            "县（市、区）/开发区": [u or i for u, i in zip(rows["unit_name"], rows["unit_id"])],
            "字段": [CHANGED_FIELDS.get(f, f) if f else "" for f in rows["field"]],
            "原值": [shown_value(f, v) for f, v in zip(rows["field"], rows["old_value"])],
            "新值": [shown_value(f, v) for f, v in zip(rows["field"], rows["new_value"])],
        },
        schema={k: pl.String for k in ("变化", "项目名称", "县（市、区）/开发区", "字段", "原值", "新值")},
    )


def ignored_frame(ledger: Ledger) -> pl.DataFrame:
    """Header columns recognised as no field: their values are not loaded."""
    records = [{"工作表": s.name, "列": letter, "表头（原文）": header} for s in ledger.sheets for letter, header in s.ignored]
    return pl.DataFrame(records, schema={k: pl.String for k in ("工作表", "列", "表头（原文）")})


def kind_label(kind: str | None) -> str:
    return f"{KIND_NAMES[kind]}台账" if kind else "未识别"


def sheets_frame(ledger: Ledger) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "工作表": [s.name for s in ledger.sheets],
            "处理": ["读取" if s.used else "跳过" for s in ledger.sheets],
            "说明": [s.reason or "" for s in ledger.sheets],
            "报表期间": [s.period.label if s.period else "" for s in ledger.sheets],
            "表头所在行": [f"{s.header_rows[0]}-{s.header_rows[1]}" if s.header_rows else "" for s in ledger.sheets],
            "项目行数": [s.rows_used for s in ledger.sheets],
        },
        schema={"工作表": pl.String, "处理": pl.String, "说明": pl.String, "报表期间": pl.String, "表头所在行": pl.String, "项目行数": pl.Int64},
    )


def columns_frame(ledger: Ledger, remembered=()) -> pl.DataFrame:
    """Which header became which field, how sure the reader is (高: a listed header, 中: read
    by the vocabulary rules, 指定: as the uploader said, 已确认: as confirmed for the unit at
    an earlier upload, the headers in `remembered`), and the unit of its amounts."""
    confirmed = {header_key(h) for h in remembered}

    def confidence(c) -> str:
        if c.confidence == "manual" and header_key(c.header) in confirmed:
            return CONFIRMED
        return CONFIDENCE_NAMES.get(c.confidence, c.confidence)

    records = [
        {
            "工作表": s.name,
            "列": c.letter,
            "表头（原文）": c.header,
            "识别为": LABELS.get(c.field, c.field),
            "把握": confidence(c),
            "金额单位": c.money_unit or "",
        }
        for s in ledger.sheets
        for c in s.columns
    ] + [
        {"工作表": s.name, "列": letter, "表头（原文）": header, "识别为": IGNORED, "把握": "", "金额单位": ""}
        for s in ledger.sheets
        for letter, header in s.ignored
    ]
    return pl.DataFrame(records, schema={k: pl.String for k in ("工作表", "列", "表头（原文）", "识别为", "把握", "金额单位")})


def preview_frame(ledger: Ledger) -> pl.DataFrame:
    """The parsed rows under Chinese headers; columns the file does not fill are left out."""
    names = {u.unit_id: u.name for u in load_reference().units}
    rows = ledger.rows.with_columns(
        pl.col("unit_id").replace_strict(names, default=pl.col("unit_id"), return_dtype=pl.String).alias("unit_name"),
        *(
            pl.col(flag).replace_strict({True: "是", False: "否"}, default=None, return_dtype=pl.String)
            for flag in ("is_started", "is_produced")
        ),
    )
    keep = [c for c in PREVIEW if c in ALWAYS_SHOWN or rows.get_column(c).null_count() < rows.height]
    return rows.select(pl.col(c).alias(PREVIEW[c]) for c in keep)


def problems_frame(ledger: Ledger) -> pl.DataFrame:
    """Every error, warning and note with the cell a person must look at."""
    return pl.DataFrame(
        {
            "级别": [LEVEL_NAMES.get(p.level, p.level) for p in ledger.problems],
            "位置": [p.cell or p.sheet or "整个文件" for p in ledger.problems],
            "列": [p.header for p in ledger.problems],
            "值": [p.value for p in ledger.problems],
            "问题": [p.message for p in ledger.problems],
        },
        schema={k: pl.String for k in ("级别", "位置", "列", "值", "问题")},
    )


def commit(ledger: Ledger, data: bytes, user: accounts.User, ip: str | None = None, options: dict | None = None) -> LoadResult:
    """Load the ledger (waiting for any other load to finish) and audit the attempt, whatever
    its outcome: loaded or duplicate as `upload`, refused or failed as `upload_failed`.

    An uploader's rows may not take over another unit's project (etl/ownership.py); an
    administrator's may, and the transfers go into the audit entry. `options` are the
    corrections it was read with (recorded with the load).
    """
    detail = {
        "file": ledger.file_name,
        "sha256": ledger.sha256,
        "kind": ledger.kind,
        "period": ledger.period.label if ledger.period else None,
        "rows": ledger.rows.height,
    }
    try:
        result = load_ledger(ledger, data, user=user.name, allowed_units=None if user.can("admin") else set(user.units),
                             options=options)
    except Exception as exc:
        accounts.store().audit(accounts.UPLOAD_FAILED, user, ip, {**detail, "status": "failed", "error": f"{type(exc).__name__}: {exc}"})
        raise
    checked = result.ledger
    transfers = [
        {"cell": p.cell, "code": p.value, "message": p.message}
        for p in checked.warnings if isinstance(p, CodeProblem)
    ]
    accounts.store().audit(
        accounts.UPLOAD if result.ok else accounts.UPLOAD_FAILED,
        user,
        ip,
        {
            **detail,
            "status": result.status,
            "load_id": result.load_id,
            "errors": len(checked.errors),
            "warnings": len(checked.warnings),
            **({"transfers": transfers} if transfers and result.status == "loaded" else {}),
            # the uploader's word that amounts above the ceiling are right, cell by cell
            **({"confirmed_amounts": [p.cell for p in checked.implausible_amounts()]} if (options or {}).get("confirm_amounts") else {}),
        },
    )
    return result


def rollback(load_id: int, file_name: str, user: accounts.User, ip: str | None = None, note: str | None = None) -> None:
    """Roll a load back and audit the attempt, whatever its outcome: `rollback`, or
    `rollback_failed` with the reason (the exception then propagates)."""
    detail = {"load_id": load_id, "file": file_name, "note": note}
    try:
        history.rollback(db_path(), load_id, user.name, note)
    except Exception as exc:
        reason = str(exc) if isinstance(exc, history.RollbackRefused) else f"{type(exc).__name__}: {exc}"
        accounts.store().audit(accounts.ROLLBACK_FAILED, user, ip, {**detail, "error": reason})
        raise
    accounts.store().audit(accounts.ROLLBACK, user, ip, detail)


def result_message(result: LoadResult) -> tuple[str, str]:
    """(level, text) of a commit's outcome: success | info | error."""
    ledger = result.ledger
    if result.status == "loaded":
        used = md_text("、".join(s.name for s in ledger.sheets if s.used))  # sheet names are the file's
        return "success", (
            f"已导入：第 {result.load_id} 次导入，{ledger.rows.height} 个项目行（工作表 {used}），"
            f"警告 {len(ledger.warnings)} 条。本次导入改变了哪些项目，可在「数据管理」中查看。"
        )
    if result.status == "duplicate":
        return "info", (
            f"此文件与第 {result.load_id} 次导入的文件内容完全相同，已导入过，未做改动。"
            f"如需重新导入，请先在「数据管理」中撤销第 {result.load_id} 次导入。"
        )
    # errors found only at commit (another load landed meanwhile) are not in the shown list
    late = "".join(f"\n\n{md_text(p.cell)}：{md_text(p.message)}" for p in ledger.errors
                   if isinstance(p, (CodeProblem, HistoryProblem)))
    return "error", f"未导入：文件中有 {len(ledger.errors)} 处错误，请按问题清单修正后重新上传。{late}"
