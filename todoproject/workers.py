"""The gunicorn worker the Procfile runs: gthread, handing a thread only whole requests.

Gunicorn's gthread worker gives a connection to a thread as soon as its
first bytes arrive, and the thread then reads the rest of the request with
a blocking socket: a client that stops in the middle of its headers, or
short of its Content-Length, holds that thread until it gives up, and a few
such clients stop a worker. This worker reads each request in the worker's
event loop, where the kept-alive connections wait too, and hands it to a
thread only once it has all arrived. Then threads are sized for the work
(database waits, the GIL), not for how many slow clients there may be.

What counts as arrived is decided here only to know when to hand over; the
request is then parsed and checked by gunicorn's own parser, as before. In
doubt (a head or body larger than could be accepted, a Content-Length that
is not one plain number, ``Expect: 100-continue``, which waits for
gunicorn's answer), the request is handed over as it is and the parser
answers it.
"""

import re
import selectors
import time
from collections import deque
from functools import partial

from django.conf import settings
from gunicorn.workers.gthread import ThreadWorker

_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]{1,19})[ \t]*(?:\r\n|$)")
_CHUNK_SIZE = re.compile(rb"([0-9a-fA-F]{1,16})[ \t]*(?:;[^\r\n]*)?\r\n")
_RECEIVE_SIZE = 64 * 1024


class Arrival:
    """How much of a connection's next request has arrived.

    Each call reads on from where the last one stopped, so a client sending
    a byte at a time costs the event loop no more than one sending it all.
    """

    def __init__(self, head_limit: int, body_limit: int):
        self.head_limit = head_limit
        self.body_limit = body_limit
        self.data = bytearray()
        self.scanned = 0
        self.body_start: int | None = None
        # The length the request is whole at, once the head says it.
        self.wanted: int | None = None
        # Where the next chunk's size line starts, for a chunked body.
        self.chunk: int | None = None
        self.last_chunk = False

    def add(self, data: bytes) -> bool:
        """Take the bytes read; whether the request can now go to a thread."""
        self.data += data
        if self.body_start is None and not self._head():
            return len(self.data) > self.head_limit
        if len(self.data) - self.body_start >= self.body_limit:
            return True
        if self.chunk is not None:
            return self._chunks()
        return len(self.data) >= self.wanted

    def _head(self) -> bool:
        end = self.data.find(_HEAD_END, max(self.scanned - 3, 0))
        self.scanned = len(self.data)
        if end < 0:
            return False
        self.body_start = end + len(_HEAD_END)
        head = bytes(self.data[:end]).lower()
        self.wanted = self.body_start
        if b"\r\nexpect:" in head:
            return True
        if b"\r\ntransfer-encoding:" in head:
            self.chunk = self.body_start
            return True
        lengths = _CONTENT_LENGTH.findall(head)
        if len(lengths) == 1 and head.count(b"\r\ncontent-length:") == 1:
            self.wanted += int(lengths[0])
        return True

    def _chunks(self) -> bool:
        while not self.last_chunk:
            size_line = _CHUNK_SIZE.match(self.data, self.chunk)
            if size_line is None:
                # Either the line is still arriving or it is not a size line,
                # which the parser refuses without reading further.
                return self.data.find(b"\r\n", self.chunk) >= 0
            size = int(size_line[1], 16)
            if size == 0:
                self.last_chunk = True
                # The trailers (usually none) end with an empty line.
                self.scanned = size_line.end() - 2
                break
            after = size_line.end() + size + 2
            if after > len(self.data):
                return False
            self.chunk = after
        end = self.data.find(_HEAD_END, max(self.scanned - 2, 0))
        self.scanned = len(self.data)
        return end >= 0


class RequestBufferingWorker(ThreadWorker):
    """A gthread worker whose threads never wait for a client to send."""

    @classmethod
    def check_config(cls, cfg, log):
        # The bytes read are handed to the plain HTTP/1 parser; TLS, HTTP/2
        # and uwsgi read the socket in ways this worker does not know.
        if cfg.is_ssl or cfg.protocol != "http" or "h2" in cfg.http_protocols:
            raise RuntimeError("RequestBufferingWorker serves plain HTTP/1.x only")
        super().check_config(cfg, log)

    def init_process(self):
        # Connections whose next request is still arriving, oldest first.
        self.receiving = deque()
        # A request line and as many header lines as the parser accepts.
        self.head_limit = self.cfg.limit_request_line + self.cfg.limit_request_fields * (
            self.cfg.limit_request_field_size + 2
        )
        # Django refuses a larger body (413) without reading it to its end.
        self.body_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
        super().init_process()

    def enqueue_req(self, conn):
        """Every way into a thread (a new connection, a kept-alive one, bytes
        read ahead) comes here: the request goes to a thread if it has all
        arrived, else waits for the rest on the event loop."""
        conn.arrival = Arrival(self.head_limit, self.body_limit)
        ahead = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        if ahead and conn.arrival.add(ahead):
            super().enqueue_req(conn)
        else:
            self._wait_for_more(conn)

    def _wait_for_more(self, conn):
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.receiving.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.receive, conn))

    def on_client_socket_readable(self, conn, client):
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.arrival = Arrival(self.head_limit, self.body_limit)
        self.receive(conn, client, waiting=False)

    def receive(self, conn, client, waiting=True):
        """The event loop's read of a request that has not all arrived."""
        try:
            data = client.recv(_RECEIVE_SIZE)
        except (BlockingIOError, InterruptedError):
            data = None
        except OSError:
            data = b""
        if data is None:
            if not waiting:
                self._wait_for_more(conn)
            return
        if waiting:
            self.poller.unregister(client)
            self.receiving.remove(conn)
        if not data:
            self.nr_conns -= 1
            conn.close()
        elif conn.arrival.add(data):
            super().enqueue_req(conn)
        else:
            self._wait_for_more(conn)

    def handle(self, conn):
        """In the thread: give gunicorn's parser the bytes the event loop read."""
        conn.data_ready = True
        conn.sock.setblocking(True)
        conn.init()
        conn.parser.unreader.unread(bytes(conn.arrival.data))
        conn.arrival = None
        return super().handle(conn)

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        while self.receiving and self.receiving[0].timeout <= now:
            conn = self.receiving.popleft()
            self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            conn.close()

    def _cap_keepalive(self, deadline):
        # A stopping worker gives a request still arriving as long as it
        # gives a kept-alive connection, not a whole keepalive timeout.
        super()._cap_keepalive(deadline)
        for conn in self.receiving:
            conn.timeout = min(conn.timeout, deadline)
