"""The connection each worker keeps between requests: reused while healthy,
replaced before use once the database has ended it, and read fast.

On PostgreSQL these exercise todoproject/postgresql, Django's backend with a
health check that costs no round trip and psycopg's own timestamp loader.
"""

import datetime
import os
import socket

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgres
from model_bakery import baker
from psycopg.pq import Format

from tasks.models import Task
from todoproject.postgresql.base import TIMESTAMPTZ_OID

pytestmark = pytest.mark.django_db(transaction=True)


def request_boundary() -> None:
    # What Django runs when a request starts: it arms the health check for
    # the request's first query.
    close_old_connections()


def test_timestamps_are_read_back_utc_aware_and_exact(user):
    written = datetime.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))
    task = baker.make(Task, user=user, completed=True, completed_at=written)

    read = Task.objects.values_list("completed_at", "created_at").get(pk=task.pk)

    assert read[0] == written
    assert read[0].tzinfo is datetime.UTC and read[1].tzinfo is datetime.UTC
    if connection.vendor == "postgresql":
        # Read by psycopg's own loader (C), not Django's per-value wrapper of it.
        with connection.cursor() as cursor:
            loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        assert loader is psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


def test_a_healthy_connection_is_reused_without_a_health_check_round_trip(user, monkeypatch):
    checks = []
    monkeypatch.setattr(DjangoPostgres, "is_usable", lambda self: checks.append(self) or True)
    Task.objects.count()
    kept = connection.connection

    for _ in range(3):
        request_boundary()
        Task.objects.count()

    assert connection.connection is kept
    assert checks == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no connection to lose")
def test_a_connection_that_was_ended_underneath_is_replaced_before_the_next_query(user):
    Task.objects.count()
    ended = connection.connection
    # What a server restart or a pooler's idle timeout leaves behind: a socket
    # that reads end-of-file. (Ended at our end, so it works the same whether
    # DATABASE_URL is PostgreSQL or PgBouncer in front of it.)
    with socket.socket(fileno=os.dup(ended.fileno())) as sock:
        sock.shutdown(socket.SHUT_RDWR)

    request_boundary()

    assert Task.objects.filter(user=user).count() == 0
    assert connection.connection is not ended
