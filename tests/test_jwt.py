"""Tokens are refused unless they are exactly what the server accepts (401, nothing changed)."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from django.conf import settings

import users.tokens
from signin.services import session_start
from tasks.models import Task


def now() -> int:
    return int(time.time())


def signed(claims: dict, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, settings.JWT_SECRET, algorithm=algorithm)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def handmade(alg: str, claims: dict, *, hmac_signed: bool) -> str:
    """A token PyJWT would not make: any ``alg`` header, HMAC-SHA256-signed or unsigned."""
    signing_input = f"{b64(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(settings.JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature) if hmac_signed else ''}"


def call(client, user, token: str):
    return client.post(
        f"/api/{user.pk}/tasks",
        {"title": "Should not exist"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def assert_refused(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: handmade("none", {"sub": str(user.pk), "exp": now() + 60}, hmac_signed=False),
        pytest.param(
            lambda user: signed({"sub": str(user.pk), "exp": now() + 60}, algorithm="HS512"),
            # The same secret, so only the algorithm allow-list can refuse it.
            marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
        ),
        lambda user: handmade("RS256", {"sub": str(user.pk), "exp": now() + 60}, hmac_signed=True),
        lambda user: signed({"sub": str(user.pk)}),
        lambda user: signed({"exp": now() + 60}),
        lambda user: signed({"sub": str(user.pk), "exp": now() - settings.JWT_LEEWAY - 5}),
        lambda user: signed({"sub": "987654", "exp": now() + 60}),
        lambda user: signed({"sub": "ada", "exp": now() + 60}),
        lambda user: signed({"sub": user.pk, "exp": now() + 60}),
        lambda user: signed({"sub": str(2**63), "exp": now() + 60}),
        lambda user: signed({"sub": f"0{user.pk}", "exp": now() + 60}),
        lambda user: signed({"sub": str(user.pk), "exp": "tomorrow"}),
        lambda user: signed({"sub": str(user.pk), "exp": str(now() + 60)}),
        lambda user: signed({"sub": str(user.pk), "exp": now() + 60, "nbf": str(now() - 60)}),
        lambda user: signed({"sub": str(user.pk), "exp": now() + 60, "iat": True}),
        lambda user: handmade("HS256", {"sub": str(user.pk), "exp": float("inf")}, hmac_signed=True),
    ],
    ids=[
        "alg none",
        "another algorithm, same secret",
        "RS256 header, HMAC signature",
        "no exp",
        "no sub",
        "expired beyond leeway",
        "sub not a user",
        "sub not a number",
        "sub a JSON number",
        "sub beyond bigint",
        "sub with a leading zero",
        "exp not a number",
        "exp a numeric string",
        "nbf a numeric string",
        "iat a boolean",
        "exp Infinity",
    ],
)
def test_a_token_that_is_not_exactly_right_is_refused(client, user, make_token):
    assert_refused(call(client, user, make_token(user)))


def test_an_expired_token_within_the_leeway_is_accepted(client, user):
    token = signed({"sub": str(user.pk), "exp": now() - settings.JWT_LEEWAY + 10})

    assert call(client, user, token).status_code == 201


def test_a_token_accepted_before_is_refused_once_it_has_expired(client, user, monkeypatch):
    token = signed({"sub": str(user.pk), "exp": now() + 60})
    assert call(client, user, token).status_code == 201
    later = time.time() + 60 + settings.JWT_LEEWAY + 1
    monkeypatch.setattr(users.tokens.time, "time", lambda: later)

    response = call(client, user, token)

    assert response.status_code == 401
    assert Task.objects.count() == 1


def test_a_token_accepted_before_is_refused_once_the_secret_has_changed(client, user, settings):
    token = signed({"sub": str(user.pk), "exp": now() + 60})
    assert call(client, user, token).status_code == 201
    settings.JWT_SECRET = "a rotated secret of thirty-two or more characters"

    response = call(client, user, token)

    assert response.status_code == 401
    assert Task.objects.count() == 1


@pytest.mark.parametrize("name, value", [("JWT_AUDIENCE", "task-api"), ("JWT_ISSUER", "https://auth.example.com")])
def test_a_token_accepted_before_is_refused_once_its_claims_are_required(client, user, settings, name, value):
    token = signed({"sub": str(user.pk), "exp": now() + 60})
    assert call(client, user, token).status_code == 201
    setattr(settings, name, value)

    response = call(client, user, token)

    assert response.status_code == 401
    assert Task.objects.count() == 1


@pytest.fixture
def audience_and_issuer(settings):
    settings.JWT_AUDIENCE = "task-api"
    settings.JWT_ISSUER = "https://auth.example.com"


@pytest.mark.parametrize(
    "extra",
    [
        {"aud": "someone-else", "iss": "https://auth.example.com"},
        {"aud": "task-api", "iss": "https://evil.example.com"},
        {"iss": "https://auth.example.com"},
        {"aud": "task-api"},
    ],
    ids=["wrong audience", "wrong issuer", "no audience", "no issuer"],
)
def test_when_audience_and_issuer_are_configured_others_are_refused(client, user, audience_and_issuer, extra):
    token = signed({"sub": str(user.pk), "exp": now() + 60, **extra})

    assert_refused(call(client, user, token))


def test_when_audience_and_issuer_are_configured_the_right_ones_are_accepted(client, user, audience_and_issuer):
    token = signed({"sub": str(user.pk), "exp": now() + 60, "aud": "task-api", "iss": "https://auth.example.com"})

    assert call(client, user, token).status_code == 201


def test_tokens_the_server_issues_carry_the_configured_audience_and_issuer(client, user, audience_and_issuer):
    token = session_start(user=user).access_token

    assert call(client, user, token).status_code == 201
