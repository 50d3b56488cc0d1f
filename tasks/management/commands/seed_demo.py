from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tasks.services import task_seed_demo
from users.selectors import user_get_active_by_email
from users.services import EmailTaken, user_register

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo password 2026"


class Command(BaseCommand):
    help = f"Create the demo user {DEMO_EMAIL} with a few tasks; running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            user = user_get_active_by_email(email=DEMO_EMAIL)
            if user is None:
                try:
                    user = user_register(email=DEMO_EMAIL, password=DEMO_PASSWORD)
                except EmailTaken as exc:
                    raise CommandError(f"{DEMO_EMAIL} exists but is deactivated; left alone.") from exc
                self.stdout.write(f"Created {DEMO_EMAIL} with the password {DEMO_PASSWORD!r}.")
            else:
                self.stdout.write(f"{DEMO_EMAIL} exists already; its password is left alone.")
            added = task_seed_demo(user_id=user.pk)
        self.stdout.write(f"Added {added} demo task(s) (user id {user.pk}).")
