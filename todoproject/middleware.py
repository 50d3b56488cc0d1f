import io
import logging
import re
import time
import uuid
from http import HTTPStatus

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.conf import settings
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse, JsonResponse

from todoproject.logs import request_id_var

logger = logging.getLogger("todoproject.requests")

# Headers that carry meaning for the client and must survive the rewrite.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


ADMIN_PATH_PREFIX = "/admin/"


class AdminOnlyMiddlewareMixin:
    """Runs the middleware for the admin's pages only; other requests pass by.

    Sessions, the session's user and messages are how the admin signs people
    in and talks to them; the API authenticates every call with a bearer
    token and the probes with nothing. Run for every request, they were a
    tenth of the worker's instructions per get (153,000 of 1.48 million,
    counted with callgrind). CSRF stays Django's own, on every path:
    check --deploy looks for it by name, and the API's views are exempt.
    A view outside /admin/ that wants request.session or request.user would
    have to be mounted under it.
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(ADMIN_PATH_PREFIX):
            return super().__call__(request)
        return self.get_response(request)


class SessionMiddleware(AdminOnlyMiddlewareMixin, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(AdminOnlyMiddlewareMixin, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(AdminOnlyMiddlewareMixin, messages.MessageMiddleware):
    pass


class JsonApiErrorsMiddleware:
    """Under /api/, answer with JSON ``{"detail": ...}`` whatever produced the error.

    Ninja's own errors already are; this catches what happens outside it:
    Django's 404 for an unknown route (an HTML page, with DEBUG a debug page),
    405 for a known path with a wrong method, 400 for a disallowed host, and
    the 500 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            json_response = JsonResponse(
                {"detail": HTTPStatus(response.status_code).phrase}, status=response.status_code
            )
            for header in _KEPT_HEADERS:
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response


class ChunkedBodyMiddleware:
    """WSGI middleware: a chunked request body gets read, and a Content-Length.

    Django reads CONTENT_LENGTH bytes of a body and no more, so without one
    a chunked body (curl -T, Go and Java streaming clients) looked empty:
    PATCH …/complete {"completed": true} toggled. Gunicorn decodes the
    chunks and ends the input with the body (``wsgi.input_terminated``), so
    the body is read to its end here, at most one byte past the size limit:
    a longer one is then refused by Django like any other (413). A server
    that does not end the input leaves the request to LengthRequiredMiddleware.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if (
            "HTTP_TRANSFER_ENCODING" in environ
            and not environ.get("CONTENT_LENGTH")
            and environ.get("wsgi.input_terminated")
        ):
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.app(environ, start_response)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class LengthRequiredMiddleware:
    """Under /api/, a body whose end is not known is refused (411), not taken for none.

    A chunked body that ChunkedBodyMiddleware could not read (a server that
    does not end wsgi.input with it) looks empty to Django: PATCH
    …/complete would toggle instead of setting what the body says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "HTTP_TRANSFER_ENCODING" in request.META
            and request.method in _BODY_METHODS
            and request.path_info.startswith("/api/")
        ):
            detail = "Send the body with a Content-Length."
            return JsonResponse({"detail": detail}, status=HTTPStatus.LENGTH_REQUIRED)
        return self.get_response(request)


class HeadAsGetMiddleware:
    """HEAD is answered as GET is, without the body (RFC 9110 §9.3.2).

    The API's routes are declared for GET only; Ninja would answer 405.
    The Content-Length (set by CommonMiddleware, inside) stays the GET's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD":
            return _allow_head(self.get_response(request))
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if not response.streaming:
            response.content = b""
        return _allow_head(response)


def _allow_head(response: HttpResponse) -> HttpResponse:
    allowed = response.get("Allow")
    if allowed and "GET" in allowed.split(", ") and "HEAD" not in allowed.split(", "):
        response["Allow"] = f"{allowed}, HEAD"
    return response


# An incoming id is kept only if it is short and safe to put in a log line
# and a header (a proxy's uuid, a trace id); anything else gets a fresh one.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestLogMiddleware:
    """One log line per request, and an ``X-Request-ID`` on every response.

    The id comes from the client or proxy (``X-Request-ID``) when sane, else
    it is a new uuid4 hex.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        # Ninja puts the authenticated user on request.auth.
        user_id = getattr(getattr(request, "auth", None), "pk", None)
        status = response.status_code
        logger.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %s %.1fms user=%s",
            request.method,
            request.path,
            status,
            duration_ms,
            user_id if user_id is not None else "-",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response
