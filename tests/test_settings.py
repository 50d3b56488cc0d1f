"""Production mode refuses to start with development secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = "r3al-" + "x" * 40


def start(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "JWT_SECRET"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="todoproject.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
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
