"""The shared worker design (one RocksDB store, read-only snapshots, long-lived workers): writes
without re-forking, read-your-writes, killable queries, writes prepared on a private copy, and
no folder left in /dev/shm (or on disk) once the store is closed or its app killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from sahelkg.store import QueryTimeout
from sahelkg.store.change import Change
from sahelkg.store.workers import IsolatedStore

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(10)) + " }"
GRAPH = ox.NamedNode("urn:test:shared")
PROBE = "SELECT ?o WHERE { GRAPH <urn:test:shared> { <urn:test:s> <urn:test:p> ?o } } ORDER BY ?o"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    shm = tmp_path_factory.mktemp("shm")
    os.environ["SAHELKG_SHARED_MEMORY_DIR"] = str(shm)
    try:
        pool = IsolatedStore(workers=2, worker_store="shared", prepare_writes=True)
    finally:
        del os.environ["SAHELKG_SHARED_MEMORY_DIR"]
    assert pool._root is not None and Path(pool._root).parent == shm
    yield pool
    pool.close()
    assert list(shm.iterdir()) == [], "the shared store's folder outlived close()"


def _quad(value: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode("urn:test:s"), ox.NamedNode("urn:test:p"), ox.Literal(value), GRAPH)


def _worker_pids(store: IsolatedStore) -> set[int]:
    """Return the pids of the keeper's grandchildren (the workers under the spawner)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                state, parent = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[:2]
            except OSError:
                continue
            if state != "Z":  # a killed worker not yet reaped is gone already
                parents[int(entry)] = int(parent)
    spawners = {pid for pid, parent in parents.items() if parent == store._keeper.pid}
    return {pid for pid, parent in parents.items() if parent in spawners}


def _values(store: IsolatedStore) -> list[int]:
    return [int(row[0].value) for row in store.query(PROBE, timeout=30).rows]


def test_every_acknowledged_write_is_read_without_reforking(store):
    before = _worker_pids(store)
    assert len(before) == 2
    start = len(_values(store))
    for i in range(4):
        store.apply(Change(additions=(_quad(100 + i),)))
        assert len(_values(store)) == start + i + 1  # each worker catches up before it answers
    assert _worker_pids(store) == before, "a write re-forked the workers"


def test_old_snapshots_go_once_no_worker_holds_them(store):
    store.apply(Change(additions=(_quad(200),)))
    snapshots = Path(store._root) / "snapshots"
    deadline = time.monotonic() + 10
    while len(os.listdir(snapshots)) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)  # idle workers move to the newest within about a second
    assert os.listdir(snapshots) == [str(store.generation)]


def test_a_runaway_is_killed_at_its_timeout_and_replaced(store):
    victims = _worker_pids(store)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.query(RUNAWAY, timeout=1)
    assert time.monotonic() - started < 5
    assert store.query("ASK {}", timeout=30).boolean is True
    deadline = time.monotonic() + 10
    now = _worker_pids(store)
    while not (len(now) == 2 and len(victims - now) == 1) and time.monotonic() < deadline:
        time.sleep(0.05)
        now = _worker_pids(store)
    assert len(now) == 2 and len(victims - now) == 1, "the killed worker was not replaced"


def test_a_write_is_prepared_on_a_private_copy(store):
    store.apply(Change(additions=(_quad(300), _quad(301))))
    values = _values(store)
    prepared = store.prepare_write({"kind": "update", "text": "DELETE { GRAPH <urn:test:shared> { ?s ?p ?o } } "
                                    "WHERE { GRAPH <urn:test:shared> { ?s ?p ?o FILTER(?o >= 300) } }"}, 120)
    assert (prepared.removed, prepared.added) == (2, 0)
    assert _values(store) == values, "preparing changed the store"
    assert not list(Path(store._root).glob("scratch-*")), "the private copy was left behind"
    store.apply_prepared(prepared)
    assert _values(store) == [v for v in values if v < 300]


def test_an_on_disk_store_keeps_its_snapshots_beside_it(tmp_path):
    pool = IsolatedStore(path=tmp_path / "store", workers=1, worker_store="shared")
    try:
        pool.apply(Change(additions=(_quad(1),)))
        assert _values(pool) == [1]
        assert Path(pool._root).parent == tmp_path
    finally:
        pool.close()
    assert [p.name for p in tmp_path.iterdir()] == ["store"]
    reopened = IsolatedStore(path=tmp_path / "store", workers=1, worker_store="shared")
    try:
        assert _values(reopened) == [1], "the write was not durable"
    finally:
        reopened.close()


def test_a_killed_service_leaves_nothing_in_shared_memory(tmp_path):
    scratch, shm = tmp_path / "tmp", tmp_path / "shm"
    scratch.mkdir()
    shm.mkdir()
    port = _free_port()
    env = dict(os.environ, TMPDIR=str(scratch), SAHELKG_WORKERS="1", SAHELKG_WORKER_STORE="shared",
               SAHELKG_SHARED_MEMORY_DIR=str(shm))
    server = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert [p.name for p in shm.iterdir() if p.name.startswith("sahelkg-store-")], "no store folder while serving"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    deadline = time.monotonic() + 20
    while (any(scratch.iterdir()) or any(shm.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(scratch.iterdir()) == [] and list(shm.iterdir()) == []


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_event_loop_call_answers_times_out_and_kills_on_cancel(store):
    import asyncio

    media = {"solutions": "application/sparql-results+json", "boolean": "application/sparql-results+json",
             "graph": "application/n-triples"}

    async def scenario() -> None:
        kind, _, body = await store.query_serialized_async("ASK {}", media, timeout=30)
        assert kind == "boolean" and b"true" in body
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            await store.query_serialized_async(RUNAWAY, media, timeout=1)
        assert time.monotonic() - started < 5
        before = _worker_pids(store)
        runaway = asyncio.ensure_future(store.query_serialized_async(RUNAWAY, media, timeout=60))
        await asyncio.sleep(0.3)
        runaway.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runaway
        deadline = time.monotonic() + 10
        while _worker_pids(store) >= before and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not _worker_pids(store) >= before, "a cancelled query's worker was left running"

    # Its own thread: a browser test's sync Playwright may have left a loop running in this one.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_a_write_is_prepared_against_graphs_loaded_without_the_gate(store):
    loaded = ox.NamedNode("urn:test:raw-load")
    quads = [ox.Quad(ox.NamedNode(f"urn:test:r{i}"), ox.NamedNode("urn:test:p"), ox.Literal(i), loaded) for i in range(3)]
    store.load_quads(quads)  # a raw load: no catalog record, which crash recovery would drop
    prepared = store.prepare_write({"kind": "update", "text": "DELETE WHERE { GRAPH <urn:test:raw-load> { ?s ?p ?o } }"},
                                   120)
    assert (prepared.removed, prepared.added) == (3, 0)
