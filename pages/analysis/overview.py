"""总览: where the year stands — headline figures, annual targets, the signing curve, the largest projects."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import charts, data, format as fmt, links, viewport
from ui.filters import describe, page_filters
from ui.table import table
from warehouse.metrics import HEADLINE, METRICS, ratio, yi
from warehouse.queries import Filters

SHOW = {"个": fmt.count, "亿元": fmt.yi, "%": fmt.pct}
PLOTLY_CONFIG = charts.CONFIG


def shown(key: str, value) -> str:
    """A headline value with its unit, as on the cards."""
    unit = METRICS[key].unit
    return SHOW[unit](value) + ("" if unit == "%" else f" {unit}")



st.title("招商引资总览")
filters = page_filters()

figures = data.headline(filters)
# 同比 only when the warehouse holds the previous year at all: a missing year is not a zero year
has_previous = filters.year - 1 in data.query("years").get_column("year").to_list()
previous = data.headline(filters.previous_year()) if has_previous else None
period = describe(filters)
st.caption(
    f"{period} · {fmt.as_of(figures['as_of'])} · {fmt.reporting(data.period_state(), filters.include_open)}"
    + ("" if has_previous else f" · 仓库中没有{filters.year - 1}年数据，不显示同比")
)

size = viewport.per_row(3)
for row in (HEADLINE[i:i + size] for i in range(0, len(HEADLINE), size)):
    for column, key in zip(st.columns(len(row)), row):
        metric = METRICS[key]
        column.metric(
            metric.label,
            shown(key, figures[key]),
            delta=fmt.change(figures[key], previous[key], metric.unit) if previous else None,
            delta_color=fmt.delta_colour(),
            help=metric.definition,
            border=True,
        )

st.subheader("年度目标进度")
targets = data.query("overview_targets", filters)
unknown = sorted(set(targets.get_column("metric")) - set(METRICS))
if unknown:
    st.warning("目标文件 targets.csv 中有无法识别的指标，已忽略：" + fmt.md_text("、".join(unknown)))
targets = targets.filter(pl.col("metric").is_in(list(METRICS)))
if targets.is_empty():
    st.caption(f"{filters.year}年所选范围未设定年度目标。")
else:
    st.caption(
        f"完成值为{filters.year}年1-{filters.month_to}月累计，进度 = 累计完成 ÷ 年度目标。"
        "年度目标按全市或县（市、区）设定，不分产业链，因此不受产业链筛选影响。"
    )
    columns = st.columns(2)
    order = list(METRICS)
    rows = sorted(targets.iter_rows(named=True), key=lambda t: (t["unit_order"], order.index(t["metric"])))
    for i, target in enumerate(rows):
        metric = METRICS[target["metric"]]
        scope = Filters(filters.year, 1, filters.month_to, units=(target["unit_id"],) if target["unit_id"] else ())
        achieved = data.headline(scope)[metric.key]
        # rate targets are written in percent (85 = 85%), like the figures on the cards
        achieved_in_target_unit = None if achieved is None else achieved * (100 if metric.unit == "%" else 1)
        progress = ratio(achieved_in_target_unit or 0, target["target"])
        target_text = f"{target['target']:.2f}%" if metric.unit == "%" else shown(metric.key, target["target"])
        with columns[i % 2]:
            st.metric(
                f"{target['unit']} · {metric.label}",
                fmt.pct(progress),
                help=f"{metric.definition}\n\n{filters.year}年目标：{target_text}。",
            )
            st.progress(
                float(min(progress or 0, 1)),
                text=f"已完成 {shown(metric.key, achieved)} / 目标 {target_text}",
            )

st.subheader("累计签约金额")
monthly = data.query("overview_monthly_cumulative", filters)
fig = go.Figure()
lines = [(filters.year, {"color": "#c0392b"})]
if has_previous:
    lines.insert(0, (filters.year - 1, {"dash": "dot", "color": "#9aa0a6"}))
for year, style in lines:
    line = monthly.filter(pl.col("year") == year)
    fig.add_scatter(
        x=line.get_column("month").to_list(),
        y=[float(yi(v)) for v in line.get_column("cumulative_wan")],
        name=f"{year}年",
        mode="lines+markers",
        line=style,
        hovertemplate="%{x}月累计：%{y:,.2f} 亿元<extra>%{fullData.name}</extra>",
    )
months = list(range(filters.month_from, filters.month_to + 1))
fig.update_layout(
    xaxis={"tickmode": "array", "tickvals": months, "ticktext": [f"{m}月" for m in months]},
    yaxis={"title": {"text": "亿元"}, "rangemode": "tozero", "tickformat": ",.0f"},
    legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    height=340,
    hovermode="x unified",
)
st.plotly_chart(fig, config=PLOTLY_CONFIG)
st.caption(f"{filters.year}年与{filters.year - 1}年同期（相同月份、县区与产业链）逐月累计的签约金额；当年数据截至日期之后的月份不画。")

st.subheader("签约金额前十的项目")
top = data.query("overview_top_projects", filters)
ranked = top.with_row_index("rank", offset=1).select(
    links.dossier_column(include_open=filters.include_open),
    pl.col("rank").alias("排名"),
    pl.col("project_name").alias("项目名称"),
    fmt.yi_column("signed_amount_wan").alias("签约金额（亿元）"),
    pl.col("unit_name").alias("县（市、区）/开发区"),
    pl.col("chain").alias("产业链"),
    pl.col("signed_date").alias("签约日期"),
    pl.when(pl.col("is_started")).then(pl.lit("已开工")).otherwise(pl.lit("未开工")).alias("开工情况"),
    pl.col("investor").alias("投资方"),
)
table(
    ranked,
    f"签约金额前十项目_{period}",
    title=f"签约金额前十的项目（{period}，{fmt.as_of(figures['as_of'])}）",
    column_config={
        **links.DOSSIER_CONFIG,
        "签约日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "签约金额（亿元）": st.column_config.NumberColumn(format="%,.2f"),
    },
)
