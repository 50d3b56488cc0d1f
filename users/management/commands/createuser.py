from getpass import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from pydantic import TypeAdapter
from pydantic import ValidationError as InvalidValue

from users.schemas import Email
from users.services import EmailTaken, user_grant_support, user_register

# The API's own rules for a registering email: one rule for both doors.
_EMAIL = TypeAdapter(Email)


class Command(BaseCommand):
    help = "Create a user who signs in with email and password; --staff: support staff in the admin."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--password",
            help="The password; asked for on the terminal when left out (keeps it out of shell history).",
        )
        parser.add_argument(
            "--staff",
            action="store_true",
            help="Support staff: signs in to /admin/, manages tasks, sees users (the Support group).",
        )

    def handle(self, *args, email: str, password: str | None, staff: bool, **options):
        try:
            email = _EMAIL.validate_python(email)
        except InvalidValue as exc:
            raise CommandError(f"Not a valid email: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from exc
        if password is None:
            password = getpass("Password: ")
            if getpass("Password (again): ") != password:
                raise CommandError("The passwords do not match.")
        try:
            with transaction.atomic():
                user = user_register(email=email, password=password)
                if staff:
                    user_grant_support(user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except EmailTaken as exc:
            raise CommandError(f"A user with the email {email} already exists.") from exc
        role = "staff user" if staff else "user"
        self.stdout.write(f"Created {role} {user.email} (id {user.pk}).")
