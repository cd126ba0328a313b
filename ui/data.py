"""Cached access to the warehouse for the pages.

Every cached query is keyed by the warehouse file's version, so a load (from the CLI or
the upload page) invalidates the cache at once instead of after a timer.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from base.config import ROOT
from warehouse import accounts, build, periods, queries
from warehouse.db import Lake, Reader, db_path
from warehouse.queries import Filters

from .format import md_text
from .table import SHOWN_ROWS


@st.cache_resource
def reader() -> Reader:
    # once per server process: a warehouse written by older code gets this code's views
    build.ensure_current(db_path())
    return Reader()


def version() -> str | None:
    return reader().version()


def available() -> bool:
    return version() is not None


@st.cache_data(max_entries=1024, show_spinner=False)
def _query(version: str, name: str, filters: Filters | None, params: tuple) -> pl.DataFrame:
    with reader().cursor() as cur:
        return queries.run(cur, name, filters, **dict(params))


@st.cache_data(max_entries=16, show_spinner=False)
def _period_state(version: str) -> periods.PeriodState:
    with reader().cursor() as cur:
        return periods.state(cur)


def period_state() -> periods.PeriodState:
    """The published period and the open month's reports (warehouse.periods)."""
    return _period_state(version())


@st.cache_data(max_entries=256, show_spinner=False)
def _headline(version: str, filters: Filters) -> dict:
    with reader().cursor() as cur:
        return queries.headline(cur, filters)


@st.cache_data(max_entries=256, show_spinner=False)
def _listing(version: str, name: str, filters: Filters | None, limit: int, count_by: tuple[str, ...],
             contains: tuple | None, params: tuple) -> queries.Listing:
    with reader().cursor() as cur:
        return queries.run_listing(cur, name, filters, limit=limit, count_by=count_by, contains=contains, **dict(params))


def listing(name: str, filters: Filters | None = None, *, count_by: tuple[str, ...] = (),
            contains: tuple[tuple[str, ...], str] | None = None, limit: int = SHOWN_ROWS,
            **params) -> queries.Listing:
    """The first rows of a long list a page shows (`limit`), how many match, counts by columns."""
    return _listing(version(), name, filters, limit, tuple(count_by), contains, tuple(sorted(params.items())))


def everything(name: str, filters: Filters | None = None, **params) -> pl.DataFrame:
    """Every row of a list, for its download (not cached: asked for once, when clicked)."""
    with reader().cursor() as cur:
        return queries.run(cur, name, filters, **params)


def query(name: str, filters: Filters | None = None, **params) -> pl.DataFrame:
    """Run sql/queries/<name>.sql with the page's filters (cached per warehouse version)."""
    return _query(version(), name, filters, tuple(sorted(params.items())))


def headline(filters: Filters) -> dict:
    return _headline(version(), filters)


def viewer_is_admin() -> bool:
    """Whether this session may read server commands and paths: an administrator, or the
    local machine while no account exists."""
    from . import auth  # the login module (and its account store) only where a page asks

    try:
        return (
            auth.is_local_request() if not accounts.store().any_accounts()
            else (user := auth.current_user()) is not None and user.can("admin")
        )
    except Exception:  # an unreadable account store too: show no server detail
        return False


def admin_hint(everyone: str, admins: str) -> str:
    """`everyone`, followed for an administrator by `admins` (which may name commands)."""
    return f"{everyone}{admins}" if viewer_is_admin() else everyone


def no_warehouse_message() -> str:
    return admin_hint(
        "数据仓库尚未建立，请上传台账或联系管理员。",
        "（管理员：运行 `make run` 自动导入样例数据，或 `python -m etl load 台账.xlsx`。）",
    )


def outdated_message(what: str) -> str:
    return admin_hint(
        f"数据仓库需要更新后才能显示{what}：请再导入一份台账，或联系管理员。",
        "（管理员：运行 `python -m etl sample` 重建样例仓库。）",
    )


def previous_bulletin(as_of) -> dict | None:
    """The bulletin the warnings of `as_of` are compared with (较上期): the latest dated before
    it, one of that date being the same warnings. None: no bulletin to compare with yet."""
    listed = query("pipeline_bulletins").filter(pl.col("as_of") < as_of)
    return listed.row(0, named=True) if listed.height else None


def damaged_message() -> str:
    """What a page says when the warehouse file cannot be read: the file and the commands
    for an administrator, whom to ask for everyone else."""
    if not viewer_is_admin():
        return "数据仓库文件已损坏或无法读取，页面无法显示数据；请联系管理员。"
    path = db_path()
    if isinstance(path, Lake):
        return (
            f"数据仓库（{md_text(path)}）暂时无法读取：请检查 PostgreSQL 目录库能否连接、共享数据目录是否已挂载，"
            "以及 `python -m warehouse check` 的结果。"
        )
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return (
        f"数据仓库文件已损坏或无法读取（{md_text(shown)}）；请管理员运行 `python -m warehouse check`，"
        "或从归档重建：`python -m warehouse rebuild --from-archive --out 新文件.duckdb`，核对后替换原文件。"
    )
