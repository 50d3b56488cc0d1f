"""The benchmark, one command: ``.venv/bin/python bench/run.py``

Starts the service exactly as the Procfile does (its web command, so
gunicorn.conf.py as shipped: worker class, recycling and logging included;
DEBUG off, PostgreSQL), seeds users with 10, 1,000 and 100,000 tasks by bulk
insert, and drives every operation with wrk from a separate process, each
request with its user's token (one per user, as a client keeps it) and its
own target. Beside it, under the same command and configuration, runs
bench/baseline.py: the same reads and writes with no framework, so each
figure is also a ratio to that floor. The only settings it changes from
production's are the rate limits (a load test from one address would hit
them) and the HTTPS redirect (plain HTTP on loopback). Prints req/s, p50,
p99, p99/p50 (each round's, and their median), non-2xx and peak worker memory
per operation, the floors of issues #3 and #11, and the EXPLAIN plans of the
deep-user list queries. Any non-2xx answer fails the run. With
--pgbouncer-port both servers reach PostgreSQL through PgBouncer in
transaction mode, as production does through Neon's pooled host.
"""

import argparse
import os
import re
import runpy
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from datetime import time as time_of_day
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/todo_bench")
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--connections", type=int, default=16)
parser.add_argument("--duration", type=int, default=5, help="seconds per operation and round")
parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the compared figures")
parser.add_argument("--port", type=int, default=8500, help="the service; the baseline gets the next port")
parser.add_argument(
    "--pgbouncer-port", type=int,
    help="serve both through PgBouncer in transaction mode on this port (.ci/pgbouncer), as behind Neon's pooler",
)
parser.add_argument(
    "--planning", action="store_true",
    help="also every sort, tag=, completed= and q= on the 100,000-task user against the 10-task user (issue #15)",
)
args = parser.parse_args()

os.environ.update(
    DJANGO_SETTINGS_MODULE="todoproject.settings",
    DATABASE_URL=args.database_url,
    DEBUG="false",
    SECRET_KEY=secrets.token_urlsafe(48),
    JWT_SECRET=secrets.token_urlsafe(48),
    # Plain HTTP on loopback; the limits would answer 429 to a load test.
    # Nothing else differs from production: logging, recycling and the
    # worker class are gunicorn.conf.py's own.
    SECURE_SSL_REDIRECT="false",
    THROTTLE_AUTH_IP_RATE="off",
    THROTTLE_AUTH_EMAIL_RATE="off",
    THROTTLE_WRITES_USER_RATE="off",
    # The tokens are issued once, before every round: they must outlast the run.
    JWT_ACCESS_TOKEN_TTL="86400",
    HOST="127.0.0.1",
    WEB_CONCURRENCY=str(args.workers),
)
sys.path.insert(0, str(ROOT))


def create_database() -> None:
    import psycopg

    url = urlsplit(args.database_url)
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as connection:
        name = url.path.lstrip("/")
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)


create_database()

import django  # noqa: E402  (settings come from the environment set above)

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.slow_clients import procfile_command  # noqa: E402
from signin.credentials import SIGNATURE_ONLY  # noqa: E402
from signin.services import session_start  # noqa: E402
from tasks.models import Task  # noqa: E402
from tasks.pagination import cursor_encode  # noqa: E402
from tasks.selectors import SORTS, TaskFilters, list_binding, task_list  # noqa: E402
from users.models import User  # noqa: E402


# --- Planning (issue #15, --planning) ---------------------------------------
# Every sort, and tag= and completed= with sort=due, for the 100,000-task user
# (first page and 500 deep) against the 10-task user, ten tasks a page each;
# q= for a word in 1% of the tasks. Measured in alternating rounds like the
# compared figures above, and each case's plans printed.
PLANNING_WORD = "needle"
PLANNING_FLOOR, SEARCH_FLOOR = 1.5, 3.0


def planned_task(user: User, i: int) -> Task:
    """A tenth of the tasks tagged "focus", a third done, three in four dated
    (half of those timed), the word in one in a hundred descriptions."""
    done = i % 3 == 0
    dated = i % 4 != 0
    return Task(
        user=user,
        title=f"Task {i}",
        description=f"Seeded {PLANNING_WORD}" if i % 100 == 0 else "Seeded for the benchmark",
        completed=done,
        completed_at=timezone.now() if done else None,
        priority=i % 4,
        tags=["focus", "work"] if i % 10 == 0 else ["work"] if i % 3 else [],
        due_date=date(2026, 1, 1) + timedelta(days=i % 365) if dated else None,
        due_time=time_of_day(9 + i % 8, 30) if dated and i % 2 else None,
    )


def planning_lists() -> dict[str, tuple[str, TaskFilters]]:
    """Case -> (query string, the filters the API makes of it) for the list's cursor."""
    lists = {f"sort={sort}": (f"sort={sort}", TaskFilters()) for sort in SORTS}
    lists["tag=focus, sort=due"] = ("tag=focus&sort=due", TaskFilters(tags=("focus",)))
    lists["completed=false, sort=due"] = ("completed=false&sort=due", TaskFilters(completed=False))
    return lists


def planning_operations() -> dict[str, list[str]]:
    operations = {}
    for name, (query, filters) in planning_lists().items():
        sort = dict(pair.split("=") for pair in query.split("&")).get("sort", "-created_at")
        cursor = deep_cursor_of(large, sort, filters)
        operations[f"plan {name}, 10 tasks"] = lines("GET", small, [f"?{query}&limit=10"])
        operations[f"plan {name}, 100,000 tasks"] = lines("GET", large, [f"?{query}&limit=10"])
        operations[f"plan {name}, 500 deep of 100,000"] = lines("GET", large, [f"?{query}&limit=10&cursor={cursor}"])
    operations["plan q, 10 tasks"] = lines("GET", small, [f"?q={PLANNING_WORD}&limit=10"])
    operations["plan q, 100,000 tasks"] = lines("GET", large, [f"?q={PLANNING_WORD}&limit=10"])
    return operations


def measure_planning() -> None:
    names = [name for name in OPERATIONS if name.startswith("plan ")]
    for _ in range(args.rounds):
        for name in names:
            measure("depth", name)


def report_planning() -> None:
    ratio = lambda big, small_case: median_ratio(runs[("depth", big)], runs[("depth", small_case)], "p50")  # noqa: E731
    print(f"\nPlanning floors (issue #15), p50 of the 100,000-task user / the 10-task user, 10 a page:")
    worst = 0.0
    for name in planning_lists():
        first = ratio(f"plan {name}, 100,000 tasks", f"plan {name}, 10 tasks")
        deep_ratio = ratio(f"plan {name}, 500 deep of 100,000", f"plan {name}, 10 tasks")
        worst = max(worst, first, deep_ratio)
        print(f"- {name}: first page {first:.2f}×, 500 deep {deep_ratio:.2f}× (at most {PLANNING_FLOOR}×)")
    search = ratio("plan q, 100,000 tasks", "plan q, 10 tasks")
    print(f"- q={PLANNING_WORD} (in 1% of tasks): {search:.2f}× (at most {SEARCH_FLOOR}×)")
    print(f"- worst list ratio {worst:.2f}×")
    for name, (query, filters) in planning_lists().items():
        sort = dict(pair.split("=") for pair in query.split("&")).get("sort", "-created_at")
        after = task_list(user_id=large.pk, credential=SIGNATURE_ONLY, filters=filters, sort=sort, limit=500).after
        explain(f"{name}, first page of the 100,000-task user", user_id=large.pk, credential=SIGNATURE_ONLY, filters=filters, sort=sort, limit=10)
        explain(f"{name}, 500 deep", user_id=large.pk, credential=SIGNATURE_ONLY, filters=filters, sort=sort, after=after, limit=10)
    explain(f"q={PLANNING_WORD}, the 100,000-task user", user_id=large.pk, credential=SIGNATURE_ONLY, filters=TaskFilters(q=PLANNING_WORD), limit=10)


# --- end of the planning part -------------------------------------------------


def seeded_task(user: User, i: int) -> Task:
    if not args.planning:
        return Task(user=user, title=f"Task {i}", description="Seeded for the benchmark", completed=False)
    return planned_task(user, i)


def seed(email: str, count: int) -> User:
    user = User.objects.create_user(email=email, password=secrets.token_urlsafe())
    for start in range(0, count, 10_000):
        Task.objects.bulk_create(seeded_task(user, i) for i in range(start, min(count, start + 10_000)))
    return user


started = time.monotonic()
small, medium, large = seed("bench10@example.com", 10), seed("bench1k@example.com", 1_000), seed("bench100k@example.com", 100_000)
# Tasks for the deletes, each deleted once: enough for every round of both
# servers at 4,000 deletes a second.
doomed = seed("benchdelete@example.com", 2 * args.rounds * args.duration * 4_000)
with connection.cursor() as cursor:
    # VACUUM, as autovacuum would by then: it also merges the GIN indexes' pending lists.
    cursor.execute("VACUUM ANALYZE")
print(f"seeded {Task.objects.count():,} tasks in {time.monotonic() - started:.1f} s")

# Session tokens, as clients hold them: each read joins its session's row.
token = {user.pk: session_start(user=user).access_token for user in (small, medium, large, doomed)}


def deep_cursor_of(user: User, sort: str = "-created_at", filters: TaskFilters = TaskFilters()) -> str:
    """The cursor of the page after the user's first 500 tasks in this list."""
    after = task_list(user_id=user.pk, credential=SIGNATURE_ONLY, filters=filters, sort=sort, limit=500).after
    return cursor_encode(after, list_binding(sort=sort, filters=filters))


deep = task_list(user_id=large.pk, credential=SIGNATURE_ONLY, limit=500).after
deep_cursor = deep_cursor_of(large)
medium_ids = list(Task.objects.filter(user=medium).values_list("pk", flat=True))
doomed_ids = list(Task.objects.filter(user=doomed).values_list("pk", flat=True))


def lines(method: str, user: User, paths, body: str = "") -> list[str]:
    return [f"{method}\t/api/{user.pk}/tasks{path}\t{token[user.pk]}\t{body}" for path in paths]


# Operation -> request lines; reads first, deletes last (they consume tasks).
OPERATIONS = {
    "list, 10 tasks": lines("GET", small, [""]),
    "list, 1,000 tasks": lines("GET", medium, [""]),
    "list, 100,000 tasks": lines("GET", large, [""]),
    "list, 500 deep of 100,000": lines("GET", large, [f"?cursor={deep_cursor}"]),
    # The same page size as the 10-task user's whole list: what depth costs, alone.
    "list 10, 100,000 tasks": lines("GET", large, ["?limit=10"]),
    "list 10, 500 deep of 100,000": lines("GET", large, [f"?limit=10&cursor={deep_cursor}"]),
    "get": lines("GET", medium, [f"/{pk}" for pk in medium_ids]),
    "create": lines("POST", small, [""], '{"title": "Benchmarked", "description": "by wrk"}'),
    "PUT": lines("PUT", medium, [f"/{pk}" for pk in medium_ids], '{"title": "Put by wrk", "description": "", "completed": false}'),
    "PATCH": lines("PATCH", medium, [f"/{pk}" for pk in medium_ids], '{"description": "Patched by wrk"}'),
    "toggle": lines("PATCH", medium, [f"/{pk}/complete" for pk in medium_ids]),
    "delete": lines("DELETE", doomed, [f"/{pk}" for pk in doomed_ids]),
}
READS = ["list, 10 tasks", "list, 1,000 tasks", "list, 100,000 tasks", "get"]
WRITES = ["create", "PUT", "PATCH", "toggle", "delete"]
# The floors of issue #11: each operation's req/s against the raw floor's.
FLOOR = {**dict.fromkeys(READS, 0.7), **dict.fromkeys(WRITES, 0.5)}


# --- Sync floors (issue #17): the change feed and the bulk writes, each
# measured against the operation it must keep up with, in alternating rounds
# of their own after the others.
from sync.positions import after_all, position_encode  # noqa: E402

bulk_owner, quiet = seed("benchbulk@example.com", 500), seed("benchquiet@example.com", 1_000)
token |= {user.pk: session_start(user=user).access_token for user in (bulk_owner, quiet)}
bulk_ids = list(Task.objects.filter(user=bulk_owner).values_list("pk", flat=True))
# A 1,000-task user nothing writes to: the position after all of its feed stays so.
nothing_new = position_encode(after_all(0), user_id=quiet.pk)
OPERATIONS |= {
    "changes, nothing new": [f"GET\t/api/{quiet.pk}/changes?since={nothing_new}\t{token[quiet.pk]}\t"],
    # Without since: the first 100 of the 1,000 tasks, as "list, 1,000 tasks" pages them.
    "changes, a page of 100": [f"GET\t/api/{medium.pk}/changes?limit=100\t{token[medium.pk]}\t"],
    "bulk, 500 ids": [
        line
        for action in ("complete", "uncomplete")
        for line in lines("POST", bulk_owner, ["/bulk"], f'{{"action": "{action}", "ids": {bulk_ids}}}')
    ],
}
# name -> (the operation it is held to, the highest p50 ratio allowed)
SYNC_FLOORS = {
    "changes, nothing new": ("get", 1.2),
    "changes, a page of 100": ("list, 1,000 tasks", 1.5),
    "bulk, 500 ids": ("toggle", 20.0),
}


def targets(name: str, kind: str, round_number: int) -> list[str]:
    """The request lines of one measurement: a delete never targets a task deleted before."""
    if name != "delete":
        return OPERATIONS[name]
    share = len(OPERATIONS[name]) // (2 * args.rounds)
    start = (2 * round_number + (kind == "baseline")) * share
    return OPERATIONS[name][start:start + share]
if args.planning:
    OPERATIONS = {**planning_operations(), **OPERATIONS}


def pooled() -> dict[str, str]:
    """The environment that sends both servers through PgBouncer, started here."""
    if args.pgbouncer_port is None:
        return {}
    subprocess.run([str(ROOT / ".ci" / "pgbouncer"), "start", POOLER_DIR, str(args.pgbouncer_port)], check=True)
    url = urlsplit(args.database_url)
    user = url.username + (f":{url.password}" if url.password else "")
    pooled_url = url._replace(netloc=f"{user}@{url.hostname}:{args.pgbouncer_port}").geturl()
    return {"DATABASE_URL": pooled_url, "DATABASE_POOLER": "true"}


def procfile_web(app: str) -> list[str]:
    """The Procfile's web command, serving ``app`` instead of the project's WSGI module."""
    command = procfile_command()
    assert command[-1] == "todoproject.wsgi", command
    return [*command[:-1], app]


def start_server(app: str, port: int, name: str) -> subprocess.Popen:
    log = open(RESULTS / f"{name}.log", "w")
    env = {**os.environ, **SERVED, "PORT": str(port), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    server = subprocess.Popen(procfile_web(app), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        time.sleep(0.1)
        if len(workers(server)) == args.workers:
            return server
    raise SystemExit(f"{name} did not start; see {log.name}")


def workers(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def peak_rss_mb(server: subprocess.Popen) -> float:
    peaks = [0]
    for pid in workers(server):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]))
    return max(peaks) / 1024


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port: int, name: str, request_lines: list[str], duration: float) -> dict:
    script_input = RESULTS / (re.sub(r"\W+", "_", name) + ".requests")
    threads = 2
    # Each wrk thread replays its own share of the lines: give every thread some.
    request_lines = request_lines * max(1, threads // len(request_lines) + 1)
    script_input.write_text("\n".join(request_lines) + "\n")
    out = subprocess.run(
        [
            "wrk", f"-t{threads}", f"-c{args.connections}", f"-d{duration:.0f}s", "--latency",
            "-s", str(ROOT / "bench" / "requests.lua"), f"http://127.0.0.1:{port}",
            "--", str(script_input), str(threads),
        ],
        capture_output=True, text=True, check=True,
    ).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out)[1]),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": latency("50"),
        "p99": latency("99"),
        "non_2xx": int(errors[1]) if errors else 0,
        "socket_errors": sum(map(int, sockets.groups())) if sockets else 0,
    }


def explain(title: str, **query) -> None:
    with CaptureQueriesContext(connection) as captured:
        task_list(**query)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[-1]["sql"])
        plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
    print(f"\nEXPLAIN ANALYZE, {title}:\n{plan}")


if shutil.which("wrk") is None:
    # A fresh machine's package lists may be empty: install would find nothing.
    subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
RESULTS.mkdir(exist_ok=True)
POOLER_DIR = str(RESULTS / "pgbouncer")
SERVED = pooled()
# What the shipped configuration says, read as gunicorn reads it.
SHIPPED = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
RECYCLE_AFTER = SHIPPED["max_requests"] + SHIPPED["max_requests_jitter"] if SHIPPED["max_requests"] else 0
service = start_server("todoproject.wsgi", args.port, "service")
baseline = start_server("bench.baseline:app", args.port + 1, "baseline")
# Compared figures are measured in alternating rounds (baseline, service,
# baseline, ...; each depth case in turn), and each ratio is the median of
# the rounds' ratios: a shared machine's speed drifts over a run by more than
# the differences measured, and alternation cancels the drift.
DEPTH = ["list 10, 100,000 tasks", "list 10, 500 deep of 100,000"]
runs = {}
durations = {}


def measure(kind: str, name: str, round_number: int = 0) -> None:
    server, port = (baseline, args.port + 1) if kind == "baseline" else (service, args.port)
    duration = durations.get(name, args.duration)
    result = wrk(port, f"{kind} {name}", targets(name, kind, round_number), duration)
    if RECYCLE_AFTER and result["requests"] < 2 * args.workers * RECYCLE_AFTER and name != "delete":
        # With recycling on, each run must outlast a recycle of every worker,
        # or the figures would hide what it costs.
        durations[name] = duration * 2 * args.workers * RECYCLE_AFTER / max(result["requests"], 1) * 1.2
        result = wrk(port, f"{kind} {name}", targets(name, kind, round_number), durations[name])
    runs.setdefault((kind, name), []).append({**result, "rss": peak_rss_mb(server)})


try:
    # Both servers serve a few seconds of reads first: every thread of theirs
    # opens its database connection and prepares its statements, as a server
    # that has run a while has, instead of the first figure measured paying it.
    for kind, port in (("baseline", args.port + 1), ("service", args.port)):
        for name in READS:
            wrk(port, f"warm-up {kind} {name}", targets(name, kind, 0), 1)
    for round_number in range(args.rounds):
        for name in READS:
            measure("baseline", name)
            measure("service", name)
        for name in ["list, 10 tasks", *DEPTH]:
            measure("depth", name)
    if args.planning:
        measure_planning()
    for name in OPERATIONS:
        if name not in READS and name not in WRITES and name not in SYNC_FLOORS and ("depth", name) not in runs:
            measure("service", name)
    # Writes after every read, so the reads see the seeded data as it was.
    for round_number in range(args.rounds):
        for name in WRITES:
            measure("baseline", name, round_number)
            measure("service", name, round_number)
    for _ in range(args.rounds):
        for name, (against, _) in SYNC_FLOORS.items():
            measure("sync", against)
            measure("sync", name)
finally:
    for server in (service, baseline):
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if SERVED:
        subprocess.run([str(ROOT / ".ci" / "pgbouncer"), "stop", POOLER_DIR], check=True)


def median_run(measured: list[dict]) -> dict:
    """The run of median req/s, with every round's failures counted."""
    middle = sorted(measured, key=lambda r: r["rps"])[len(measured) // 2]
    return {**middle, "failures": sum(r["non_2xx"] + r["socket_errors"] for r in measured)}


def median_ratio(numerators: list[dict], denominators: list[dict], key: str) -> float:
    return statistics.median(n[key] / d[key] for n, d in zip(numerators, denominators))


rounds = {
    **{name: runs.get(("service", name)) or runs.get(("depth", name)) or runs[("sync", name)] for name in OPERATIONS},
    **{f"floor: {name}": runs[("baseline", name)] for name in FLOOR},
}
results = {name: median_run(rounds[name]) for name in OPERATIONS}
floor = {name: median_run(rounds[f"floor: {name}"]) for name in FLOOR}


def tails(label: str) -> list[float]:
    """Each round's own p99/p50. A 5-second round's p99 is its slowest hundred or so
    requests, which one stall of the shared machine fills (every connection waits at
    once), so the tail is judged by the rounds' median, as the req/s ratios are, and
    every round's is printed beside it."""
    return [r["p99"] / r["p50"] for r in rounds[label]]


throughput = {name: median_ratio(runs[("service", name)], runs[("baseline", name)], "rps") for name in FLOOR}
depth = {name: median_ratio(runs[("depth", name)], runs[("depth", "list, 10 tasks")], "p50") for name in DEPTH}

cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
recycling = f"recycled every {SHIPPED['max_requests']}+{SHIPPED['max_requests_jitter']} requests" if RECYCLE_AFTER else "no recycling"
print(
    f"\n{os.cpu_count()} cores ({cpu}); the Procfile's gunicorn: {args.workers} {SHIPPED['worker_class']} workers "
    f"x {SHIPPED['threads']} threads, {recycling}, access log {'on' if SHIPPED['accesslog'] else 'off'}, "
    f"LOG_LEVEL {os.environ.get('LOG_LEVEL', 'INFO')}; wrk -t2 -c{args.connections} -d{args.duration}s; "
    f"compared figures: median of {args.rounds} alternating rounds"
    + ("; both through PgBouncer in transaction mode\n" if SERVED else "\n")
)


def row(label: str, r: dict, ratio: str) -> None:
    each = tails(label)
    print(
        f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {statistics.median(each):.1f} "
        f"| {', '.join(f'{tail:.1f}' for tail in each)} | {r['failures']} | {r['rss']:.0f} | {ratio} |"
    )


print(
    "| operation | req/s | p50 ms | p99 ms | p99/p50, median round | p99/p50 by round | non-2xx "
    "| peak RSS/worker MB | req/s vs floor |"
)
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, r in results.items():
    row(name, r, f"{throughput[name]:.2f}×" if name in throughput else "")
for name, r in floor.items():
    row(f"floor: {name}", r, "1.00×")

print("\nFloors (issues #3 and #11):")
print(
    f"- list p50, 100,000-task user / 10-task user, 10 tasks a page: first page {depth[DEPTH[0]]:.2f}×, "
    f"500 deep {depth[DEPTH[1]]:.2f}× (at most 1.5×)"
)
for name, minimum in FLOOR.items():
    verdict = "ok" if throughput[name] >= minimum else "BELOW"
    print(f"- {name}: {throughput[name]:.2f}× the floor's req/s (at least {minimum}×): {verdict}")
print("- sync (issue #17), p50 against the operation named:")
for name, (against, most) in SYNC_FLOORS.items():
    ratio = median_ratio(runs[("sync", name)], runs[("sync", against)], "p50")
    print(f"  - {name}: {ratio:.2f}× {against} (at most {most:g}×): {'ok' if ratio <= most else 'OVER'}")
tail = {name: (statistics.median(tails(name)), max(tails(name))) for name in OPERATIONS}
over = [f"{name} {median:.1f}×" for name, (median, _) in tail.items() if median > 3]
rounds_over = [f"{name} {worst:.1f}×" for name, (_, worst) in tail.items() if worst > 3]
print(
    f"- p99 at most 3× p50 for every operation, the median of its rounds': {'ok' if not over else 'over in ' + ', '.join(over)}"
    f"\n  (single rounds over 3×: {', '.join(rounds_over) or 'none'})"
)

explain("first page of the 100,000-task user", user_id=large.pk, credential=SIGNATURE_ONLY, limit=100)
explain("page 500 deep of the 100,000-task user", user_id=large.pk, credential=SIGNATURE_ONLY, after=deep, limit=100)
if args.planning:
    report_planning()

failed = [f"{server} {name}" for (server, name), measured in runs.items() if median_run(measured)["failures"]]
if failed:
    raise SystemExit(f"\nFAILED: non-2xx answers or socket errors in {', '.join(failed)}")
