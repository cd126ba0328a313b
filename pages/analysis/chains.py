"""产业链集聚: where the signed money goes by chain, and where each chain clusters."""

import numpy as np
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import charts, data, format as fmt, links
from ui.filters import describe, page_filters
from ui.table import table
from warehouse.metrics import METRICS, yi

CHART = charts.CONFIG
UNIT = "县（市、区）"
TWO_DECIMALS = st.column_config.NumberColumn(format="%.2f")
AMOUNT = st.column_config.NumberColumn(format="%,.2f")


def cluster_order(vectors: list[list[float]]) -> list[int]:
    """Leaf order of an average-linkage agglomerative clustering on cosine distances.

    Repeatedly merges the two clusters with the smallest mean pairwise distance (ties: the
    earliest pair) and joins them end to end, flipping either side so that the closest ends
    meet. Similar vectors end up next to each other; all-zero vectors go last, in input order.
    """
    live = [i for i, v in enumerate(vectors) if any(v)]
    empty = [i for i, v in enumerate(vectors) if not any(v)]
    if not live:
        return empty
    points = np.array([vectors[i] for i in live], dtype=float)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    # rounding can push identical profiles a hair below zero
    point = np.clip(1.0 - points @ points.T, 0.0, None)
    # mean distance between clusters, kept by the Lance-Williams update: a province has 120
    # units, and recomputing every pairwise mean per merge took 0.4 s in Python
    between = point.copy()
    clusters = [[i] for i in range(len(live))]
    while len(clusters) > 1:
        masked = np.where(np.triu(np.ones(between.shape, dtype=bool), 1), between, np.inf)
        # rounded so that equal means compare equal whatever order they were summed in;
        # row-major argmin: the earliest pair wins ties
        a, b = divmod(int(np.argmin(masked.round(12))), len(clusters))
        size_a, size_b = len(clusters[a]), len(clusters[b])
        merged = (size_a * between[a] + size_b * between[b]) / (size_a + size_b)
        between[a], between[:, a] = merged, merged
        between = np.delete(np.delete(between, b, axis=0), b, axis=1)
        ends = [
            (round(float(point[left[-1], right[0]]), 12), left + right)
            for left in (clusters[a], clusters[a][::-1])
            for right in (clusters[b], clusters[b][::-1])
        ]
        clusters[a] = min(ends, key=lambda end: end[0])[1]
        del clusters[b]
    return [live[i] for i in clusters[0]] + empty


def card(column, key: str, value, previous, show) -> None:
    """One KPI with its 同比 and its definition as tooltip."""
    metric = METRICS[key]
    unit = "" if metric.unit == "%" else metric.unit
    column.metric(
        metric.label, f"{show(value)} {unit}".strip(), fmt.change(value, previous, metric.unit),
        delta_color=fmt.delta_colour(), help=metric.definition,
    )


def chain_bars(chains: pl.DataFrame) -> go.Figure:
    amounts = [float(yi(a)) for a in chains.get_column("amount_wan")]
    fig = go.Figure(
        go.Bar(
            x=amounts,
            y=[fmt.plain(c) for c in chains.get_column("chain")],
            orientation="h",
            text=[f"{a:,.2f}" for a in amounts],
            textposition="auto",
            customdata=[(n, fmt.pct(s)) for n, s in chains.select("projects", "share").rows()],
            hovertemplate="%{y}<br>签约金额 %{x:,.2f} 亿元<br>%{customdata[0]} 个项目 · 占比 %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_layout(
        height=90 + 28 * chains.height,
        margin=dict(l=0, r=10, t=10, b=0),
        xaxis=dict(title="签约金额（亿元）"),
        yaxis=dict(autorange="reversed", automargin=True),
    )
    return fig


# past this many cells the numbers in them cost the browser a third of a second to lay out
# and are too small to read; hovering a cell shows its value
LABELLED_CELLS = 600
UNLABELLED = "县区较多，格中不标数值：鼠标悬停查看，或展开下方数据表。"


def labelled(units: list, chains: list) -> bool:
    return len(units) * len(chains) <= LABELLED_CELLS


def heat_map(z, text, units: list[str], chains: list[str], hover: str, **colors) -> go.Figure:
    """Units × chains, with text in the cells while they are few enough to read."""
    x = [fmt.plain(c) for c in chains]
    shown = labelled(units, chains)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=[fmt.plain(u) for u in units],
            text=text if shown else None,
            texttemplate="%{text}" if shown else None,
            textfont=dict(size=10),
            hovertemplate=hover + "<extra></extra>",
            xgap=1,
            ygap=1,
            **colors,
        )
    )
    # a heat map has no selection in plotly: an invisible marker in every filled cell makes
    # a click on the cell select it (on_select), with the cell's unit and chain as its x, y
    filled = [(xi, yi_) for row, yi_ in zip(z, fig.data[0].y) for value, xi in zip(row, x) if value is not None]
    fig.add_scatter(
        x=[c for c, _ in filled], y=[u for _, u in filled], mode="markers", hoverinfo="none", showlegend=False,
        marker=dict(symbol="square", size=18, opacity=0),
    )
    fig.update_layout(
        clickmode="event+select",
        height=150 + 26 * len(units),
        margin=dict(l=0, r=0, t=10, b=0),
        # every chain labelled (plotly thins crowded category ticks); steep enough for a phone
        xaxis=dict(side="top", tickangle=-60, tickmode="array", tickvals=x, automargin=True),
        yaxis=dict(autorange="reversed", automargin=True),
    )
    return fig


def treemap(nodes: pl.DataFrame, root: str) -> go.Figure:
    """Chain → unit → project; only leaves carry a size, so rounding never breaks a branch.

    Past 200 chain × unit cells the query stops at units: they are the leaves, and the
    chart opens at the chains (a click shows a chain's units).
    """
    leaf = "project" if (nodes.get_column("level") == "project").any() else "unit"
    ids, parents, labels, values, hover = [], [], [], [], []
    for n in nodes.iter_rows(named=True):
        chain_id = f"c/{n['chain']}"
        unit_id = f"{chain_id}/u/{n['unit_id']}"
        node_id, parent, label = {
            "all": ("all", "", root),
            "chain": (chain_id, "all", n["chain"]),
            "unit": (unit_id, chain_id, n["unit_name"]),
            "project": (f"p/{n['project_key']}", unit_id, n["project_name"]),
        }[n["level"]]
        ids.append(node_id)
        parents.append(parent)
        labels.append(fmt.plain(label))
        values.append(float(n["amount_wan"]) / 10000 if n["level"] == leaf else 0)
        hover.append((fmt.yi(yi(n["amount_wan"])), n["projects"]))
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            parents=parents,
            labels=labels,
            values=values,
            branchvalues="remainder",
            maxdepth=3 if leaf == "project" else 2,
            customdata=hover,
            hovertemplate="%{label}<br>签约金额 %{customdata[0]} 亿元<br>%{customdata[1]} 个项目<extra></extra>",
            texttemplate="%{label}<br>%{customdata[0]} 亿元",
        )
    )
    fig.update_layout(height=560, margin=dict(l=0, r=0, t=30, b=0))
    return fig


def render() -> None:
    st.title("产业链集聚")
    filters = page_filters()

    period = describe(filters)
    figures = data.headline(filters)
    previous = data.headline(filters.previous_year())
    as_of = fmt.as_of(figures["as_of"])
    st.caption(f"{as_of} · {period}签约项目")
    cards = st.columns(3)
    card(cards[0], "signed_projects", figures["signed_projects"], previous["signed_projects"], fmt.count)
    card(cards[1], "signed_amount_yi", figures["signed_amount_yi"], previous["signed_amount_yi"], fmt.yi)
    card(cards[2], "projects_over_1yi", figures["projects_over_1yi"], previous["projects_over_1yi"], fmt.count)
    if figures["signed_projects"] == 0:
        st.info("所选范围内没有签约项目。")
        st.stop()

    st.subheader("各产业链签约情况", help=METRICS["chain_share"].definition)
    chains = data.query("chains_summary", filters)
    last_year = data.query("chains_summary", filters.previous_year()).select(
        "chain", pl.col("amount_wan").alias("previous_wan")
    )
    bar = links.clicked(st.plotly_chart(chain_bars(chains), config=CHART, on_select="rerun", selection_mode="points", key="chain_bars"))
    if bar and (behind := links.narrowed(filters, chains=(chains.get_column("chain")[bar[1]],))):
        links.open_list(behind)
    st.caption("点击产业链的柱子查看其签约项目。")
    growth = pl.col("amount_wan").cast(pl.Float64) / pl.col("previous_wan").cast(pl.Float64) - 1
    table(
        chains.join(last_year, on="chain", how="left", maintain_order="left").select(
            pl.col("chain").alias("产业链"),
            pl.col("projects").alias("签约项目数"),
            fmt.yi_column("amount_wan").alias("签约金额（亿元）"),
            (pl.col("share") * 100).round(2).alias("金额占比（%）"),
            fmt.yi_column("previous_wan").alias("去年同期签约金额（亿元）"),
            pl.when(pl.col("previous_wan") > 0).then((growth * 100).round(2)).alias("同比增长（%）"),
        ),
        f"产业链签约_{period}",
        title=f"{period}各产业链签约情况（{as_of}）",
        column_config={
            "签约金额（亿元）": AMOUNT,
            "金额占比（%）": TWO_DECIMALS,
            "去年同期签约金额（亿元）": AMOUNT,
            "同比增长（%）": TWO_DECIMALS,
        },
    )

    matrix = data.query("chains_matrix", filters)
    cells = {(r["unit_name"], r["chain"]): r for r in matrix.iter_rows(named=True)}
    units = matrix.get_column("unit_name").unique(maintain_order=True).to_list()
    columns = matrix.get_column("chain").unique(maintain_order=True).to_list()
    amounts = [[float(cells[u, c]["amount_wan"]) if (u, c) in cells else 0.0 for c in columns] for u in units]
    shares = [[a / sum(row) for a in row] if sum(row) else row for row in amounts]
    units = [units[i] for i in cluster_order(shares)]
    columns = [columns[j] for j in cluster_order([list(col) for col in zip(*amounts)])]
    grid = [[cells.get((u, c)) for c in columns] for u in units]

    st.subheader("县区 × 产业链")
    # one chart at a time (a tab change reruns the page): for a province each heat map is
    # 120 rows tall and the treemap has a thousand leaves; drawing all three took seconds
    amount_tab, lq_tab, tree_tab = st.tabs(
        ["签约金额（亿元）", "区位商（LQ）", "产业链 → 县区 → 项目"], key="chains_heat_map", on_change="rerun"
    )
    unit_ids = dict(matrix.select("unit_name", "unit_id").unique().iter_rows())

    def open_cell(event) -> None:
        """The projects of the unit and chain of a clicked cell (labels as heat_map writes them)."""
        cell = links.clicked_cell(event)
        chain = next((c for c in columns if cell and fmt.plain(c) == cell[0]), None)
        unit = next((u for u in units if cell and fmt.plain(u) == cell[1]), None)
        if chain and unit and (behind := links.narrowed(filters, units=(unit_ids[unit],), chains=(chain,))):
            links.open_list(behind)

    if amount_tab.open:
        with amount_tab:
            open_cell(st.plotly_chart(
                heat_map(
                    [[float(yi(cell["amount_wan"])) if cell else None for cell in row] for row in grid],
                    [[fmt.yi(yi(cell["amount_wan"])) if cell else "" for cell in row] for row in grid],
                    units, columns,
                    "%{y} · %{x}<br>签约金额 %{z:,.2f} 亿元",
                    colorscale="Blues",
                    colorbar=dict(title="亿元", orientation="h", thickness=12, y=-0.02, yanchor="top"),
                ),
                config=CHART, on_select="rerun", selection_mode="points", key="heat_amount",
            ))
            st.caption(
                "点击格子查看该县区该产业链的签约项目。行、列按层次聚类排序（平均连接法，余弦距离）：产业链结构（各产业链金额占比）相近的县区相邻，"
                "在相近县区同时集聚的产业链相邻。空格表示没有签约项目。"
                + ("" if labelled(units, columns) else UNLABELLED)
            )
            with st.expander("签约金额数据表"):
                table(
                    pl.DataFrame(
                        [[u, *(None if cell is None else yi(cell["amount_wan"]) for cell in row)] for u, row in zip(units, grid)],
                        schema=[UNIT, *columns],
                        orient="row",
                    ),
                    f"县区产业链签约金额_{period}",
                    title=f"{period}各县区各产业链签约金额（亿元，{as_of}）",
                    column_config=dict.fromkeys(columns, AMOUNT),
                )

    if lq_tab.open:
        with lq_tab:
            st.caption(
                METRICS["location_quotient"].definition + "“全市”指所选期间全部县区，产业链筛选不影响计算。"
                + ("" if labelled(units, columns) else UNLABELLED)
            )
            lq = [[None if cell is None or cell["lq"] is None else round(cell["lq"], 2) for cell in row] for row in grid]
            open_cell(st.plotly_chart(
                heat_map(
                    lq,
                    [["" if v is None else f"{v:.2f}" for v in row] for row in lq],
                    units, columns,
                    "%{y} · %{x}<br>区位商 %{z:.2f}",
                    colorscale="RdBu_r",
                    zmin=0,
                    zmid=1,
                    zmax=2,
                    colorbar=dict(title="LQ（≥2 同色）", orientation="h", thickness=12, y=-0.02, yanchor="top"),
                ),
                config=CHART, on_select="rerun", selection_mode="points", key="heat_lq",
            ))
            with st.expander("区位商数据表"):
                table(
                    pl.DataFrame([[u, *row] for u, row in zip(units, lq)], schema=[UNIT, *columns], orient="row"),
                    f"区位商_{period}",
                    title=f"{period}各县区产业链区位商 LQ（{as_of}）",
                    column_config=dict.fromkeys(columns, TWO_DECIMALS),
                )

    if tree_tab.open:
        with tree_tab:
            st.plotly_chart(treemap(data.query("chains_treemap", filters), f"{period}签约项目"), config=CHART)
            st.caption("面积表示签约金额；点击产业链或县区可逐级展开到项目，点击顶部路径返回。金额待定的项目不在图中。")

    st.subheader("产业集中度（HHI）", help=METRICS["hhi"].definition)
    st.caption(METRICS["hhi"].definition + "按所选期间该县区全部产业链计算，产业链筛选不影响计算。")
    table(
        data.query("chains_units", filters).select(
            pl.col("unit_name").alias(UNIT),
            pl.col("hhi").round(4).alias("HHI（0–1）"),
            pl.col("top_chain").alias("主导产业链"),
            (pl.col("top_share") * 100).round(2).alias("主导产业链金额占比（%）"),
            pl.col("chains").alias("签约产业链数"),
            pl.col("projects").cast(pl.Int64).alias("签约项目数"),
            fmt.yi_column("amount_wan").alias("签约金额（亿元）"),
        ),
        f"产业集中度_{period}",
        title=f"{period}各县区产业集中度 HHI（{as_of}）",
        column_config={
            "签约金额（亿元）": AMOUNT,
            "主导产业链金额占比（%）": TWO_DECIMALS,
            "HHI（0–1）": st.column_config.NumberColumn(format="%.4f"),
        },
    )



# Streamlit runs a page as __main__; the guard lets tests import cluster_order without drawing it.
if __name__ == "__main__":
    render()
