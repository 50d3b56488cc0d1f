"""The API's reads, in SQL, and the row code the writes share with them.

Every list and get request runs one of these, and as querysets they cost more
than the query itself: building and compiling the equivalent queryset took
0.6 ms of a 0.93 ms get and 0.76 ms of a 1.8 ms page (in-process, PostgreSQL),
which kept the service under half the raw-psycopg floor of bench/. Written out
they are the SQL the ORM generated, through Django's own cursor (so its
connection handling, health checks and query logging still apply), with the
ORM's own converters on the values. tests/test_selectors.py holds them to the
ORM's answers on every backend the suite runs on.

Every value is a bound parameter; the only SQL chosen by a request is a sort's
from the SORTS allow-list.
"""

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, fields
import zoneinfo
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import orjson
from django.db import connection
from django.utils import timezone

from signin.credentials import SIGNATURE_ONLY, Credential
from tasks.models import PRIORITY_NAMES, Priority, Task
from tasks.pagination import Position, query_binding
from todoproject.postgresql import planned_per_run
from todoproject.rows import columns, fetch

# What a list row carries: the API's Task, nothing more, in the model's field
# order (as_listed reads the values by their place). Reads select these
# columns and writes return them (tasks/services.py), so a field added here
# is read, listed and answered by every write alike.
LISTED_FIELDS = (
    "id",
    "user_id",
    "title",
    "description",
    "completed",
    "completed_at",
    "priority",
    "tags",
    "due_date",
    "due_time",
    "created_at",
    "updated_at",
)
# Qualified: the writes join tables that have an id too (tasks/services.py).
LISTED_COLUMNS = columns(Task, LISTED_FIELDS)

# Only while the user is active and the token's session or personal access
# token still stands (signin/credentials.py), so a read needs no user query
# of its own (users/auth.py): a deactivated or deleted user's reads, and
# those of an ended session or a revoked token, find nothing. The check is a
# subquery of no outer column, so PostgreSQL runs it once per query (a
# one-time filter), not once per row as a join of it was.
_SELECT_OWN_TASKS = f"SELECT {LISTED_COLUMNS} FROM tasks_task WHERE tasks_task.user_id = %s"


def _standing_sql(*, user_id: int, credential: Credential) -> tuple[str, list[Any]]:
    join, params = credential.join_sql(now=timezone.now())
    return (
        f" AND EXISTS (SELECT 1 FROM users_user{join} WHERE users_user.id = %s AND users_user.is_active)",
        [*params, user_id],
    )


def _own_tasks(*, user_id: int, credential: Credential) -> tuple[str, list[Any]]:
    standing, params = _standing_sql(user_id=user_id, credential=credential)
    return _SELECT_OWN_TASKS + standing, [user_id, *params]


class Sort(NamedTuple):
    """A list order: a leading key (None: created_at alone), its direction,
    then the tie-breakers created_at DESC, id DESC. Each has an index of its
    own in this order (tasks/models.py)."""

    key: str | None
    descending: bool
    # The listed field that holds the key's value, or None when the key is
    # read as one more column (it is not part of the API's Task).
    field: str | None


SORTS = {
    "-created_at": Sort(None, descending=True, field=None),
    "created_at": Sort("tasks_task.created_at", descending=False, field="created_at"),
    "due": Sort("tasks_task.due_rank", descending=True, field=None),
    "-priority": Sort("tasks_task.priority", descending=True, field="priority"),
    "-updated_at": Sort("tasks_task.updated_at", descending=True, field="updated_at"),
    "title": Sort("lower(tasks_task.title)", descending=False, field=None),
}
DEFAULT_SORT = "-created_at"


@dataclass(frozen=True)
class TaskFilters:
    """The list's filters, all combined (AND). Tags are normalised already."""

    completed: bool | None = None
    priorities: tuple[Priority, ...] = ()
    tags: tuple[str, ...] = ()
    q: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    has_due: bool | None = None
    overdue: bool | None = None


def _plan_depends_on_values(filters: TaskFilters) -> bool:
    """Whether how many tasks the filters keep decides the best plan: a tag,
    a word, priorities or dates that keep few are found through an index of
    their own, ones that keep many by reading the sort's index until the page
    is full. Such a list is planned for its values on every run; the others'
    one generic plan is their sort's index scan (todoproject/settings.py)."""
    return bool(
        filters.tags
        or filters.priorities
        or filters.q is not None
        or filters.due_from is not None
        or filters.due_to is not None
        or filters.overdue is not None
    )


def list_binding(*, sort: str, filters: TaskFilters) -> str:
    """What a cursor of this list is bound to: the sort and the normalised filters."""
    return query_binding([sort, *(getattr(filters, field.name) for field in fields(filters))])


def fetch_rows(sql: str, params: list[Any]) -> list[Sequence[Any]]:
    """Run ``sql``, whose result starts with LISTED_COLUMNS, and return its rows
    with the listed values as the ORM would give them (columns after those
    are returned as the driver gave them)."""
    return fetch(sql, params, model=Task, fields=LISTED_FIELDS)


def _datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def sqlite_local_time(instant: str, zone: str) -> str | None:
    """The wall-clock time in ``zone`` at ``instant`` (ISO, UTC), as
    ``YYYY-MM-DD HH:MM:SS.ffffff``: registered on every SQLite connection
    (tasks/apps.py), which has no timezones of its own. Not Django's
    django_datetime_cast_date: it reads "Etc/GMT+12" as "Etc/GMT" shifted by
    12 hours, the wrong way."""
    try:
        local = datetime.fromisoformat(instant).replace(tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(zone))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    return local.strftime("%Y-%m-%d %H:%M:%S.%f")


def _local_now_sql() -> tuple[str, str]:
    """SQL for today's date and the time of day in the owner's timezone, given
    the current instant and the owner's id as parameters: the timezone is
    read by a subquery of the list's own statement (of no outer column, so
    run once), and "overdue" costs no query of its own."""
    owner_timezone = "(SELECT users_user.timezone FROM users_user WHERE users_user.id = %s)"
    if connection.vendor == "postgresql":
        local = f"(CAST(%s AS timestamptz) AT TIME ZONE {owner_timezone})"
        return f"CAST({local} AS date)", f"CAST({local} AS time)"
    # Text in both: due_date is YYYY-MM-DD, due_time HH:MM:SS, which compare as such.
    local = f"sqlite_local_time(%s, {owner_timezone})"
    return f"substr({local}, 1, 10)", f"substr({local}, 12)"


def has_tag_sql() -> str:
    """A condition on a row of tasks_task: it carries the tag given as its one parameter."""
    if connection.vendor == "postgresql":
        return "tasks_task.tags @> jsonb_build_array(CAST(%s AS text))"
    return "EXISTS (SELECT 1 FROM json_each(tasks_task.tags) WHERE json_each.value = %s)"


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filter_sql(filters: TaskFilters, *, user_id: int) -> tuple[str, list[Any]]:
    sql, params = "", []
    postgresql = connection.vendor == "postgresql"
    if filters.completed is not None:
        sql += " AND tasks_task.completed = %s"
        params.append(filters.completed)
    if filters.priorities:
        sql += f" AND tasks_task.priority IN ({', '.join(['%s'] * len(filters.priorities))})"
        params += [int(priority) for priority in filters.priorities]
    if filters.tags and postgresql:
        # All of them in one containment, which the GIN index on tags answers.
        sql += " AND tasks_task.tags @> CAST(%s AS jsonb)"
        params.append(orjson.dumps(filters.tags).decode())
    elif filters.tags:
        for tag in filters.tags:
            sql += f" AND {has_tag_sql()}"
            params.append(tag)
    if filters.q is not None and postgresql:
        # The trigram index's expression exactly (migration 0005).
        sql += " AND (tasks_task.title || chr(1) || tasks_task.description) ILIKE %s"
        params.append(_like_pattern(filters.q))
    elif filters.q is not None:
        # SQLite's LIKE ignores the case of ASCII letters only.
        sql += " AND (tasks_task.title LIKE %s ESCAPE '\\' OR tasks_task.description LIKE %s ESCAPE '\\')"
        params += [_like_pattern(filters.q)] * 2
    if filters.due_from is not None:
        sql += " AND tasks_task.due_date >= %s"
        params.append(filters.due_from)
    if filters.due_to is not None:
        sql += " AND tasks_task.due_date <= %s"
        params.append(filters.due_to)
    if filters.has_due is not None:
        sql += f" AND tasks_task.due_date IS {'NOT ' if filters.has_due else ''}NULL"
    if filters.overdue is not None:
        today, time_now = _local_now_sql()
        # Never NULL (so NOT is its complement): open, dated, and a day
        # before today or today with a time already past. A task due today
        # without a time is due by the end of the day, not overdue.
        overdue = (
            "(NOT tasks_task.completed AND tasks_task.due_date IS NOT NULL"
            f" AND (tasks_task.due_date < {today} OR (tasks_task.due_date = {today}"
            f" AND tasks_task.due_time IS NOT NULL AND tasks_task.due_time < {time_now})))"
        )
        sql += f" AND {'' if filters.overdue else 'NOT '}{overdue}"
        now = _datetime(timezone.now())
        params += [now, user_id] * 3
    return sql, params


def _after_sql(sort: Sort, after: Position) -> tuple[str, list[Any]]:
    """The rows strictly after ``after`` in ``sort``'s order, as index bounds.

    A row comparison, which both databases turn into the bounds of the index
    range scan itself; written as ORs it is only a filter, and PostgreSQL's
    planner misjudged how many rows it keeps and sorted. An ascending key
    cannot share one comparison with the descending tie-breakers: its bound
    (key >= value) starts the range scan, and only rows tied with the
    cursor's key are filtered (titles or instants rarely tie).
    """
    ties = "(tasks_task.created_at, tasks_task.id) < (%s, %s)"
    tie_params = [_datetime(after.created_at), after.id]
    key_value = _datetime(after.key) if isinstance(after.key, datetime) else after.key
    if sort.key is None:
        return f" AND {ties}", tie_params
    if sort.key == "tasks_task.created_at":
        # The key is the first tie-breaker itself: only the id breaks its ties.
        return (
            " AND tasks_task.created_at >= %s AND (tasks_task.created_at > %s OR tasks_task.id < %s)",
            [key_value, key_value, after.id],
        )
    if sort.descending:
        return f" AND ({sort.key}, tasks_task.created_at, tasks_task.id) < (%s, %s, %s)", [key_value, *tie_params]
    return f" AND {sort.key} >= %s AND ({sort.key} > %s OR {ties})", [key_value, key_value, *tie_params]


def _order_sql(sort: Sort) -> str:
    ties = "tasks_task.created_at DESC, tasks_task.id DESC"
    if sort.key is None:
        return ties
    if sort.key == "tasks_task.created_at":
        return "tasks_task.created_at ASC, tasks_task.id DESC"
    return f"{sort.key} {'DESC' if sort.descending else 'ASC'}, {ties}"


# A task as the API shows it, TaskOut's fields and types exactly
# (tests/test_selectors.py holds them to it): what the reads and writes
# answer, sent to the renderer as it is.
ListedTask = dict[str, Any]


def as_listed(row: Sequence[Any]) -> ListedTask:
    """A row of LISTED_COLUMNS as the API shows a task (priority by name, due_time as HH:MM)."""
    # A dict display of the row's values by their place in LISTED_FIELDS:
    # dict(zip(LISTED_FIELDS, row)) took 1.8 times the instructions, for
    # every row of every page. tests/test_selectors.py compares each value
    # with the ORM's, so a field moved there and not here fails it.
    due_time = row[9]
    return {
        "id": row[0],
        "user_id": row[1],
        "title": row[2],
        "description": row[3],
        "completed": row[4],
        "completed_at": row[5],
        "priority": PRIORITY_NAMES[row[6]],
        "tags": row[7],
        "due_date": row[8],
        "due_time": None if due_time is None else due_time.strftime("%H:%M"),
        "created_at": row[10],
        "updated_at": row[11],
    }


class TaskPage(NamedTuple):
    tasks: list[ListedTask]
    # Where the next page starts, or None on the last page.
    after: Position | None


def task_list(
    *,
    user_id: int,
    credential: Credential,
    filters: TaskFilters = TaskFilters(),
    sort: str = DEFAULT_SORT,
    after: Position | None = None,
    limit: int,
) -> TaskPage:
    """At most ``limit`` of the user's tasks matching ``filters``, in ``sort``'s
    order, strictly after ``after``; none unless the user is active and the
    token's credential stands.

    Rows are dicts of LISTED_FIELDS as the API shows them, not Task
    instances: building 100 model instances cost 0.3 ms of a 1.8 ms page,
    for a response that is only data.
    """
    order = SORTS[sort]
    extra_key = order.key is not None and order.field is None
    # A key that is not a listed field rides along as one more column, for the next cursor.
    sql, params = _own_tasks(user_id=user_id, credential=credential)
    if extra_key:
        sql = sql.replace(" FROM ", f", {order.key} FROM ", 1)
    filter_sql, filter_params = _filter_sql(filters, user_id=user_id)
    sql += filter_sql
    params += filter_params
    if after is not None:
        after_sql, after_params = _after_sql(order, after)
        sql += after_sql
        params += after_params
    # One row more than asked tells whether a next page exists, without a COUNT.
    sql += f" ORDER BY {_order_sql(order)} LIMIT %s"
    with planned_per_run() if _plan_depends_on_values(filters) else nullcontext():
        rows = fetch_rows(sql, [*params, limit + 1])
    if len(rows) <= limit:
        return TaskPage([as_listed(row) for row in rows], None)
    rows = rows[:limit]
    last = dict(zip(LISTED_FIELDS, rows[-1]))
    key = rows[-1][-1] if extra_key else None if order.field is None else last[order.field]
    return TaskPage([as_listed(row) for row in rows], Position(key, last["created_at"], last["id"]))


def task_get(*, user_id: int, credential: Credential, task_id: int) -> ListedTask:
    """The user's task as the API shows it; Task.DoesNotExist when it is
    missing, someone else's, the user is not active or the token's
    credential no longer stands."""
    sql, params = _own_tasks(user_id=user_id, credential=credential)
    rows = fetch_rows(sql + " AND tasks_task.id = %s", [*params, task_id])
    if not rows:
        raise Task.DoesNotExist("Task matching query does not exist.")
    return as_listed(rows[0])


def tag_counts(*, user_id: int, credential: Credential = SIGNATURE_ONLY) -> list[dict[str, Any]]:
    """Every tag on the user's tasks with how many carry it, A→Z (by code
    point, the same on both databases); none unless the user is active and
    the token's credential stands (the admin has no token: SIGNATURE_ONLY)."""
    if connection.vendor == "postgresql":
        tags = "jsonb_array_elements_text(tasks_task.tags) AS tag(name)"
        name = 'tag.name COLLATE "C"'
    else:
        tags = "json_each(tasks_task.tags) AS tag"
        name = "tag.value"
    standing, params = _standing_sql(user_id=user_id, credential=credential)
    sql = (
        f"SELECT {name}, COUNT(*) FROM tasks_task CROSS JOIN {tags}"
        f" WHERE tasks_task.user_id = %s{standing} GROUP BY {name} ORDER BY {name}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, *params])
        return [{"name": name, "count": count} for name, count in cursor.fetchall()]
