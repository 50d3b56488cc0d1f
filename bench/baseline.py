"""The floor: the service's reads and writes with no framework at all.

A bare WSGI app on raw psycopg that does the same honest work as the service
for the same JSON (verify the JWT, check the user is active, one indexed
query or one INSERT/UPDATE/DELETE ... RETURNING, orjson), as a hand-written
app would, so the benchmark can print what Django and Ninja cost on top.
Run by bench/run.py under the same gunicorn configuration as the service.
"""

import os
import re
import threading
from datetime import datetime, timezone

import jwt
import orjson
import psycopg

SECRET = os.environ["JWT_SECRET"]
COLUMNS = (
    "id, user_id, title, description, completed, completed_at, priority, tags, due_date, due_time,"
    " created_at, updated_at"
)
NAMES = COLUMNS.split(", ")
LIST = re.compile(r"/api/(\d+)/tasks")
ONE = re.compile(r"/api/(\d+)/tasks/(\d+)")
COMPLETE = re.compile(r"/api/(\d+)/tasks/(\d+)/complete")
WRITABLE = {"title", "description", "completed"}
_local = threading.local()


def cursor():
    # One connection per thread, as the service's threads each keep theirs.
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        # Prepared after five runs, as the service's are; not behind a
        # transaction-mode pooler, which cannot keep them (as for the service).
        pooled = os.environ.get("DATABASE_POOLER") == "true"
        connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None if pooled else 5)
        _local.connection = connection
    return connection.cursor()


def answer(start_response, status, body=b"", headers=()):
    start_response(status, [("Content-Type", "application/json"), *headers])
    return [body]


def task_body(row) -> bytes:
    return orjson.dumps(dict(zip(NAMES, row)), option=orjson.OPT_UTC_Z)


def fields(environ) -> dict | None:
    """The body's writable fields, or None when it is not a valid task body."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        data = orjson.loads(environ["wsgi.input"].read(length)) if length else {}
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or set(data) - WRITABLE:
        return None
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or not 1 <= len(title.strip()) <= 200):
        return None
    if "completed" in data and not isinstance(data["completed"], bool):
        return None
    return data


def write(cur, method: str, user_id: int, task_id: int | None, complete: bool, data: dict):
    now = datetime.now(timezone.utc)
    if method == "POST":
        completed = data.get("completed", False)
        return cur.execute(
            "INSERT INTO tasks_task (user_id, title, description, completed, completed_at, created_at, updated_at,"
            " idempotency_fingerprint, priority, tags, change_seq)"
            f" VALUES (%s, %s, %s, %s, %s, %s, %s, '', 0, '[]', 0) RETURNING {COLUMNS}",
            (user_id, data["title"].strip(), data.get("description") or "", completed, now if completed else None, now, now),
        ).fetchone()
    if method == "DELETE":
        return cur.execute("DELETE FROM tasks_task WHERE id = %s AND user_id = %s RETURNING id", (task_id, user_id)).fetchone()
    if complete and "completed" not in data:
        return cur.execute(
            "UPDATE tasks_task SET completed = NOT completed,"
            " completed_at = CASE WHEN completed THEN NULL ELSE %s END, updated_at = %s"
            f" WHERE id = %s AND user_id = %s RETURNING {COLUMNS}",
            (now, now, task_id, user_id),
        ).fetchone()
    assignments, values = ["updated_at = %s"], [now]
    for name in ("title", "description"):
        if name in data:
            assignments.append(f"{name} = %s")
            values.append(data[name].strip() if name == "title" else data[name] or "")
    if "completed" in data:
        assignments.append("completed = %s, completed_at = CASE WHEN %s THEN COALESCE(completed_at, %s) END")
        values += [data["completed"], data["completed"], now]
    return cur.execute(
        f"UPDATE tasks_task SET {', '.join(assignments)} WHERE id = %s AND user_id = %s RETURNING {COLUMNS}",
        (*values, task_id, user_id),
    ).fetchone()


def app(environ, start_response):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    match = COMPLETE.fullmatch(path) or ONE.fullmatch(path) or LIST.fullmatch(path)
    if not match:
        return answer(start_response, "404 Not Found", b'{"detail":"Not Found"}')
    try:
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        user_id = int(jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})["sub"])
    except (jwt.InvalidTokenError, ValueError):
        return answer(start_response, "401 Unauthorized", b'{"detail":"Unauthorized"}')
    data = {} if method in ("GET", "DELETE") else fields(environ)
    if data is None or (method == "POST" and "title" not in data):
        return answer(start_response, "422 Unprocessable Entity", b'{"detail":"Invalid body"}')
    with cursor() as cur:
        if cur.execute("SELECT 1 FROM users_user WHERE id = %s AND is_active", (user_id,)).fetchone() is None:
            return answer(start_response, "401 Unauthorized", b'{"detail":"Unauthorized"}')
        if int(match[1]) != user_id:
            return answer(start_response, "403 Forbidden", b'{"detail":"Forbidden"}')
        task_id = int(match[2]) if match.re is not LIST else None
        if method != "GET" and (method == "POST") != (task_id is None):
            return answer(start_response, "405 Method Not Allowed", b'{"detail":"Method not allowed"}')
        if method == "GET" and task_id is not None:
            row = cur.execute(
                f"SELECT {COLUMNS} FROM tasks_task WHERE id = %s AND user_id = %s", (task_id, user_id)
            ).fetchone()
        elif method == "GET":
            rows = cur.execute(
                f"SELECT {COLUMNS} FROM tasks_task WHERE user_id = %s ORDER BY created_at DESC, id DESC LIMIT 101",
                (user_id,),
            ).fetchall()
            body = orjson.dumps([dict(zip(NAMES, row)) for row in rows[:100]], option=orjson.OPT_UTC_Z)
            return answer(start_response, "200 OK", body)
        else:
            row = write(cur, method, user_id, task_id, match.re is COMPLETE, data)
    if row is None:
        return answer(start_response, "404 Not Found", b'{"detail":"Not found."}')
    if method == "DELETE":
        return answer(start_response, "204 No Content")
    if method == "POST":
        return answer(start_response, "201 Created", task_body(row), [("Location", f"{path}/{row[0]}")])
    return answer(start_response, "200 OK", task_body(row))
