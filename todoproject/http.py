"""The WSGI handler the service runs: Django's, whose requests look headers up when asked."""

from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http.request import HttpHeaders
from django.utils.functional import cached_property


class LazyHttpHeaders(HttpHeaders):
    """``request.headers``, answering a lookup from the environ directly.

    Django's builds its case-insensitive map of every header on first use,
    and every API request makes that use twice over (Ninja's bearer auth
    reads Authorization, CORS reads Origin): a twentieth of a get's
    instructions. A lookup here finds the same environ key Django's map was
    made from (``to_wsgi_name``, which also reads ``_`` as ``-``); iterating,
    counting or comparing builds Django's own map, once.
    """

    def __init__(self, environ):
        self._environ = environ

    @cached_property
    def _store(self):
        return HttpHeaders(self._environ)._store

    def __getitem__(self, key):
        return self._environ[self.to_wsgi_name(key)]

    def __contains__(self, key):
        return self.to_wsgi_name(key) in self._environ

    def get(self, key, default=None):
        return self._environ.get(self.to_wsgi_name(key), default)


class Request(WSGIRequest):
    @cached_property
    def headers(self):
        return LazyHttpHeaders(self.META)


class Handler(WSGIHandler):
    request_class = Request
