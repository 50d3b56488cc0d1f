"""Rate limits: login and registration per address and per email, writes per user."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.models import Task
from tests.conftest import PASSWORD, bearer
from todoproject import throttles
from users.models import User

pytestmark = pytest.mark.django_db

LIMIT = 3
RATES = {"auth_ip": None, "auth_email": None, "writes_user": None}


@pytest.fixture
def rates(settings, monkeypatch):
    # The limits count in fixed windows (todoproject/throttles.py): a test's
    # requests must not straddle a window's end, or the count starts again
    # mid-test. The clock the throttles read stands still, a second into
    # the current hour (and so into every shorter window too).
    start = time.time() // 3600 * 3600 + 1
    monkeypatch.setattr(throttles, "time", SimpleNamespace(time=lambda: start))

    def set_rate(scope: str, rate: str) -> None:
        settings.THROTTLE_RATES = {**RATES, scope: rate}

    return set_rate


def login(client, email="ada@example.com", password="wrong password", ip="10.0.0.1", **headers):
    return client.post(
        "/api/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
        headers=headers,
    )


def register(client, email, ip="10.0.0.1"):
    return client.post(
        "/api/auth/register", {"email": email, "password": PASSWORD}, content_type="application/json", REMOTE_ADDR=ip
    )


def assert_throttled(response):
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests, slow down."}
    assert 1 <= int(response["Retry-After"]) <= 60


def test_logins_beyond_the_per_address_rate_are_429_even_with_the_right_password(client, user, rates):
    rates("auth_ip", f"{LIMIT}/min")
    for n in range(LIMIT):
        assert login(client, email=f"guess{n}@example.com").status_code == 401

    assert_throttled(login(client, password=PASSWORD))
    assert login(client, password=PASSWORD, ip="10.0.0.2").status_code == 200


def test_a_forged_x_forwarded_for_does_not_dodge_the_per_address_rate(client, user, rates):
    rates("auth_ip", f"{LIMIT}/min")
    for n in range(LIMIT):
        assert login(client, email=f"guess{n}@example.com", X_Forwarded_For=f"192.0.2.{n}").status_code == 401

    assert_throttled(login(client, X_Forwarded_For="192.0.2.99"))


def test_logins_beyond_the_per_email_rate_are_429_from_any_address(client, user, rates):
    rates("auth_email", f"{LIMIT}/min")
    for n in range(LIMIT):
        assert login(client, ip=f"10.0.1.{n}").status_code == 401

    assert_throttled(login(client, email="  ADA@example.com", password=PASSWORD, ip="10.0.1.99"))
    assert login(client, email="bob@example.com", ip="10.0.1.99").status_code == 401


def test_registrations_beyond_the_per_address_rate_are_429_and_create_nobody(client, rates):
    rates("auth_ip", f"{LIMIT}/min")
    for n in range(LIMIT):
        assert register(client, f"user{n}@example.com").status_code == 201

    assert_throttled(register(client, "one.more@example.com"))
    assert User.objects.count() == LIMIT


def test_registrations_beyond_the_per_email_rate_are_429_and_create_nobody(client, rates):
    rates("auth_email", f"{LIMIT}/min")
    assert register(client, "taken@example.com", ip="10.0.2.0").status_code == 201
    for n in range(1, LIMIT):
        assert register(client, "taken@example.com", ip=f"10.0.2.{n}").status_code == 409

    assert_throttled(register(client, "Taken@example.com", ip="10.0.2.99"))
    assert User.objects.count() == 1


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"email": 5, "password": "x"}'], ids=repr)
def test_a_body_without_a_readable_email_is_counted_for_its_address(client, rates, body):
    # Was: left uncounted (issue #12: uncounted bodies were a way around the limit).
    rates("auth_email", "1/min")

    statuses = [client.post("/api/auth/token", body, content_type="application/json").status_code for _ in range(3)]

    assert statuses[0] in {400, 422}
    assert statuses[1:] == [429, 429]
    assert client.post("/api/auth/token", body, content_type="application/json", REMOTE_ADDR="10.9.9.9").status_code != 429


def guess(password: str) -> str:
    return f'"email": "ada@example.com", "password": "{password}"'


# Bodies that a second, laxer parser read differently from the throttle's own.
ENCODING_TRICKS = {
    "UTF-8 BOM": lambda password: b"\xef\xbb\xbf{" + guess(password).encode() + b"}",
    "UTF-16": lambda password: ("{" + guess(password) + "}").encode("utf-16"),
    "UTF-16-BE": lambda password: ("{" + guess(password) + "}").encode("utf-16-be"),
    "UTF-32": lambda password: ("{" + guess(password) + "}").encode("utf-32"),
    "NaN first": lambda password: ('{"password": NaN, ' + guess(password) + "}").encode(),
    "Infinity email first": lambda password: ('{"email": Infinity, ' + guess(password) + "}").encode(),
    "duplicate email": lambda password: ('{"email": "x@example.com", ' + guess(password) + "}").encode(),
    "1e400 first": lambda password: ('{"password": 1e400, ' + guess(password) + "}").encode(),
}


@pytest.mark.parametrize("trick", ENCODING_TRICKS, ids=str)
def test_no_encoding_of_the_body_walks_around_the_per_email_rate(client, user, rates, trick):
    # Per hour: 30 requests on a busy machine can straddle a minute's end.
    rates("auth_email", f"{LIMIT}/hour")
    for n in range(LIMIT):
        assert login(client, ip=f"10.0.3.{n}").status_code == 401
    encode = ENCODING_TRICKS[trick]

    # No password is checked any more: each guess is refused before that.
    for n in range(25):
        response = client.post(
            "/api/auth/token", encode(f"guess {n}"), content_type="application/json", REMOTE_ADDR=f"10.0.4.{n}"
        )
        assert response.status_code in {400, 429}, response.content
    right = client.post("/api/auth/token", encode(PASSWORD), content_type="application/json", REMOTE_ADDR="10.0.5.1")

    assert right.status_code in {400, 429}
    assert login(client, password=PASSWORD, ip="10.0.5.2").status_code == 429


def test_writes_beyond_the_per_user_rate_are_429_and_change_nothing(client, user, auth, other_user, rates):
    rates("writes_user", f"{LIMIT}/min")
    url = f"/api/{user.pk}/tasks"
    for n in range(LIMIT):
        assert client.post(url, {"title": f"t{n}"}, content_type="application/json", headers=auth).status_code == 201

    assert_throttled(client.post(url, {"title": "over"}, content_type="application/json", headers=auth))
    task = Task.objects.filter(user=user).first()
    assert_throttled(client.delete(f"{url}/{task.pk}", headers=auth))
    assert Task.objects.filter(user=user).count() == LIMIT
    assert client.get(url, headers=auth).status_code == 200
    other = client.post(
        f"/api/{other_user.pk}/tasks", {"title": "b"}, content_type="application/json", headers=bearer(other_user)
    )
    assert other.status_code == 201


def test_reads_are_not_rate_limited(client, user, auth, task, rates):
    rates("writes_user", "1/min")

    statuses = {client.get(f"/api/{user.pk}/tasks/{task.pk}", headers=auth).status_code for _ in range(5)}

    assert statuses == {200}


def test_the_default_rates_allow_normal_use_and_stop_brute_force(settings):
    assert settings.THROTTLE_RATES == {"auth_ip": "60/min", "auth_email": "10/min", "writes_user": "300/min"}


def test_rate_limiting_adds_no_database_query_to_a_write(client, user, auth, settings):
    def queries_for_a_create(rate):
        settings.THROTTLE_RATES = {**RATES, "writes_user": rate}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/api/{user.pk}/tasks", {"title": "t"}, content_type="application/json", headers=auth
            )
        assert response.status_code == 201
        return len(queries)

    assert queries_for_a_create("100/min") == queries_for_a_create(None)


def admin_login(client, password, email="root@example.com", ip="10.0.6.1"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def superuser(make_user):
    return make_user("root@example.com", is_staff=True, is_superuser=True)


def assert_admin_refused(client, response):
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "Too many login attempts" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("scope", ["auth_email", "auth_ip"])
def test_wrong_admin_passwords_lock_the_admin_login_even_for_the_right_one(client, superuser, rates, scope):
    # Per hour: the lock must outlast the test however slow the machine.
    rates(scope, f"{LIMIT}/hour")
    for n in range(LIMIT):
        wrong = admin_login(client, f"guess {n}", ip="10.0.6.1" if scope == "auth_ip" else f"10.0.7.{n}")
        assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    assert_admin_refused(client, admin_login(client, PASSWORD, email=" ROOT@example.com", ip="10.0.6.1"))


def test_guesses_through_the_api_and_the_admin_share_one_budget(client, superuser, rates):
    rates("auth_email", f"{LIMIT}/hour")
    for n in range(LIMIT):
        assert login(client, email="root@example.com", ip=f"10.0.8.{n}").status_code == 401

    assert_admin_refused(client, admin_login(client, PASSWORD, ip="10.0.8.99"))


def test_the_admin_login_within_the_limits_signs_in(client, superuser, rates):
    rates("auth_email", f"{LIMIT}/hour")
    assert admin_login(client, "one typo").status_code == 200

    response = admin_login(client, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)
