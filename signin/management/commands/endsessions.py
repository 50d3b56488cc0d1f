from django.core.management.base import BaseCommand, CommandError

from signin.models import Session
from signin.services import personal_tokens_revoke, sessions_end_all
from users.models import User, normalize_email


class Command(BaseCommand):
    help = (
        "End every session of a user at once (\"I lost my phone\"): their access and refresh "
        "tokens stop working; --tokens also revokes their personal access tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The user's email (a password account's login) or id.")
        parser.add_argument("--tokens", action="store_true", help="Also revoke every personal access token.")

    def handle(self, *args, user: str, tokens: bool, **options):
        found = _user(user)
        if found is None:
            raise CommandError(f"No user {user}.")
        ended = sessions_end_all(user_id=found.pk, because=Session.EndedBecause.SUPPORT)
        message = f"Ended {ended} session(s) of {found}"
        if tokens:
            revoked = personal_tokens_revoke(tokens=found.personal_access_tokens.all())
            message += f" and revoked {revoked} personal access token(s)"
        self.stdout.write(message + ".")


def _user(name: str) -> User | None:
    if name.isascii() and name.isdigit():
        return User.objects.filter(pk=int(name)).first()
    return User.objects.filter(email=normalize_email(name), signs_in_with_password=True).first()
