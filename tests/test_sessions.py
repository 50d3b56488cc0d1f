"""Sessions (the contract's "Sessions"): started by register, token and password;
renewed by single-use refresh tokens; ended by logout, a password change, a
replayed refresh token or support. An ended session's access tokens are 401
on the very next request, reads and writes alike."""

import hashlib
import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from signin.models import RefreshToken, Session
from signin.services import personal_token_create
from tasks.models import Task
from tests.conftest import PASSWORD, external_bearer
from users.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase"


def post(client, url, body=None, **headers):
    if body is None:
        return client.post(url, headers=headers)
    return client.post(url, body, content_type="application/json", headers=headers)


def sign_in(client, email="ada@example.com", password=PASSWORD) -> dict:
    response = post(client, "/api/auth/token", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client, refresh_token: str):
    return post(client, "/api/auth/refresh", {"refresh_token": refresh_token})


def auth_of(answer: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {answer['access_token']}"}


def session_of(answer: dict) -> Session:
    claims = jwt.decode(answer["access_token"], settings.JWT_SECRET, algorithms=["HS256"])
    return Session.objects.get(pk=int(claims["sid"]))


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Bearer"


def assert_every_use_refused(client, user: User, auth: dict[str, str]):
    """A read, a write, the user and the sessions' own endpoints all say 401, and nothing was written."""
    task = Task.objects.create(user=user, title="Kept")
    tasks_before = list(Task.objects.values_list("pk", "title", "completed"))
    assert_refused(client.get("/api/me/tasks", headers=auth))
    assert_refused(client.get(f"/api/me/tasks/{task.pk}", headers=auth))
    assert_refused(client.get("/api/me/tasks?completed=true", headers=auth))
    assert_refused(client.get("/api/me/changes", headers=auth))
    assert_refused(post(client, "/api/me/tasks/clear-completed", **auth))
    assert_refused(post(client, "/api/me/tasks", {"title": "Sneaky"}, **auth))
    assert_refused(client.patch(f"/api/me/tasks/{task.pk}/complete", headers=auth))
    assert_refused(client.get("/api/auth/me", headers=auth))
    assert_refused(post(client, "/api/auth/logout", **auth))
    assert list(Task.objects.values_list("pk", "title", "completed")) == tasks_before


def assert_works(client, auth: dict[str, str]):
    assert client.get("/api/me/tasks", headers=auth).status_code == 200
    assert post(client, "/api/me/tasks", {"title": "Still mine"}, **auth).status_code == 201


def test_a_sign_in_starts_a_session_named_by_its_access_token(client, user):
    answer = sign_in(client)

    assert set(answer) == {"user", "access_token", "token_type", "expires_in", "refresh_token"}
    assert answer["expires_in"] == 900
    claims = jwt.decode(answer["access_token"], settings.JWT_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 900
    session = session_of(answer)
    assert (session.user, session.ended_at) == (user, None)
    assert answer["refresh_token"].startswith("todo_rt_") and len(answer["refresh_token"]) == 8 + 64


def test_registering_starts_a_session_too(client):
    response = post(client, "/api/auth/register", {"email": "new@example.com", "password": PASSWORD})

    assert response.status_code == 201
    answer = response.json()
    assert session_of(answer).user.email == "new@example.com"
    assert refresh(client, answer["refresh_token"]).status_code == 200


def test_refresh_tokens_are_stored_only_as_their_sha256(client, user):
    answer = sign_in(client)

    stored = RefreshToken.objects.get()
    assert stored.token_hash == hashlib.sha256(answer["refresh_token"].encode()).hexdigest()
    secret = answer["refresh_token"].removeprefix("todo_rt_")
    assert not RefreshToken.objects.filter(token_hash__contains=secret).exists()
    assert stored.expires_at - stored.created_at == timedelta(days=30)


def test_a_refresh_gives_new_tokens_of_the_same_session_and_spends_the_old_one(client, user):
    first = sign_in(client)

    response = refresh(client, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert set(second) == set(first)
    assert second["user"]["id"] == user.pk
    assert second["refresh_token"] != first["refresh_token"]
    assert session_of(second) == session_of(first)
    assert RefreshToken.objects.get(token_hash=hashlib.sha256(first["refresh_token"].encode()).hexdigest()).spent_at
    assert_works(client, auth_of(second))
    # The next refresh takes the new refresh token: a client stays signed in for weeks.
    assert refresh(client, second["refresh_token"]).status_code == 200


def test_replaying_a_spent_refresh_token_ends_the_whole_session(client, user):
    first = sign_in(client)
    second = refresh(client, first["refresh_token"]).json()
    other_session = sign_in(client)

    assert_refused(refresh(client, first["refresh_token"]))

    session = session_of(second)
    assert session.ended_at is not None and session.ended_because == "replay"
    # The thief's or the client's: neither the current refresh token nor
    # the current access token of that session works any more.
    assert_refused(refresh(client, second["refresh_token"]))
    assert_every_use_refused(client, user, auth_of(second))
    assert_every_use_refused(client, user, auth_of(first))
    # Only that session: the user's other one is untouched.
    assert_works(client, auth_of(other_session))


@pytest.mark.parametrize(
    "refresh_token",
    ["todo_rt_" + "0" * 64, "not a token", "x" * 256, "todo_rt_\u00e9"],
    ids=["unknown", "garbage", "long", "non-ascii"],
)
def test_an_unknown_refresh_token_is_refused_and_ends_nothing(client, user, refresh_token):
    answer = sign_in(client)

    assert_refused(refresh(client, refresh_token))

    assert session_of(answer).ended_at is None
    assert RefreshToken.objects.filter(spent_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"refresh_token": ""}, {"refresh_token": 7}, {"refresh_token": "x" * 257}, {"refresh_token": "a\x00b"},
     {"refresh_token": "t", "extra": 1}],
    ids=["missing", "empty", "number", "too long", "nul", "unknown field"],
)
def test_a_malformed_refresh_body_is_422(client, user, body):
    sign_in(client)

    response = post(client, "/api/auth/refresh", body)

    assert response.status_code == 422
    assert RefreshToken.objects.filter(spent_at__isnull=False).count() == 0


def test_an_expired_refresh_token_is_refused_without_ending_its_session(client, user):
    answer = sign_in(client)
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_refused(refresh(client, answer["refresh_token"]))

    assert session_of(answer).ended_at is None
    assert not RefreshToken.objects.filter(spent_at__isnull=False).exists()


def test_the_refresh_token_lifetime_and_access_token_lifetime_come_from_the_settings(client, user, settings):
    settings.REFRESH_TOKEN_TTL = 3600
    settings.JWT_ACCESS_TOKEN_TTL = 60

    answer = sign_in(client)

    assert answer["expires_in"] == 60
    stored = RefreshToken.objects.get()
    assert stored.expires_at - stored.created_at == timedelta(hours=1)


def test_an_inactive_users_refresh_token_is_refused(client, user):
    answer = sign_in(client)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_refused(refresh(client, answer["refresh_token"]))
    assert not RefreshToken.objects.filter(spent_at__isnull=False).exists()


def test_logout_ends_that_session_at_once_and_no_other(client, user):
    answer = sign_in(client)
    other = sign_in(client)

    response = post(client, "/api/auth/logout", **auth_of(answer))

    assert response.status_code == 204
    assert response.content == b""
    session = session_of(answer)
    assert session.ended_because == "logout"
    assert_every_use_refused(client, user, auth_of(answer))
    assert_refused(refresh(client, answer["refresh_token"]))
    assert_works(client, auth_of(other))
    assert refresh(client, other["refresh_token"]).status_code == 200


def test_logout_after_a_refresh_ends_the_tokens_of_both_generations(client, user):
    first = sign_in(client)
    second = refresh(client, first["refresh_token"]).json()

    assert post(client, "/api/auth/logout", **auth_of(first)).status_code == 204

    assert_every_use_refused(client, user, auth_of(second))
    assert_refused(refresh(client, second["refresh_token"]))


def a_token_of_another_service(user: User, **claims) -> dict[str, str]:
    token = jwt.encode(
        {"sub": str(user.pk), "exp": int(time.time()) + 60, **claims}, settings.JWT_SECRET, algorithm="HS256"
    )
    return {"Authorization": f"Bearer {token}"}


def test_a_token_of_another_service_has_no_session_of_ours_to_end(client, user):
    auth = a_token_of_another_service(user)

    response = post(client, "/api/auth/logout", **auth)

    assert response.status_code == 403
    assert response.json() == {"detail": "This token belongs to no session of this service."}
    assert_works(client, auth)
    assert not Session.objects.exists()


def test_an_identity_providers_token_is_not_a_session_of_ours(client, oidc_issuer):
    auth = external_bearer(oidc_issuer, sub="ext-1", email="ext@example.com")

    assert_works(client, auth)
    assert post(client, "/api/auth/logout", **auth).status_code == 403
    assert_works(client, auth)
    assert not Session.objects.exists()


@pytest.mark.parametrize("sid", ["999999", "07", "abc", 5, ""], ids=["unknown", "not canonical", "word", "number", "empty"])
def test_a_token_naming_no_open_session_of_its_user_is_refused(client, user, sid):
    assert_every_use_refused(client, user, a_token_of_another_service(user, sid=sid))


def test_a_token_naming_another_users_session_is_refused(client, user, other_user):
    theirs = session_of(sign_in(client, email=other_user.email))

    assert_every_use_refused(client, user, a_token_of_another_service(user, sid=str(theirs.pk)))


def test_logout_without_a_token_is_401(client, user):
    answer = sign_in(client)

    assert_refused(post(client, "/api/auth/logout"))
    assert session_of(answer).ended_at is None


def change_password(client, auth, current=PASSWORD, new=NEW_PASSWORD):
    return post(client, "/api/auth/password", {"current_password": current, "new_password": new}, **auth)


def test_a_password_change_ends_every_session_and_starts_a_fresh_one(client, user):
    calling, other = sign_in(client), sign_in(client)
    personal_token = personal_token_create(user_id=user.pk, name="script", expires_in_days=None)[1]

    response = change_password(client, auth_of(calling))

    assert response.status_code == 200
    fresh = response.json()
    assert set(fresh) == {"user", "access_token", "token_type", "expires_in", "refresh_token"}
    assert session_of(fresh).ended_at is None
    for old in (calling, other):
        assert session_of(old).ended_because == "password"
        assert_every_use_refused(client, user, auth_of(old))
        assert_refused(refresh(client, old["refresh_token"]))
    assert_works(client, auth_of(fresh))
    # Personal access tokens are not sessions: they keep working.
    assert_works(client, {"Authorization": f"Bearer {personal_token}"})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    sign_in(client, password=NEW_PASSWORD)
    assert post(client, "/api/auth/token", {"email": user.email, "password": PASSWORD}).status_code == 401


def test_a_wrong_current_password_is_401_and_changes_nothing(client, user):
    answer = sign_in(client)

    response = change_password(client, auth_of(answer), current="not my password")

    assert_refused(response)
    assert response.json() == {"detail": "The current password is incorrect."}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Session.objects.filter(ended_at__isnull=True).count() == 1
    assert_works(client, auth_of(answer))


@pytest.mark.parametrize("new", ["short", "password123", "12345678901", "ada@example.com"])
def test_a_weak_new_password_is_422_and_changes_nothing(client, user, new):
    answer = sign_in(client)

    response = change_password(client, auth_of(answer), new=new)

    assert response.status_code == 422
    assert {error["loc"][-1] for error in response.json()["detail"]} == {"new_password"}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Session.objects.filter(ended_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "body",
    [{"current_password": PASSWORD}, {"new_password": NEW_PASSWORD}, {"current_password": PASSWORD, "new_password": 7},
     {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "email": "x@example.com"}],
    ids=["no new", "no current", "number", "unknown field"],
)
def test_a_malformed_password_body_is_422(client, user, body):
    answer = sign_in(client)

    assert post(client, "/api/auth/password", body, **auth_of(answer)).status_code == 422
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_wrong_current_passwords_are_throttled_like_logins_in_the_accounts_one_budget(client, user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth_email": "3/min", "auth_ip": None}
    auth = auth_of(sign_in(client))
    for _ in range(2):
        assert change_password(client, auth, current="guess").status_code == 401

    response = change_password(client, auth)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # The same budget as the email's logins: guesses cannot switch doors.
    assert post(client, "/api/auth/token", {"email": user.email, "password": PASSWORD}).status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_identity_providers_user_has_no_password_to_change(client, oidc_issuer):
    auth = external_bearer(oidc_issuer, sub="ext-1", email="ext@example.com")

    response = change_password(client, auth, current="anything")

    assert response.status_code == 403
    assert not Session.objects.exists()


def test_a_password_change_with_a_token_of_another_service_starts_a_session(client, user):
    other = sign_in(client)

    response = change_password(client, a_token_of_another_service(user))

    assert response.status_code == 200
    assert session_of(other).ended_at is not None
    assert session_of(response.json()).ended_at is None

