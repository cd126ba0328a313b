"""What a running app does by itself, from one daemon thread per process: the due bulletin
(soon after the warehouse file changes and every `every` seconds) and the day's update pushed
to the group robots at [digest] push_at.

Every process serving the app may run one; bulletins.issue_due and daily.claim make them
agree on one bulletin and one push.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime

from . import daily, digest
from .bulletins import Bulletin, issue_due
from .db import db_path, file_version

log = logging.getLogger(__name__)


def scheduling_enabled() -> bool:
    """BULLETIN_SCHEDULE=off leaves bulletins and pushes to an outside timer (the command line)."""
    return os.environ.get("BULLETIN_SCHEDULE", "on").strip().lower() not in ("off", "0", "false", "no")


class Scheduler:
    def __init__(self, db=None, every: float = 600, poll: float = 10, clock=None, settings=digest.config):
        self.path = db_path(db)
        self.every, self.poll = every, poll
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.settings = settings  # read at each look, so a new push_at needs no restart
        self._pushed: str | None = None  # the day this process knows is pushed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="app-scheduler", daemon=True)

    def start(self) -> "Scheduler":
        log.info("scheduler started for %s (bulletins every %gs and on every write)", self.path, self.every)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> Bulletin | None:
        """One attempt at the bulletin; a failure is logged and tried again at the next change or interval."""
        if file_version(self.path) is None:
            return None
        try:
            return issue_due(self.path)
        except Exception:
            log.exception("checking bulletins of %s failed; trying again later", self.path)
            return None

    def push(self) -> None:
        """The day's update, when due."""
        now = self.clock()
        if self._pushed == now.date().isoformat() or file_version(self.path) is None:
            return
        try:
            results = daily.push_due(self.path, now, self.settings())
        except Exception:
            log.exception("pushing the update of %s failed; trying again later", now.date())
            return
        if results and all(r.ok for r in results):
            self._pushed = now.date().isoformat()

    def _run(self) -> None:
        seen, last_check = None, float("-inf")
        while not self._stop.is_set():
            version = file_version(self.path)
            if version != seen or time.monotonic() - last_check >= self.every:
                self.check()
                # the version before the check: a bulletin this check wrote is a write too,
                # and the next look at it finds nothing due
                seen, last_check = version, time.monotonic()
            self.push()
            self._stop.wait(self.poll)
