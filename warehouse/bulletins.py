"""四库五日滚动预警: numbered bulletins (第N期), issued when due.

A bulletin is a snapshot of the warnings on its date, written through warehouse.db.writer
like a load, so the next bulletin can say what is new, what was resolved and what persists
(view v_bulletin_changes). Days in a stage are counted to the bulletin's date, by default
the data date: the ledgers say nothing about the days after it. The stage limits are
base.config's, the Excel 预警通报 warehouse.notices'.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from base.actor import current_user
from base.config import WAITING_FOR, Limits, limits

from . import build
from .db import Reader, writer
from .notices import CHANGES, LEVELS, notice_xlsx

# WAITING_FOR, CHANGES, LEVELS and notice_xlsx are here for the pipeline and liaison pages,
# which ask this module for the stages, the words of a warning and the notice workbook.
__all__ = ["WAITING_FOR", "CHANGES", "LEVELS", "notice_xlsx", "Bulletin", "BulletinError",
           "create_bulletin", "due", "issue_due"]

log = logging.getLogger(__name__)


class BulletinError(ValueError):
    """A bulletin that cannot be issued: too soon after the last one, or dated before the data."""


@dataclass(frozen=True)
class Bulletin:
    number: int
    as_of: date
    red: int
    yellow: int
    new: int
    persisting: int
    resolved: int


def create_bulletin(
    db=None, as_of: date | None = None, by: str | None = None, rules: Limits | None = None
) -> Bulletin:
    """Snapshot the warnings on as_of (default: the data date) as the next numbered bulletin."""
    rules = rules or limits()
    with writer(db) as con:
        # the views of this code version, also in a warehouse written before they existed
        # (no load changed: nothing is derived again unless the derivation itself changed)
        build.refresh(con, [])
        data_date = con.execute("select as_of from v_as_of").fetchall()[0][0]
        if data_date is None:
            raise BulletinError("数据仓库中还没有项目，无法生成预警通报")
        as_of = as_of or data_date
        if as_of < data_date:
            raise BulletinError(
                f"通报日期 {as_of} 早于数据截至日期 {data_date}：项目所处阶段是截至 {data_date} 的状态，不能回溯"
            )
        last = next(iter(con.execute("select number, as_of from bulletins order by number desc limit 1").fetchall()), None)
        if last and as_of < last[1] + timedelta(days=rules.interval_days):
            earliest = last[1] + timedelta(days=rules.interval_days)
            raise BulletinError(
                f"距上一期（第{last[0]}期，截至 {last[1]}）不足 {rules.interval_days} 天；"
                f"下一期的通报日期最早为 {earliest}（数据更新后再生成，或用 --as-of 指定日期）"
            )
        number = last[0] + 1 if last else 1
        con.execute(
            "insert into bulletins values (?, ?, ?, ?, ?)",
            [number, as_of, datetime.now(), by or current_user(), json.dumps(asdict(rules))],
        )
        con.execute(
            """
            insert into bulletin_items
            select ?, project_key, project_name, stage, level, days, stage_since, unit_id, chain,
                responsible_unit, liaison_leader
            from pipeline_warnings_at(?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [number, as_of, *rules.params().values()],
        )
        counts = con.execute(
            """
            select
                count(*) filter (where level = 'red'),
                count(*) filter (where level = 'yellow'),
                count(*) filter (where change = 'new'),
                count(*) filter (where change = 'persisting'),
                count(*) filter (where change = 'resolved')
            from v_bulletin_changes
            where number = ?
            """,
            [number],
        ).fetchall()[0]
    return Bulletin(number, as_of, *counts)


def due(db=None, rules: Limits | None = None) -> date | None:
    """The date of the bulletin now due (the data date), or None: no data yet, or the last
    bulletin is fewer than `interval_days` days of data date old. Reads without the write lock."""
    rules = rules or limits()
    cur = Reader(db).cursor()
    data_date = cur.execute("select as_of from v_as_of").fetchall()[0][0]
    if data_date is None:
        return None
    last = cur.execute("select max(as_of) from bulletins").fetchall()[0][0]
    if last is not None and data_date < last + timedelta(days=rules.interval_days):
        return None
    return data_date


def issue_due(db=None, by: str = "系统（定时）") -> Bulletin | None:
    """Issue the bulletin that is due, once: several processes may call this at the same time;
    under the write lock create_bulletin checks again, and all but the first find it issued."""
    rules = limits()
    if due(db, rules) is None:
        return None
    try:
        bulletin = create_bulletin(db, by=by, rules=rules)
    except BulletinError as exc:  # another process issued it while this one waited for the lock
        log.info("bulletin not issued: %s", exc)
        return None
    log.info(
        "issued bulletin %d as of %s: red %d, yellow %d, new %d, persisting %d, resolved %d",
        bulletin.number, bulletin.as_of, bulletin.red, bulletin.yellow, bulletin.new,
        bulletin.persisting, bulletin.resolved,
    )
    return bulletin
