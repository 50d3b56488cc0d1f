"""Settings read from the environment: production mode refuses development
secrets; the database options follow DATABASE_URL and DATABASE_POOLER."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = "r3al-" + "x" * 40


def start(then: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "JWT_SECRET"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="todoproject.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    "env, missing",
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL}, "JWT_SECRET"),
        ({"JWT_SECRET": REAL}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL, "JWT_SECRET": "short"}, "JWT_SECRET"),
    ],
)
def test_production_mode_refuses_to_start_without_real_secrets(env, missing):
    result = start(DEBUG="false", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set" in result.stderr


def test_production_mode_starts_with_real_secrets():
    result = start(DEBUG="false", SECRET_KEY=REAL, JWT_SECRET=REAL[::-1])

    assert result.returncode == 0, result.stderr


def test_development_mode_starts_with_nothing_set():
    assert start().returncode == 0


@pytest.mark.parametrize("pooler, threshold", [("false", "5"), ("true", "None")])
def test_postgresql_statements_are_bound_by_the_server_and_prepared_unless_pooled(pooler, threshold):
    result = start(
        "from django.conf import settings; options = settings.DATABASES['default']['OPTIONS']; "
        "print(options['server_side_binding'], options.get('prepare_threshold'))",
        DATABASE_URL="postgres://app@db.example.com/tasks",
        DATABASE_POOLER=pooler,
    )

    assert result.stdout.split() == ["True", threshold], result.stderr
