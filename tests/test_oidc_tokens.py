"""Tokens of an OpenID Connect provider (OIDC_ISSUER): verified with the keys
its discovery document points to, over real HTTP from the tests' own issuer
(tests/oidc_issuer.py); its users become local users on their first token."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import connection
from django.test import Client

from identities.models import ExternalIdentity
from tasks.models import Task
from tests.conftest import PASSWORD, external_bearer
from tests.oidc_issuer import AUDIENCE, Issuer, SigningKey
from users.models import User


def create(client, headers, path_user="me", title="Write the report"):
    return client.post(f"/api/{path_user}/tasks", {"title": title}, content_type="application/json", headers=headers)


def bearer_token(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def handmade(header: dict, claims: dict, key: bytes | None) -> str:
    """A token PyJWT would refuse to make: any header, HMAC-SHA256 with any key bytes, or unsigned."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims_of(issuer: Issuer, **extra) -> dict:
    now = int(time.time())
    return {"iss": issuer.url, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 300, **extra}


def assert_refused(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert not Task.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_providers_token_makes_a_local_user_on_first_use(client, db, oidc_issuer, algorithm):
    key = oidc_issuer.rsa if algorithm == "RS256" else oidc_issuer.ec
    headers = bearer_token(oidc_issuer.token(key, sub="auth0|ada", email="Ada@Example.com"))

    response = create(client, headers)

    assert response.status_code == 201
    identity = ExternalIdentity.objects.get()
    assert (identity.issuer, identity.subject) == (oidc_issuer.url, "auth0|ada")
    assert response.json()["user_id"] == identity.user_id
    me = client.get("/api/auth/me", headers=headers).json()
    assert (me["id"], me["email"]) == (identity.user_id, "ada@example.com")
    assert identity.user.signs_in_with_password is False
    assert not identity.user.has_usable_password()


def test_later_tokens_of_the_same_identity_are_the_same_user(client, db, oidc_issuer):
    for title in ("first", "second"):
        assert create(client, external_bearer(oidc_issuer, sub="kc-1", jti=title), title=title).status_code == 201

    assert User.objects.count() == 1
    assert set(Task.objects.values_list("user_id", flat=True)) == {ExternalIdentity.objects.get().user_id}


def test_an_identity_without_an_email_claim_has_none(client, db, oidc_issuer):
    headers = external_bearer(oidc_issuer, sub="no-mail")

    assert client.get("/api/auth/me", headers=headers).json()["email"] is None


def test_the_email_claim_is_kept_up_to_date(client, db, oidc_issuer):
    client.get("/api/me/tasks", headers=external_bearer(oidc_issuer, email="old@example.com"))

    me = client.get("/api/auth/me", headers=external_bearer(oidc_issuer, email="new@example.com")).json()

    assert me["email"] == "new@example.com"
    assert User.objects.get().email == "new@example.com"


def test_an_identity_with_a_password_users_email_is_another_user(client, make_user, oidc_issuer):
    ada = make_user("ada@example.com")

    response = client.get("/api/auth/me", headers=external_bearer(oidc_issuer, sub="ada-elsewhere", email="ADA@example.com"))

    assert response.status_code == 200
    assert response.json()["id"] != ada.pk
    assert response.json()["email"] == "ada@example.com"
    assert User.objects.filter(email="ada@example.com").count() == 2
    login = client.post("/api/auth/token", {"email": "ada@example.com", "password": PASSWORD}, content_type="application/json")
    assert login.json()["user"]["id"] == ada.pk


def test_two_identities_with_one_email_are_two_users(client, db, oidc_issuer):
    ids = {
        client.get("/api/auth/me", headers=external_bearer(oidc_issuer, sub=sub, email="shared@example.com")).json()["id"]
        for sub in ("one", "two")
    }

    assert len(ids) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_of_one_identity_make_one_user(oidc_issuer):
    headers = external_bearer(oidc_issuer, sub="first-timer", email="first@example.com")
    create(Client(), external_bearer(oidc_issuer, sub="warm-up"))  # the key set is fetched once, before

    def first_request(i):
        try:
            return create(Client(), headers, title=f"task {i}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(first_request, range(8)))

    assert statuses == [201] * 8
    identity = ExternalIdentity.objects.get(subject="first-timer")
    assert User.objects.filter(email="first@example.com").count() == 1
    assert Task.objects.filter(user_id=identity.user_id).count() == 8


@pytest.fixture
def refused(oidc_issuer, db):
    """Every malformed token, made for the issuer of this test."""
    issuer = oidc_issuer
    other = Issuer(variant=1)
    public_pem = issuer.rsa.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged_kid = {"kid": issuer.rsa.kid, "typ": "JWT"}
    tokens = {
        "wrong issuer": issuer.token(iss="https://evil.example.com"),
        "issuer with a trailing slash": issuer.token(iss=issuer.url + "/"),
        "wrong audience": issuer.token(aud="another-app"),
        "no audience": issuer.token(aud=None),
        "no issuer": issuer.token(iss=None),
        "no exp": issuer.token(exp=None),
        "expired beyond leeway": issuer.token(exp=int(time.time()) - settings.JWT_LEEWAY - 5),
        "exp a numeric string": issuer.token(exp=str(int(time.time()) + 300)),
        "nbf a string": issuer.token(nbf=str(int(time.time()))),
        "iat true": issuer.token(iat=True),
        "no sub": issuer.token(sub=None),
        "sub a number": issuer.token(sub=7),
        "sub with a control character": issuer.token(sub="ada\x00"),
        "alg none": handmade({"alg": "none", **forged_kid}, claims_of(issuer), None),
        "HS256 keyed with the public key": handmade({"alg": "HS256", **forged_kid}, claims_of(issuer), public_pem),
        "HS256 keyed with the JWK's modulus": handmade(
            {"alg": "HS256", **forged_kid}, claims_of(issuer), issuer.rsa.jwk["n"].encode()
        ),
        "another issuer's key under this kid": other.token(other.rsa, headers={"kid": issuer.rsa.kid}, iss=issuer.url),
        "ES256 header on the RSA key": handmade({"alg": "ES256", **forged_kid}, claims_of(issuer), b"x"),
        "no kid": handmade({"alg": "RS256"}, claims_of(issuer), b"x"),
        "an opaque session token": "TWgRCD18b3u3Rt4L9pAlsyl6CxLYs0AF",
    }
    other.stop()
    return tokens


REFUSED = [
    "wrong issuer", "issuer with a trailing slash", "wrong audience", "no audience", "no issuer", "no exp",
    "expired beyond leeway", "exp a numeric string", "nbf a string", "iat true", "no sub", "sub a number",
    "sub with a control character", "alg none", "HS256 keyed with the public key",
    "HS256 keyed with the JWK's modulus", "another issuer's key under this kid", "ES256 header on the RSA key",
    "no kid", "an opaque session token",
]


@pytest.mark.parametrize("name", REFUSED)
def test_a_token_that_is_not_exactly_right_is_refused(client, oidc_issuer, refused, name):
    assert_refused(create(client, bearer_token(refused[name])))


def test_an_expired_token_within_the_leeway_is_accepted(client, db, oidc_issuer):
    headers = external_bearer(oidc_issuer, exp=int(time.time()) - settings.JWT_LEEWAY + 10)

    assert create(client, headers).status_code == 201


def test_an_audience_list_that_contains_ours_is_accepted(client, db, oidc_issuer):
    headers = external_bearer(oidc_issuer, aud=["https://api.example.com/userinfo", AUDIENCE])

    assert create(client, headers).status_code == 201


def test_an_algorithm_the_settings_leave_out_is_refused(client, db, oidc_issuer, settings):
    settings.EXTERNAL_JWT_ALGORITHMS = ["RS256"]
    assert create(client, external_bearer(oidc_issuer)).status_code == 201

    response = create(client, bearer_token(oidc_issuer.token(oidc_issuer.ec)))

    assert response.status_code == 401
    assert Task.objects.count() == 1


def test_a_flood_of_unknown_kids_fetches_the_key_set_a_bounded_number_of_times(client, db, oidc_issuer, settings):
    settings.JWKS_MIN_REFETCH_INTERVAL = 0.5
    assert client.get("/api/me/tasks", headers=external_bearer(oidc_issuer)).status_code == 200
    started = time.monotonic()
    statuses = set()

    for _ in range(150):
        token = oidc_issuer.token(headers={"kid": uuid.uuid4().hex})
        statuses.add(client.get("/api/me/tasks", headers=bearer_token(token)).status_code)
    elapsed = time.monotonic() - started

    assert statuses <= {401, 503}
    # The warm-up's fetch, then at most one per interval of the flood.
    assert oidc_issuer.jwks_fetches <= 2 + elapsed / 0.5
    assert oidc_issuer.discovery_fetches == 1
    assert client.get("/api/me/tasks", headers=external_bearer(oidc_issuer)).status_code == 200


def test_a_kid_the_last_fetch_did_not_find_is_refused_without_another_fetch(client, db, oidc_issuer, settings):
    settings.JWKS_MIN_REFETCH_INTERVAL = 60
    made_up = bearer_token(oidc_issuer.token(headers={"kid": "made-up"}))
    assert client.get("/api/me/tasks", headers=made_up).status_code == 401

    statuses = [client.get("/api/me/tasks", headers=made_up).status_code for _ in range(20)]

    assert statuses == [401] * 20
    assert oidc_issuer.jwks_fetches == 1


def test_a_rotated_key_is_accepted_without_a_restart(client, db, oidc_issuer, settings):
    settings.JWKS_MIN_REFETCH_INTERVAL = 1
    new_key = SigningKey("RS256", variant=2)
    rotated = bearer_token(oidc_issuer.token(new_key))
    assert create(client, external_bearer(oidc_issuer)).status_code == 201
    oidc_issuer.rotate(new_key)

    # Within the interval the kid cannot be looked up yet: retry shortly, not 401.
    too_soon = create(client, rotated)
    time.sleep(1.05)
    in_time = create(client, rotated)

    assert too_soon.status_code == 503
    assert int(too_soon["Retry-After"]) >= 1
    assert in_time.status_code == 201
    assert oidc_issuer.jwks_fetches == 2
    assert create(client, external_bearer(oidc_issuer)).status_code == 201


def test_a_key_removed_from_the_set_is_refused_from_the_next_fetch_on(client, db, oidc_issuer, settings):
    settings.JWKS_MIN_REFETCH_INTERVAL = 0.1
    settings.JWKS_MAX_AGE = 0.2
    headers = external_bearer(oidc_issuer)
    assert create(client, headers).status_code == 201
    oidc_issuer.keys.remove(oidc_issuer.rsa)
    assert create(client, headers).status_code == 201  # the set is not due for a fetch yet
    time.sleep(0.25)

    response = create(client, headers)

    assert response.status_code == 401
    assert Task.objects.count() == 2


def test_with_a_warm_cache_tokens_keep_working_while_the_issuer_is_down(client, db, oidc_issuer, settings):
    settings.JWKS_MIN_REFETCH_INTERVAL = 0.1
    settings.JWKS_MAX_AGE = 0.1
    assert create(client, external_bearer(oidc_issuer, jti="before")).status_code == 201
    oidc_issuer.go_down()
    time.sleep(0.15)

    # A token never seen before, while the cached set is due for a fetch that fails.
    response = create(client, external_bearer(oidc_issuer, jti="during"))

    assert response.status_code == 201
    assert Task.objects.count() == 2


def test_with_a_cold_cache_and_the_issuer_down_the_answer_is_503_then_it_recovers(client, db, oidc_issuer, settings):
    settings.JWKS_MIN_REFETCH_INTERVAL = 0.2
    oidc_issuer.go_down()
    headers = external_bearer(oidc_issuer)

    down = create(client, headers)
    oidc_issuer.come_back()
    time.sleep(0.25)
    back = create(client, headers)

    assert down.status_code == 503
    assert down["Retry-After"] == "1"
    assert down.json() == {"detail": "The identity provider's keys cannot be checked right now; retry later."}
    assert back.status_code == 201
    assert Task.objects.count() == 1


def test_an_issuer_that_hangs_is_a_503_within_the_timeout(client, db, oidc_issuer, settings):
    settings.JWKS_TIMEOUT = 0.5
    oidc_issuer.hang_seconds = 3
    started = time.monotonic()

    response = client.get("/api/me/tasks", headers=external_bearer(oidc_issuer))

    assert response.status_code == 503
    assert time.monotonic() - started < 2
    assert not User.objects.exists()


def test_a_deactivated_external_user_is_refused(client, db, oidc_issuer):
    headers = external_bearer(oidc_issuer)
    assert create(client, headers).status_code == 201
    User.objects.update(is_active=False)

    assert client.get("/api/me/tasks", headers=headers).status_code == 401
    assert create(client, headers).status_code == 401
    assert Task.objects.count() == 1


def test_a_deleted_external_users_identity_starts_afresh(client, db, oidc_issuer):
    headers = external_bearer(oidc_issuer)
    assert create(client, headers).status_code == 201
    User.objects.all().delete()

    gone = client.get("/api/me/tasks", headers=headers)
    again = client.get("/api/me/tasks", headers=headers)

    assert gone.status_code == 401
    assert again.status_code == 200
    assert again.json() == []
    assert ExternalIdentity.objects.count() == 1
