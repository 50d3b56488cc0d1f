"""Entity tags for tasks (RFC 9110 §8.8.3).

A task's tag is its updated_at in microseconds. Every write moves updated_at
(the contract says so, and the services, the admin and the bulk actions all
do), so the tag changes whenever the representation does. Being a column
value, it can be checked inside the very UPDATE or DELETE it guards, which
makes If-Match race-free without a lock or an extra query.
"""

import re
from datetime import datetime

from tasks.selectors import ListedTask
from tasks.timestamps import from_micros, to_micros

_STRONG_TAG = re.compile(r'"(\d{1,19})"')


def task_etag(task: ListedTask) -> str:
    return f'"{to_micros(task["updated_at"])}"'


def etag_versions(etags: list[str]) -> list[datetime] | None:
    """The updated_at values an If-Match names, or None for ``*`` (any version).

    Weak and malformed tags name no version: If-Match compares strongly.
    """
    if "*" in etags:
        return None
    versions = []
    for tag in etags:
        match = _STRONG_TAG.fullmatch(tag)
        if match:
            try:
                versions.append(from_micros(int(match[1])))
            except OverflowError:
                continue
    return versions


def etag_matches_weakly(task: ListedTask, etags: list[str]) -> bool:
    """If-None-Match: tags compare without their ``W/`` prefix."""
    current = task_etag(task)
    return "*" in etags or any(tag.removeprefix("W/") == current for tag in etags)


def etag_versions_weakly(etags: list[str]) -> list[datetime] | None:
    """The updated_at values an If-None-Match names, ``W/`` or not; None for ``*``."""
    return etag_versions([tag.removeprefix("W/") for tag in etags])
