"""The sidebar filters, kept in the URL so a copied link reproduces the view.

URL form: ?year=2024&months=1-9&units=140821,zone-jingkai&chains=新能源,食品加工[&open=1]

The figures stand at the published period (warehouse.periods); `open=1` is an analyst's
explicit choice to count the months not yet complete, and every label then says so.
"""

from __future__ import annotations

import streamlit as st

from warehouse.queries import Filters

from . import data


FILTER_KEYS = ("year", "months", "units", "chains", "open")


def _ints(text: str | None) -> tuple[int, int] | None:
    try:
        a, b = (int(x) for x in (text or "").split("-", 1))
    except ValueError:
        return None
    return (a, b) if 1 <= a <= b <= 12 else None


def _list(text: str | None, allowed: list[str]) -> list[str]:
    return [x for x in (text or "").split(",") if x in allowed]


def sidebar_filters() -> Filters | None:
    """Draw the filters; None when the warehouse holds no signed project yet."""
    state = data.period_state()
    if "f_open" not in st.session_state:
        st.session_state.f_open = state.has_open_month and st.query_params.get("open") == "1"
    include_open = state.has_open_month and st.session_state.f_open
    years = data.query("years", include_open=include_open)
    if years.height == 0:
        return None
    year_list = years.get_column("year").to_list()
    latest_month = dict(zip(year_list, years.get_column("latest_month").to_list()))
    units = data.query("units")
    unit_names = dict(zip(units.get_column("unit_id").to_list(), units.get_column("name").to_list()))
    chains = data.query("chains").get_column("chain").to_list()
    params = st.query_params

    # Session state is seeded from the URL once; afterwards the widgets own the values. Each
    # page draws its own widgets, which would start from their defaults after a page switch:
    # writing the values back makes them the new widgets' values.
    if "f_year" in st.session_state:
        for key in ("f_year", "f_months", "f_units", "f_chains", "f_open"):
            st.session_state[key] = st.session_state[key]
    else:
        year = int(params["year"]) if params.get("year", "").isdigit() and int(params["year"]) in year_list else year_list[0]
        st.session_state.f_year = year
        st.session_state.f_months = _ints(params.get("months")) or (1, latest_month[year])
        st.session_state.f_units = _list(params.get("units"), list(unit_names))
        st.session_state.f_chains = _list(params.get("chains"), chains)

    def year_changed():
        st.session_state.f_months = (1, latest_month[st.session_state.f_year])

    def open_changed():
        # the open month's year and months, or back to the published ones
        opened = data.query("years", include_open=st.session_state.f_open)
        months = dict(zip(opened.get_column("year").to_list(), opened.get_column("latest_month").to_list()))
        year = max(months) if st.session_state.f_open else st.session_state.f_year
        st.session_state.f_year = year if year in months else max(months)
        st.session_state.f_months = (1, months[st.session_state.f_year])

    with st.sidebar:
        st.header("筛选")
        st.selectbox("年份", year_list, key="f_year", format_func=lambda y: f"{y}年", on_change=year_changed)
        st.select_slider("月份", options=list(range(1, 13)), value=(1, 12), key="f_months", format_func=lambda m: f"{m}月")
        st.multiselect("县（市、区）/开发区", list(unit_names), key="f_units", format_func=unit_names.get, placeholder="全部")
        st.multiselect("产业链", chains, key="f_chains", placeholder="全部")
        if state.has_open_month:
            st.checkbox(
                f"包含未完结的{state.open_through:%Y年%-m月}（已报 {state.open_reported}/{state.open_expected}）",
                key="f_open", on_change=open_changed,
                help="默认只统计已发布（各单位报齐或由管理员发布）的月份；勾选后把已报送但尚未完结的月份也计入，结果标注“未完结”。",
            )
        elif state.published_through:
            st.caption(f"数据已发布至 {state.published_through:%Y年%-m月}")
        st.caption("筛选条件保存在网址中，复制链接即可分享当前视图。")

    month_from, month_to = st.session_state.f_months
    filters = Filters(
        year=st.session_state.f_year,
        month_from=month_from,
        month_to=month_to,
        units=tuple(st.session_state.f_units),
        chains=tuple(st.session_state.f_chains),
        include_open=include_open,
    )
    _to_url(filters)
    return filters


def url_params(f: Filters) -> dict[str, str]:
    """The URL parameters that give these filters (what a shared or followed link carries)."""
    params = {"year": str(f.year), "months": f"{f.month_from}-{f.month_to}"}
    if f.units:
        params["units"] = ",".join(f.units)
    if f.chains:
        params["chains"] = ",".join(f.chains)
    if f.include_open:
        params["open"] = "1"
    return params


def _to_url(f: Filters) -> None:
    wanted = url_params(f)
    current = {k: st.query_params.get(k) for k in FILTER_KEYS}
    if current != {k: wanted.get(k) for k in FILTER_KEYS}:
        # other parameters (a page's own settings, the wall's token) stay as they are
        others = {k: v for k, v in st.query_params.to_dict().items() if k not in FILTER_KEYS}
        st.query_params.from_dict({**others, **wanted})


def describe(f: Filters) -> str:
    """The filters in words, for captions and export file names; a period that reaches into
    the open month says so: 2025年1-10月（未完结，已报 1/19）."""
    months = f"{f.month_from}月" if f.month_from == f.month_to else f"{f.month_from}-{f.month_to}月"
    state = data.period_state() if f.include_open else None
    reaches_open = state is not None and state.has_open_month and (f.year, f.month_to) >= (
        state.open_through.year, state.open_through.month)
    return f"{f.year}年{months}" + (state.open_label() if reaches_open else "")


def page_filters() -> Filters:
    """An analyst page's start (app.py admitted the visitor): the filters; a notice and stop when empty."""
    if not data.available():
        st.info(data.no_warehouse_message())
        st.stop()
    filters = sidebar_filters()
    if filters is None:
        st.info("数据仓库中还没有签约项目，请先导入签约项目台账。")
        st.stop()
    return filters
