"""SIGKILL a gunicorn worker in the middle of a create load; no acknowledged write may be lost.

Starts gunicorn (several workers, PostgreSQL, DEBUG off with throwaway
secrets) on loopback, registers a user, and has a few threads create tasks
for a bounded time and count. Part-way through it kills one worker with
SIGKILL. Afterwards it checks that the master replaced the worker and that
every task answered 201 exists in the database, prints the counts, and
exits non-zero on a lost write or a worker that was not replaced.

    .venv/bin/python bench/kill_worker.py [--workers 3] [--seconds 6]
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--threads", type=int, default=6, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=6.0, help="load duration")
    parser.add_argument("--max-requests", type=int, default=5000, help="bound on creates")
    parser.add_argument("--kill-after", type=float, default=2.0, help="seconds into the load")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/todo_ops_bench")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def worker_pids(master: int) -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # Field 4 of /proc/<pid>/stat is the parent pid (after "pid (comm) state").
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.add(int(entry.name))
    return children


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def main() -> int:
    args = arguments()
    ensure_database(args.database_url)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SECRET": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no TLS proxy in front to redirect to.
        "SECURE_SSL_REDIRECT": "false",
        # One user writing as fast as it can is the point here, not abuse.
        "THROTTLE_WRITES_USER_RATE": "off",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = open(RESULTS / "kill_worker.gunicorn.log", "w")
    server = subprocess.Popen(
        # The production gunicorn.conf.py, with the worker count and port of
        # this run, and no recycling after N requests: the only worker
        # replacement must be the one this script causes.
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "todoproject.wsgi",
         "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
         "--max-requests", "0", "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        return run(args, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def run(args: argparse.Namespace, master: int) -> int:
    def up() -> bool:
        try:
            return request(args.port, "GET", "/readyz")[0] == 200
        except OSError:
            return False

    if not wait_until(lambda: up() and len(worker_pids(master)) == args.workers, 30):
        print("gunicorn did not become ready", file=sys.stderr)
        return 2
    email = f"kill-{secrets.token_hex(6)}@example.com"
    credentials = {"email": email, "password": secrets.token_urlsafe(16)}
    status, body = request(args.port, "POST", "/api/auth/register", credentials)
    if status != 201:
        print(f"registration failed: {status} {body!r}", file=sys.stderr)
        return 2
    auth = json.loads(body)
    token, user_id = auth["access_token"], auth["user"]["id"]

    acknowledged: list[int] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    budget = iter(range(args.max_requests))
    deadline = time.monotonic() + args.seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(budget, None)
            if n is None:
                return
            try:
                status, body = request(args.port, "POST", f"/api/{user_id}/tasks", {"title": f"task {n}"}, token)
                outcome = str(status)
            except OSError as exc:
                # The killed worker's in-flight request gets no answer: not acknowledged.
                status, outcome = None, type(exc).__name__
            with lock:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if status == 201:
                    acknowledged.append(json.loads(body)["id"])

    threads = [threading.Thread(target=client) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    time.sleep(args.kill_after)
    before = worker_pids(master)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()

    def replaced_by_a_new_worker() -> bool:
        now = worker_pids(master)
        return victim not in now and len(now - before) == 1 and len(now) == args.workers

    replaced = wait_until(replaced_by_a_new_worker, 15)
    replaced_in = time.monotonic() - killed_at
    for thread in threads:
        thread.join()

    with psycopg.connect(args.database_url) as conn:
        found = {row[0] for row in conn.execute("SELECT id FROM tasks_task WHERE id = ANY(%s)", (acknowledged,))}
        stored = conn.execute("SELECT count(*) FROM tasks_task WHERE user_id = %s", (user_id,)).fetchone()[0]
    lost = sorted(set(acknowledged) - found)

    print(f"workers: {args.workers}, killed pid {victim} at {args.kill_after:.1f}s; "
          f"replaced: {'yes' if replaced else 'NO'} ({replaced_in:.2f}s)")
    print(f"requests: {sum(outcomes.values())} ({', '.join(f'{k}: {v}' for k, v in sorted(outcomes.items()))})")
    print(f"acknowledged (201): {len(acknowledged)}, found in database: {len(found)}, lost: {len(lost)}")
    print(f"rows stored for the user: {stored} (more than acknowledged = committed but the answer was lost)")
    if lost:
        print(f"LOST acknowledged task ids: {lost[:20]}", file=sys.stderr)
    return 0 if replaced and acknowledged and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
