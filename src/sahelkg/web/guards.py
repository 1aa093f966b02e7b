"""ASGI guards in front of every route: which Host a response may name, the CORS headers of a
simple (not preflight) request, and the security headers every response carries.

`HostGuard`: the service builds absolute URLs (Content-Location, Link, HTML links, the VoID of
/dump.nq, Graph Store `Location`) from the request's Host. A Host outside the allow-list would put
an attacker's name into responses a cache may keep, so such a request is answered as if it had
named the service's canonical host. The allow-list is `Settings.allowed_hosts`; empty means the
address the connection reached (its host:port) and the localhost forms of that port.

`SecurityHeaders`: a Content-Security-Policy on every HTML page (no scripts; styles inline, as
the pages have them) and `X-Content-Type-Options: nosniff` on everything.

CORS: any origin may read (no credentials); `CORS_OPTIONS` configures Starlette's CORSMiddleware,
and `cors_headers` is what that middleware does to a simple request's response under them, for
the hot paths that answer without the middleware stack (sahelkg.web.hot_paths).

>>> allowed_for(("127.0.0.1", 8000))
('127.0.0.1:8000', 'localhost:8000', '[::1]:8000')
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]

# Pages use inline styles and no script; nothing may be framed, and forms post only here.
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages load their viewer from a CDN and start it with an inline script.
DOCS_POLICY = ("default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
               "connect-src 'self'; worker-src blob:; base-uri 'none'; frame-ancestors 'none'")
_DOCS_PATHS = ("/docs", "/redoc")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_POLICY_HEADERS = {path: (b"content-security-policy", DOCS_POLICY.encode()) for path in _DOCS_PATHS}
_PAGE_POLICY_HEADER = (b"content-security-policy", PAGE_POLICY.encode())

# Any origin may read the service's answers; nothing carries credentials.
CORS_OPTIONS: dict[str, Any] = dict(
    allow_origins=["*"], allow_credentials=False, allow_methods=["GET", "HEAD", "POST"],
    allow_headers=["Accept", "Content-Type", "If-None-Match", "Cache-Control"],
    expose_headers=["Content-Type", "Location", "ETag", "X-Cache"])
_CORS_SIMPLE = [(b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", ", ".join(CORS_OPTIONS["expose_headers"]).encode("latin-1"))]


@functools.lru_cache(maxsize=64)
def allowed_for(server: tuple[str, int] | None) -> tuple[str, ...]:
    """Given the (host, port) a connection reached, return the Host values that name it."""
    if not server:
        return ()
    host, port = server[0], server[1]
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names = [f"{host}:{port}"] + [f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]") if name != host]
    if port == 80:  # http's default port may be left out of Host
        names += [n[: -len(":80")] for n in names]
    return tuple(dict.fromkeys(names))


def host_checked(scope: Scope, configured: tuple[str, ...]) -> Scope:
    """Given a request's scope and the configured allowed hosts (lower case; empty: the address
    reached), return it, or a copy naming the first allowed host when its Host is not allowed."""
    server = scope.get("server")
    allowed = configured or allowed_for(tuple(server) if server else None)
    if not allowed:
        return scope
    headers = scope.get("headers") or []
    host = next((value.decode("latin-1").lower() for name, value in headers if name == b"host"), "")
    if host in allowed:
        return scope
    scope = dict(scope)
    scope["headers"] = [(n, v) for n, v in headers if n != b"host"] + [(b"host", allowed[0].encode("latin-1"))]
    return scope


def security_headers(path: str, headers: RawHeaders) -> RawHeaders:
    """Given a request path and a response's headers, return them with nosniff, and the
    Content-Security-Policy when the response is a page (HTML or SVG) that sets none itself."""
    content_type = b""
    has_policy = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-type" and not content_type:
            content_type = value.lower()
        elif lowered == b"content-security-policy":
            has_policy = True  # a route that sets its own (the workbench's pages run their own scripts) keeps it
    if not has_policy and (content_type.startswith(b"text/html") or content_type.startswith(b"image/svg")):
        return headers + [_NOSNIFF, _POLICY_HEADERS.get(path, _PAGE_POLICY_HEADER)]
    return headers + [_NOSNIFF]


def cors_headers(headers: RawHeaders, origin: bytes | None) -> RawHeaders:
    """Given a response's headers and the request's Origin, return them as Starlette's
    CORSMiddleware under CORS_OPTIONS sends them: the allow/expose headers when there is an
    Origin, and `Origin` added to Vary whether or not there is one.

    >>> cors_headers([(b"vary", b"Accept")], b"https://example.org")[-1]
    (b'access-control-expose-headers', b'Content-Type, Location, ETag, X-Cache')
    >>> cors_headers([(b"vary", b"Accept")], None)
    [(b'vary', b'Accept, Origin')]
    """
    headers = list(headers)
    if origin is not None:
        for name, value in _CORS_SIMPLE:
            _set_header(headers, name, value)
    vary = [value for name, value in headers if name == b"vary"]
    _set_header(headers, b"vary", b", ".join([*vary, b"Origin"]))
    return headers


def _set_header(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """Set `name` (lower case) to `value` in place: the first occurrence keeps its position, the
    others go; appended when absent (Starlette's MutableHeaders.__setitem__)."""
    found = [i for i, (n, _) in enumerate(headers) if n == name]
    for i in reversed(found[1:]):
        del headers[i]
    if found:
        headers[found[0]] = (name, value)
    else:
        headers.append((name, value))


class HostGuard:
    """Rewrites a Host header outside the allow-list to the first allowed host."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.configured = tuple(h.lower() for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = host_checked(scope, self.configured)
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Adds the Content-Security-Policy to HTML responses and nosniff to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = security_headers(path, list(message.get("headers") or []))
            await send(message)

        await self.app(scope, receive, send_with_headers)
