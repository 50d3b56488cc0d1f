from django.core.management.base import BaseCommand, CommandError

from signin.services import session_start
from users.selectors import user_get_active_by_email


class Command(BaseCommand):
    help = (
        "Start a session for a user and print its access token, for scripts and curl: "
        "TOKEN=$(manage.py issuetoken EMAIL). manage.py endsessions EMAIL ends it."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        user = user_get_active_by_email(email=email)
        if user is None:
            raise CommandError(f"No active user with the email {email}.")
        # The token alone on stdout, so command substitution captures exactly it.
        self.stdout.write(session_start(user=user).access_token)
