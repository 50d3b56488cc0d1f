import pytest
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client
from model_bakery import baker

from tasks.models import Task
from tests.better_auth_server import BetterAuthServer
from tests.oidc_issuer import AUDIENCE, Issuer
from signin.services import session_start
from users.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    # The production hasher is deliberately slow; tests hash hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # WhiteNoise reads every static file's metadata when its middleware
    # loads, and each test's Client loads it anew: looked up when asked for
    # instead, as in development.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def client() -> Client:
    """Django's client: real URL resolution and middleware, unlike Ninja's TestClient."""
    return Client()


@pytest.fixture
def make_user(db):
    def make(email: str = "ada@example.com", **extra) -> User:
        return User.objects.create_user(email=email, password=PASSWORD, **extra)

    return make


@pytest.fixture
def user(make_user) -> User:
    return make_user("ada@example.com")


@pytest.fixture
def other_user(make_user) -> User:
    return make_user("bob@example.com")


def bearer(user: User) -> dict[str, str]:
    """The Authorization header of a new session of the user, as /token would start."""
    return {"Authorization": f"Bearer {session_start(user=user).access_token}"}


@pytest.fixture
def auth(user) -> dict[str, str]:
    return bearer(user)


@pytest.fixture
def task(user) -> Task:
    return baker.make(Task, user=user, title="Buy milk", description="2 litres")


@pytest.fixture
def other_task(other_user) -> Task:
    return baker.make(Task, user=other_user, title="Bob's secret", description="private")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache; each test starts with none spent.
    cache.clear()


@pytest.fixture
def wsgi_in_test_transaction():
    # As Django's test Client does: a raw WSGI request would otherwise close
    # the connection (and the test's transaction) when it finishes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def oidc_issuer(settings):
    """The tests' own OpenID Connect issuer, configured as OIDC_ISSUER."""
    issuer = Issuer()
    settings.OIDC_ISSUER = issuer.url
    settings.OIDC_AUDIENCE = AUDIENCE
    settings.JWKS_TIMEOUT = 1
    yield issuer
    issuer.stop()


def external_bearer(issuer: Issuer, **claims) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(**claims)}"}


@pytest.fixture(scope="session")
def better_auth_server():
    """The real Better Auth server of tests/better_auth/, one for the session."""
    server = BetterAuthServer()
    yield server
    server.stop()


@pytest.fixture
def better_auth(better_auth_server, settings):
    """Better Auth configured as BETTER_AUTH_URL, as the README says to."""
    settings.BETTER_AUTH_URL = better_auth_server.url
    settings.BETTER_AUTH_ISSUER = better_auth_server.url
    settings.BETTER_AUTH_AUDIENCE = better_auth_server.url
    # Its keys rotate within tests: a new kid may be looked up at once.
    settings.JWKS_MIN_REFETCH_INTERVAL = 0.2
    return better_auth_server
