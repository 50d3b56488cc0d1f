"""Every task endpoint costs a constant number of SQL queries, authentication
included, whatever the user's task count (transaction control counts too:
BEGIN and COMMIT are round trips, so writes are single statements), and
whatever the token: a session's access token, a personal access token and a
token of another service cost the same, the check that the session or token
still stands included (it is a join in the query the request makes anyway);
an identity provider's user, once known, costs what a password user does."""

from datetime import date

import pytest
from django.db import connection
from model_bakery import baker

import signin.services
from signin.services import personal_token_create
from tasks.models import Task
from tasks.selectors import SORTS
from tests.conftest import bearer, external_bearer
from tests.test_sessions import a_token_of_another_service
from users.models import User


def on_this_backend(queries: int, *, deletes: bool = False) -> int:
    """A write's queries here. On PostgreSQL a write takes its change number
    in its own statement (a data-modifying CTE, sync/services.py). SQLite
    cannot write in a CTE: there the number is a statement of its own, in a
    transaction (BEGIN IMMEDIATE and COMMIT count as queries too), and a
    delete records its deletions in one more."""
    if connection.vendor == "postgresql":
        return queries
    return queries + 3 + deletes

# (method, path under /api/{user}/tasks, body, queries): a read or a write
# confirms the token's user, and its session or token row, in its own
# statement (the write in the one that takes its change number).
ENDPOINTS = {
    "list": ("get", "", None, 1),
    "list next page": ("get", "?limit=2&cursor=", None, 1),
    "list completed": ("get", "?completed=false", None, 1),
    "get": ("get", "/{task}", None, 1),
    "create": ("post", "", {"title": "New"}, on_this_backend(1)),
    "put": ("put", "/{task}", {"title": "Put", "completed": True}, on_this_backend(1)),
    "patch": ("patch", "/{task}", {"description": "Patched"}, on_this_backend(1)),
    "toggle": ("patch", "/{task}/complete", None, on_this_backend(1)),
    "complete": ("patch", "/{task}/complete", {"completed": True}, on_this_backend(1)),
    "delete": ("delete", "/{task}", None, on_this_backend(1, deletes=True)),
    # Planning: every filter at once, each sort and its next page, and
    # writes that change tags (a column of the task: still one statement).
    "list filtered": (
        "get",
        "?completed=false&priority=none&priority=high&tag=t1&q=task&has_due=true&due_from=2026-01-01"
        "&due_to=2026-12-31&overdue=true",
        None,
        1,
    ),
    **{f"list sorted {sort}": ("get", f"?sort={sort}", None, 1) for sort in SORTS},
    **{f"list sorted {sort}, next page": ("get", f"?sort={sort}&limit=2&cursor=", None, 1) for sort in SORTS},
    "list overdue": ("get", "?overdue=true", None, 1),
    "create with tags": ("post", "", {"title": "New", "tags": ["a", "b"], "due_date": "2026-05-01"}, on_this_backend(1)),
    "patch tags": ("patch", "/{task}", {"tags": ["x", "y"], "priority": "high"}, on_this_backend(1)),
    "patch due time": ("patch", "/{task}", {"due_time": "09:00"}, on_this_backend(1)),
}
# Not under /tasks: (method, path under /api/{user}, body, queries). A rename
# is one transaction: BEGIN, the UPDATE of every task with the tag (its change
# number taken in it on PostgreSQL, by one more statement on SQLite), the new
# count, COMMIT, after the token's user; a delete one numbered UPDATE.
TAG_ENDPOINTS = {
    "list tags": ("get", "/tags", None, 1),
    "rename tag": ("patch", "/tags/t1", {"name": "renamed"}, 5 if connection.vendor == "postgresql" else 6),
    "delete tag": ("delete", "/tags/t1", None, on_this_backend(2)),
}


def make_counted_tasks(user: User, count: int, tags: int = 1) -> None:
    # Overdue (the filters above keep them), open, each with the tags t1, t2, ...
    baker.make(
        Task,
        user=user,
        title="Task",
        due_date=date(2026, 1, 1),
        tags=[f"t{i}" for i in range(1, tags + 1)],
        _quantity=count,
        _bulk_create=True,
    )


@pytest.fixture(params=[(3, 1), (300, 20)], ids=["3 tasks", "300 tasks of 20 tags"])
def owner(request, make_user):
    user = make_user("counted@example.com")
    make_counted_tasks(user, *request.param)
    return user


def assert_costs(client, endpoint, *, owner, path_user, auth, django_assert_num_queries):
    method, path, body, queries = ENDPOINTS[endpoint]
    task = Task.objects.filter(user=owner).first()
    url = f"/api/{path_user}/tasks" + path.format(task=task.pk)
    if url.endswith("cursor="):
        url = client.get(url.removesuffix("&cursor="), headers=auth)["Link"].split(";")[0][1:-1]

    with django_assert_num_queries(queries):
        response = send(client, method, url, body, auth)

    assert response.status_code < 300


def send(client, method: str, url: str, body: dict | None, auth: dict[str, str]):
    if body is None:
        return getattr(client, method)(url, headers=auth)
    return getattr(client, method)(url, body, content_type="application/json", headers=auth)


def personal_token_in_use(client, user: User) -> dict[str, str]:
    """A personal access token whose use this minute is recorded already (see below)."""
    token = personal_token_create(user_id=user.pk, name="counted", expires_in_days=30)[1]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=auth).status_code == 200
    return auth


TOKEN_KINDS = {
    "session": lambda client, user: bearer(user),
    "personal access token": personal_token_in_use,
    "another service's token": lambda client, user: a_token_of_another_service(user),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", TOKEN_KINDS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_costs_a_constant_number_of_queries(client, owner, endpoint, kind, django_assert_num_queries):
    auth = TOKEN_KINDS[kind](client, owner)

    assert_costs(
        client, endpoint, owner=owner, path_user=owner.pk, auth=auth,
        django_assert_num_queries=django_assert_num_queries,
    )


@pytest.mark.django_db(transaction=True)
def test_a_personal_access_tokens_first_use_in_a_minute_adds_one_update(client, owner, django_assert_num_queries):
    token = personal_token_create(user_id=owner.pk, name="counted", expires_in_days=None)[1]
    signin.services._touched.clear()

    with django_assert_num_queries(2):
        response = client.get("/api/me/tasks", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200


SESSION_CALLS = {
    # (method, path, body, queries): the caller's user and session in one query, then the change.
    "logout": ("post", "/api/auth/logout", None, 2),
    "list tokens": ("get", "/api/auth/tokens", None, 2),
    "create token": ("post", "/api/auth/tokens", {"name": "n"}, 2),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("call", SESSION_CALLS)
def test_the_session_endpoints_cost_the_callers_lookup_and_their_own_statement(
    client, owner, call, django_assert_num_queries
):
    method, path, body, queries = SESSION_CALLS[call]
    auth = bearer(owner)

    with django_assert_num_queries(queries):
        response = send(client, method, path, body, auth)

    assert response.status_code < 300


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path_user", ["sub", "me", "local id"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_known_external_identity_costs_the_same(client, oidc_issuer, endpoint, path_user, django_assert_num_queries):
    auth = external_bearer(oidc_issuer, sub="google-oauth2|1234", email="counted@example.com")
    # The identity's first token links it to a new local user (and fetches the keys).
    client.get("/api/me/tasks", headers=auth)
    owner = User.objects.get(external_identities__subject="google-oauth2|1234")
    make_counted_tasks(owner, 3)
    # Another token of the same identity: verified anew, linked from memory.
    auth = external_bearer(oidc_issuer, sub="google-oauth2|1234", email="counted@example.com", jti="second")

    assert_costs(
        client, endpoint, owner=owner, path_user={"sub": "google-oauth2|1234", "me": "me", "local id": owner.pk}[path_user],
        auth=auth, django_assert_num_queries=django_assert_num_queries,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("endpoint", TAG_ENDPOINTS)
def test_each_tag_endpoint_costs_a_constant_number_of_queries(client, owner, endpoint, django_assert_num_queries):
    method, path, body, queries = TAG_ENDPOINTS[endpoint]
    auth = bearer(owner)

    with django_assert_num_queries(queries):
        response = getattr(client, method)(f"/api/{owner.pk}{path}", body, content_type="application/json", headers=auth)

    assert response.status_code < 300


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/{missing}", "/{other}", "?completed=true"], ids=["get missing", "get other", "empty list"])
def test_a_read_that_finds_nothing_asks_once_more_whether_the_user_is_active(
    client, owner, other_task, path, django_assert_num_queries
):
    path = path.format(missing=other_task.pk + 1000, other=other_task.pk)
    auth = bearer(owner)

    with django_assert_num_queries(2):
        response = client.get(f"/api/{owner.pk}/tasks{path}", headers=auth)

    assert response.status_code == (200 if path.startswith("?") else 404)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("since, queries", [(False, 1), (True, 2)], ids=["full sync", "delta"])
@pytest.mark.parametrize("limit", [1, 100])
def test_a_page_of_changes_costs_the_same_queries_whatever_its_size(
    client, owner, since, queries, limit, django_assert_num_queries
):
    """A full sync's page is one query; a delta's two: the feed row says
    there is something after the position, then the page is read."""
    auth = bearer(owner)
    url = f"/api/{owner.pk}/changes?limit={limit}"
    if since:
        position = client.get(f"/api/{owner.pk}/changes?limit=500", headers=auth).json()["next_since"]
        Task.objects.filter(user=owner).delete()
        for _ in range(3):
            client.post(f"/api/{owner.pk}/tasks", {"title": "New"}, content_type="application/json", headers=auth)
        url += f"&since={position}"

    with django_assert_num_queries(queries):
        response = client.get(url, headers=auth)

    assert response.status_code == 200
    assert len(response.json()["tasks"]) == min(limit, 3 if since else Task.objects.filter(user=owner).count())


@pytest.mark.django_db(transaction=True)
def test_a_poll_with_nothing_new_is_one_query(client, owner, django_assert_num_queries):
    auth = bearer(owner)
    position = client.get(f"/api/{owner.pk}/changes?limit=500", headers=auth).json()["next_since"]

    with django_assert_num_queries(1):
        response = client.get(f"/api/{owner.pk}/changes?since={position}", headers=auth)

    assert response.json() == {"tasks": [], "deleted": [], "next_since": position, "has_more": False}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [1, 500])
@pytest.mark.parametrize("action", ["complete", "uncomplete", "delete"])
def test_a_bulk_change_costs_the_same_queries_for_one_id_or_500(client, make_user, action, count, django_assert_num_queries):
    owner = make_user("bulk@example.com")
    done = action == "uncomplete"
    tasks = baker.make(
        Task, user=owner, completed=done, completed_at="2026-01-01T00:00:00Z" if done else None, _quantity=count, _bulk_create=True
    )
    auth = bearer(owner)

    with django_assert_num_queries(on_this_backend(2, deletes=action == "delete")):
        response = client.post(
            f"/api/{owner.pk}/tasks/bulk",
            {"action": action, "ids": [task.pk for task in tasks]},
            content_type="application/json",
            headers=auth,
        )

    assert response.json() == {"affected": count}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [1, 300])
def test_clearing_completed_tasks_costs_the_same_queries_for_one_or_300(client, make_user, count, django_assert_num_queries):
    owner = make_user("clear@example.com")
    baker.make(Task, user=owner, completed=True, completed_at="2026-01-01T00:00:00Z", _quantity=count, _bulk_create=True)

    auth = bearer(owner)

    with django_assert_num_queries(on_this_backend(2, deletes=True)):
        response = client.post(f"/api/{owner.pk}/tasks/clear-completed", headers=auth)

    assert response.json() == {"deleted": count}
