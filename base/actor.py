"""Who runs a command: the name a CLI write records as its user."""

from __future__ import annotations

import getpass
import os


def current_user() -> str:
    try:
        return os.environ.get("ETL_USER") or getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"
