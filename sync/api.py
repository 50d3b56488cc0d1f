"""The contract's "Sync and bulk changes": GET /changes and the bulk task writes."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from sync.positions import PositionRefused, SinceToken, position_decode, position_encode
from sync.schemas import BulkIn, BulkOut, ChangesOut, ClearedOut
from sync.selectors import PositionForgotten, changes_page
from tasks.api import OWNER_ID, UserId
from tasks.services import task_bulk_change, task_clear_completed
from todoproject.openapi import BODY_ERRORS, status_map
from todoproject.renderers import RENDERER
from todoproject.schemas import QueryInt
from todoproject.throttles import WritesUserThrottle
from users.auth import OwnerJWTAuth, OwnerTokenAuth, require_active_user

router = Router(auth=OwnerJWTAuth(), throttle=WritesUserThrottle(), tags=["sync"])

GONE = "This since is unknown or too old (deletions are remembered 30 days): sync again without since."


@router.get(
    "/{user_id}/changes",
    operation_id="listChanges",
    response=status_map({200: ChangesOut}, 401, 403, 410, 422, 503),
    auth=OwnerTokenAuth(),
    summary="What changed since a previous call",
    description="Without `since`: every task. Then call with the last `next_since`, at once while "
    "`has_more`; a 410 means start again without `since`.",
)
def list_changes(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: UserId = OWNER_ID,
    since: SinceToken | None = Query(None, description="The `next_since` of the previous answer"),
    limit: QueryInt = Query(100, ge=1, le=500, description="At most this many tasks and deletions together"),
):
    owner = request.auth.pk
    try:
        position = None if since is None else position_decode(since, user_id=owner)
        page = changes_page(user_id=owner, credential=request.auth.credential, since=position, limit=limit)
    except (PositionRefused, PositionForgotten):
        require_active_user(request.auth)
        response.status_code = 410
        response.content = RENDERER.render(request, {"detail": GONE}, response_status=410)
        return response
    if page is None:
        require_active_user(request.auth)
    body = {
        "tasks": page.tasks,
        "deleted": page.deleted,
        "next_since": position_encode(page.next_position, user_id=owner),
        "has_more": page.has_more,
    }
    # As the task list: the rows already are TaskOut's fields and types.
    response.content = RENDERER.render(request, body, response_status=200)
    return response


@router.post(
    "/{user_id}/tasks/bulk",
    operation_id="bulkUpdateTasks",
    response=status_map({200: BulkOut}, *BODY_ERRORS, 401, 403, 429, 503),
    summary="Complete, uncomplete or delete many tasks at once",
    description="All or nothing, in one transaction. Ids that are not the caller's tasks are left "
    "alone and not counted, nor are tasks already in the state asked for.",
)
def bulk_update_tasks(request: HttpRequest, *, user_id: UserId = OWNER_ID, payload: BulkIn):
    return {"affected": task_bulk_change(user_id=request.auth.pk, action=payload.action, task_ids=payload.ids)}


@router.post(
    "/{user_id}/tasks/clear-completed",
    operation_id="clearCompletedTasks",
    response=status_map({200: ClearedOut}, 401, 403, 422, 429, 503),
    summary="Delete every completed task",
)
def clear_completed_tasks(request: HttpRequest, *, user_id: UserId = OWNER_ID):
    return {"deleted": task_clear_completed(user_id=request.auth.pk)}
