"""Production settings pass Django's deploy checks; responses carry security
headers; oversized bodies are refused before any work."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tasks.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    # Django's deploy check wants 50+ characters with variety for SECRET_KEY.
    "SECRET_KEY": "k" + "Zq8#vT2$mW9!pL4&xR7*nB3^cY6@hJ1%dF5" + "aG0(eU5)iO8_yT3+",
    "JWT_SECRET": "j" + "Nf3!sK8#qW2$vX7&mZ4*rT9^bY1@pL6%hD0",
    "ALLOWED_HOSTS": "api.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "LOG_"))}
    environment.update(PRODUCTION, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_https_redirect_is_turned_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECURE_SSL_REDIRECT="false")

    assert result.returncode != 0
    assert "security.W008" in result.stderr


@pytest.mark.parametrize("env", [{}, {"LOG_FORMAT": ""}], ids=["unset", "empty"])
def test_production_logs_are_json_lines(env):
    code = "from django.conf import settings; print(settings.LOGGING['handlers']['console']['formatter'])"

    result = manage("shell", "-c", code, **env)

    assert result.stdout.splitlines()[-1] == "json", result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/auth/me", "/api/nowhere", "/healthz"])
def test_responses_carry_security_headers(client, path):
    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_https_responses_carry_hsts_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/api/nowhere", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def body_of_size(size: int) -> bytes:
    prefix, suffix = b'{"title": "', b'"}'
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/{user}/tasks", "/api/auth/register", "/api/auth/token"])
def test_a_body_over_the_cap_is_a_json_413_and_writes_nothing(client, user, auth, settings, path):
    body = body_of_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post(path.format(user=user.pk), body, content_type="application/json", headers=auth)

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large."}
    assert Task.objects.count() == 0


@pytest.mark.django_db
def test_the_largest_valid_task_with_every_character_escaped_fits_under_the_cap(client, user, auth, settings):
    # A character outside the BMP is 12 bytes in ASCII-only JSON (a surrogate pair).
    body = json.dumps({"title": "😀" * TITLE_MAX_LENGTH, "description": "😀" * DESCRIPTION_MAX_LENGTH}).encode()
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = client.post(f"/api/{user.pk}/tasks", body, content_type="application/json", headers=auth)

    assert response.status_code == 201
    assert Task.objects.get().description == "😀" * DESCRIPTION_MAX_LENGTH


def test_the_body_cap_is_64_kib_by_default(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 64 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_failing_query_never_shows_its_sql_or_a_traceback(client, user, auth, settings, debug):
    settings.DEBUG = debug
    # A schema this code does not expect: every task query fails inside the database.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tasks_task RENAME COLUMN title TO title_gone")

    response = client.get(f"/api/{user.pk}/tasks", headers=auth)

    # SQLite reports an unknown column as an OperationalError, the class it
    # also uses for an unopenable or locked database: the safe reading is 503.
    assert response.status_code == (503 if connection.vendor == "sqlite" else 500)
    assert set(response.json()) == {"detail"}
    for leak in (b"SELECT", b"tasks_task", b"title", b"Traceback", b"column"):
        assert leak not in response.content
