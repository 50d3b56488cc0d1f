import http.client
import multiprocessing
import os
import re
import runpy
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.tcp_proxy import free_loopback_port

ROOT = Path(__file__).resolve().parent.parent


def gunicorn_config(monkeypatch, **env: str) -> dict:
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults_suit_production(monkeypatch):
    config = gunicorn_config(monkeypatch)

    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == multiprocessing.cpu_count() * 2 + 1
    # Threads wait for no client (todoproject/workers.py), so they are few.
    assert (config["worker_class"], config["threads"]) == ("todoproject.workers.RequestBufferingWorker", 4)
    assert config["timeout"] == 30
    assert config["graceful_timeout"] == 30
    assert config["keepalive"] == 75
    # Recycling cost the tail under load; one log line per request is the application's.
    assert config["max_requests"] == 0
    assert config["accesslog"] is None
    assert config["forwarded_allow_ips"] == ""
    assert config["control_socket_disable"] is True
    # A socket per worker: the kernel spreads keep-alive connections over the workers.
    assert config["reuse_port"] is True


def test_gunicorn_takes_port_workers_and_timeouts_from_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch,
        HOST="127.0.0.1",
        PORT="8456",
        WEB_CONCURRENCY="3",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="20",
    )

    assert (config["bind"], config["workers"]) == ("127.0.0.1:8456", 3)
    assert (config["timeout"], config["graceful_timeout"]) == (60, 20)


def test_gunicorn_reads_empty_variables_copied_from_env_example_as_defaults(monkeypatch):
    config = gunicorn_config(monkeypatch, HOST="", PORT="", WEB_CONCURRENCY="", GUNICORN_TIMEOUT="")

    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert config["timeout"] == 30


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


@pytest.fixture
def start_procfile_web(tmp_path):
    """Starts the Procfile's web process as a platform would, with DEBUG off; ``env`` overrides."""
    procfile = (ROOT / "Procfile").read_text().splitlines()
    (command,) = [line.removeprefix("web: ") for line in procfile if line.startswith("web: ")]
    servers = []

    def start(**env: str) -> tuple[str, subprocess.Popen]:
        port = free_loopback_port()
        server = subprocess.Popen(
            shlex.split(command),
            cwd=ROOT,
            env={
                **os.environ,
                "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "WEB_CONCURRENCY": "1",
                "DEBUG": "false",
                "SECRET_KEY": "x" * 50,
                "JWT_SECRET": "y" * 50,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                # Plain HTTP on loopback, no TLS proxy in front: production's redirect
                # to https would answer every page 301.
                "SECURE_SSL_REDIRECT": "false",
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        servers.append(server)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                fetch(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        return base, server

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()


@pytest.fixture
def procfile_web(start_procfile_web):
    return start_procfile_web()


@pytest.fixture
def migrated_procfile_web(start_procfile_web, tmp_path):
    """The Procfile's web process on a migrated database (the one start_procfile_web uses)."""
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    return start_procfile_web()


def test_procfile_web_serves_admin_and_docs_with_their_styles_with_debug_off(procfile_web):
    base, server = procfile_web

    for page in ("/admin/login/", "/api/docs"):
        status, _, html = fetch(base + page)
        assert status == 200, page
        stylesheets = re.findall(r'<link[^>]+href="([^"]+\.css)"', html)
        assert stylesheets, page
        for href in stylesheets:
            status, content_type, css = fetch(base + href)
            assert (status, content_type.split(";")[0]) == (200, "text/css"), href
            assert css.strip(), href
    server.terminate()
    log = server.communicate(timeout=30)[0].decode()
    # One line per request, the application's, with the request id.
    (line,) = [line for line in log.splitlines() if "/admin/login/" in line]
    assert re.search(r'"message":\s*"GET /admin/login/ 200 .*"request_id":\s*"[0-9a-f]{32}"', line), line


def test_procfile_web_writes_gunicorns_own_log_lines_whole(procfile_web):
    _, server = procfile_web

    server.terminate()
    log = server.communicate(timeout=30)[0].decode()
    # gunicorn's lines print the process id; a logging switch once turned it off for the process.
    assert re.search(r"^\[.+\] \[\d+\] \[INFO\] Booting worker with pid: \d+$", log, re.M), log
    assert "Logging error" not in log, log


def variables_read(source: Path) -> set[str]:
    calls = r"""(?:environ\.get|env_bool|env_list|env_int|env_url)\(\s*["']([A-Z_]+)["']"""
    return set(re.findall(calls, source.read_text()))


def test_env_example_lists_every_variable_the_settings_and_gunicorn_read():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = variables_read(ROOT / "todoproject" / "settings.py") | variables_read(ROOT / "gunicorn.conf.py")

    assert "DATABASE_URL" in documented
    assert "CORS_ALLOWED_ORIGINS" in read
    assert read - documented == set(), "add these to .env.example with their meaning"
    assert documented - read - {"DATABASE_URL"} == set(), "no longer read: remove from .env.example"


def test_procfile_web_keeps_answering_while_slow_clients_hold_more_connections_than_it_has_threads(
    start_procfile_web,
):
    base, _ = start_procfile_web(WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    port = int(base.rsplit(":", 1)[1])
    slow = []
    try:
        for i in range(12):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            # Headers that never end, or a body shorter than its Content-Length.
            sock.sendall(
                b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                if i % 2 == 0
                else b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            slow.append(sock)
        time.sleep(0.5)

        for path in ("/healthz", "/api/openapi.json", "/healthz", "/api/openapi.json"):
            started = time.monotonic()
            with urllib.request.urlopen(base + path, timeout=2) as response:
                assert response.status == 200
            assert time.monotonic() - started < 2, path
    finally:
        for sock in slow:
            sock.close()


def test_procfile_web_keeps_a_connection_alive_between_requests(procfile_web):
    base, _ = procfile_web
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b'{"status": "ok"}')
            assert response.getheader("Connection", "").lower() != "close"
        # Still the first socket: http.client reconnects silently only after a close.
        assert connection.sock is not None
    finally:
        connection.close()


def https_claimed(base: str, path: str = "/api/openapi.json") -> tuple[int, str | None]:
    """A plain-HTTP request from loopback that says it came over https."""
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=5)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def test_x_forwarded_proto_from_loopback_is_not_believed_unless_trusted(start_procfile_web):
    base, _ = start_procfile_web(SECURE_SSL_REDIRECT="true", TRUST_X_FORWARDED_PROTO="false")

    status, location = https_claimed(base)

    # Still plain HTTP to the application, so production's redirect to https applies.
    assert status == 301
    assert location.startswith("https://127.0.0.1")


def test_x_forwarded_proto_is_believed_when_trusted(start_procfile_web):
    base, _ = start_procfile_web(SECURE_SSL_REDIRECT="true", TRUST_X_FORWARDED_PROTO="true")

    assert https_claimed(base) == (200, None)


def raw_exchange(base: str, request: bytes) -> tuple[int, str, bytes]:
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers.get("Content-Type", ""), body


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /api/" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (b"NOT A REQUEST LINE\r\n\r\n", 400),
    ],
    ids=["long URL", "header over the limit", "malformed request line"],
)
def test_requests_gunicorn_refuses_itself_are_answered_in_html_as_the_readme_says(
    procfile_web, request_bytes, status
):
    base, _ = procfile_web

    # gunicorn writes these before Django sees the request, with no setting
    # for the format (README, "Errors gunicorn answers itself").
    assert raw_exchange(base, request_bytes)[:2] == (status, "text/html")
