"""deploy/: the systemd unit starts the app as `make run` does, and every setting of the env
file is one that something reads (a misspelt name would be ignored without a word)."""

from __future__ import annotations

import inspect
import re
import shlex
import subprocess
import sys
import time
import urllib.request

from streamlit import config as streamlit_config

from tests.cluster import ROOT
from ui.process import free_port

UNIT = ROOT / "deploy" / "systemd" / "zhaoshang@.service"
ENV_FILE = ROOT / "deploy" / "zhaoshang.env.example"


def unit_setting(key: str) -> str:
    (value,) = re.findall(rf"^{key}=(.*)$", UNIT.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return value


def env_names() -> list[str]:
    """Every variable the env file sets, or shows commented out as an option."""
    return re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_FILE.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_the_unit_reads_the_env_file_the_readme_names():
    assert unit_setting("EnvironmentFile") == "/etc/zhaoshang/zhaoshang.env"
    assert "/etc/zhaoshang/zhaoshang.env" in ENV_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert "/etc/zhaoshang/zhaoshang.env" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_of_the_env_file_is_read_by_the_app_or_its_libraries():
    import uvicorn.config

    project = "\n".join(p.read_text(encoding="utf-8") for d in ("base", "etl", "warehouse", "ui") for p in (ROOT / d).rglob("*.py"))
    streamlit_options = {o.env_var for o in streamlit_config._config_options_template.values()}
    outside = {"PGPASSWORD"}  # libpq, inside the PostgreSQL drivers, reads it
    readers = {"FORWARDED_ALLOW_IPS": inspect.getsource(uvicorn.config), "APP_ADDRESS": unit_setting("ExecStart")}
    names = env_names()
    assert {"WAREHOUSE_DB", "WAREHOUSE_DATA_PATH", "STREAMLIT_SERVER_COOKIE_SECRET"} <= set(names)
    for name in set(names) - outside:
        if name.startswith("STREAMLIT_"):
            assert name in streamlit_options, name
        elif name in readers:
            assert name in readers[name], name
        else:
            assert f'"{name}"' in project, f"{name}: no module of the app reads it"


def test_the_units_command_starts_the_app(sample_db, tmp_path):
    port = free_port()
    command = shlex.split(unit_setting("ExecStart").replace("%i", str(port)).replace("${APP_ADDRESS}", "127.0.0.1"))
    assert command[0] == "/opt/zhaoshang/.venv/bin/python" and command[1:3] == ["-m", "ui.serve"]  # make run's
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen(
        [sys.executable, *command[1:]], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WAREHOUSE_DB": str(sample_db),
             "ACCOUNTS_DB": str(tmp_path / "accounts.sqlite"), "BULLETIN_SCHEDULE": "off"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert app.poll() is None, (tmp_path / "app.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    assert answer.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "app.log").read_text()
                time.sleep(0.2)
    finally:
        app.terminate()
        app.wait(20)
        log.close()
