"""The day's update pushed to the group robots by the running app, once a day at [digest] push_at.

Every app process runs the same check; the day is claimed in the accounts store (the SQLite
file of one machine, or the PostgreSQL database every server shares) so that one process
pushes it: a claim is a write transaction of the store, which runs alone. A push that failed
every try is tried again later the same day, a few times; a process that died while pushing
leaves a claim that expires. The warehouse itself is only read: a claim must not cost a
copy of the warehouse file.
"""

from __future__ import annotations

import logging
import time
from contextlib import closing, contextmanager
from datetime import datetime

from base.config import DigestConfig

from . import accounts, robots
from .db import Reader
from .digest import compose

log = logging.getLogger(__name__)

BY = "系统（定时）"
MAX_TRIES = 3  # pushes of one day, each with its own retries (DigestConfig.attempts)
RETRY_AFTER = 600  # seconds between those pushes
STALE_AFTER = 900  # a claim still "sending" this long: its process died

SCHEMA = """
create table if not exists digest_pushes (
    day text primary key,
    state text not null check (state in ('sending', 'sent', 'failed')),
    tries integer not null,
    updated_at double precision not null
)
"""


@contextmanager
def _claims():
    """A write transaction on the accounts store, with the claims' table."""
    with accounts.store().backend.write() as con:
        con.execute(SCHEMA)
        yield con


def state(day: str) -> str | None:
    """'sending', 'sent', 'failed' or None (not tried) for the day YYYY-MM-DD."""
    with _claims() as con:
        rows = con.execute("select state from digest_pushes where day = ?", (day,)).fetchall()
    return rows[0][0] if rows else None


def claim(day: str, now: float | None = None) -> bool:
    """Take the day's push for this process; False when another has it, has sent it, or gave up."""
    now = time.time() if now is None else now
    with _claims() as con:
        rows = con.execute("select state, tries, updated_at from digest_pushes where day = ?", (day,)).fetchall()
        if not rows:
            con.execute("insert into digest_pushes values (?, 'sending', 1, ?)", (day, now))
            return True
        status, tries, updated = rows[0]
        taken = tries < MAX_TRIES and (
            (status == "failed" and now - updated >= RETRY_AFTER)
            or (status == "sending" and now - updated >= STALE_AFTER)
        )
        if taken:
            con.execute(
                "update digest_pushes set state = 'sending', tries = tries + 1, updated_at = ? where day = ?",
                (now, day),
            )
    return taken


def _finish(day: str, sent: bool) -> None:
    with _claims() as con:
        con.execute(
            "update digest_pushes set state = ?, updated_at = ? where day = ?",
            ("sent" if sent else "failed", time.time(), day),
        )


def push_due(db, now: datetime, settings: DigestConfig) -> list[robots.PushResult] | None:
    """Push the update of `now`'s day when push_at has passed and no process has pushed it yet.

    None when nothing was due; else what each robot answered.
    """
    if settings.push_at is None or not robots.robots(settings) or now.time() < settings.push_at:
        return None
    day = now.date()
    if not claim(day.isoformat()):
        return None
    results: list[robots.PushResult] = []
    try:
        with closing(Reader(db).cursor()) as cur:
            update = compose(cur, day, settings)
        results = robots.push(update, settings, user=BY)
    finally:  # an error here is a failed push: tried again later, and logged by the scheduler
        _finish(day.isoformat(), bool(results) and all(r.ok for r in results))
    return results
