from django.core.management.base import BaseCommand

from sync.services import KEPT_FOR, tombstones_forget


class Command(BaseCommand):
    help = (
        f"Forget task deletions older than {KEPT_FOR.days} days; clients whose last sync is older "
        "are told to start again (410). Safe to run from cron at any time, and again."
    )

    def handle(self, *args, **options) -> None:
        forgotten = tombstones_forget()
        self.stdout.write(f"Forgot {forgotten} deletion(s) older than {KEPT_FOR.days} days.")
