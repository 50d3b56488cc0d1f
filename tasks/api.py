from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from django.urls import reverse
from ninja import Body, Header, Path, Query, Router, Status

from tasks.etags import etag_matches_weakly, task_etag
from tasks.models import Task
from tasks.pagination import Cursor, Position, next_page_link
from tasks.schemas import CompleteIn, TaskIn, TaskOut, TaskPatch, TaskPut
from tasks.selectors import task_get, task_list
from tasks.services import task_create, task_delete, task_set_completed, task_update
from todoproject.renderers import RENDERER
from todoproject.openapi import BODY_ERRORS, ETAG, LINK, LOCATION, response_headers, status_map
from todoproject.schemas import PathId, QueryBool
from todoproject.throttles import WritesUserThrottle
from users.auth import OwnerJWTAuth, OwnerReadAuth, require_active_user
from users.schemas import PathUserId

# The type of the path's user id, apart from its description below.
UserId = PathUserId
# Path parameters are described in their Path default: Ninja drops a
# description given in the type's Annotated metadata. Example values make
# every operation's "Try it out" in /api/docs a ready request. Views take
# their parameters keyword-only, so one with a default may precede one without.
OWNER_ID = Path(
    description="Whose tasks: yours, as `me`, your id as `/api/auth/me` gives it (canonical decimal: `7`, "
    "not `07`), or with an identity provider's token its `sub` exactly; anything else is 403",
    examples=["me"],
)
TASK_ID = Path(description="The task's id", examples=[12])

router = Router(auth=OwnerJWTAuth(), throttle=WritesUserThrottle(), tags=["tasks"])

# Every status an operation can answer, so the OpenAPI document tells the truth.
READ_ERRORS = (401, 403, 404, 422, 503)
WRITE_ERRORS = (*READ_ERRORS, *BODY_ERRORS, 412, 429)

@router.get(
    "/{user_id}/tasks",
    operation_id="listTasks",
    response=status_map({200: list[TaskOut]}, 401, 403, 422, 503),
    openapi_extra=response_headers({200: [LINK]}),
    auth=OwnerReadAuth(),
    url_name="task_list",
    summary="List tasks, newest first",
    description="Pages are linked by `Link: <…>; rel=\"next\"`; follow it to read on.",
)
def list_tasks(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    completed: QueryBool | None = Query(None, description="Only completed (true) or open (false) tasks"),
    limit: int = Query(100, ge=1, le=500, description="Page size"),
    cursor: Cursor | None = Query(None, description="Opaque; taken from a Link header"),
):
    # One row more than asked tells whether a next page exists, without a COUNT.
    tasks = task_list(
        user_id=request.auth.pk, credential=request.auth.credential, completed=completed, after=cursor, limit=limit + 1
    )
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


def _etags(value: str | None) -> list[str] | None:
    # An unparseable If-Match yields no tags, which no task matches: 412;
    # an unparseable If-None-Match excludes no version.
    return None if value is None else parse_etags(value)


def _with_etag(response: HttpResponse, task: Task) -> Task:
    response["ETag"] = task_etag(task)
    return task


def _update(
    request: HttpRequest, response: HttpResponse, task_id: int, payload, if_match: str | None, if_none_match: str | None
) -> Task:
    task = task_update(
        user_id=request.auth.pk,
        task_id=task_id,
        data=payload.dict(exclude_unset=True),
        if_match=_etags(if_match),
        if_none_match=_etags(if_none_match),
    )
    return _with_etag(response, task)


IfMatch = Header(
    None,
    alias="If-Match",
    description="Write only if the task's ETag is still one of these (else 412): "
    "no lost update between two clients editing one task.",
)
IfNoneMatch = Header(
    None,
    alias="If-None-Match",
    description="Write only if the task's ETag is none of these, compared weakly (else 412); "
    "`*`: only if the task does not exist, so an existing task is never changed.",
)


@router.post(
    "/{user_id}/tasks",
    operation_id="createTask",
    response=status_map({201: TaskOut}, *BODY_ERRORS, 401, 403, 429, 503),
    openapi_extra=response_headers({201: [LOCATION, ETAG]}),
    summary="Create a task",
    description="With an `Idempotency-Key`, a retry of the same request returns the task the "
    "first one created (201) and creates nothing; the key with another body is a 422.",
)
def create_task(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
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
    operation_id="getTask",
    response=status_map({200: TaskOut, 304: None}, *READ_ERRORS),
    openapi_extra=response_headers({200: [ETAG], 304: [ETAG]}),
    auth=OwnerReadAuth(),
    url_name="task_detail",
    summary="Get a task",
)
def get_task(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    task_id: PathId = TASK_ID,
    if_none_match: str | None = Header(
        None, alias="If-None-Match", description="304 with no body while the ETag is unchanged"
    ),
):
    try:
        task = _with_etag(
            response, task_get(user_id=request.auth.pk, credential=request.auth.credential, task_id=task_id)
        )
    except Task.DoesNotExist:
        require_active_user(request.auth)
        raise
    if if_none_match is not None and etag_matches_weakly(task, parse_etags(if_none_match)):
        return Status(304, None)
    return task


@router.put(
    "/{user_id}/tasks/{task_id}",
    operation_id="replaceTask",
    response=status_map({200: TaskOut}, *WRITE_ERRORS),
    openapi_extra=response_headers({200: [ETAG]}),
    summary="Update a task (fields left out keep their values)",
)
def put_task(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    task_id: PathId = TASK_ID,
    payload: TaskPut,
    if_match: str | None = IfMatch,
    if_none_match: str | None = IfNoneMatch,
):
    return _update(request, response, task_id, payload, if_match, if_none_match)


@router.patch(
    "/{user_id}/tasks/{task_id}",
    operation_id="updateTask",
    response=status_map({200: TaskOut}, *WRITE_ERRORS),
    openapi_extra=response_headers({200: [ETAG]}),
    summary="Update some fields of a task",
)
def patch_task(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    task_id: PathId = TASK_ID,
    payload: TaskPatch,
    if_match: str | None = IfMatch,
    if_none_match: str | None = IfNoneMatch,
):
    return _update(request, response, task_id, payload, if_match, if_none_match)


@router.delete(
    "/{user_id}/tasks/{task_id}",
    operation_id="deleteTask",
    response=status_map({204: None}, *READ_ERRORS, 412, 429),
    summary="Delete a task",
)
def delete_task(
    request: HttpRequest,
    *,
    user_id: UserId = OWNER_ID,
    task_id: PathId = TASK_ID,
    if_match: str | None = IfMatch,
    if_none_match: str | None = IfNoneMatch,
):
    task_delete(
        user_id=request.auth.pk, task_id=task_id, if_match=_etags(if_match), if_none_match=_etags(if_none_match)
    )
    return Status(204, None)


@router.patch(
    "/{user_id}/tasks/{task_id}/complete",
    operation_id="setTaskCompletion",
    response=status_map({200: TaskOut}, *WRITE_ERRORS),
    openapi_extra=response_headers({200: [ETAG]}),
    summary="Toggle completion, or set it with a body",
    description='No body flips `completed`; `{"completed": true|false}` sets it, so a retry is harmless.',
)
def complete_task(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    task_id: PathId = TASK_ID,
    # None only when no body was sent: a JSON null is validated as a
    # CompleteIn and refused (422), so only an absent body toggles.
    payload: CompleteIn = Body(None),
    if_match: str | None = IfMatch,
    if_none_match: str | None = IfNoneMatch,
):
    task = task_set_completed(
        user_id=request.auth.pk,
        task_id=task_id,
        completed=None if payload is None else payload.completed,
        if_match=_etags(if_match),
        if_none_match=_etags(if_none_match),
    )
    return _with_etag(response, task)
