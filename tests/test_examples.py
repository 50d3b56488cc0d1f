"""The README's curl walk-through and examples/requests.http, run against a live server.

Documentation that is executed cannot drift from the API it documents.
"""

import json
import re
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tasks.models import Task
from users.models import User

ROOT = Path(__file__).resolve().parent.parent


def readme_walkthrough(heading: str = "## Walk-through with curl") -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"\n{heading}\n", 1)[1]
    return re.search(r"^```sh\n(.*?)^```$", section, re.DOTALL | re.MULTILINE).group(1)


def run_walkthrough(live_server, script: str) -> subprocess.CompletedProcess:
    """Run a README block against the live server; each curl's status goes to stderr."""
    script, substitutions = re.subn(r"^B=\S+$", f"B={live_server.url}/api", script, flags=re.MULTILINE)
    assert substitutions == 1, "the walk-through must set its base URL once, as B=..."
    # Each curl reports its status on stderr, leaving what a reader sees on stdout as is.
    preamble = "set -eo pipefail\ncurl() { command curl --write-out '%{stderr}%{http_code}\\n' \"$@\"; }\n"
    result = subprocess.run(["bash", "-c", preamble + script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def test_readme_curl_walkthrough_runs_against_a_live_server(live_server):
    result = run_walkthrough(live_server, readme_walkthrough())

    statuses = [int(line) for line in result.stderr.split()]
    # register, create, list, list for the id, toggle, patch, delete, get after delete
    assert statuses == [201, 201, 200, 200, 200, 200, 204, 404], result.stdout
    assert '"title":"Buy oat milk"' in result.stdout
    assert User.objects.filter(email="ada@example.com").exists()
    assert not Task.objects.exists()


def test_readme_sync_walkthrough_runs_after_the_first_one(live_server):
    script = readme_walkthrough() + readme_walkthrough("## Sync: the change feed and bulk changes")
    script = re.sub(r"^B=\S+$", f"B={live_server.url}/api", script, flags=re.MULTILINE)
    preamble = "set -eo pipefail\ncurl() { command curl --write-out '%{stderr}%{http_code}\\n' \"$@\"; }\n"

    result = subprocess.run(["bash", "-c", preamble + script], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    statuses = [int(line) for line in result.stderr.split()][8:]
    # first sync, two creates, the delta, the list for the ids, bulk, clear, the delta again
    assert statuses == [200, 201, 201, 200, 200, 200, 200, 200], result.stdout
    decoder = json.JSONDecoder()
    pages = [decoder.raw_decode(result.stdout[m.start():])[0] for m in re.finditer(r'\{"tasks"', result.stdout)]
    first, delta, after_clearing = pages
    # The walk-through deleted its one task: the first sync finds none.
    assert first["tasks"] == [] and first["has_more"] is False
    assert sorted(task["title"] for task in delta["tasks"]) == ["Call mum", "Water the plants"]
    assert len(after_clearing["deleted"]) == 2 and after_clearing["tasks"] == []
    assert '{"affected":1}' in result.stdout and '{"deleted":2}' in result.stdout
    assert not Task.objects.exists()


def test_readme_sessions_flows_run_against_a_live_server(live_server):
    result = run_walkthrough(live_server, readme_walkthrough("## Sessions"))

    statuses = [int(line) for line in result.stderr.split()]
    # register, refresh, read, replay, read after it, token, password,
    # create token, list, use it, revoke, use it revoked, logout, read after it
    assert statuses == [201, 200, 200, 401, 401, 200, 200, 201, 200, 200, 204, 401, 204, 401], result.stdout
    assert '"name":"nightly backup"' in result.stdout
    assert "todo_pat_" not in result.stdout  # the list shows no secret
    user = User.objects.get(email="grace@example.com")
    assert user.check_password("a brand new passphrase")
    assert set(user.signin_sessions.values_list("ended_because", flat=True)) == {"replay", "password", "logout"}


def test_readme_planning_examples_run_against_a_live_server(live_server):
    result = run_walkthrough(live_server, readme_walkthrough("## Planning: priorities, tags, due dates, search, sorting"))

    # register, timezone, 2 creates, 4 filters, 3 sorts, tags, rename, delete
    assert [int(line) for line in result.stderr.split()] == [201, 200, 201, 201, 200, 200, 200, 200, 200, 200, 200, 200, 200, 204]
    assert "rel=\"next\"" in result.stdout
    user = User.objects.get(email="grace@example.com")
    assert user.timezone == "Europe/Berlin"
    assert [task.tags for task in Task.objects.filter(user=user).order_by("pk")] == [["home"], []]


@dataclass
class HttpRequest:
    name: str | None
    expect: int
    variables: dict[str, str]
    method: str
    url: str
    headers: dict[str, str]
    body: str


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: object = field(default=None)


def parse_http_file(text: str) -> tuple[dict[str, str], list[HttpRequest]]:
    """The subset of the REST Client format the examples use; ``# expect NNN`` is ours."""
    preamble, *blocks = re.split(r"^###.*\n", text, flags=re.MULTILINE)
    file_variables = dict(re.findall(r"^@(\w+) = (.*)$", preamble, re.MULTILINE))
    requests = []
    for block in blocks:
        lines = block.strip().splitlines()
        name, expect, variables = None, None, {}
        while not re.match(r"[A-Z]+ ", lines[0]):
            line = lines.pop(0)
            if match := re.match(r"# @name (\w+)", line):
                name = match.group(1)
            elif match := re.match(r"# expect (\d{3})", line):
                expect = int(match.group(1))
            elif match := re.match(r"@(\w+) = (.*)", line):
                variables[match.group(1)] = match.group(2)
        method, url = lines.pop(0).split(" ", 1)
        blank = lines.index("") if "" in lines else len(lines)
        headers = dict(line.split(": ", 1) for line in lines[:blank])
        assert expect is not None, f"{method} {url} has no '# expect NNN' line"
        body = "\n".join(lines[blank + 1 :])
        requests.append(HttpRequest(name, expect, variables, method, url, headers, body))
    return file_variables, requests


def send(request: HttpRequest, substitute) -> HttpResponse:
    body = substitute(request.body).encode() or None
    prepared = urllib.request.Request(
        substitute(request.url),
        data=body,
        method=request.method,
        headers={key: substitute(value) for key, value in request.headers.items()},
    )
    try:
        with urllib.request.urlopen(prepared, timeout=10) as answer:
            status, headers, content = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, headers, content = error.code, dict(error.headers), error.read()
    return HttpResponse(status, headers, json.loads(content) if content else None)


def test_examples_requests_http_runs_against_a_live_server(live_server):
    variables, requests = parse_http_file((ROOT / "examples" / "requests.http").read_text())
    assert "base" in variables
    variables["base"] = f"{live_server.url}/api"
    responses: dict[str, HttpResponse] = {}

    def resolve(reference: str) -> str:
        if reference in variables:
            return substitute(variables[reference])
        # name.response.headers.Location or name.response.body.$.user.id
        name, _response, kind, *path = reference.split(".")
        if kind == "headers":
            return responses[name].headers[path[0]]
        value = responses[name].body
        for key in path[1:]:  # after the JSONPath root "$"
            value = value[key]
        return str(value)

    def substitute(text: str) -> str:
        return re.sub(r"\{\{(.+?)\}\}", lambda match: resolve(match.group(1)), text)

    assert len(requests) >= 10
    for request in requests:
        variables.update(request.variables)
        response = send(request, substitute)
        assert response.status == request.expect, (request.method, request.url, response.body)
        if request.name:
            responses[request.name] = response
    assert not Task.objects.exists()
