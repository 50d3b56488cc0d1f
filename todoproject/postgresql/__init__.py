"""Django's PostgreSQL backend, tuned: selected by settings for every PostgreSQL DATABASE_URL."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_planned_per_run = ContextVar("planned_per_run", default=False)


@contextmanager
def planned_per_run() -> Iterator[None]:
    """Statements run inside are planned for their own values every time,
    never prepared: the generic plan the server keeps for a prepared
    statement (settings: plan_cache_mode) is right only where the best plan
    does not depend on the values. Nothing on other backends."""
    token = _planned_per_run.set(True)
    try:
        yield
    finally:
        _planned_per_run.reset(token)
