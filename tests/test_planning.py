"""Priorities, tags, due dates, search, sorting and keyset pages (contract v2:
Task, "Listing: filters, search, sort, pages", "Tags")."""

import base64
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import orjson
import pytest
from django.utils import timezone

from tasks.models import Task
from tests.conftest import bearer


def tasks_url(user) -> str:
    return f"/api/{user.pk}/tasks"


def send(client, method: str, url: str, auth, body=None):
    return getattr(client, method)(url, body, content_type="application/json", headers=auth)


def walk(client, url: str, auth) -> list[int]:
    """Every page from ``url`` on, through Link headers: the ids in order."""
    ids = []
    while url:
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.json()
        ids += [task["id"] for task in response.json()]
        link = response.get("Link")
        url = link and link.split(";")[0].strip("<>").removeprefix("http://testserver")
    return ids


T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def crafted(user, other_user):
    """Seven tasks whose order under every sort is written out below: ties in
    created_at, title, priority and updated_at, all-day and timed tasks on
    one day, undated ones, titles differing only in case."""
    rows = [
        # title, priority, due_date, due_time, created (hours after T0), updated (hours), completed, tags
        ("banana", 1, date(2026, 5, 2), None, 0, 3, False, ["fruit"]),
        ("Apple", 3, date(2026, 5, 1), time(10, 0), 1, 1, False, ["fruit", "red"]),
        ("apple", 3, date(2026, 5, 1), None, 2, 1, False, ["fruit"]),
        ("cherry", 0, None, None, 3, 5, False, []),
        ("Banana", 2, date(2026, 5, 1), time(9, 30), 4, 2, False, ["fruit", "yellow"]),
        ("date", 1, None, None, 4, 0, False, []),
        ("apple", 3, date(2026, 5, 1), None, 5, 4, True, ["fruit"]),
    ]
    made = {}
    for number, (title, priority, due_date, due_time, created, updated, completed, tags) in enumerate(rows, 1):
        task = Task.objects.create(
            user=user, title=title, priority=priority, due_date=due_date, due_time=due_time, tags=tags,
            completed=completed, completed_at=T0 if completed else None,
        )
        Task.objects.filter(pk=task.pk).update(
            created_at=T0 + timedelta(hours=created), updated_at=T0 + timedelta(hours=updated)
        )
        made[f"T{number}"] = task.pk
    Task.objects.create(user=other_user, title="apple", tags=["fruit"])
    return made


# Each sort's full order of the crafted tasks, worked out by hand from the contract.
ORDERS = {
    "-created_at": ["T7", "T6", "T5", "T4", "T3", "T2", "T1"],
    "created_at": ["T1", "T2", "T3", "T4", "T6", "T5", "T7"],
    "due": ["T7", "T3", "T5", "T2", "T1", "T6", "T4"],
    "-priority": ["T7", "T3", "T2", "T5", "T6", "T1", "T4"],
    "-updated_at": ["T4", "T7", "T1", "T5", "T3", "T2", "T6"],
    "title": ["T7", "T3", "T2", "T5", "T1", "T4", "T6"],
}
OPEN_FRUIT = {"T1", "T2", "T3", "T5"}


@pytest.mark.parametrize("sort", ORDERS)
def test_each_sort_gives_its_whole_order_in_one_page_and_the_same_walked_two_at_a_time(client, user, auth, crafted, sort):
    expected = [crafted[name] for name in ORDERS[sort]]

    one_page = client.get(tasks_url(user), {"sort": sort}, headers=auth)
    walked = walk(client, f"{tasks_url(user)}?sort={sort}&limit=2", auth)

    assert [task["id"] for task in one_page.json()] == expected
    assert walked == expected


@pytest.mark.parametrize("sort", ORDERS)
def test_each_sort_combined_with_filters_keeps_its_order_across_pages(client, user, auth, crafted, sort):
    expected = [crafted[name] for name in ORDERS[sort] if name in OPEN_FRUIT]

    walked = walk(client, f"{tasks_url(user)}?sort={sort}&limit=2&completed=false&tag=Fruit", auth)

    assert walked == expected


def test_the_default_sort_is_newest_first(client, user, auth, crafted):
    response = client.get(tasks_url(user), headers=auth)

    assert [task["id"] for task in response.json()] == [crafted[name] for name in ORDERS["-created_at"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"priority": ["high", "low"]}, {"T1", "T2", "T3", "T6", "T7"}),
        ({"tag": ["fruit", "red"]}, {"T2"}),
        ({"tag": " FRUIT "}, {"T1", "T2", "T3", "T5", "T7"}),
        ({"q": "APPL"}, {"T2", "T3", "T7"}),
        ({"q": "an"}, {"T1", "T5"}),
        ({"due_from": "2026-05-02"}, {"T1"}),
        ({"due_to": "2026-05-01"}, {"T2", "T3", "T5", "T7"}),
        ({"due_from": "2026-05-01", "due_to": "2026-05-01", "completed": "false"}, {"T2", "T3", "T5"}),
        ({"has_due": "false"}, {"T4", "T6"}),
        ({"has_due": "true", "priority": "medium"}, {"T5"}),
        ({"q": "%"}, set()),
        ({"q": "_"}, set()),
    ],
    ids=lambda value: str(value),
)
def test_filters_select_exactly_the_matching_tasks(client, user, auth, crafted, query, expected):
    response = client.get(tasks_url(user), query, headers=auth)

    assert response.status_code == 200
    assert {task["id"] for task in response.json()} == {crafted[name] for name in expected}


def test_search_looks_in_the_description_too(client, user, auth, crafted):
    Task.objects.filter(pk=crafted["T4"]).update(description="from the market")

    response = client.get(tasks_url(user), {"q": "MARKET"}, headers=auth)

    assert [task["id"] for task in response.json()] == [crafted["T4"]]


def test_a_page_walk_skips_and_repeats_nothing_while_tasks_are_added_and_changed(client, user, auth, crafted):
    url = f"{tasks_url(user)}?sort=due&limit=3"
    first = client.get(url, headers=auth)
    # A task that sorts first, and a change to one not yet seen that keeps its place.
    Task.objects.create(user=user, title="new", due_date=date(2026, 1, 1))
    Task.objects.filter(pk=crafted["T4"]).update(description="changed")

    rest = walk(client, first["Link"].split(";")[0].strip("<>").removeprefix("http://testserver"), auth)

    assert [task["id"] for task in first.json()] + rest == [crafted[name] for name in ORDERS["due"]]


def cursor_of(response) -> str:
    return response["Link"].split("cursor=")[1].split(">")[0]


@pytest.mark.parametrize(
    "changed",
    [{"sort": "title"}, {"completed": "true"}, {"tag": "red"}, {"q": "a"}, {"priority": "low"}, {"overdue": "true"}],
    ids=lambda value: str(value),
)
def test_a_cursor_presented_with_other_filters_or_sort_is_refused(client, user, auth, crafted, changed):
    first = client.get(tasks_url(user), {"sort": "due", "limit": 2}, headers=auth)

    response = client.get(tasks_url(user), {"sort": "due", "limit": 2, **changed, "cursor": cursor_of(first)}, headers=auth)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_a_cursor_keeps_working_with_the_same_filters_written_differently(client, user, auth, crafted):
    first = client.get(f"{tasks_url(user)}?tag=fruit&priority=high&priority=low&limit=1&sort=title", headers=auth)

    again = client.get(
        f"{tasks_url(user)}?priority=low&tag=FRUIT&priority=high&limit=1&sort=title&cursor={cursor_of(first)}",
        headers=auth,
    )

    assert again.status_code == 200
    assert [task["id"] for task in again.json()] == [crafted["T3"]]


def b64(value) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


LIST_CASES = [
    ("unknown sort", {"sort": "priority"}, "sort"),
    ("sort by a column name", {"sort": "id"}, "sort"),
    ("limit zero", {"limit": "0"}, "limit"),
    ("unknown priority", {"priority": "urgent"}, "priority"),
    ("priority in capitals", {"priority": "HIGH"}, "priority"),
    ("empty q", {"q": ""}, "q"),
    ("q too long", {"q": "x" * 101}, "q"),
    ("q with a NUL", {"q": "a\x00"}, "q"),
    ("empty tag", {"tag": " "}, "tag"),
    ("tag too long", {"tag": "t" * 41}, "tag"),
    ("tag too long once lower-cased", {"tag": "İ" * 21}, "tag"),
    ("tag with a control character", {"tag": "a\x07"}, "tag"),
    ("21 tags", {"tag": [f"t{i}" for i in range(21)]}, "tag"),
    ("malformed due_from", {"due_from": "2026-5-1"}, "due_from"),
    ("due_to a timestamp", {"due_to": "1700000000"}, "due_to"),
    ("impossible date", {"due_from": "2026-02-30"}, "due_from"),
    ("has_due not a boolean", {"has_due": "yes"}, "has_due"),
    ("overdue not a boolean", {"overdue": "1"}, "overdue"),
    ("completed twice", {"completed": ["true", "false"]}, "completed"),
    ("sort twice", {"sort": ["due", "title"]}, "sort"),
    ("cursor of the old shape", {"cursor": base64.urlsafe_b64encode(b"1.1").decode()}, "cursor"),
    ("cursor with a float id", {"cursor": b64(["x", None, 1, 1.0])}, "cursor"),
    ("cursor key of another type", {"sort": "due", "cursor": b64(["x", "a", 1, 1])}, "cursor"),
    ("cursor too long", {"cursor": "A" * 2049}, "cursor"),
]


@pytest.mark.parametrize("query, field", [case[1:] for case in LIST_CASES], ids=[case[0] for case in LIST_CASES])
def test_a_bad_list_parameter_is_a_422_naming_it(client, user, auth, crafted, query, field):
    response = client.get(tasks_url(user), query, headers=auth)

    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"]), response.json()


BODY_CASES = [
    ("unknown priority", {"priority": "urgent"}, "priority"),
    ("priority as a number", {"priority": 3}, "priority"),
    ("null priority", {"priority": None}, "priority"),
    ("tags not a list", {"tags": "work"}, "tags"),
    ("a tag not a string", {"tags": [1]}, "tags"),
    ("an empty tag", {"tags": ["  "]}, "tags"),
    ("a tag too long", {"tags": ["t" * 41]}, "tags"),
    ("a tag too long once lower-cased", {"tags": ["İ" * 21]}, "tags"),
    ("a tag with a control character", {"tags": ["a\nb"]}, "tags"),
    ("21 tags", {"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ("due_date not a date", {"due_date": "tomorrow"}, "due_date"),
    ("due_date as a number", {"due_date": 20260501}, "due_date"),
    ("due_date with a time", {"due_date": "2026-05-01T10:00:00"}, "due_date"),
    ("impossible due_date", {"due_date": "2026-13-01"}, "due_date"),
    ("due_time with seconds", {"due_date": "2026-05-01", "due_time": "10:00:00"}, "due_time"),
    ("due_time out of range", {"due_date": "2026-05-01", "due_time": "24:00"}, "due_time"),
    ("due_time without a date", {"due_time": "10:00"}, "due_time"),
    ("due_time with a null date", {"due_date": None, "due_time": "10:00"}, "due_time"),
]


# A PATCH of due_time alone is valid for a task that has a date (see below).
WRITE_CASES = [("post", *case) for case in BODY_CASES] + [
    ("patch", *case) for case in BODY_CASES if case[0] != "due_time without a date"
]


@pytest.mark.parametrize(
    "method, body, field", [(m, b, f) for m, _, b, f in WRITE_CASES], ids=[f"{m} {name}" for m, name, _, _ in WRITE_CASES]
)
def test_a_bad_planning_field_is_a_422_naming_it_and_changes_nothing(client, user, auth, task, method, body, field):
    before = list(Task.objects.order_by("pk").values())
    url = tasks_url(user) if method == "post" else f"{tasks_url(user)}/{task.pk}"

    response = send(client, method, url, auth, {"title": "x", **body} if method == "post" else body)

    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"]), response.json()
    assert list(Task.objects.order_by("pk").values()) == before


def test_a_due_time_set_on_a_task_without_a_due_date_is_a_422_and_changes_nothing(client, auth, task):
    before = Task.objects.filter(pk=task.pk).values().get()

    response = send(client, "patch", f"/api/{task.user_id}/tasks/{task.pk}", auth, {"due_time": "09:00"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "due_time"]
    assert Task.objects.filter(pk=task.pk).values().get() == before


def test_planning_fields_are_stored_normalised_and_returned_as_sent(client, user, auth):
    body = {
        "title": "Tax return",
        "priority": "high",
        "tags": [" Work ", "home", "WORK", "İstanbul"],
        "due_date": "2026-05-31",
        "due_time": "23:59",
    }

    created = send(client, "post", tasks_url(user), auth, body)
    fetched = client.get(f"{tasks_url(user)}/{created.json()['id']}", headers=auth)
    listed = client.get(tasks_url(user), headers=auth)

    expected = {"priority": "high", "tags": ["work", "home", "i̇stanbul"], "due_date": "2026-05-31", "due_time": "23:59"}
    for answer in (created.json(), fetched.json(), listed.json()[0]):
        assert {key: answer[key] for key in expected} == expected
    task = Task.objects.get()
    assert (task.priority, task.due_time) == (3, time(23, 59))


def test_a_task_left_unplanned_has_the_defaults(client, user, auth):
    response = send(client, "post", tasks_url(user), auth, {"title": "x"})

    assert {key: response.json()[key] for key in ("priority", "tags", "due_date", "due_time")} == {
        "priority": "none", "tags": [], "due_date": None, "due_time": None,
    }


def test_clearing_the_due_date_clears_the_due_time(client, user, auth):
    task = Task.objects.create(user=user, title="x", due_date=date(2026, 5, 1), due_time=time(9, 0))

    response = send(client, "patch", f"{tasks_url(user)}/{task.pk}", auth, {"due_date": None})

    assert response.status_code == 200
    assert (response.json()["due_date"], response.json()["due_time"]) == (None, None)
    task.refresh_from_db()
    assert (task.due_date, task.due_time) == (None, None)


def test_a_patch_of_tags_replaces_them_and_leaves_the_rest(client, user, auth):
    task = Task.objects.create(user=user, title="x", tags=["a"], priority=2, due_date=date(2026, 5, 1))

    response = send(client, "patch", f"{tasks_url(user)}/{task.pk}", auth, {"tags": ["b", "B", "c"]})

    assert response.json()["tags"] == ["b", "c"]
    task.refresh_from_db()
    assert (task.tags, task.priority, task.due_date) == (["b", "c"], 2, date(2026, 5, 1))


# Overdue and the timezone


def overdue_as_the_clock_says(tasks: list[Task], zone: str, now: datetime) -> set[int]:
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    return {
        task.pk
        for task in tasks
        if not task.completed
        and task.due_date is not None
        and (
            task.due_date < local.date()
            or (task.due_date == local.date() and task.due_time is not None and task.due_time < local.time())
        )
    }


def test_users_a_day_apart_disagree_about_overdue_exactly_as_the_clock_says(client, make_user):
    users = {"Pacific/Kiritimati": make_user("plus14@example.com"), "Etc/GMT+12": make_user("minus12@example.com")}
    today = timezone.now().date()
    tasks = {}
    for zone, user in users.items():
        send(client, "patch", "/api/auth/me", bearer(user), {"timezone": zone})
        tasks[zone] = [
            Task.objects.create(user=user, title="t", due_date=today + timedelta(days=days), due_time=due_time)
            for days in (-2, -1, 0, 1, 2)
            for due_time in (None, time(0, 0), time(12, 0), time(23, 59))
        ] + [Task.objects.create(user=user, title="done", due_date=today - timedelta(days=3), completed=True, completed_at=T0)]

    answers = {}
    for zone, user in users.items():
        now = timezone.now()
        overdue = client.get(tasks_url(user), {"overdue": "true", "limit": 500}, headers=bearer(user))
        not_overdue = client.get(tasks_url(user), {"overdue": "false", "limit": 500}, headers=bearer(user))
        expected = overdue_as_the_clock_says(tasks[zone], zone, now)
        answers[zone] = {task["id"] for task in overdue.json()}

        assert answers[zone] == expected, zone
        assert {task["id"] for task in not_overdue.json()} == {task.pk for task in tasks[zone]} - expected

    # 26 hours apart: the one in UTC+14 is a day or more ahead on every task.
    plus, minus = (
        [(task.due_date, task.due_time) for task in tasks[zone] if task.pk in answers[zone]] for zone in users
    )
    assert len(plus) > len(minus)
    assert set(minus) < set(plus)


def test_the_timezone_is_set_with_patch_me_and_shown_on_the_user(client, user, auth):
    response = send(client, "patch", "/api/auth/me", auth, {"timezone": "Europe/Berlin"})

    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/Berlin"
    assert client.get("/api/auth/me", headers=auth).json()["timezone"] == "Europe/Berlin"
    user.refresh_from_db()
    assert user.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    "body",
    [{"timezone": "Mars/Olympus"}, {"timezone": "../../etc/passwd"}, {"timezone": ""}, {"timezone": None}, {"tz": "UTC"}, {}],
    ids=["unknown", "a path", "empty", "null", "unknown field", "nothing"],
)
def test_an_unknown_timezone_is_a_422_and_changes_nothing(client, user, auth, body):
    response = send(client, "patch", "/api/auth/me", auth, body)

    assert response.status_code == 422
    user.refresh_from_db()
    assert user.timezone == "UTC"


# Tags


def test_tags_are_listed_with_their_counts_a_to_z(client, user, auth, crafted):
    response = client.get(f"/api/{user.pk}/tags", headers=auth)

    assert response.status_code == 200
    assert response.json() == [{"name": "fruit", "count": 5}, {"name": "red", "count": 1}, {"name": "yellow", "count": 1}]


def test_renaming_a_tag_merges_it_where_a_task_has_both_and_writes_each_task_it_touches(client, user, auth, crafted):
    before = dict(Task.objects.values_list("pk", "updated_at"))

    response = send(client, "patch", f"/api/{user.pk}/tags/RED", auth, {"name": "Fruit"})

    assert response.status_code == 200
    assert response.json() == {"name": "fruit", "count": 5}
    assert Task.objects.get(pk=crafted["T2"]).tags == ["fruit"]
    touched = {pk for pk, updated_at in Task.objects.values_list("pk", "updated_at") if updated_at != before[pk]}
    assert touched == {crafted["T2"]}


def test_renaming_a_tag_keeps_each_tasks_order_of_tags(client, user, auth):
    task = Task.objects.create(user=user, title="x", tags=["a", "b", "c"])

    send(client, "patch", f"/api/{user.pk}/tags/b", auth, {"name": "z"})

    task.refresh_from_db()
    assert task.tags == ["a", "z", "c"]


def test_deleting_a_tag_removes_it_from_every_task_and_keeps_the_tasks(client, user, auth, crafted, other_user):
    before = dict(Task.objects.values_list("pk", "updated_at"))

    response = client.delete(f"/api/{user.pk}/tags/fruit", headers=auth)

    assert response.status_code == 204
    assert Task.objects.filter(user=user).count() == 7
    assert dict(Task.objects.filter(user=user).values_list("pk", "tags"))[crafted["T5"]] == ["yellow"]
    touched = {pk for pk, updated_at in Task.objects.values_list("pk", "updated_at") if updated_at != before[pk]}
    assert touched == {crafted[name] for name in ("T1", "T2", "T3", "T5", "T7")}
    # The other user's "fruit" is theirs.
    assert Task.objects.get(user=other_user).tags == ["fruit"]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_an_unknown_tag_is_not_found_and_nothing_changes(client, user, auth, crafted, other_user, method):
    Task.objects.create(user=other_user, title="theirs", tags=["secret"])
    before = list(Task.objects.order_by("pk").values())

    response = send(client, method, f"/api/{user.pk}/tags/secret", auth, {"name": "x"} if method == "patch" else None)

    assert response.status_code == 404
    assert list(Task.objects.order_by("pk").values()) == before


def test_a_tag_cannot_be_renamed_to_an_invalid_name(client, user, auth, crafted):
    before = list(Task.objects.order_by("pk").values())

    response = send(client, "patch", f"/api/{user.pk}/tags/red", auth, {"name": " "})

    assert response.status_code == 422
    assert list(Task.objects.order_by("pk").values()) == before
