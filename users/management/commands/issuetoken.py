from django.core.management.base import BaseCommand, CommandError

from users.selectors import user_get_active_by_email
from users.tokens import access_token_issue


class Command(BaseCommand):
    help = "Print an access token for a user, for scripts and curl: TOKEN=$(manage.py issuetoken EMAIL)"

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        user = user_get_active_by_email(email=email)
        if user is None:
            raise CommandError(f"No active user with the email {email}.")
        token, _ = access_token_issue(user=user)
        # The token alone on stdout, so command substitution captures exactly it.
        self.stdout.write(token)
