import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact, GreaterThan, LessThanOrEqual

from tasks.tags import MAX_TAGS_PER_TASK, tags_normalize

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000


class Priority(models.IntegerChoices):
    """Stored as a small integer so that ``-priority`` is an index order;
    the API names the levels."""

    NONE = 0, "none"
    LOW = 1, "low"
    MEDIUM = 2, "medium"
    HIGH = 3, "high"


# Level -> the API's name of it: a dict lookup, not an enum call per row of a list.
PRIORITY_NAMES = dict(Priority.choices)


class TagsField(models.JSONField):
    """A JSON array of tag names, decoded with orjson: Django's JSONField
    decodes with the standard library's json, for every row of every list."""

    def from_db_value(self, value, expression, connection):
        if not isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            # As Django's JSONField does with a value that is not JSON.
            return value

    def deconstruct(self):
        # The column is a JSONField's: migrations keep saying so, and a
        # migration to this class would make SQLite rebuild the whole table.
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class _JSONFunction(Func):
    """A JSON function of a column, by its name on each backend."""

    names: dict[str, str]

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=self.names["sqlite"], **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=self.names["postgresql"], **extra)


class JSONArrayLength(_JSONFunction):
    """The number of elements of a JSON array."""

    names = {"sqlite": "json_array_length", "postgresql": "jsonb_array_length"}
    output_field = models.IntegerField()


class JSONType(_JSONFunction):
    """The JSON type of a value ("array", "object", ...)."""

    names = {"sqlite": "json_type", "postgresql": "jsonb_typeof"}
    output_field = models.CharField()


class DueRank(Func):
    """One integer that orders tasks for ``sort=due`` when read descending:
    sooner dates first, a day's all-day tasks before its timed ones, timed
    ones by time, undated tasks last (-1).

    Descending like the tie-breakers (-created_at, -id), so the whole sort
    key is one direction and a page's cursor is one row comparison that
    bounds an index range scan; with nullable date and time columns in
    mixed directions it would only be a filter over every tied row (all the
    undated tasks). Kept by the database as a generated column, so no write
    has to compute it.
    """

    output_field = models.BigIntegerField()
    # A day spans 86,400 seconds; 86,400 itself is the all-day slot, before 00:00.
    _DAY = 100_000

    def __init__(self):
        super().__init__(F("due_date"), F("due_time"))

    def as_sqlite(self, compiler, connection, **extra):
        days = "CAST(julianday('9999-12-31') - julianday(%(date)s) AS INTEGER)"
        seconds = (
            "(CAST(substr(%(time)s, 1, 2) AS INTEGER) * 3600 + CAST(substr(%(time)s, 4, 2) AS INTEGER) * 60"
            " + CAST(substr(%(time)s, 7, 2) AS INTEGER))"
        )
        return self._rank(compiler, connection, days, seconds)

    def as_postgresql(self, compiler, connection, **extra):
        days = "(DATE '9999-12-31' - %(date)s)"
        seconds = "CAST(FLOOR(EXTRACT(EPOCH FROM %(time)s)) AS INTEGER)"
        return self._rank(compiler, connection, days, seconds)

    def _rank(self, compiler, connection, days: str, seconds: str):
        (date_sql, date_params), (time_sql, time_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        template = (
            "CASE WHEN %(date)s IS NULL THEN -1 ELSE CAST({days} AS BIGINT) * {day}"
            " + CASE WHEN %(time)s IS NULL THEN {all_day} ELSE {last_second} - {seconds} END END"
        ).format(days=days, day=self._DAY, all_day=self._DAY - 1, last_second=self._DAY - 2, seconds=seconds)
        sql = template % {"date": date_sql, "time": time_sql}
        # Columns compile without parameters; a generated column allows none.
        assert not date_params and not time_params
        return sql, []


class Task(models.Model):
    # No index of its own: task_user_newest_idx leads with user and serves
    # every lookup by user. A second, user-only index led PostgreSQL's planner
    # to read all of a 1,000-task user's rows and sort them for each page.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NONE, blank=True)
    # Tags live on the task as a JSON array, not in a table of their own:
    # every single-task write stays one INSERT/UPDATE statement (a table
    # would need a transaction, three round trips more), a list or get reads
    # them with the row it reads anyway, and ``tag=`` is served on
    # PostgreSQL by a GIN index on tags (migration 0004) when the tag is
    # rare, and by the sort's index when it is common (SQLite reads them
    # with json_each). Normalised by the API and by clean().
    tags = TagsField(default=list, blank=True)
    # Wall-clock values in the owner's timezone, stored as sent.
    due_date = models.DateField(null=True, blank=True)
    due_time = models.TimeField(null=True, blank=True)
    due_rank = models.GeneratedField(expression=DueRank(), output_field=models.BigIntegerField(), db_persist=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The Idempotency-Key of the request that created the task, and a hash of
    # that request's body: a retry finds its task by key and must match it.
    # Kept as long as the task is, so a retry is safe for its whole life.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The number of the write that last changed the task in its owner's
    # change sequence (sync.models.Feed), which every write takes in its
    # own transaction: GET /changes lists tasks after a position in it.
    change_seq = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves "this user's tasks, newest first" and its keyset pages
            # as one index range scan, whatever the user's task count.
            models.Index(fields=["user", "-created_at", "-id"], name="task_user_newest_idx"),
            # The same for ?completed=true|false: without it, listing a few
            # completed tasks among many open ones reads every one of them.
            models.Index(fields=["user", "completed", "-created_at", "-id"], name="task_user_status_newest_idx"),
            # The change feed: a user's tasks after a (change_seq, id) position, in that order.
            models.Index(fields=["user", "change_seq", "id"], name="task_user_change_idx"),
            # One index per sort of the list, and each again after `completed`,
            # each ending in the tie-breakers, so every sort and every sort
            # with ?completed= is one range scan. sort=created_at reads the
            # two above backwards, sorting only tasks created in the same
            # microsecond (their ties go -id): an index of its own in that
            # order, denser than these (tasks arrive in its order), won the
            # planner over for -created_at too, with a sort of every tie.
            # (A GIN index for ?tag= and a trigram one for ?q= are
            # PostgreSQL's only: migration 0004.)
            models.Index(fields=["user", "-due_rank", "-created_at", "-id"], name="task_user_due_idx"),
            models.Index(fields=["user", "completed", "-due_rank", "-created_at", "-id"], name="task_user_status_due_idx"),
            models.Index(fields=["user", "-priority", "-created_at", "-id"], name="task_user_priority_idx"),
            models.Index(
                fields=["user", "completed", "-priority", "-created_at", "-id"], name="task_user_status_priority_idx"
            ),
            models.Index(fields=["user", "-updated_at", "-created_at", "-id"], name="task_user_updated_idx"),
            models.Index(
                fields=["user", "completed", "-updated_at", "-created_at", "-id"], name="task_user_status_updated_idx"
            ),
            models.Index(
                F("user"), Lower("title"), F("created_at").desc(), F("id").desc(), name="task_user_title_idx"
            ),
            models.Index(
                F("user"),
                F("completed"),
                Lower("title"),
                F("created_at").desc(),
                F("id").desc(),
                name="task_user_status_title_idx",
            ),
        ]
        # The API's limits, enforced again where the admin and scripts write too
        # (SQLite does not enforce varchar lengths).
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="task_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("title"), 0)
                & LessThanOrEqual(Length("title"), TITLE_MAX_LENGTH),
                name="task_title_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="task_description_length",
            ),
            models.CheckConstraint(
                condition=models.Q(completed=True, completed_at__isnull=False)
                | models.Q(completed=False, completed_at__isnull=True),
                name="task_completed_at_iff_completed",
            ),
            models.CheckConstraint(condition=models.Q(priority__lte=Priority.HIGH), name="task_priority_known"),
            models.CheckConstraint(
                condition=models.Q(due_time__isnull=True) | models.Q(due_date__isnull=False),
                name="task_due_time_needs_due_date",
            ),
            models.CheckConstraint(condition=Exact(JSONType("tags"), "array"), name="task_tags_array"),
            models.CheckConstraint(
                condition=LessThanOrEqual(JSONArrayLength("tags"), MAX_TAGS_PER_TASK), name="task_tags_count"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The admin's form: the tags as the API would store them.
        super().clean()
        try:
            self.tags = tags_normalize([] if self.tags is None else self.tags)
        except ValueError as exc:
            raise ValidationError({"tags": str(exc)}) from exc
