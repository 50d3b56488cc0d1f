"""The database going away and coming back: 503 with Retry-After, then recovery.

On PostgreSQL the connection runs through a TCP proxy the test cuts, which
resets the live connection and refuses new ones, as a database restart or a
network failure does. On SQLite the database file becomes unopenable.
"""

import time
from pathlib import Path

import pytest
from django.db import connection

from tasks.models import Task
from tests.tcp_proxy import TcpProxy, free_loopback_port

pytestmark = pytest.mark.django_db(transaction=True)

PROXY_PORT = free_loopback_port()
# Far below a load balancer's or client's timeout: the point is to answer, not hang.
FAST_ENOUGH_SECONDS = 2.0


class PostgresOutage:
    def __init__(self):
        self.settings = connection.settings_dict
        self.real = (self.settings["HOST"], self.settings["PORT"])
        self.proxy = TcpProxy(PROXY_PORT, (self.real[0] or "127.0.0.1", int(self.real[1] or 5432)))

    def __enter__(self):
        connection.close()
        self.proxy.start()
        self.settings["HOST"], self.settings["PORT"] = "127.0.0.1", PROXY_PORT
        return self

    def down(self):
        self.proxy.stop()

    def up(self):
        self.proxy.start()

    def __exit__(self, *exc):
        self.proxy.stop()
        connection.close()
        self.settings["HOST"], self.settings["PORT"] = self.real


class SqliteOutage:
    """The connection is pointed at a file that cannot be opened, and the
    service must reconnect by itself afterwards. The connection in use is put
    aside open, not closed: an in-memory test database lives only while a
    connection holds it."""

    def __init__(self):
        self.settings = connection.settings_dict
        self.name = self.settings["NAME"]

    def __enter__(self):
        connection.ensure_connection()
        self.keeper = connection.connection
        return self

    def down(self):
        connection.connection = None
        self.settings["NAME"] = str(Path("/nonexistent-directory/db.sqlite3"))

    def up(self):
        self.settings["NAME"] = self.name

    def __exit__(self, *exc):
        self.settings["NAME"] = self.name
        if connection.connection is not None and connection.connection is not self.keeper:
            connection.connection.close()
        connection.connection = self.keeper


@pytest.fixture
def outage():
    with (PostgresOutage() if connection.vendor == "postgresql" else SqliteOutage()) as fault:
        yield fault


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_an_unreachable_database_answers_503_with_retry_after_and_recovers_by_itself(
    client, user, auth, outage, settings
):
    url = f"/api/{user.pk}/tasks"
    assert client.get(url, headers=auth).status_code == 200

    outage.down()
    for call in (
        lambda: client.get(url, headers=auth),
        lambda: client.post(url, {"title": "lost?"}, content_type="application/json", headers=auth),
        lambda: client.post(
            "/api/auth/token", {"email": user.email, "password": "x"}, content_type="application/json"
        ),
        lambda: client.get("/readyz"),
    ):
        response, seconds = timed(call)
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == str(settings.DB_UNAVAILABLE_RETRY_AFTER)
        assert response.json() == {"detail": "Service temporarily unavailable, retry later."}
        assert seconds < FAST_ENOUGH_SECONDS
    assert client.get("/healthz").status_code == 200

    outage.up()
    created = client.post(url, {"title": "after"}, content_type="application/json", headers=auth)
    assert created.status_code == 201
    assert client.get("/readyz").json() == {"status": "ready"}
    assert list(Task.objects.values_list("title", flat=True)) == ["after"]


def test_a_503_names_no_host_port_or_driver_message(client, user, auth, outage):
    outage.down()

    response = client.get(f"/api/{user.pk}/tasks", headers=auth)

    assert response.status_code == 503
    for leak in (b"127.0.0.1", str(PROXY_PORT).encode(), b"connection", b"sqlite", b"Traceback"):
        assert leak not in response.content
