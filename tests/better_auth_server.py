"""The real Better Auth server of tests/better_auth/ (Node, on loopback), and
a client of its own HTTP API: sign up, get the JWT, rotate its keys."""

import json
import subprocess
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parent / "better_auth"


@dataclass
class Account:
    server: "BetterAuthServer"
    user_id: str
    session_token: str
    cookie: str

    def jwt(self) -> str:
        """A JWT from Better Auth's /api/auth/token, as a front end gets one."""
        return self.server.request("GET", "/api/auth/token", headers={"Cookie": self.cookie})[0]["token"]


class BetterAuthServer:
    def __init__(self) -> None:
        if not (HARNESS / "node_modules" / "better-auth").is_dir():
            pytest.fail(
                "tests/better_auth/node_modules is missing: run `npm ci --prefix tests/better_auth` "
                "(the README's test command and .ci/run do)",
                pytrace=False,
            )
        self._process = subprocess.Popen(
            ["node", "server.mjs"], cwd=HARNESS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = self._process.stdout.readline()
        if not line.startswith("listening "):
            self._process.kill()
            pytest.fail(f"the Better Auth server did not start: {line!r} {self._process.stderr.read()}", pytrace=False)
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json", "Origin": self.url, **(headers or {})},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read()), response.headers

    def sign_up(self, email: str, password: str = "correct horse battery staple", name: str = "Test") -> Account:
        answer, headers = self.request(
            "POST", "/api/auth/sign-up/email", {"email": email, "password": password, "name": name}
        )
        cookies = SimpleCookie()
        for header in headers.get_all("Set-Cookie"):
            cookies.load(header)
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
        return Account(self, answer["user"]["id"], answer["token"], cookie)

    def rotate(self) -> None:
        """Better Auth's rotation: the live key expires; the next token gets a new one."""
        self.request("POST", "/harness/rotate", {})

    def end_grace(self) -> None:
        """The grace period of every expired key ends: the JWKS stops listing them."""
        self.request("POST", "/harness/end-grace", {})

    def kids(self) -> list[str]:
        return [key["kid"] for key in self.request("GET", "/api/auth/jwks")[0]["keys"]]

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
        self._process.stdout.close()
        self._process.stderr.close()
