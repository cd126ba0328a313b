"""报送进度: the reporting board, closing a month (admins) and nil reports (uploaders)."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from base.reference import load_reference
from warehouse import periods
from warehouse.accounts import User
from warehouse.db import WarehouseBusy, WriteFailed, db_path

from . import data, format as fmt
from .auth import client_ip
from .table import EMPTY

BOARD_MONTHS = 6
STATUS_HELP = "已报、无新增：截止日前报送；逾期报送：截止日后报送；缺报：过了截止日仍未报送；待报：尚未到截止日"


def last_month() -> date:
    """The latest month a board shows: the open month, or the month before this one."""
    state = data.period_state()
    previous = periods.months_before(periods.month_start(date.today()), 1)
    return max(periods.month_start(state.open_through), previous) if state.open_through else previous


def board_frame(last: date, units: tuple[str, ...] = (), months: int = BOARD_MONTHS) -> pl.DataFrame:
    """Units down, the `months` months up to `last` across, each cell a report's status."""
    board = data.query(
        "period_board", month_from=periods.months_before(last, months - 1), month_to=last, units=list(units),
        deadline_day=load_reference().report_deadline_day, today=date.today(),
    )
    wide = board.with_columns(pl.col("month").dt.strftime("%Y年%-m月")).pivot(
        on="month", index="unit_name", values="status", maintain_order=True
    )
    return wide.rename({"unit_name": "单位"})


def board(units: tuple[str, ...] = ()) -> None:
    state = data.period_state()
    st.caption(
        f"{fmt.reporting(state, False)} · 每月 {load_reference().report_deadline_day} 日前报送上月数据 · "
        "某月各单位报齐（或由管理员发布）后，其数据才计入各页面的指标"
    )
    if notice := st.session_state.pop("reporting_notice", None):
        st.success(notice)
    latest = last_month()
    last = st.selectbox("截至月份", [periods.months_before(latest, i) for i in range(24)], format_func=lambda m: f"{m:%Y年%-m月}",
                        key="board_end")
    st.dataframe(board_frame(last, units), hide_index=True, width="stretch", placeholder=EMPTY)
    st.caption(STATUS_HELP)


def months_table() -> None:
    """Each reported month: expected, reported, who is missing, published or not."""
    frame = data.query("period_months").sort("month", descending=True)
    shown = frame.select(
        pl.col("month").dt.strftime("%Y年%-m月").alias("月份"),
        pl.format("{}/{}", "reported", "expected").alias("已报/应报"),
        pl.col("missing_units").list.join("、").alias("未报单位"),
        pl.when(pl.col("closed")).then(pl.lit("管理员发布"))
        .when(pl.col("published")).then(pl.lit("已发布"))
        .otherwise(pl.lit("未完结")).alias("状态"),
        pl.col("acted_by").fill_null("").alias("操作人"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=EMPTY)


def close_form(user: User) -> None:
    """发布 a month with units missing, or withdraw such a publication (admins; audited)."""
    frame = data.query("period_months")
    today = periods.month_start(date.today())
    closable = frame.filter(~pl.col("published") & (pl.col("month") < today)).get_column("month").to_list()
    reopenable = frame.filter(pl.col("closed")).get_column("month").to_list()
    with st.container(border=True):
        st.markdown("**发布或撤回某月**")
        st.caption("有单位迟迟未报时，管理员可发布该月：已报单位的数据计入指标，未报单位记入发布记录。操作记入审计日志。")
        if closable:
            month = st.selectbox("要发布的月份", closable, format_func=lambda m: f"{m:%Y年%-m月}", key="close_month")
            missing = frame.filter(pl.col("month") == month).get_column("missing_units").item().to_list()
            st.caption("未报单位：" + ("、".join(missing) if missing else "无"))
            if st.button("发布该月", key="close_month_button", disabled=not st.checkbox("我确认发布", key="close_confirm")):
                _act(lambda: periods.close_month(db_path(), month, user.name, client_ip()), f"已发布 {month:%Y年%-m月}")
        else:
            st.caption("没有待发布的月份。")
        if reopenable:
            month = st.selectbox("撤回发布的月份", reopenable, format_func=lambda m: f"{m:%Y年%-m月}", key="reopen_month")
            if st.button("撤回发布", key="reopen_month_button"):
                _act(lambda: periods.reopen_month(db_path(), month, user.name, client_ip()), f"已撤回 {month:%Y年%-m月} 的发布")


def nil_report_form(user: User) -> None:
    """本月无新增 for one of the uploader's units: a report without a spreadsheet."""
    reference = load_reference()
    units = [u for u in reference.units if user.can("admin") or u.unit_id in user.units]
    month = periods.months_before(periods.month_start(date.today()), 1)
    with st.container(border=True):
        st.markdown("**报送本月无新增**")
        st.caption("某月没有新的签约、开工等项目时，报送“本月无新增”即算已报送；不报送则显示为缺报。")
        unit = st.selectbox("单位", units, format_func=lambda u: u.name, key="nil_unit")
        chosen = st.selectbox(
            "月份", [periods.months_before(month, i) for i in range(3)], format_func=lambda m: f"{m:%Y年%-m月}", key="nil_month"
        )
        if st.button("报送本月无新增", key="nil_button"):
            _act(lambda: periods.file_nil_report(db_path(), unit.unit_id, chosen, user.name, client_ip()),
                 f"已报送：{unit.name} {chosen:%Y年%-m月} 本月无新增")


def _act(action, done: str) -> None:
    try:
        action()
    except (periods.PeriodRefused, WarehouseBusy, WriteFailed) as refused:
        st.error(str(refused))
    else:
        # drawn again from the new warehouse, the notice on top
        st.session_state["reporting_notice"] = done
        st.rerun()
