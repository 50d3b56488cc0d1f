"""The ``{user_id}`` in a task path names the caller exactly: the id in
canonical decimal, or ``me`` (an external token's ``sub`` is in
tests/test_oidc_tokens.py and tests/test_better_auth.py). Any other spelling
of the caller's own id is refused and serves nothing of the caller's."""

from urllib.parse import quote

import pytest

from tasks.models import Task

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

SPELLINGS = {
    "leading zero": "0{id}",
    "plus sign": "+{id}",
    "decimal point": "{id}.0",
    "exponent": "{id}e0",
    "leading space": " {id}",
    "trailing space": "{id} ",
    "Arabic-Indic digits": "{arabic}",
    "full-width digits": "{fullwidth}",
    "underscore": "{id}_",
    "ME in capitals": "ME",
    "me with a space": "me ",
    "a NUL": "{id}\x00",
}


def spelled(name: str, user) -> str:
    text = SPELLINGS[name].format(
        id=user.pk, arabic=str(user.pk).translate(ARABIC_INDIC), fullwidth=str(user.pk).translate(FULLWIDTH)
    )
    return quote(text, safe="")


@pytest.mark.parametrize("path_user", ["{id}", "me"])
def test_the_callers_id_and_me_name_the_caller(client, user, auth, task, path_user):
    base = f"/api/{path_user.format(id=user.pk)}/tasks"

    listed = client.get(base, headers=auth)
    got = client.get(f"{base}/{task.pk}", headers=auth)
    created = client.post(base, {"title": "Mine"}, content_type="application/json", headers=auth)

    assert [item["id"] for item in listed.json()] == [task.pk]
    assert got.json()["title"] == "Buy milk"
    assert created.status_code == 201
    assert created.json()["user_id"] == user.pk
    assert created["Location"].endswith(f"/api/{user.pk}/tasks/{created.json()['id']}")


@pytest.mark.parametrize("name", SPELLINGS)
def test_another_spelling_of_the_callers_id_serves_nothing(client, user, auth, task, name):
    base = f"/api/{spelled(name, user)}/tasks"

    responses = [
        client.get(base, headers=auth),
        client.get(f"{base}/{task.pk}", headers=auth),
        client.post(base, {"title": "Injected"}, content_type="application/json", headers=auth),
        client.patch(f"{base}/{task.pk}/complete", headers=auth),
        client.delete(f"{base}/{task.pk}", headers=auth),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"detail": "You may only access your own tasks."}
    assert list(Task.objects.values_list("pk", "title", "completed")) == [(task.pk, "Buy milk", False)]


TASK_ID_SPELLINGS = [name for name in SPELLINGS if "{" in SPELLINGS[name] and name != "a NUL"]


@pytest.mark.parametrize("name", TASK_ID_SPELLINGS)
def test_another_spelling_of_a_task_id_is_refused_and_changes_nothing(client, auth, task, name):
    spelled_id = spelled(name, task)

    responses = [
        client.get(f"/api/me/tasks/{spelled_id}", headers=auth),
        client.patch(f"/api/me/tasks/{spelled_id}", {"title": "Renamed"}, content_type="application/json", headers=auth),
        client.patch(f"/api/me/tasks/{spelled_id}/complete", headers=auth),
        client.delete(f"/api/me/tasks/{spelled_id}", headers=auth),
    ]

    for response in responses:
        assert response.status_code in (404, 422)
        assert "detail" in response.json()
    assert list(Task.objects.values_list("pk", "title", "completed")) == [(task.pk, "Buy milk", False)]
