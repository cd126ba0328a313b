"""A table with its Excel download: how every page shows a list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import polars as pl
import streamlit as st

from base.reference import load_reference

from .auth import export_recorder
from .export import to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A browser table of 100,000 rows takes seconds to ship and nobody reads it on screen;
# the download always has every row.
SHOWN_ROWS = 5000
# Shown in an empty cell (a project not yet started has no 开工日期): never None or NaN.
EMPTY = "—"
NAME = "项目名称"
PHONE_NAME_WIDTH = 150  # px: on a 390 px phone the amount, unit or days beside it stay in view


def name_column() -> dict:
    """A project list's name column: pinned on the left, so it stays while a row scrolls
    sideways, and narrow on a phone (long names end in … there; a tap shows them whole)."""
    from .viewport import is_narrow  # viewport's component registers at import: only on a page

    return st.column_config.TextColumn(width=PHONE_NAME_WIDTH if is_narrow() else None, pinned=True)


def filters_note() -> str | None:
    """The sidebar's unit and chain choices in words, for the lines above an export's header
    (the period and the data date are in each table's title)."""
    if "f_units" not in st.session_state:
        return None
    names = {u.unit_id: u.name for u in load_reference().units}
    units = "、".join(names.get(u, u) for u in st.session_state.f_units) or "全部"
    chains = "、".join(st.session_state.get("f_chains") or []) or "全部"
    return f"筛选条件：县（市、区）/开发区：{units}；产业链：{chains}"


def table(frame: pl.DataFrame, file_stem: str, *, title: str | None = None, key: str | None = None,
          total: int | None = None, fetch_all: Callable[[], pl.DataFrame] | None = None, **dataframe_args) -> None:
    """Show the frame (cells are text, never HTML) and offer it as .xlsx.

    For a long list the page passes only its first rows (data.listing), the number of rows
    in all, and fetch_all, which gives every row, shaped like `frame`, when the download
    is clicked.
    """
    # a period label may hold "1/19": no character a file system refuses in the name
    file_stem = re.sub(r'[\\/:*?"<>|]', "-", file_stem)
    # dates without the 00:00:00 a datetime column would show, unless the page says otherwise
    config = {name: st.column_config.DateColumn(name, format="YYYY-MM-DD") for name, dtype in frame.schema.items() if dtype == pl.Date}
    if NAME in frame.columns:
        config[NAME] = name_column()
    config.update(dataframe_args.pop("column_config", None) or {})
    rows = frame.height if total is None else total
    if rows > SHOWN_ROWS:
        st.caption(f"共 {rows:,} 行，页面上显示前 {SHOWN_ROWS:,} 行；下载 Excel 可得全部。")
    dataframe_args.setdefault("placeholder", EMPTY)
    st.dataframe(frame.head(SHOWN_ROWS), hide_index=True, width="stretch", column_config=config, **dataframe_args)
    whole = fetch_all if fetch_all is not None and rows > frame.height else (lambda: frame)
    # a link (to a dossier, a print view) is an address of this app: nothing to read in Excel
    links = [name for name, c in config.items() if isinstance(c, dict) and (c.get("type_config") or {}).get("type") == "link"]
    record = export_recorder(f"{file_stem}.xlsx", title)
    notes = [note for note in (filters_note(),) if note]

    def download() -> bytes:
        """The file, built only when clicked; every download is audited."""
        everything = whole().drop(links, strict=False)
        record(everything.height)
        return to_xlsx(everything, title=title, notes=[*notes, f"导出时间：{datetime.now():%Y-%m-%d %H:%M}"])

    st.download_button(
        "下载 Excel",
        data=download,
        file_name=f"{file_stem}.xlsx",
        mime=XLSX,
        key=key or f"download-{file_stem}",
        icon=":material/download:",
        on_click="ignore",
    )


def audited(build: Callable[[], bytes], file_name: str, *, rows: int, title: str | None = None) -> Callable[[], bytes]:
    """A download button's data callable for a file other than a table's: built when
    clicked, and audited like every table download."""
    record = export_recorder(file_name, title)

    def download() -> bytes:
        data = build()
        record(rows)
        return data

    return download
