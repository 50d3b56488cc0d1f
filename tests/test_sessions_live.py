"""Sessions end at once in every process, and one refresh token wins once,
against a live gunicorn with several workers on the suite's database (not
the test client: each worker has its own verified-token cache)."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from signin.models import RefreshToken, Session
from tests.conftest import PASSWORD
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3
# Clear of tests/test_deploy_config.py's 8450-8499, so the two can run at once.
PORTS = range(9702, 9800)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database["USER"] or "postgres"
    return f"postgres://{user}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


class Gunicorn:
    """The Procfile's server with WORKERS workers; its access log names the worker of each request."""

    def __init__(self, log: Path):
        self.log = log
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(WORKERS),
            # Each request's connection closed at its end: the suite's flush
            # between tests must not wait for an idle worker's connection.
            "CONN_MAX_AGE": "0",
            "THROTTLE_AUTH_IP_RATE": "off",
            "THROTTLE_AUTH_EMAIL_RATE": "off",
        }
        self.errors = (log.parent / "errors.log").open("w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "todoproject.wsgi",
                "--access-logfile", str(log), "--access-logformat", '%(p)s %(s)s "%(r)s"',
            ],
            # A file, not a pipe: a pipe nobody reads fills and stops the workers.
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.errors,
        )
        deadline = time.monotonic() + 30
        while self.workers_serving() < WORKERS:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"gunicorn did not start: {(log.parent / 'errors.log').read_text()[-2000:]}")
            try:
                self.burst(lambda: self.call("GET", "/healthz"))
            except OSError:
                time.sleep(0.1)

    def workers_serving(self) -> int:
        return len({pid for pid, _, _ in self.log_lines()})

    def log_lines(self, start: int = 0) -> list[tuple[str, int, str]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()[start:]
        return [(m[1], int(m[2]), m[3]) for line in lines if (m := re.match(r'<(\d+)> (\d{3}) "(.*)"', line))]

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                content = response.read()
                return response.status, json.loads(content) if content else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def burst(self, call: Callable[[], tuple[int, object]], size: int = 3 * WORKERS) -> list[int]:
        """Many simultaneous connections, so that every worker takes some."""
        with ThreadPoolExecutor(max_workers=size) as pool:
            return [status for status, _ in pool.map(lambda _: call(), range(size))]

    def every_worker(self, call: Callable[[], tuple[int, object]], request_line: str) -> set[int]:
        """Send ``call`` until each worker has answered it; the statuses answered."""
        start = len(self.log.read_text().splitlines())
        for _ in range(50):
            self.burst(call)
            answered = [(pid, status) for pid, status, line in self.log_lines(start) if line.startswith(request_line)]
            if len({pid for pid, _ in answered}) == WORKERS:
                return {status for _, status in answered}
        raise AssertionError(f"not every worker was reached: {answered}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.errors.close()


@pytest.fixture
def server(tmp_path):
    gunicorn = Gunicorn(tmp_path / "access.log")
    yield gunicorn
    gunicorn.stop()


@pytest.fixture
def user(server) -> User:
    """Registered through the server, so its password has the server's hasher
    (the suite's own fixtures hash with a fast test-only one)."""
    status, answer = server.call("POST", "/api/auth/register", {"email": "ada@example.com", "password": PASSWORD})
    assert status == 201, answer
    return User.objects.get()


def sign_in(server: Gunicorn) -> dict:
    status, answer = server.call("POST", "/api/auth/token", {"email": "ada@example.com", "password": PASSWORD})
    assert status == 200, answer
    return answer


def assert_refused_by_every_worker(server: Gunicorn, token: str) -> None:
    """A read and a write with the token, each answered by every worker: all 401."""
    read = server.every_worker(lambda: server.call("GET", "/api/me/tasks", token=token), "GET /api/me/tasks ")
    write = server.every_worker(
        lambda: server.call("POST", "/api/me/tasks", {"title": "After the end"}, token=token), "POST /api/me/tasks "
    )
    assert (read, write) == ({401}, {401})


def test_a_logout_is_seen_at_once_by_every_worker(server, user):
    session = sign_in(server)
    token = session["access_token"]
    # Every worker has verified (and cached) the token before the logout.
    assert server.every_worker(lambda: server.call("GET", "/api/me/tasks", token=token), "GET /api/me/tasks ") == {200}
    tasks_before = user.tasks.count()

    assert server.call("POST", "/api/auth/logout", token=token)[0] == 204

    assert_refused_by_every_worker(server, token)
    assert user.tasks.count() == tasks_before
    assert server.call("POST", "/api/auth/refresh", {"refresh_token": session["refresh_token"]})[0] == 401


def test_a_password_change_is_seen_at_once_by_every_worker(server, user):
    calling, other = sign_in(server), sign_in(server)
    for session in (calling, other):
        token = session["access_token"]
        assert server.every_worker(
            lambda: server.call("GET", "/api/me/tasks", token=token), "GET /api/me/tasks "
        ) == {200}

    status, fresh = server.call(
        "POST", "/api/auth/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        token=calling["access_token"],
    )

    assert status == 200
    for session in (calling, other):
        assert_refused_by_every_worker(server, session["access_token"])
    assert server.every_worker(
        lambda: server.call("GET", "/api/me/tasks", token=fresh["access_token"]), "GET /api/me/tasks "
    ) == {200}


def concurrently(count: int, call: Callable[[], int]) -> list[int]:
    """``count`` calls released at one moment."""
    start = threading.Barrier(count)

    def released(_):
        try:
            start.wait()
            return call()
        finally:
            # A thread's own database connection, if it made one.
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def assert_one_refresh_won(statuses: list[int]) -> None:
    assert sorted(statuses) == [200] + [401] * (len(statuses) - 1)
    # The losers presented a spent token: the session ends (the contract's
    # replay rule), so even the winner's new tokens are done.
    session = Session.objects.get()
    assert session.ended_because == "replay"
    assert RefreshToken.objects.filter(spent_at__isnull=True).count() == 1


def test_ten_concurrent_refreshes_of_one_token_through_gunicorn_one_wins(server, user):
    Session.objects.all().delete()
    refresh_token = sign_in(server)["refresh_token"]

    statuses = concurrently(
        10, lambda: server.call("POST", "/api/auth/refresh", {"refresh_token": refresh_token})[0]
    )

    assert_one_refresh_won(statuses)


def test_ten_concurrent_refreshes_of_one_token_in_threads_one_wins(make_user):
    user = make_user()
    refresh_token = Client().post(
        "/api/auth/token", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    ).json()["refresh_token"]

    statuses = concurrently(
        10,
        lambda: Client()
        .post("/api/auth/refresh", {"refresh_token": refresh_token}, content_type="application/json")
        .status_code,
    )

    assert_one_refresh_won(statuses)
    assert User.objects.count() == 1
