"""开工分析: how fast signed projects start, and the list of those staff must chase."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from base.reference import load_reference
from ui import charts, data, format as fmt, links, warnings as warning_list
from ui.filters import describe, page_filters
from ui.table import table
from warehouse.metrics import METRICS

CHART = charts.CONFIG
BIN_DAYS = 30
# a province's 120 bars made a chart 3,400 px tall; past this many units it shows the
# lowest (the ones to chase) and the table below has them all
CHARTED_UNITS = 30
RATE = "签约项目开工率（%）"
TWO_DECIMALS = st.column_config.NumberColumn(format="%.2f")
AMOUNT = st.column_config.NumberColumn(format="%,.2f")


def card(column, key: str, value, previous, show, label: str | None = None, **metric_args) -> None:
    """One KPI with its 同比 and its definition as tooltip."""
    metric = METRICS[key]
    unit = "" if metric.unit == "%" else metric.unit
    column.metric(
        label or metric.label,
        f"{show(value)} {unit}".strip(),
        fmt.change(value, previous, metric.unit),
        delta_color=fmt.delta_colour(),
        help=metric.definition,
        **metric_args,
    )


def rate_bars(frame: pl.DataFrame, label: str, overall) -> go.Figure:
    """Horizontal bars of the start rate, highest first, counts in the hover."""
    rates = [round(r * 100, 2) for r in frame.get_column("start_rate")]
    fig = go.Figure(
        go.Bar(
            x=rates,
            y=[fmt.plain(x) for x in frame.get_column(label)],
            orientation="h",
            text=[f"{r:.2f}%" for r in rates],
            textposition="outside",
            cliponaxis=False,
            customdata=frame.select("started_projects", "signed_projects").rows(),
            hovertemplate="%{y}<br>开工率 %{x:.2f}%<br>已开工 %{customdata[0]} 个 / 签约 %{customdata[1]} 个<extra></extra>",
        )
    )
    if overall is not None:
        fig.add_vline(
            x=float(overall) * 100,
            line_dash="dash",
            line_color="#888",
            annotation_text=f"总体 {fmt.pct(overall)}",
            annotation_position="top",
        )
    fig.update_layout(
        height=90 + 28 * frame.height,
        margin=dict(l=0, r=40, t=30, b=0),
        xaxis=dict(title=RATE, range=[0, 118]),
        yaxis=dict(autorange="reversed", automargin=True),
    )
    return fig


def warning_columns(warnings: pl.DataFrame) -> pl.DataFrame:
    """The warning list as shown and downloaded: level, project, days and amount first;
    red and longest first."""
    return warning_list.by_priority(
        warnings.select(
            links.dossier_column(),
            warning_list.level_badge().alias(warning_list.LEVEL),
            pl.col("project_name").alias("项目名称"),
            pl.col("days_waiting").alias("已签约天数"),
            fmt.yi_column("signed_amount_wan").alias("签约金额（亿元）"),
            pl.col("unit_name").alias("县（市、区）"),
            pl.col("chain").alias("产业链"),
            pl.col("responsible_unit").alias("责任单位"),
            pl.col("liaison_leader").alias("包联领导"),
            pl.col("signed_date").alias("签约时间"),
        ),
        warning_list.LEVEL, "已签约天数",
    )


def rate_table(frame: pl.DataFrame, label: str, header: str) -> pl.DataFrame:
    return frame.select(
        pl.col(label).alias(header),
        pl.col("signed_projects").alias("签约项目数"),
        pl.col("started_projects").alias("已开工项目数"),
        (pl.col("start_rate") * 100).round(2).alias(RATE),
    )


def cohort_sections(filters, figures: dict, summary: dict, period: str, as_of: str) -> None:
    """Start rates, days to start and the funnel of the selected signed cohort."""
    by_unit = data.query("starts_by_unit", filters)
    by_chain = data.query("starts_by_chain", filters)
    left, right = st.columns(2)
    with left:
        if by_unit.height > CHARTED_UNITS:
            st.subheader(f"开工率最低的 {CHARTED_UNITS} 个县区", help=METRICS["start_rate"].definition)
            st.caption(f"共 {by_unit.height} 个县区，全部县区的开工率见下方数据表。")
        else:
            st.subheader("分县区开工率", help=METRICS["start_rate"].definition)
        charted = by_unit.tail(CHARTED_UNITS)
        bar = links.clicked(st.plotly_chart(
            rate_bars(charted, "unit_name", figures["start_rate"]), config=CHART,
            on_select="rerun", selection_mode="points", key="start_rate_units",
        ))
        if bar and (behind := links.narrowed(filters, units=(charted.get_column("unit_id")[bar[1]],))):
            links.open_list(behind)
    with right:
        st.subheader("分产业链开工率", help=METRICS["start_rate"].definition)
        bar = links.clicked(st.plotly_chart(
            rate_bars(by_chain, "chain", figures["start_rate"]), config=CHART,
            on_select="rerun", selection_mode="points", key="start_rate_chains",
        ))
        if bar and (behind := links.narrowed(filters, chains=(by_chain.get_column("chain")[bar[1]],))):
            links.open_list(behind)
    st.caption("点击柱子查看该县区或产业链的签约项目，其中已开工、未开工的一目了然。")
    with st.expander("分县区、分产业链开工率数据"):
        table(
            rate_table(by_unit, "unit_name", "县（市、区）"),
            f"分县区开工率_{period}",
            title=f"{period}签约项目 分县区开工率（{as_of}）",
            column_config={RATE: TWO_DECIMALS},
        )
        table(
            rate_table(by_chain, "chain", "产业链"),
            f"分产业链开工率_{period}",
            title=f"{period}签约项目 分产业链开工率（{as_of}）",
            column_config={RATE: TWO_DECIMALS},
        )

    left, right = st.columns(2)
    with left:
        st.subheader("签约至开工天数分布", help=METRICS["days_to_start"].definition)
        days = data.query("starts_days", filters, bin_days=BIN_DAYS)
        if days.height == 0:
            st.info("所选范围内没有填报了开工日期的已开工项目。")
        else:
            fig = go.Figure(
                go.Bar(
                    x=[f"{a}–{b}" for a, b in days.select("days_from", "days_to").rows()],
                    y=days.get_column("projects").to_list(),
                    hovertemplate="签约后 %{x} 天开工：%{y} 个<extra></extra>",
                )
            )
            fig.update_layout(
                height=360,
                margin=dict(l=0, r=10, t=10, b=0),
                xaxis=dict(title=f"签约至开工天数（每 {BIN_DAYS} 天一组）"),
                yaxis=dict(title="项目数（个）"),
                bargap=0.05,
            )
            st.plotly_chart(fig, config=CHART)
            if days.get_column("days_from").min() < 0:
                st.caption("负数天数：台账中开工日期早于签约日期（先开工后签约，或填报有误）。")
        undated = summary["started_projects"] - summary["started_with_date"]
        if undated:
            st.caption(f"另有 {undated} 个已开工项目未填报开工日期，未计入分布。")

    with right:
        st.subheader("签约 → 开工 → 投产", help=METRICS["produced_projects"].definition)
        stages = [("签约", summary["signed_projects"]), ("开工", summary["started_projects"])]
        if summary["production_reported"]:
            stages.append(("投产", summary["produced_projects"]))
        fig = go.Figure(
            go.Funnel(
                y=[s for s, _ in stages],
                x=[n for _, n in stages],
                textinfo="value+percent initial",
                hovertemplate="%{y}：%{x} 个（占签约 %{percentInitial:.2%}）<extra></extra>",
            )
        )
        fig.update_layout(height=360, margin=dict(l=0, r=10, t=10, b=0))
        st.plotly_chart(fig, config=CHART)
        if summary["production_reported"]:
            st.caption(f"投产：{summary['production_reported']} 个项目的台账填报了投产情况，其余项目按未投产计。")
        else:
            st.caption("台账未填报投产情况，漏斗只到开工环节。")


st.title("开工分析")
filters = page_filters()

period = describe(filters)
figures = data.headline(filters)
previous = data.headline(filters.previous_year())
summary = data.query("starts_summary", filters).row(0, named=True)
previous_summary = data.query("starts_summary", filters.previous_year()).row(0, named=True)
as_of = fmt.as_of(figures["as_of"])
st.caption(f"{as_of} · {period}签约项目 · 同比：去年同期签约的项目，同样统计到上述数据日期")

cards = st.columns(4)
card(cards[0], "signed_projects", figures["signed_projects"], previous["signed_projects"], fmt.count)
card(cards[1], "started_projects", figures["started_projects"], previous["started_projects"], fmt.count)
card(cards[2], "start_rate", figures["start_rate"], previous["start_rate"], fmt.pct)
card(
    cards[3], "days_to_start", summary["median_days_to_start"], previous_summary["median_days_to_start"], fmt.count,
    label="签约至开工天数（中位数）",
)

if figures["signed_projects"]:
    cohort_sections(filters, figures, summary, period, as_of)
else:
    st.info("所选范围内没有签约项目。")

st.subheader("未开工预警")
reference = load_reference()
with st.expander("预警阈值（签约后未开工天数）"):
    yellow_days = st.number_input(
        "黄色预警天数", min_value=1, max_value=3650, step=1, key="yellow_days",
        value=reference.signed_yellow_days,
    )
    red_days = st.number_input(
        "红色预警天数", min_value=1, max_value=3650, step=1, key="red_days",
        value=reference.signed_red_days,
    )
    st.caption("默认值来自 data/reference/city.toml 的 [warnings]；此处调整只影响本次查看。")
if red_days <= yellow_days:
    st.warning("红色预警天数不大于黄色预警天数，名单中不会出现黄色预警。")
include_earlier = st.checkbox("包含往年签约未开工项目", key="include_earlier")
st.caption(
    f"天数 = 数据截至日期 − 签约日期。名单默认只含{period}签约的项目，与上方开工率的统计范围一致；"
    "往年签约、至今仍未开工的项目同样需要跟踪，勾选上面的选项即一并列出（县区、产业链筛选仍然适用）。"
)

warning_params = {"yellow_days": yellow_days, "red_days": red_days, "include_earlier": include_earlier}
warnings = data.listing("starts_warnings", filters, count_by=("level",), **warning_params)
cards = st.columns(2)
cards[0].metric(METRICS["warning_red"].label, f"{warnings.count(level='红')} 个", help=METRICS["warning_red"].definition)
cards[1].metric(METRICS["warning_yellow"].label, f"{warnings.count(level='黄')} 个", help=METRICS["warning_yellow"].definition)

scope = f"{period}{'及往年' if include_earlier else ''}签约"
table(
    warning_list.paged(warning_columns(warnings.rows), "starts_warning_page"),
    f"开工预警_{scope}",
    title=f"{scope}未开工项目预警（黄 ≥ {yellow_days} 天，红 ≥ {red_days} 天；{as_of}）",
    key="download-warnings",
    total=warnings.total,
    fetch_all=lambda: warning_columns(data.everything("starts_warnings", filters, **warning_params)),
    column_config={
        **links.DOSSIER_CONFIG,
        "签约时间": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "签约金额（亿元）": AMOUNT,
        warning_list.LEVEL: warning_list.level_column(),
    },
)
