"""The admin's session, user and messages middleware run for /admin/ only."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from todoproject.middleware import AuthenticationMiddleware, MessageMiddleware, SessionMiddleware

# In MIDDLEWARE's order: the session first, then what reads it.
ADMIN_ONLY = [SessionMiddleware, AuthenticationMiddleware, MessageMiddleware]


def what_the_view_gets(path: str) -> set[str]:
    seen = set()

    def view(request):
        seen.update(name for name in ("session", "user", "_messages") if hasattr(request, name))
        return HttpResponse()

    handler = view
    for middleware in reversed(ADMIN_ONLY):
        handler = middleware(handler)
    handler(RequestFactory().get(path))
    return seen


@pytest.mark.parametrize("path", ["/admin/", "/admin/tasks/task/"])
def test_admin_pages_get_the_session_the_user_and_messages(path):
    assert what_the_view_gets(path) == {"session", "user", "_messages"}


@pytest.mark.parametrize("path", ["/api/7/tasks", "/api/auth/me", "/healthz", "/readyz", "/administrator"])
def test_other_requests_pass_by_them(path):
    assert what_the_view_gets(path) == set()
