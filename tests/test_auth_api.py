import time

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from signin.models import PersonalAccessToken, Session
from signin.services import personal_token_create
from sync.models import Feed, Tombstone
from tasks.models import Task
from tests.conftest import PASSWORD, bearer
from users.models import User

REGISTER = "/api/auth/register"
TOKEN = "/api/auth/token"
ME = "/api/auth/me"


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def assert_auth_response(body, user: User):
    assert body["user"] == {
        "id": user.pk,
        "email": user.email,
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
        "timezone": "UTC",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.JWT_ACCESS_TOKEN_TTL
    claims = jwt.decode(body["access_token"], settings.JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(user.pk)
    assert claims["exp"] > time.time()


@pytest.mark.django_db
def test_register_creates_a_user_with_a_normalised_email_and_returns_a_token(client):
    response = post(client, REGISTER, {"email": "  Ada@Example.COM ", "password": PASSWORD})

    assert response.status_code == 201
    user = User.objects.get()
    assert user.email == "ada@example.com"
    assert user.check_password(PASSWORD)
    assert user.is_active and not user.is_staff
    assert_auth_response(response.json(), user)


def test_register_with_a_taken_email_in_another_case_is_a_conflict(client, user):
    response = post(client, REGISTER, {"email": "ADA@example.com", "password": "another good password"})

    assert response.status_code == 409
    assert response.json() == {"detail": "A user with this email already exists."}
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "ada@example.com", "password": "short"}, "password"),
        ({"email": "ada@example.com", "password": "12345678901"}, "password"),
        ({"email": "ada@example.com", "password": "password123"}, "password"),
        ({"email": "ada@example.com", "password": "ada@example.com"}, "password"),
        ({"email": "ada@example.com"}, "password"),
        ({"email": "ada@example.com", "password": PASSWORD, "is_staff": True}, "is_staff"),
    ],
)
def test_register_with_an_invalid_email_or_weak_password_is_refused(client, body, field):
    response = post(client, REGISTER, body)

    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
    assert not User.objects.exists()


def test_token_for_the_right_password_whatever_the_email_case(client, user):
    response = post(client, TOKEN, {"email": "ADA@Example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert_auth_response(response.json(), user)


@pytest.mark.parametrize(
    "email, password",
    [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
)
def test_token_for_a_wrong_email_or_password_gives_one_message(client, user, email, password):
    response = post(client, TOKEN, {"email": email, "password": password})

    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password."}
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_is_refused_to_an_inactive_user(client, make_user):
    make_user("gone@example.com", is_active=False)

    response = post(client, TOKEN, {"email": "gone@example.com", "password": PASSWORD})

    assert response.status_code == 401


def test_me_returns_the_token_owner(client, user, auth):
    response = client.get(ME, headers=auth)

    assert response.status_code == 200
    assert response.json()["id"] == user.pk
    assert response.json()["email"] == "ada@example.com"


def _token(claims: dict, secret: str | None = None) -> str:
    return jwt.encode(claims, secret or settings.JWT_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-jwt",
        "Basic YWRhOnB3",
        "Bearer " + _token({"sub": "1", "exp": int(time.time()) + 60}, secret="x" * 40),
        "Bearer " + _token({"sub": "1", "exp": int(time.time()) - 3600}),
    ],
    ids=["missing", "empty", "no-token", "malformed", "basic", "bad-signature", "expired"],
)
def test_me_without_a_valid_token_is_unauthorized(client, user, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get(ME, headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "detail" in response.json()


def test_a_token_whose_user_was_deleted_is_unauthorized(client, user):
    headers = bearer(user)
    user.delete()

    assert client.get(ME, headers=headers).status_code == 401


def test_a_token_whose_user_was_deactivated_is_unauthorized(client, user, auth):
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert client.get(ME, headers=auth).status_code == 401


# Reads take the token's word for who is asking and let their own query
# require an active user: every way a read can end must still refuse one.
READS = {
    "list": "/api/{user}/tasks",
    "empty list": "/api/{user}/tasks?completed=true",
    "get": "/api/{user}/tasks/{task}",
    "get missing": "/api/{user}/tasks/{missing}",
    "get unchanged": "/api/{user}/tasks/{task}",
    "invalid parameter": "/api/{user}/tasks?limit=0",
    "invalid id": "/api/{user}/tasks/abc",
    "another user's tasks": "/api/{other}/tasks",
}


@pytest.mark.parametrize("gone", ["deactivated", "deleted"])
@pytest.mark.parametrize("read", READS)
def test_every_read_by_a_gone_or_inactive_user_is_unauthorized(client, user, other_user, task, read, gone):
    headers = bearer(user)
    if read == "get unchanged":
        headers["If-None-Match"] = client.get(f"/api/{user.pk}/tasks/{task.pk}", headers=headers)["ETag"]
    url = READS[read].format(user=user.pk, task=task.pk, missing=task.pk + 1000, other=other_user.pk)
    if gone == "deleted":
        user.delete()
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)

    response = client.get(url, headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Missing, invalid or expired token."}


# The task writes take the token's word too, and let the statement that
# takes their change number require an active user whose session or token
# stands: every way a write can end must refuse the others, and write nothing.
WRITES = {
    "create": ("post", "/api/{user}/tasks", {"title": "New"}, {}),
    "create with a key": ("post", "/api/{user}/tasks", {"title": "New"}, {"Idempotency-Key": "k1"}),
    "put": ("put", "/api/{user}/tasks/{task}", {"title": "Put"}, {}),
    "patch": ("patch", "/api/{user}/tasks/{task}", {"title": "Patched"}, {}),
    "patch due time": ("patch", "/api/{user}/tasks/{task}", {"due_time": "09:00"}, {}),
    "toggle": ("patch", "/api/{user}/tasks/{task}/complete", None, {}),
    "complete": ("patch", "/api/{user}/tasks/{task}/complete", {"completed": True}, {}),
    "delete": ("delete", "/api/{user}/tasks/{task}", None, {}),
    "conditional patch": ("patch", "/api/{user}/tasks/{task}", {"title": "Patched"}, {"If-Match": "current"}),
    "stale conditional delete": ("delete", "/api/{user}/tasks/{task}", None, {"If-Match": '"stale"'}),
    "missing task": ("patch", "/api/{user}/tasks/{missing}", {"title": "Patched"}, {}),
    "invalid body": ("patch", "/api/{user}/tasks/{task}", {"title": ""}, {}),
    "not JSON": ("post", "/api/{user}/tasks", "title=New", {}),
}


def end_the_callers_access(how: str, user: User, headers: dict[str, str]) -> None:
    if how == "deleted":
        user.delete()
    elif how == "deactivated":
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif how == "session ended":
        Session.objects.filter(user=user).update(ended_at=timezone.now(), ended_because=Session.EndedBecause.LOGOUT)
    else:
        PersonalAccessToken.objects.filter(user=user).update(revoked_at=timezone.now())


@pytest.mark.parametrize("how", ["deactivated", "deleted", "session ended", "personal token revoked"])
@pytest.mark.parametrize("write", WRITES)
def test_every_task_write_of_a_caller_no_longer_allowed_is_unauthorized_and_writes_nothing(
    client, user, task, write, how
):
    if how == "personal token revoked":
        _, secret = personal_token_create(user_id=user.pk, name="script", expires_in_days=None)
        headers = {"Authorization": f"Bearer {secret}"}
    else:
        headers = bearer(user)
    method, path, body, extra = WRITES[write]
    if extra.get("If-Match") == "current":
        extra = {"If-Match": client.get(f"/api/{user.pk}/tasks/{task.pk}", headers=headers)["ETag"]}
    url = path.format(user=user.pk, task=task.pk, missing=task.pk + 1000)
    before = list(Task.objects.values_list("pk", "title", "completed", "due_time", "updated_at"))
    feed_before = list(Feed.objects.values_list("user_id", "last_seq"))
    end_the_callers_access(how, user, headers)
    if how == "deleted":
        before, feed_before = [], []

    if body is None:
        response = getattr(client, method)(url, headers={**headers, **extra})
    else:
        content_type = "text/plain" if isinstance(body, str) else "application/json"
        response = getattr(client, method)(url, body, content_type=content_type, headers={**headers, **extra})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert list(Task.objects.values_list("pk", "title", "completed", "due_time", "updated_at")) == before
    assert list(Feed.objects.values_list("user_id", "last_seq")) == feed_before
    assert not Tombstone.objects.exists()


def test_a_token_from_another_service_with_the_same_secret_is_accepted(client, user):
    token = _token({"sub": str(user.pk), "exp": int(time.time()) + 60, "name": "Ada", "role": "user"})

    response = client.get(ME, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json()["id"] == user.pk


# 133 characters as sent, 259 lower-cased: "İ".lower() is "i̇", two code points.
LENGTHENED_BY_LOWER_CASE = "a@" + "İ" * 63 + "." + "İ" * 63 + ".com"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, TOKEN])
def test_an_email_too_long_once_lower_cased_is_a_validation_error(client, url):
    response = post(client, url, {"email": LENGTHENED_BY_LOWER_CASE, "password": PASSWORD})

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"][-1], error["type"]) == ("email", "string_too_long")
    assert not User.objects.exists()
