from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from django.urls import reverse
from ninja import Body, Header, Path, Query, Router, Status
from ninja.errors import ValidationError
from pydantic import StringConstraints

from tasks.etags import etag_matches_weakly, task_etag
from tasks.models import Priority, Task
from tasks.pagination import CURSOR_MAX_LENGTH, cursor_decode, next_page_link
from tasks.schemas import (
    DUE_TIME_WITHOUT_DATE,
    CompleteIn,
    IsoDate,
    PriorityName,
    Tag,
    TagOut,
    TagRename,
    TaskIn,
    TaskOut,
    TaskPatch,
    TaskPut,
    task_fields,
)
from tasks.selectors import DEFAULT_SORT, ListedTask, TaskFilters, list_binding, tag_counts, task_get, task_list
from tasks.services import tag_delete, tag_rename, task_create, task_delete, task_set_completed, task_update
from tasks.tags import MAX_TAGS_PER_TASK
from todoproject.renderers import RENDERER
from todoproject.openapi import BODY_ERRORS, ETAG, LINK, LOCATION, response_headers, status_map
from todoproject.schemas import NoControlChars, PathId, QueryBool
from todoproject.throttles import WritesUserThrottle
from users.auth import OwnerJWTAuth, OwnerTokenAuth, require_active_user
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

# The task reads and writes confirm the caller in their own statement
# (users/auth.py); the tag writes, over many tasks, load the user first.
router = Router(auth=OwnerTokenAuth(), throttle=WritesUserThrottle(), tags=["tasks"])

# Every status an operation can answer, so the OpenAPI document tells the truth.
READ_ERRORS = (401, 403, 404, 422, 503)
WRITE_ERRORS = (*READ_ERRORS, *BODY_ERRORS, 412, 429)

SortName = Literal["-created_at", "created_at", "due", "-priority", "-updated_at", "title"]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=100), NoControlChars]
# Every list parameter but these two may appear at most once.
REPEATABLE = {"priority", "tag"}


def _list_query_errors(request: HttpRequest, tags: tuple[str, ...]) -> list[dict]:
    errors = [
        {"loc": ["query", name], "msg": "may appear at most once", "type": "repeated_parameter"}
        for name, values in request.GET.lists()
        if name not in REPEATABLE and len(values) > 1
    ]
    if len(tags) > MAX_TAGS_PER_TASK:
        errors.append({"loc": ["query", "tag"], "msg": f"at most {MAX_TAGS_PER_TASK} tags", "type": "too_many_tags"})
    return errors


@router.get(
    "/{user_id}/tasks",
    operation_id="listTasks",
    response=status_map({200: list[TaskOut]}, 401, 403, 422, 503),
    openapi_extra=response_headers({200: [LINK]}),
    url_name="task_list",
    summary="List tasks: filter, search, sort, page",
    description="All filters combine (AND). Pages are linked by `Link: <…>; rel=\"next\"`; follow it "
    "to read on: its cursor keeps the filters and sort, and is refused (422) with any others.",
)
def list_tasks(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    completed: QueryBool | None = Query(
        None, description="Only completed (true) or open (false) tasks", examples=[False]
    ),
    priority: list[PriorityName] | None = Query(
        None, description="Repeatable: tasks of any of these priorities", examples=[["high", "medium"]]
    ),
    tag: list[Tag] | None = Query(
        None,
        description=f"Repeatable: tasks carrying every one of these tags (at most {MAX_TAGS_PER_TASK})",
        examples=[["errands"]],
    ),
    q: SearchText | None = Query(
        None, description="1-100 characters: title or description contains it, ignoring case", examples=["milk"]
    ),
    due_from: IsoDate | None = Query(None, description="due_date on or after this date", examples=["2026-12-01"]),
    due_to: IsoDate | None = Query(None, description="due_date on or before this date", examples=["2026-12-31"]),
    has_due: QueryBool | None = Query(None, description="With (true) or without (false) a due_date", examples=[True]),
    overdue: QueryBool | None = Query(
        None,
        description="true: open tasks whose due moment has passed in your timezone; false: all the others",
        examples=[True],
    ),
    sort: SortName = Query(
        DEFAULT_SORT,
        description="-created_at (newest first), created_at, due (soonest first: a day's all-day tasks "
        "before its timed ones, undated last), -priority (high first), -updated_at (last changed first), "
        "title (A-Z ignoring case); ties newest first",
        examples=["due"],
    ),
    limit: int = Query(100, ge=1, le=500, description="Page size", examples=[20]),
    cursor: str | None = Query(
        None, max_length=CURSOR_MAX_LENGTH, description="Opaque; taken from a Link header"
    ),
):
    tags = tuple(sorted(set(tag or ())))
    if errors := _list_query_errors(request, tags):
        raise ValidationError(errors)
    filters = TaskFilters(
        completed=completed,
        priorities=tuple(sorted({Priority[name.upper()] for name in priority or ()})),
        tags=tags,
        q=q,
        due_from=due_from,
        due_to=due_to,
        has_due=has_due,
        overdue=overdue,
    )
    after = None
    if cursor is not None:
        try:
            after = cursor_decode(cursor, sort=sort, binding=list_binding(sort=sort, filters=filters))
        except ValueError as exc:
            raise ValidationError([{"loc": ["query", "cursor"], "msg": str(exc), "type": "invalid_cursor"}]) from exc
    page = task_list(
        user_id=request.auth.pk,
        credential=request.auth.credential,
        filters=filters,
        sort=sort,
        after=after,
        limit=limit,
    )
    if not page.tasks:
        require_active_user(request.auth)
    if page.after is not None:
        response["Link"] = next_page_link(request, page.after, list_binding(sort=sort, filters=filters))
    return _rendered(request, response, page.tasks)


def _etags(value: str | None) -> list[str] | None:
    # An unparseable If-Match yields no tags, which no task matches: 412;
    # an unparseable If-None-Match excludes no version.
    return None if value is None else parse_etags(value)


def _rendered(request: HttpRequest, response: HttpResponse, data: Any, status: int = 200) -> HttpResponse:
    # The selectors and services answer tasks as ListedTask, TaskOut's
    # fields and types already (tests/test_selectors.py holds them to it), so
    # they go straight to the renderer (the API's own): a Task built from the
    # row and validated and dumped again through the schema was a sixth of a
    # get's work (README, Performance). The response maps still document them.
    response.status_code = status
    response.content = RENDERER.render(request, data, response_status=status)
    return response


def _task_answer(request: HttpRequest, response: HttpResponse, task: ListedTask, status: int = 200) -> HttpResponse:
    response["ETag"] = task_etag(task)
    return _rendered(request, response, task, status)


def _fields(data: dict) -> dict:
    try:
        return task_fields(data)
    except ValueError:
        raise ValidationError([DUE_TIME_WITHOUT_DATE]) from None


def _update(
    request: HttpRequest, response: HttpResponse, task_id: int, payload, if_match: str | None, if_none_match: str | None
) -> HttpResponse:
    task = task_update(
        user_id=request.auth.pk,
        credential=request.auth.credential,
        task_id=task_id,
        data=_fields(payload.dict(exclude_unset=True)),
        if_match=_etags(if_match),
        if_none_match=_etags(if_none_match),
    )
    return _task_answer(request, response, task)


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
    task = task_create(
        user_id=request.auth.pk,
        credential=request.auth.credential,
        idempotency_key=idempotency_key,
        **_fields(payload.dict()),
    )
    response["Location"] = request.build_absolute_uri(
        reverse("api:task_detail", kwargs={"user_id": task["user_id"], "task_id": task["id"]})
    )
    return _task_answer(request, response, task, 201)


@router.get(
    "/{user_id}/tasks/{task_id}",
    operation_id="getTask",
    response=status_map({200: TaskOut, 304: None}, *READ_ERRORS),
    openapi_extra=response_headers({200: [ETAG], 304: [ETAG]}),
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
        task = task_get(user_id=request.auth.pk, credential=request.auth.credential, task_id=task_id)
    except Task.DoesNotExist:
        require_active_user(request.auth)
        raise
    response["ETag"] = task_etag(task)
    if if_none_match is not None and etag_matches_weakly(task, parse_etags(if_none_match)):
        return Status(304, None)
    return _rendered(request, response, task)


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
        user_id=request.auth.pk,
        credential=request.auth.credential,
        task_id=task_id,
        if_match=_etags(if_match),
        if_none_match=_etags(if_none_match),
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
        credential=request.auth.credential,
        task_id=task_id,
        completed=None if payload is None else payload.completed,
        if_match=_etags(if_match),
        if_none_match=_etags(if_none_match),
    )
    return _task_answer(request, response, task)


TAG_NAME = Path(description="The tag, compared after normalising (stripped, lower-cased)", examples=["errands"])


@router.get(
    "/{user_id}/tags",
    operation_id="listTags",
    response=status_map({200: list[TagOut]}, 401, 403, 422, 503),
    summary="List your tags with their task counts, A-Z",
)
def list_tags(request: HttpRequest, *, user_id: UserId = OWNER_ID):
    tags = tag_counts(user_id=request.auth.pk, credential=request.auth.credential)
    if not tags:
        require_active_user(request.auth)
    return tags


@router.patch(
    "/{user_id}/tags/{name}",
    operation_id="renameTag",
    auth=OwnerJWTAuth(),
    response=status_map({200: TagOut}, *BODY_ERRORS, 401, 403, 404, 429, 503),
    summary="Rename a tag on every task (merged where a task has both)",
    description="Each task it touches is written: its updated_at and ETag move. 404 when no task has the tag.",
)
def rename_tag(request: HttpRequest, *, user_id: UserId = OWNER_ID, name: Tag = TAG_NAME, payload: TagRename):
    count = tag_rename(user_id=request.auth.pk, name=name, new_name=payload.name)
    return {"name": payload.name, "count": count}


@router.delete(
    "/{user_id}/tags/{name}",
    operation_id="deleteTag",
    auth=OwnerJWTAuth(),
    response=status_map({204: None}, 401, 403, 404, 422, 429, 503),
    summary="Remove a tag from every task (the tasks stay)",
    description="Each task it touches is written: its updated_at and ETag move. 404 when no task has the tag.",
)
def delete_tag(request: HttpRequest, *, user_id: UserId = OWNER_ID, name: Tag = TAG_NAME):
    tag_delete(user_id=request.auth.pk, name=name)
    return Status(204, None)
