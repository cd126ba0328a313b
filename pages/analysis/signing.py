"""签约分析: signed projects by month, unit, chain, investor origin and size; the project list."""

from dataclasses import replace

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import charts, data, format as fmt, links
from ui.filters import describe, page_filters
from ui.table import table
from warehouse.metrics import METRICS, SIZE_BANDS, yi
from warehouse.queries import Filters

CARDS = ("signed_projects", "signed_amount_yi", "projects_over_1yi")
SHOW = {"个": fmt.count, "亿元": fmt.yi, "%": fmt.pct}
# the chart measure: frame column (万元 amounts are shown in 亿元), axis title, hover format
MEASURES = {
    "amount": ("amount_wan", "签约金额（亿元）", ",.2f"),
    "projects": ("projects", "签约项目数（个）", ",d"),
}
# tab title, query, label column, table header, note under the tab
BREAKDOWNS = (
    ("按县（市、区）", "signing_by_unit", "unit_name", "县（市、区）/开发区", None),
    ("按产业链", "signing_by_chain", "chain", "产业链", None),
    ("按投资方来源地", "signing_by_origin", "origin_province", "投资方来源省份",
     "按投资方所在地归入省份，看资金从哪里来；台账未填所在地的计为“未知”。"),
    ("按投资规模", "signing_by_size", "size_band", "投资规模", "按单个项目签约金额分档；金额待定的项目只计个数。"),
)
STAGES = {"signed": "未开工", "started": "已开工", "producing": "已投产"}
COLORS = {"current": "#c0392b", "previous": "#c9ccd1", "line": "#34495e"}
PLOTLY_CONFIG = charts.CONFIG
# a province's 120 units made a chart of 240 bars, 4,000 px tall; past this many rows a
# ranking charts its first ones and the table below has them all
CHARTED_ROWS = 30
AMOUNT = st.column_config.NumberColumn(format="%,.2f")
PERCENT = st.column_config.NumberColumn(format="%.2f")
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")



def values(frame: pl.DataFrame, column: str) -> list[float]:
    """A measure column for plotting: 万元 amounts become 亿元."""
    if column.endswith("_wan"):
        return [float(yi(v)) for v in frame.get_column(column)]
    return [float(v) for v in frame.get_column(column)]


def layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    return fig


def by_month_chart(monthly: pl.DataFrame, measure: str) -> go.Figure:
    """Monthly bars, and the running total as a line on the right-hand axis."""
    column, title, number = MEASURES[measure]
    cumulative = "cumulative_wan" if measure == "amount" else "cumulative_projects"
    # month NULL: signings of a ledger without 签约时间, known only by its period
    months = [f"{m}月" if m is not None else "月份不详" for m in monthly.get_column("month")]
    fig = go.Figure()
    fig.add_bar(
        x=months, y=values(monthly, column), name="当月", marker_color=COLORS["current"],
        hovertemplate=f"%{{x}}：%{{y:{number}}}<extra>当月</extra>",
    )
    fig.add_scatter(
        x=months, y=values(monthly, cumulative), name="累计", yaxis="y2", mode="lines+markers",
        line={"color": COLORS["line"]}, hovertemplate=f"%{{x}}累计：%{{y:{number}}}<extra>累计</extra>",
    )
    fig.update_layout(
        yaxis={"title": {"text": f"当月{title}"}, "rangemode": "tozero"},
        yaxis2={"title": {"text": f"累计{title}"}, "overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False, "tickmode": "auto"},
    )
    return layout(fig, 360)


def breakdown_chart(frame: pl.DataFrame, label: str, measure: str, year: int, with_previous: bool) -> go.Figure:
    """Horizontal bars of this period, beside the same months of last year when there is one."""
    column, title, number = MEASURES[measure]
    labels = [fmt.plain(v) for v in frame.get_column(label)]
    bars = [(f"{year}年", column, COLORS["current"])]
    if with_previous:
        bars.insert(0, (f"{year - 1}年同期", f"previous_{column}", COLORS["previous"]))
    fig = go.Figure()
    for name, col, color in bars:
        fig.add_bar(
            y=labels, x=values(frame, col), name=name, orientation="h", marker_color=color,
            hovertemplate=f"%{{y}}：%{{x:{number}}}<extra>{name}</extra>",
        )
    fig.update_layout(
        barmode="group",
        xaxis={"title": {"text": title}},
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"traceorder": "reversed"},
    )
    return layout(fig, 90 + 34 * max(frame.height, 2))


def breakdown_table(frame: pl.DataFrame, label: str, header: str, with_previous: bool) -> pl.DataFrame:
    """The figures behind a breakdown chart, with share and 同比, Chinese headers."""
    total = frame.get_column("amount_wan").sum()
    share = pl.col("amount_wan").cast(pl.Float64) / float(total) * 100 if total else pl.lit(None, pl.Float64)
    growth = (pl.col("amount_wan") - pl.col("previous_amount_wan")) / pl.col("previous_amount_wan") * 100
    columns = [
        pl.col(label).alias(header),
        pl.col("projects").alias("签约项目数"),
        fmt.yi_column("amount_wan").alias("签约金额（亿元）"),
        share.round(2).alias("金额占比（%）"),
    ]
    if with_previous:
        columns += [
            pl.col("previous_projects").alias("上年同期项目数"),
            fmt.yi_column("previous_amount_wan").alias("上年同期金额（亿元）"),
            pl.when(pl.col("previous_amount_wan") > 0).then(growth.cast(pl.Float64).round(2)).alias("金额同比（%）"),
        ]
    return frame.select(columns)


def open_breakdown(scope: Filters, label: str, row: dict) -> None:
    """The projects behind a breakdown's bar: its unit, chain, investor province or size band."""
    if label == "unit_name":
        behind = links.narrowed(scope, units=(row["unit_id"],))
        extra = {}
    elif label == "chain":
        behind = links.narrowed(scope, chains=(row["chain"],))
        extra = {}
    else:
        behind = scope
        extra = {"origin": row[label]} if label == "origin_province" else {"size": row[label]}
    if behind is not None:
        links.open_list(behind, **extra)


def in_band_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The size bands in their standard order, empty bands included; 金额待定 last when present."""
    bands = list(SIZE_BANDS) + sorted(set(frame.get_column("size_band")) - set(SIZE_BANDS))
    return (
        pl.DataFrame({"size_band": bands})
        .join(frame, on="size_band", how="left", maintain_order="left")
        .fill_null(0)
    )


st.title("签约分析")
filters = page_filters()

figures = data.headline(filters)
# 同比 only when the warehouse holds the previous year at all: a missing year is not a zero year
has_previous = filters.year - 1 in data.query("years").get_column("year").to_list()
previous = data.headline(filters.previous_year()) if has_previous else None
period = describe(filters)
as_of = fmt.as_of(figures["as_of"])
st.caption(f"{period} · {as_of}" + ("" if has_previous else f" · 仓库中没有{filters.year - 1}年数据，不显示同比"))

for column, key in zip(st.columns(len(CARDS)), CARDS):
    metric = METRICS[key]
    column.metric(
        metric.label,
        f"{SHOW[metric.unit](figures[key])} {metric.unit}",
        delta=fmt.change(figures[key], previous[key], metric.unit) if previous else None,
        delta_color=fmt.delta_colour(),
        help=metric.definition,
        border=True,
    )

measure = st.segmented_control(
    "图表指标",
    list(MEASURES),
    format_func=lambda m: MEASURES[m][1],
    default="amount",
    required=True,
    key="signing_measure",
)

st.subheader("逐月签约")
monthly = data.query("signing_by_month", filters)
month_click = links.clicked(st.plotly_chart(
    by_month_chart(monthly, measure), config=PLOTLY_CONFIG, on_select="rerun", selection_mode="points", key="signing_month_chart"
))
if month_click and month_click[0] == 0:  # a month's bar, not the running total
    month = monthly.get_column("month")[month_click[1]]
    if month is None:
        links.open_list(filters, undated=1)
    links.open_list(replace(filters, month_from=month, month_to=month))
st.caption("柱为当月签约，折线为自起始月份的累计（右轴）；数据截至日期之后的月份不画。点击柱子查看当月的签约项目。")
if monthly.get_column("month").is_null().any():
    st.caption("「月份不详」为没有签约时间列的台账所报项目：按报表期间计入当年，只在所选月份从1月起并包含其报表期末时计入。")

st.subheader("签约结构")
# only the open tab is drawn (a tab change reruns the page): four charts and tables the
# browser would otherwise draw unseen on every visit
breakdown_tabs = st.tabs([b[0] for b in BREAKDOWNS], key="signing_breakdown", on_change="rerun")
for tab, (name, query, label, header, note) in zip(breakdown_tabs, BREAKDOWNS):
    if not tab.open:
        continue
    with tab:
        if note:
            st.caption(note)
        frame = data.query(query, filters)
        if frame.is_empty():
            st.caption("所选期间及上年同期都没有签约项目。")
            continue
        # size bands keep their order; the others rank by the chosen measure
        if label == "size_band":
            frame = in_band_order(frame)
        else:
            frame = frame.sort(MEASURES[measure][0], label, descending=[True, False])
        charted = frame if label == "size_band" else frame.head(CHARTED_ROWS)
        if charted.height < frame.height:
            st.caption(f"图中为{MEASURES[measure][1].split('（')[0]}前 {CHARTED_ROWS} 位（共 {frame.height} 个），全部见下表。")
        bar = links.clicked(st.plotly_chart(
            breakdown_chart(charted, label, measure, filters.year, has_previous), config=PLOTLY_CONFIG,
            on_select="rerun", selection_mode="points", key=f"chart-{query}",
        ))
        if bar:
            # the grey bars, drawn first, are last year's same months
            scope = filters.previous_year() if has_previous and bar[0] == 0 else filters
            open_breakdown(scope, label, charted.row(bar[1], named=True))
        table(
            breakdown_table(frame, label, header, has_previous),
            f"签约{name}_{period}",
            title=f"签约项目{name}（{period}，{as_of}）",
            key=f"download-{query}",
            column_config={"签约金额（亿元）": AMOUNT, "上年同期金额（亿元）": AMOUNT, "金额占比（%）": PERCENT, "金额同比（%）": PERCENT},
        )


@st.fragment
def project_list(filters: Filters, total: int, heading: str) -> None:
    """The searchable list; only this part reruns while the user types."""
    search = st.text_input(
        "搜索项目",
        key="signing_search",
        type="search",
        live=True,
        placeholder="输入项目名称或投资方中的文字",
    ).strip()
    projects = data.listing("signing_projects", filters, search=search)
    st.caption(f"共 {projects.total:,} 个项目" + (f"（搜索结果，所选范围共 {total:,} 个）" if search else ""))
    table(
        project_columns(projects.rows, filters.include_open),
        f"签约项目清单_{describe(filters)}",
        title=heading + (f"，名称或投资方含：{search}" if search else ""),
        total=projects.total,
        fetch_all=lambda: project_columns(data.everything("signing_projects", filters, search=search), filters.include_open),
        column_config={**links.DOSSIER_CONFIG, "签约日期": DATE, "签约金额（亿元）": AMOUNT, "开工日期": DATE},
    )


def project_columns(projects: pl.DataFrame, include_open: bool) -> pl.DataFrame:
    """The project list as shown and downloaded."""
    return projects.select(
        links.dossier_column(include_open=include_open),
        pl.col("project_name").alias("项目名称"),
        fmt.yi_column("signed_amount_wan").alias("签约金额（亿元）"),
        pl.col("unit_name").alias("县（市、区）/开发区"),
        pl.col("chain").alias("产业链"),
        pl.col("signed_date").alias("签约日期"),
        pl.col("stage").replace_strict(STAGES, default=pl.col("stage")).alias("项目状态"),
        pl.col("start_date").alias("开工日期"),
        pl.col("investor").alias("投资方"),
        pl.col("investor_origin").alias("投资方所在地"),
        pl.col("origin_province").alias("来源省份"),
        pl.col("size_band").alias("投资规模"),
        pl.col("project_code").alias("项目代码"),
    )


st.subheader("签约项目清单")
project_list(filters, figures["signed_projects"], f"签约项目清单（{period}，{as_of}）")
