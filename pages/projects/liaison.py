"""包联: per liaison leader and per responsible unit — their projects, stages, warnings and what
changed since the last bulletin; `?leader=名字` is a one-page print view for one leader."""

from urllib.parse import quote

import polars as pl
import streamlit as st

from ui import data, format as fmt, links, warnings as warning_list
from ui.filters import sidebar_filters
from ui.table import EMPTY, table
from warehouse import bulletins
from warehouse.metrics import METRICS
from warehouse.queries import Filters

DATE = st.column_config.DateColumn(format="YYYY-MM-DD")
AMOUNT = st.column_config.NumberColumn(format="%,.2f")
CHANGE_TEXT = {"new": "新增预警", "persisting": "持续预警", "resolved": "已解除"}
# the summaries' warning counts, each with its definition as tooltip
COUNT_COLUMNS = {
    "红色预警": st.column_config.NumberColumn(help=METRICS["pipeline_warning_red"].definition),
    "较上期新增": st.column_config.NumberColumn(help=METRICS["bulletin_new"].definition),
    "较上期解除": st.column_config.NumberColumn(help=METRICS["bulletin_resolved"].definition),
}
SUMMARY_HEADERS = {
    "projects": "在库项目", "leads": "线索", "negotiating": "洽谈", "signed": "签约未开工", "started": "开工未投产",
    "producing": "已投产", "red": "红色预警", "yellow": "黄色预警", "new": "较上期新增", "resolved": "较上期解除",
}
LIBRARIES = ("lead", "negotiating", "signed", "started")  # the four libraries: before production
PRINT_ROW_HEIGHT = 26  # pixels: denser than on screen, so that a leader's list fits on A4
HEADER_HEIGHT = 36  # st.dataframe's header row keeps its height
PRINT_ROWS = 18  # rows of the print view's table that still fit on one A4 page


def card(column, key: str, value, label: str | None = None) -> None:
    metric = METRICS[key]
    column.metric(label or metric.label, f"{fmt.count(value)} 个", help=metric.definition)


def summary_table(frame: pl.DataFrame, key: str, header: str, compared: bool) -> pl.DataFrame:
    """Per leader or unit; 较上期 only when there is a previous bulletin to compare with."""
    headers = {c: h for c, h in SUMMARY_HEADERS.items() if compared or c not in ("new", "resolved")}
    return frame.select(pl.col(key).alias(header), *(pl.col(c).alias(h) for c, h in headers.items()))


def project_rows(frame: pl.DataFrame, compared: bool) -> pl.DataFrame:
    """One leader's or unit's projects with Chinese headers, as on screen and in print: the
    level, the project, its days and amount first; red and longest first; 较上期 only when
    there is a previous bulletin to compare with."""
    shown = warning_list.by_priority(
        frame.select(
            links.dossier_column(),
            warning_list.level_badge().alias("预警"),
            pl.col("project_name").alias("项目名称"),
            pl.col("days").alias("停留天数"),
            fmt.yi_column("library_amount_wan").alias("金额（亿元）"),
            pl.col("unit_name").alias("县（市、区）"),
            pl.col("library_label").alias("所处阶段"),
            pl.col("change").replace_strict(CHANGE_TEXT, default="").alias("较上期通报"),
            pl.col("stage_since").alias("进入阶段日期"),
            pl.col("responsible_unit").alias("责任单位"),
            pl.col("status").fill_null("").alias("最新进展"),
        ),
        "预警", "停留天数",
    )
    return shown if compared else shown.drop("较上期通报")


PROJECT_COLUMNS = {
    "进入阶段日期": DATE, "金额（亿元）": AMOUNT, "预警": warning_list.level_column(),
}


def counts(projects: pl.DataFrame) -> dict:
    level, change = projects.get_column("level"), projects.get_column("change")
    return {
        "active": projects.filter(pl.col("library").is_in(LIBRARIES)).height,
        "red": (level == "red").sum(),
        "yellow": (level == "yellow").sum(),
        "new": (change == "new").sum(),
        "resolved": (change == "resolved").sum(),
    }


def figures_row(c: dict, compared: bool) -> None:
    """Projects, warnings, and the changes against the previous bulletin (named in the caption)."""
    columns = st.columns(5 if compared else 3)
    card(columns[0], "library_projects", c["active"], label="在库项目")
    card(columns[1], "pipeline_warning_red", c["red"])
    card(columns[2], "pipeline_warning_yellow", c["yellow"])
    if compared:
        card(columns[3], "bulletin_new", c["new"])
        card(columns[4], "bulletin_resolved", c["resolved"])


def compared_with(previous: dict | None) -> str:
    """What 较上期 means on this page, plainly, also when there is nothing to compare with."""
    if previous is None:
        return "尚无上期预警通报，不显示较上期新增、解除"
    return f"新增、已解除和“较上期”对照第{previous['number']}期预警通报（截至 {previous['as_of']:%Y-%m-%d}）"


def print_view(leader: str) -> None:
    """One leader on one page: figures, then the warned, resolved and not-yet-started projects."""
    # A4 portrait: the narrow layout and no sidebar when the link opens the page
    st.set_page_config(layout="centered", initial_sidebar_state="collapsed")
    as_of = data.query("as_of").item()
    previous = data.previous_bulletin(as_of)
    # all units and chains: a leader answers for every project of theirs
    everywhere = Filters(year=as_of.year if as_of else 2000)
    projects = data.query(
        "liaison_projects", everywhere, as_of=as_of, leader=leader, responsible="", **bulletins.limits().params()
    )
    st.header("包联项目预警清单")
    st.text(f"包联领导：{leader}")
    st.caption(
        f"{fmt.as_of(as_of)} · {compared_with(previous)}"
        + f" · 预警标准：{bulletins.limits().describe()}"
    )
    if projects.height == 0:
        st.info("没有该包联领导的在库项目。请检查姓名是否与台账“包联领导”一致。")
        return
    figures_row(counts(projects), previous is not None)
    # one page: every warned or resolved project, then those not yet started while room is left;
    # the rest (mostly started projects without a warning) are counted
    flagged = pl.col("level").is_not_null() | pl.col("change").is_not_null()
    must = projects.filter(flagged)
    others = projects.filter(~flagged & pl.col("library").is_in(("lead", "negotiating", "signed")))
    listed = pl.concat([must, others.head(max(0, PRINT_ROWS - must.height))])
    rest = projects.height - listed.height
    # every row drawn (no scrolling on paper); the columns a leader acts on, sized for A4
    rows = project_rows(listed, previous is not None)
    st.dataframe(
        rows.select(
            "预警",
            *([pl.col("较上期通报").str.replace("预警", "").alias("较上期")] if "较上期通报" in rows.columns else []),
            pl.col("所处阶段").alias("阶段"),
            "项目名称", "县（市、区）", "停留天数", "最新进展",
        ),
        hide_index=True,
        width="stretch",
        height=HEADER_HEIGHT + PRINT_ROW_HEIGHT * listed.height + 3,
        placeholder=EMPTY,
        row_height=PRINT_ROW_HEIGHT,
        column_config={
            "预警": warning_list.level_column(),
            "较上期": st.column_config.TextColumn(width=56),
            "阶段": st.column_config.TextColumn(width=48),
            "项目名称": st.column_config.TextColumn(width=250),
            "县（市、区）": st.column_config.TextColumn(width=76),
            "停留天数": st.column_config.NumberColumn(width=64),
            "最新进展": st.column_config.TextColumn(width=150),
        },
    )
    if rest:
        st.caption(f"另有 {rest} 个未预警的项目未列出（多为已开工项目），完整清单见包联页面。")


leader = st.query_params.get("leader")
if not data.available():
    st.title("包联")
    st.info(data.no_warehouse_message())
    st.stop()
if not data.query("pipeline_ready").item():
    st.title("包联")
    st.info(data.outdated_message("包联视图"))
    st.stop()
if leader:
    print_view(leader)
    st.stop()

st.title("包联：领导与责任单位")
filters = sidebar_filters()
if filters is None:
    st.info("数据仓库中还没有签约项目，请先导入台账。")
    st.stop()
as_of = data.query("as_of").item()
limit_params = bulletins.limits().params()
previous = data.previous_bulletin(as_of)
compared = previous is not None
st.caption(
    f"{fmt.as_of(as_of)} · {compared_with(previous)}"
    + " · 列出各库在库项目，不限签约年份：县（市、区）和产业链筛选适用，年份、月份不适用。"
)

# only the open tab is computed (a tab change reruns the page): each of its summaries
# reads every project of the libraries
tab_leaders, tab_units = st.tabs(["按包联领导", "按责任单位"], key="liaison_tab", on_change="rerun")
for kept in ("leader_search", "leader", "unit_search", "responsible"):
    # a widget not drawn in a run loses its value: keep the choices of a closed tab
    if kept in st.session_state:
        st.session_state[kept] = st.session_state[kept]
if tab_leaders.open:
    with tab_leaders:
        leaders = data.query("liaison_leaders", filters, as_of=as_of, **limit_params)
        query = st.text_input("搜索包联领导", key="leader_search")
        shown = leaders.filter(pl.col("leader").str.contains(query.strip(), literal=True)) if query.strip() else leaders
        table(
            summary_table(shown, "leader", "包联领导", compared).with_columns(
                (pl.lit("liaison?leader=") + links.url_quoted(pl.col("包联领导"))).alias("打印视图")
            ),
            f"包联领导汇总_{as_of}",
            title=f"包联领导汇总（{fmt.as_of(as_of)}）",
            key="download-leaders",
            column_config={"打印视图": st.column_config.LinkColumn(display_text="打印"), **COUNT_COLUMNS},
        )
        names = shown.get_column("leader").to_list()
        if names:
            chosen = st.selectbox("查看包联领导", names, key="leader")
            mine = data.query("liaison_projects", filters, as_of=as_of, leader=chosen, responsible="", **limit_params)
            figures_row(counts(mine), compared)
            table(
                project_rows(mine, compared), f"包联项目_{chosen}_{as_of}",
                title=f"包联领导 {chosen} 的项目（{fmt.as_of(as_of)}）", key="download-leader-projects",
                column_config={**links.DOSSIER_CONFIG, **PROJECT_COLUMNS},
            )
            st.link_button("打印视图（一页）", f"liaison?leader={quote(chosen)}", icon=":material/print:")

if tab_units.open:
    with tab_units:
        units = data.query("liaison_units", filters, as_of=as_of, **limit_params)
        query = st.text_input("搜索责任单位", key="unit_search")
        shown = units.filter(pl.col("responsible_unit").str.contains(query.strip(), literal=True)) if query.strip() else units
        table(
            summary_table(shown, "responsible_unit", "责任单位", compared),
            f"责任单位汇总_{as_of}",
            title=f"责任单位汇总（{fmt.as_of(as_of)}）",
            key="download-units",
            column_config=COUNT_COLUMNS,
        )
        names = shown.get_column("responsible_unit").to_list()
        if names:
            chosen = st.selectbox("查看责任单位", names, key="responsible")
            theirs = data.query("liaison_projects", filters, as_of=as_of, leader="", responsible=chosen, **limit_params)
            figures_row(counts(theirs), compared)
            table(
                project_rows(theirs, compared), f"责任单位项目_{chosen}_{as_of}",
                title=f"责任单位 {chosen} 的项目（{fmt.as_of(as_of)}）", key="download-unit-projects",
                column_config={**links.DOSSIER_CONFIG, **PROJECT_COLUMNS},
            )
