"""县区排名: the counties coloured by a chosen metric, development zones as points, rankings."""

import polars as pl
import streamlit as st

from ui import data, format as fmt, geo
from ui.filters import describe, sidebar_filters
from ui.table import table
from warehouse.metrics import METRICS
from warehouse.queries import Filters

RANKABLE = ("signed_amount_yi", "signed_projects", "start_rate", "funds_in_place_yi", "target_completion")
SHOW = {"个": fmt.count, "亿元": fmt.yi, "%": fmt.pct}
SCOPES = {"county": "县（市、区）", "zone": "开发区"}
TOOLTIP = (
    "<b>{name}</b>　{scope}<br/>"
    "签约项目数：{t_signed_projects}<br/>"
    "签约金额：{t_signed_amount_yi}<br/>"
    "签约项目开工率：{t_start_rate}<br/>"
    "资金到位额：{t_funds_in_place_yi}<br/>"
    "签约金额目标完成率：{t_target_completion}<br/>"
    "{metric_label}排名：{t_rank}"
)


def shown(key: str, value) -> str:
    unit = METRICS[key].unit
    return SHOW[unit](value) + ("" if unit == "%" or value is None else f" {unit}")


def figures(scope: Filters) -> pl.DataFrame:
    """Per-territory figures of the period; target completion counts from January (see its definition)."""
    frame = data.query("map_units", scope)
    year_to_date = data.query("map_units", Filters(scope.year, 1, scope.month_to, scope.units))
    frame = frame.drop("target_wan", "targeted_amount_wan").join(
        year_to_date.select("unit_id", "target_wan", "targeted_amount_wan"), on="unit_id"
    )
    return geo.territory_figures(frame)


def with_ranks(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Rank counties among counties and zones among zones; units left out by the filter have none."""
    value = pl.when(pl.col("selected")).then(pl.col(key))
    return pl.concat(
        geo.ranked(part.with_columns(value.alias("value")), "value")
        for part in frame.partition_by("kind", maintain_order=True)
    )


st.title("县区排名")
if not data.available():
    st.info("数据仓库尚未建立。请运行 `make run`（自动导入样例数据）或 `python -m etl load 台账.xlsx`。")
    st.stop()

filters = sidebar_filters()
if filters is None:
    st.info("数据仓库中还没有签约项目，请先导入签约项目台账。")
    st.stop()

period = describe(filters)
as_of = fmt.as_of(data.query("as_of").item())
# 同比 and rank changes only when the warehouse holds the previous year: a missing year is not a zero year
has_previous = filters.year - 1 in data.query("years").get_column("year").to_list()
st.caption(f"{period} · {as_of}" + ("" if has_previous else f" · 仓库中没有{filters.year - 1}年数据，不显示同比和排名变化"))

key = st.selectbox(
    "指标",
    RANKABLE,
    format_func=lambda k: METRICS[k].label,
    key="metric",
    bind="query-params",
    help="地图着色和排名所用的指标。各指标的口径见图例旁和表头的说明。",
)
metric = METRICS[key]
current = with_ranks(figures(filters), key)

if key == "target_completion" and current.get_column("target_wan").is_null().all():
    st.info(
        f"{filters.year}年没有为所选县（市、区）或开发区设定签约金额目标，无法计算{metric.label}。"
        "目标在参考数据 targets.csv 中按单位名称设定（目前可能只有全市目标，见“总览”）。"
    )
    st.stop()

scope_label = pl.col("kind").replace_strict({"county": "县（市、区）（含所辖开发区）", "zone": "开发区"})
tips = current.with_columns(
    scope_label.alias("scope"),
    pl.lit(metric.label).alias("metric_label"),
    *[
        pl.when(pl.col("selected"))
        .then(pl.col(k).map_elements(lambda v, k=k: shown(k, v), return_dtype=pl.String))
        .otherwise(pl.lit("未选"))
        .alias(f"t_{k}")
        for k in RANKABLE
    ],
    pl.col("rank").map_elements(lambda r: f"第 {r} 名", return_dtype=pl.String).fill_null("—").alias("t_rank"),
)
shown_on_map = tips.select("kind", "host_adcode", "name", "lon", "lat", "value", "scope", "metric_label", "rank", "t_rank", *[f"t_{k}" for k in RANKABLE])
st.pydeck_chart(geo.county_map(shown_on_map, "value", tooltip=TOOLTIP), height=520)

span = geo.value_range(shown_on_map, "value")
if span:
    geo.legend(shown(key, span[0]), shown(key, span[1]), title=f"{metric.label}（{period}）")
st.caption(
    "县（市、区）按属地着色：开发区的项目计入所在县（市、区）；圆点为开发区，画在所在县内。"
    "悬停（手机上点按）查看各项数字。",
    help=metric.definition,
)

st.subheader(f"{metric.label}排名")
scope = st.segmented_control(
    "排名范围",
    list(SCOPES),
    format_func=SCOPES.get,
    default="county",
    required=True,
    key="scope",
    bind="query-params",
)
st.caption(
    "县（市、区）排名按属地统计，开发区的项目计入所在县（市、区），与地图着色一致；"
    "开发区另行单独排名，避免同一项目在一张表里计两次。"
)

rows = current.filter(pl.col("kind") == scope, pl.col("selected"))
previous = {}
if has_previous:
    last_year = with_ranks(figures(filters.previous_year()), key).filter(pl.col("kind") == scope)
    previous = {r["unit_id"]: r for r in last_year.iter_rows(named=True)}
county_names = dict(current.filter(pl.col("kind") == "county").select("host_adcode", "name").iter_rows())

percent = metric.unit == "%"
value_header = f"{metric.label}（{metric.unit}）"
change_header = "同比（百分点）" if percent else "同比增长（%）"
records = []
for r in rows.sort("rank", nulls_last=True, maintain_order=True).iter_rows(named=True):
    before = previous.get(r["unit_id"], {})
    records.append({
        "排名": r["rank"],
        SCOPES[scope]: r["name"],
        **({"所在县（市、区）": county_names.get(r["host_adcode"])} if scope == "zone" else {}),
        value_header: geo.in_percent(r["value"]) if percent else r["value"],
        "上年同期": (geo.in_percent(before.get("value")) if percent else before.get("value")) if has_previous else None,
        change_header: geo.year_on_year(r["value"], before.get("value"), percent) if has_previous else None,
        "排名变化": geo.rank_change(r["rank"], before.get("rank")) if has_previous else "—",
    })
number = "%d" if metric.unit == "个" else "%,.2f"
table(
    pl.DataFrame(records, infer_schema_length=None),
    f"{SCOPES[scope]}{metric.label}排名_{period}",
    title=f"{SCOPES[scope]}{metric.label}排名（{period}，{as_of}）",
    column_config={
        value_header: st.column_config.NumberColumn(format=number, help=metric.definition),
        "上年同期": st.column_config.NumberColumn(format=number, help=f"{filters.year - 1}年相同月份、县区与产业链的{metric.label}。"),
        change_header: st.column_config.NumberColumn(
            format="%+.2f",
            help="与上年同期相比的百分点差。" if percent else "（本期 − 上年同期）÷ 上年同期；上年同期为零时不计算。",
        ),
        "排名变化": st.column_config.TextColumn(help="与上年同期排名相比：↑ 上升、↓ 下降、— 不变。"),
    },
)
