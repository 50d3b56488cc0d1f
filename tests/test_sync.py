"""GET /changes: a client that full-syncs and then applies deltas holds exactly
the user's tasks, whatever writes; and the bulk writes that move it."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from sync.models import Feed, Tombstone
from sync.positions import Position, position_encode
from tasks.models import Task
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


class Replica:
    """What a sync client holds: tasks by id, and where to read on from."""

    def __init__(self, client, user, limit: int = 3):
        self.client, self.user, self.limit = client, user, limit
        self.headers = bearer(user)
        self.tasks: dict[int, dict] = {}
        self.since: str | None = None
        self.calls = 0

    def page(self, since: str | None):
        query = f"?limit={self.limit}" + ("" if since is None else f"&since={since}")
        return self.client.get(f"/api/{self.user.pk}/changes{query}", headers=self.headers)

    def sync(self) -> None:
        while True:
            response = self.page(self.since)
            assert response.status_code == 200, response.content
            body = response.json()
            self.calls += 1
            assert len(body["tasks"]) + len(body["deleted"]) <= self.limit
            for task in body["tasks"]:
                self.tasks[task["id"]] = task
            for task_id in body["deleted"]:
                self.tasks.pop(task_id, None)
            self.since = body["next_since"]
            if not body["has_more"]:
                return


def server_tasks(client, user) -> dict[int, dict]:
    response = client.get(f"/api/{user.pk}/tasks?limit=500", headers=bearer(user))
    return {task["id"]: task for task in response.json()}


def post(client, user, path, body=None):
    return client.post(f"/api/{user.pk}{path}", body, content_type="application/json", headers=bearer(user))


def test_a_replica_kept_by_deltas_equals_the_servers_tasks_after_every_sync(client, user, other_user):
    headers = bearer(user)
    base = f"/api/{user.pk}/tasks"
    ids = [post(client, user, "/tasks", {"title": f"Task {i}"}).json()["id"] for i in range(8)]
    post(client, other_user, "/tasks", {"title": "Not theirs"})
    replica = Replica(client, user)
    replica.sync()
    assert replica.tasks == server_tasks(client, user)

    steps = [
        lambda: post(client, user, "/tasks", {"title": "Created", "completed": True}),
        lambda: client.patch(f"{base}/{ids[0]}", {"title": "Renamed"}, content_type="application/json", headers=headers),
        lambda: client.patch(f"{base}/{ids[0]}", {"tags": ["home", "work"]}, content_type="application/json", headers=headers),
        lambda: client.patch(f"{base}/{ids[4]}", {"tags": ["home"]}, content_type="application/json", headers=headers),
        # A tag's rename and removal are one UPDATE of many tasks: each touched task is in the delta.
        lambda: client.patch(f"/api/{user.pk}/tags/home", {"name": "house"}, content_type="application/json", headers=headers),
        lambda: client.delete(f"/api/{user.pk}/tags/work", headers=headers),
        lambda: client.put(f"{base}/{ids[1]}", {"title": "Put", "description": "d"}, content_type="application/json", headers=headers),
        lambda: client.patch(f"{base}/{ids[2]}/complete", headers=headers),
        lambda: client.delete(f"{base}/{ids[3]}", headers=headers),
        lambda: post(client, user, "/tasks/bulk", {"action": "complete", "ids": ids[4:7]}),
        lambda: post(client, user, "/tasks/bulk", {"action": "uncomplete", "ids": [ids[4]]}),
        lambda: post(client, user, "/tasks/bulk", {"action": "delete", "ids": [ids[5], ids[7]]}),
        lambda: client.patch(f"{base}/{ids[2]}/complete", {"completed": True}, content_type="application/json", headers=headers),
        lambda: post(client, user, "/tasks/clear-completed"),
    ]
    for step in steps:
        assert step().status_code < 300
        replica.sync()
        assert replica.tasks == server_tasks(client, user)
    assert {task["title"]: task["tags"] for task in replica.tasks.values()} == {
        "Renamed": ["house"], "Put": [], "Task 4": ["house"]
    }


def test_several_writes_between_syncs_arrive_in_one_delta_each_task_once(client, user):
    ids = [post(client, user, "/tasks", {"title": f"Task {i}"}).json()["id"] for i in range(3)]
    replica = Replica(client, user, limit=100)
    replica.sync()
    for _ in range(3):
        client.patch(f"/api/{user.pk}/tasks/{ids[0]}/complete", headers=bearer(user))

    body = replica.page(replica.since).json()

    assert [task["id"] for task in body["tasks"]] == [ids[0]]
    assert body["tasks"][0]["completed"] is True
    assert body["deleted"] == [] and body["has_more"] is False


def test_without_since_every_task_is_listed_and_no_deletion(client, user):
    kept = baker.make(Task, user=user, _quantity=2)
    gone = post(client, user, "/tasks", {"title": "Gone"}).json()["id"]
    client.delete(f"/api/{user.pk}/tasks/{gone}", headers=bearer(user))

    body = Replica(client, user).page(None).json()

    assert sorted(task["id"] for task in body["tasks"]) == sorted(task.pk for task in kept)
    assert body["deleted"] == []


def test_nothing_new_answers_empty_and_the_same_position_keeps_working(client, user, task):
    replica = Replica(client, user)
    replica.sync()

    first = replica.page(replica.since).json()
    second = replica.page(first["next_since"]).json()

    assert first["tasks"] == first["deleted"] == second["tasks"] == [] and not first["has_more"]


def test_another_users_position_is_410(client, user, other_user, task):
    theirs = Replica(client, other_user)
    theirs.sync()

    response = Replica(client, user).page(theirs.since)

    assert response.status_code == 410
    assert "detail" in response.json()


@pytest.mark.parametrize("since", ["", "abc", "A" * 47, "A" * 200, "%00", "!!!!", "AAAA AAAA"])
def test_a_malformed_since_is_422_naming_it(client, user, since):
    response = client.get(f"/api/{user.pk}/changes", {"since": since}, headers=bearer(user))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "since"]


def test_a_position_not_made_here_is_410(client, user):
    response = Replica(client, user).page("A" * 48)

    assert response.status_code == 410


def test_a_position_beyond_the_users_last_change_is_410(client, user, task):
    """As after the database is restored from an older backup: its numbers will be taken again."""
    replica = Replica(client, user)
    replica.sync()
    ahead = position_encode(Position(50, 0, 50), user_id=user.pk)

    assert replica.page(ahead).status_code == 410
    assert replica.page(replica.since).status_code == 200


@pytest.mark.parametrize("limit", ["0", "501", "1.0", "x", "+5", " 5", "٥"])
def test_a_bad_limit_is_422(client, user, limit):
    assert client.get(f"/api/{user.pk}/changes?limit={limit}", headers=bearer(user)).status_code == 422


def test_changes_are_only_the_owners(client, user, other_user, other_task):
    assert client.get(f"/api/{other_user.pk}/changes", headers=bearer(user)).status_code == 403
    assert client.get(f"/api/{user.pk}/changes").status_code == 401
    assert Replica(client, user).page(None).json()["tasks"] == []


def test_an_inactive_users_changes_are_401(client, user, task):
    headers = bearer(user)
    User = type(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert client.get(f"/api/{user.pk}/changes", headers=headers).status_code == 401


def forget(days_ago: int) -> None:
    Tombstone.objects.update(deleted_at=timezone.now() - timedelta(days=days_ago))
    call_command("forget_deletions")


def test_deletions_older_than_30_days_are_forgotten_and_older_positions_are_410(client, user):
    ids = [post(client, user, "/tasks", {"title": f"Task {i}"}).json()["id"] for i in range(3)]
    old = Replica(client, user)
    old.sync()
    client.delete(f"/api/{user.pk}/tasks/{ids[0]}", headers=bearer(user))
    recent = Replica(client, user)
    recent.sync()

    forget(days_ago=29)
    assert Tombstone.objects.count() == 1
    assert old.page(old.since).json()["deleted"] == [ids[0]]

    forget(days_ago=31)
    assert Tombstone.objects.count() == 0
    response = old.page(old.since)
    assert response.status_code == 410
    assert recent.page(recent.since).status_code == 200
    # A fresh full sync works at once, and on from there: no loop of 410s.
    fresh = Replica(client, user, limit=1)
    fresh.sync()
    assert fresh.tasks == server_tasks(client, user)
    assert fresh.page(fresh.since).status_code == 200


def test_forgetting_is_idempotent_and_keeps_other_users_positions(client, user, other_user):
    mine = post(client, user, "/tasks", {"title": "Mine"}).json()["id"]
    theirs = Replica(client, other_user)
    post(client, other_user, "/tasks", {"title": "Theirs"})
    theirs.sync()
    client.delete(f"/api/{user.pk}/tasks/{mine}", headers=bearer(user))

    forget(days_ago=40)
    call_command("forget_deletions")

    assert Feed.objects.get(user=other_user).forgotten_seq == 0
    assert theirs.page(theirs.since).status_code == 200


def test_a_full_sync_of_a_user_whose_deletions_were_forgotten_pages_through(client, user):
    ids = [post(client, user, "/tasks", {"title": f"Task {i}"}).json()["id"] for i in range(4)]
    client.delete(f"/api/{user.pk}/tasks/{ids[0]}", headers=bearer(user))
    forget(days_ago=31)
    replica = Replica(client, user, limit=1)

    replica.sync()

    assert replica.calls == 3
    assert replica.tasks == server_tasks(client, user)


# Bulk writes


def test_bulk_complete_changes_only_the_callers_open_tasks_and_counts_them(client, user, other_task):
    done = post(client, user, "/tasks", {"title": "Done", "completed": True}).json()
    open_ids = [post(client, user, "/tasks", {"title": f"Open {i}"}).json()["id"] for i in range(2)]
    before_other = Task.objects.filter(pk=other_task.pk).values().get()

    response = post(client, user, "/tasks/bulk", {"action": "complete", "ids": [*open_ids, done["id"], other_task.pk, 10**12]})

    assert response.status_code == 200
    assert response.json() == {"affected": 2}
    tasks = {task.pk: task for task in Task.objects.filter(user=user)}
    assert all(tasks[pk].completed and tasks[pk].completed_at == tasks[pk].updated_at for pk in open_ids)
    # Already completed: left as it was, its version and moment kept.
    assert tasks[done["id"]].updated_at.isoformat().replace("+00:00", "Z") == done["updated_at"]
    assert Task.objects.filter(pk=other_task.pk).values().get() == before_other


def test_bulk_uncomplete_clears_completed_at(client, user):
    ids = [post(client, user, "/tasks", {"title": f"T{i}", "completed": True}).json()["id"] for i in range(2)]

    response = post(client, user, "/tasks/bulk", {"action": "uncomplete", "ids": ids})

    assert response.json() == {"affected": 2}
    assert list(Task.objects.filter(pk__in=ids).order_by().values_list("completed", "completed_at").distinct()) == [(False, None)]


def test_bulk_delete_deletes_only_the_callers_tasks(client, user, other_task):
    ids = [post(client, user, "/tasks", {"title": f"T{i}"}).json()["id"] for i in range(3)]

    response = post(client, user, "/tasks/bulk", {"action": "delete", "ids": [*ids[:2], other_task.pk]})

    assert response.json() == {"affected": 2}
    assert list(Task.objects.filter(user=user).values_list("pk", flat=True)) == [ids[2]]
    assert Task.objects.filter(pk=other_task.pk).exists()
    assert sorted(Tombstone.objects.values_list("task_id", flat=True)) == ids[:2]


def test_clear_completed_deletes_every_completed_task_of_the_caller_only(client, user, other_user):
    done = [post(client, user, "/tasks", {"title": f"D{i}", "completed": True}).json()["id"] for i in range(2)]
    kept = post(client, user, "/tasks", {"title": "Open"}).json()["id"]
    theirs = post(client, other_user, "/tasks", {"title": "Theirs", "completed": True}).json()["id"]

    response = post(client, user, "/tasks/clear-completed")

    assert response.status_code == 200
    assert response.json() == {"deleted": 2}
    assert set(Task.objects.values_list("pk", flat=True)) == {kept, theirs}
    assert sorted(Tombstone.objects.values_list("task_id", flat=True)) == done


@pytest.mark.parametrize(
    "body",
    [
        {"action": "complete", "ids": []},
        {"action": "complete", "ids": list(range(1, 502))},
        {"action": "complete", "ids": ["1"]},
        {"action": "complete", "ids": [1.0]},
        {"action": "complete", "ids": [True]},
        {"action": "complete", "ids": [0]},
        {"action": "complete", "ids": [2**63]},
        {"action": "archive", "ids": [1]},
        {"ids": [1]},
        {"action": "complete", "ids": [1], "extra": 1},
        [1],
    ],
)
def test_a_bad_bulk_body_is_422_and_changes_nothing(client, user, task, body):
    before = list(Task.objects.values())

    response = post(client, user, "/tasks/bulk", body)

    assert response.status_code == 422, response.content
    assert list(Task.objects.values()) == before
    assert not Feed.objects.exists()


def test_bulk_writes_are_rate_limited_with_the_other_writes(client, user, task, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "writes_user": "2/min"}
    headers = bearer(user)
    client.patch(f"/api/{user.pk}/tasks/{task.pk}/complete", headers=headers)
    post(client, user, "/tasks/bulk", {"action": "uncomplete", "ids": [task.pk]})

    limited = [post(client, user, "/tasks/bulk", {"action": "complete", "ids": [task.pk]}), post(client, user, "/tasks/clear-completed")]

    assert [response.status_code for response in limited] == [429, 429]
    assert Task.objects.get(pk=task.pk).completed is False
    # Reads are never limited.
    assert client.get(f"/api/{user.pk}/changes", headers=headers).status_code == 200


def test_bulk_calls_are_only_the_owners(client, user, other_user, other_task):
    response = post(client, other_user, f"/../{other_user.pk}/tasks/bulk", {"action": "delete", "ids": [other_task.pk]})
    assert response.status_code in (403, 404)
    foreign = client.post(
        f"/api/{other_user.pk}/tasks/clear-completed", headers=bearer(user), content_type="application/json"
    )
    assert foreign.status_code == 403
    assert Task.objects.filter(pk=other_task.pk).exists()


# Every write path moves the feed, not only the API's


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.com", is_staff=True, is_superuser=True)


def test_the_admins_edits_deletes_and_bulk_actions_reach_the_feed(client, staff, user):
    ids = [post(client, user, "/tasks", {"title": f"Task {i}"}).json()["id"] for i in range(4)]
    replica = Replica(client, user)
    replica.sync()
    admin = type(client)()
    admin.force_login(staff)
    change = reverse("admin:tasks_task_change", args=[ids[0]])

    edits = [
        lambda: admin.post(change, {"user": user.pk, "title": "Edited in admin", "description": "", "completed": "on"}),
        lambda: admin.post(
            reverse("admin:tasks_task_changelist"), {"action": "mark_incomplete", "_selected_action": [ids[0]]}
        ),
        lambda: admin.post(
            reverse("admin:tasks_task_changelist"), {"action": "mark_complete", "_selected_action": ids[1:3]}
        ),
        lambda: admin.post(reverse("admin:tasks_task_delete", args=[ids[3]]), {"post": "yes"}),
        lambda: admin.post(
            reverse("admin:tasks_task_changelist"),
            {"action": "delete_selected", "_selected_action": [ids[2]], "post": "yes"},
        ),
        lambda: admin.post(
            reverse("admin:tasks_task_add"), {"user": user.pk, "title": "Added in admin", "description": ""}
        ),
    ]
    for edit in edits:
        assert edit().status_code == 302
        replica.sync()
        assert replica.tasks == server_tasks(client, user)
    assert sorted(task["title"] for task in replica.tasks.values()) == ["Added in admin", "Edited in admin", "Task 1"]


def test_a_task_given_to_another_owner_in_the_admin_leaves_the_first_owners_replica(client, staff, user, other_user):
    task_id = post(client, user, "/tasks", {"title": "Moving"}).json()["id"]
    mine, theirs = Replica(client, user), Replica(client, other_user)
    mine.sync()
    theirs.sync()
    admin = type(client)()
    admin.force_login(staff)

    admin.post(reverse("admin:tasks_task_change", args=[task_id]), {"user": other_user.pk, "title": "Moving", "description": ""})
    mine.sync()
    theirs.sync()

    assert mine.tasks == {} and list(theirs.tasks) == [task_id]


def test_deleting_a_user_with_a_feed_and_deletions_works(client, user, staff):
    ids = [post(client, user, "/tasks", {"title": f"T{i}"}).json()["id"] for i in range(2)]
    client.delete(f"/api/{user.pk}/tasks/{ids[0]}", headers=bearer(user))
    admin = type(client)()
    admin.force_login(staff)

    response = admin.post(reverse("admin:users_user_delete", args=[user.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Task.objects.filter(user_id=user.pk).exists()
    assert not Feed.objects.filter(user_id=user.pk).exists()
    assert not Tombstone.objects.filter(user_id=user.pk).exists()
