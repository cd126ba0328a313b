"""每日动态与研判材料: the day's update as text to copy into a work group, its push to the
group robots, the monthly review pack (.docx) to download, and the meeting's decisions
entered afterwards. For administrators."""

from datetime import date

import streamlit as st

from ui import data
from ui.auth import client_ip, page_user
from ui.format import md_text
from warehouse import digest, periods, report, robots
from warehouse.db import WarehouseBusy, WriteFailed

st.title("每日动态与研判材料")
user = page_user()
if not data.available():
    st.info("数据仓库中还没有数据：导入台账后这里会生成每日项目动态和研判材料。")
    st.stop()
try:
    settings = digest.config()
except ValueError as exc:
    st.error(f"city.toml 的 [digest] 配置有误：{md_text(str(exc))}")
    st.stop()

st.subheader("每日项目动态")
today = date.today()
day = st.date_input("日期", today, max_value=today, key="digest_day")
update = digest.compose(data.reader().cursor(), day, settings)
st.caption("复制下面的文字，粘贴到工作群（右上角按钮复制全文）。")
st.code(update.text(), language=None, wrap_lines=True)
if not settings.base_url:
    st.caption("未配置平台地址（city.toml [digest] base_url），动态中不附项目档案链接。")

configured = robots.robots(settings)
if configured:
    names = "、".join(robots.ROBOT_NAMES[r] for r in configured)
    if st.button(f"推送到{names}群机器人", icon=":material/send:", key="digest_push"):
        with st.spinner("正在推送…"):
            results = robots.push(update, settings, user=user.name)
        for result in results:
            (st.success if result.ok else st.error)(md_text(result.line()))
else:
    st.caption(
        "未配置群机器人：在服务器的环境变量 DIGEST_WECOM_WEBHOOK（企业微信）、DIGEST_DINGTALK_WEBHOOK"
        "（钉钉，加签时另设 DIGEST_DINGTALK_SECRET）中填写机器人地址后，可在此一键推送。"
    )

st.subheader("月度研判材料")
published = data.period_state().published_through
if published is None:
    st.info("尚无已发布的月份，发布后可生成研判材料。")
    st.stop()
latest = published.replace(day=1)
months = [periods.months_before(latest, i) for i in range(12)]
month = st.selectbox("月份", months, format_func=lambda m: f"{m.year}年{m.month}月", key="report_month")
if st.button("生成研判材料（Word）", icon=":material/description:", key="report_make"):
    with st.spinner("正在生成图表和文档…"):
        try:
            st.session_state["report_docx"] = (month, report.document(report.collect(data.reader().cursor(), month)))
        except report.ReportError as exc:
            st.error(md_text(str(exc)))
made = st.session_state.get("report_docx")
if made and made[0] == month:
    st.download_button(
        f"下载 {month.year}年{month.month}月研判材料.docx", made[1], file_name=f"研判材料_{month:%Y-%m}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", icon=":material/download:",
        key="report_download",
    )

st.markdown("**录入研判意见**")
items = report.review_items(data.reader().cursor(), month)
if not items.height:
    st.caption("该月末没有红色预警项目，无需录入研判意见。")
    st.stop()
st.caption("研判会后，逐个项目录入会上的研判意见；下月的研判材料会列出其落实情况。修改后再次保存即可，清空研判意见即撤回。")
labels = {r["project_key"]: f"{r['unit_name']}｜{r['project_name']}（{r['reason']}）" for r in items.iter_rows(named=True)}
key = st.selectbox("项目", list(labels), format_func=labels.get, key="decision_project")
item = items.filter(items["project_key"] == key).row(0, named=True)
with st.form("decision_form"):
    decision = st.text_area("研判意见", item["decision"], max_chars=report.MAX_DECISION_LENGTH, key=f"decision_{key}")
    responsible = st.text_input("责任单位及责任人", item["responsible"], max_chars=report.MAX_DECISION_LENGTH, key=f"responsible_{key}")
    due = st.text_input("完成时限", item["due"], max_chars=report.MAX_DECISION_LENGTH, key=f"due_{key}")
    saved = st.form_submit_button("保存研判意见", icon=":material/save:")
if saved:
    try:
        count = report.record_decisions(data.reader().path, month, items, {
            key: {"decision": decision, "responsible": responsible, "due": due},
        }, user.name, client_ip())
    except (report.ReportError, WarehouseBusy, WriteFailed) as exc:
        st.error(md_text(str(exc)))
    else:
        st.session_state.pop("report_docx", None)
        st.success("已保存研判意见" if count else "研判意见没有变化")
        items = report.review_items(data.reader().cursor(), month)
entered = items.filter(items["decision"] != "")
if entered.height:
    st.dataframe(
        entered.select("unit_name", "project_name", "decision", "responsible", "due").rename({
            "unit_name": "单位", "project_name": "项目名称", "decision": "研判意见", "responsible": "责任单位及责任人", "due": "完成时限",
        }),
        hide_index=True,
    )
