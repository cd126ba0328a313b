"""项目清单: the projects behind a clicked figure (the filters and the figure's conditions in
the URL, ui.links), each row linking to its dossier; their total is the figure."""

import polars as pl
import streamlit as st

from ui import data, format as fmt, links
from ui.filters import describe
from ui.table import table
from warehouse.metrics import yi

AMOUNT = st.column_config.NumberColumn(format="%,.2f")
STAGES = {"signed": "未开工", "started": "已开工", "producing": "已投产"}
SEARCHED = ("project_name", "investor", "unit_name", "responsible_unit", "liaison_leader")



def signed_columns(frame: pl.DataFrame, include_open: bool) -> pl.DataFrame:
    return frame.select(
        links.dossier_column(include_open=include_open),
        pl.col("project_name").alias("项目名称"),
        pl.col("unit_name").alias("县（市、区）/开发区"),
        fmt.yi_column("signed_amount_wan").alias("签约金额（亿元）"),
        pl.col("chain").alias("产业链"),
        pl.col("signed_date").alias("签约日期"),
        pl.col("stage").replace_strict(STAGES, default=pl.col("stage")).alias("项目状态"),
        pl.col("start_date").alias("开工日期"),
        fmt.yi_column("funds_wan").alias("资金到位额（亿元）"),
        pl.col("investor").alias("投资方"),
        pl.col("origin_province").alias("来源省份"),
        pl.col("responsible_unit").alias("责任单位"),
        pl.col("liaison_leader").alias("包联领导"),
    )


def library_columns(frame: pl.DataFrame, include_open: bool) -> pl.DataFrame:
    return frame.select(
        links.dossier_column(include_open=include_open),
        pl.col("project_name").alias("项目名称"),
        pl.col("unit_name").alias("县（市、区）/开发区"),
        fmt.yi_column("library_amount_wan").alias("金额（亿元）"),
        pl.col("chain").alias("产业链"),
        pl.col("library_label").alias("所处阶段"),
        pl.col("stage_since").alias("进入阶段日期"),
        pl.col("days").alias("停留天数"),
        pl.col("responsible_unit").alias("责任单位"),
        pl.col("liaison_leader").alias("包联领导"),
    )


def searched(frame: pl.DataFrame, columns: tuple[str, ...], text: str) -> pl.DataFrame:
    """The rows the on-screen search keeps (data.listing's condition), for the download."""
    if not text:
        return frame
    return frame.filter(pl.any_horizontal(pl.col(c).cast(pl.String).fill_null("").str.contains(text, literal=True) for c in columns))


def scope_words(scope: links.Scope, unit_names: dict, as_of_text: str) -> str:
    """What the list holds, in words: the period (not for a library), units, chains, conditions."""
    f = scope.filters
    parts = [as_of_text if scope.library else describe(f)]
    parts.append("县（市、区）：" + ("、".join(unit_names.get(u, u) for u in f.units) if f.units else "全部"))
    parts.append("产业链：" + ("、".join(f.chains) if f.chains else "全部"))
    if scope.origin:
        parts.append(f"投资方来源：{scope.origin}")
    if scope.size:
        parts.append(f"投资规模：{scope.size}")
    if scope.undated:
        parts.append("签约月份不详")
    return " · ".join(parts)


st.title("项目清单")
if not data.available():
    st.info("数据仓库尚未建立，还没有项目。")
    st.stop()
scope = links.scope_from_url()
if scope is None:
    st.info("数据仓库中还没有签约项目，请先导入签约项目台账。")
    st.stop()
if scope.ignored:
    st.warning("链接中有无法识别的条件，已忽略：" + fmt.md_text("、".join(scope.ignored)))

as_of = data.query("as_of").item()
as_of_text = fmt.as_of(as_of)
unit_names = dict(data.query("units").select("unit_id", "name").iter_rows())
heading = links.LIBRARIES[scope.library] if scope.library else links.KINDS[scope.kind]
st.subheader(heading)
words = scope_words(scope, unit_names, as_of_text)
st.caption(fmt.md_text(words) + ("" if scope.library else f" · {as_of_text}"))

if scope.library:
    name, shape, extra = "drill_library", library_columns, {"as_of": as_of}
    totals = data.query("pipeline_libraries", scope.filters).filter(pl.col("library") == scope.library).row(0, named=True)
    cards = st.columns(2)
    cards[0].metric("项目数", f"{fmt.count(totals['projects'])} 个", border=True)
    cards[1].metric("金额", f"{fmt.yi(yi(totals['amount_wan']))} 亿元", border=True,
                    help="线索、洽谈为意向投资额，签约为签约金额，开工以后为计划总投资。")
else:
    name, shape, extra = "drill_signed", signed_columns, {}
    totals = data.query("drill_signed_total", scope.filters, **scope.params()).row(0, named=True)
    cards = st.columns(4)
    cards[0].metric("项目数", f"{fmt.count(totals['projects'])} 个", border=True)
    cards[1].metric("签约金额", f"{fmt.yi(yi(totals['signed_amount_wan']))} 亿元", border=True)
    cards[2].metric("已开工", f"{fmt.count(totals['started_projects'])} 个", border=True)
    cards[3].metric("资金到位额", f"{fmt.yi(yi(totals['funds_wan']))} 亿元", border=True)

search = st.text_input("在清单中搜索", key="projects_search", placeholder="项目名称、投资方、县区、责任单位或包联领导").strip()
columns = tuple(c for c in SEARCHED if not (scope.library and c == "investor"))
listing = data.listing(name, scope.filters, contains=(columns, search), **scope.params(), **extra)
if search:
    st.caption(f"搜索结果 {listing.total:,} 个（清单共 {fmt.count(totals['projects'])} 个）")
table(
    shape(listing.rows, scope.filters.include_open),
    f"项目清单_{heading}_{describe(scope.filters)}",
    title=f"{heading}（{words}）",
    key="download-projects",
    placeholder="—",
    total=listing.total,
    fetch_all=lambda: shape(
        searched(data.everything(name, scope.filters, **scope.params(), **extra), columns, search), scope.filters.include_open
    ),
    column_config={
        **links.DOSSIER_CONFIG,
        "签约金额（亿元）": AMOUNT, "资金到位额（亿元）": AMOUNT, "金额（亿元）": AMOUNT,
    },
)
st.caption("点击“查看”在新标签页打开项目档案。清单条件保存在网址中，复制链接即可分享。")
