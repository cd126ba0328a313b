"""The scheduler of this server process (bulletins, the day's push), started once whatever starts the app
(`python -m ui.serve`, `make run`, or a plain `streamlit run app.py`)."""

from __future__ import annotations

import logging

import streamlit as st

from warehouse import scheduler
from warehouse.db import Lake, db_path


@st.cache_resource(show_spinner=False)
def _scheduler(path: str) -> scheduler.Scheduler | None:
    if not scheduler.scheduling_enabled():
        return None
    _log_to_server_output()
    return scheduler.Scheduler(path).start()


def _log_to_server_output() -> None:
    """Bulletins issued, pushes and failures in the server's output (Streamlit configures only its own
    loggers; nobody else configures the root)."""
    logger = logging.getLogger("warehouse")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def start() -> scheduler.Scheduler | None:
    """The running scheduler of the warehouse the app reads (one per process and file)."""
    where = db_path()
    return _scheduler(where.uri if isinstance(where, Lake) else str(where))
