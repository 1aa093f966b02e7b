"""The sahelkg web service: `create_app(settings, store)` and `serve(...)`.

Other modules add their routers in one of two ways:

>>> from fastapi import APIRouter
>>> extra = APIRouter()
>>> app = create_app(Settings(), EmbeddedStore(), routers=[extra])   # at creation
>>> app.include_router(APIRouter())                                  # or afterwards

Inside a route, `sahelkg.web.routes.common.store_of(request)` and `settings_of(request)` give the
store and settings, `run_blocking(request, fn, ...)` runs blocking work off the event loop, and
`commit(request, compute_change)` is the one write path (SHACL gate, atomic apply). Raise
`sahelkg.problems.Problem` for errors: it becomes application/problem+json.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import Iterable
from contextlib import asynccontextmanager

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from sahelkg import rdf_formats
from sahelkg.config import Settings
from sahelkg.dataset import dumps
from sahelkg.problems import Problem
from sahelkg.sparql import protocol
from sahelkg.store import EmbeddedStore, Store
from sahelkg.web import openapi
from sahelkg.web.guards import CORS_OPTIONS, HostGuard, Receive, Scope, SecurityHeaders, Send
from sahelkg.web.hot_paths import HotPaths, direct_routes
from sahelkg.web.result_cache import ResultCache
from sahelkg.web.routes import graph_store, sparql, update
from sahelkg.web.routes.common import run_blocking, store_of, store_problem
from sahelkg.web.routes.linked_data import site_of

# Modules whose `router` every app includes (each is imported when an app is created).
ROUTER_MODULES: list[str] = ["sahelkg.web.routes.saved_queries", "sahelkg.web.routes.audit", "sahelkg.web.routes.linked_data",
                             "sahelkg.web.routes.workbench", "sahelkg.web.routes.authoring"]


def _parameter_problem(error: RequestValidationError) -> Problem:
    """Given FastAPI's validation error, return a problem naming each parameter, its value and the rule."""
    parts, names = [], []
    for item in error.errors():
        location = [str(step) for step in item.get("loc", ())]
        name = location[-1] if location else "request"
        names.append(name)
        given = f" (given {item['input']!r})" if "input" in item and item["input"] is not None else ""
        parts.append(f"{' '.join(location[:1])} parameter {name!r}: {item.get('msg', 'invalid')}{given}")
    kind = f"bad-{names[0]}" if len(set(names)) == 1 else "bad-request"
    return Problem(400, "Bad request", "; ".join(parts) or str(error), kind=kind)


def create_app(settings: Settings | None = None, store: Store | None = None, *,
               routers: Iterable[APIRouter] = ()) -> FastAPI:
    """Given settings and a store, return the FastAPI app serving /sparql, /update, /store and VoID.

    The store is used as given (an IsolatedStore for killable queries, a RemoteStore, or, for
    in-process tests only, a bare EmbeddedStore whose queries cannot be stopped).
    """
    settings = settings or Settings()
    store = store if store is not None else EmbeddedStore()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.write_lock = asyncio.Lock()
        yield

    app = ServiceApp(title="sahelkg", summary="Conflict actors in the Sahel and the allegations made about them",
                     lifespan=lifespan, docs_url=None, redoc_url=None)  # /docs: the workbench's offline Swagger UI
    app.state.settings = settings
    app.state.store = store
    app.state.write_lock = asyncio.Lock()
    app.state.void_cache = None
    app.state.result_cache = ResultCache(settings.result_cache_bytes)
    app.state.thread_limiter = anyio.CapacityLimiter(max(8, settings.workers * 4))
    app.add_middleware(CORSMiddleware, **CORS_OPTIONS)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HostGuard, allowed_hosts=settings.allowed_hosts)  # outermost: every URL built sees it

    @app.exception_handler(Problem)
    async def problem_handler(request: Request, problem: Problem) -> Response:
        return problem.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error_handler(request: Request, error: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed"}
        return Problem(error.status_code, titles.get(error.status_code, "HTTP error"), str(error.detail),
                       headers=dict(error.headers or {})).response()

    @app.exception_handler(RequestValidationError)
    async def validation_error_handler(request: Request, error: RequestValidationError) -> Response:
        return _parameter_problem(error).response()

    openapi.install(app)
    included = [sparql.router, update.router, graph_store.router, void_router,
                *(importlib.import_module(module).router for module in ROUTER_MODULES), *routers]
    for router in included:
        app.include_router(router)
    hot = direct_routes(included)
    app.router.routes[0:0] = hot
    app.hot_paths = HotPaths(hot, settings.allowed_hosts)
    return app


class ServiceApp(FastAPI):
    """The FastAPI app, with the hot paths (sahelkg.web.hot_paths) answered before its middleware stack."""

    hot_paths: HotPaths | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = self.hot_paths
        if hot is not None and scope["type"] == "http" and not self.root_path:
            routing = hot.match(scope)
            if routing is not None:
                await hot.serve(self, scope, receive, send, routing)
                return
        await super().__call__(scope, receive, send)


void_router = APIRouter()


@void_router.get("/.well-known/void")
async def void(request: Request) -> Response:
    """Return a VoID description: the dataset, its SPARQL endpoint and a triple count per named graph."""
    store = store_of(request)
    generation = getattr(store, "generation", None)
    cache = request.app.state.void_cache
    if cache is not None and generation is not None and cache[0] == generation:
        counts = cache[1]
    else:
        try:
            counts = await run_blocking(request, store.graph_counts)
        except Exception as error:
            raise store_problem(error) from error
        request.app.state.void_cache = (generation, counts)
    site = site_of(request)
    quads = dumps.void_quads(counts, base_url=site.public_base or str(request.base_url), site=site)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    media_type = protocol.negotiate(request.headers.get("accept"), protocol.GRAPH_TYPES,
                                    format_param=request.query_params.get("format")) or "text/turtle"
    body = ox.serialize(triples, format=rdf_formats.written(media_type))
    return Response(body, media_type=protocol.content_type_header(media_type), headers={"Vary": "Accept"})


def open_store(*, store_dir: str | os.PathLike | None = None, load_paths: Iterable = (),
               settings: Settings | None = None, remote: dict | None = None,
               source: EmbeddedStore | None = None) -> Store:
    """Given where the data lives, return the store the service should use.

    `remote` = {"query_url", "update_url", "graph_store_url", "kind": "virtuoso"|"generic", ...}
    selects a RemoteStore; otherwise an IsolatedStore (killable queries) over an embedded
    Oxigraph store, in memory or in `store_dir`, with `load_paths` bulk-loaded first, or the
    content of `source` (an in-memory store already filled through the gate) moved in: `source`
    is closed.
    """
    from sahelkg.store import RemoteStore, VirtuosoStore
    from sahelkg.store.workers import IsolatedStore

    settings = settings or Settings.from_env()
    if remote:
        options = dict(remote)
        kind = options.pop("kind", "generic")
        if kind == "virtuoso":
            return VirtuosoStore(options.pop("base_url"), **options)
        return RemoteStore(options.pop("query_url"), options.pop("update_url", None),
                           options.pop("graph_store_url", None), **options)
    isolated = IsolatedStore(path=store_dir, load_paths=tuple(load_paths), source=source, workers=settings.workers,
                             prepare_writes=settings.writes_enabled, worker_store=settings.worker_store,
                             private_mib=settings.worker_private_mib)
    if source is not None and source.path is None:
        source.close()  # moved into the keeper: the web process must not hold a second copy while serving
    return isolated


def serve(host: str = "127.0.0.1", port: int = 8000, *, store_dir: str | os.PathLike | None = None,
          load_paths: Iterable = (), settings: Settings | None = None, remote: dict | None = None,
          routers: Iterable[APIRouter] = (), log_level: str = "info", source: EmbeddedStore | None = None) -> None:
    """Run the service with uvicorn until interrupted (what `sahelkg serve` calls).

    >>> serve("127.0.0.1", 8000, store_dir="var/store", load_paths=["data/seed.trig"])  # doctest: +SKIP
    """
    from sahelkg.web import serving

    settings = settings or Settings.from_env()
    if settings.writes_enabled:
        prepare_write_path()
    store = open_store(store_dir=store_dir, load_paths=load_paths, settings=settings, remote=remote, source=source)
    try:
        serving.run(create_app(settings, store, routers=routers), settings, host=host, port=port,
                    log_level=log_level)
    finally:
        store.close()


def prepare_write_path() -> None:
    """Import and initialise what a write needs (rdflib's SPARQL parser, pyshacl, the gate) now, at
    start-up: imported lazily by two concurrent first writes, half-initialised modules raced."""
    from sahelkg.gate import validation
    from sahelkg.store.updating import plan_update

    plan_update("INSERT DATA { <urn:sahelkg:warm-up> <urn:sahelkg:warm-up> 1 }")
    validation.shapes_graph()


def main(argv: list[str] | None = None) -> None:
    """A small entry point for tests and benchmarks: python -m sahelkg.web.app --port N [--store DIR] [FILE…].

    FILEs are bulk-loaded as given, without the gate, so benchmarks time the engine alone; users
    start the service with `sahelkg serve --load`, which commits them through the gate first.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sahelkg.web.app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--store", default=None)
    parser.add_argument("--remote-virtuoso", default=None, help="base URL of a Virtuoso server")
    parser.add_argument("--remote-query", default=None)
    parser.add_argument("--remote-update", default=None)
    parser.add_argument("--log-level", default="warning", help="uvicorn's log level (info shows the access log)")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    remote = None
    if args.remote_virtuoso:
        remote = {"kind": "virtuoso", "base_url": args.remote_virtuoso}
    elif args.remote_query:
        remote = {"query_url": args.remote_query, "update_url": args.remote_update}
    serve(args.host, args.port, store_dir=args.store, load_paths=args.files,
          settings=Settings.from_env(), remote=remote, log_level=args.log_level)


if __name__ == "__main__":
    main()
