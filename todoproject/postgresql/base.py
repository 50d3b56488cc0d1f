"""Django's PostgreSQL backend, less two costs every request paid.

Selected in settings for every PostgreSQL ``DATABASE_URL``; everything not
overridden here is Django's own.
"""

import datetime
import select
from functools import lru_cache

import psycopg
from django.db.backends.postgresql import base
from psycopg.adapt import AdaptersMap
from psycopg.postgres import types
from psycopg.pq import Format, TransactionStatus
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = types["timestamptz"].oid
# The loader psycopg registers itself: in C where psycopg[binary] is installed.
_PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(TimestamptzLoader):
    """psycopg's own timestamptz loader, labelled for Django.

    Django's loader calls psycopg's and then stamps the zone on again in
    Python, about 2 µs a value: half the time of a 100-task page with its
    three timestamps a row. psycopg's alone already returns
    ``datetime.UTC``-aware values when the session zone is UTC, which Django
    sets on each connection (TIME_ZONE is UTC). ``timezone`` is what Django
    compares to decide it need not swap the loader per cursor.
    """

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        # The C loader cannot be subclassed; bound here, psycopg calls it
        # for each value with no Python frame in between.
        self.load = _PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load


@lru_cache
def _with_utc_loader(adapters: AdaptersMap) -> AdaptersMap:
    context = AdaptersMap(adapters)
    context.register_loader("timestamptz", UtcTimestamptzLoader)
    return context


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        if self.timezone == datetime.UTC:
            params["context"] = _with_utc_loader(params["context"])
        return params

    def is_usable(self) -> bool:
        """Django's health check, asked only when the connection may be gone.

        Django checks a reused connection with a ``SELECT 1`` before the first
        query of each request: a round trip every request, on Neon a network
        one. An idle connection has nothing to read until the server ends it
        (a restart, a pooler's idle timeout, ``pg_terminate_backend``): its
        socket turns readable then, and only then is the round trip spent.
        """
        # Only outside a transaction: in one (a test's, or one that failed)
        # the question is also whether the transaction can go on.
        if self.connection is not None and self.connection.info.transaction_status == TransactionStatus.IDLE:
            # poll(), not a selectors.DefaultSelector: one system call, not
            # the four of an epoll set made and closed (14 → 1.4 µs).
            # Hang-ups and errors are reported whatever was asked for.
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLIN)
            if not poller.poll(0):
                return True
        return super().is_usable()
