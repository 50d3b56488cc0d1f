import json

import pytest
from django.core.management import CommandError, call_command

from todoproject.management.commands.export_openapi import COMMITTED_PATH, REGENERATE, openapi_document


def test_committed_openapi_json_matches_the_code():
    committed = COMMITTED_PATH.read_text()

    assert committed == openapi_document(), f"openapi.json is out of date: run `{REGENERATE}`"


def test_committed_openapi_json_is_what_the_service_serves(client):
    served = client.get("/api/openapi.json").json()

    assert json.loads(COMMITTED_PATH.read_text()) == served, f"run `{REGENERATE}`"


def test_openapi_document_is_sorted_and_ends_with_one_newline():
    document = openapi_document()

    assert document.endswith("}\n") and not document.endswith("\n\n")
    assert document == json.dumps(json.loads(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert openapi_document() == document


@pytest.fixture
def committed_file(tmp_path, monkeypatch):
    """Point the command at a scratch copy, so tests never rewrite the real file."""
    path = tmp_path / "openapi.json"
    monkeypatch.setattr("todoproject.management.commands.export_openapi.COMMITTED_PATH", path)
    return path


def test_export_openapi_writes_the_document(committed_file, capsys):
    call_command("export_openapi")

    assert committed_file.read_text() == openapi_document()
    assert "openapi.json updated." in capsys.readouterr().out


def test_export_openapi_check_passes_when_the_file_is_current(committed_file, capsys):
    committed_file.write_text(openapi_document())

    call_command("export_openapi", "--check")

    assert "up to date" in capsys.readouterr().out


def test_export_openapi_check_fails_on_drift_naming_the_command_and_writes_nothing(committed_file):
    stale = openapi_document().replace("Create a task", "Make a task")
    committed_file.write_text(stale)

    with pytest.raises(CommandError, match=r"out of date: run `python manage.py export_openapi`"):
        call_command("export_openapi", "--check")
    assert committed_file.read_text() == stale
