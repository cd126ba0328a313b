"""Reference data: the city's reporting units, chains, header synonyms and targets.

Everything city-specific is read from data/reference/ so another city is a matter of
editing files, not code.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import config
from .config import REFERENCE_DIR
from .text import compact


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    kind: str  # county | zone
    adcode: str | None  # the county's own adcode; None for zones
    host_adcode: str  # the county the unit rolls up to on the map
    stat_code: str | None
    aliases: tuple[str, ...]
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Reference:
    city_name: str
    city_short_name: str
    city_adcode: str
    geo_file: Path
    units: tuple[Unit, ...]
    chains: tuple[str, ...]
    chain_aliases: dict[str, str]  # alias or name -> chain
    header_synonyms: dict[str, tuple[str, ...]]  # field -> header texts
    # city.toml's settings, as base.config hands them out (the defaults are written there)
    # [warnings]: days after signing without a start before a yellow, then a red warning
    signed_yellow_days: int
    signed_red_days: int
    max_project_amount_wan: int
    history_factor: int
    history_min_projects: int
    history_min_amount_wan: int
    report_deadline_day: int
    # the units that must report a month before it is published (None: every unit that reported before)
    expected_units: tuple[str, ...] | None

    def unit(self, unit_id: str) -> Unit:
        return next(u for u in self.units if u.unit_id == unit_id)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(a for a in (cell or "").split("|") if a)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=4)
def load_reference(directory: Path = REFERENCE_DIR) -> Reference:
    directory = Path(directory)
    city = config.city(directory)
    signed_yellow, signed_red = config.signed_days(directory)
    units = tuple(
        Unit(
            unit_id=r["unit_id"],
            name=r["name"],
            kind=r["kind"],
            adcode=r["adcode"] or None,
            host_adcode=r["host_adcode"],
            stat_code=r["stat_code"] or None,
            aliases=_split(r["aliases"]),
            lon=float(r["lon"]) if r["lon"] else None,
            lat=float(r["lat"]) if r["lat"] else None,
        )
        for r in _rows(directory / "units.csv")
    )
    chain_rows = _rows(directory / "chains.csv")
    chains = tuple(r["chain"] for r in chain_rows)
    chain_aliases = {}
    for r in chain_rows:
        for alias in (r["chain"], *_split(r["aliases"])):
            chain_aliases[alias] = r["chain"]
    headers = {r["field"]: _split(r["synonyms"]) for r in _rows(directory / "headers.csv")}
    return Reference(
        city_name=city.name,
        city_short_name=city.short_name,
        city_adcode=city.adcode,
        geo_file=city.geo_file,
        units=units,
        chains=chains,
        chain_aliases=chain_aliases,
        header_synonyms=headers,
        signed_yellow_days=signed_yellow,
        signed_red_days=signed_red,
        max_project_amount_wan=city.max_project_amount_wan,
        history_factor=city.history_factor,
        history_min_projects=city.history_min_projects,
        history_min_amount_wan=city.history_min_amount_wan,
        report_deadline_day=city.report_deadline_day,
        expected_units=_expected_units(city.expected_units, units),
    )


def _expected_units(setting, units: tuple[Unit, ...]) -> tuple[str, ...] | None:
    """Unit ids from [reporting] expected_units: "reported_before", "all" or a list of names."""
    if setting == "reported_before":
        return None
    if setting == "all":
        return tuple(u.unit_id for u in units)
    by_name = {name: u.unit_id for u in units for name in (u.name, *u.aliases)}
    unknown = [name for name in setting if name not in by_name]
    if unknown:
        raise ValueError(f"city.toml [reporting] expected_units 中的单位不在 units.csv 中：{'、'.join(unknown)}")
    return tuple(by_name[name] for name in setting)


def load_targets(directory: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    """Annual targets: rows of year, unit (全市 or a unit name), metric, target."""
    path = Path(directory) / "targets.csv"
    return _rows(path) if path.exists() else []


# ---------------------------------------------------------------- a unit named in a cell

_COUNTY_SUFFIXES = "县区市"


def _without_suffix(name: str) -> str | None:
    # Two-character names such as 绛县 or 夏县 keep their suffix: 绛 alone means nothing.
    return name[:-1] if len(name) > 2 and name[-1] in _COUNTY_SUFFIXES else None


@lru_cache(maxsize=8)
def _unit_index(units: tuple[Unit, ...]) -> dict[str, Unit]:
    index: dict[str, Unit] = {}
    for unit in units:
        for key in map(compact, (unit.name, *unit.aliases)):
            index.setdefault(key, unit)
            if unit.kind == "county" and (short := _without_suffix(key)):
                index.setdefault(short, unit)
    return index


def _unit_candidates(text: str | None, reference: Reference) -> list[str]:
    key = compact(text)
    candidates = [key]
    for prefix in (reference.city_name, reference.city_short_name):
        if key.startswith(prefix) and len(key) > len(prefix):
            candidates.append(key[len(prefix):])
    return candidates


def resolve_unit(text: str, reference: Reference) -> Unit | None:
    """Reporting-unit cell -> Unit, by name or alias; None when nothing matches."""
    index = _unit_index(reference.units)
    candidates = _unit_candidates(text, reference)
    for candidate in candidates:
        for key in (candidate, _without_suffix(candidate)):
            if key in index:
                return index[key]
    # '永济市商务局', '盐湖区解州镇': the longest unit name the cell starts with.
    for candidate in candidates:
        prefixes = [key for key in index if len(key) >= 2 and candidate.startswith(key)]
        if prefixes:
            return index[max(prefixes, key=len)]
    return None


def suggest_unit(text: str, reference: Reference) -> str | None:
    """Closest unit name, for a '是否为"临猗县"？' hint."""
    index = _unit_index(reference.units)
    for candidate in reversed(_unit_candidates(text, reference)):
        if close := difflib.get_close_matches(candidate, index, n=1, cutoff=0.5):
            return index[close[0]].name
    return None
