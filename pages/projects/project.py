"""项目档案: one project at /project?id=<project key> — who and what, its stage timeline, its
warnings, what each load changed about it, and every source row with its original file."""

import polars as pl
import streamlit as st

from etl.read import KIND_NAMES
from ui import data, format as fmt, upload
from ui.auth import audit_export, page_user
from ui.entry import TRANSFER_STATUS
from ui.table import table
from warehouse import bulletins
from warehouse.db import archive_dir, db_path
from warehouse.dossier import DOWNLOAD_RULE, may_download_original
from warehouse.metrics import yi

AMOUNT = st.column_config.NumberColumn(format="%,.2f")
WAN = st.column_config.NumberColumn(format="%,.2f")
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")
WHEN = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")


def amount(value_wan) -> str:
    return "—" if value_wan is None else f"{fmt.yi(yi(value_wan))} 亿元"


def day(value) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d}"


def text(value) -> str:
    return "—" if value is None or value == "" else str(value)


def facts(p: dict) -> pl.DataFrame:
    """The project's who and what, and its dates, every value as text."""
    signed = day(p["signed_date"])
    if p["signed_date"] is None and p["signed_period_end"] is not None:
        signed = f"月份不详（台账期间截至 {p['signed_period_end']:%Y年%-m月}）"
    rows = [
        ("项目代码", text(p["project_code"])),
        ("投资方", text(p["investor"])),
        ("投资方所在地", text(p["investor_origin"])),
        ("县（市、区）/开发区", text(p["unit_name"])),
        ("产业链", text(p["chain"])),
        ("所处阶段", p["stage_label"] + ("（已终止）" if p["is_closed"] else "")),
        ("签约日期", signed),
        ("开工日期", day(p["start_date"]) if p["start_date"] else ("已开工，未填日期" if p["is_started"] else "未开工")),
        ("投产日期", day(p["production_date"]) if p["production_date"] else ("已投产，未填日期" if p["is_produced"] else "未投产")),
        ("计划开工日期", day(p["planned_start_date"])),
    ]
    return pl.DataFrame(rows, schema=["项目", "内容"], orient="row")


def duties(p: dict) -> pl.DataFrame:
    """Who answers for the project and where it stands, every value as text."""
    rows = [
        ("包联领导", text(p["liaison_leader"])),
        ("责任单位", text(p["responsible_unit"])),
        ("线索来源", text(p["lead_source"])),
        ("洽谈进展", text(p["negotiation_progress"])),
        ("最新进展", text(p["progress"])),
        ("存在问题", text(p["problems"])),
        ("备注", text(p["remarks"])),
    ]
    return pl.DataFrame(rows, schema=["项目", "内容"], orient="row")


st.title("项目档案")
user = page_user()
if not data.available():
    st.info("数据仓库尚未建立，还没有项目档案。")
    st.stop()
wanted = st.query_params.get("id", "").strip()
if not wanted:
    st.info("请从项目清单或各页面项目列表中的“查看”打开一个项目的档案。")
    st.markdown("[打开项目清单](projects)")
    st.stop()
found = data.query("dossier_resolve", id=wanted)
if found.is_empty():
    st.warning(
        f"没有找到编号为「{fmt.md_text(wanted[:200])}」的项目。链接可能不完整，或该项目所在的导入已被撤销。"
        "请从项目清单中重新查找。"
    )
    st.markdown("[打开项目清单](projects)")
    st.stop()
key, published = found.row(0)
# the open month's state when the link asks for it (?open=1), or when only that month holds the project
include_open = st.query_params.get("open") == "1" or not published
as_of = data.query("as_of", include_open=include_open).item()
p = data.query("dossier_project", include_open=include_open, project_key=key).row(0, named=True)

st.header(fmt.md_text(p["project_name"]), anchor=False)
st.caption(
    f"{fmt.md_text(p['unit_name'])} · {fmt.md_text(p['chain'])} · {p['stage_label']} · {fmt.as_of(as_of)}"
    + (" · 含尚未发布月份的报送（未完结）" if include_open else "")
)
if not published:
    st.info("本项目只出现在尚未发布（未完结）月份的台账中，各页面的统计暂不计入。")

cards = st.columns(4)
cards[0].metric("签约金额", amount(p["signed_amount_wan"]), border=True)
cards[1].metric("意向投资额", amount(p["intended_amount_wan"]), border=True)
cards[2].metric("计划总投资", amount(p["planned_investment_wan"]), border=True)
cards[3].metric("资金到位额", amount(p["funds_in_place_wan"]), border=True, help="最近一次填报的累计到位资金。")

left, right = st.columns(2)
left.dataframe(facts(p), hide_index=True, width="stretch", height="content", key="dossier_facts")
right.dataframe(duties(p), hide_index=True, width="stretch", height="content", key="dossier_duties")

# ---------------------------------------------------------------- timeline

st.subheader("阶段时间线")
timeline = data.query("dossier_timeline", include_open=include_open, project_key=key, as_of=as_of)
steps = []
for s in timeline.iter_rows(named=True):
    label = f"**{s['stage_label']}**" if s["is_current"] else s["stage_label"]
    steps.append(label if s["reached"] else f":gray[{s['stage_label']}]")
st.markdown(" → ".join(steps))
table(
    timeline.select(
        pl.col("stage_label").alias("阶段"),
        pl.when(pl.col("is_current") & pl.lit(p["is_closed"])).then(pl.lit("已终止"))
        .when(pl.col("is_current")).then(pl.lit("当前阶段"))
        .when(pl.col("reached")).then(pl.lit("已完成"))
        .otherwise(pl.lit("未到达")).alias("状态"),
        pl.col("entered").alias("进入日期"),
        pl.col("days").alias("停留天数"),
    ),
    f"项目档案_阶段_{p['project_name'][:30]}",
    title=f"{p['project_name']} 阶段时间线（{fmt.as_of(as_of)}）",
    key="download-dossier-timeline",
    placeholder="—",
)
st.caption("停留天数：到下一个有日期的阶段为止；当前阶段算到数据截至日期。线索、洽谈没有填报日期的，按首次列入该库台账的报表期末计。")

# ---------------------------------------------------------------- warnings

st.subheader("预警")
rules = bulletins.limits()
warnings = data.query("dossier_warnings", include_open=include_open, project_key=key, as_of=as_of, **rules.params())
now = warnings.filter(pl.col("number").is_null())
if now.height:
    w = now.row(0, named=True)
    say = st.error if w["level"] == "red" else st.warning
    say(f"{bulletins.LEVELS[w['level']]}色预警：{w['stage_label']}阶段已停留 {w['days']} 天（自 {w['since']:%Y-%m-%d}）。", icon=":material/warning:")
else:
    st.success("截至数据日期没有四库滚动预警。", icon=":material/check_circle:")
past = warnings.filter(pl.col("number").is_not_null())
if past.height:
    table(
        past.select(
            pl.format("第{}期", "number").alias("通报"),
            pl.col("as_of").alias("截至日期"),
            pl.col("level").replace_strict(bulletins.LEVELS, default="").alias("预警等级"),
            pl.col("stage_label").alias("阶段"),
            pl.col("since").alias("进入阶段日期"),
            pl.col("days").alias("停留天数"),
        ),
        f"项目档案_预警_{p['project_name'][:30]}",
        title=f"{p['project_name']} 历次预警通报",
        key="download-dossier-warnings",
    )
else:
    st.caption("历次预警通报中没有本项目。")
st.caption(f"预警标准：{rules.describe()}。")

# ---------------------------------------------------------------- transfers

transfers = data.query("lead_transfers", project_key=key)
if not transfers.is_empty():
    st.subheader("流转记录")
    st.caption("本项目曾由一个单位提出流转、市中心指派给另一个单位承接；项目始终是同一个，历次导入的变化见下。")
    table(
        transfers.select(
            pl.col("from_unit_name").alias("提出单位"),
            pl.col("reason").alias("流转原因"),
            pl.col("offered_by").alias("提出人"),
            pl.col("offered_at").alias("提出时间"),
            pl.col("to_unit_name").alias("接收单位"),
            pl.col("assigned_by").alias("指派人"),
            pl.col("assigned_at").alias("指派时间"),
            pl.col("status").replace_strict(TRANSFER_STATUS, return_dtype=pl.String).alias("状态"),
        ),
        f"项目档案_流转_{p['project_name'][:30]}",
        title=f"{p['project_name']} 流转记录",
        key="download-dossier-transfers",
        column_config={"提出时间": WHEN, "指派时间": WHEN},
    )

# ---------------------------------------------------------------- review decisions

st.subheader("研判意见")
decisions = data.query("project_decisions", project_key=key)
if decisions.is_empty():
    st.caption("研判会尚未对本项目提出意见。")
else:
    table(
        decisions.select(
            pl.col("month").dt.strftime("%Y年%-m月").alias("研判月份"),
            pl.col("reason").fill_null("—").alias("研判原因"),
            pl.col("decision").alias("研判意见"),
            pl.col("responsible").fill_null("—").alias("责任单位及责任人"),
            pl.col("due").fill_null("—").alias("完成时限"),
        ),
        f"项目档案_研判意见_{p['project_name'][:30]}",
        title=f"{p['project_name']} 研判意见",
        key="download-dossier-decisions",
    )

# ---------------------------------------------------------------- changes

st.subheader("每次导入的变化")
changes = data.query("dossier_changes", project_key=key)
if changes.is_empty():
    st.caption("没有变更记录（或相关导入早于变更记录功能）。")
else:
    table(
        changes.select(
            pl.col("load_id").alias("导入编号"),
            pl.col("loaded_at").alias("导入时间"),
            pl.col("file_name").alias("文件"),
            pl.col("change").replace_strict(upload.CHANGE_NAMES, default=pl.col("change")).alias("变化"),
            fmt.per_row(changes, lambda c: f"{upload.CHANGED_FIELDS.get(c['field'], c['field'])}：{upload.shown_value(c['field'], c['old_value']) or '空'}"
                        f" → {upload.shown_value(c['field'], c['new_value']) or '空'}" if c["field"] else "").alias("变更内容"),
            pl.when(pl.col("load_status") == "active").then(pl.lit("有效")).otherwise(pl.lit("已撤销")).alias("导入状态"),
        ),
        f"项目档案_变化_{p['project_name'][:30]}",
        title=f"{p['project_name']} 每次导入的变化",
        key="download-dossier-changes",
        column_config={"导入时间": WHEN},
    )

# ---------------------------------------------------------------- sources

st.subheader("来源行")
sources = data.query("dossier_sources", project_key=key)
st.caption(f"本项目的每个数值来自以下 {sources.height} 行台账（按数据期排列，后报的值为准）。")
table(
    sources.select(
        pl.col("load_id").alias("导入编号"),
        pl.col("origin").alias("来源"),
        pl.when(pl.col("source") == "entry").then(None).otherwise(pl.col("sheet")).alias("工作表"),
        pl.when(pl.col("source") == "entry").then(None).otherwise(pl.col("excel_row")).alias("行号"),
        pl.col("kind").replace_strict(KIND_NAMES, default=pl.col("kind"), return_dtype=pl.String).alias("台账类型"),
        pl.col("period_end").alias("数据期末"),
        pl.when(pl.col("published")).then(pl.lit("已发布")).otherwise(pl.lit("未完结")).alias("月份"),
        pl.col("project_name").alias("项目名称（原文）"),
        pl.col("signed_amount_wan").alias("签约金额（万元）"),
        pl.col("signed_date").alias("签约时间"),
        pl.col("start_date").alias("开工时间"),
        pl.col("planned_investment_wan").alias("计划总投资（万元）"),
        pl.col("funds_in_place_wan").alias("累计到位资金（万元）"),
    ),
    f"项目档案_来源_{p['project_name'][:30]}",
    title=f"{p['project_name']} 来源行",
    key="download-dossier-sources",
    placeholder="—",
    column_config={
        **{c: WAN for c in ("签约金额（万元）", "计划总投资（万元）", "累计到位资金（万元）")},
        **{c: DATE for c in ("数据期末", "签约时间", "开工时间")},
    },
)

st.markdown("##### 原始文件")
st.caption(DOWNLOAD_RULE)
loads = sources.unique("load_id", keep="first", maintain_order=True)
offered = 0
for load in loads.iter_rows(named=True):
    if not may_download_original(user, loaded_by=load["loaded_by"], load_units=load["load_units"] or [],
                                 project_unit=p["unit_id"]):
        continue
    archived = archive_dir(db_path()) / load["archive_path"] if load["archive_path"] else None
    if archived is None or not archived.exists():
        st.caption(f"第 {load['load_id']} 次导入（{fmt.md_text(load['file_name'])}）的原始文件不在归档中。")
        continue
    offered += 1
    st.download_button(
        f"下载原始文件：{fmt.md_text(load['file_name'])}",
        data=archived.read_bytes,
        file_name=load["file_name"],
        icon=":material/download:",
        on_click=audit_export,
        args=(load["file_name"], {"load_id": load["load_id"], "what": "导入的原始文件", "project": key}),
        key=f"dossier-archive-{load['load_id']}",
    )
if not offered and loads.height:
    st.caption("当前账号不能下载这些原始文件。" if user is not None else "登录有权限的账号后可下载原始文件。")
