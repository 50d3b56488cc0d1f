"""Personal access tokens (/api/auth/tokens): created with their secret shown
once, listed without it, used as bearer tokens, revoked at once, and never
allowed to manage sessions or tokens."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

import signin.services
from signin.models import PersonalAccessToken, Session
from signin.services import personal_token_create
from tests.conftest import PASSWORD, bearer
from tests.test_sessions import NEW_PASSWORD, assert_every_use_refused, assert_refused, assert_works, post
from users.services import user_grant_support

pytestmark = pytest.mark.django_db

TOKENS = "/api/auth/tokens"


@pytest.fixture(autouse=True)
def _uses_not_yet_recorded():
    # The per-process memory of recorded uses starts empty in each test.
    signin.services._touched.clear()


def create(client, auth, body=None):
    return post(client, TOKENS, {"name": "nightly backup"} if body is None else body, **auth)


def pat(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_created_token_is_shown_once_and_stored_as_its_sha256(client, user, auth):
    response = create(client, auth, {"name": "  nightly backup ", "expires_in_days": 90})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "token", "created_at", "expires_at", "last_used_at"}
    assert re.fullmatch(rf"todo_pat_{user.pk}_[0-9a-f]{{64}}", body["token"])
    stored = PersonalAccessToken.objects.get()
    assert (stored.pk, stored.user, stored.name, stored.last_used_at) == (body["id"], user, "nightly backup", None)
    assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert stored.expires_at - stored.created_at == timedelta(days=90)
    assert body["last_used_at"] is None


def test_a_token_without_expires_in_days_never_expires(client, auth):
    assert create(client, auth).json()["expires_at"] is None


def test_two_tokens_never_share_a_secret(client, auth):
    assert create(client, auth).json()["token"] != create(client, auth).json()["token"]


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "a\x00b"}, {"name": 7},
     {"name": "n", "expires_in_days": 0}, {"name": "n", "expires_in_days": 367}, {"name": "n", "expires_in_days": "90"},
     {"name": "n", "expires_in_days": 90.0}, {"name": "n", "expires_in_days": True}, {"name": "n", "scope": "all"}],
    ids=["no name", "empty", "blank", "long", "nul", "number", "zero days", "over a year", "days as text",
         "days as float", "days as boolean", "unknown field"],
)
def test_an_invalid_token_request_is_422_and_creates_nothing(client, auth, body):
    assert create(client, auth, body).status_code == 422
    assert not PersonalAccessToken.objects.exists()


def test_the_list_has_the_callers_live_tokens_newest_first_without_secrets(client, user, other_user, auth):
    older = create(client, auth, {"name": "older"}).json()
    newer = create(client, auth, {"name": "newer"}).json()
    revoked = create(client, auth, {"name": "revoked"}).json()
    assert client.delete(f"{TOKENS}/{revoked['id']}", headers=auth).status_code == 204
    personal_token_create(user_id=other_user.pk, name="bob's", expires_in_days=None)

    response = client.get(TOKENS, headers=auth)

    assert response.status_code == 200
    listed = response.json()
    assert [token["name"] for token in listed] == ["newer", "older"]
    assert listed[0] == {key: value for key, value in newer.items() if key != "token"}
    assert older["token"] not in response.content.decode()
    assert PersonalAccessToken.objects.get(pk=older["id"]).token_hash not in response.content.decode()


def test_a_token_works_for_reads_writes_and_the_user(client, user, auth):
    token = create(client, auth).json()["token"]

    assert_works(client, pat(token))
    task = client.get("/api/me/tasks", headers=pat(token)).json()[0]
    assert client.get(f"/api/{user.pk}/tasks/{task['id']}", headers=pat(token)).status_code == 200
    assert client.get("/api/auth/me", headers=pat(token)).json()["id"] == user.pk


def test_a_revoked_token_stops_working_at_once_and_is_gone(client, user, auth):
    body = create(client, auth).json()
    assert_works(client, pat(body["token"]))

    response = client.delete(f"{TOKENS}/{body['id']}", headers=auth)

    assert response.status_code == 204
    assert PersonalAccessToken.objects.get().revoked_at is not None
    assert_every_use_refused(client, user, pat(body["token"]))
    assert client.delete(f"{TOKENS}/{body['id']}", headers=auth).status_code == 404


def test_another_users_token_cannot_be_revoked_or_seen(client, user, other_user, auth):
    theirs, secret = personal_token_create(user_id=other_user.pk, name="bob's", expires_in_days=None)

    response = client.delete(f"{TOKENS}/{theirs.pk}", headers=auth)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert_works(Client(), pat(secret))


@pytest.mark.parametrize("token_id", ["abc", "0", "-1", "1.0", "+1", "01", "1_0", "%201", "١", "99999999999999999999999"])
def test_a_malformed_token_id_is_422_and_revokes_nothing(client, auth, token_id):
    create(client, auth)

    assert client.delete(f"{TOKENS}/{token_id}", headers=auth).status_code == 422
    assert not PersonalAccessToken.objects.filter(revoked_at__isnull=False).exists()


def test_an_expired_token_is_refused(client, user, auth):
    token = create(client, auth, {"name": "short", "expires_in_days": 1}).json()["token"]
    PersonalAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_every_use_refused(client, user, pat(token))


def test_a_token_of_a_deactivated_user_is_refused(client, user, auth):
    token = create(client, auth).json()["token"]
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert_refused(client.get("/api/me/tasks", headers=pat(token)))
    assert_refused(client.get("/api/auth/me", headers=pat(token)))


def test_a_forged_or_altered_token_is_refused(client, user, other_user, auth):
    token = create(client, auth).json()["token"]
    secret = token.rsplit("_", 1)[1]

    for forged in (
        f"todo_pat_{user.pk}_{'0' * 64}",
        f"todo_pat_{other_user.pk}_{secret}",  # a real secret, claimed for another user
        token[:-1] + ("0" if token[-1] != "0" else "1"),
        token.upper(),
        f"todo_pat_0{user.pk}_{secret}",
        f"todo_pat_99999999999999999999_{secret}",
    ):
        assert_refused(client.get("/api/me/tasks", headers=pat(forged)))
        assert_refused(client.get(f"/api/{other_user.pk}/tasks", headers=pat(forged)))
        assert_refused(post(client, "/api/me/tasks", {"title": "x"}, **pat(forged)))


def test_a_token_on_another_users_path_is_403(client, user, other_user, auth):
    token = create(client, auth).json()["token"]

    assert client.get(f"/api/{other_user.pk}/tasks", headers=pat(token)).status_code == 403
    assert post(client, f"/api/{other_user.pk}/tasks", {"title": "x"}, **pat(token)).status_code == 403


def test_a_token_cannot_manage_sessions_or_tokens(client, user, auth):
    body = create(client, auth).json()
    token = pat(body["token"])
    forbidden = [
        post(client, TOKENS, {"name": "another"}, **token),
        client.get(TOKENS, headers=token),
        client.delete(f"{TOKENS}/{body['id']}", headers=token),
        post(client, "/api/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, **token),
        post(client, "/api/auth/logout", **token),
    ]

    for response in forbidden:
        assert response.status_code == 403
        assert response.json() == {"detail": "A personal access token cannot manage sessions or tokens."}
    assert PersonalAccessToken.objects.filter(revoked_at__isnull=True).count() == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Session.objects.filter(ended_at__isnull=True).count() == 1


def test_a_token_is_not_a_refresh_token(client, auth):
    token = create(client, auth).json()["token"]

    assert_refused(post(client, "/api/auth/refresh", {"refresh_token": token}))


def test_the_first_use_is_recorded_then_at_most_once_a_minute(client, auth, task, django_assert_num_queries):
    body = create(client, auth).json()
    stored = PersonalAccessToken.objects.get()

    # First use: the read, and one UPDATE of last_used_at.
    with django_assert_num_queries(2):
        assert client.get("/api/me/tasks", headers=pat(body["token"])).status_code == 200
    stored.refresh_from_db()
    first = stored.last_used_at
    assert first is not None
    # Within the minute this process asks nothing more.
    with django_assert_num_queries(1):
        assert client.get("/api/me/tasks", headers=pat(body["token"])).status_code == 200
    # Another process (its memory empty) asks, and the database keeps the minute's value.
    signin.services._touched.clear()
    client.get("/api/me/tasks", headers=pat(body["token"]))
    stored.refresh_from_db()
    assert stored.last_used_at == first
    # A minute on, the next use is recorded.
    PersonalAccessToken.objects.update(last_used_at=first - timedelta(seconds=61))
    signin.services._touched.clear()
    client.get("/api/me/tasks", headers=pat(body["token"]))
    stored.refresh_from_db()
    assert stored.last_used_at > first
    assert client.get(TOKENS, headers=auth).json()[0]["last_used_at"] is not None


def test_a_revoked_tokens_use_is_not_recorded(client, auth):
    body = create(client, auth).json()
    client.delete(f"{TOKENS}/{body['id']}", headers=auth)

    client.get("/api/me/tasks", headers=pat(body["token"]))

    assert PersonalAccessToken.objects.get().last_used_at is None


@pytest.fixture
def support_client(make_user) -> Client:
    support = make_user("support@example.com")
    user_grant_support(user=support)
    client = Client()
    client.force_login(support)
    return client


def test_support_staff_see_tokens_in_the_admin_and_revoke_them(support_client, user, auth):
    token = create(Client(), auth, {"name": "leaked one"}).json()["token"]

    listing = support_client.get("/admin/signin/personalaccesstoken/")
    assert listing.status_code == 200
    assert "leaked one" in listing.content.decode()
    assert token not in listing.content.decode()
    stored = PersonalAccessToken.objects.get()
    page = support_client.get(f"/admin/signin/personalaccesstoken/{stored.pk}/change/")
    assert page.status_code == 200
    assert stored.token_hash not in page.content.decode()

    response = support_client.post(
        "/admin/signin/personalaccesstoken/",
        {"action": "revoke_tokens", "_selected_action": [stored.pk]},
        follow=True,
    )

    assert "Revoked 1 token(s)." in response.content.decode()
    assert_refused(Client().get("/api/me/tasks", headers=pat(token)))


def test_support_staff_end_sessions_in_the_admin(support_client, user):
    auth = bearer(user)
    session = Session.objects.get(user=user)
    assert support_client.get("/admin/signin/session/").status_code == 200

    response = support_client.post(
        "/admin/signin/session/", {"action": "end_sessions", "_selected_action": [session.pk]}, follow=True
    )

    assert "Ended 1 session(s)." in response.content.decode()
    session.refresh_from_db()
    assert session.ended_because == "support"
    assert_refused(Client().get("/api/me/tasks", headers=auth))


def test_the_admin_cannot_add_tokens_or_sessions(support_client):
    assert support_client.get("/admin/signin/personalaccesstoken/add/").status_code == 403
    assert support_client.get("/admin/signin/session/add/").status_code == 403
