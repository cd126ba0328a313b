"""每日项目动态: what changed on a day, as short Chinese text for a work group on a phone.

A day's update names the projects that entered a stage that day (by the dates the ledgers
give, open months included), the ledgers received, who has still to report the month due,
and the warnings of that day's bulletin that turned red or were resolved. Pushing it to
group robots is warehouse.robots.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from urllib.parse import quote

import duckdb
import polars as pl

from base.reference import REFERENCE_DIR, load_reference

from .metrics import yi
from .periods import months_before
from .queries import run

STAGES = {"signed": "新签约", "started": "新开工", "negotiating": "新增洽谈", "lead": "新增线索"}
AMOUNT_LABELS = {"signed": "签约金额", "started": "计划总投资", "negotiating": "拟投资额", "lead": "拟投资额"}
KIND_NAMES = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工"}
# a phone screen: past this many projects in a section the rest are counted, not listed
MAX_ITEMS = 10


@dataclass(frozen=True)
class DigestConfig:
    """city.toml [digest]; the robots' addresses and secret also from the environment, which wins."""

    base_url: str = ""
    wecom_webhook: str = ""
    dingtalk_webhook: str = ""
    dingtalk_secret: str = ""
    msgtype: str = "markdown"  # markdown | text
    attempts: int = 3
    backoff_seconds: float = 2.0
    push_at: time | None = None  # the app pushes the day's update itself at this local time

    def link(self, project_key: str) -> str:
        """The dossier of a project, or '' without a base URL."""
        if not self.base_url:
            return ""
        return f"{self.base_url.rstrip('/')}/project?id={quote(project_key, safe='')}"


ENVIRONMENT = {
    "base_url": "DIGEST_BASE_URL",
    "wecom_webhook": "DIGEST_WECOM_WEBHOOK",
    "dingtalk_webhook": "DIGEST_DINGTALK_WEBHOOK",
    "dingtalk_secret": "DIGEST_DINGTALK_SECRET",
}


def config(directory: Path = REFERENCE_DIR) -> DigestConfig:
    """The [digest] section of city.toml with the environment laid over it."""
    city = tomllib.loads((Path(directory) / "city.toml").read_text(encoding="utf-8"))
    section = city.get("digest", {})
    values = {key: str(section.get(key, "")).strip() for key in ENVIRONMENT}
    for key, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            values[key] = os.environ[variable].strip()
    msgtype = str(section.get("msgtype", "markdown"))
    if msgtype not in ("markdown", "text"):
        raise ValueError(f"city.toml：[digest] msgtype 应为 markdown 或 text，现为 {msgtype!r}")
    attempts = int(section.get("attempts", 3))
    if not 1 <= attempts <= 10:
        raise ValueError(f"city.toml：[digest] attempts 应为 1–10 次，现为 {attempts}")
    backoff = float(section.get("backoff_seconds", 2))
    if not 0 <= backoff <= 60:
        raise ValueError(f"city.toml：[digest] backoff_seconds 应为 0–60 秒，现为 {backoff}")
    push_at = str(section.get("push_at", "")).strip()
    try:
        at = time.fromisoformat(push_at) if push_at else None
    except ValueError:
        raise ValueError(f"city.toml：[digest] push_at 应为 时:分（如 18:00）或留空，现为 {push_at!r}") from None
    return DigestConfig(**values, msgtype=msgtype, attempts=attempts, backoff_seconds=backoff, push_at=at)


@dataclass(frozen=True)
class Digest:
    day: date
    city: str
    entries: pl.DataFrame  # stage, project_key, project_name, unit_name, amount_wan
    loads: pl.DataFrame  # kind, period_label, rows_loaded, file_name, unit_names
    due_month: date  # the month units report on this day
    unreported: dict | None  # expected, reported, published, missing_units; None: nobody expected
    warnings: pl.DataFrame  # number, change (red|resolved), stage_label, project_name, unit_name, days, liaison_leader
    links: DigestConfig = field(default_factory=DigestConfig)

    @property
    def title(self) -> str:
        return f"{self.city}招商项目动态 {self.day.year}年{self.day.month}月{self.day.day}日"

    def text(self) -> str:
        """Plain text, to paste into a group chat."""
        return "\n".join(self._lines(markdown=False))

    def markdown(self) -> str:
        """Markdown for the robots: the title bold, projects linked to their dossiers."""
        return "\n".join(self._lines(markdown=True))

    def _lines(self, markdown: bool) -> list[str]:
        lines = [f"**{self.title}**" if markdown else f"【{self.title}】"]
        for stage, label in STAGES.items():
            rows = self.entries.filter(pl.col("stage") == stage)
            if rows.height:
                lines += self._section(stage, label, rows, markdown)
        if not self.entries.height:
            lines.append("当日无新增线索、洽谈、签约或开工项目。")
        lines += self._loads()
        lines += self._reporting()
        lines += self._warnings(markdown)
        return lines

    def _heading(self, text: str, markdown: bool) -> str:
        return f"**{text}**" if markdown else f"▶{text}"

    def _project(self, index: int, unit: str, name: str, tail: str, key: str, markdown: bool) -> list[str]:
        link = self.links.link(key)
        if markdown and link:
            return [f"{index}. {unit}｜[{name}]({link}){tail}"]
        return [f"{index}. {unit}｜{name}{tail}"] + ([f"   {link}"] if link else [])

    def _section(self, stage: str, label: str, rows: pl.DataFrame, markdown: bool) -> list[str]:
        amounts = [a for a in rows.get_column("amount_wan").to_list() if a is not None]
        total = f"，{AMOUNT_LABELS[stage]}合计 {yi(sum(amounts))} 亿元" if amounts else ""
        lines = [self._heading(f"{label} {rows.height} 个{total}", markdown)]
        for i, r in enumerate(rows.head(MAX_ITEMS).iter_rows(named=True), 1):
            amount = f"，{yi(r['amount_wan'])} 亿元" if r["amount_wan"] is not None else "，金额待定"
            lines += self._project(i, r["unit_name"], r["project_name"], amount, r["project_key"], markdown)
        if rows.height > MAX_ITEMS:
            lines.append(f"…另有 {rows.height - MAX_ITEMS} 个，见平台")
        return lines

    def _loads(self) -> list[str]:
        if not self.loads.height:
            return ["收到台账：无"]
        lines = [f"收到台账 {self.loads.height} 份："]
        for r in self.loads.head(MAX_ITEMS).iter_rows(named=True):
            names = r["unit_names"]
            units = "、".join(names[:3]) + (f"等 {len(names)} 个单位" if len(names) > 3 else "")
            period = f"{r['period_label']}" if r["period_label"] else ""
            lines.append(f"· {units or r['file_name']} {period}{KIND_NAMES.get(r['kind'], '')}台账 {r['rows_loaded']} 行")
        if self.loads.height > MAX_ITEMS:
            lines.append(f"…另有 {self.loads.height - MAX_ITEMS} 份，见平台")
        return lines

    def _reporting(self) -> list[str]:
        month = f"{self.due_month.year}年{self.due_month.month}月"
        state = self.unreported
        if state is None:
            return []
        if state["published"]:
            return [f"报送：{month}数据已发布"]
        missing = state["missing_units"]
        head = f"报送：{month}已报 {state['reported']}/{state['expected']}"
        if not missing:
            return [head]
        return [f"{head}，未报：{'、'.join(missing)}"]

    def _warnings(self, markdown: bool) -> list[str]:
        lines = []
        for change, label in (("red", "转为红色预警"), ("resolved", "预警解除")):
            rows = self.warnings.filter(pl.col("change") == change)
            if not rows.height:
                continue
            number = rows.get_column("number").max()
            lines.append(self._heading(f"{label} {rows.height} 个（第{number}期通报）", markdown))
            for i, r in enumerate(rows.head(MAX_ITEMS).iter_rows(named=True), 1):
                if change == "red":
                    leader = f"，包联：{r['liaison_leader']}" if r["liaison_leader"] else ""
                    tail = f"（{r['stage_label']} {r['days']} 天{leader}）"
                else:
                    tail = f"（原{r['stage_label']}）"
                lines += self._project(i, r["unit_name"], r["project_name"], tail, r["project_key"], markdown)
            if rows.height > MAX_ITEMS:
                lines.append(f"…另有 {rows.height - MAX_ITEMS} 个，见平台")
        return lines


def compose(cur: duckdb.DuckDBPyConnection, day: date, settings: DigestConfig | None = None) -> Digest:
    """The update of `day` from the warehouse behind `cur`."""
    settings = settings or config()
    due = months_before(day.replace(day=1), 1)
    unreported = run(cur, "digest_unreported", month=due)
    state = unreported.row(0, named=True) if unreported.height else None
    if state is not None and not state["expected"]:
        state = None
    return Digest(
        day=day,
        city=load_reference().city_name,
        entries=run(cur, "digest_entries", day=day),
        loads=run(cur, "digest_loads", day=day),
        due_month=due,
        unreported=state,
        warnings=run(cur, "digest_warnings", day=day),
        links=settings,
    )


# ---------------------------------------------------------------- command line
