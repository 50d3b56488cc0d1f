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


@pytest.mark.parametrize(
    "url, pooler, options",
    [
        ("postgres://app@db.example.com/tasks", "false", "-c plan_cache_mode=force_generic_plan"),
        # The URL's own options follow, so a plan_cache_mode given there wins.
        (
            "postgres://app@db.example.com/tasks?options=-c%20plan_cache_mode%3Dauto",
            "false",
            "-c plan_cache_mode=force_generic_plan -c plan_cache_mode=auto",
        ),
        # Nothing is prepared behind a pooler, and a pooler may refuse the startup parameter.
        ("postgres://app@db.example.com/tasks", "true", "None"),
    ],
)
def test_postgresql_keeps_the_plan_of_a_prepared_statement_unless_pooled(url, pooler, options):
    result = start(
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('options'))",
        DATABASE_URL=url,
        DATABASE_POOLER=pooler,
    )

    assert result.stdout.strip() == options, result.stderr


@pytest.mark.parametrize(
    "env, message",
    [
        ({"BETTER_AUTH_URL": "app.example.com"}, "BETTER_AUTH_URL must be an absolute http(s) URL"),
        ({"BETTER_AUTH_URL": "ftp://app.example.com"}, "BETTER_AUTH_URL must be an absolute http(s) URL"),
        ({"BETTER_AUTH_URL": "https://app.example.com:port"}, "BETTER_AUTH_URL must be an absolute http(s) URL"),
        ({"BETTER_AUTH_URL": "https://app.example.com/?x=1"}, "BETTER_AUTH_URL must be an absolute http(s) URL"),
        ({"OIDC_ISSUER": "https://user:pw@idp.example.com", "OIDC_AUDIENCE": "api"}, "OIDC_ISSUER must be"),
        ({"OIDC_ISSUER": "https://idp.example.com"}, "OIDC_AUDIENCE must be set with OIDC_ISSUER"),
        (
            {"BETTER_AUTH_URL": "https://app.example.com", "OIDC_ISSUER": "https://app.example.com", "OIDC_AUDIENCE": "x"},
            "name the same issuer",
        ),
        ({"EXTERNAL_JWT_ALGORITHMS": "RS256,HS256"}, "may name only asymmetric algorithms"),
        ({"EXTERNAL_JWT_ALGORITHMS": "none"}, "may name only asymmetric algorithms"),
    ],
)
def test_identity_provider_settings_that_cannot_work_refuse_to_start(env, message):
    result = start(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_better_auth_and_an_oidc_provider_may_be_configured_together():
    result = start(
        "from identities.keys import configured_providers; print(sorted("
        "(p.issuer, p.audience, p.jwks_url, p.discovery_url) for p in configured_providers().values()))",
        BETTER_AUTH_URL="https://App.example.com/",
        OIDC_ISSUER="https://tenant.eu.auth0.com/",
        OIDC_AUDIENCE="https://api.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted([
        ("https://app.example.com", "https://app.example.com", "https://App.example.com/api/auth/jwks", None),
        ("https://tenant.eu.auth0.com/", "https://api.example.com", None,
         "https://tenant.eu.auth0.com/.well-known/openid-configuration"),
    ]))
