"""city.toml, read in one place: one typed, frozen value per section, defaults written once.

The file is parsed again only when it changes (mtime and size), so an edit on a running
server takes effect at the next read without a restart, and the many reads of a page cost
a stat. Two kinds of section: those that decide what people see (access, wall, display)
fall back to their defaults with a warning in the log when the file or a value is wrong, so
a typo locks nobody out and never blanks the wall; those a job acts on (the city, the
warning limits, the digest) refuse a wrong value with a Chinese message that names it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tomllib
from dataclasses import asdict, dataclass, replace
from datetime import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(os.environ.get("REFERENCE_DIR", ROOT / "data" / "reference"))


def _path(directory: Path | None) -> Path:
    return Path(directory or REFERENCE_DIR) / "city.toml"


def _version(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=16)
def _parsed(path: Path, version) -> dict:
    # callers only read the tables: one parse is shared by every section of a version
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _section(build, directory: Path | None):
    """`build(path, version)` for the file as it is now; each builder caches per version."""
    path = _path(directory)
    return build(path, _version(path))


def _table(path: Path, version, name: str) -> dict:
    """A section for the lenient readers: {} (their defaults) when the file cannot be read."""
    try:
        return _parsed(path, version).get(name, {})
    except (OSError, tomllib.TOMLDecodeError):
        log.warning("cannot read [%s] from %s; using defaults", name, path)
        return {}


def _days(table: dict, section: str, key: str, default: int) -> int:
    value = int(table.get(key, default))
    if value < 1:
        raise ValueError(f"city.toml：[{section}] {key} 应为正整数天数，现为 {value}")
    return value


# ---------------------------------------------------------------- the city


@dataclass(frozen=True)
class City:
    """The top of city.toml, [warnings] as written, [plausibility] and [reporting]."""

    name: str
    short_name: str
    adcode: str
    geo_file: Path
    warning_days: dict  # [warnings] as written
    # the largest amount one project can plausibly have, in 万元 ([plausibility] max_project_amount_yi)
    max_project_amount_wan: int = 500 * 10_000
    # an amount `history_factor` times the unit's largest so far is a slip too (etl/precedent.py)
    history_factor: int = 100
    history_min_projects: int = 5
    history_min_amount_wan: int = 10 * 10_000
    # [reporting]: the day of the next month by which a month is due, and who must report it:
    # "reported_before", "all" or a list of unit names (resolved against units.csv by base.reference)
    report_deadline_day: int = 5
    expected_units: str | tuple[str, ...] = "reported_before"


def city(directory: Path | None = None) -> City:
    return _section(_city, directory)


@lru_cache(maxsize=8)
def _city(path: Path, version) -> City:
    top = _parsed(path, version)
    plausibility = top.get("plausibility", {})
    reporting = top.get("reporting", {})
    geo = Path(top["geo_file"])
    expected = reporting.get("expected_units", City.expected_units)
    return City(
        name=top["name"],
        short_name=top.get("short_name", top["name"]),
        adcode=str(top["adcode"]),
        geo_file=geo if geo.is_absolute() else ROOT / geo,
        warning_days=dict(top.get("warnings", {})),
        max_project_amount_wan=int(plausibility.get("max_project_amount_yi", City.max_project_amount_wan // 10_000) * 10_000),
        history_factor=int(plausibility.get("history_factor", City.history_factor)),
        history_min_projects=int(plausibility.get("history_min_projects", City.history_min_projects)),
        history_min_amount_wan=int(plausibility.get("history_min_amount_yi", City.history_min_amount_wan // 10_000) * 10_000),
        report_deadline_day=int(reporting.get("deadline_day", City.report_deadline_day)),
        expected_units=expected if isinstance(expected, str) else tuple(expected),
    )


# ---------------------------------------------------------------- 四库 warning limits

# what "too long" means in each stage, for the limits written on pages and notices
WAITING_FOR = {
    "lead": "线索录入后未转入洽谈",
    "negotiating": "首次洽谈后未签约",
    "signed": "签约后未开工",
    "started": "开工后未投产",
}


@dataclass(frozen=True)
class Limits:
    """Days in a stage before a yellow and before a red warning; days between bulletins."""

    lead_yellow: int = 30
    lead_red: int = 60
    negotiating_yellow: int = 90
    negotiating_red: int = 180
    signed_yellow: int = 90
    signed_red: int = 180
    started_yellow: int = 365
    started_red: int = 730
    interval_days: int = 5

    def params(self) -> dict[str, int]:
        """The warning queries' parameters ($lead_yellow, …), in the macros' order."""
        return {k: v for k, v in asdict(self).items() if k != "interval_days"}

    def rules(self) -> list[tuple[str, str, int, int]]:
        """(stage, what it waits for, yellow days, red days) per stage."""
        return [(s, WAITING_FOR[s], getattr(self, f"{s}_yellow"), getattr(self, f"{s}_red")) for s in WAITING_FOR]

    def describe(self) -> str:
        return "；".join(f"{what}满 {y} 天黄色预警、满 {r} 天红色预警" for _, what, y, r in self.rules())


def limits(directory: Path | None = None) -> Limits:
    """[pipeline_warnings], and [warnings] for the signed stage, which 开工分析 uses too, so
    both pages warn about the same projects."""
    return _section(_limits, directory)


def signed_days(directory: Path | None = None) -> tuple[int, int]:
    """[warnings]: days after signing without a start before a yellow, then a red warning;
    apart from the other limits so that 开工分析 does not depend on them."""
    return _section(_signed_days, directory)


@lru_cache(maxsize=8)
def _signed_days(path: Path, version) -> tuple[int, int]:
    signed = _parsed(path, version).get("warnings", {})
    return (
        _days(signed, "warnings", "signed_not_started_yellow_days", Limits.signed_yellow),
        _days(signed, "warnings", "signed_not_started_red_days", Limits.signed_red),
    )


@lru_cache(maxsize=8)
def _limits(path: Path, version) -> Limits:
    stages = _parsed(path, version).get("pipeline_warnings", {})
    signed_yellow, signed_red = _signed_days(path, version)
    default = Limits()
    return Limits(
        lead_yellow=_days(stages, "pipeline_warnings", "lead_yellow_days", default.lead_yellow),
        lead_red=_days(stages, "pipeline_warnings", "lead_red_days", default.lead_red),
        negotiating_yellow=_days(stages, "pipeline_warnings", "negotiating_yellow_days", default.negotiating_yellow),
        negotiating_red=_days(stages, "pipeline_warnings", "negotiating_red_days", default.negotiating_red),
        signed_yellow=signed_yellow,
        signed_red=signed_red,
        started_yellow=_days(stages, "pipeline_warnings", "started_yellow_days", default.started_yellow),
        started_red=_days(stages, "pipeline_warnings", "started_red_days", default.started_red),
        interval_days=_days(stages, "pipeline_warnings", "bulletin_interval_days", default.interval_days),
    )


# ---------------------------------------------------------------- [access]


@dataclass(frozen=True)
class AccessSettings:
    analyst_login_required: bool = False
    session_minutes: int = 480  # idle limit
    session_hours: int = 24  # a login's lifetime (and its cookie's), however active
    # reverse proxies whose forwarded headers name the client (addresses or networks);
    # none by default: the peer address is the client
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


def access(directory: Path | None = None) -> AccessSettings:
    """[access]; asked for by every table drawn (its export is audited with the client's address)."""
    return _section(_access, directory)


def _positive_int(section: dict, name: str, key: str, default: int, minimum: int = 1) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        log.warning("[%s] %s must be an integer ≥ %s; using %s", name, key, minimum, default)
        return default
    return value


def _flag(section: dict, name: str, key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        log.warning("[%s] %s must be true or false; using %s", name, key, default)
        return default
    return value


@lru_cache(maxsize=8)
def _access(path: Path, version) -> AccessSettings:
    section = _table(path, version, "access")
    default = AccessSettings()
    return AccessSettings(
        analyst_login_required=_flag(section, "access", "analyst_login_required", default.analyst_login_required),
        session_minutes=_positive_int(section, "access", "session_minutes", default.session_minutes),
        session_hours=_positive_int(section, "access", "session_hours", default.session_hours),
        trusted_proxies=networks(section.get("trusted_proxies", [])),
    )


def networks(entries) -> tuple:
    """trusted_proxies as networks ("127.0.0.1", "10.0.0.0/8"); a wrong entry is left out."""
    if not isinstance(entries, list):
        log.warning("[access] trusted_proxies must be a list of addresses; trusting no proxy")
        return ()
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            log.warning("[access] trusted_proxies: %r is not an address or network; left out", entry)
    return tuple(found)


# ---------------------------------------------------------------- [wall]

PANELS = ("overview", "units", "warnings")


@dataclass(frozen=True)
class WallSettings:
    refresh_seconds: int = 60
    # the ranking and the red warnings are seen only when the wall turns to them: on by default
    rotate_seconds: int = 30  # 0: no rotation, the first panel only
    panels: tuple[str, ...] = PANELS
    latest_signings: int = 20
    chains: int = 8
    warnings_include_earlier: bool = False
    red_warnings: int = 10


def wall(directory: Path | None = None) -> WallSettings:
    """[wall]; WALL_REFRESH_SECONDS and WALL_ROTATE_SECONDS in the environment override
    refresh_seconds and rotate_seconds (tests use a few seconds)."""
    settings = _section(_wall, directory)
    if (env := os.environ.get("WALL_REFRESH_SECONDS", "").strip()).isdigit() and int(env) > 0:
        settings = replace(settings, refresh_seconds=int(env))
    if (env := os.environ.get("WALL_ROTATE_SECONDS", "").strip()).isdigit():
        settings = replace(settings, rotate_seconds=int(env))
    return settings


@lru_cache(maxsize=8)
def _wall(path: Path, version) -> WallSettings:
    section = _table(path, version, "wall")
    default = WallSettings()
    listed = section.get("panels", list(default.panels))
    panels = tuple(p for p in listed if p in PANELS) if isinstance(listed, list) else ()
    if not panels:
        log.warning("[wall] panels must list some of %s; using %s", PANELS, default.panels)
        panels = default.panels
    return WallSettings(
        refresh_seconds=_positive_int(section, "wall", "refresh_seconds", default.refresh_seconds),
        rotate_seconds=_positive_int(section, "wall", "rotate_seconds", default.rotate_seconds, 0),
        panels=panels,
        latest_signings=_positive_int(section, "wall", "latest_signings", default.latest_signings),
        chains=_positive_int(section, "wall", "chains", default.chains),
        warnings_include_earlier=_flag(section, "wall", "warnings_include_earlier", default.warnings_include_earlier),
        red_warnings=_positive_int(section, "wall", "red_warnings", default.red_warnings),
    )


# ---------------------------------------------------------------- [display]

RISE_COLOURS = ("red", "green")


def rise_colour(directory: Path | None = None) -> str:
    """[display] rise_colour: "red" (红涨绿跌, the default: a rise in red, a fall in green, as
    Chinese officials read figures) or "green" (a rise in green, a fall in red)."""
    return _section(_rise_colour, directory)


@lru_cache(maxsize=8)
def _rise_colour(path: Path, version) -> str:
    value = _table(path, version, "display").get("rise_colour", RISE_COLOURS[0])
    if value not in RISE_COLOURS:
        log.warning("[display] rise_colour must be one of %s, not %r; a rise is red", list(RISE_COLOURS), value)
        return RISE_COLOURS[0]
    return value


# ---------------------------------------------------------------- [digest]


@dataclass(frozen=True)
class DigestConfig:
    """[digest]; the robots' addresses and secret also from the environment, which wins."""

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


DIGEST_ENVIRONMENT = {
    "base_url": "DIGEST_BASE_URL",
    "wecom_webhook": "DIGEST_WECOM_WEBHOOK",
    "dingtalk_webhook": "DIGEST_DINGTALK_WEBHOOK",
    "dingtalk_secret": "DIGEST_DINGTALK_SECRET",
}


def digest(directory: Path | None = None) -> DigestConfig:
    """[digest] with the environment laid over it."""
    settings = _section(_digest, directory)
    overrides = {key: os.environ[name].strip() for key, name in DIGEST_ENVIRONMENT.items() if os.environ.get(name)}
    return replace(settings, **overrides)


@lru_cache(maxsize=8)
def _digest(path: Path, version) -> DigestConfig:
    section = _parsed(path, version).get("digest", {})
    default = DigestConfig()
    msgtype = str(section.get("msgtype", default.msgtype))
    if msgtype not in ("markdown", "text"):
        raise ValueError(f"city.toml：[digest] msgtype 应为 markdown 或 text，现为 {msgtype!r}")
    attempts = int(section.get("attempts", default.attempts))
    if not 1 <= attempts <= 10:
        raise ValueError(f"city.toml：[digest] attempts 应为 1–10 次，现为 {attempts}")
    backoff = float(section.get("backoff_seconds", default.backoff_seconds))
    if not 0 <= backoff <= 60:
        raise ValueError(f"city.toml：[digest] backoff_seconds 应为 0–60 秒，现为 {backoff}")
    push_at = str(section.get("push_at", "")).strip()
    try:
        at = time.fromisoformat(push_at) if push_at else None
    except ValueError:
        raise ValueError(f"city.toml：[digest] push_at 应为 时:分（如 18:00）或留空，现为 {push_at!r}") from None
    return DigestConfig(
        **{key: str(section.get(key, "")).strip() for key in DIGEST_ENVIRONMENT},
        msgtype=msgtype, attempts=attempts, backoff_seconds=backoff, push_at=at,
    )
