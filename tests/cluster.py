"""Several app servers behind nginx, as deploy/ describes it, for end-to-end tests and benchmarks.

nginx runs as a child process in a directory of its own (config, pid file, logs, temp
files) with deploy/nginx/zhaoshang.conf, only its listen address and upstream servers
replaced, so a test passes through the configuration a city deploys. The access log names
for every request its routing cookie and the app server that answered it. A missing nginx
raises NginxMissing, which the tests' fixtures turn into a failure in CI (CI or
REQUIRE_NGINX set) and a skip elsewhere.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from ui.process import AppProcess, end, free_port

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "zhaoshang.conf"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
ROUTE_COOKIE = "zs_route"

_UPSTREAM_SERVER = re.compile(r"^([ \t]*)server 127\.0\.0\.1:\d+ (.*);\n", re.MULTILINE)

MAIN = """\
{user}
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    log_format routed '$zs_route\\t$upstream_addr\\t$request_method\\t$request_uri\\t$status';
    access_log {root}/access.log routed;
    include {root}/zhaoshang.conf;
}}
"""


class NginxMissing(RuntimeError):
    """No nginx binary on this machine."""


def require_nginx() -> None:
    if not Path(NGINX).exists():
        raise NginxMissing(f"nginx not found at {NGINX}: apt-get install nginx")


def site_config(upstream_ports: list[int], listen_port: int) -> str:
    """deploy/nginx/zhaoshang.conf listening on 127.0.0.1:listen_port in front of these ports."""
    text = SITE.read_text(encoding="utf-8")
    template = _UPSTREAM_SERVER.findall(text)
    if not template:
        raise ValueError(f"{SITE}: no 'server 127.0.0.1:PORT ...;' line in the upstream")
    indent, options = template[0]
    servers = "".join(f"{indent}server 127.0.0.1:{port} {options};\n" for port in upstream_ports)
    once = iter([servers])  # the template's server lines become these, where the first stood
    text = _UPSTREAM_SERVER.sub(lambda _: next(once, ""), text)
    text, listens = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.MULTILINE)
    if listens != 1:
        raise ValueError(f"{SITE}: expected one 'listen 80;', found {listens}")
    return text


@dataclass(frozen=True)
class Logged:
    """One request in nginx's access log."""

    route: str
    upstream_port: int | None
    method: str
    uri: str
    status: int


class Nginx:
    """nginx in front of upstream_ports on a free loopback port; stop() ends only this process."""

    def __init__(self, upstream_ports: list[int], root: Path, port: int | None = None):
        require_nginx()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstream_ports = list(upstream_ports)
        (self.root / "zhaoshang.conf").write_text(site_config(self.upstream_ports, self.port), encoding="utf-8")
        # as root nginx would hand requests to workers running as nobody, who cannot enter
        # a private temporary directory
        user = "user root;" if os.geteuid() == 0 else ""
        (self.root / "nginx.conf").write_text(MAIN.format(root=self.root, user=user), encoding="utf-8")
        self.access_log = self.root / "access.log"
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.root), "-c", str(self.root / "nginx.conf"), "-e", str(self.root / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        try:
            self._wait_listening()
        except RuntimeError:
            self.stop()
            raise

    def _wait_listening(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen in {timeout:g} s: {self.error_log()}")

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log(self) -> list[Logged]:
        """Every request nginx has finished (a websocket: once it closed)."""
        entries = []
        if not self.access_log.exists():
            return entries
        for line in self.access_log.read_text(errors="replace").splitlines():
            route, upstream, method, uri, status = line.split("\t")
            # after a failed try nginx names every server it tried: the last one answered
            last = upstream.split(",")[-1].strip()
            port = int(last.rsplit(":", 1)[1]) if ":" in last else None
            entries.append(Logged(route, port, method, uri, int(status)))
        return entries

    def upstream_of(self, route: str) -> int:
        """The app server's port that a browser holding this routing cookie reaches."""
        probe = f"/_stcore/health?probe={uuid.uuid4().hex}"
        request = urllib.request.Request(self.url + probe, headers={"Cookie": f"{ROUTE_COOKIE}={route}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # nginx writes the line just after answering
            for entry in self.log():
                if entry.uri == probe and entry.upstream_port is not None:
                    return entry.upstream_port
            time.sleep(0.05)
        raise RuntimeError(f"no access log line for {probe}")

    def route_to(self, port: int, attempts: int = 64) -> str:
        """A routing cookie value that nginx sends to the app server on this port."""
        for _ in range(attempts):
            route = uuid.uuid4().hex
            if self.upstream_of(route) == port:
                return route
        raise RuntimeError(f"no routing cookie reached port {port} in {attempts} attempts")

    def stop(self) -> None:
        end(self.process)


class Cluster:
    """`count` app servers (ui.process.AppProcess, what `make run` starts) sharing `env`,
    behind nginx. `url` is nginx's; `servers[i].url` each server's own."""

    def __init__(self, env: dict[str, str], count: int, root: Path):
        self.root = Path(root)
        self.servers: list[AppProcess] = []
        self.nginx: Nginx | None = None
        require_nginx()  # before the servers start, which take seconds
        try:
            for i in range(count):
                self.servers.append(AppProcess(env, self.root / f"app-{i}.log"))
            self.nginx = Nginx([s.port for s in self.servers], self.root / "nginx")
        except BaseException:
            self.stop()
            raise
        self.url = self.nginx.url

    def server_on(self, port: int) -> AppProcess:
        return next(s for s in self.servers if s.port == port)

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for server in self.servers:
            server.stop()
