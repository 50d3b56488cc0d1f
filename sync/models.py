from django.conf import settings
from django.db import models


class Feed(models.Model):
    """A user's change sequence: every write to the user's tasks takes the next
    number from this row in the writing transaction.

    Taking it is an UPDATE of this one row, whose lock is held until the
    writer commits, so the user's writers commit in the order of their
    numbers: a reader that sees number N committed has seen every number
    below it committed too (sync/selectors.py relies on it).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.BigIntegerField(default=0)
    # The highest number among the deletions forgotten (manage.py
    # forget_deletions): a client that last synced before it may have missed
    # one and must start again (410).
    forgotten_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"feed of user {self.user_id} at {self.last_seq}"


class Tombstone(models.Model):
    """A deleted task, remembered so clients syncing later learn of the deletion."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Not a foreign key: the task is gone.
    task_id = models.BigIntegerField()
    seq = models.BigIntegerField()
    deleted_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The feed reads a user's deletions after a (seq, task id) position.
            models.Index(fields=["user", "seq", "task_id"], name="tombstone_user_seq_idx"),
            # manage.py forget_deletions finds the old ones of every user.
            models.Index(fields=["deleted_at"], name="tombstone_deleted_at_idx"),
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} deleted at {self.seq}"
