"""操作审计: the audit log (logins, uploads, rollbacks, exports, account changes) for
administrators, filtered by action, user and date, downloadable as .xlsx."""

from datetime import date, timedelta

import streamlit as st

from ui import audit
from ui.table import SHOWN_ROWS, table
from warehouse import accounts

WHEN = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")

st.title("操作审计")
st.caption("登录、导入（含未成功的）、撤销、导出和账号变更，每次一条，按时间倒序。")

with st.container(horizontal=True, gap="medium"):
    actions = st.multiselect(
        "操作", list(audit.ACTION_LABELS), format_func=audit.ACTION_LABELS.get, key="audit_actions", placeholder="全部操作"
    )
    user = st.selectbox("用户", [None, *accounts.audit_users()], format_func=lambda u: "全部用户" if u is None else u, key="audit_user")
    today = date.today()
    days = st.date_input("日期", (today - timedelta(days=30), today), max_value=today, key="audit_days")

# a range being picked has one date until the second click
since, until = (days[0], days[-1]) if days else (None, None)
entries = accounts.audit_log(None, action=actions, user=user, since=since, until=until)
if not entries:
    st.info("所选条件下没有操作记录。")
else:
    frame = audit.audit_frame(entries)
    table(
        frame.head(SHOWN_ROWS),
        f"操作审计_{since or ''}_{until or ''}",
        title=f"操作审计（{since} 至 {until}）" if since else "操作审计",
        key="download-audit",
        total=frame.height,
        fetch_all=lambda: frame,
        column_config={"时间": WHEN},
    )
