"""The one NinjaAPI: it mounts the apps' routers and owns the error format.

Every error leaves as a JSON object with ``detail``; validation errors as a
list of ``{loc, msg, type}``.
"""

import logging
import math

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from identities.keys import KeySetUnavailable
from signin.api import router as signin_router
from sync.api import router as sync_router
from tasks.api import router as tasks_router
from tasks.schemas import DUE_TIME_WITHOUT_DATE
from tasks.services import DueTimeWithoutDate, IdempotencyKeyReused, PreconditionFailed, WriterRefused
from todoproject.health import DB_UNAVAILABLE_ERRORS, database_unavailable
from todoproject.openapi import TAGS, DocumentedAPI
from todoproject.parsers import NotJSONMediaType, StrictJSONParser
from todoproject.renderers import RENDERER
from todoproject.schemas import error_items
from users.api import router as users_router
from users.auth import require_active_user

logger = logging.getLogger(__name__)

api = DocumentedAPI(
    title="Task API",
    version="1.0.0",
    description="Tasks of many users, each seeing only their own. Authenticate with "
    "`POST /api/auth/token`, then send `Authorization: Bearer <access_token>`.",
    urls_namespace="api",
    renderer=RENDERER,
    parser=StrictJSONParser(),
    # Relative: the host that served the document; paths start with /api/.
    servers=[{"url": "/", "description": "This service"}],
    openapi_extra={"tags": TAGS},
)
# Before the tasks' routes: /{user_id}/tasks/bulk would otherwise resolve to
# /{user_id}/tasks/{task_id}, which has no POST.
api.add_router("/", sync_router)
# The task routes, the ones called most, before the account's: Django tries
# a request's path against each route in turn.
api.add_router("/", tasks_router)
api.add_router("/auth/", users_router)
api.add_router("/auth/", signin_router)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else "Missing, invalid or expired token."
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _refused(request: HttpRequest, user: object = None) -> HttpResponse | None:
    """The 401 of a request authenticated from the token alone (the reads and
    the task writes, users/auth.py) whose user is gone or inactive, or whose
    session or token has ended, whatever else is wrong with it; else None.
    ``user``: whom to ask about instead of ``request.auth``."""
    user = user or getattr(request, "auth", None)
    if user is not None:
        try:
            require_active_user(user)
        except AuthenticationError as error:
            return unauthorized(request, error)
    return None


@api.exception_handler(WriterRefused)
def writer_refused(request: HttpRequest, exc: WriterRefused) -> HttpResponse:
    return _refused(request) or unauthorized(request, AuthenticationError())


@api.exception_handler(ValidationError)
def unprocessable(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _refused(request) or api.create_response(request, {"detail": error_items(exc.errors)}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja answers every failure of the body parser 400; a body that is not
    # JSON at all is told so (todoproject/parsers.py says why it matters).
    if refused := _refused(request):
        return refused
    if isinstance(exc.__cause__, NotJSONMediaType):
        return api.create_response(request, {"detail": str(exc.__cause__)}, status=415)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(IntegrityError)
def caller_gone(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """A write racing its user's deletion fails a foreign key to the user
    (the write went in after the deletion committed): the caller is gone,
    401. Any other broken constraint stays a server error."""
    # The token's caller, looked up again even where the route loaded the user.
    if refused := _refused(request, getattr(request, "caller", None)):
        return refused
    raise exc


@api.exception_handler(ObjectDoesNotExist)
def not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PreconditionFailed)
def precondition_failed(request: HttpRequest, exc: PreconditionFailed) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=412)


@api.exception_handler(IdempotencyKeyReused)
def idempotency_key_reused(request: HttpRequest, exc: IdempotencyKeyReused) -> HttpResponse:
    error = {
        "loc": ["header", "Idempotency-Key"],
        "msg": "This Idempotency-Key was already used with a different request.",
        "type": "idempotency_key_reused",
    }
    return api.create_response(request, {"detail": [error]}, status=422)


@api.exception_handler(DueTimeWithoutDate)
def due_time_without_date(request: HttpRequest, exc: DueTimeWithoutDate) -> HttpResponse:
    return api.create_response(request, {"detail": [DUE_TIME_WITHOUT_DATE]}, status=422)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "Request body too large."}, status=413)


for _error in DB_UNAVAILABLE_ERRORS:
    api.add_exception_handler(_error, database_unavailable)


@api.exception_handler(KeySetUnavailable)
def key_set_unavailable(request: HttpRequest, exc: KeySetUnavailable) -> HttpResponse:
    # Not 401: the token may well be valid; its key cannot be checked yet.
    detail = "The identity provider's keys cannot be checked right now; retry later."
    response = api.create_response(request, {"detail": detail}, status=503)
    response["Retry-After"] = str(math.ceil(exc.retry_after))
    return response


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = api.create_response(request, {"detail": "Too many requests, slow down."}, status=429)
    response["Retry-After"] = str(max(1, math.ceil(exc.wait or 1)))
    return response


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never a traceback to the client, not even with DEBUG on: it goes to the log.
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return api.create_response(request, {"detail": "Internal server error."}, status=500)
