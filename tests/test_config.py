"""base.config: city.toml read in one place, parsed again only when it changes, typed per section."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from base import config

ROOT = Path(__file__).resolve().parent.parent


def test_no_other_module_of_the_app_reads_toml():
    readers = []
    for package in ("base", "warehouse", "etl", "ui", "pages"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
            if "tomllib" in names:
                readers.append(str(path.relative_to(ROOT)))
    assert readers == ["base/config.py"]


def write(directory: Path, text: str, mtime_ns: int) -> None:
    path = directory / "city.toml"
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_the_file_is_parsed_once_per_version_and_an_edit_is_read_at_the_next_ask(tmp_path, monkeypatch):
    parses = []
    loads = config.tomllib.loads
    monkeypatch.setattr(config.tomllib, "loads", lambda text: parses.append(text) or loads(text))
    write(tmp_path, "[access]\nsession_minutes = 30\n[pipeline_warnings]\nlead_yellow_days = 20\n", 1_000_000_000)
    assert config.access(tmp_path).session_minutes == 30
    assert config.access(tmp_path).session_minutes == 30
    assert config.limits(tmp_path).lead_yellow == 20 and config.wall(tmp_path) == config.WallSettings()
    assert len(parses) == 1  # every section of a version shares one parse
    write(tmp_path, "[access]\nsession_minutes = 45\n", 2_000_000_000)
    assert config.access(tmp_path).session_minutes == 45 and config.limits(tmp_path).lead_yellow == 30
    assert len(parses) == 2


def test_a_setting_that_steers_what_people_see_falls_back_a_job_setting_is_refused(tmp_path):
    write(tmp_path, "[access\n", 3_000_000_000)  # not TOML
    assert config.access(tmp_path) == config.AccessSettings()
    assert config.wall(tmp_path).panels == config.PANELS
    assert config.rise_colour(tmp_path) == "red"
    with pytest.raises(config.tomllib.TOMLDecodeError):
        config.limits(tmp_path)
    write(tmp_path, '[digest]\nmsgtype = "html"\n[pipeline_warnings]\nstarted_red_days = -1\n', 4_000_000_000)
    with pytest.raises(ValueError, match="msgtype 应为 markdown 或 text"):
        config.digest(tmp_path)
    with pytest.raises(ValueError, match=r"\[pipeline_warnings\] started_red_days 应为正整数天数"):
        config.limits(tmp_path)
    assert config.signed_days(tmp_path) == (90, 180)  # 开工分析 does not depend on the other stages


def test_the_digest_takes_the_robots_from_the_environment_over_the_file(tmp_path, monkeypatch):
    write(tmp_path, '[digest]\nwecom_webhook = "https://file"\nattempts = 2\n', 5_000_000_000)
    assert (config.digest(tmp_path).wecom_webhook, config.digest(tmp_path).attempts) == ("https://file", 2)
    monkeypatch.setenv("DIGEST_WECOM_WEBHOOK", " https://env ")
    assert (config.digest(tmp_path).wecom_webhook, config.digest(tmp_path).attempts) == ("https://env", 2)
