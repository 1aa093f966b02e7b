"""Running the app under uvicorn so hostile or broken clients cannot take the service down.

- The open-file soft limit is raised to the hard limit at start (each connection is a file).
- HTTP/1.1 is parsed by httptools (C) on uvloop's event loop, not by h11 (pure Python) on
  asyncio's: less time per request (bench/overhead.py, "Per-request overhead" in bench/RESULTS.md).
  A response's head and body leave in one write (`CoalescingTransport`).
- `ConnectionGuard` (on both protocols): a client has `Settings.header_timeout` seconds to send
  a request's headers after it connects or after its previous response (uvicorn has a keep-alive timeout, but none
  for a request that never finishes arriving). Past `max_connections` open connections, the
  oldest ones with no request running are closed to make room, so new clients are always served;
  the log says so once.
- Access log: write endpoints' query strings are never logged; credentials in any query string
  (access_token, token, password, key …) are replaced by "…".
- Refused accepts (EMFILE) are logged once a minute, one line, without a traceback.

>>> redact_path("POST", "/update?access_token=s3cret&x=1")
'/update'
>>> redact_path("GET", "/sparql?query=ASK%7B%7D&access_token=s3cret")
'/sparql?query=ASK%7B%7D&access_token=…'
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import re
import resource
import sys
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sahelkg.config import Settings

log = logging.getLogger("uvicorn.error.sahelkg")  # printed with uvicorn's own handlers

# Files the process needs besides client connections: the store keeper's and workers' sockets,
# the store's files, logs, imports.
_RESERVED_FILES = 200
_WRITE_PATHS = ("/update", "/store", "/audit/")
_SECRET_PARAM = re.compile(r"(?i)((?:^|&)(?:[^=&]*(?:token|password|passwd|secret|key|auth|credential)[^=&]*)=)[^&]*")


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard limit; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def connection_cap(settings: Settings, open_file_limit: int) -> int:
    """Given settings and the open-file limit, return how many connections to keep open at most."""
    derived = max(16, open_file_limit - _RESERVED_FILES)
    return min(settings.max_connections, derived) if settings.max_connections > 0 else derived


def redact_path(method: str, path: str) -> str:
    """Given a request's method and path with query string, return what the access log may show."""
    bare, _, query = path.partition("?")
    if not query:
        return path
    if method not in ("GET", "HEAD") or bare.startswith(_WRITE_PATHS):
        return bare
    return bare + "?" + _SECRET_PARAM.sub(r"\1…", query)


class AccessLogRedaction(logging.Filter):
    """Rewrites uvicorn's access-log records so they never carry write queries or credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[1], str) and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[1], args[2])) + tuple(args[3:])
        return True


class AcceptErrorThrottle(logging.Filter):
    """Turns asyncio's 'socket.accept() out of system resource' tracebacks into one line a minute."""

    def __init__(self) -> None:
        super().__init__()
        self.last = 0.0
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "accept" not in str(record.msg):
            return True
        now = time.monotonic()
        if now - self.last < 60:
            self.dropped += 1
            return False
        record.msg = f"refusing connections: out of open files ({self.dropped} more in the last minute)"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        self.last, self.dropped = now, 0
        return True


class ConnectionGuard(asyncio.Protocol):
    """What both HTTP/1.1 protocols share: a header-read deadline and a cap on open connections.

    Mixed in before uvicorn's protocol class; the subclass says when a request's headers arrived
    (`_disarm_header_deadline`) and how to close an idle connection (`_close_idle`).
    """

    header_timeout: float = 10.0
    max_connections: int = 1000
    shed_logged: bool = False
    shed_count: int = 0
    # uvicorn's protocol attributes the guard uses.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    connections: set[Any]
    cycle: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._waiting_since = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()
        if len(self.connections) > self.max_connections:
            self._shed()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._waiting_since = time.monotonic()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._header_deadline_passed, self.cycle)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self, cycle: object) -> None:
        self._header_deadline = None
        if self.cycle is cycle and self._idle() and not self.transport.is_closing():
            self._close_idle()

    def _idle(self) -> bool:
        """Return True when no request of this connection is being handled."""
        return self.cycle is None or self.cycle.response_complete

    def _close_idle(self) -> None:
        self.transport.close()

    def _shed(self) -> None:
        """Close the oldest idle connections until a tenth of the cap is free again."""
        excess = len(self.connections) - int(self.max_connections * 0.9)
        candidates = [c for c in self.connections if isinstance(c, ConnectionGuard) and c is not self
                      and c._idle() and not c.transport.is_closing()]
        victims = heapq.nsmallest(excess, candidates, key=lambda c: c._waiting_since)
        for victim in victims:
            victim._close_idle()
        ConnectionGuard.shed_count += len(victims)
        if not ConnectionGuard.shed_logged:
            ConnectionGuard.shed_logged = True
            log.warning("shedding connections: %d open, more than the cap of %d; closing the oldest idle ones "
                        "(said once; raise SAHELKG_MAX_CONNECTIONS or the open-file limit if clients are real)",
                        len(self.connections), self.max_connections)


class GuardedH11Protocol(ConnectionGuard, H11Protocol):
    """uvicorn's pure-Python HTTP/1.1 protocol (h11) with the connection guard."""

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers arrived: its handler now runs
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        # Armed first: a pipelined request that super() starts disarms it again.
        if not self.transport.is_closing():
            self._arm_header_deadline()
        super().on_response_complete()

    def _close_idle(self) -> None:
        try:
            if self.conn.our_state not in (h11.ERROR, h11.CLOSED, h11.MUST_CLOSE):
                self.conn.send(h11.ConnectionClosed())
        except h11.LocalProtocolError:
            pass
        self.transport.close()


# Largest request line + headers accepted by the httptools protocol (h11 refuses past 16 KiB; a
# GET query may be longer than that, and /sparql caps queries itself).
MAX_HEAD_BYTES = 64 * 1024


class CoalescingTransport:
    """A connection's transport that holds one write until the next one or the end of the event
    loop's iteration, then sends both in one system call.

    uvicorn writes a response's head and its body separately: two TCP segments, and a client that
    wakes for the head and then again for the body. Joined, a small response is one segment
    (bench/overhead.py: ~0.02 ms a request). Nothing waits longer than the loop iteration it was
    written in; `close` sends what is held first.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport, self.loop = transport, loop
        self.held: bytes | bytearray | memoryview | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.held is None:
            self.held = data
            self.loop.call_soon(self.flush)
        else:
            held, self.held = self.held, None
            self.transport.writelines((held, data))

    def writelines(self, chunks: Any) -> None:
        self.flush()
        self.transport.writelines(chunks)

    def flush(self) -> None:
        held, self.held = self.held, None
        if held is not None and not self.transport.is_closing():  # a client gone meanwhile: nothing to send
            self.transport.write(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self.held = None
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class GuardedHttpToolsProtocol(ConnectionGuard, HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol on httptools (llhttp, in C) with the connection guard, and a cap
    on the size of a request's head, which llhttp does not have."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0  # received while waiting for a head to complete
        self._parsed_head_bytes = 0  # of the head being parsed: URL and headers
        self._head_too_large = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = CoalescingTransport(self.transport, self.loop)  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # a request's headers arrived: its handler runs (or waits, pipelined)
            self._disarm_header_deadline()
        elif self._header_deadline is not None and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:  # a head that never ends
                self._refuse_head()

    # A whole head can arrive in one read: its parts are counted as the parser finds them.
    def on_message_begin(self) -> None:
        self._parsed_head_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        self._parsed_head_bytes += size
        if self._parsed_head_bytes > MAX_HEAD_BYTES:
            self._head_too_large = True
            raise ValueError("request head too large")  # stops the parser: uvicorn calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        if not self.transport.is_closing():
            self._arm_header_deadline()
        super().on_response_complete()
        if pipelined:  # super() started the next request, whose headers had arrived
            self._disarm_header_deadline()

    def _arm_header_deadline(self) -> None:
        super()._arm_header_deadline()
        self._head_bytes = 0

    def _refuse_head(self) -> None:
        message = f"Request line and headers longer than {MAX_HEAD_BYTES} bytes."
        self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; "
                             b"charset=utf-8\r\nconnection: close\r\ncontent-length: "
                             + str(len(message)).encode() + b"\r\n\r\n" + message.encode())
        self.transport.close()


def protocol_class(settings: Settings, open_file_limit: int, *, parser: str = "httptools") -> type[ConnectionGuard]:
    """Given settings, the open-file limit and the HTTP parser (httptools, or h11 in pure Python),
    return the protocol class uvicorn should use."""
    base = GuardedHttpToolsProtocol if parser == "httptools" else GuardedH11Protocol
    return type(f"Sahelkg{base.__name__}", (base,),
                {"header_timeout": settings.header_timeout,
                 "max_connections": connection_cap(settings, open_file_limit)})


def install_log_filters() -> None:
    """Attach the access-log redaction and the accept-error throttle (idempotent)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in access.filters):
        access.addFilter(AccessLogRedaction())
    loop_log = logging.getLogger("asyncio")
    if not any(isinstance(f, AcceptErrorThrottle) for f in loop_log.filters):
        loop_log.addFilter(AcceptErrorThrottle())


def run(app: Any, settings: Settings, *, host: str, port: int, log_level: str = "info") -> None:
    """Given the app and settings, serve it with uvicorn on host:port until interrupted."""
    import uvicorn

    limit = raise_open_file_limit()
    protocol = protocol_class(settings, limit)
    # Parsing an update nests one Python call per bracket level or more (rdflib's parser).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    # Without access logging at this level, uvicorn would still format each line's parts (~5 µs a request).
    access_log = log_level.lower() in ("info", "debug", "trace")
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, http=protocol, loop="uvloop",
                            backlog=min(4096, max(2048, protocol.max_connections)), timeout_keep_alive=5,
                            access_log=access_log)
    server = uvicorn.Server(config)
    config.load()  # configures uvicorn's loggers; our filters go on after
    install_log_filters()
    log.info("serving on %s:%d: at most %d connections, %g s to send headers, open-file limit %d",
             host, port, protocol.max_connections, settings.header_timeout, limit)
    server.run()
