"""Gunicorn's production defaults, each overridable from the environment.

Used by the Procfile: ``gunicorn -c gunicorn.conf.py todoproject.wsgi``.
"""

import multiprocessing
import os


def env_int(name: str, default: int) -> int:
    # An empty value (as .env.example leaves optional ones) means "the default".
    return int(os.environ.get(name) or default)

# Platforms (Heroku, Render, Fly, Railway) say which port to listen on in PORT;
# HOST=127.0.0.1 keeps a run on a shared machine off the network.
bind = f"{os.environ.get('HOST') or '0.0.0.0'}:{env_int('PORT', 8000)}"

# The usual (2 x cores) + 1 sync workers; WEB_CONCURRENCY overrides it where
# the platform's cgroup hides the real core count or memory is the limit.
workers = env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)

# A worker stuck longer than this is killed and replaced, freeing its slot.
timeout = env_int("GUNICORN_TIMEOUT", 30)
# On deploy or SIGTERM, requests in flight get this long to finish.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than a load balancer's idle timeout, so it never reuses a socket we just closed.
keepalive = env_int("GUNICORN_KEEPALIVE", 75)

# Recycle workers now and then (jittered, so not all at once) to bound slow leaks.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Import the app once in the master: a broken deploy fails before binding,
# and workers share the loaded code's memory.
preload_app = True

accesslog = "-"
errorlog = "-"
# The request id the application puts on the response ties an access-log
# line to the application's log lines for the same request.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
)

# The platform manages the process with signals; gunicorn 27's runtime control
# socket is not needed, and its default path is shared by every gunicorn of a user.
control_socket_disable = True
