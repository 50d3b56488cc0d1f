"""The Procfile's gunicorn worker hands a thread only requests that have all arrived."""

import socket
import time

import pytest

from tests.test_deploy_config import migrated_procfile_web, start_procfile_web  # noqa: F401 (fixtures)
from todoproject.workers import Arrival

HEAD_LIMIT, BODY_LIMIT = 10_000, 1_000


def arrived_after(*pieces: bytes) -> list[bool]:
    """Whether the request could go to a thread after each piece came in."""
    arrival = Arrival(HEAD_LIMIT, BODY_LIMIT)
    return [arrival.add(piece) for piece in pieces]


def test_a_request_without_a_body_has_arrived_with_the_blank_line_after_its_headers():
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    assert arrived_after(*(request[i : i + 1] for i in range(len(request)))) == [False] * (len(request) - 1) + [True]


def test_a_body_has_arrived_when_its_content_length_has():
    head = b"POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"

    assert arrived_after(head, b"12345", b"6789", b"0") == [False, False, False, True]
    assert arrived_after(head.replace(b"Content-Length", b"content-LENGTH") + b"1234567890") == [True]


@pytest.mark.parametrize(
    "content_length",
    [b"Content-Length: 10\r\nContent-Length: 10", b"Content-Length: +10", b"Content-Length: 1e1", b"Content-Length: "],
)
def test_a_content_length_that_is_not_one_plain_number_goes_to_the_parser_at_once(content_length):
    assert arrived_after(b"POST /t HTTP/1.1\r\n" + content_length + b"\r\n\r\n") == [True]


def test_a_body_larger_than_django_takes_goes_to_the_parser_once_past_the_limit():
    head = b"POST /t HTTP/1.1\r\nContent-Length: 99999\r\n\r\n"

    assert arrived_after(head, b"x" * (BODY_LIMIT - 1), b"x") == [False, False, True]


def test_a_head_larger_than_the_parser_accepts_goes_to_it_to_be_refused():
    assert arrived_after(b"GET /t HTTP/1.1\r\nX-Big: ", b"x" * HEAD_LIMIT) == [False, True]


def test_an_expect_100_continue_goes_to_the_thread_with_its_head_which_then_answers_it():
    assert arrived_after(b"POST /t HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n") == [True]


def test_a_chunked_body_has_arrived_with_its_last_chunk_and_the_end_of_its_trailers():
    head = b"POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

    assert arrived_after(head, b"5\r\nhel", b"lo\r\n", b"a;name=value\r\n0123456789\r\n", b"0\r\n", b"\r\n") == [
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    assert arrived_after(head, b"3\r\nabc\r\n0\r\nX-Trailer: 1\r\n", b"\r\n") == [False, False, True]
    # Data that looks like the end of the body does not end it.
    assert arrived_after(head + b"9\r\n0\r\n\r\n0\r\n\r", b"\n0\r\n\r\n") == [False, True]


def test_a_chunk_size_that_is_not_hex_goes_to_the_parser_to_be_refused():
    head = b"POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

    assert arrived_after(head, b"zz") == [False, False]
    assert arrived_after(head, b"zz\r\n") == [False, True]


def exchange(port: int, *pieces: bytes, pause: float = 0.0, answers: int = 1) -> bytes:
    """Sends the pieces, ``pause`` apart, and reads until ``answers`` responses came."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        received = b""
        while received.count(b"HTTP/1.1 ") - received.count(b"HTTP/1.1 100 ") < answers or not received.endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            received += data
        return received


def test_gunicorn_answers_a_request_that_trickles_in_a_byte_at_a_time(start_procfile_web):  # noqa: F811
    base, _ = start_procfile_web()
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    answer = exchange(int(base.rsplit(":", 1)[1]), *(request[i : i + 1] for i in range(len(request))), pause=0.01)

    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"status": "ok"}'), answer


def test_gunicorn_answers_requests_sent_back_to_back_on_one_connection_in_order(migrated_procfile_web):  # noqa: F811
    base, _ = migrated_procfile_web
    body = b'{"email": "nobody@example.com", "password": "not the password"}'
    token = (
        b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )

    answer = exchange(int(base.rsplit(":", 1)[1]), token + b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", answers=2)

    first, second = answer.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"401 ") and second.startswith(b"200 ") and second.endswith(b'{"status": "ok"}'), answer


def test_gunicorn_answers_an_expect_100_continue_and_then_reads_the_body(migrated_procfile_web):  # noqa: F811
    base, _ = migrated_procfile_web
    body = b'{"email": "nobody@example.com", "password": "not the password"}'
    head = (
        b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
    )

    answer = exchange(int(base.rsplit(":", 1)[1]), head, body, pause=0.2)

    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 "), answer
