"""总览: where the year stands."""

import streamlit as st

from ui import data, format as fmt
from ui.filters import sidebar_filters
from warehouse.metrics import METRICS

st.title("招商引资总览")
if not data.available():
    st.info("数据仓库尚未建立。请运行 `make run`（自动导入样例数据）或 `python -m etl load 台账.xlsx`。")
    st.stop()

filters = sidebar_filters()
if filters is None:
    st.info("数据仓库中还没有签约项目，请先导入签约项目台账。")
    st.stop()

figures = data.headline(filters)
st.caption(fmt.as_of(figures["as_of"]))
cards = [
    ("signed_projects", fmt.count),
    ("signed_amount_yi", fmt.yi),
    ("started_projects", fmt.count),
    ("start_rate", fmt.pct),
    ("started_planned_investment_yi", fmt.yi),
    ("funds_in_place_yi", fmt.yi),
]
for column, (key, show) in zip(st.columns(len(cards)), cards):
    metric = METRICS[key]
    unit = "" if metric.unit == "%" else metric.unit
    column.metric(metric.label, f"{show(figures[key])} {unit}".strip(), help=metric.definition)
