"""Values the workbench computes from the whole store (the search index, the landing page's
figures), kept per app and recomputed when the store's write generation moves on.

Computing one can take seconds on a large store, so: it starts when the app starts (`warm_up`),
a reader after a write waits at most `STALE_WAIT_SECONDS` for the new value and otherwise gets the
previous one while the computation finishes in the background. A store without a generation
counter (a remote store, which other clients may write to) is recomputed every `UNVERSIONED_MAX_AGE`
seconds.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

import anyio
import pyoxigraph as ox
from starlette.requests import Request

from sahelkg.store import EmbeddedStore, Store

T = TypeVar("T")
STALE_WAIT_SECONDS = 2.0
UNVERSIONED_MAX_AGE = 60.0
# Whole-store computations are the service's own, not a visitor's query: they may take longer.
MIN_TIMEOUT_SECONDS = 600.0


def store_key(store: Store) -> object:
    """Given a store, return what changes when its data may have changed."""
    generation = getattr(store, "generation", None)
    if generation is not None:
        return ("generation", generation)
    return ("time", int(time.monotonic() // UNVERSIONED_MAX_AGE))


class Refreshed(Generic[T]):
    """One value computed from the store by a blocking function `compute(store, timeout)`."""

    def __init__(self, compute: Callable[[Store, float | None], T]) -> None:
        self._compute = compute
        self._value: T | None = None
        self._key: object = None
        self._task: asyncio.Future[T] | None = None
        self.last_seconds = 0.0

    def _start(self, app: Any, key: object) -> asyncio.Future[T]:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run(app, key))
            # A failure reaches whoever awaits the task; this keeps asyncio from warning otherwise.
            self._task.add_done_callback(lambda task: task.cancelled() or task.exception())
        return self._task

    async def _run(self, app: Any, key: object) -> T:
        store: Store = app.state.store
        # An in-process EmbeddedStore (tests) cannot enforce a timeout.
        timeout = None if isinstance(store, EmbeddedStore) else max(app.state.settings.query_timeout,
                                                                    MIN_TIMEOUT_SECONDS)
        started = time.perf_counter()
        value = await anyio.to_thread.run_sync(lambda: self._compute(store, timeout),
                                               limiter=app.state.thread_limiter)
        self.last_seconds = time.perf_counter() - started
        self._value, self._key = value, key
        return value

    async def get(self, app: Any) -> T:
        """Given the app, return the value for its store's current data (or, while that is being
        computed for more than STALE_WAIT_SECONDS, the previous value)."""
        key = store_key(app.state.store)
        if self._value is not None and key == self._key:
            return self._value
        task = self._start(app, key)
        if self._value is None:
            return await asyncio.shield(task)
        try:
            return await asyncio.wait_for(asyncio.shield(task), STALE_WAIT_SECONDS)
        except TimeoutError:
            return self._value

    def warm(self, app: Any) -> None:
        """Given the app, start computing the value now without waiting for it."""
        self._start(app, store_key(app.state.store))


def refreshed(request_or_app: Request | Any, name: str, compute: Callable[[Store, float | None], T]) -> Refreshed[T]:
    """Given a request (or app), a name and a compute function, return the app's holder of that value."""
    app = request_or_app.app if isinstance(request_or_app, Request) else request_or_app
    holders: dict[str, Refreshed] | None = getattr(app.state, "refreshed", None)
    if holders is None:
        holders = app.state.refreshed = {}
    holder = holders.get(name)
    if holder is None:
        holder = holders[name] = Refreshed(compute)
    return holder


def warm_up(computations: Mapping[str, Callable[[Store, float | None], Any]]):
    """Given named compute functions, return a router lifespan starting each when the app starts."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        for name, compute in computations.items():
            refreshed(app, name, compute).warm(app)
        yield

    return lifespan


def text_rows(store: Store, query: str, timeout: float | None) -> list[list[str]]:
    """Given a store and a SELECT over the whole store, return its rows as text ("" for unbound), as
    CSV from stores that can send it: building objects for 100k rows would cost more than the query."""
    serialized = getattr(store, "query_serialized", None)
    body: bytes | None = None
    if serialized is not None:
        _, _, body = serialized(query, {"solutions": "text/csv"}, timeout=timeout)
    elif isinstance(store, EmbeddedStore):  # in process (tests, the bench): the same, no timeout
        solutions = store.oxigraph.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        body = solutions.serialize(format=ox.QueryResultsFormat.CSV)
    if body is not None:
        reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
        next(reader, None)  # header
        return list(reader)
    return [["" if t is None or isinstance(t, ox.Triple) else t.value for t in row]
            for row in store.query(query, timeout=timeout).rows]
