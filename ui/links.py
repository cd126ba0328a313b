"""From a figure or a row to the projects behind it: the project list (/projects, what it
lists kept in its URL) and each project's dossier (/project?id=<project key>).

List URL: ?year=2024&months=1-9&units=140821,zone-jingkai&chains=新能源[&open=1]
          [&kind=signed|started|unstarted|over_1yi][&origin=浙江][&size=1-10亿元][&undated=1]
          or [&library=lead|negotiating|signed|started|producing|closed] (a library now: no period)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NoReturn
from urllib.parse import quote, urlencode

import polars as pl
import streamlit as st

from warehouse.metrics import SIZE_BANDS
from warehouse.queries import Filters

from . import data
from .filters import url_params

DOSSIER_PAGE = "pages/projects/project.py"
LIST_PAGE = "pages/projects/projects.py"
DOSSIER = "档案"
DOSSIER_CONFIG = {
    # pinned like the name column beside it, so the link stays in view on a phone
    DOSSIER: st.column_config.LinkColumn(DOSSIER, display_text="查看", width="small", pinned=True, help="打开该项目的档案（新标签页）")
}
KINDS = {
    "signed": "签约项目",
    "started": "已开工的签约项目",
    "unstarted": "未开工的签约项目",
    "over_1yi": "亿元以上签约项目",
}
LIBRARIES = {
    "lead": "线索库", "negotiating": "洽谈库", "signed": "签约库（未开工）", "started": "开工库（未投产）",
    "producing": "已投产", "closed": "已终止",
}


def dossier_url(project_key: str, include_open: bool = False) -> str:
    """The dossier's address, relative to any page of the app; include_open: as a list that
    counts the months not yet published shows the project."""
    return "project?id=" + quote(project_key, safe="") + ("&open=1" if include_open else "")


def dossier_column(key: str = "project_key", include_open: bool = False) -> pl.Expr:
    """A table's link column to each row's dossier (DOSSIER_CONFIG draws it; downloads leave it out)."""
    return (pl.lit("project?id=") + url_quoted(pl.col(key)) + pl.lit("&open=1" if include_open else "")).alias(DOSSIER)


def url_quoted(text: pl.Expr) -> pl.Expr:
    """Every UTF-8 byte as %XX: what quote(safe="") gives, its letters spelled out too."""
    return text.str.encode("hex").str.to_uppercase().str.replace_all("(..)", "%${1}")


def clicked(event) -> tuple[int, int] | None:
    """(trace, point index) of the bar or cell clicked on a chart drawn with on_select="rerun"."""
    points = (event.selection.points if event else None) or []
    if not points:
        return None
    point = points[0]
    index = point.get("point_index", point.get("point_number"))
    return (point.get("curve_number", 0), index) if index is not None else None


def clicked_cell(event) -> tuple[str, str] | None:
    """(x, y) labels of the heat-map cell clicked on a chart drawn with on_select="rerun"."""
    points = (event.selection.points if event else None) or []
    if not points or points[0].get("x") is None or points[0].get("y") is None:
        return None
    return str(points[0]["x"]), str(points[0]["y"])


def list_params(filters: Filters, **extra) -> dict[str, str]:
    """The list page's URL parameters for these filters and a figure's own conditions."""
    params = url_params(filters)
    params.update({k: str(v) for k, v in extra.items() if v not in (None, "", False)})
    return params


def list_url(filters: Filters, **extra) -> str:
    """The list page's address, relative to any page of the app."""
    return "projects?" + urlencode(list_params(filters, **extra))


def open_list(filters: Filters, **extra) -> NoReturn:
    """Go to the projects behind a clicked figure."""
    st.switch_page(LIST_PAGE, query_params=list_params(filters, **extra))


def narrowed(filters: Filters, *, units: tuple[str, ...] | None = None,
             chains: tuple[str, ...] | None = None) -> Filters | None:
    """The filters of one figure: units or a chain of a chart within what the sidebar selects;
    None when the sidebar leaves none of them (the figure has no project)."""
    if units is not None:
        units = tuple(u for u in units if not filters.units or u in filters.units)
    if chains is not None:
        chains = tuple(c for c in chains if not filters.chains or c in filters.chains)
    if units == () or chains == ():
        return None
    return replace(filters, units=units if units is not None else filters.units,
                   chains=chains if chains is not None else filters.chains)


@dataclass(frozen=True)
class Scope:
    """What the list page lists, read from its URL."""

    filters: Filters
    kind: str = "signed"
    library: str | None = None  # a library now, instead of a signed cohort
    origin: str = ""
    size: str = ""
    undated: bool = False
    ignored: tuple[str, ...] = ()  # parameters of the URL that name nothing known

    def params(self) -> dict:
        """The list queries' parameters beyond the filters."""
        if self.library:
            return {"library": self.library}
        return {"kind": self.kind, "origin": self.origin, "size": self.size, "undated": self.undated}


def scope_from_url() -> Scope | None:
    """The list's scope from the URL; None when the warehouse has no signed project. Values
    the warehouse does not know are left out and named in `ignored`."""
    params = st.query_params
    include_open = params.get("open") == "1" and data.period_state().has_open_month
    years = data.query("years", include_open=include_open)
    if years.height == 0:
        return None
    latest = dict(zip(years.get_column("year").to_list(), years.get_column("latest_month").to_list()))
    ignored = []
    year_text = params.get("year", "")
    year = int(year_text) if year_text.isdigit() and int(year_text) in latest else max(latest)
    if year_text and str(year) != year_text:
        ignored.append(f"年份 {year_text}")
    months = re.fullmatch(r"(\d{1,2})-(\d{1,2})", params.get("months", ""))
    month_from, month_to = (int(months[1]), int(months[2])) if months else (1, latest[year])
    if not 1 <= month_from <= month_to <= 12:
        ignored.append(f"月份 {params.get('months')}")
        month_from, month_to = 1, latest[year]
    known_units = set(data.query("units").get_column("unit_id").to_list())
    known_chains = set(data.query("chains").get_column("chain").to_list())
    units = [u for u in params.get("units", "").split(",") if u]
    chains = [c for c in params.get("chains", "").split(",") if c]
    ignored += [f"县区 {u}" for u in units if u not in known_units] + [f"产业链 {c}" for c in chains if c not in known_chains]
    filters = Filters(
        year, month_from, month_to,
        tuple(u for u in units if u in known_units), tuple(c for c in chains if c in known_chains), include_open,
    )
    kind = params.get("kind", "signed")
    library = params.get("library") or None
    if kind not in KINDS:
        ignored.append(f"类别 {kind}")
        kind = "signed"
    if library is not None and library not in LIBRARIES:
        ignored.append(f"库 {library}")
        library = None
    size = params.get("size", "")
    if size and size not in (*SIZE_BANDS, "金额待定"):
        ignored.append(f"规模 {size}")
        size = ""
    return Scope(filters, kind, library, params.get("origin", ""), size, params.get("undated") == "1", tuple(ignored))
