"""A page behind the router's guard, for tests/test_auth_ui.py (what it needs from session state)."""

import streamlit as st

from ui.auth import ANALYST, admit, audit_export, page_user

if admit(ANALYST if st.session_state.get("analyst_page") else st.session_state.get("required_role", "uploader")):
    user = page_user()
    st.write(f"受保护的内容：{user.name if user else '匿名'}")
    st.button("导出", on_click=audit_export, args=("签约项目.xlsx",))
