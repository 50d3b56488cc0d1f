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
    assert config["timeout"] == 30
    assert config["graceful_timeout"] == 30
    assert config["accesslog"] == "-"
    assert config["control_socket_disable"] is True


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


def test_gunicorn_access_log_carries_the_request_id_response_header(monkeypatch):
    assert "%({x-request-id}o)s" in gunicorn_config(monkeypatch)["access_log_format"]


def free_port() -> int:
    """A free loopback port in the range this project's checks may use."""
    for port in range(8450, 8500):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8450-8499")


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


@pytest.fixture
def procfile_web(tmp_path):
    """The Procfile's web process, as a platform would start it, with DEBUG off."""
    procfile = (ROOT / "Procfile").read_text().splitlines()
    (command,) = [line.removeprefix("web: ") for line in procfile if line.startswith("web: ")]
    port = free_port()
    env = {
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
    }
    server = subprocess.Popen(
        shlex.split(command), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(f"{base}/api/openapi.json")
                break
            except OSError:
                time.sleep(0.1)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


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
    assert re.search(r'"GET /admin/login/ HTTP/1.1" 200 \d+ \d+ms request_id=', log), log


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
