"""县区排名: the counties coloured by a chosen metric, development zones as points, rankings."""

import polars as pl
import streamlit as st

from ui import data, format as fmt, geo, links, viewport
from ui.filters import describe, page_filters
from ui.table import table
from warehouse.metrics import METRICS
from warehouse.queries import Filters

MAP_HEIGHT = 520
PHONE_MAP_HEIGHT = 380  # the whole city at a phone's width is wider than tall
RANKABLE = ("signed_amount_yi", "signed_projects", "start_rate", "funds_in_place_yi", "target_completion")
SHOW = {"个": fmt.count, "亿元": fmt.yi, "%": fmt.pct}
SCOPES = {"county": "县（市、区）", "zone": "开发区"}


def label(key: str) -> str:
    """The metric's name here: target completion on this page is that of the signed-amount target."""
    if key == "target_completion":
        return METRICS["signed_amount_yi"].label + METRICS[key].label
    return METRICS[key].label


def shown(key: str, value) -> str:
    unit = METRICS[key].unit
    return SHOW[unit](value) + ("" if unit == "%" or value is None else f" {unit}")


def as_shown(column: str, rate: bool) -> pl.Expr:
    """Table cells: rates as percentage numbers (82.19), amounts and counts as they are."""
    return fmt.percent_column(column) if rate else pl.col(column)


def figures(scope: Filters, key: str) -> pl.DataFrame:
    """Per-territory figures, `value` = the chosen metric, ranked within counties and within zones.

    Target completion counts from January and ignores chains (see its definition), like
    the target progress on 总览.
    """
    frame = data.query("map_units", scope)
    year_to_date = data.query("map_units", Filters(scope.year, 1, scope.month_to, scope.units))
    frame = geo.territory_figures(
        frame.drop("target_wan", "targeted_amount_wan").join(
            year_to_date.select("unit_id", "target_wan", "targeted_amount_wan"), on="unit_id"
        )
    )
    # No value, hence no colour and no rank, for units the unit filter leaves out and for
    # units that signed nothing (ties of zeros would make rank changes noise); a unit with
    # a target but nothing signed has 0 % completion.
    rankable = pl.col("selected") & ((pl.col("signed_projects") > 0) | pl.lit(key == "target_completion"))
    frame = frame.with_columns(pl.when(rankable).then(pl.col(key)).alias("value"))
    return pl.concat(geo.ranked(part, "value") for part in frame.partition_by("kind", maintain_order=True))


def from_url(name: str, options: tuple[str, ...]) -> None:
    """Seed the widget keyed map_<name> from ?<name>= once; afterwards the widget owns the value."""
    if f"map_{name}" not in st.session_state:
        wanted = st.query_params.get(name)
        st.session_state[f"map_{name}"] = wanted if wanted in options else options[0]


def to_url(name: str, value: str) -> None:
    """Keep the choice in the URL beside the sidebar filters, so a copied link shows this view."""
    if st.query_params.get(name) != value:
        st.query_params[name] = value


def tooltip(with_targets: bool, with_previous: bool) -> str:
    """Tooltip template: names and figures are properties of each territory (see geo.county_map)."""
    lines = [
        "<b>{name}</b>　{scope}",
        "签约项目数：{t_signed_projects}",
        "签约金额：{t_signed_amount_yi}",
        "签约项目开工率：{t_start_rate}",
        "资金到位额：{t_funds_in_place_yi}",
    ]
    if with_targets:
        lines.append("签约金额目标完成率：{t_target_completion}")
    lines.append("{metric_label}：{t_rank}" + ("（上年同期{t_previous_rank}）" if with_previous else ""))
    return "<br/>".join(lines)


st.title("县区排名")
filters = page_filters()

period = describe(filters)
as_of = fmt.as_of(data.query("as_of").item())
# 同比 and rank changes only when the warehouse holds the previous year: a missing year is not a zero year
has_previous = filters.year - 1 in data.query("years").get_column("year").to_list()
st.caption(f"{period} · {as_of}" + ("" if has_previous else f" · 仓库中没有{filters.year - 1}年数据，不显示同比和排名变化"))

from_url("metric", RANKABLE)
key = st.selectbox(
    "指标",
    RANKABLE,
    format_func=label,
    key="map_metric",
    help="地图着色和排名所用的指标；口径见图例下方和表头的说明。",
)
to_url("metric", key)
metric = METRICS[key]
metric_name = label(key)
current = figures(filters, key)
with_targets = current.get_column("target_wan").is_not_null().any()
if key == "target_completion" and not with_targets:
    st.info(
        f"{filters.year}年没有为所选县（市、区）或开发区设定签约金额目标，无法计算{metric_name}。"
        "目标在参考数据 targets.csv 中按单位名称设定；全市目标的完成情况见“总览”。"
    )
    st.stop()

rate = metric.unit == "%"
previous = figures(filters.previous_year(), key) if has_previous else None
current = geo.compared(current, previous, "value", rate)

on_map = current.with_columns(
    pl.col("kind").replace_strict({"county": "县（市、区）（含所辖开发区）", "zone": "开发区"}).alias("scope"),
    pl.lit(f"{metric_name}排名").alias("metric_label"),
    *[
        pl.when(pl.col("selected"))
        .then(fmt.per_row(current, lambda row, k=k: shown(k, row[k])))
        .otherwise(pl.lit("未选"))
        .alias(f"t_{k}")
        for k in RANKABLE
    ],
    pl.format("第 {} 名", "rank").fill_null("—").alias("t_rank"),
    pl.format("第 {} 名", "previous_rank").fill_null("无").alias("t_previous_rank"),
).select("unit_id", "kind", "host_adcode", "name", "lon", "lat", "value", "scope", "metric_label", "^t_.*$")
if geo.has_boundaries():
    height = PHONE_MAP_HEIGHT if viewport.is_narrow() else MAP_HEIGHT
    zoom = geo.fit_zoom(viewport.width(), height)
    clicked = st.pydeck_chart(
        geo.county_map(on_map, "value", tooltip=tooltip(with_targets, has_previous), zoom=zoom), height=height,
        on_select="rerun", selection_mode="single-object", key="map_click",
    )
    picked = geo.units_behind(clicked, current)
    if picked and (behind := links.narrowed(filters, units=picked)):
        links.open_list(behind)
else:
    st.info("未找到县区边界文件（data/reference/city.toml 的 geo_file），地图暂不显示；排名表不受影响。生成方法见 data/geo/README.md。")

span = geo.value_range(on_map, "value")
if span:
    geo.legend(
        shown(key, span[0]),
        shown(key, span[1]),
        title=f"{metric_name}（{period}）",
        no_value="未设目标或未选" if key == "target_completion" else "无签约项目或未选",
    )
st.caption(
    "县（市、区）按属地着色：开发区的项目计入所在县（市、区）；圆点为开发区，画在所在县内。"
    "鼠标悬停（手机上点按）查看各项数字；点击县区或开发区打开其签约项目清单。",
    help=metric.definition,
)

st.subheader(f"{metric_name}排名")
from_url("scope", tuple(SCOPES))
scope = st.segmented_control("排名范围", list(SCOPES), format_func=SCOPES.get, required=True, key="map_scope")
to_url("scope", scope)
st.caption(
    "县（市、区）排名按属地统计：开发区的项目计入所在县（市、区），与地图着色一致；"
    "开发区另行单独排名，同一项目不在一张表里计两次。未选的单位和没有签约项目的单位不参加排名。"
)

def projects_url(row: dict) -> str | None:
    """The list of a ranked territory's signed projects (a county with its zones, as ranked)."""
    units = (row["unit_id"],) if row["kind"] == "zone" else tuple(
        current.filter(pl.col("host_adcode") == row["host_adcode"]).get_column("unit_id").to_list()
    )
    behind = links.narrowed(filters, units=units)
    return links.list_url(behind) if behind is not None else None


county_names = dict(current.filter(pl.col("kind") == "county").select("host_adcode", "name").iter_rows())
value_header = f"{metric_name}（{metric.unit}）"
last_year_header = f"{filters.year - 1}年同期（{metric.unit}）"
change_header = "同比（百分点）" if rate else "同比增长（%）"

ranked = current.filter(pl.col("kind") == scope, pl.col("selected")).sort("rank", nulls_last=True, maintain_order=True)
rows = (
    ranked.select(
        pl.col("rank").alias("排名"),
        pl.col("name").alias(SCOPES[scope]),
        fmt.per_row(ranked, projects_url).alias("签约项目"),
        *([pl.col("host_adcode").replace_strict(county_names).alias("所在县（市、区）")] if scope == "zone" else []),
        as_shown("value", rate).alias(value_header),
        *(
            [
                as_shown("previous_value", rate).alias(last_year_header),
                pl.col("year_on_year").alias(change_header),
                pl.col("rank_change").alias("排名变化"),
            ]
            if has_previous
            else []
        ),
    )
)
number = "%d" if metric.unit == "个" else "%,.2f"
table(
    rows,
    f"{SCOPES[scope]}{metric_name}排名_{period}",
    title=f"{SCOPES[scope]}{metric_name}排名（{period}，{as_of}）",
    height="content",
    placeholder="—",
    column_config={
        value_header: st.column_config.NumberColumn(format=number, help=metric.definition),
        last_year_header: st.column_config.NumberColumn(format=number, help="上年相同月份、县区与产业链筛选下的数值。"),
        change_header: st.column_config.NumberColumn(
            format="%+.2f",
            help="本期与上年同期之差（百分点）。" if rate else "（本期 − 上年同期）÷ 上年同期；上年同期为零时不计算。",
        ),
        "排名变化": st.column_config.TextColumn(help="与上年同期排名相比：↑ 上升、↓ 下降、— 不变。"),
        "签约项目": st.column_config.LinkColumn(display_text="清单", width="small", help="打开该县区（含所辖开发区）或开发区的签约项目清单"),
    },
)
