"""Router: the pages, their stable URLs, who may open each, and the guard that keeps
tracebacks off screen.

Each page is declared once below with what it needs (ui/auth.py NEEDS): "analyst" pages
are open unless [access] analyst_login_required; the wall takes its token; viewer,
uploader and admin need a login with that role. The router admits the visitor before the
page runs, and lists in the navigation only the pages this visitor may open (or could,
after logging in).

`streamlit run app.py` (and `make run`) imports this file to find the `app` below, an
st.App serving the session-cookie routes (ui/session_routes.py) beside Streamlit; every
page view then runs this file as __main__, which is the router.
"""

import logging

import streamlit as st

from ui import auth, viewport
from ui.auth import ADMIN, ANALYST, UPLOADER, WALL

# section → (who may open it, page script, st.Page options)
PAGES = {
    "分析": [
        (ANALYST, "pages/analysis/overview.py", {"title": "总览", "icon": ":material/dashboard:", "url_path": "overview", "default": True}),
        (ANALYST, "pages/analysis/signing.py", {"title": "签约分析", "icon": ":material/handshake:", "url_path": "signing"}),
        (ANALYST, "pages/analysis/starts.py", {"title": "开工分析", "icon": ":material/construction:", "url_path": "starts"}),
        (ANALYST, "pages/analysis/chains.py", {"title": "产业链集聚", "icon": ":material/hub:", "url_path": "chains"}),
        (ANALYST, "pages/analysis/map.py", {"title": "县区排名", "icon": ":material/map:", "url_path": "map"}),
        (WALL, "pages/display/wall.py", {"title": "数据大屏", "icon": ":material/tv:", "url_path": "wall"}),
    ],
    "项目管理": [
        (ANALYST, "pages/projects/pipeline.py", {"title": "四库", "icon": ":material/filter_alt:", "url_path": "pipeline"}),
        (ANALYST, "pages/projects/liaison.py", {"title": "包联", "icon": ":material/group:", "url_path": "liaison"}),
        (UPLOADER, "pages/projects/entry.py", {"title": "项目录入", "icon": ":material/edit_note:", "url_path": "entry"}),
        (ANALYST, "pages/projects/projects.py", {"title": "项目清单", "icon": ":material/list:", "url_path": "projects", "visibility": "hidden"}),
        (ANALYST, "pages/projects/project.py", {"title": "项目档案", "icon": ":material/folder_open:", "url_path": "project", "visibility": "hidden"}),
    ],
    "数据": [
        (UPLOADER, "pages/manage/upload.py", {"title": "数据上传", "icon": ":material/upload_file:", "url_path": "upload"}),
        (UPLOADER, "pages/manage/data.py", {"title": "数据管理", "icon": ":material/database:", "url_path": "data"}),
        (ADMIN, "pages/manage/audit.py", {"title": "操作审计", "icon": ":material/policy:", "url_path": "audit"}),
        (ADMIN, "pages/manage/digest.py", {"title": "动态与研判", "icon": ":material/campaign:", "url_path": "digest"}),
    ],
}


def route() -> None:
    """One page view: navigation, the page's guard, then the page."""
    from ui import scheduler
    from ui.data import damaged_message
    from warehouse.db import is_damage

    st.set_page_config(page_title="招商引资数据分析", page_icon="static/favicon.png", layout="wide")
    # bulletins and the day's push are done by the running server, not by anyone's command
    scheduler.start()

    # the wall display (数据大屏) is a meeting-room screen: no navigation on it
    on_wall = (st.context.url or "").rstrip("/").endswith("/wall")
    try:
        user = auth.current_user()
    except Exception:  # an unreadable accounts store: list what needs no login; admit says the rest
        logging.getLogger("app").exception("current user unknown")
        user = None
    needs, sections = {}, {}
    for section, entries in PAGES.items():
        for need, script, options in entries:
            # a page reached only by its links (a figure's project list, a dossier) stays out of the navigation
            shown = auth.visible(need, user) and options.get("visibility", "visible") == "visible"
            page = st.Page(script, **{**options, "visibility": "visible" if shown else "hidden"})
            needs[page.url_path] = need
            sections.setdefault(section, []).append(page)
    # expanded: every page listed, no English "View N more" button hiding the last ones
    page = st.navigation(sections, position="hidden" if on_wall else "sidebar", expanded=True)
    st.html(viewport.CSS_FILE)
    try:
        if auth.admit(needs[page.url_path]):
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
    finally:
        # last: the width it reports reruns the page, which must not cut a run short
        viewport.measure()


if __name__ == "__main__":
    route()
else:
    from streamlit.runtime.pages_manager import PagesManager

    from ui.session_routes import ROUTES

    # Streamlit 1.67 enters its first multipage mode whenever a folder named pages/ sits
    # beside the main script, and a deep link (/wall) to a fresh server then shows "Page not
    # found" until the router has run once: a wall PC reopening its link after a restart
    # would keep that box for days. Streamlit offers no public setting for it and the
    # project's layout keeps pages/, so the mode is switched off here, where both `make run`
    # and plain `streamlit run app.py` import this file before the first session.
    PagesManager.uses_pages_directory = False
    app = st.App(__file__, routes=ROUTES)
