"""Slow clients must not stop the service: other clients are answered while they hold on.

Starts the web process exactly as the Procfile does (DEBUG off, throwaway
secrets, loopback only). Then it opens --slow connections that never finish
(half of them stop in the middle of their headers, half declare a
Content-Length larger than the body they send) and keeps them open for
--hold seconds, while --clients threads send ordinary requests (``/readyz``,
which asks the database, and ``/healthz``) one after another. Every ordinary
request must be answered 200, and their p99 must stay under --max-p99 seconds. It prints the counts
and latencies and exits 1 otherwise. Every request goes to 127.0.0.1; the
run is bounded by --hold and each request's timeout.

    .venv/bin/python bench/slow_clients.py                 # SQLite in a temporary folder
    .venv/bin/python bench/slow_clients.py --database-url postgres://postgres@127.0.0.1:5432/todo_slow
"""

import argparse
import http.client
import os
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# Stops in the middle of its headers: the blank line never comes.
PARTIAL_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
# Complete headers, but a body shorter than its Content-Length.
SHORT_BODY = (
    b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n{\"email\": "
)


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8520)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow", type=int, default=20, help="slow connections held")
    parser.add_argument("--hold", type=float, default=15.0, help="seconds the slow connections are held")
    parser.add_argument("--clients", type=int, default=4, help="ordinary clients, each one request at a time")
    parser.add_argument("--max-p99", type=float, default=1.0, help="seconds")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    return parser.parse_args(argv)


def procfile_command() -> list[str]:
    (line,) = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web: ")]
    return shlex.split(line.removeprefix("web: "))


def answered(port: int, path: str, timeout: float) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_ready(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if answered(port, "/readyz", 2) == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not become ready")


def start(port: int, workers: int, database_url: str, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        # Plain HTTP on loopback: no TLS proxy in front to redirect to.
        "SECURE_SSL_REDIRECT": "false",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(log_path, "w")
    return subprocess.Popen(procfile_command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def hold_slow_connections(port: int, count: int) -> list[socket.socket]:
    held = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(PARTIAL_HEADERS if i % 2 == 0 else SHORT_BODY)
        held.append(sock)
    return held


def server_kept(sock: socket.socket) -> bool:
    """Whether the server still holds the connection open (it has not closed or answered it)."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def ordinary_load(port: int, clients: int, seconds: float) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        path = "/readyz" if number % 2 == 0 else "/healthz"
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status = answered(port, path, timeout=5)
            except OSError as exc:
                failures.append(f"{path}: {exc!r}")
                continue
            latencies.append(time.monotonic() - started)
            if status != 200:
                failures.append(f"{path}: {status}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run(args: argparse.Namespace) -> int:
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{Path(folder) / 'db.sqlite3'}"
        server = start(args.port, args.workers, database_url, RESULTS / "slow_clients.log")
        try:
            wait_ready(args.port, server)
            held = hold_slow_connections(args.port, args.slow)
            try:
                # The slow connections are in place before the load starts.
                time.sleep(0.5)
                latencies, failures = ordinary_load(args.port, args.clients, args.hold)
                still_open = sum(1 for sock in held if server_kept(sock))
            finally:
                for sock in held:
                    sock.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    if not latencies:
        print(f"no ordinary request was answered while {args.slow} slow connections were held")
        print("\n".join(failures[:10]))
        return 1
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(
        f"{args.slow} slow connections held {args.hold:.0f} s ({still_open} still held open by the server at the end), "
        f"{args.clients} ordinary clients: {len(latencies)} answered "
        f"({len(latencies) / args.hold:.0f}/s), {len(failures)} failed; "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    for failure in failures[:10]:
        print(f"  {failure}")
    if failures or p99 >= args.max_p99:
        print(f"FAILED: every ordinary request must be answered 200 with p99 under {args.max_p99} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(arguments()))
