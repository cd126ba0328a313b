"""deploy/nginx/zhaoshang.conf in a real nginx in front of two small servers that answer with
their port and the headers they received: sticky routing by nginx's own cookie, the
websocket upgrade, the forwarding headers a browser cannot forge, and the upload limit."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cluster import NGINX, ROOT, ROUTE_COOKIE, SITE, Nginx, NginxMissing, require_nginx
from tests.needs import missing

ROUTE = re.compile(rf"^{ROUTE_COOKIE}=([0-9a-f]{{32}}); Path=/; HttpOnly; SameSite=Lax$")


class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"port": self.server.server_port, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def installed():
    """nginx is on this machine; in CI its absence is a failure."""
    try:
        require_nginx()
    except NginxMissing as absent:
        missing(absent, "REQUIRE_NGINX")


@pytest.fixture(scope="module")
def proxy(installed, tmp_path_factory):
    upstreams = [ThreadingHTTPServer(("127.0.0.1", 0), Echo) for _ in range(2)]
    threads = [threading.Thread(target=u.serve_forever, daemon=True) for u in upstreams]
    for t in threads:
        t.start()
    nginx = Nginx([u.server_port for u in upstreams], tmp_path_factory.mktemp("nginx"))
    yield nginx
    nginx.stop()
    for u in upstreams:
        u.shutdown()


def get(proxy, path="/", headers=None, method="GET"):
    con = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        con.request(method, path, headers=headers or {})
        answer = con.getresponse()
        body = answer.read()
        return answer.status, answer.headers, json.loads(body) if answer.status == 200 else None
    finally:
        con.close()


def test_a_new_browser_gets_a_routing_cookie_and_keeps_its_server(proxy):
    status, headers, first = get(proxy)
    assert status == 200
    (cookie,) = headers.get_all("Set-Cookie")
    route = ROUTE.match(cookie).group(1)
    # with its cookie, every request (pages, the websocket, uploads) reaches that server,
    # and nginx sets no new cookie
    for path in ("/upload", "/_stcore/stream", "/_stcore/upload_file/abc/def", "/static/app.css") * 5:
        status, headers, answer = get(proxy, path, {"Cookie": f"{ROUTE_COOKIE}={route}"})
        assert status == 200 and answer["port"] == first["port"], path
        assert headers.get_all("Set-Cookie") is None


def test_browsers_spread_over_the_servers_even_from_one_address(proxy):
    # forty browsers behind one NAT address (all of them 127.0.0.1 here): both servers get some
    ports = {get(proxy)[2]["port"] for _ in range(40)}
    assert ports == set(proxy.upstream_ports)


def test_a_malformed_routing_cookie_is_replaced(proxy):
    for bad in ("abc", "../../etc", "G" * 32, "0" * 31):
        _, headers, _ = get(proxy, headers={"Cookie": f"{ROUTE_COOKIE}={bad}"})
        assert ROUTE.match(headers["Set-Cookie"]), bad


def test_the_websocket_upgrade_and_the_host_with_its_port_reach_the_app(proxy):
    _, _, answer = get(proxy, "/_stcore/stream", {"Upgrade": "websocket", "Connection": "Upgrade"})
    seen = answer["headers"]
    assert seen["upgrade"] == "websocket" and seen["connection"] == "upgrade"
    # Streamlit compares the websocket's Origin with this Host, port included
    assert seen["host"] == f"127.0.0.1:{proxy.port}"
    _, _, plain = get(proxy, "/")
    assert "upgrade" not in plain["headers"]


def test_the_app_sees_the_visitors_address_and_no_forwarding_header_a_browser_invented(proxy):
    _, _, answer = get(proxy, "/", {
        "X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9", "X-Real-IP": "203.0.113.9",
    })
    seen = answer["headers"]
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert "forwarded" not in seen and "x-real-ip" not in seen


def test_uploads_up_to_the_apps_limit_pass_and_larger_bodies_are_refused():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    (limit,) = re.findall(r"client_max_body_size (\d+)m;", SITE.read_text(encoding="utf-8"))
    # Streamlit's uploader refuses a larger file itself; nginx must pass every file it sends,
    # with its multipart envelope
    assert int(limit) == config["server"]["maxUploadSize"] + 1


def test_a_body_over_the_limit_is_refused_before_it_is_sent(proxy):
    status, _, _ = get(proxy, "/_stcore/upload_file/a/b", {"Content-Length": str(202 * 1024 * 1024)}, method="PUT")
    assert status == 413


def test_the_site_config_passes_nginx_t_inside_debians_own_nginx_conf(installed, tmp_path):
    # README step 7: the file goes into /etc/nginx/conf.d/, included by the package's nginx.conf
    debian = Path("/etc/nginx/nginx.conf").read_text(encoding="utf-8")
    assert "include /etc/nginx/conf.d/*.conf;" in debian
    main = re.sub(r"^pid .*$", f"pid {tmp_path}/nginx.pid;", debian, flags=re.MULTILINE)
    main = main.replace("include /etc/nginx/conf.d/*.conf;", f"include {SITE};")
    main = main.replace("include /etc/nginx/sites-enabled/*;", "")
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    checked = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
