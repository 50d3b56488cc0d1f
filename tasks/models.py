from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000


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
        ]

    def __str__(self) -> str:
        return self.title
