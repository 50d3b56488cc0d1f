"""Writes to the change feed: how every write to tasks takes its change number.

A write takes its user's next number by updating that user's Feed row, in
the writing transaction and before it touches any task row. The row's lock
is held until the writer commits, so one user's writes commit in the order
of their numbers, and every writer takes its locks in one order (feed rows by
user, then tasks): no deadlock between them.

On PostgreSQL a write stays one statement: the upsert of the Feed row is a
data-modifying CTE of the write itself (``numbered``), an autocommit
statement being its own transaction. SQLite cannot write in a CTE, so there
the number is taken by a statement of its own inside a transaction
(``numbered`` too): BEGIN IMMEDIATE, the upsert, the write.

Given the caller's token's credential, the number is taken only while the
user is active and the credential stands (the join the reads make,
signin/credentials.py), and the write joins the number: so the one statement
is also the write's authentication, and a refused caller writes nothing.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from signin.credentials import Credential
from sync.models import Feed, Tombstone

# SQL and its parameters: a statement, or a part of one.
Sql = tuple[str, list[Any]]

_FEED = Feed._meta.db_table
_TOMBSTONES = Tombstone._meta.db_table
_NEXT = "sync_next"
_TAKE_ON_CONFLICT = f" ON CONFLICT (user_id) DO UPDATE SET last_seq = {_FEED}.last_seq + 1 RETURNING last_seq"

# Deletions are remembered at least this long (the contract's promise).
KEPT_FOR = timedelta(days=30)


def _in_one_statement() -> bool:
    return connection.vendor == "postgresql"


def _take_sql(*, user_id: int, credential: Credential | None) -> Sql:
    """The upsert that takes the user's next number, creating the row at the
    user's first write; with a credential, it takes none (returns no row)
    unless the user is active and the credential stands."""
    columns = f"INSERT INTO {_FEED} (user_id, last_seq, forgotten_seq)"
    if credential is None:
        return f"{columns} VALUES (%s, 1, 0){_TAKE_ON_CONFLICT}", [user_id]
    join, params = credential.join_sql(now=timezone.now())
    return (
        f"{columns} SELECT users_user.id, 1, 0 FROM users_user{join}"
        f" WHERE users_user.id = %s AND users_user.is_active{_TAKE_ON_CONFLICT}",
        [*params, user_id],
    )


class Numbering(NamedTuple):
    """How a write statement gets its change number."""

    # The number's SQL expression.
    seq: Sql
    # The relation holding it, which the write must join (UPDATE … FROM,
    # INSERT … SELECT … FROM, DELETE … USING), or None: with no row there
    # the caller was refused and the write must change nothing.
    source: str | None


def numbered(
    *, user_id: int, write: Callable[[Numbering], Sql], credential: Credential | None = None
) -> Sql | None:
    """How ``write`` gets the user's next change number; None when the
    credential is refused and there is nothing to run.

    ``write(numbering)`` builds the statement. On PostgreSQL the result is
    that statement with the CTE that takes the number, to run as it is (it
    changes nothing for a refused caller). Elsewhere, the number is taken
    here and the caller must already be in a transaction (feed_write) for
    its lock to last.
    """
    if _in_one_statement():
        take_sql, take_params = _take_sql(user_id=user_id, credential=credential)
        sql, params = write(Numbering((f"{_NEXT}.last_seq", []), _NEXT))
        return f"WITH {_NEXT} AS ({take_sql}) {sql}", [*take_params, *params]
    seq = _take(user_id=user_id, credential=credential)
    return None if seq is None else write(Numbering(("%s", [seq]), None))


def _take(*, user_id: int, credential: Credential | None = None) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(*_take_sql(user_id=user_id, credential=credential))
        row = cursor.fetchone()
    return None if row is None else row[0]


@contextmanager
def feed_write() -> Iterator[None]:
    """The transaction a numbered write needs on a backend that cannot take
    the number in the writing statement itself; nothing on PostgreSQL."""
    if _in_one_statement():
        yield
        return
    with transaction.atomic():
        yield


def numbered_delete(
    *, user_id: int, where: Sql, returning: str, now: datetime, credential: Credential | None = None
) -> list[Sql]:
    """The statements that delete the tasks ``where`` selects (of this user
    only, which ``where`` must say) and remember them as deleted, the last
    returning ``returning`` (columns of tasks_task) of each deleted task;
    none when the credential is refused (see numbered).

    One statement on PostgreSQL; on SQLite the deletions are recorded first,
    then the tasks deleted, inside feed_write's transaction.
    """
    where_sql, where_params = where
    tombstone_columns = f"INSERT INTO {_TOMBSTONES} (user_id, task_id, seq, deleted_at)"
    deleted_at = connection.ops.adapt_datetimefield_value(now)
    if _in_one_statement():
        # The DELETE joins the number's CTE, so the Feed row is locked before
        # any task row is: a DELETE has no projection that would evaluate a
        # scalar subquery before it deletes.
        take_sql, take_params = _take_sql(user_id=user_id, credential=credential)
        sql = (
            f"WITH {_NEXT} AS ({take_sql}),"
            f" gone AS (DELETE FROM tasks_task USING {_NEXT}{where_sql}"
            f" RETURNING tasks_task.*, {_NEXT}.last_seq AS deleted_seq),"
            f" remembered AS ({tombstone_columns} SELECT user_id, id, deleted_seq, %s FROM gone)"
            # Named as the table, so ``returning`` reads the same on both backends.
            f" SELECT {returning} FROM gone AS tasks_task"
        )
        return [(sql, [*take_params, *where_params, deleted_at])]
    seq = _take(user_id=user_id, credential=credential)
    if seq is None:
        return []
    return [
        (f"{tombstone_columns} SELECT user_id, id, %s, %s FROM tasks_task{where_sql}", [seq, deleted_at, *where_params]),
        (f"DELETE FROM tasks_task{where_sql} RETURNING {returning}", where_params),
    ]


@contextmanager
def feed_transaction(*, user_ids: Iterable[int]) -> Iterator[dict[int, int]]:
    """A transaction in which every listed user has taken a new change number,
    for writes through the ORM (the admin's); yields user id → number, which
    their tasks' change_seq must take.

    The Feed rows are taken in user order, so two such transactions over
    overlapping users cannot deadlock.
    """
    with transaction.atomic():
        yield {user_id: _take(user_id=user_id) for user_id in sorted(set(user_ids))}


def tombstones_record(*, tasks: Iterable[tuple[int, int]], seqs: dict[int, int], now: datetime) -> None:
    """Remember (user id, task id) pairs as deleted, inside the feed_transaction that gave ``seqs``."""
    Tombstone.objects.bulk_create(
        Tombstone(user_id=user_id, task_id=task_id, seq=seqs[user_id], deleted_at=now) for user_id, task_id in tasks
    )


def tombstones_forget(*, now: datetime | None = None) -> int:
    """Forget the deletions older than KEPT_FOR; returns how many.

    Each user's Feed remembers the highest number forgotten, in the same
    transaction, so a client whose position is older is told to start again
    (410) instead of missing a deletion. Safe to run at any time, and again:
    a second run finds nothing.
    """
    cutoff = (now or timezone.now()) - KEPT_FOR
    old = Tombstone.objects.filter(deleted_at__lt=cutoff)
    with transaction.atomic():
        # Locked in user order, as feed_transaction takes them.
        list(Feed.objects.filter(user_id__in=old.values("user_id")).order_by("user_id").select_for_update().values_list("pk"))
        newest_forgotten = Subquery(
            old.filter(user_id=OuterRef("user_id")).values("user_id").annotate(seq=Max("seq")).values("seq")
        )
        Feed.objects.filter(user_id__in=old.values("user_id")).update(
            forgotten_seq=Greatest(F("forgotten_seq"), newest_forgotten)
        )
        forgotten, _ = old.delete()
    return forgotten
