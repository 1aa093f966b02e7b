"""What every router shares: the store and settings of the app, limits, auth and the write path."""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import re
from collections.abc import Callable

import anyio
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from sahelkg import gate
from sahelkg.config import Settings
from sahelkg.problems import Problem, syntax_problem
from sahelkg.sparql import protocol
from sahelkg.store import QuerySyntaxError, QueryTimeout, ResultTooLarge, ServiceBusy, Store, StoreError
from sahelkg.store.change import Change
from sahelkg.web.result_cache import CachedResult, ResultCache, asks_fresh, cacheable, etag_matches

# Bytes after which Starlette's `request.url.query` is not the raw query string: urlsplit cuts at
# "#" and drops tabs and line breaks, and only ASCII is decoded alike.
_QUERY_NOT_VERBATIM = re.compile(rb"[#\t\r\n]|[^\x00-\x7f]")


def url_query(request: Request) -> str:
    """Given a request, return `request.url.query` without building the URL (~5 µs a request).

    >>> url_query(Request({"type": "http", "query_string": b"query=ASK+%7B%7D", "headers": []}))
    'query=ASK+%7B%7D'
    """
    raw = request.scope.get("query_string", b"")
    if _QUERY_NOT_VERBATIM.search(raw) is None:
        return raw.decode("ascii")
    return request.url.query


def settings_of(request: Request) -> Settings:
    """Given a request, return the settings of the app serving it."""
    return request.app.state.settings


def store_of(request: Request) -> Store:
    """Given a request, return the store of the app serving it."""
    return request.app.state.store


async def run_blocking(request: Request, function, *args, **kwargs):
    """Given a blocking function, run it on a worker thread so the event loop stays free."""
    limiter = request.app.state.thread_limiter
    return await anyio.to_thread.run_sync(lambda: function(*args, **kwargs), limiter=limiter)


async def read_body(request: Request, settings: Settings) -> bytes:
    """Given a request, return its body, refusing bodies over the configured cap (413)."""
    cap = settings.max_body_bytes
    declared = request.headers.get("content-length")
    # Guard: refuse oversized bodies before reading them into memory.
    if declared and declared.isdigit() and int(declared) > cap:
        raise too_large_body(int(declared), cap)
    chunks, size = [], 0
    try:
        # Guard: a client sending its body a byte at a time must not hold a connection for ever.
        async with asyncio.timeout(settings.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > cap:
                    raise too_large_body(size, cap)
                chunks.append(chunk)
    except TimeoutError:
        raise Problem(408, "Request body too slow", f"The body did not arrive within {settings.body_timeout:g} s.",
                      kind="body-timeout", headers={"Connection": "close"}) from None
    return b"".join(chunks)


def too_large_body(size: int, cap: int) -> Problem:
    return Problem(413, "Request body too large",
                   f"The body has at least {size} bytes; this service accepts at most {cap}.", kind="body-too-large")


def check_text_length(text: str, settings: Settings, what: str) -> None:
    """Given query or update text, refuse it when longer than the configured cap (413)."""
    if len(text) > settings.max_query_chars:
        raise Problem(413, f"{what.capitalize()} too long",
                      f"The {what} has {len(text)} characters; this service accepts at most "
                      f"{settings.max_query_chars}.", kind=f"{what}-too-long")


def request_timeout(param: str | None, settings: Settings) -> float:
    """Given the `timeout` parameter (seconds), return the timeout to use: lower allowed, never higher."""
    if not param:
        return settings.query_timeout
    try:
        value = float(param)
    except ValueError as error:
        raise Problem(400, "Bad timeout", f"timeout must be a number of seconds, not {param!r}.") from error
    if value <= 0:
        raise Problem(400, "Bad timeout", "timeout must be positive.")
    return min(value, settings.query_timeout)


def store_problem(error: Exception, text: str = "", what: str = "query") -> Problem:
    """Given an exception from a store, return the problem to send."""
    if isinstance(error, QuerySyntaxError):
        return syntax_problem(str(error), text, what)
    if isinstance(error, QueryTimeout):
        return Problem(503, "Query timed out", f"{error}. Ask for less (add LIMIT, narrow the patterns) "
                       "or pass a smaller scope.", kind="query-timeout", headers={"Retry-After": "1"})
    if isinstance(error, ResultTooLarge):
        return Problem(400, "Result too large", f"{error}; add LIMIT or narrow the query.",
                       kind="result-too-large")
    if isinstance(error, ServiceBusy):
        return Problem(503, "Service busy", str(error), kind="service-busy", headers={"Retry-After": "1"})
    if isinstance(error, StoreError):
        return Problem(500, "Store error", str(error), kind="store-error")
    return Problem(500, "Internal error", f"{type(error).__name__}: {error}", kind="internal-error")


# ---------------------------------------------------------------------------------------------
# Writes: authentication and the one path every change takes
# ---------------------------------------------------------------------------------------------
def require_write_access(request: Request) -> None:
    """Given a write request, raise a Problem unless writes are on and the bearer token matches."""
    settings = settings_of(request)
    if not settings.writes_enabled or settings.write_token is None:
        raise Problem(403, "Writes disabled",
                      "This service is read-only: no write token is configured (set SAHELKG_WRITE_TOKEN "
                      "or Settings.write_token to enable SPARQL Update and Graph Store writes).",
                      kind="writes-disabled")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    # Guard: constant-time comparison so the token cannot be guessed byte by byte from timings.
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.write_token.encode()):
        raise Problem(401, "Unauthorized", "Writes need `Authorization: Bearer <token>` with the configured token.",
                      kind="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="sahelkg"'})


async def commit(request: Request, compute_change) -> Change:
    """Given a blocking function returning a Change, compute it and commit it through
    sahelkg.gate.commit (SHACL gate, atomic apply), all under the app's write lock; return the
    applied Change.

    Refuses with 422 and the validation report when the change would make the store
    non-conforming; nothing is applied then.
    """
    store = store_of(request)
    async with request.app.state.write_lock:
        change = await run_blocking(request, compute_change)
        if change.is_empty():
            return change
        try:
            await run_blocking(request, gate.commit, store, change)
        except gate.ChangeRefused as refused:
            raise Problem(422, "Change refused by validation",
                          "The change would make the store break its SHACL shapes; nothing was applied.",
                          kind="validation-failed", report=json.loads(refused.report.to_json())) from None
        except StoreError as error:
            raise Problem(500, "Write failed", f"{error}; nothing was applied.", kind="write-failed") from error
        request.app.state.void_cache = None
    return change


async def commit_write(request: Request, write: dict, timeout: float) -> tuple[int, int]:
    """Given a write request (see sahelkg.sparql.write_plans) and a timeout, commit it under the app's
    write lock and return (quads removed, quads added).

    With a store that prepares writes in a worker process (IsolatedStore), parsing, planning and
    the SHACL gate run there and the web process only relays N-Quads, so no CPU-bound work holds
    the event loop or the GIL while other requests wait. Other stores go through `commit`.
    """
    from sahelkg.sparql import write_plans
    from sahelkg.store.workers import WriteRefused

    store = store_of(request)
    if not hasattr(store, "prepare_write"):
        change = await commit(request, lambda: write_plans.compute_change(store, write))
        return len(change.removals), len(change.additions)
    settings = settings_of(request)
    async with request.app.state.write_lock:
        try:
            prepared = await run_blocking(request, store.prepare_write, write, max(timeout, settings.write_timeout))
        except WriteRefused as refused:
            raise write_plans.problem_from_wire(refused.problem) from None
        except Exception as error:
            raise store_problem(error, write.get("text", ""), "update") from error
        if prepared.is_empty():
            return 0, 0
        try:
            await run_blocking(request, gate.commit_prepared, store, prepared)
        except StoreError as error:
            raise Problem(500, "Write failed", f"{error}; nothing was applied.", kind="write-failed") from error
        request.app.state.void_cache = None
    return prepared.removed, prepared.added


async def answer_query(request: Request, text: str, *, format_param: str | None, timeout_param: str | None,
                       default_graph_uris: list[str] | None = None, named_graph_uris: list[str] | None = None,
                       check: Callable[[str], None] | None = None) -> Response:
    """Given a request and a query text, run it with /sparql's negotiation, timeout and caps; return the response.

    `check(text)` raises a Problem for a query the service refuses (default: too deeply nested;
    /sparql passes its safety check). A result in the cache passed the same check (the key names
    it) when it was first asked for, with the same text and settings, so a hit skips the checks.
    """
    check = check or _check_nesting
    state = request.app.state
    settings: Settings = state.settings
    headers = request.headers
    media_types = negotiated(headers.get("accept"), format_param)
    store: Store = state.store
    # Only a store that counts its writes can say when a stored result went stale.
    # An IsolatedStore says which write last touched what this query reads (its predicates).
    reads_since = getattr(store, "read_generation", None)
    generation: int | None = (reads_since(text) if reads_since else getattr(store, "generation", None)) \
        if cacheable(text) else None
    cache: ResultCache = state.result_cache
    key = ""
    if generation is not None and any(media_types.values()):
        key = cache.key(text, media_types, (default_graph_uris, named_graph_uris, settings.union_default_graph,
                                            settings.base_iri, settings.max_result_rows, check.__qualname__))
        fresh = asks_fresh(headers.get("cache-control"), headers.get("pragma"))
        stored = None if fresh else cache.get(key, generation)
        if stored is not None:
            request_timeout(timeout_param, settings)  # 400 for a bad value, as on a miss
            return _cached_response(request, stored, hit=True)
    check(text)
    for name, uris in (("default-graph-uri", default_graph_uris), ("named-graph-uri", named_graph_uris)):
        for uri in uris or ():
            try:
                ox.NamedNode(uri)
            except ValueError as error:
                raise Problem(400, "Bad graph IRI", f"{name} {uri!r} is not an absolute IRI: {error}.",
                              kind="bad-graph-iri") from error
    timeout = request_timeout(timeout_param, settings)
    if not any(media_types.values()):
        raise protocol.not_acceptable("query")
    options = dict(default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris,
                   union_default_graph=settings.union_default_graph, timeout=timeout,
                   base_iri=settings.base_iri, max_rows=settings.max_result_rows)
    try:
        if hasattr(store, "query_serialized_async"):  # waits on the worker's socket: no thread hop
            kind, media_type, payload = await store.query_serialized_async(text, media_types, **options)
        elif hasattr(store, "query_serialized"):
            kind, media_type, payload = await run_blocking(request, store.query_serialized, text, media_types,
                                                           **options)
        else:
            result = await run_blocking(request, store.query, text, **options)
            kind, media_type = result.kind, media_types.get(result.kind)
            if media_type is None:
                raise protocol.not_acceptable(kind)
            payload = await run_blocking(request, protocol.serialize, result, media_type)
    except Problem:
        raise
    except Exception as error:
        from sahelkg.store.workers import NotAcceptable

        if isinstance(error, NotAcceptable):
            raise protocol.not_acceptable(error.kind) from error
        raise store_problem(error, text, "query") from error
    if generation is None:
        return Response(payload, media_type=protocol.content_type_header(media_type), headers={"Vary": "Accept"})
    return _cached_response(request, cache.put(key, generation, kind, media_type, payload), hit=False)


def _check_nesting(text: str) -> None:
    protocol.check_nesting(text, "query")


# Accept headers or formats longer than this are negotiated every time: a client could fill the memo with them.
_MEMO_CHARS = 500


def negotiated(accept: str | None, format_param: str | None) -> dict[str, str | None]:
    """Given the Accept header and `format` parameter, return the media type to send per result kind
    (None: nothing acceptable). Clients send the same few headers again and again: memoised.

    >>> negotiated("text/csv", None)["solutions"], negotiated("text/csv", None)["graph"]
    ('text/csv', None)
    """
    if len(accept or "") > _MEMO_CHARS or len(format_param or "") > _MEMO_CHARS:
        return dict(_negotiate_kinds(accept, format_param))
    return dict(_memo_negotiate_kinds(accept, format_param))


def _negotiate_kinds(accept: str | None, format_param: str | None) -> tuple[tuple[str, str | None], ...]:
    return tuple((kind, protocol.negotiate(accept, protocol.offers_for(kind), format_param=format_param))
                 for kind in ("solutions", "boolean", "graph"))


_memo_negotiate_kinds = functools.lru_cache(maxsize=256)(_negotiate_kinds)


def _cached_response(request: Request, result: CachedResult, *, hit: bool) -> Response:
    """Given a result and the request, answer it: 304 when the client already holds this version."""
    if request.method in ("GET", "HEAD") and etag_matches(request.headers.get("if-none-match"), result.etag):
        response = Response(status_code=304)
    else:
        response = Response(result.body, media_type=protocol.content_type_header(result.media_type))
    # Before Content-Length and -Type, as Response(headers=...) would put them; encoded once, not per request.
    response.raw_headers[0:0] = [_VARY_ACCEPT, (b"etag", result.etag.encode("latin-1")),
                                 _X_CACHE_HIT if hit else _X_CACHE_MISS, _REVALIDATE]
    return response


_VARY_ACCEPT = (b"vary", b"Accept")
_X_CACHE_HIT, _X_CACHE_MISS = (b"x-cache", b"hit"), (b"x-cache", b"miss")
# Stored copies must be revalidated: a write may change the answer at any moment.
_REVALIDATE = (b"cache-control", b"no-cache")

