"""The forked worker design (issue 15): a small write is replayed by the workers instead of
re-forking them, read-your-writes on every worker; a big write forks new ones; a worker that has
un-shared more than its share of the store retires and a fresh fork takes its place; a write is
never queued behind readers (one worker is kept for writes)."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg.store import workers
from sahelkg.store.change import Change
from sahelkg.store.workers import REPLAY_BYTES, REPLAY_LOG_LENGTH, IsolatedStore

GRAPH = ox.NamedNode("urn:test:forked")
PROBE = "SELECT ?o WHERE { GRAPH <urn:test:forked> { <urn:test:s> <urn:test:p> ?o } } ORDER BY ?o"
# Holds a worker for about a second without allocating much.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(7)) + " }"


def _quad(value: int, subject: str = "urn:test:s") -> ox.Quad:
    return ox.Quad(ox.NamedNode(subject), ox.NamedNode("urn:test:p"), ox.Literal(value), GRAPH)


def _values(store: IsolatedStore) -> list[int]:
    return [int(row[0].value) for row in store.query(PROBE, timeout=30).rows]


def _on_every_worker(store: IsolatedStore, count: int) -> list[list[int]]:
    """Return PROBE's values as answered by `count` requests at once, each held in its worker for
    a while by a slow subquery, so that `count` different workers answer."""
    slow_probe = PROBE.replace("} } ORDER BY", "} { " + SLOW + " } } ORDER BY")
    with ThreadPoolExecutor(count) as pool:
        answers = [pool.submit(store.query, slow_probe, timeout=60) for _ in range(count)]
        most_busy = 0
        while not all(a.done() for a in answers):
            with store._cond:
                most_busy = max(most_busy, len(store._busy))
                store._cond.wait(0.01)
        assert most_busy == count, f"only {most_busy} workers answered at once"
        return [[int(row[0].value) for row in a.result().rows] for a in answers]


def _idle_pids(store: IsolatedStore) -> set[int]:
    with store._cond:
        return {w.pid for w in store._idle}


def _eventually(condition, timeout: float = 10.0) -> bool:
    """Poll: taking a worker notifies no one, so a Condition would not wake up for it."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _wait_for_idle(store: IsolatedStore, count: int) -> set[int]:
    with store._cond:
        assert store._cond.wait_for(lambda: len(store._idle) >= count, timeout=30), "workers were not replaced"
        return {w.pid for w in store._idle}


@pytest.fixture()
def store(monkeypatch):
    # The slow probes must not count as long requests here (their workers would retire).
    monkeypatch.setattr(workers, "LOWER_PRIORITY_AFTER", 60.0)
    pool = IsolatedStore(workers=3)
    yield pool
    pool.close()


def test_a_small_write_is_replayed_by_the_same_workers_and_read_by_each(store):
    store.apply(Change(additions=(_quad(1),)))
    before = _wait_for_idle(store, 3)
    store.apply(Change(additions=(_quad(2), _quad(3)), removals=(_quad(1),)))
    assert _idle_pids(store) == before, "a small write re-forked the workers"
    assert _on_every_worker(store, 3) == [[2, 3]] * 3
    assert _wait_for_idle(store, 3) == before
    assert all(w.generation == store.generation for w in store._idle)


def test_a_write_after_another_is_replayed_in_order_by_a_worker_far_behind(store):
    workers = _wait_for_idle(store, 3)
    for value in range(40):  # each write removes the previous value: order matters
        store.apply(Change(additions=(_quad(value),), removals=(_quad(value - 1),) if value else ()))
    assert _idle_pids(store) == workers
    assert _on_every_worker(store, 3) == [[39]] * 3


def test_a_big_write_forks_new_workers_that_hold_it(store):
    before = _wait_for_idle(store, 3)
    big = tuple(_quad(i, f"urn:test:big-{'x' * 200}-{i}") for i in range(REPLAY_BYTES // 200))
    store.apply(Change(additions=big))
    after = _wait_for_idle(store, 3)
    assert not after & before, "a big write was replayed, not forked"
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:test:forked> { ?s ?p ?o } }"
    assert int(store.query(count, timeout=30).rows[0][0].value) == len(big)


def test_workers_behind_the_kept_log_retire_and_fresh_ones_serve():
    pool = IsolatedStore(workers=2)
    try:
        first = _wait_for_idle(pool, 2)
        for value in range(REPLAY_LOG_LENGTH + 5):
            pool.apply(Change(additions=(_quad(value),), removals=(_quad(value - 1),) if value else ()))
        assert len(pool._log) == REPLAY_LOG_LENGTH
        assert _values(pool) == [REPLAY_LOG_LENGTH + 4]
        assert not _wait_for_idle(pool, 2) & first, "workers too far behind were kept"
    finally:
        pool.close()


def _private_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no Private_Dirty line")


SCAN = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SCANNED_ROWS = 150_000


def _two_workers_on_a_store(private_mib: float) -> tuple[IsolatedStore, set[int]]:
    """Return a pool of two workers over SCANNED_ROWS quads (~40 MiB un-shared by one scan), and its workers."""
    pool = IsolatedStore(workers=2, private_mib=private_mib)
    pool.load_quads([_quad(i, f"urn:test:row-{i}-{'y' * 60}") for i in range(SCANNED_ROWS)])
    return pool, _wait_for_idle(pool, 2)


@pytest.mark.parametrize("limit", [8, 100_000])
def test_a_worker_that_unshared_the_store_retires_so_memory_stays_near_one_store(limit):
    pool, workers = _two_workers_on_a_store(limit)
    try:
        for _ in range(2):
            assert int(pool.query(SCAN, timeout=60).rows[0][0].value) == SCANNED_ROWS
        after = _wait_for_idle(pool, 2)
        largest = max(_private_mib(pid) for pid in after)
        if limit == 8:
            assert after != workers, "the worker that scanned the store was kept"
            assert largest < 16, f"a worker holds {largest:.0f} MiB of its own"
        else:  # the contrast: without the limit the scanning worker keeps its un-shared pages
            assert after == workers and largest > 16
    finally:
        pool.close()


def test_a_write_gets_a_worker_while_every_reader_is_busy():
    pool = IsolatedStore(workers=2, prepare_writes=True)
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(10)) + " }"
    try:
        _wait_for_idle(pool, 3)  # two for readers, one kept for writes
        with ThreadPoolExecutor(2) as readers:
            held = [readers.submit(pool.query, runaway, timeout=8) for _ in range(2)]
            assert _eventually(lambda: pool._reading == 2)
            prepared = pool.prepare_write({"kind": "update", "text": "INSERT DATA { GRAPH <urn:test:forked> "
                                           "{ <urn:test:s> <urn:test:p> 7 } }"}, 30)
            assert not any(f.done() for f in held), "the write waited for a reader"
            pool.apply_prepared(prepared)
            assert _values(pool) == [7]
    finally:
        pool.close()


@pytest.mark.parametrize("caller", ["blocking", "event loop"])
def test_a_long_request_runs_at_a_lower_priority_and_its_worker_retires(monkeypatch, store, caller):
    monkeypatch.setattr(workers, "LOWER_PRIORITY_AFTER", 0.2)
    before = _wait_for_idle(store, 3)

    def run_slow():
        if caller == "blocking":
            return store.query(SLOW, timeout=60).rows[0][0].value
        body = asyncio.run(store.query_serialized_async(SLOW, {"solutions": "text/tab-separated-values"}, timeout=60))[2]
        return body.split()[-1].decode()

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(run_slow)
        assert _eventually(lambda: len(store._busy) == 1)
        (pid,) = store._busy
        time.sleep(0.5)
        niceness = os.getpriority(os.PRIO_PROCESS, pid)
        assert slow.result() == "10000000"
    assert niceness == os.getpriority(os.PRIO_PROCESS, os.getpid()) + workers.LOWER_PRIORITY_BY
    assert pid not in _wait_for_idle(store, 3), "the lowered worker was kept"
    assert len(before - {pid}) == 2  # the others were not touched
    quick = store.query("ASK {}", timeout=10)
    assert quick.boolean is True


def _minor_fault_mib(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[7]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)  # minflt, the stat file's 10th field


def test_a_worker_whose_request_only_allocated_and_freed_memory_stays(monkeypatch):
    monkeypatch.setattr(workers, "LOWER_PRIORITY_AFTER", 60.0)  # a long request retires its worker too
    pool = IsolatedStore(workers=1, private_mib=24)
    try:
        (worker,) = _wait_for_idle(pool, 1)
        # Sorting a million generated rows faults in far more than 24 MiB of heap, all freed after.
        sort = "SELECT ?x WHERE { " + " ".join(f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(6)) + \
               " BIND(?v0 * 100000 + ?v1 * 10000 + ?v2 * 1000 + ?v3 * 100 + ?v4 * 10 + ?v5 AS ?x) } ORDER BY DESC(?x) LIMIT 1"
        assert pool.query(sort, timeout=60).rows[0][0].value == "1111110"
        assert _minor_fault_mib(worker) > 24, "the request did not go past the fault count"
        assert _wait_for_idle(pool, 1) == {worker}, "a worker holding little of its own retired"
        assert _private_mib(worker) < 24
    finally:
        pool.close()


@pytest.mark.parametrize("budget", [60, 100])
def test_workers_share_one_budget_of_private_memory(budget):
    # Two workers that scan a store at once each un-share ~40 MiB of it: within a budget of 100
    # both stay warm; with 60, the one that answers second retires.
    pool, before = _two_workers_on_a_store(budget)
    try:
        with ThreadPoolExecutor(2) as clients:
            answers = list(clients.map(lambda n: pool.query(f"{SCAN} # client {n}", timeout=60), range(2)))
        assert [int(a.rows[0][0].value) for a in answers] == [SCANNED_ROWS] * 2
        after = _wait_for_idle(pool, 2)
        held = {pid: _private_mib(pid) for pid in after}
        if budget == 100:
            assert after == before and all(mib > 30 for mib in held.values()), held
        else:
            assert len(after & before) == 1, "not exactly one of the two scanning workers retired"
            assert sum(held.values()) < budget, held
    finally:
        pool.close()
