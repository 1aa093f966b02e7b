"""Issue 15, the worker round trip: the event loop reads a worker's reply itself (non-blocking, a
read per wake-up), and the most recently used worker takes the next request (warm caches; the
other workers' copy-on-write pages stay shared), even one that is giving a big query's heap back."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest

from sahelkg.store import workers
from sahelkg.store.workers import IsolatedStore

MEDIA = {"solutions": "text/tab-separated-values", "boolean": "application/sparql-results+json", "graph": None}
ROWS = 40_000
# Takes well over the 50 ms after which a worker trims its heap.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(6)) + " }"


@pytest.fixture(scope="module")
def store():
    # Workers that retire (test_workers_forked.py) would blur which worker answered: not here.
    lower_after, workers.LOWER_PRIORITY_AFTER = workers.LOWER_PRIORITY_AFTER, 60.0
    pool = IsolatedStore(workers=3, private_mib=100_000)
    graph = ox.NamedNode("urn:test:round-trip")
    pool.load_quads([ox.Quad(ox.NamedNode(f"urn:test:s{i}"), ox.NamedNode("urn:test:p"),
                             ox.Literal("x" * 100 + str(i)), graph) for i in range(ROWS)])
    yield pool
    pool.close()
    workers.LOWER_PRIORITY_AFTER = lower_after


def _in_a_loop(coroutine):
    # Its own thread: a browser test's sync Playwright may have left a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_reply_of_many_reads_arrives_whole_and_equal_to_the_blocking_call(store):
    query = "SELECT ?s ?o WHERE { ?s <urn:test:p> ?o } ORDER BY ?s"
    kind, media_type, body = _in_a_loop(store.query_serialized_async(query, MEDIA, timeout=60))
    assert (kind, media_type) == ("solutions", "text/tab-separated-values")
    assert len(body) > 4 << 20 and body.count(b"\n") == ROWS + 1  # more than one 1 MiB read
    assert body == store.query_serialized(query, MEDIA, timeout=60)[2]


def test_sequential_requests_all_go_to_the_worker_just_used(store):
    async def scenario() -> list[int]:
        served = []
        for query in ["ASK {}"] * 3 + [SLOW] + ["ASK {}"] * 3:  # the slow one makes its worker trim
            await store.query_serialized_async(query, MEDIA, timeout=60)
            served.append(store._idle[-1].pid)
        return served

    served = _in_a_loop(scenario())
    assert len(set(served)) == 1, f"sequential requests went to several workers: {served}"
    idle = [w.pid for w in store._idle]
    store.query_serialized("ASK {}", MEDIA, timeout=30)
    assert [w.pid for w in store._idle] == idle and idle[-1] == served[-1]  # the blocking path too


def test_requests_larger_than_a_socket_buffer_go_through_and_switching_callers_keeps_working(store):
    big = "# " + "x" * 600_000 + "\nASK { ?s <urn:test:p> ?o }"

    async def scenario() -> list[bytes]:
        return [(await store.query_serialized_async(query, MEDIA, timeout=60))[2] for query in (big, "ASK {}", big)]

    for _ in range(2):  # the event loop's calls, then blocking ones, on the same workers
        assert [b"true" in body for body in _in_a_loop(scenario())] == [True, True, True]
        assert b"true" in store.query_serialized(big, MEDIA, timeout=60)[2]
        assert b"true" in store.query_serialized("ASK {}", MEDIA, timeout=60)[2]
