"""Every task endpoint costs a constant number of SQL queries, authentication
included, whatever the user's task count (transaction control counts too:
BEGIN and COMMIT are round trips, so writes are single statements), and
whatever the token: an identity provider's user, once known, costs what a
password user does."""

from datetime import date

import pytest
from model_bakery import baker

from tasks.models import Task
from tasks.selectors import SORTS
from tests.conftest import bearer, external_bearer
from users.models import User

# (method, path under /api/{user}/tasks, body, queries): a write's first is
# the token's user lookup; a read confirms the user is active in its own query.
ENDPOINTS = {
    "list": ("get", "", None, 1),
    "list next page": ("get", "?limit=2&cursor=", None, 1),
    "list completed": ("get", "?completed=false", None, 1),
    "get": ("get", "/{task}", None, 1),
    "create": ("post", "", {"title": "New"}, 2),
    "put": ("put", "/{task}", {"title": "Put", "completed": True}, 2),
    "patch": ("patch", "/{task}", {"description": "Patched"}, 2),
    "toggle": ("patch", "/{task}/complete", None, 2),
    "complete": ("patch", "/{task}/complete", {"completed": True}, 2),
    "delete": ("delete", "/{task}", None, 2),
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
    "create with tags": ("post", "", {"title": "New", "tags": ["a", "b"], "due_date": "2026-05-01"}, 2),
    "patch tags": ("patch", "/{task}", {"tags": ["x", "y"], "priority": "high"}, 2),
    "patch due time": ("patch", "/{task}", {"due_time": "09:00"}, 2),
}
# Not under /tasks: (method, path under /api/{user}, body, queries). A rename
# is one transaction: BEGIN, the UPDATE of every task with the tag, the new
# count, COMMIT, after the token's user; a delete one UPDATE.
TAG_ENDPOINTS = {
    "list tags": ("get", "/tags", None, 1),
    "rename tag": ("patch", "/tags/t1", {"name": "renamed"}, 5),
    "delete tag": ("delete", "/tags/t1", None, 2),
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
        if body is None:
            response = getattr(client, method)(url, headers=auth)
        else:
            response = getattr(client, method)(url, body, content_type="application/json", headers=auth)

    assert response.status_code < 300


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_costs_a_constant_number_of_queries(client, owner, endpoint, django_assert_num_queries):
    assert_costs(
        client, endpoint, owner=owner, path_user=owner.pk, auth=bearer(owner),
        django_assert_num_queries=django_assert_num_queries,
    )


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

    with django_assert_num_queries(queries):
        response = getattr(client, method)(
            f"/api/{owner.pk}{path}", body, content_type="application/json", headers=bearer(owner)
        )

    assert response.status_code < 300


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/{missing}", "/{other}", "?completed=true"], ids=["get missing", "get other", "empty list"])
def test_a_read_that_finds_nothing_asks_once_more_whether_the_user_is_active(
    client, owner, other_task, path, django_assert_num_queries
):
    path = path.format(missing=other_task.pk + 1000, other=other_task.pk)

    with django_assert_num_queries(2):
        response = client.get(f"/api/{owner.pk}/tasks{path}", headers=bearer(owner))

    assert response.status_code == (200 if path.startswith("?") else 404)
