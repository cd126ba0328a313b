"""The app in a child process and Debian's chromium, for browser tests and benchmarks.

Both import it from here so neither imports the other's code.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from base.config import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    """`python -m ui.serve` (what `make run` starts) on a loopback port; stop() ends only this process.

    A given port (one a stopped server used) lets a browser come back to the same origin,
    with its cache, as a user does after the server restarted.
    """

    # what starts the app: `make run`'s command; STREAMLIT_RUN is the one every Streamlit user types
    MAKE_RUN = ("-m", "ui.serve")
    STREAMLIT_RUN = ("-m", "streamlit", "run", "app.py")

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None, command: tuple[str, ...] = MAKE_RUN):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log
        self._log = log.open("w")
        t = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable, *command,
                "--server.address", "127.0.0.1", "--server.port", str(self.port),
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
        )
        try:
            self._wait_healthy()
        except RuntimeError:
            # the caller never gets an object to stop(): a server that hangs must not outlive it
            self.stop()
            raise
        self.startup_s = time.perf_counter() - t

    @property
    def pid(self) -> int:
        return self.process.pid

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the app did not become healthy in {timeout:g} s: {self.log_path.read_text()}")

    def memory_mb(self) -> dict[str, float]:
        """VmHWM (peak RSS) and VmRSS of the app process, from /proc."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) / 1024
        return out

    def stop(self) -> None:
        end(self.process)
        self._log.close()


def end(process: subprocess.Popen) -> None:
    """Ask a child to stop; kill it when it has not within 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
