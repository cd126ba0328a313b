"""数据管理: every load, what it changed and where each figure came from; undo a load
(administrators); the data-quality list to send back to each reporting unit."""

import re
from decimal import Decimal

import polars as pl
import streamlit as st

from base.reference import load_reference
from etl.fields import BY_KEY, LABELS
from etl.parse import resolve_chain
from etl.read import KIND_NAMES
from ui import data, format as fmt, links, reporting, upload
from ui.auth import audit_export, client_ip, page_user
from ui.format import md_text
from ui.table import table
from warehouse.db import WarehouseBusy, WriteFailed, archive_dir, db_path
from warehouse.history import RollbackRefused

CHANGES = {
    "new": ("新增项目", "此前没有的项目"),
    "changed": ("金额或日期变更", "签约金额、日期、计划总投资、到位资金或产业链与此前不同"),
    "started": ("新开工", "此前未开工、本次填报了开工时间"),
    "disappeared": ("累计台账中消失", "上一期累计台账中有、本期累计台账中没有的项目（同一单位）"),
    "transferred": ("划转", "由管理员导入、改由另一县（市、区）或开发区报送的项目（项目代码相同）"),
}
FINDINGS = {
    "unmatched_start": "开工项目未匹配签约",
    "duplicate": "疑似重复项目",
    "total_mismatch": "合计行不一致",
    "unknown_chain": "未识别的产业链",
    "missing_amount": "缺少签约金额",
}
LEVELS = {"error": "错误", "warning": "警告", "note": "说明"}
ALL_YEARS = "全部年份"
AMOUNT = st.column_config.NumberColumn(format="%,.2f")
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")
WHEN = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
# the fields a project's trace shows from each source row
TRACED = [BY_KEY[k] for k in ("signed_amount", "signed_date", "start_date", "planned_investment", "funds_in_place")]


def shown_value(field: str | None, value: str | None) -> str:
    """A changed field's old or new value as people read it (amounts without trailing zeros)."""
    if value is None:
        return "空"
    if field and field.endswith("_wan"):
        amount = Decimal(value)
        return f"{amount:,.4f}".rstrip("0").rstrip(".")
    return value


def status_text(load: dict) -> str:
    if load["status"] == "active":
        return "有效"
    when = f"{load['rolled_back_at']:%Y-%m-%d %H:%M}" if load["rolled_back_at"] else None
    details = " ".join(part for part in (when, load["rolled_back_by"]) if part)
    return f"已撤销（{details}）" if details else "已撤销"


st.title("数据管理")
user = page_user()
is_admin = user.can("admin")
if not data.available():
    st.info("数据仓库尚未建立，还没有任何导入记录。请先在「数据上传」导入台账。")
    st.stop()
if notice := st.session_state.pop("data_notice", None):
    st.success(notice)

# the data-quality findings are the page's one costly query: run only while their tab is
# open (a tab change reruns the page); the other tabs are cheap and always drawn
history_tab, quality_tab, trace_tab, reporting_tab = st.tabs(
    ["导入记录", "数据质量", "项目溯源", "报送进度"], key="data_tab", on_change="rerun"
)
for kept in ("quality_year", "quality_unit"):
    # a widget not drawn in a run loses its value: keep the choices of a closed tab
    if kept in st.session_state:
        st.session_state[kept] = st.session_state[kept]

# ---------------------------------------------------------------- load history

with history_tab:
    loads = data.query("data_loads")
    if loads.is_empty():
        st.info("还没有任何导入记录。")
    else:
        by_id = {row["load_id"]: row for row in loads.iter_rows(named=True)}
        history = loads.select(
            pl.col("load_id").alias("编号"),
            pl.col("loaded_at").alias("导入时间"),
            pl.col("loaded_by").alias("导入人"),
            pl.col("file_name").alias("文件"),
            pl.col("kind").replace_strict(KIND_NAMES, default=pl.col("kind"), return_dtype=pl.String).alias("台账类型"),
            pl.col("period_label").alias("报表期间"),
            pl.col("rows_loaded").alias("项目行数"),
            pl.col("warning_count").alias("警告"),
            pl.Series("状态", [status_text(row) for row in by_id.values()]),
        )
        st.caption("每个文件的每次导入；撤销的导入保留记录，其数据不再计入任何指标。")
        table(history, "导入记录", title="导入记录", key="download-loads", column_config={"导入时间": WHEN})

        with st.expander("操作记录（导入与撤销，按时间倒序）", icon=":material/history:"):
            events = data.query("data_events")
            table(
                events.select(
                    pl.col("event_at").alias("时间"),
                    pl.col("action").replace_strict({"load": "导入", "rollback": "撤销"}, default=pl.col("action")).alias("操作"),
                    pl.col("load_id").alias("导入编号"),
                    pl.col("file_name").alias("文件"),
                    pl.col("by_user").alias("操作人"),
                    pl.col("note").alias("说明"),
                ),
                "操作记录",
                title="导入与撤销操作记录",
                key="download-events",
                column_config={"时间": WHEN},
            )

        st.subheader("查看一次导入")
        load_id = st.selectbox(
            "导入",
            list(by_id),
            # no status in the label: a keyed selectbox keeps showing the label it was chosen with
            format_func=lambda i: f"第 {i} 次 · {by_id[i]['loaded_at']:%Y-%m-%d %H:%M} · {by_id[i]['file_name']}",
            key="data_load",
        )
        load = by_id[load_id]
        if load["status"] != "active":
            st.warning(f"这次导入{md_text(status_text(load))}，其数据不计入任何指标。", icon=":material/undo:")
        st.caption(
            f"工作表：{md_text('、'.join(load['sheets_used'] or [])) or '—'} · 导入人：{md_text(load['loaded_by'])}"
            + (f" · 撤销说明：{md_text(load['rollback_note'])}" if load["rollback_note"] else "")
        )

        archived = archive_dir(db_path()) / load["archive_path"] if load["archive_path"] else None
        if not (is_admin or load["loaded_by"] == user.name):
            st.caption("原始文件只有导入人和管理员可以下载。")
        elif archived is None or not archived.exists():
            st.caption("这次导入的原始文件不在归档中。")
        else:
            st.download_button(
                "下载导入的原始文件",
                data=archived.read_bytes,
                file_name=load["file_name"],
                icon=":material/download:",
                on_click=audit_export,
                args=(load["file_name"], {"load_id": load_id, "what": "导入的原始文件"}),
                key=f"archive-{load_id}",
            )

        changes = data.query("data_load_changes", load_id=load_id)
        counts = changes.group_by("change").agg(pl.col("project_key").n_unique().alias("n"))
        counted = dict(zip(counts.get_column("change").to_list(), counts.get_column("n").to_list()))
        for column, (change, (label, meaning)) in zip(st.columns(len(CHANGES)), CHANGES.items()):
            column.metric(label, f"{counted.get(change, 0):,} 个", help=meaning)
        if changes.is_empty():
            st.caption("这次导入没有改变任何项目（或导入于变更记录功能启用之前）。")
        else:
            readable = changes.with_columns(
                pl.when((pl.col("change") == "changed") & (pl.col("field") == "chain"))
                .then(pl.lit("产业链变更"))
                .otherwise(pl.col("change").replace_strict({k: v[0] for k, v in CHANGES.items()}, default=pl.col("change")))
                .alias("变更"),
                fmt.per_row(changes, lambda c: f"{upload.CHANGED_FIELDS.get(c['field'], c['field'])}：{shown_value(c['field'], c['old_value'])} → {shown_value(c['field'], c['new_value'])}"
                            if c["field"] else "").alias("变更内容"),
            )
            table(
                readable.select(
                    links.dossier_column(), "变更", pl.col("project_name").alias(LABELS["project_name"]),
                    pl.col("unit_name").alias(LABELS["unit"]), "变更内容",
                ),
                f"第{load_id}次导入的变更",
                title=f"第 {load_id} 次导入（{load['file_name']}）改变的项目",
                key=f"download-changes-{load_id}",
                column_config=links.DOSSIER_CONFIG,
            )

        messages = data.query("data_load_messages", load_id=load_id)
        if not messages.is_empty():
            st.caption("导入时记录的警告和说明")
            table(
                messages.select(
                    pl.col("level").replace_strict(LEVELS, default=pl.col("level")).alias("级别"),
                    pl.col("place").alias("位置"),
                    pl.col("column_name").alias("列"),
                    pl.col("value").alias("值"),
                    pl.col("message").alias("问题"),
                ),
                f"第{load_id}次导入的警告",
                key=f"download-messages-{load_id}",
            )

        if load["status"] == "active" and is_admin:
            with st.container(border=True):
                st.markdown("**撤销这次导入**")
                st.caption(
                    "撤销后，数据仓库恢复到没有这次导入时的状态：所有指标按其余有效导入重新计算。"
                    "这次导入的行仍保留在仓库中备查，撤销本身记入操作记录。撤销后可重新上传同一文件。"
                )
                note = st.text_input("撤销原因（可选）", key=f"rollback-note-{load_id}", max_chars=200)
                confirmed = st.checkbox(f"我确认撤销第 {load_id} 次导入", key=f"rollback-confirm-{load_id}")
                if st.button("撤销这次导入", type="primary", disabled=not confirmed, key=f"rollback-{load_id}", icon=":material/undo:"):
                    try:
                        upload.rollback(load_id, load["file_name"], user, client_ip(), note or None)
                    except (RollbackRefused, WarehouseBusy, WriteFailed) as refused:  # a full disk says so
                        st.error(str(refused))
                    else:
                        st.session_state["data_notice"] = f"已撤销第 {load_id} 次导入（{md_text(load['file_name'])}），各项指标已重新计算。"
                        st.rerun()
        elif load["status"] == "active":
            st.caption("撤销导入需要管理员账号。")

# ---------------------------------------------------------------- data quality


def known_chain(text: str | None) -> bool:
    """Whether the reader recognises this chain text (an alias of 其他 is recognised)."""
    return text is not None and resolve_chain(text, load_reference())[1]


def quality_findings() -> pl.DataFrame:
    """The findings this account may see: every unit's for administrators, else its own
    units' (found for those units only: an uploader always has at least one)."""
    # everything loaded, the open month's uploads too: they are what staff fix before it is published
    findings = data.query("data_findings", units=[] if is_admin else sorted(user.units), include_open=True)
    if not is_admin:
        findings = findings.filter(pl.col("unit_id").is_in(list(user.units)))
    # chain texts the reader knows after all (an alias of 其他): once per text, not per row
    texts = findings.filter(pl.col("finding") == "unknown_chain").get_column("chain_raw").unique()
    known = [text for text in texts.to_list() if known_chain(text)]
    return findings.filter((pl.col("finding") != "unknown_chain") | ~pl.col("chain_raw").is_in(known))


with quality_tab:
    if quality_tab.open:
        findings = quality_findings()
        st.caption(
            "各县（市、区）、开发区台账中需要核实的地方，按单位导出后发回修改。只看有效导入的数据"
            + ("。" if is_admin else "，只显示本账号负责的单位。")
        )
        years = sorted({y for y in findings.get_column("year").to_list() if y is not None}, reverse=True)
        year = st.selectbox("年份", [ALL_YEARS, *years], format_func=lambda y: y if y == ALL_YEARS else f"{y}年", key="quality_year")
        if year != ALL_YEARS:
            findings = findings.filter(pl.col("year") == year)
        if findings.is_empty():
            st.success("没有发现需要核实的问题。")
        else:
            per_unit = (
                findings.group_by("unit_order", "unit_name", "finding").len()
                .pivot(on="finding", index=["unit_order", "unit_name"], values="len")
                .sort("unit_order")
            )
            present = [f for f in FINDINGS if f in per_unit.columns]
            summary = per_unit.select(
                pl.col("unit_name").alias(LABELS["unit"]),
                *(pl.col(f).fill_null(0).alias(FINDINGS[f]) for f in present),
                pl.sum_horizontal(*(pl.col(f).fill_null(0) for f in present)).alias("合计"),
            )
            table(summary, "数据质量问题_按单位", title="数据质量问题（按单位）", key="download-quality-summary")

            units = per_unit.get_column("unit_name").to_list()
            unit = st.selectbox("查看单位", units, key="quality_unit")
            listed = findings.filter(pl.col("unit_name") == unit).select(
                pl.col("finding").replace_strict(FINDINGS, default=pl.col("finding")).alias("问题类型"),
                pl.col("year").alias("年份"),
                pl.col("project_name").alias(LABELS["project_name"]),
                pl.col("detail").alias("说明"),
                pl.col("file_name").alias("文件"),
                pl.col("sheet").alias("工作表"),
                pl.col("excel_row").alias("行号"),
            )
            scope = "" if year == ALL_YEARS else f"{year}年"
            table(
                listed,
                f"数据质量问题_{unit}{scope}",
                title=f"{unit}{scope}台账需要核实的问题（共 {listed.height} 条）",
                key="download-quality-unit",
            )

# ---------------------------------------------------------------- trace

with trace_tab:
    st.caption("从一个项目查到它的每个数值来自哪次导入、哪个文件、哪个工作表的哪一行。")
    search = st.text_input("项目名称（输入其中几个字）", key="trace_search", max_chars=100).strip()
    if search:
        matches = data.query("data_trace_search", search=search, include_open=True)
        if matches.is_empty():
            st.info("没有名称包含这些字的项目。")
        else:
            by_key = {row["project_key"]: row for row in matches.iter_rows(named=True)}
            project_key = st.selectbox(
                f"匹配的项目（{matches.height} 个{'，只列前 200 个' if matches.height >= 200 else ''}）",
                list(by_key),
                format_func=lambda k: f"{by_key[k]['project_name']} · {by_key[k]['unit_name'] or '—'} · 来源 {by_key[k]['row_count']} 行",
                key="trace_project",
            )
            st.markdown(f"[打开该项目的档案]({links.dossier_url(project_key)})")
            rows = data.query("data_trace", project_key=project_key)
            table(
                rows.select(
                    pl.col("load_id").alias("导入编号"),
                    pl.col("loaded_at").alias("导入时间"),
                    pl.col("file_name").alias("文件"),
                    pl.col("sheet").alias("工作表"),
                    pl.col("excel_row").alias("行号"),
                    pl.col("kind").replace_strict(KIND_NAMES, default=pl.col("kind"), return_dtype=pl.String).alias("台账类型"),
                    pl.col("project_name").alias(f"{LABELS['project_name']}（原文）"),
                    *(pl.col(f.column).alias(f.column_label) for f in TRACED),
                ),
                # a project name may hold characters no file name can (20MW/40MWh)
                "项目溯源_" + re.sub(r'[\\/:*?"<>|\s]+', "_", by_key[project_key]["project_name"])[:40],
                title=f"项目溯源：{by_key[project_key]['project_name']}",
                key="download-trace",
                column_config={
                    "导入时间": WHEN,
                    **{f.column_label: AMOUNT if f.type == "amount" else DATE for f in TRACED},
                },
            )
            st.caption("按数据期排列：每个字段取最后一次填报的值（签约信息只取签约台账）。")

# ---------------------------------------------------------------- reporting

with reporting_tab:
    # the centre sees every unit; an uploader its own units
    reporting.board(() if is_admin else tuple(sorted(user.units)))
    reporting.months_table()
    if is_admin:
        reporting.close_form(user)
