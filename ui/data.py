"""Cached access to the warehouse for the pages.

Every cached query is keyed by the warehouse file's version, so a load (from the CLI or
the upload page) invalidates the cache at once instead of after a timer.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from warehouse import queries
from warehouse import build
from warehouse.db import Reader, db_path
from warehouse.queries import Filters


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
    return queries.run(reader().cursor(), name, filters, **dict(params))


@st.cache_data(max_entries=256, show_spinner=False)
def _headline(version: str, filters: Filters) -> dict:
    return queries.headline(reader().cursor(), filters)


def query(name: str, filters: Filters | None = None, **params) -> pl.DataFrame:
    """Run sql/queries/<name>.sql with the page's filters (cached per warehouse version)."""
    return _query(version(), name, filters, tuple(sorted(params.items())))


def headline(filters: Filters) -> dict:
    return _headline(version(), filters)
