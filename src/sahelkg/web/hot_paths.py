"""The paths asked again and again (queries, saved queries, lookups), answered without the
middleware stack.

A request to one of them passes through no Starlette or FastAPI layer: `HotPaths.serve` checks
the Host, calls the endpoint with a plain Starlette Request, turns a raised Problem (or any
exception the app has a handler for) into its response, and sends the response with the CORS
and security headers the middlewares would have added (sahelkg.web.guards), in two `send` calls.
That halves the web process's time for a cached answer (bench/overhead.py). Everything else,
and a hot path's other methods, go through the whole app as before. The endpoints stay declared
as FastAPI routes, so the OpenAPI document is complete; FastAPI's OpenTelemetry hooks do not see
hot requests.

Only endpoints that take the request and `str` path parameters qualify (FastAPI would do nothing
for them but call them); they are also put first in the app's router, for requests the hot path
leaves to the app (a `root_path` behind a proxy).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route

from sahelkg.web.guards import Receive, Scope, Send, cors_headers, host_checked, security_headers

DIRECT_PATHS = ("/sparql", "/queries/", "/id/")
Endpoint = Callable[..., Awaitable[Response]]


def direct_routes(routers: Iterable[APIRouter], paths: tuple[str, ...] = DIRECT_PATHS) -> list[Route]:
    """Given the app's routers, return Starlette routes serving their hot endpoints directly.

    The FastAPI routes stay: they document the endpoints in the OpenAPI document and serve the
    methods the direct route leaves out.
    """
    direct = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            hot = any(route.path == p or (p.endswith("/") and route.path.startswith(p)) for p in paths)
            if not hot or not _takes_request_and_path(route):
                continue
            methods = set(route.methods or ())
            served = Route(route.path, _calling_with_path_params(route.endpoint), methods=list(methods),
                           name=route.name)
            served.methods = methods  # Starlette would add HEAD; FastAPI's route does not
            direct.append(served)
    return direct


def _takes_request_and_path(route: APIRoute) -> bool:
    parameters = list(inspect.signature(route.endpoint).parameters.values())
    return (bool(parameters) and parameters[0].annotation in (Request, "Request")
            and all(p.name in route.param_convertors and p.annotation in (str, "str") for p in parameters[1:]))


def _calling_with_path_params(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        return await endpoint(request, **request.path_params)

    return call


class HotPaths:
    """Finds and serves requests for the direct routes (see the module's description)."""

    def __init__(self, routes: list[Route], allowed_hosts: tuple[str, ...]) -> None:
        self.exact = {route.path: route for route in routes if not route.param_convertors}
        self.patterns = [route for route in routes if route.param_convertors]
        self.prefixes = tuple({route.path.partition("{")[0] for route in self.patterns})
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)

    def match(self, scope: Scope) -> Scope | None:
        """Given an HTTP request's scope, return what routing adds to it (endpoint, path
        parameters), or None when the request is not for a hot path with this method."""
        if scope.get("root_path"):
            return None
        path = scope["path"]
        route = self.exact.get(path)
        if route is not None:
            return {"endpoint": route.endpoint, "path_params": {}} if scope["method"] in (route.methods or ()) else None
        if not path.startswith(self.prefixes):
            return None
        for route in self.patterns:
            found, child = route.matches(scope)
            if found is Match.FULL:
                return child
            if found is Match.PARTIAL:
                return None  # the app answers the other methods (405 or another route)
        return None

    async def serve(self, app: Any, scope: Scope, receive: Receive, send: Send, routing: Scope) -> None:
        """Answer a request `match` found, as the app with its middlewares would."""
        scope["app"] = app
        scope["router"] = app.router
        scope.update(routing)
        scope = host_checked(scope, self.allowed_hosts)
        request = Request(scope, receive)
        try:
            try:
                response = await scope["endpoint"](request)
            except Exception as error:
                response = await _handled(app.exception_handlers, request, error)
        except Exception:
            # As Starlette's outermost ServerErrorMiddleware: a bare 500, then the error is logged.
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        if response is None:
            return

        origin = next((value for name, value in scope["headers"] if name == b"origin"), None)
        path = scope["path"]

        if type(response).__call__ is Response.__call__ and response.background is None:
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": security_headers(path, cors_headers(response.raw_headers, origin))})
            await send({"type": "http.response.body", "body": response.body})
            return

        async def send_guarded(message: Any) -> None:  # streamed or with background work
            if message["type"] == "http.response.start":
                message = dict(message, headers=security_headers(path, cors_headers(message.get("headers") or [],
                                                                                    origin)))
            await send(message)

        await response(scope, receive, send_guarded)


async def _handled(handlers: dict[Any, Callable[..., Any]], request: Request, error: Exception) -> Response | None:
    """Given the app's exception handlers, the request and an error its endpoint raised, return the
    response of the handler Starlette's ExceptionMiddleware would call (by status for an
    HTTPException, else by class); raise the error when there is none. Handlers for 500 and
    Exception belong to the outermost ServerErrorMiddleware: not here."""
    handler = None
    if isinstance(error, HTTPException) and error.status_code != 500:
        handler = handlers.get(error.status_code)
    if handler is None:
        handler = next((handlers[cls] for cls in type(error).__mro__ if cls in handlers and cls is not Exception),
                       None)
    if handler is None:
        raise error
    response = handler(request, error)
    if inspect.isawaitable(response):
        response = await response
    error.__traceback__ = None  # a reused exception would pile up tracebacks
    return response
