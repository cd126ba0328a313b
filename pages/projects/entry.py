"""项目录入与流转: a unit enters a lead or a project's progress as it happens (在线录入, a load
like any file's), offers on a lead it cannot host, and the centre assigns it (项目流转)."""

import polars as pl
import streamlit as st

from base.reference import load_reference
from etl.entry import STAGES
from etl.fields import BY_KEY
from ui import data, entry
from ui.auth import client_ip, page_user
from ui.table import table



def show(outcome: tuple[str, list[str]]) -> None:
    level, lines = outcome
    getattr(st, level)("\n\n".join(lines))


def label(key: str) -> str:
    return BY_KEY[key].column_label


st.title("项目录入与流转")
user = page_user()
if not data.available():
    st.info(data.no_warehouse_message())
    st.stop()
units = [u for u in load_reference().units if user.may_load_unit(u.unit_id)]
unit_names = {u.unit_id: u.name for u in load_reference().units}
st.caption(
    "随时录入新线索或更新项目进展；每次保存即一次导入，按与台账相同的规则检查，记入导入记录，可在「数据管理」中撤销。"
    "批量报送仍请用「数据上传」。"
)

entering, passing = st.tabs(["录入线索与进展", "项目流转"])

def entry_form(unit_id: str, project: dict | None) -> None:
    """The form of a new lead (project None) or of an update of the project, prefilled."""
    values = entry.defaults(project)
    suffix = project["project_key"] if project else f"new-{unit_id}"
    with st.form(f"entry-{suffix}", clear_on_submit=project is None):
        typed: dict[str, object] = {}
        typed["project_name"] = st.text_input(
            label("project_name"), value=values.get("project_name", ""), disabled=project is not None, key=f"name-{suffix}",
        )
        stage = st.selectbox("所处阶段", list(STAGES), index=list(STAGES).index(entry.stage_of(project)), key=f"stage-{suffix}")
        left, middle, right = st.columns(3)
        for key in entry.DATE_FIELDS:
            typed[key] = left.date_input(label(key), value=values.get(key), format="YYYY-MM-DD", key=f"{key}-{suffix}")
        for key in entry.AMOUNT_FIELDS:
            typed[key] = middle.text_input(label(key), value=values.get(key, ""), key=f"{key}-{suffix}")
        for key in entry.TEXT_FIELDS:
            if key == "project_code" and project is not None:
                continue  # the code is the project's identity: kept as it is
            typed[key] = right.text_input(label(key), value=values.get(key, ""), key=f"{key}-{suffix}")
        for key in entry.NOTE_FIELDS:
            typed[key] = st.text_area(label(key), value=values.get(key, ""), height=80, key=f"{key}-{suffix}")
        saved = st.form_submit_button("保存", type="primary", icon=":material/save:")
    if saved:
        show(entry.submit(entry.as_entry(typed, stage, project), unit_id, user, client_ip()))


with entering:
    mode = st.radio("录入内容", ["新线索", "更新已有项目"], horizontal=True, key="entry_mode")
    unit_id = st.selectbox(BY_KEY["unit"].label, [u.unit_id for u in units], format_func=unit_names.get, key="entry_unit")
    if mode == "新线索":
        entry_form(unit_id, None)
    else:
        projects = data.query("entry_projects", unit_id=unit_id)
        if projects.is_empty():
            st.info("该单位还没有项目，请先录入新线索或上传台账。")
        else:
            by_key = {row["project_key"]: row for row in projects.iter_rows(named=True)}
            chosen = st.selectbox(
                "项目", list(by_key), key="entry_project",
                format_func=lambda k: f"{by_key[k]['project_name']} · {entry.STAGE_OF.get(by_key[k]['stage'], '')}",
            )
            entry_form(unit_id, by_key[chosen])

with passing:
    st.caption("本单位无法承接的线索，可提出流转；市中心指派接收单位后，项目连同历史一并转入，四库只计一次。")
    own = [u.unit_id for u in units]

    st.markdown("**提出流转**")
    offer_unit = st.selectbox("提出单位", own, format_func=unit_names.get, key="offer_unit")
    offerable = data.query("entry_projects", unit_id=offer_unit).filter(pl.col("stage").is_in(["lead", "negotiating"]))
    if offerable.is_empty():
        st.caption("该单位线索库、洽谈库中没有项目。")
    else:
        by_key = {row["project_key"]: row for row in offerable.iter_rows(named=True)}
        with st.form("offer"):
            chosen = st.selectbox("项目", list(by_key), format_func=lambda k: by_key[k]["project_name"], key="offer_project")
            reason = st.text_area("流转原因", placeholder="如：用地指标不足、与本地产业定位不符", height=80, key="offer_reason")
            if st.form_submit_button("提出流转", icon=":material/forward:"):
                show(entry.offer(by_key[chosen], reason, user, client_ip()))

    transfers = data.query("lead_transfers", project_key="")

    waiting = transfers.filter(pl.col("status") == "offered")
    mine = waiting.filter(pl.col("from_unit").is_in(own))
    if not mine.is_empty():
        by_id = {row["transfer_id"]: row for row in mine.iter_rows(named=True)}
        with st.form("withdraw"):
            chosen = st.selectbox("待指派的流转", list(by_id), format_func=lambda i: by_id[i]["project_name"], key="withdraw_id")
            if st.form_submit_button("撤回流转"):
                show(entry.withdraw(chosen, user, client_ip()))

    if user.can("admin"):
        st.markdown("**指派接收单位**（市中心）")
        if waiting.is_empty():
            st.caption("没有待指派的流转项目。")
        else:
            by_id = {row["transfer_id"]: row for row in waiting.iter_rows(named=True)}
            with st.form("assign"):
                chosen = st.selectbox(
                    "待指派的流转", list(by_id), key="assign_id",
                    format_func=lambda i: f"{by_id[i]['project_name']} · {by_id[i]['from_unit_name']} · {by_id[i]['reason']}",
                )
                to_unit = st.selectbox("接收单位", [u.unit_id for u in load_reference().units], format_func=unit_names.get, key="assign_to")
                note = st.text_input("指派说明", key="assign_note")
                if st.form_submit_button("指派", type="primary", icon=":material/assignment_turned_in:"):
                    show(entry.assign(by_id[chosen], to_unit, note, user, client_ip()))

    st.markdown("**流转记录**")
    transfers = data.query("lead_transfers", project_key="")  # with what this run wrote
    if not user.can("admin"):
        transfers = transfers.filter(pl.col("from_unit").is_in(own) | pl.col("to_unit").is_in(own))
    if transfers.is_empty():
        st.caption("还没有流转记录。")
    else:
        when = "%Y-%m-%d %H:%M"
        table(
            transfers.select(
                pl.col("project_name").alias("项目名称"),
                pl.col("from_unit_name").alias("提出单位"),
                pl.col("reason").alias("流转原因"),
                pl.col("offered_by").alias("提出人"),
                pl.col("offered_at").dt.strftime(when).alias("提出时间"),
                pl.col("to_unit_name").fill_null("").alias("接收单位"),
                pl.col("assign_note").fill_null("").alias("指派说明"),
                pl.col("assigned_by").fill_null("").alias("指派人"),
                pl.col("assigned_at").dt.strftime(when).fill_null("").alias("指派时间"),
                pl.col("status").replace_strict(entry.TRANSFER_STATUS, return_dtype=pl.String).alias("状态"),
            ),
            "项目流转记录",
            key="transfers",
        )
