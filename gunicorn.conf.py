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

# The usual (2 x cores) + 1 processes; WEB_CONCURRENCY overrides it where
# the platform's cgroup hides the real core count or memory is the limit.
workers = env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)

# Threaded workers that read each request in their event loop and give it to
# a thread only once it has all arrived (todoproject/workers.py): a client
# slow to send its headers or body holds no thread (with sync workers two
# such clients stopped every other request; with plain gthread, one per
# thread). Each thread that has served a request keeps its own database
# connection.
worker_class = "todoproject.workers.RequestBufferingWorker"
threads = env_int("GUNICORN_THREADS", 4)

# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel
# spreads new connections over them. On one shared socket, the worker that
# won an accept tended to win the next too: a client's keep-alive
# connections piled onto one worker while another idled, for as long as
# they lived (README, Performance). The price: connections still waiting in
# a killed worker's queue are reset instead of taken by another worker.
reuse_port = True

# The arbiter replaces a worker whose main loop stops answering for this
# long; a slow request in one of its threads does not count.
timeout = env_int("GUNICORN_TIMEOUT", 30)
# On deploy or SIGTERM, requests in flight get this long to finish.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# An idle keep-alive connection waits this long for its next request, without
# a thread; longer than a load balancer's idle timeout, so the balancer never
# reuses a socket we just closed.
keepalive = env_int("GUNICORN_KEEPALIVE", 75)

# No recycling by default: a recycled worker stops accepting and drains, and
# under load that costs the tail (README, Performance). Set a bound only to
# contain a leak seen in production.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 0)

# Import the app once in the master: a broken deploy fails before binding,
# and workers share the loaded code's memory.
preload_app = True

# One line per request is the application's (todoproject.middleware: request
# id, user, status, duration; JSON in production); gunicorn's access log
# would write a second. Requests gunicorn refuses itself never reach the
# application: they are logged as warnings on the error log.
accesslog = None
errorlog = "-"

# Whether X-Forwarded-Proto is believed is the application's setting alone
# (TRUST_X_FORWARDED_PROTO): gunicorn trusts no peer, not even loopback, to
# set the scheme or the forwarding headers.
forwarded_allow_ips = ""

# The platform manages the process with signals; gunicorn 27's runtime control
# socket is not needed, and its default path is shared by every gunicorn of a user.
control_socket_disable = True
