"""Django's PostgreSQL backend, less two costs every request paid, and able
to plan a statement for its own values each time (planned_per_run).

Selected in settings for every PostgreSQL ``DATABASE_URL``; everything not
overridden here is Django's own.
"""

import datetime
import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.postgres import types
from psycopg.pq import Format, TransactionStatus

from todoproject.postgresql import _planned_per_run

TIMESTAMPTZ_OID = types["timestamptz"].oid
# The loader psycopg registers itself: in C where psycopg[binary] is installed.
_PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class ServerBindingCursor(base.ServerBindingCursor):
    """Django's cursor, which prepares nothing run under planned_per_run()."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and _planned_per_run.get():
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if params["cursor_factory"] is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        return params

    def create_cursor(self, name=None):
        """Django's cursor, reading timestamps with psycopg's own loader.

        Django's loader calls psycopg's and then stamps the zone on again in
        Python, for every value; psycopg's alone already returns
        ``datetime.UTC``-aware values when the session zone is UTC, which
        Django sets on each connection (TIME_ZONE is UTC). Registered on the
        cursor, not the connection: Django reads a ``timezone`` off the
        connection's loader, which psycopg's C class cannot carry, and a
        Python subclass of it would be called per value like Django's.
        """
        cursor = super().create_cursor(name)
        if self.timezone == datetime.UTC:
            cursor.adapters.register_loader(TIMESTAMPTZ_OID, _PSYCOPG_TIMESTAMPTZ_LOADER)
        return cursor

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
