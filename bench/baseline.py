"""The floor: the list and get requests with no framework at all.

A bare WSGI app on raw psycopg that does the same honest work as the service
for the same JSON (verify the JWT, check the user is active, one indexed query,
orjson), so the benchmark can print what Django and Ninja cost on top.
Run by bench/run.py under the same gunicorn settings.
"""

import os
import re

import jwt
import orjson
import psycopg

SECRET = os.environ["JWT_SECRET"]
COLUMNS = "id, user_id, title, description, completed, completed_at, created_at, updated_at"
NAMES = COLUMNS.split(", ")
LIST = re.compile(r"/api/(\d+)/tasks")
GET = re.compile(r"/api/(\d+)/tasks/(\d+)")
_connection = None


def cursor():
    global _connection
    if _connection is None or _connection.closed:
        # Prepared after five runs, as the service's are; not behind a
        # transaction-mode pooler, which cannot keep them (as for the service).
        pooled = os.environ.get("DATABASE_POOLER") == "true"
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None if pooled else 5)
    return _connection.cursor()


def answer(start_response, status, body, headers=()):
    start_response(status, [("Content-Type", "application/json"), *headers])
    return [body]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    match = GET.fullmatch(path) or LIST.fullmatch(path)
    if not match:
        return answer(start_response, "404 Not Found", b'{"detail":"Not Found"}')
    try:
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        user_id = int(jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})["sub"])
    except (jwt.InvalidTokenError, ValueError):
        return answer(start_response, "401 Unauthorized", b'{"detail":"Unauthorized"}')
    with cursor() as cur:
        if cur.execute("SELECT 1 FROM users_user WHERE id = %s AND is_active", (user_id,)).fetchone() is None:
            return answer(start_response, "401 Unauthorized", b'{"detail":"Unauthorized"}')
        if int(match[1]) != user_id:
            return answer(start_response, "403 Forbidden", b'{"detail":"Forbidden"}')
        if match.re is GET:
            row = cur.execute(
                f"SELECT {COLUMNS} FROM tasks_task WHERE id = %s AND user_id = %s", (int(match[2]), user_id)
            ).fetchone()
            if row is None:
                return answer(start_response, "404 Not Found", b'{"detail":"Not found."}')
            return answer(start_response, "200 OK", orjson.dumps(dict(zip(NAMES, row)), option=orjson.OPT_UTC_Z))
        rows = cur.execute(
            f"SELECT {COLUMNS} FROM tasks_task WHERE user_id = %s ORDER BY created_at DESC, id DESC LIMIT 101",
            (user_id,),
        ).fetchall()
    body = orjson.dumps([dict(zip(NAMES, row)) for row in rows[:100]], option=orjson.OPT_UTC_Z)
    return answer(start_response, "200 OK", body)
