"""Rate limits on top of Ninja's throttling, counted in Django's cache.

Rates come from ``settings.THROTTLE_RATES`` at each request, so a deploy (or
a test) changes them without code. Each check is one cache ``add`` or
``incr`` on a counter per key and fixed window: constant cost at any rate,
unlike Ninja's SimpleRateThrottle, which re-stores a list of every request's
timestamp. The price is that a client can spend up to twice the rate across
a window boundary.
"""

import hashlib
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.throttling import BaseThrottle, SimpleRateThrottle

from todoproject.parsers import BodyNotJSON, request_json
from users.models import normalize_email

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@lru_cache
def _parse(rate: str) -> tuple[int, int]:
    """(requests, period in seconds), by Ninja's rules for rate strings."""
    parsed = SimpleRateThrottle(rate)
    return parsed.num_requests, parsed.duration  # type: ignore[return-value]


class FixedWindowThrottle(BaseThrottle):
    scope: str

    def ident(self, request: HttpRequest) -> str | None:
        """Who is counted; None leaves the request alone."""
        raise NotImplementedError

    def _limit(self) -> tuple[int, int] | None:
        rate = settings.THROTTLE_RATES.get(self.scope)
        return _parse(rate) if rate else None

    def allow_request(self, request: HttpRequest) -> bool:
        limit = self._limit()
        if limit is None:
            return True
        ident = self.ident(request)
        if ident is None:
            return True
        count_allowed, period = limit
        key = f"throttle:{self.scope}:{ident}:{int(time.time() // period)}"
        # add() starts the window's counter only if it is absent; incr() is
        # atomic in the local-memory and Redis caches, so concurrent
        # requests are all counted.
        if cache.add(key, 1, period + 1):
            return count_allowed >= 1
        try:
            return cache.incr(key) <= count_allowed
        except ValueError:
            # The counter expired between add() and incr(): a new window.
            cache.add(key, 1, period + 1)
            return True

    def wait(self) -> float | None:
        """Seconds until the current window ends (no per-request state: threads share this object)."""
        limit = self._limit()
        if limit is None:
            return None
        period = limit[1]
        return period - time.time() % period


class AuthIpThrottle(FixedWindowThrottle):
    """Login and registration attempts per client address."""

    scope = "auth_ip"

    def ident(self, request: HttpRequest) -> str | None:
        return self.get_ident(request)


class AuthEmailThrottle(FixedWindowThrottle):
    """Login and registration attempts per email, from any number of addresses."""

    scope = "auth_email"

    def email(self, request: HttpRequest) -> object:
        """The email the attempt is for, as the API will read it (one parse, todoproject/parsers.py)."""
        try:
            body = request_json(request)
        except (BodyNotJSON, RequestDataTooBig):
            return None
        return body.get("email") if isinstance(body, dict) else None

    def ident(self, request: HttpRequest) -> str | None:
        email = self.email(request)
        if not isinstance(email, str):
            # Counted all the same, for the address: no shape of body may
            # make an attempt uncounted.
            return f"unread:{self.get_ident(request)}"
        # Hashed: bounded key length, and no addresses in a shared cache.
        return hashlib.sha256(normalize_email(email).encode()).hexdigest()


class AdminLoginEmailThrottle(AuthEmailThrottle):
    """The same count per email for the admin's login form, whose field is "username":
    one budget per account, whichever door the guesses come through."""

    def email(self, request: HttpRequest) -> object:
        return request.POST.get("username")


class AuthAccountThrottle(AuthEmailThrottle):
    """A signed-in caller's password checks (``/password``), counted in the
    same budget as logins to that account's email."""

    def email(self, request: HttpRequest) -> object:
        return request.auth.email


class WritesUserThrottle(FixedWindowThrottle):
    """Writes per authenticated user (reads are not limited)."""

    scope = "writes_user"

    def ident(self, request: HttpRequest) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        return str(request.auth.pk)
