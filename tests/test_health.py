"""Probes for load balancers: /healthz (the process) and /readyz (the database)."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from todoproject import health


def test_healthz_answers_ok_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0


def test_readyz_is_ready_when_the_database_answers_and_is_migrated(client, db, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_checks_migrations_once_then_costs_one_query(client, db, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    client.get("/readyz")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 200

    assert [q["sql"] for q in queries] == ["SELECT 1"]


def test_readyz_is_503_while_a_migration_is_not_applied(client, db, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    [latest] = MigrationLoader(connection).graph.leaf_nodes("tasks")
    MigrationRecorder(connection).record_unapplied(*latest)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"detail": "Database migrations are not applied."}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_not_redirected_to_https(client, db, settings, path):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code == 200
    assert client.get("/api/auth/me").status_code == 301
