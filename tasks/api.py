from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from django.urls import reverse
from ninja import Header, Query, Router, Status
from pydantic import Field

from tasks.etags import etag_matches_weakly, task_etag
from tasks.models import Task
from tasks.pagination import Cursor, Position, next_page_link
from tasks.schemas import CompleteIn, TaskIn, TaskOut, TaskPatch
from tasks.selectors import task_get, task_list
from tasks.services import task_create, task_delete, task_set_completed, task_update
from todoproject.renderers import RENDERER
from todoproject.schemas import Error, Id, QueryBool, ValidationErrorOut
from todoproject.throttles import WritesUserThrottle
from users.auth import OwnerJWTAuth, OwnerReadAuth, require_active_user

# Example values make every operation's "Try it out" in /api/docs a ready request.
UserId = Annotated[Id, Field(json_schema_extra={"example": 7})]
TaskId = Annotated[Id, Field(json_schema_extra={"example": 12})]

router = Router(auth=OwnerJWTAuth(), throttle=WritesUserThrottle(), tags=["tasks"])

# Every status an operation can answer, so the OpenAPI document tells the truth.
READ_ERRORS = {401: Error, 403: Error, 404: Error, 422: ValidationErrorOut, 503: Error}
WRITE_ERRORS = {400: Error, 412: Error, 429: Error, **READ_ERRORS}

@router.get(
    "/{user_id}/tasks",
    response={200: list[TaskOut], 401: Error, 403: Error, 422: ValidationErrorOut, 503: Error},
    auth=OwnerReadAuth(),
    url_name="task_list",
    summary="List tasks, newest first",
    description="Pages are linked by `Link: <…>; rel=\"next\"`; follow it to read on.",
)
def list_tasks(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    completed: QueryBool | None = Query(None, description="Only completed (true) or open (false) tasks"),
    limit: int = Query(100, ge=1, le=500, description="Page size"),
    cursor: Cursor | None = Query(None, description="Opaque; taken from a Link header"),
):
    # One row more than asked tells whether a next page exists, without a COUNT.
    tasks = task_list(user_id=request.auth.pk, completed=completed, after=cursor, limit=limit + 1)
    if not tasks:
        require_active_user(request.auth)
    if len(tasks) > limit:
        tasks = tasks[:limit]
        response["Link"] = next_page_link(request, Position(tasks[-1]["created_at"], tasks[-1]["id"]))
    # The rows are already TaskOut's fields and types (tests/test_selectors.py
    # holds them to it): validating and dumping 100 of them again through the
    # schema cost 0.25 ms of a 2.6 ms page, so they go straight to the
    # renderer (the API's own). The 200 above still documents them.
    response.content = RENDERER.render(request, tasks, response_status=200)
    return response


def _if_match(value: str | None) -> list[str] | None:
    # An unparseable If-Match yields no tags, which no task matches: 412.
    return None if value is None else parse_etags(value)


def _with_etag(response: HttpResponse, task: Task) -> Task:
    response["ETag"] = task_etag(task)
    return task


def _update(request: HttpRequest, response: HttpResponse, task_id: int, payload, if_match: str | None) -> Task:
    task = task_update(
        user_id=request.auth.pk,
        task_id=task_id,
        data=payload.dict(exclude_unset=True),
        if_match=_if_match(if_match),
    )
    return _with_etag(response, task)


IfMatch = Header(
    None,
    alias="If-Match",
    description="Write only if the task's ETag is still one of these (else 412): "
    "no lost update between two clients editing one task.",
)


@router.post(
    "/{user_id}/tasks",
    response={201: TaskOut, 400: Error, 401: Error, 403: Error, 422: ValidationErrorOut, 429: Error, 503: Error},
    summary="Create a task",
    description="With an `Idempotency-Key`, a retry of the same request returns the task the "
    "first one created (201) and creates nothing; the key with another body is a 422.",
)
def create_task(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    payload: TaskIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique printable ASCII string, kept with the task it created",
    ),
):
    task = task_create(user_id=request.auth.pk, idempotency_key=idempotency_key, **payload.dict())
    response["Location"] = request.build_absolute_uri(
        reverse("api:task_detail", kwargs={"user_id": task.user_id, "task_id": task.pk})
    )
    return Status(201, _with_etag(response, task))


@router.get(
    "/{user_id}/tasks/{task_id}",
    response={200: TaskOut, 304: None, **READ_ERRORS},
    auth=OwnerReadAuth(),
    url_name="task_detail",
    summary="Get a task",
)
def get_task(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    task_id: TaskId,
    if_none_match: str | None = Header(
        None, alias="If-None-Match", description="304 with no body while the ETag is unchanged"
    ),
):
    try:
        task = _with_etag(response, task_get(user_id=request.auth.pk, task_id=task_id))
    except Task.DoesNotExist:
        require_active_user(request.auth)
        raise
    if if_none_match is not None and etag_matches_weakly(task, parse_etags(if_none_match)):
        return Status(304, None)
    return task


@router.put(
    "/{user_id}/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Update a task (fields left out keep their values)",
)
def put_task(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    task_id: TaskId,
    payload: TaskIn,
    if_match: str | None = IfMatch,
):
    return _update(request, response, task_id, payload, if_match)


@router.patch(
    "/{user_id}/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Update some fields of a task",
)
def patch_task(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    task_id: TaskId,
    payload: TaskPatch,
    if_match: str | None = IfMatch,
):
    return _update(request, response, task_id, payload, if_match)


@router.delete(
    "/{user_id}/tasks/{task_id}",
    response={204: None, 412: Error, 429: Error, **READ_ERRORS},
    summary="Delete a task",
)
def delete_task(request: HttpRequest, user_id: UserId, task_id: TaskId, if_match: str | None = IfMatch):
    task_delete(user_id=request.auth.pk, task_id=task_id, if_match=_if_match(if_match))
    return Status(204, None)


@router.patch(
    "/{user_id}/tasks/{task_id}/complete",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Toggle completion, or set it with a body",
    description='No body flips `completed`; `{"completed": true|false}` sets it, so a retry is harmless.',
)
def complete_task(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    task_id: TaskId,
    payload: CompleteIn | None = None,
    if_match: str | None = IfMatch,
):
    task = task_set_completed(
        user_id=request.auth.pk,
        task_id=task_id,
        completed=None if payload is None else payload.completed,
        if_match=_if_match(if_match),
    )
    return _with_etag(response, task)
