from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

# Headers that carry meaning for the client and must survive the rewrite.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


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
