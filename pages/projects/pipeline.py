"""四库: the pipeline from lead to production — the libraries, conversion of the period's leads,
time in each stage, the rolling warnings and their bulletins, and the identity review list."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from base.reference import load_reference
from ui import charts, data, format as fmt, links, viewport, warnings as warning_list
from ui.filters import describe, sidebar_filters
from ui.table import EMPTY, audited, table
from warehouse import bulletins
from warehouse.metrics import METRICS, ratio, yi
from warehouse.queries import Filters

CHART = charts.CONFIG
REVIEW_AUTO_LIMIT = 5000  # projects in the selected units' libraries (the review's scope)
PERCENT = st.column_config.NumberColumn(format="%.2f")
AMOUNT = st.column_config.NumberColumn(format="%,.2f")
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")
# the columns a search of warnings looks in: the list, its download, the bulletin's changes
WARNING_SEARCH = ("project_name", "unit_name", "responsible_unit", "liaison_leader")
SHOW = {"个": fmt.count, "亿元": fmt.yi, "%": fmt.pct, "天": fmt.count}
# (metric, numerator, denominator) of each step of the lead cohort
RATES = (
    ("lead_to_negotiation_rate", "negotiated", "leads"),
    ("negotiation_to_signed_rate", "signed", "negotiated"),
    ("lead_to_signed_rate", "signed", "leads"),
    ("lead_signed_to_started_rate", "started", "signed"),
    ("started_to_producing_rate", "producing", "started"),
)
RATE_HEADERS = {
    "lead_to_negotiation_rate": "线索转洽谈率（%）",
    "negotiation_to_signed_rate": "洽谈转签约率（%）",
    "lead_to_signed_rate": "线索签约率（%）",
    "signed_to_started_rate": "签约转开工率（%）",
    "started_to_producing_rate": "开工转投产率（%）",
}
COUNT_HEADERS = {"leads": "线索数", "negotiated": "进入洽谈", "signed": "已签约", "started": "已开工", "producing": "已投产"}


def card(column, key: str, value, previous=None, label: str | None = None) -> None:
    """One figure with its definition as tooltip and, where last year has a value, its 同比."""
    metric = METRICS[key]
    unit = "" if metric.unit == "%" else metric.unit
    delta = fmt.change(value, previous, metric.unit) if previous else None
    column.metric(
        label or metric.label, f"{SHOW[metric.unit](value)} {unit}".strip(), delta,
        delta_color=fmt.delta_colour(), help=metric.definition, border=True,
    )


def rates_table(frame: pl.DataFrame, key: str, header: str) -> pl.DataFrame:
    """The cohort counts and step rates with Chinese headers, rates in percent."""
    return frame.select(
        pl.col(key).alias(header),
        *(pl.col(c).alias(h) for c, h in COUNT_HEADERS.items()),
        *((pl.col(c) * 100).round(2).alias(h) for c, h in RATE_HEADERS.items()),
    )


def search(frame: pl.DataFrame, text: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """Rows where any of the columns contains the text (case as typed, no pattern syntax)."""
    if not text.strip():
        return frame
    needle = text.strip()
    return frame.filter(pl.any_horizontal(pl.col(c).fill_null("").str.contains(needle, literal=True) for c in columns))


def warning_columns(warnings: pl.DataFrame, compared: bool) -> pl.DataFrame:
    """The warning list as shown and downloaded: what a reader acts on first (level, project,
    days, unit), red and longest first; 较上期 only when there is a bulletin to compare with."""
    shown = warning_list.by_priority(
        warnings.select(
            links.dossier_column(),
            warning_list.level_badge().alias(warning_list.LEVEL),
            pl.col("project_name").alias("项目名称"),
            pl.col("days").alias("停留天数"),
            pl.col("unit_name").alias("县（市、区）"),
            pl.col("stage_label").alias("阶段"),
            pl.col("responsible_unit").alias("责任单位"),
            pl.col("liaison_leader").alias("包联领导"),
            pl.col("stage_since").alias("进入阶段日期"),
            pl.col("chain").alias("产业链"),
            pl.col("change").replace_strict(bulletins.CHANGES, default="").alias("较上期通报"),
        ),
        warning_list.LEVEL, "停留天数",
    )
    return shown if compared else shown.drop("较上期通报")


def sankey(flow: dict) -> go.Figure:
    """Where the period's leads went: on to the next stage, still waiting, or dropped."""
    names = ["线索", "洽谈", "签约", "开工", "投产", "仍为线索", "线索终止", "仍在洽谈", "洽谈终止", "签约未开工", "开工未投产"]
    links = [
        (0, 1, flow["negotiated"]), (0, 5, flow["still_lead"]), (0, 6, flow["dropped_as_lead"]),
        (1, 2, flow["signed"]), (1, 7, flow["still_negotiating"]), (1, 8, flow["dropped_in_negotiation"]),
        (2, 3, flow["started"]), (2, 9, flow["signed"] - flow["started"]),
        (3, 4, flow["producing"]), (3, 10, flow["started"] - flow["producing"]),
    ]
    links = [link for link in links if link[2] > 0]
    sizes = [flow["leads"]] + [sum(v for _, t, v in links if t == i) for i in range(1, len(names))]
    nodes = [f"{name} {size}" for name, size in zip(names, sizes)]
    main = "#2f6db5"
    colors = [main] * 5 + ["#b0b7c3", "#d9822b", "#b0b7c3", "#d9822b", "#b0b7c3", "#b0b7c3"]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(label=nodes, color=colors, pad=14, thickness=14),
            link=dict(
                source=[s for s, _, _ in links],
                target=[t for _, t, _ in links],
                value=[v for _, _, v in links],
                color=["rgba(47,109,181,0.25)" if t <= 4 else "rgba(150,150,150,0.25)" for _, t, _ in links],
                hovertemplate="%{source.label} → %{target.label}：%{value} 个<extra></extra>",
            ),
            valueformat="d",
        )
    )
    fig.update_layout(height=380, margin=dict(l=0, r=0, t=10, b=10), font=dict(size=13))
    return fig


st.title("四库：线索 → 洽谈 → 签约 → 开工 → 投产")
if not data.available():
    st.info(data.no_warehouse_message())
    st.stop()
if not data.query("pipeline_ready").item():
    st.info(data.outdated_message("四库"))
    st.stop()

filters = sidebar_filters()
if filters is None:
    st.info("数据仓库中还没有签约项目，请先导入台账。")
    st.stop()

period = describe(filters)
as_of = data.query("as_of").item()
as_of_text = fmt.as_of(as_of)
rules = bulletins.limits()
limit_params = rules.params()
st.caption(
    f"{as_of_text} · {period} · 县（市、区）和产业链筛选适用于全页；年份、月份用于“新增”和线索转化，"
    "在库项目和预警是截至数据日期的状态。同比：去年同期，去年同期为零的不显示。"
)

# ---------------------------------------------------------------- the libraries

st.subheader("四库概况")
entries = data.query("pipeline_entries", filters).row(0, named=True)
ENTRIES = (
    ("new_leads", "new_leads", None), ("new_negotiations", "new_negotiations", None),
    ("signed_projects", "new_signed", "新增签约"), ("new_starts", "new_started", None),
    ("new_production", "new_producing", None),
)
size = viewport.per_row(3)
for row in (ENTRIES[i:i + size] for i in range(0, len(ENTRIES), size)):
    for column, (key, field, label) in zip(st.columns(size), row):
        card(column, key, entries[field], entries[f"previous_{field}"], label=label)

libraries = data.query("pipeline_libraries", filters)
left, right = st.columns(2)
with left:
    fig = go.Figure(
        go.Bar(
            x=libraries.get_column("projects").to_list(),
            y=libraries.get_column("label").to_list(),
            orientation="h",
            text=libraries.get_column("projects").to_list(),
            textposition="outside",
            cliponaxis=False,
            customdata=[float(yi(v)) for v in libraries.get_column("amount_wan")],
            hovertemplate="%{y}：%{x} 个，%{customdata:,.2f} 亿元<extra></extra>",
            marker_color=["#2f6db5"] * 5 + ["#b0b7c3"],
        )
    )
    fig.update_layout(
        height=260, margin=dict(l=0, r=30, t=10, b=0),
        xaxis=dict(title="在库项目数（个）"), yaxis=dict(autorange="reversed"),
    )
    bar = links.clicked(st.plotly_chart(fig, config=CHART, on_select="rerun", selection_mode="points", key="library_bars"))
    if bar:
        links.open_list(filters, library=libraries.get_column("library")[bar[1]])
    st.caption("点击柱子查看该库的项目。")
with right:
    table(
        libraries.select(
            pl.col("label").alias("库"),
            pl.col("projects").alias("在库项目数"),
            fmt.yi_column("amount_wan").alias("在库金额（亿元）"),
        ),
        f"四库在库项目_{as_of}",
        title=f"四库在库项目（{as_of_text}）",
        column_config={
            "在库项目数": st.column_config.NumberColumn(help=METRICS["library_projects"].definition),
            "在库金额（亿元）": st.column_config.NumberColumn(format="%,.2f", help=METRICS["library_amount_yi"].definition),
        },
    )

# ---------------------------------------------------------------- conversion of the period's leads

st.subheader(f"{period}录入线索的转化", help=METRICS["lead_to_signed_rate"].definition)
flow = data.query("pipeline_conversion", filters).row(0, named=True)
if flow["leads"] == 0:
    st.info(f"{period}没有录入线索库的项目（所选县区、产业链）。请导入线索库台账，或调整筛选。")
else:
    st.caption(
        "按线索批次：所选期间录入的线索，截至数据日期走到了哪一步。签约、开工、投产只计已签约的项目，"
        "每一步都是上一步的子集。"
    )
    size = viewport.per_row(3)
    columns = [c for _ in range(0, 6, size) for c in st.columns(size)]
    card(columns[0], "new_leads", flow["leads"], flow["previous_leads"], label="线索数")
    for column, (key, numerator, denominator) in zip(columns[1:], RATES):
        previous = ratio(flow[f"previous_{numerator}"], flow[f"previous_{denominator}"]) if flow["previous_leads"] else None
        card(column, key, ratio(flow[numerator], flow[denominator]), previous)
    st.plotly_chart(sankey(flow), config=CHART)
    by_month, by_unit, by_chain = st.tabs(["按录入月份", "按县（市、区）", "按产业链"])
    with by_month:
        months = data.query("pipeline_conversion_by_month", filters).with_columns(
            pl.format("{}月", pl.col("month")).alias("month")
        )
        st.caption("录入越晚的线索转化时间越短，比率自然偏低。")
        table(
            rates_table(months, "month", "录入月份"), f"线索转化_按月份_{period}",
            title=f"{period}录入线索的转化（按录入月份；{as_of_text}）",
            column_config={h: PERCENT for h in RATE_HEADERS.values()},
        )
    with by_unit:
        units = data.query("pipeline_conversion_by_unit", filters)
        table(
            rates_table(units, "unit_name", "县（市、区）"), f"线索转化_按县区_{period}",
            title=f"{period}录入线索的转化（按县（市、区）；{as_of_text}）",
            column_config={h: PERCENT for h in RATE_HEADERS.values()},
        )
    with by_chain:
        chains = data.query("pipeline_conversion_by_chain", filters)
        table(
            rates_table(chains, "chain", "产业链"), f"线索转化_按产业链_{period}",
            title=f"{period}录入线索的转化（按产业链；{as_of_text}）",
            column_config={h: PERCENT for h in RATE_HEADERS.values()},
        )

# ---------------------------------------------------------------- time in each stage

st.subheader("各阶段停留时间", help=METRICS["stage_days"].definition)
days = data.query("pipeline_stage_days", filters, as_of=as_of)
fig = go.Figure()
fig.add_bar(
    name=f"已完成（{period}离开该阶段）",
    x=days.get_column("label").to_list(),
    y=days.get_column("median_days").to_list(),
    customdata=days.select("completed", "q1_days", "q3_days").rows(),
    hovertemplate="%{x}：中位数 %{y:.0f} 天（四分位 %{customdata[1]:.0f}–%{customdata[2]:.0f} 天，%{customdata[0]} 个项目）<extra></extra>",
)
fig.add_bar(
    name="在库（截至数据日期已停留）",
    x=days.get_column("label").to_list(),
    y=days.get_column("median_waiting_days").to_list(),
    customdata=days.select("waiting").rows(),
    hovertemplate="%{x}：在库 %{customdata[0]} 个，已停留中位数 %{y:.0f} 天<extra></extra>",
)
fig.update_layout(
    barmode="group", height=320, margin=dict(l=0, r=10, t=10, b=0),
    yaxis=dict(title="天数（中位数）"), legend=dict(orientation="h", y=-0.15),
)
st.plotly_chart(fig, config=CHART)
with st.expander("各阶段停留天数数据"):
    table(
        days.select(
            pl.col("label").alias("阶段"),
            pl.col("completed").alias("已完成项目数"),
            pl.col("median_days").alias("停留天数中位数"),
            pl.col("q1_days").alias("下四分位数"),
            pl.col("q3_days").alias("上四分位数"),
            pl.col("waiting").alias("在库项目数"),
            pl.col("median_waiting_days").alias("在库已停留天数中位数"),
        ),
        f"阶段停留天数_{period}",
        title=f"各阶段停留天数（已完成：{period}；在库：{as_of_text}）",
    )

# ---------------------------------------------------------------- rolling warnings

st.subheader("四库滚动预警")
st.caption(f"预警标准：{rules.describe()}。天数算到数据截至日期。标准在 data/reference/city.toml 中设置。")
bulletin_list = data.query("pipeline_bulletins")
latest = bulletin_list.row(0, named=True) if bulletin_list.height else None
previous = data.previous_bulletin(as_of)
summary_area = st.container()  # filled below: its counts come with the searched list
query = st.text_input("搜索预警项目", placeholder="项目名称、县区、责任单位或包联领导", key="warning_search")
warning_params = {"as_of": as_of, **limit_params}
warnings = data.listing(
    "pipeline_warnings", filters, count_by=("stage_label", "stage", "level", "change"),
    contains=(WARNING_SEARCH, query), **warning_params,
)
with summary_area:
    columns = st.columns(3)
    card(columns[0], "pipeline_warning_red", warnings.count(level="red"))
    card(columns[1], "pipeline_warning_yellow", warnings.count(level="yellow"))
    if previous:
        card(columns[2], "bulletin_new", warnings.count(change="new"), label=f"较第{previous['number']}期新增")
    else:
        columns[2].metric("较上期新增", "无上期通报", help="尚无更早的预警通报，无从比较新增。", border=True)
    if warnings.counts.height:
        per_stage = (
            warnings.counts.group_by("stage_label", "stage")
            .agg(
                pl.col("n").filter(pl.col("level") == "red").sum().alias("红色"),
                pl.col("n").filter(pl.col("level") == "yellow").sum().alias("黄色"),
            )
            .sort(pl.col("stage").replace_strict(list(bulletins.WAITING_FOR), list(range(4)), default=9))
        )
        st.dataframe(
            per_stage.select(pl.col("stage_label").alias("阶段"), "红色", "黄色"), hide_index=True, width="content",
            placeholder=EMPTY,
        )
listed = warning_columns(warnings.rows, previous is not None)
table(
    warning_list.paged(listed, "warning_page"),
    f"四库预警_{as_of}",
    title=f"四库滚动预警（{as_of_text}）",
    key="download-pipeline-warnings",
    total=warnings.total,
    fetch_all=lambda: warning_columns(
        search(data.everything("pipeline_warnings", filters, **warning_params), query, WARNING_SEARCH),
        previous is not None,
    ),
    column_config={
        **links.DOSSIER_CONFIG,
        "进入阶段日期": DATE, warning_list.LEVEL: warning_list.level_column(),
    },
)

st.markdown("##### 预警通报")
if latest is None:
    st.info(data.admin_hint(
        f"尚未生成预警通报。系统在数据仓库有项目后自动生成第1期（截至数据日期）；此后数据日期每推进"
        f" {rules.interval_days} 天自动生成一期，通报列出较上期新增、持续和已解除的预警。",
        "（管理员也可运行 `python -m warehouse bulletin` 立即生成。）",
    ))
else:
    numbers = bulletin_list.get_column("number").to_list()
    as_of_by_number = dict(zip(numbers, bulletin_list.get_column("as_of").to_list()))
    number = st.selectbox(
        "通报期数", numbers, key="bulletin_number",
        format_func=lambda n: f"第{n}期（截至 {as_of_by_number[n]:%Y-%m-%d}）",
    )
    chosen = bulletin_list.filter(pl.col("number") == number).row(0, named=True)
    first_one = number == min(numbers)  # nothing before it to compare with
    columns = st.columns(2 if first_one else 5)
    card(columns[0], "pipeline_warning_red", chosen["red"])
    card(columns[1], "pipeline_warning_yellow", chosen["yellow"])
    if not first_one:
        card(columns[2], "bulletin_new", chosen["new"])
        card(columns[3], "bulletin_persisting", chosen["persisting"])
        card(columns[4], "bulletin_resolved", chosen["resolved"])
    st.caption(f"第{number}期为首期，没有上期通报可比较。" if first_one else f"第{number}期与第{number - 1}期比较。")
    per_unit = data.query("pipeline_bulletin_units", filters, number=number)
    table(
        per_unit.select(
            pl.col("unit_name").alias("县（市、区）"),
            pl.col("red").alias("红色预警"),
            pl.col("yellow").alias("黄色预警"),
            pl.col("new").alias("新增"),
            pl.col("persisting").alias("持续"),
            pl.col("resolved").alias("已解除"),
        ).drop(["新增", "持续", "已解除"] if first_one else []),
        f"预警通报_第{number}期_分县区",
        title=f"四库滚动预警通报 第{number}期 分县（市、区）（截至 {chosen['as_of']:%Y-%m-%d}）",
        key="download-bulletin-units",
    )
    changes = data.query("pipeline_bulletin_changes", filters, number=number)
    change_query = st.text_input("搜索本期通报", placeholder="项目名称、县区、责任单位或包联领导", key="bulletin_search")
    table(
        warning_list.by_priority(
            search(changes, change_query, WARNING_SEARCH).select(
                links.dossier_column(),
                # a resolved warning has no level now: its badge is gone, 较上期 names the old one
                warning_list.level_badge().alias(warning_list.LEVEL),
                pl.col("project_name").alias("项目名称"),
                pl.col("days").alias("停留天数"),
                pl.col("unit_name").alias("县（市、区）"),
                pl.when(pl.col("level").is_null())
                .then(pl.format("{}（原{}）", pl.col("change").replace_strict(bulletins.CHANGES),
                                pl.col("previous_level").replace_strict(bulletins.LEVELS, default="")))
                .otherwise(pl.col("change").replace_strict(bulletins.CHANGES))
                .alias("较上期"),
                pl.col("stage_label").alias("阶段"),
                pl.col("since").alias("进入阶段日期"),
                pl.col("previous_days").alias("上期天数"),
                pl.col("responsible_unit").alias("责任单位"),
                pl.col("liaison_leader").alias("包联领导"),
            ),
            warning_list.LEVEL, "停留天数",
        ).drop(["较上期", "上期天数"] if first_one else []),
        f"预警通报_第{number}期_明细",
        title=f"四库滚动预警通报 第{number}期 明细（截至 {chosen['as_of']:%Y-%m-%d}）",
        key="download-bulletin-changes",
        column_config={**links.DOSSIER_CONFIG, "进入阶段日期": DATE, warning_list.LEVEL: warning_list.level_column()},
    )
    unit_choices = per_unit.select("unit_id", "unit_name").rows()
    if unit_choices:
        everyone = ("", "全部县（市、区），每县一个工作表")
        picked = st.selectbox(
            "Excel 预警通报", [everyone, *unit_choices], format_func=lambda u: u[1], key="notice_unit"
        )
        notice_name = f"预警通报_第{number}期_{'全部' if picked == everyone else picked[1]}.xlsx"
        st.download_button(
            "下载预警通报（Excel）",
            data=audited(
                lambda: bulletins.notice_xlsx(
                    changes, number=number, as_of=chosen["as_of"], units=unit_choices if picked == everyone else [picked],
                    rules=rules, city=load_reference().city_name,
                ),
                notice_name, rows=changes.height, title=f"四库滚动预警通报 第{number}期",
            ),
            file_name=notice_name,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="download-notice",
            icon=":material/download:",
            on_click="ignore",
        )

# ---------------------------------------------------------------- identity review

st.subheader("项目识别核对", help=METRICS["name_similarity"].definition)
st.caption(
    "同一项目在各库台账中须名称一致（或填写统一项目代码）才能识别为一个项目。下表列出同一县（市、区）内"
    "名称相近、却被识别为不同项目的两两组合，请核对后在台账中统一名称或补填项目代码。"
)
threshold = st.slider("名称相似度不低于", min_value=0.85, max_value=1.0, value=0.95, step=0.01, key="similarity")
# pairwise name comparison grows with the square of a unit's projects: for a province
# (a million projects) it takes about 5 s, so there it runs only when asked for
# the libraries of the selected units, all chains (the same query as above when no chain is chosen)
in_review = data.query("pipeline_libraries", Filters(filters.year, filters.month_from, filters.month_to, filters.units))
small = in_review.get_column("projects").sum() <= REVIEW_AUTO_LIMIT
if not st.toggle("生成核对清单", value=bool(small), key="run_identity_review",
                 help="项目较多时计算需要几秒钟；选择县（市、区）可缩小范围。"):
    st.stop()
pairs = data.query("pipeline_identity_review", filters, min_similarity=threshold)
review_query = st.text_input("搜索核对清单", placeholder="项目名称或县区", key="review_search")
table(
    search(pairs, review_query, ("name_a", "name_b", "unit_name")).select(
        pl.col("unit_name").alias("县（市、区）"),
        links.dossier_column("key_a").alias("甲档案"),
        pl.col("name_a").alias("项目名称甲"),
        pl.col("library_a").alias("甲所在库"),
        pl.col("first_seen_a").alias("甲首次日期"),
        links.dossier_column("key_b").alias("乙档案"),
        pl.col("name_b").alias("项目名称乙"),
        pl.col("library_b").alias("乙所在库"),
        pl.col("first_seen_b").alias("乙首次日期"),
        (pl.col("similarity") * 100).round(2).alias("名称相似度（%）"),
        pl.when(pl.col("contained")).then(pl.lit("是")).otherwise(pl.lit("")).alias("名称包含"),
    ),
    f"项目识别核对_{as_of}",
    title=f"项目识别核对清单（名称相似度 ≥ {threshold:.2f}；{as_of_text}）",
    key="download-identity-review",
    column_config={
        "甲首次日期": DATE, "乙首次日期": DATE, "名称相似度（%）": PERCENT,
        **{f"{side}档案": st.column_config.LinkColumn(display_text="查看", width="small") for side in "甲乙"},
    },
)
