"""Issue 14, service item 1: 2,000 half-open connections do not take the service down. The server
runs with a 1,024 open-file limit (soft and hard, so it cannot raise it): it must cap its
connections, shed the idle ones, answer normal queries about as fast as when idle, and say so
in its log once, without a flood of tracebacks. Bounded to 60 s; loopback only."""

from __future__ import annotations

import resource
import socket
import statistics
import subprocess
import sys
import time

from tests.service.conftest import REPO, start_server

SLOW_CLIENTS = 2000
PARTIAL_REQUEST = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def _low_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def _latencies(url: str, n: int) -> list[float]:
    """n queries, each on a new connection (as a new client would come), with a bare socket so the
    client's own costs do not hide the server's."""
    port = int(url.rsplit(":", 1)[1])
    out = []
    for _ in range(n):
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Connection: close\r\n\r\n")
            response = b""
            while chunk := sock.recv(65536):
                response += chunk
        out.append(time.perf_counter() - started)
        assert response.startswith(b"HTTP/1.1 200") and response.rstrip().endswith(b"true}"), response[:200]
    return out


def test_two_thousand_half_open_connections_do_not_stall_normal_queries(tmp_path):
    started = time.monotonic()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= SLOW_CLIENTS + 200, "this test process needs 2,200 open files"
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    log = tmp_path / "server.log"
    data = REPO / "tests" / "service" / "data" / "small.trig"
    server = start_server(str(data), "--log-level", "info", log=log, preexec_fn=_low_file_limit,
                          env={"SAHELKG_WORKERS": "2", "SAHELKG_HEADER_TIMEOUT": "30"})
    sockets: list[socket.socket] = []
    try:
        idle = _latencies(server.url, 30)
        port = int(server.url.rsplit(":", 1)[1])
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(PARTIAL_REQUEST)  # headers never finished: a slow or half-open client
            sockets.append(sock)
        loaded = _latencies(server.url, 30)
        idle_median, loaded_median = statistics.median(idle), statistics.median(loaded)
        print(f"\nASK over a new connection: idle median {idle_median * 1e3:.1f} ms, with {SLOW_CLIENTS} "
              f"half-open connections {loaded_median * 1e3:.1f} ms ({loaded_median / idle_median:.2f}×)")
        # 2× idle is the goal; 5 ms absorbs scheduling noise on a shared machine. Before: 10 s timeouts.
        assert loaded_median <= 2 * idle_median + 0.005
        time.sleep(0.5)
        text = log.read_text(errors="replace")
        assert text.count("shedding connections") == 1, text[-2000:]
        assert "Traceback" not in text and "Too many open files" not in text
        assert log.stat().st_size < 50_000  # one access line per query, nothing per slow client
    finally:
        for sock in sockets:
            sock.close()
        server.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert time.monotonic() - started < 60


def test_a_client_that_never_finishes_its_headers_is_disconnected():
    data = REPO / "tests" / "service" / "data" / "small.trig"
    server = start_server(str(data), env={"SAHELKG_WORKERS": "1", "SAHELKG_HEADER_TIMEOUT": "1"})
    try:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(PARTIAL_REQUEST)
            started = time.monotonic()
            assert sock.recv(1024) == b""  # the server closed the connection
            assert 0.5 < time.monotonic() - started < 5
        # A client that keeps its connection after a response gets the same deadline for the next one.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            response = b""
            while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
                response += sock.recv(65536)  # the whole first response, headers and body
            assert response.startswith(b"HTTP/1.1 200")
            sock.sendall(PARTIAL_REQUEST)
            assert sock.recv(1024) == b""
    finally:
        server.stop()


def test_the_server_raises_its_open_file_limit_to_the_hard_limit():
    code = ("import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096)); "
            "from sahelkg.web.serving import raise_open_file_limit; print(raise_open_file_limit(), "
            "resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["4096", "4096"]
