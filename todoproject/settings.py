"""Settings, all from the environment (see README "Configuration").

Development needs nothing set: DEBUG is on, SQLite is used and the secrets are
throwaway values. With DEBUG off the process refuses to start until real
secrets are provided, so a forgotten variable cannot ship a guessable key.
"""

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_url(name: str) -> str | None:
    """An absolute http(s) URL without query, fragment or credentials, exactly
    as given (an issuer is compared character for character: Auth0's ends in
    a slash), or None when unset; anything else refuses to start."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(char.isspace() for char in value)
    ):
        raise ImproperlyConfigured(
            f"{name} must be an absolute http(s) URL such as https://app.example.com "
            f"(no query, fragment or credentials), not {value!r}."
        )
    return value


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"
_DEV_JWT_SECRET = "dev-only-jwt-secret-not-for-production-use"
SECRET_KEY = os.environ.get("SECRET_KEY") or _DEV_SECRET_KEY
JWT_SECRET = os.environ.get("JWT_SECRET") or _DEV_JWT_SECRET

if not DEBUG:
    # HS256 keys shorter than the hash output are brute-forceable (RFC 7518 §3.2).
    for name, value, dev_value in (
        ("SECRET_KEY", SECRET_KEY, _DEV_SECRET_KEY),
        ("JWT_SECRET", JWT_SECRET, _DEV_JWT_SECRET),
    ):
        if value == dev_value or len(value) < 32:
            raise ImproperlyConfigured(
                f"{name} must be set to a random value of at least 32 characters when DEBUG is off."
            )

JWT_ALGORITHM = os.environ.get("JWT_ALGORITHM", "HS256")
# Seconds an access token lives. Short, as its session's refresh token
# (REFRESH_TOKEN_TTL seconds, renewed on every refresh) renews it.
JWT_ACCESS_TOKEN_TTL = int(os.environ.get("JWT_ACCESS_TOKEN_TTL", "900"))
REFRESH_TOKEN_TTL = int(os.environ.get("REFRESH_TOKEN_TTL", str(30 * 24 * 3600)))
JWT_LEEWAY = int(os.environ.get("JWT_LEEWAY", "30"))
JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE") or None
JWT_ISSUER = os.environ.get("JWT_ISSUER") or None

# Tokens of a front end's identity provider (identities/), verified with the
# provider's published public keys. Better Auth's jwt() plugin: keys at
# <BETTER_AUTH_URL>/api/auth/jwks, iss and aud the URL's origin unless overridden.
BETTER_AUTH_URL = env_url("BETTER_AUTH_URL")
# Better Auth's default iss and aud are its base URL's origin (new URL().origin).
_better_auth_origin = BETTER_AUTH_URL and "{0.scheme}://{0.netloc}".format(urlsplit(BETTER_AUTH_URL.lower()))
BETTER_AUTH_ISSUER = os.environ.get("BETTER_AUTH_ISSUER") or _better_auth_origin or None
BETTER_AUTH_AUDIENCE = os.environ.get("BETTER_AUTH_AUDIENCE") or _better_auth_origin or None
# Any OpenID Connect provider: keys through its discovery document.
OIDC_ISSUER = env_url("OIDC_ISSUER")
OIDC_AUDIENCE = os.environ.get("OIDC_AUDIENCE") or None
if OIDC_ISSUER and not OIDC_AUDIENCE:
    raise ImproperlyConfigured(
        "OIDC_AUDIENCE must be set with OIDC_ISSUER: without it any token of that provider, "
        "made for any application, would be accepted."
    )
if BETTER_AUTH_URL and OIDC_ISSUER and BETTER_AUTH_ISSUER == OIDC_ISSUER:
    raise ImproperlyConfigured("BETTER_AUTH_ISSUER and OIDC_ISSUER name the same issuer; set only one.")
# Asymmetric algorithms only: an HMAC "keyed" with a public key, or none, is
# exactly the forgery these allow-lists exist to stop. A key is used only
# for the one algorithm it is for (identities/keys.py).
EXTERNAL_JWT_ALGORITHMS = env_list(
    "EXTERNAL_JWT_ALGORITHMS", "EdDSA,ES256,ES384,ES512,RS256,RS384,RS512,PS256,PS384,PS512"
)
_ASYMMETRIC = {"EdDSA", "ES256", "ES256K", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
if not set(EXTERNAL_JWT_ALGORITHMS) <= _ASYMMETRIC:
    raise ImproperlyConfigured(
        f"EXTERNAL_JWT_ALGORITHMS may name only asymmetric algorithms ({', '.join(sorted(_ASYMMETRIC))}), "
        f"not {', '.join(sorted(set(EXTERNAL_JWT_ALGORITHMS) - _ASYMMETRIC))}."
    )
# Seconds to wait for a key set or discovery document; a worker never hangs on one.
JWKS_TIMEOUT = float(os.environ.get("JWKS_TIMEOUT", "3"))
# An unknown kid fetches the key set again at most this often (seconds),
# however many requests carry one; a kid that must wait for the next fetch,
# or a key set that cannot be fetched, is a 503 with a Retry-After.
JWKS_MIN_REFETCH_INTERVAL = float(os.environ.get("JWKS_MIN_REFETCH_INTERVAL", "5"))
# Seconds a fetched key set is used before it is fetched again, so a key
# removed from it stops being accepted.
JWKS_MAX_AGE = float(os.environ.get("JWKS_MAX_AGE", "300"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Browser front ends on other origins (e.g. https://app.example.com) may call
# the API; none may by default. Only /api/ answers CORS: the admin never does.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*default_headers, "if-match", "idempotency-key", "x-request-id")
# Response headers a script may read: the new task, the next page, the
# version for If-Match, and the id to quote in a support request.
CORS_EXPOSE_HEADERS = ["Location", "Link", "ETag", "X-Request-ID"]
CORS_PREFLIGHT_MAX_AGE = 3600

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    # Serves the Swagger UI assets itself, so /api/docs works with no internet access.
    "ninja",
    "users",
    "identities",
    "signin",
    # Before tasks: deleting a user then deletes its change feed (and takes
    # that row's lock) before its tasks, in the order every writer takes them.
    "sync",
    "tasks",
    # For its management commands (export_openapi).
    "todoproject",
]

MIDDLEWARE = [
    # Outermost, so the log line and X-Request-ID cover every response.
    "todoproject.middleware.RequestLogMiddleware",
    # Outside everything else, so HEAD is GET to all of it, and the Allow of
    # every 405 (JsonApiErrorsMiddleware's too) names HEAD beside GET.
    "todoproject.middleware.HeadAsGetMiddleware",
    # Outside JsonApiErrorsMiddleware, so the CORS headers also reach error
    # responses it rewrites, and preflights stop here.
    "corsheaders.middleware.CorsMiddleware",
    # The security headers are added outside JsonApiErrorsMiddleware too, so
    # the JSON error responses it substitutes carry them.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "todoproject.middleware.JsonApiErrorsMiddleware",
    # Before any view reads a body; inside CORS, so its 411 carries the CORS headers.
    "todoproject.middleware.LengthRequiredMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The todoproject.middleware ones are Django's own, run for the admin's
    # pages only: the API and the probes need none of them (it says why).
    "todoproject.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "todoproject.middleware.AuthenticationMiddleware",
    "todoproject.middleware.MessageMiddleware",
]

ROOT_URLCONF = "todoproject.urls"
WSGI_APPLICATION = "todoproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# One persistent connection per thread that has served a request, checked
# before reuse (gunicorn.conf.py: threaded workers). Reconnecting per request
# would add a TCP (and on Neon a TLS) handshake to every call. Django's "pool"
# option measured slower: it checks each checkout with a round trip, where
# this backend's check (todoproject/postgresql) costs none on a healthy
# connection. How many connections that makes, the measurement, and the
# pooled host for where connections are scarce: README, Scaling out.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so a
        # read-then-write transaction waits its turn instead of failing with
        # "database is locked"; WAL lets readers run during a write.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not Django's default in-memory test database: shared-cache memory
    # databases fail concurrent writers at once ("table is locked") instead of
    # waiting as the real WAL file does, so tests would not see production.
    _db["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
else:
    # Django's own backend, less two per-request costs: a health check that
    # spends a round trip only when the server has ended the connection, and
    # timestamps loaded by psycopg's C code (todoproject/postgresql/base.py).
    _db["ENGINE"] = "todoproject.postgresql"
    _db.setdefault("OPTIONS", {})
    # Fail fast instead of hanging a worker when the database is unreachable:
    # the client gets a 503 within a few seconds, not a gateway timeout.
    _db["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "3")))
    # A database that vanishes without closing the connection (a network
    # partition, a host losing power) would leave a query of a reused
    # connection waiting on TCP for many minutes; with these the kernel gives
    # up after about 10 s, the request answers 503 and the next reconnects.
    _db["OPTIONS"].setdefault("keepalives", 1)
    _db["OPTIONS"].setdefault("keepalives_idle", 5)
    _db["OPTIONS"].setdefault("keepalives_interval", 2)
    _db["OPTIONS"].setdefault("keepalives_count", 3)
    _db["OPTIONS"].setdefault("tcp_user_timeout", 10_000)
    # PgBouncer in transaction mode (Neon's "-pooler" host) hands each
    # transaction to any server connection, so a named server-side cursor
    # opened in one transaction would not exist in the next.
    _db["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_POOLER", False)
    # Parameters bound by the server, and a statement run often on a
    # connection prepared there once, so PostgreSQL stops parsing and
    # planning it anew: 190 → 65 µs of its CPU per get (psycopg prepares on
    # the sixth run; Django leaves preparing off unless asked). Behind a
    # transaction-mode pooler the next transaction may land on a server
    # connection that never saw the statement, so there it stays off.
    _db["OPTIONS"].setdefault("server_side_binding", True)
    if not env_bool("DATABASE_POOLER", False):
        _db["OPTIONS"].setdefault("prepare_threshold", 5)
        # And the plan made once for a prepared statement is kept. Left to
        # choose, PostgreSQL planned every list page anew (its generic plan's
        # estimate, from the average user's size, lost to each user's own):
        # most of its CPU per page. The generic plans of the lists are the
        # index scans in their order (tests/test_query_plans.py); a list whose
        # best plan depends on its values (a tag, a word, dates) is planned
        # for them each time (tasks/selectors.py). Before any options of the
        # URL's, so a plan_cache_mode given there wins.
        _db["OPTIONS"]["options"] = f"-c plan_cache_mode=force_generic_plan {_db['OPTIONS'].get('options', '')}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
# The login email is unique among the accounts that sign in with a password
# (a conditional unique constraint, users/models.py), not among all users:
# an external identity's email is only contact data. Django's check asks for
# an unconditionally unique USERNAME_FIELD; the login (get_by_natural_key)
# looks among password accounts only, where the constraint holds.
SILENCED_SYSTEM_CHECKS = ["auth.E003"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email",)},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# English only (no LocaleMiddleware, nothing of ours translated): without the
# translation machinery, every reverse() and message skips its lookup of the
# active language, as Django's performance notes advise.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed but not manifest-based: a deploy that skipped collectstatic
    # still serves the admin and docs assets (through the finders below)
    # instead of failing every page on a missing manifest entry.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Behind a TLS-terminating proxy (Heroku, Fly, Render, a load balancer) the
# Link and Location headers must say https; only trust the header when told to.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Seconds a client is told to wait (Retry-After) when the database is unreachable.
DB_UNAVAILABLE_RETRY_AFTER = int(os.environ.get("DB_UNAVAILABLE_RETRY_AFTER", "5"))

# The largest request body; a task at its longest, with every character
# JSON-escaped, is far below it. Larger bodies are answered 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(64 * 1024)))

# Rate limits ("<count>/<s|min|hour|day>"; "off" disables one). Counted in
# the cache, which is per process unless REDIS_URL names a shared one.
THROTTLE_RATES = {
    scope: None if rate.strip().lower() in {"", "off"} else rate.strip()
    for scope, rate in (
        ("auth_ip", os.environ.get("THROTTLE_AUTH_IP_RATE", "60/min")),
        ("auth_email", os.environ.get("THROTTLE_AUTH_EMAIL_RATE", "10/min")),
        ("writes_user", os.environ.get("THROTTLE_WRITES_USER_RATE", "300/min")),
    )
}
# Proxies in front of the service that append to X-Forwarded-For. With 0 the
# client address is REMOTE_ADDR: a client-sent X-Forwarded-For cannot dodge
# the per-IP limits.
NINJA_NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    # A cache shared by every process and instance, so rate limits hold overall.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Security headers: nosniff, COOP and Referrer-Policy "same-origin" are
# Django's defaults. "no-referrer" would make browsers send "Origin: null"
# on the admin's own forms, which Django's CSRF check rejects.
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain HTTP and must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if not DEBUG:
    # On by default; set SECURE_SSL_REDIRECT=false only where TLS cannot be
    # in front (a local gunicorn for benchmarks). Behind a TLS-terminating
    # proxy keep it on and set TRUST_X_FORWARDED_PROTO=true.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if not SECURE_HSTS_PRELOAD:
        # Preload-list inclusion is hard to undo and the domain owner's call;
        # it is opt-in (SECURE_HSTS_PRELOAD=true), so its warning is noise.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# JSON lines for log collectors in production, readable lines in development.
# (An empty LOG_FORMAT, as in a copied .env.example, means the default.)
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json")
# No format here prints a record's source line, and finding the caller is
# a stack walk for every line, the request log's included: the logging
# HOWTO's "Optimization" switch. Its thread and process switches stay on:
# gunicorn's own lines print the process id, and fail without it.
logging._srcfile = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "todoproject.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "todoproject.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's default config gives "django" a console handler of its own;
    # propagating to the root instead prints each line once.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
