"""The change feed's read: one statement, so one snapshot.

Tasks, deletions and the user's Feed row are read by one SELECT: on
PostgreSQL a statement sees one snapshot, on SQLite one read transaction.
Writers take their change numbers in commit order (sync/services.py), so in
that snapshot every number up to the Feed's ``last_seq`` is committed: when
nothing follows the page, the next position is after ``last_seq`` itself,
and no later commit can land below it.
"""

from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from signin.credentials import Credential
from sync.models import Feed, Tombstone
from sync.positions import START, Position, after_all
from tasks.models import Task
from tasks.selectors import LISTED_COLUMNS, LISTED_FIELDS, as_listed, fetch_rows
from todoproject.schemas import MAX_ID

_TASKS = Task._meta.db_table
_TOMBSTONES = Tombstone._meta.db_table
_FEED = Feed._meta.db_table
_PADDING = ", ".join(["NULL"] * (len(LISTED_FIELDS) - 1))

# Each part orders and limits itself (an index range scan), and Python merges
# them (a sort of the UNION would cost PostgreSQL more to plan than the
# whole query takes to run); ``kind`` 0 is the user's row, 1 a task, 2 a deletion. The
# user's row also says whether the user is active (no row: not). The NULLs
# stay outside the subqueries, where the UNION gives them the other parts'
# types (inside one, PostgreSQL would make them text). The token's session
# or personal access token is joined to the user's row (signin/credentials.py):
# no row either when it no longer stands.
_USER_ROW = (
    f"SELECT NULL AS id, {_PADDING}, 0 AS kind, COALESCE(feed.last_seq, 0) AS seq,"
    " COALESCE(feed.forgotten_seq, 0) AS forgotten"
    f" FROM users_user LEFT JOIN {_FEED} AS feed ON feed.user_id = users_user.id"
)
_ACTIVE_USER = " WHERE users_user.id = %s AND users_user.is_active"
_CHANGED = (
    f"SELECT {', '.join(LISTED_FIELDS)}, 1, seq, NULL FROM (SELECT {LISTED_COLUMNS}, {_TASKS}.change_seq AS seq"
    f" FROM {_TASKS} WHERE {_TASKS}.user_id = %s AND ({_TASKS}.change_seq, {_TASKS}.id) > (%s, %s)"
    f" ORDER BY {_TASKS}.change_seq, {_TASKS}.id LIMIT %s) AS changed"
)
_DELETED = (
    f"SELECT id, {_PADDING}, 2, seq, NULL FROM (SELECT task_id AS id, seq"
    f" FROM {_TOMBSTONES} WHERE user_id = %s AND (seq, task_id) > (%s, %s)"
    " ORDER BY seq, task_id LIMIT %s) AS deleted"
)

_KIND = len(LISTED_FIELDS)

# The question most calls ask (a client polling with the position after all it
# has): is there anything after it? The feed row alone answers it, as cheaply
# as a get, where the UNION costs PostgreSQL more to plan than to run.
_LAST_SEQ = (
    f"SELECT COALESCE(feed.last_seq, 0) FROM users_user LEFT JOIN {_FEED} AS feed ON feed.user_id = users_user.id"
)


def _of_active_user(sql: str, *, user_id: int, credential: Credential) -> tuple[str, list[Any]]:
    """``sql`` (from users_user) narrowed to the active user whose token's credential stands."""
    join, params = credential.join_sql(now=timezone.now())
    return sql + join + _ACTIVE_USER, [*params, user_id]


class ChangesPage(NamedTuple):
    tasks: list[dict[str, Any]]
    deleted: list[int]
    next_position: Position
    has_more: bool


class PositionForgotten(Exception):
    """Deletions after the position were forgotten (manage.py forget_deletions): start again."""


def _deletions_after(position: Position) -> tuple[int, int]:
    # A full sync's floor: deletions at or below it are of tasks it never listed.
    return max((position.seq, position.task_id), (position.floor, MAX_ID))


def changes_page(
    *, user_id: int, credential: Credential, since: Position | None, limit: int
) -> ChangesPage | None:
    """At most ``limit`` changes of the user's tasks after ``since`` (every
    task when None) in change order, and the position to read on from;
    None when the user is not active or the token's credential no longer stands.

    One query, or two when a position after everything up to a number has
    changes after it (the first finds out there are).
    """
    if since is not None and since.task_id == MAX_ID:
        with connection.cursor() as cursor:
            cursor.execute(*_of_active_user(_LAST_SEQ, user_id=user_id, credential=credential))
            row = cursor.fetchone()
        if row is None:
            return None
        if row[0] == since.seq:
            return ChangesPage([], [], since, False)
    position = since or START
    user_row, params = _of_active_user(_USER_ROW, user_id=user_id, credential=credential)
    parts, params = [user_row, _CHANGED], [*params, user_id, position.seq, position.task_id, limit + 1]
    deletions_after = _deletions_after(position)
    if since is not None:
        parts.append(_DELETED)
        params += [user_id, *deletions_after, limit + 1]
    rows = fetch_rows(" UNION ALL ".join(parts), params)
    user_row = next((row for row in rows if row[_KIND] == 0), None)
    if user_row is None:
        return None
    _, last_seq, forgotten_seq = user_row[_KIND:]
    # Beyond the last number: made before a restore of an older backup; the
    # numbers up to it will be taken again by other writes.
    if since is not None and (_forgotten_after(forgotten_seq, deletions_after) or position.seq > last_seq):
        raise PositionForgotten
    changes = sorted((row for row in rows if row[_KIND] != 0), key=lambda row: (row[_KIND + 1], row[0]))
    has_more = len(changes) > limit
    changes = changes[:limit]
    if has_more:
        last = changes[-1]
        floor = position.floor if since is not None else last_seq
        next_position = Position(last[_KIND + 1], last[0], floor)
    else:
        next_position = after_all(last_seq)
    tasks = [as_listed(row[:_KIND]) for row in changes if row[_KIND] == 1]
    deleted = [row[0] for row in changes if row[_KIND] == 2]
    return ChangesPage(tasks, deleted, next_position, has_more)


def _forgotten_after(forgotten_seq: int, deletions_after: tuple[int, int]) -> bool:
    """Whether a deletion the client has not seen may have been forgotten.

    The forgotten deletions are every one numbered up to ``forgotten_seq``
    (whole writes: a bulk delete's deletions share one number and one time).
    """
    seq, task_id = deletions_after
    return forgotten_seq > seq or (0 < forgotten_seq == seq and task_id != MAX_ID)
