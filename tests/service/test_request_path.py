"""Issue 15, per-request overhead: the hot endpoints are answered in front of the middleware stack
(sahelkg.web.hot_paths) with the headers the middlewares would add, HTTP is parsed by httptools with
the connection guard, negotiation is memoised, a cache hit skips the checks its first answer passed.
Behaviour must not change: these tests pin what could."""

from __future__ import annotations

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest
from starlette.routing import Route

from sahelkg.config import Settings
from sahelkg.sparql import protocol
from sahelkg.store import EmbeddedStore
from sahelkg.web.app import create_app
from sahelkg.web.routes.saved_queries import QUERIES
from sahelkg.web.serving import MAX_HEAD_BYTES

JSON = {"Accept": "application/sparql-results+json"}


def _exchange(url: str, raw: bytes) -> bytes:
    """Send raw bytes on a new connection; return everything the server sends until it closes."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_the_hot_endpoints_come_first_as_starlette_routes_and_stay_documented():
    app = create_app(Settings(), EmbeddedStore())
    direct = [r for r in app.router.routes if type(r) is Route and r.path != "/openapi.json"]
    assert [r.path for r in direct][:1] == ["/sparql"] and app.router.routes[0] is direct[0]
    assert direct[0].methods == {"GET", "POST"}  # PUT, DELETE … still reach the FastAPI route (405)
    assert {f"/queries/{name}" for name in QUERIES} <= {r.path for r in direct}
    assert "/id/{path:path}" in {r.path for r in direct}
    paths = app.openapi()["paths"]
    assert {paths["/sparql"][m]["operationId"] for m in ("get", "post")} == {"sparql_sparql_get", "sparql_sparql_post"}
    assert "/id/{path}" in paths and all(f"/queries/{name}" in paths for name in QUERIES)


def test_the_hot_paths_take_only_their_own_methods_and_paths():
    app = create_app(Settings(), EmbeddedStore())
    assert app.hot_paths is not None

    def scope(method: str, path: str, root_path: str = "") -> dict:
        return {"type": "http", "method": method, "path": path, "root_path": root_path, "query_string": b"",
                "headers": []}

    assert app.hot_paths.match(scope("GET", "/sparql")) is not None
    assert app.hot_paths.match(scope("POST", "/sparql")) is not None
    assert app.hot_paths.match(scope("GET", "/queries/cq2-disputed-allegations")) is not None
    assert app.hot_paths.match(scope("HEAD", "/id/actor/fama"))["path_params"] == {"path": "actor/fama"}
    # Other methods and paths, and a service behind a proxy's root path, go through the whole app.
    for method, path, root in [("PUT", "/sparql", ""), ("OPTIONS", "/sparql", ""), ("GET", "/sparql/", ""),
                               ("GET", "/queries", ""), ("POST", "/id/actor/fama", ""), ("GET", "/update", ""),
                               ("GET", "/sparql", "/kg")]:
        assert app.hot_paths.match(scope(method, path, root)) is None, (method, path, root)


@pytest.mark.parametrize("query", ["ASK {}", "ASK {", "SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }"],
                         ids=["answer", "syntax-error", "refused"])
@pytest.mark.parametrize("origin", [None, "https://example.org"])
def test_a_hot_answer_has_the_headers_of_the_whole_app(read_only_server, query, origin):
    # /sparql/ is not a hot path: the same endpoint behind every middleware (CORS, security headers).
    headers = {**JSON, "Cache-Control": "no-cache", **({"Origin": origin} if origin else {})}
    with read_only_server.client() as client:
        hot = client.get("/sparql", params={"query": query}, headers=headers)
        whole = client.get("/sparql/", params={"query": query}, headers=headers)
    assert hot.status_code == whole.status_code and hot.content == whole.content
    assert [(k, v) for k, v in hot.headers.multi_items() if k != "date"] == \
        [(k, v) for k, v in whole.headers.multi_items() if k != "date"]
    assert hot.headers["x-content-type-options"] == "nosniff" and "Origin" in hot.headers["vary"]
    assert ("access-control-allow-origin" in hot.headers) == (origin is not None)


def test_an_unexpected_error_on_a_hot_path_is_a_bare_500_as_elsewhere():
    class Broken(EmbeddedStore):
        @property
        def generation(self) -> int:
            raise RuntimeError("broken on purpose")

    async def ask_both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(Settings(), Broken()), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            return [await client.get(path, params={"query": "ASK {}"}, headers=JSON) for path in ("/sparql", "/sparql/")]

    # On a thread of its own: a browser test's sync Playwright may have left a loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        hot, whole = thread.submit(asyncio.run, ask_both()).result()
    assert (hot.status_code, hot.text, hot.headers["content-type"]) == \
        (whole.status_code, whole.text, whole.headers["content-type"]) == \
        (500, "Internal Server Error", "text/plain; charset=utf-8")


def test_a_request_head_over_the_cap_is_refused_with_431_and_closed(read_only_server):
    response = _exchange(read_only_server.url, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                         + b"a" * (MAX_HEAD_BYTES + 1000) + b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 431 "), response[:200]
    assert response.endswith(b"Request line and headers longer than %d bytes." % MAX_HEAD_BYTES)
    # A head that never ends is refused as soon as it passes the cap, not at the header deadline.
    unfinished = _exchange(read_only_server.url, b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                           + b"a" * (MAX_HEAD_BYTES + 1000))
    assert unfinished.startswith(b"HTTP/1.1 431 "), unfinished[:200]


def test_a_long_get_query_under_the_head_cap_reaches_the_service(read_only_server):
    # h11 refused request heads over 16 KiB with a bare 400; the service's own cap now answers.
    text = "ASK { " + "?s ?p ?o . " * 2000 + "}"
    with read_only_server.client() as client:
        response = client.get("/sparql?query=" + quote(text), headers=JSON)
    assert response.status_code == 413 and response.json()["type"].endswith("query-too-long"), response.text


def test_pipelined_requests_are_answered_in_order(read_only_server):
    one = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/sparql-results+json\r\n\r\n"
    two = (b"GET /sparql?query=SELECT%20%3Fx%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n"
           b"Connection: close\r\n\r\n")
    response = _exchange(read_only_server.url, one + two)
    assert response.count(b"HTTP/1.1 200 ") == 2, response[:500]
    assert response.index(b'"boolean"') < response.index(b"text/csv")


def test_a_cached_answer_is_not_shared_between_checks_of_different_strength(read_only_server):
    # A saved query is only checked for nesting; /sparql also refuses SERVICE and LOAD. The same
    # text asked both ways must be stored twice, never served to /sparql unchecked.
    name = "cq2-disputed-allegations"
    text = QUERIES[name].bind({})
    with read_only_server.client() as client:
        saved = [client.get(f"/queries/{name}", headers=JSON) for _ in range(2)]
        direct = [client.get("/sparql", params={"query": text}, headers=JSON) for _ in range(2)]
    assert [r.status_code for r in saved + direct] == [200] * 4
    assert [r.headers["x-cache"] for r in saved + direct] == ["miss", "hit", "miss", "hit"]
    assert saved[0].content == direct[0].content


def test_a_cache_hit_still_refuses_a_bad_timeout(read_only_server):
    with read_only_server.client() as client:
        first = client.get("/sparql", params={"query": "ASK { ?s ?p ?o } # timeout"}, headers=JSON)
        bad = client.get("/sparql", params={"query": "ASK { ?s ?p ?o } # timeout", "timeout": "soon"}, headers=JSON)
    assert first.status_code == 200 and bad.status_code == 400 and "timeout" in bad.json()["detail"]


@pytest.mark.parametrize("text", [
    '"' + 'a\\"' * 333_333,              # one unterminated string full of escaped quotes
    '"""' + '""a\\"' * 200_000,          # an unterminated long string: quotes that never close it
    "# a } comment\n" * 75_000,           # 75,000 comments
    "<" * 1_000_000,                       # IRIs that never start
], ids=["unterminated-escapes", "unterminated-long-string", "comments", "open-angles"])
def test_the_lexical_scan_is_linear_on_a_hostile_megabyte(text):
    # One regex pass with possessive repetitions: no backtracking, whatever the input.
    started = time.process_time()
    code = protocol._code_regions(text, keep_iris=False)
    assert time.process_time() - started < 1.0 and len(code) == len(text)
    assert "}" not in code or text.startswith("<")
