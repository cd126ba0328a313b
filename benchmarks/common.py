"""Shared by the benchmark parts: statistics, measured subprocesses, machine facts, results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
RESULTS = DATA / "results"
PROFILES = DATA / "profiles"
PYTHON = sys.executable


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summary(values) -> dict:
    """median, min, max and n of a list of seconds (or any numbers)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def paired_ratio(a: list[float], b: list[float]) -> dict:
    """Ratio of medians, and min-max of the per-run ratios (runs interleaved, so paired)."""
    pairs = [x / y for x, y in zip(a, b) if x is not None and y]
    ma, mb = median(a), median(b)
    return {
        "ratio": ma / mb if ma is not None and mb else None,
        "min": min(pairs) if pairs else None,
        "max": max(pairs) if pairs else None,
    }


@dataclass
class Measured:
    seconds: float
    max_rss_mb: float
    cpu_seconds: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path = ROOT, timeout: float = 900) -> Measured:
    """Wall time (perf_counter around the whole process) and the child's own peak RSS (wait4)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        t0 = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - t0
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, process.returncode,
                        out.read(), err.read())


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "—"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    chromium = "—"
    try:
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "nproc": os.cpu_count(),
        "memory": mem,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "polars": _version("polars"),
        "pyarrow": _version("pyarrow"),
        "streamlit": _version("streamlit"),
        "fastexcel": _version("fastexcel"),
        "openpyxl": _version("openpyxl"),
        "pandas": _version("pandas"),
        "playwright": _version("playwright"),
        "chromium": chromium,
    }


_STARTED: dict[str, tuple[float, ...]] = {}


def begin(part: str) -> None:
    """Note the machine's load average when a part starts (other work on the machine skews times)."""
    _STARTED[part] = os.getloadavg()


def save(part: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"part": part, "date": datetime.now().isoformat(timespec="seconds"), "machine": machine(),
              "loadavg_start": _STARTED.get(part), "loadavg_end": os.getloadavg(), **result}
    path = RESULTS / f"{part}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return path


def load(part: str) -> dict | None:
    path = RESULTS / f"{part}.json"
    return json.loads(path.read_text()) if path.exists() else None


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f}"


def sec(seconds: float | None, places: int = 2) -> str:
    return "—" if seconds is None else f"{seconds:,.{places}f}"


def app_pages() -> list[dict]:
    """The pages app.py routes to: url path ('' for the default page), file and title."""
    from app import PAGES

    pages = []
    for entries in PAGES.values():
        for _, file, options in entries:
            path = options.get("url_path") or Path(file).stem
            pages.append({"path": "" if options.get("default") else path, "url_path": path, "file": file,
                          "title": options.get("title", path)})
    return pages
