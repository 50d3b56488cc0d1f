"""The committed OpenAPI document: what clients and reviewers read without running the service."""

import json

from django.conf import settings

from todoproject.api import api

COMMITTED_PATH = settings.BASE_DIR / "openapi.json"
REGENERATE = "python manage.py export_openapi"


def openapi_document() -> str:
    """The API's OpenAPI document as stable text: sorted keys, two-space indent, final newline.

    Sorted so that a regeneration only shows real changes in a diff.
    """
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
