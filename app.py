"""Router: the pages, their stable URLs, and the guard that keeps tracebacks off screen."""

import logging

import streamlit as st

from ui.data import damaged_message
from warehouse.db import is_damage

st.set_page_config(page_title="招商引资数据分析", page_icon="static/favicon.png", layout="wide")

PAGES = {
    "分析": [
        st.Page("pages/analysis/overview.py", title="总览", icon=":material/dashboard:", url_path="overview", default=True),
        st.Page("pages/analysis/signing.py", title="签约分析", icon=":material/handshake:", url_path="signing"),
        st.Page("pages/analysis/starts.py", title="开工分析", icon=":material/construction:", url_path="starts"),
        st.Page("pages/analysis/chains.py", title="产业链集聚", icon=":material/hub:", url_path="chains"),
        st.Page("pages/analysis/map.py", title="县区排名", icon=":material/map:", url_path="map"),
        st.Page("pages/display/wall.py", title="数据大屏", icon=":material/tv:", url_path="wall"),
    ],
    "项目管理": [
        st.Page("pages/projects/pipeline.py", title="四库", icon=":material/filter_alt:", url_path="pipeline"),
        st.Page("pages/projects/liaison.py", title="包联", icon=":material/group:", url_path="liaison"),
        st.Page("pages/projects/projects.py", title="项目清单", icon=":material/list:", url_path="projects"),
        st.Page("pages/projects/project.py", title="项目档案", icon=":material/folder_open:", url_path="project", visibility="hidden"),
    ],
    "数据": [
        st.Page("pages/manage/upload.py", title="数据上传", icon=":material/upload_file:", url_path="upload"),
        st.Page("pages/manage/data.py", title="数据管理", icon=":material/database:", url_path="data"),
        st.Page("pages/manage/audit.py", title="操作审计", icon=":material/policy:", url_path="audit"),
    ],
}

# the wall display (数据大屏) is a meeting-room screen: no navigation on it
on_wall = (st.context.url or "").rstrip("/").endswith("/wall")
page = st.navigation(PAGES, position="hidden" if on_wall else "sidebar")
try:
    page.run()
except Exception as exc:
    # st.rerun / st.stop travel as exceptions too; they are Streamlit's, not ours
    if type(exc).__module__.startswith("streamlit"):
        raise
    logging.getLogger("app").exception("page %s failed", page.title)
    if is_damage(exc):  # the cause is the file, not the page: say so
        st.error(damaged_message(), icon=":material/broken_image:")
    else:
        st.error("页面暂时无法显示，请稍后刷新。如持续出现，请联系管理员查看服务日志。")
