"""Clients generated from /api/openapi.json by two real generators, used against a live server.

A front end generates its client from the document instead of writing HTTP
by hand: whatever the document gets wrong, the client gets wrong (a PUT that
sends defaults for fields the caller never named, a toggle that cannot be
sent without a body). The TypeScript walk-through (tests/clients/walkthrough.ts)
must compile under `tsc --strict` with no cast; both walk-throughs call every
operation, and the database is checked afterwards.

The Node tools come from tests/clients/package-lock.json (`npm ci --prefix
tests/clients`, part of the README's test command); openapi-python-client is
installed into its own virtualenv, tests/clients/.venv-python-client, made on
the first run and reused while its requirements file is unchanged.
"""

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tasks.models import Task
from users.models import User

CLIENTS = Path(__file__).resolve().parent / "clients"
NPM_CI = "npm ci --prefix tests/clients"
PYTHON_CLIENT_REQUIREMENTS = CLIENTS / "requirements-python-client.txt"
PYTHON_CLIENT_VENV = CLIENTS / ".venv-python-client"


def node_tool(name: str) -> str:
    path = CLIENTS / "node_modules" / ".bin" / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: run `{NPM_CI}` (the README's test command does)", pytrace=False)
    return str(path)


def run(command: list[str], timeout: int = 300, **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def document(live_server, tmp_path) -> Path:
    """The document as the live service serves it, saved where the generators can read it."""
    with urllib.request.urlopen(f"{live_server.url}/api/openapi.json", timeout=10) as response:
        path = tmp_path / "openapi.json"
        path.write_bytes(response.read())
    return path


@contextlib.contextmanager
def writing_under_clients():
    """Held while writing under tests/clients/: suites that run side by side
    (CI's SQLite and PostgreSQL passes) share the folder, so one waits."""
    with (CLIENTS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def python_client_venv() -> Path:
    """openapi-python-client's own virtualenv: its dependencies are no business of the service's."""
    requirements = PYTHON_CLIENT_REQUIREMENTS.read_text()
    marker = PYTHON_CLIENT_VENV / "installed-requirements.txt"
    with writing_under_clients():
        if not marker.exists() or marker.read_text() != requirements:
            run([sys.executable, "-m", "venv", "--clear", str(PYTHON_CLIENT_VENV)])
            run([str(PYTHON_CLIENT_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(PYTHON_CLIENT_REQUIREMENTS)])
            marker.write_text(requirements)
    return PYTHON_CLIENT_VENV


def test_redocly_lint_finds_no_errors_in_the_document(document):
    result = subprocess.run(
        [node_tool("redocly"), "lint", "--config", str(CLIENTS / "redocly.yaml"), str(document)],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Your API description is valid" in result.stdout + result.stderr


def assert_walkthrough_did_what_it_said(result: dict) -> None:
    user_id, task_id, spare_id = result["user_id"], result["task_id"], result["spare_id"]
    assert result["registered"] == 201
    assert result["created"]["status"] == 201
    assert result["created"]["location"].endswith(f"/api/{user_id}/tasks/{task_id}")
    # The PUT named only the title: what it left out kept its value.
    replaced = result["replaced"]
    assert (replaced["title"], replaced["description"], replaced["completed"]) == ("Buy oat milk", "2 litres", True)
    assert result["etag"].startswith('"')
    assert result["unchanged"] == 304
    assert result["toggled"]["completed"] is False
    assert result["stale"] == 412
    patched = result["patched"]
    assert (patched["title"], patched["description"], patched["completed"]) == ("Buy oat milk", "1 litre", False)
    assert result["set"]["completed"] is False
    assert result["page"]["ids"] == [spare_id]
    assert result["page"]["link"].endswith('rel="next"')
    assert result["open"] == [spare_id, task_id]
    assert result["deleted"] == 204
    assert result["synced"] == [task_id]
    assert (result["completedInBulk"], result["uncompletedInBulk"]) == (1, 1)
    assert result["delta"] == {"ids": [task_id], "deleted": []}
    assert result["cleared"] == 0

    task = Task.objects.get(pk=task_id)
    assert (task.user_id, task.title, task.description, task.completed) == (user_id, "Buy oat milk", "1 litre", False)
    assert not Task.objects.filter(pk=spare_id).exists()
    # Sessions: a refresh renewed the pair, a personal access token read the
    # tasks, was listed and revoked, the password changed, and the last session ended.
    assert result["sessions"] == {
        "refreshed": True, "script_tasks": [task_id], "listed": ["script"], "revoked": 204, "logged_out": 204,
    }
    user = User.objects.get(pk=user_id)
    assert user.check_password("a brand new passphrase")
    assert not user.signin_sessions.filter(ended_at__isnull=True).exists()
    assert not user.personal_access_tokens.filter(revoked_at__isnull=True).exists()

    assert result["timezone"] == "Europe/Berlin"
    planned = result["planned"]
    assert (planned["priority"], planned["tags"], planned["due_date"], planned["due_time"]) == (
        "high", ["money", "home"], "2026-05-31", "17:00"
    )
    assert result["by_due"] == [planned["id"]]
    assert result["tags"] == [{"name": "home", "count": 1}, {"name": "money", "count": 1}]
    assert result["renamed"] == {"name": "taxes", "count": 1}
    assert result["untagged"] == 204
    assert Task.objects.get(pk=planned["id"]).tags == ["taxes"]


def test_typescript_client_compiles_strictly_and_walks_through_every_operation(document, live_server):
    generated = CLIENTS / "generated"
    with writing_under_clients():
        generated.mkdir(exist_ok=True)
        run([node_tool("openapi-typescript"), str(document), "--output", str(generated / "schema.d.ts")])
        # A cast would hide what the types get wrong: tsc must accept the code as written.
        run([node_tool("tsc"), "--project", str(CLIENTS / "tsconfig.json"), "--strict"])

        output = run(["node", str(generated / "out" / "walkthrough.js"), live_server.url, "ts@example.com"], timeout=60)

    assert_walkthrough_did_what_it_said(json.loads(output))


def test_python_client_walks_through_every_operation(document, live_server, python_client_venv, tmp_path):
    bin_dir = python_client_venv / "bin"
    # PATH: the generator formats its output with the ruff of its own virtualenv.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    generated = run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(document), "--output-path", str(tmp_path / "client")],
        env=env,
    )
    assert "Warning" not in generated, generated

    output = run(
        [str(bin_dir / "python"), str(CLIENTS / "walkthrough_python_client.py"), live_server.url, "py@example.com"],
        timeout=60,
        env={**env, "PYTHONPATH": str(tmp_path / "client")},
    )

    assert_walkthrough_did_what_it_said(json.loads(output))
