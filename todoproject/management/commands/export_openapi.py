from django.core.management.base import BaseCommand, CommandError

from todoproject.openapi import COMMITTED_PATH, REGENERATE, openapi_document


class Command(BaseCommand):
    help = f"Write the API's OpenAPI document to {COMMITTED_PATH.name}; --check only compares."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail when the committed file differs from the code.",
        )

    def handle(self, *args, check: bool, **options):
        document = openapi_document()
        committed = COMMITTED_PATH.read_text() if COMMITTED_PATH.exists() else None
        if check:
            if committed != document:
                raise CommandError(f"{COMMITTED_PATH.name} is out of date: run `{REGENERATE}`.")
            self.stdout.write(f"{COMMITTED_PATH.name} is up to date.")
            return
        COMMITTED_PATH.write_text(document)
        state = "unchanged" if committed == document else "updated"
        self.stdout.write(f"{COMMITTED_PATH.name} {state}.")
