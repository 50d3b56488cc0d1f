"""The database being away: 503 answers, recovery, and the probes for load balancers.

``/healthz`` says the process serves requests (no database involved), so a
load balancer or supervisor restarts only a stuck process. ``/readyz`` says
this instance can do useful work: the database answers and has every
migration this code expects, so traffic goes elsewhere until both hold.
"""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

# The database errors that mean "unreachable or not ready", not "bad request".
DB_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)

# Migrations are never unapplied under a running process, so once they are
# all in place the (disk-reading) check is not repeated.
_migrations_applied = False


def discard_broken_connections() -> None:
    """Close connections the server dropped, so the next query opens a new one.

    Django does this when a request finishes (an error marks the connection
    for a check), but not for code outside a request cycle; doing it as soon
    as the error is seen makes recovery independent of that.
    """
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


def database_unavailable(request: HttpRequest, exc: Exception) -> JsonResponse:
    # The driver's message names hosts and ports: it goes to the log only.
    logger.warning("Database unavailable: %s", exc)
    discard_broken_connections()
    response = JsonResponse({"detail": "Service temporarily unavailable, retry later."}, status=503)
    response["Retry-After"] = str(settings.DB_UNAVAILABLE_RETRY_AFTER)
    return response


def _migrations_pending() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return not _migrations_applied


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = _migrations_pending()
    except DB_UNAVAILABLE_ERRORS as exc:
        return database_unavailable(request, exc)
    if pending:
        return JsonResponse({"detail": "Database migrations are not applied."}, status=503)
    return JsonResponse({"status": "ready"})
