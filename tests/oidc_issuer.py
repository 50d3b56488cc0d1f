"""An OpenID Connect issuer of the tests' own, on loopback: a discovery
document and a JWKS (an RS256 and an ES256 key) over real HTTP, which counts
the fetches it answers and can go down, or hang, on demand."""

import json
import threading
import time
import uuid
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

AUDIENCE = "task-api"


@cache
def _private_key(algorithm: str, variant: int):
    # Generating RSA keys is slow; tests that need distinct keys ask for
    # distinct variants, and every SigningKey still has a kid of its own.
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


class SigningKey:
    def __init__(self, algorithm: str, variant: int = 0) -> None:
        self.algorithm = algorithm
        self.kid = f"{algorithm.lower()}-{uuid.uuid4().hex[:8]}"
        self.private = _private_key(algorithm, variant)
        to_jwk = RSAAlgorithm.to_jwk if algorithm == "RS256" else ECAlgorithm.to_jwk
        self.jwk = to_jwk(self.private.public_key(), as_dict=True)
        self.jwk.update(kid=self.kid, use="sig", alg=algorithm)


class Issuer:
    def __init__(self, variant: int = 0) -> None:
        self.keys = [SigningKey("RS256", variant), SigningKey("ES256", variant)]
        self.jwks_fetches = 0
        self.discovery_fetches = 0
        self.hang_seconds = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._serve()

    @property
    def rsa(self) -> SigningKey:
        return self.keys[0]

    @property
    def ec(self) -> SigningKey:
        return self.keys[1]

    def token(self, key: SigningKey | None = None, *, headers: dict | None = None, **claims) -> str:
        """A token of this issuer for AUDIENCE; claims override the defaults."""
        key = key or self.rsa
        now = int(time.time())
        payload = {"iss": self.url, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 300, **claims}
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, key.private, algorithm=key.algorithm, headers={"kid": key.kid, **(headers or {})})

    def rotate(self, key: SigningKey) -> None:
        """Publish ``key`` in front of the others."""
        self.keys.insert(0, key)

    def go_down(self) -> None:
        """Stop listening: connections are refused."""
        self._server.shutdown()
        self._server.server_close()
        self._up = False

    def come_back(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._serve()

    def stop(self) -> None:
        if self._up:
            self.go_down()

    def _serve(self) -> None:
        self._up = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def _handler(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if issuer.hang_seconds:
                    time.sleep(issuer.hang_seconds)
                if self.path == "/.well-known/openid-configuration":
                    issuer.discovery_fetches += 1
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                elif self.path == "/jwks":
                    issuer.jwks_fetches += 1
                    body = {"keys": [key.jwk for key in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
