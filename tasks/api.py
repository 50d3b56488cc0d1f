from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Status
from pydantic import Field

from tasks.pagination import Cursor, Position, next_page_link
from tasks.schemas import CompleteIn, TaskIn, TaskOut, TaskPatch
from tasks.selectors import task_get, task_list
from tasks.services import task_create, task_delete, task_set_completed, task_update
from todoproject.schemas import Error, Id, ValidationErrorOut
from todoproject.throttles import WritesUserThrottle
from users.auth import OwnerJWTAuth

# Example values make every operation's "Try it out" in /api/docs a ready request.
UserId = Annotated[Id, Field(json_schema_extra={"example": 7})]
TaskId = Annotated[Id, Field(json_schema_extra={"example": 12})]

router = Router(auth=OwnerJWTAuth(), throttle=WritesUserThrottle(), tags=["tasks"])

# Every status an operation can answer, so the OpenAPI document tells the truth.
READ_ERRORS = {401: Error, 403: Error, 404: Error, 422: ValidationErrorOut, 503: Error}
WRITE_ERRORS = {400: Error, **READ_ERRORS, 429: Error}

@router.get(
    "/{user_id}/tasks",
    response={200: list[TaskOut], 401: Error, 403: Error, 422: ValidationErrorOut, 503: Error},
    url_name="task_list",
    summary="List tasks, newest first",
    description="Pages are linked by `Link: <…>; rel=\"next\"`; follow it to read on.",
)
def list_tasks(
    request: HttpRequest,
    response: HttpResponse,
    user_id: UserId,
    completed: bool | None = Query(None, description="Only completed (true) or open (false) tasks"),
    limit: int = Query(100, ge=1, le=500, description="Page size"),
    cursor: Cursor | None = Query(None, description="Opaque; taken from a Link header"),
):
    # One row more than asked tells whether a next page exists, without a COUNT.
    tasks = task_list(user_id=request.auth.pk, completed=completed, after=cursor, limit=limit + 1)
    if len(tasks) > limit:
        tasks = tasks[:limit]
        response["Link"] = next_page_link(request, Position(tasks[-1].created_at, tasks[-1].pk))
    return tasks


@router.post(
    "/{user_id}/tasks",
    response={201: TaskOut, 400: Error, 401: Error, 403: Error, 422: ValidationErrorOut, 429: Error, 503: Error},
    summary="Create a task",
)
def create_task(request: HttpRequest, response: HttpResponse, user_id: UserId, payload: TaskIn):
    task = task_create(user_id=request.auth.pk, **payload.dict())
    response["Location"] = request.build_absolute_uri(
        reverse("api:task_detail", kwargs={"user_id": task.user_id, "task_id": task.pk})
    )
    return Status(201, task)


@router.get(
    "/{user_id}/tasks/{task_id}",
    response={200: TaskOut, **READ_ERRORS},
    url_name="task_detail",
    summary="Get a task",
)
def get_task(request: HttpRequest, user_id: UserId, task_id: TaskId):
    return task_get(user_id=request.auth.pk, task_id=task_id)


@router.put(
    "/{user_id}/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Update a task (fields left out keep their values)",
)
def put_task(request: HttpRequest, user_id: UserId, task_id: TaskId, payload: TaskIn):
    return task_update(
        user_id=request.auth.pk, task_id=task_id, data=payload.dict(exclude_unset=True)
    )


@router.patch(
    "/{user_id}/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Update some fields of a task",
)
def patch_task(request: HttpRequest, user_id: UserId, task_id: TaskId, payload: TaskPatch):
    return task_update(
        user_id=request.auth.pk, task_id=task_id, data=payload.dict(exclude_unset=True)
    )


@router.delete(
    "/{user_id}/tasks/{task_id}",
    response={204: None, **READ_ERRORS, 429: Error},
    summary="Delete a task",
)
def delete_task(request: HttpRequest, user_id: UserId, task_id: TaskId):
    task_delete(user_id=request.auth.pk, task_id=task_id)
    return Status(204, None)


@router.patch(
    "/{user_id}/tasks/{task_id}/complete",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Toggle completion, or set it with a body",
    description='No body flips `completed`; `{"completed": true|false}` sets it, so a retry is harmless.',
)
def complete_task(request: HttpRequest, user_id: UserId, task_id: TaskId, payload: CompleteIn | None = None):
    return task_set_completed(
        user_id=request.auth.pk,
        task_id=task_id,
        completed=None if payload is None else payload.completed,
    )
