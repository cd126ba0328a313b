"""The city's settings as base.reference hands them out: typed, with their defaults."""

from __future__ import annotations

import shutil

import pytest

from base.reference import REFERENCE_DIR, load_reference


def city_with(tmp_path, warnings: str):
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    text = (directory / "city.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[warnings]")
    rest = rest[rest.index("\n["):]  # the sections after [warnings]
    (directory / "city.toml").write_text(f"{head}{warnings}{rest}", encoding="utf-8")
    return directory


def test_the_signed_warning_days_are_read_from_city_toml(tmp_path):
    directory = city_with(tmp_path, "[warnings]\nsigned_not_started_yellow_days = 60\nsigned_not_started_red_days = 120\n")
    reference = load_reference(directory)
    assert (reference.signed_yellow_days, reference.signed_red_days) == (60, 120)


def test_without_a_warnings_section_the_days_are_90_and_180(tmp_path):
    reference = load_reference(city_with(tmp_path, ""))
    assert (reference.signed_yellow_days, reference.signed_red_days) == (90, 180)


def test_a_day_count_below_one_is_refused_by_name(tmp_path):
    directory = city_with(tmp_path, "[warnings]\nsigned_not_started_yellow_days = 0\n")
    with pytest.raises(ValueError, match="signed_not_started_yellow_days"):
        load_reference(directory)
