"""The committed OpenAPI document: what clients and reviewers read without running the service."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from todoproject.api import api

COMMITTED_PATH = settings.BASE_DIR / "openapi.json"
REGENERATE = "python manage.py export_openapi"


def openapi_document() -> str:
    """The API's OpenAPI document as stable text: sorted keys, two-space indent, final newline.

    Sorted so that a regeneration only shows real changes in a diff.
    """
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
