"""The admin's login, behind the API's login limits (per address and per email).

The admin's accounts are the most powerful ones, and Django's login view
has no limit of its own: 60 wrong superuser passwords in 15 s were all
answered. The limits are the API's (todoproject/throttles.py), counted in
the same windows, so an account has one budget of guesses for both doors.
"""

import math

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from todoproject.throttles import AdminLoginEmailThrottle, AuthIpThrottle

THROTTLES = (AuthIpThrottle(), AdminLoginEmailThrottle())


def login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    if request.method == "POST":
        # Each throttle counts the attempt, so both are asked.
        waits = [throttle.wait() or 1 for throttle in THROTTLES if not throttle.allow_request(request)]
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            context = {**admin.site.each_context(request), "title": "Too many login attempts", "retry_after": retry_after}
            response = TemplateResponse(request, "admin/too_many_login_attempts.html", context, status=429)
            response["Retry-After"] = str(retry_after)
            return response
    return admin.site.login(request, extra_context)
