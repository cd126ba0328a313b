"""What some tests need from the machine (chromium, PostgreSQL, nginx) and is not there."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: Exception, variable: str) -> NoReturn:
    """A failure in CI (CI or `variable` set), where a missing tool must not pass unseen;
    elsewhere a skip, for a developer's machine without it."""
    if os.environ.get("CI") or os.environ.get(variable):
        pytest.fail(str(reason))
    pytest.skip(str(reason))
