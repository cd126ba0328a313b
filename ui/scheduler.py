"""The bulletin scheduler of this server process, started once whatever starts the app
(`python -m ui.serve`, `make run`, or a plain `streamlit run app.py`)."""

from __future__ import annotations

import streamlit as st

from warehouse import bulletins
from warehouse.db import db_path


@st.cache_resource(show_spinner=False)
def _scheduler(path: str) -> bulletins.Scheduler | None:
    return bulletins.Scheduler(path).start() if bulletins.scheduling_enabled() else None


def start() -> bulletins.Scheduler | None:
    """The running scheduler of the warehouse the app reads (one per process and file)."""
    return _scheduler(str(db_path()))
