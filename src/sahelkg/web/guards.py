"""ASGI guards in front of every route: which Host a response may name, and the security headers
every response carries.

`HostGuard`: the service builds absolute URLs (Content-Location, Link, HTML links, the VoID of
/dump.nq, Graph Store `Location`) from the request's Host. A Host outside the allow-list would put
an attacker's name into responses a cache may keep, so such a request is answered as if it had
named the service's canonical host. The allow-list is `Settings.allowed_hosts`; empty means the
address the connection reached (its host:port) and the localhost forms of that port.

`SecurityHeaders`: a Content-Security-Policy on every HTML page (no scripts; styles inline, as
the pages have them) and `X-Content-Type-Options: nosniff` on everything.

>>> allowed_for(("127.0.0.1", 8000))
('127.0.0.1:8000', 'localhost:8000', '[::1]:8000')
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Pages use inline styles and no script; nothing may be framed, and forms post only here.
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages load their viewer from a CDN and start it with an inline script.
DOCS_POLICY = ("default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
               "connect-src 'self'; worker-src blob:; base-uri 'none'; frame-ancestors 'none'")
_DOCS_PATHS = ("/docs", "/redoc")


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


class HostGuard:
    """Rewrites a Host header outside the allow-list to the first allowed host."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.configured = tuple(h.lower() for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            allowed = self.configured or allowed_for(scope.get("server"))
            if allowed:
                headers = list(scope.get("headers") or [])
                host = next((value.decode("latin-1").lower() for name, value in headers if name == b"host"), "")
                if host not in allowed:
                    canonical = allowed[0].encode("latin-1")
                    scope = dict(scope)
                    scope["headers"] = [(n, v) for n, v in headers if n != b"host"] + [(b"host", canonical)]
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Adds the Content-Security-Policy to HTML responses and nosniff to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope.get("path") in _DOCS_PATHS else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                extra = [(b"x-content-type-options", b"nosniff")]
                # A route that sets its own policy (the workbench's pages run their own scripts) keeps it.
                has_policy = any(n.lower() == b"content-security-policy" for n, _ in headers)
                if not has_policy and (content_type.lower().startswith(b"text/html")
                                       or content_type.lower().startswith(b"image/svg")):
                    extra.append((b"content-security-policy", policy.encode()))
                message = dict(message)
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
