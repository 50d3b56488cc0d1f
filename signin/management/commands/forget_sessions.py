from django.core.management.base import BaseCommand

from signin.services import sessions_forget


class Command(BaseCommand):
    help = (
        "Forget expired refresh tokens, and the sessions left with none (they can never sign "
        "anyone in again). Safe to run from cron at any time, and again."
    )

    def handle(self, *args, **options) -> None:
        tokens, sessions = sessions_forget()
        self.stdout.write(f"Forgot {tokens} expired refresh token(s) and {sessions} session(s) left with none.")
