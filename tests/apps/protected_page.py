"""A page behind the guard, for tests/test_auth_ui.py (role from session state)."""

import streamlit as st

from ui.auth import audit_export, require, require_analyst

if st.session_state.get("analyst_page"):
    user = require_analyst()
else:
    user = require(st.session_state.get("required_role", "uploader"))
st.write(f"受保护的内容：{user.name if user else '匿名'}")
st.button("导出", on_click=audit_export, args=("签约项目.xlsx",))
