from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from tasks.models import Task
from tasks.services import DEMO_TASKS
from users.models import User
from signin.models import RefreshToken, Session
from signin.services import personal_token_create, session_refresh, session_start
from users.tokens import access_token_subject

from .conftest import PASSWORD, bearer


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createuser_creates_a_user_who_can_sign_in(db):
    output = run("createuser", "Grace@Example.com", "--password", PASSWORD)

    user = User.objects.get()
    assert user.email == "grace@example.com"
    assert user.check_password(PASSWORD)
    assert (user.is_active, user.is_staff) == (True, False)
    assert output == f"Created user grace@example.com (id {user.pk}).\n"


def test_createuser_with_staff_makes_support_staff_who_manage_tasks_in_the_admin(client, db):
    output = run("createuser", "support@example.com", "--password", PASSWORD, "--staff")

    user = User.objects.get()
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert output == f"Created staff user support@example.com (id {user.pk}).\n"
    assert client.login(email="support@example.com", password=PASSWORD)
    for page in ("/admin/", "/admin/tasks/task/", "/admin/tasks/task/add/", "/admin/users/user/"):
        assert client.get(page).status_code == 200, page


def test_createuser_asks_for_the_password_twice_when_not_given(db, monkeypatch):
    monkeypatch.setattr("users.management.commands.createuser.getpass", lambda prompt: PASSWORD)

    run("createuser", "grace@example.com")

    assert User.objects.get().check_password(PASSWORD)


def test_createuser_refuses_mismatched_typed_passwords(db, monkeypatch):
    answers = iter([PASSWORD, "something else entirely"])
    monkeypatch.setattr("users.management.commands.createuser.getpass", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="do not match"):
        run("createuser", "grace@example.com")
    assert not User.objects.exists()


def test_createuser_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="too common"):
        run("createuser", "grace@example.com", "--password", "password")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "email, reason",
    [
        ("not an email", "valid email"),
        ("a@" + "İ" * 63 + "." + "İ" * 63 + ".com", "at most 254 characters"),
        ("ada\x00@example.com", "control"),
    ],
)
def test_createuser_refuses_an_email_the_api_would_refuse(db, email, reason):
    with pytest.raises(CommandError, match=reason):
        run("createuser", email, "--password", PASSWORD)
    assert not User.objects.exists()


def test_createuser_refuses_an_email_in_use_whatever_its_case(user):
    with pytest.raises(CommandError, match="already exists"):
        run("createuser", "ADA@example.com", "--password", PASSWORD)
    assert User.objects.count() == 1


def test_issuetoken_prints_only_a_token_the_api_accepts(client, user):
    output = run("issuetoken", "Ada@Example.com")

    token = output.strip()
    assert output == token + "\n"
    # A session's token, ended by endsessions like any other.
    assert access_token_subject(token) == (user.pk, Session.objects.get(user=user).pk)
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["email"] == "ada@example.com"


def test_issuetoken_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match="No active user"):
        run("issuetoken", "nobody@example.com")


def test_issuetoken_refuses_an_inactive_user(make_user):
    make_user("gone@example.com", is_active=False)

    with pytest.raises(CommandError, match="No active user"):
        run("issuetoken", "gone@example.com")


def test_seed_demo_creates_the_demo_user_and_tasks(client, db):
    output = run("seed_demo")

    user = User.objects.get(email="demo@example.com")
    assert client.login(email="demo@example.com", password="demo password 2026")
    tasks = Task.objects.filter(user=user)
    assert sorted(t.title for t in tasks) == sorted(title for title, _, _ in DEMO_TASKS)
    for task in tasks:
        assert (task.completed_at is not None) == task.completed
    assert "Created demo@example.com" in output
    assert f"Added {len(DEMO_TASKS)} demo task(s)" in output


def test_seed_demo_run_twice_changes_nothing(db):
    run("seed_demo")
    before = list(Task.objects.values().order_by("id"))
    password_hash = User.objects.get().password

    output = run("seed_demo")

    assert list(Task.objects.values().order_by("id")) == before
    assert User.objects.get().password == password_hash
    assert "exists already" in output
    assert "Added 0 demo task(s)" in output


def test_seed_demo_adds_back_only_the_demo_tasks_that_were_deleted(db):
    run("seed_demo")
    Task.objects.filter(title="Call mum").delete()

    output = run("seed_demo")

    assert Task.objects.filter(title="Call mum").count() == 1
    assert Task.objects.count() == len(DEMO_TASKS)
    assert "Added 1 demo task(s)" in output


def test_seed_demo_leaves_a_deactivated_demo_account_alone(make_user):
    make_user("demo@example.com", is_active=False)

    with pytest.raises(CommandError, match="deactivated"):
        run("seed_demo")
    assert not Task.objects.exists()


def test_endsessions_ends_every_session_of_a_user_at_once(client, user, other_user):
    mine = [bearer(user), bearer(user)]
    theirs = bearer(other_user)
    personal_token = personal_token_create(user_id=user.pk, name="script", expires_in_days=None)[1]

    output = run("endsessions", "ADA@example.com")

    assert output == "Ended 2 session(s) of ada@example.com.\n"
    assert set(Session.objects.filter(user=user).values_list("ended_because", flat=True)) == {"support"}
    for auth in mine:
        assert client.get("/api/me/tasks", headers=auth).status_code == 401
    assert client.get("/api/me/tasks", headers=theirs).status_code == 200
    # Personal access tokens are not sessions; --tokens revokes them too.
    assert client.get("/api/me/tasks", headers={"Authorization": f"Bearer {personal_token}"}).status_code == 200


def test_endsessions_with_tokens_also_revokes_personal_access_tokens(client, user):
    bearer(user)
    personal_token = personal_token_create(user_id=user.pk, name="script", expires_in_days=None)[1]

    output = run("endsessions", str(user.pk), "--tokens")

    assert output == "Ended 1 session(s) of ada@example.com and revoked 1 personal access token(s).\n"
    assert client.get("/api/me/tasks", headers={"Authorization": f"Bearer {personal_token}"}).status_code == 401


@pytest.mark.parametrize("name", ["nobody@example.com", "999999", "\u0661"])
def test_endsessions_refuses_an_unknown_user_and_ends_nothing(user, name):
    bearer(user)

    with pytest.raises(CommandError, match="No user"):
        run("endsessions", name)
    assert Session.objects.get().ended_at is None


def aged(sign_in, *, days: int) -> Session:
    """The sign-in's session and its refresh tokens, made ``days`` earlier."""
    session = Session.objects.get(pk=access_token_subject(sign_in.access_token)[1])
    ago = timedelta(days=days)
    Session.objects.filter(pk=session.pk).update(created_at=F("created_at") - ago)
    session.refresh_tokens.update(created_at=F("created_at") - ago, expires_at=F("expires_at") - ago)
    return session


def test_forget_sessions_forgets_expired_refresh_tokens_and_the_sessions_left_with_none(client, user):
    past_lifetime = settings.REFRESH_TOKEN_TTL // 86400 + 1
    abandoned = aged(session_start(user=user), days=past_lifetime)
    # Refreshed yesterday: its first token expired, the one the refresh gave lives.
    renewed = session_refresh(refresh_token=session_start(user=user).refresh_token)
    kept = aged(renewed, days=past_lifetime)
    kept.refresh_tokens.filter(spent_at__isnull=True).update(expires_at=timezone.now() + timedelta(days=1))
    fresh = session_start(user=user)

    output = run("forget_sessions")

    assert output == "Forgot 2 expired refresh token(s) and 1 session(s) left with none.\n"
    assert not Session.objects.filter(pk=abandoned.pk).exists()
    assert set(Session.objects.values_list("pk", flat=True)) == {kept.pk, access_token_subject(fresh.access_token)[1]}
    for sign_in in (renewed, fresh):
        refreshed = client.post("/api/auth/refresh", {"refresh_token": sign_in.refresh_token}, "application/json")
        assert refreshed.status_code == 200
    assert run("forget_sessions") == "Forgot 0 expired refresh token(s) and 0 session(s) left with none.\n"


def test_forget_sessions_keeps_a_session_whose_first_token_is_not_written_yet(user):
    # session_start writes the session, then its token, in one transaction.
    Session.objects.create(user=user)

    assert run("forget_sessions") == "Forgot 0 expired refresh token(s) and 0 session(s) left with none.\n"
    assert Session.objects.count() == 1
