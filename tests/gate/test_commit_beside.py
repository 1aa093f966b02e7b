"""A big change (gate.BESIDE_MINIMUM) into an in-memory store is checked by a forked child while
this process writes it: the store ends exactly as the check-then-write path leaves it, a refusal
leaves it as it was, and a check that ends without a report is done again here. On disk the check
comes first, then the write, whatever the change's size.

The gate forks only from a process running no other thread; a test run keeps threads of other
tests' servers alive, so the in-memory cases run in a fresh Python process (`in_fresh_process`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sahelkg import gate
from sahelkg.gate import forked
from sahelkg.importers.acled import AcledImporter
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change
from sahelkg.store.embedded import JOURNAL_NAME
from sahelkg.store.encoded import EncodedQuads, iri
from tests.conftest import seed_dataset, seed_embedded_store

ROOT = Path(__file__).parents[2]
ACLED = ROOT / "tests" / "importers" / "data" / "acled.csv"
SKG = "https://w3id.org/sahelkg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2,
                                reason="the check beside the write needs fork and two cores")


def seed_store_at(path: Path | None) -> EmbeddedStore:
    if path is None:
        return seed_embedded_store()
    store = EmbeddedStore(path)
    store.load_quads(seed_dataset())
    return store


def planned_import(path: Path | None = None) -> tuple[EmbeddedStore, Change]:
    store = seed_store_at(path)
    _, change = AcledImporter().plan(store, ACLED)
    return store, change


def quads_of(store: EmbeddedStore) -> set[str]:
    return {str(q) for q in store.quads()}


def with_bare_count(change: Change) -> Change:
    """Given an import's change, return it with a count that has nothing but its type (CountShape refuses it)."""
    graph = next(iter(change.additions.graphs()))
    bare = (iri("https://w3id.org/sahelkg/id/count/bare"), iri(RDF_TYPE), iri(SKG + "Count"), graph)
    return Change(additions=EncodedQuads([*change.additions.rows, bare]))


# -- what a fresh process runs (each returns JSON-able facts for the test to assert) --------------

def beside_against_in_turn(path: Path | None = None) -> dict[str, Any]:
    beside, change = planned_import(path)
    in_turn = seed_embedded_store()
    gate.BESIDE_MINIMUM = len(change.additions) + 1
    expected = gate.commit(in_turn, change)
    gate.BESIDE_MINIMUM = 1
    lines: list[str] = []
    receipt = gate.commit(beside, change, progress=lines.append)
    return {"first line": lines[0], "same quads": quads_of(beside) == quads_of(in_turn),
            "same receipt": (receipt.added, receipt.graphs, receipt.report.counts())
            == (expected.added, expected.graphs, expected.report.counts()),
            "check seconds": receipt.check_seconds}


def refused(path: Path | None = None) -> dict[str, Any]:
    store, change = planned_import(path)
    before, threads = quads_of(store), threading.active_count()
    gate.BESIDE_MINIMUM = 1
    lines: list[str] = []
    try:
        gate.commit(store, with_bare_count(change), progress=lines.append)
    except gate.ChangeRefused as refusal:
        flagged = [r.focus_node for r in refusal.report.results]
    else:
        flagged = []
    return {"first line": lines[0], "flagged": flagged, "unchanged": quads_of(store) == before,
            "threads left": threading.active_count() - threads,
            "journal left": path is not None and (path / JOURNAL_NAME).exists()}


def child_fails() -> dict[str, Any]:
    store, change = planned_import()
    parent, check_change = os.getpid(), gate.check_change

    def failing_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise MemoryError("injected: the forked check fails")
        return check_change(*args, **kwargs)

    gate.check_change = failing_in_the_child
    gate.BESIDE_MINIMUM = 1
    lines: list[str] = []
    receipt = gate.commit(store, change, progress=lines.append)
    return {"lines": lines, "conforms": receipt.report.conforms, "added": receipt.added,
            "expected": len(change.additions), "written": store.graph_exists(next(iter(change.graphs())))}


def in_fresh_process(scenario: str) -> dict[str, Any]:
    code = f"import json; from tests.gate.test_commit_beside import {scenario}; print(json.dumps({scenario}()))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the tests ---------------------------------------------------------------------------------

def test_a_change_checked_beside_its_write_in_memory_ends_as_checked_then_written() -> None:
    facts = in_fresh_process("beside_against_in_turn")
    assert "while writing them" in facts["first line"]
    assert facts["same quads"] and facts["same receipt"] and facts["check seconds"] > 0


def test_on_disk_a_big_change_is_checked_then_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "BESIDE_MINIMUM", 1)
    store, change = planned_import(tmp_path / "store")
    lines: list[str] = []
    receipt = gate.commit(store, change, progress=lines.append)
    assert "while writing them" not in lines[0] and any(line.startswith("conforms; writing") for line in lines)
    assert receipt.added == len(change.additions) and store.graph_exists(next(iter(change.graphs())))


def test_a_change_refused_beside_its_write_leaves_the_store_as_it_was() -> None:
    facts = in_fresh_process("refused")
    assert "while writing them" in facts["first line"]
    assert any(node.endswith("count/bare") for node in facts["flagged"])
    assert facts["unchanged"] and facts["threads left"] == 0  # the text builder stopped with the write


def test_a_change_refused_on_disk_leaves_the_store_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "BESIDE_MINIMUM", 1)
    facts = refused(tmp_path / "store")
    assert any(node.endswith("count/bare") for node in facts["flagged"])
    assert facts["unchanged"] and facts["threads left"] == 0 and not facts["journal left"]


def test_a_forked_check_that_ends_without_a_report_is_done_again_here() -> None:
    facts = in_fresh_process("child_fails")
    assert "while writing them" in facts["lines"][0]
    assert any(line.startswith("conforms; writing") for line in facts["lines"])  # checked here, then written
    assert facts["conforms"] and facts["added"] == facts["expected"] and facts["written"]


def test_a_forked_result_comes_back_or_says_the_child_failed() -> None:
    assert forked.Forked(lambda: {"answer": 42}).result() == {"answer": 42}
    assert forked.Forked(lambda: 1 // 0).result() is None
    big = "x" * 1_000_000  # more than a pipe holds: read before the child is waited for
    assert forked.Forked(lambda: big).result() == big
    sleeping = forked.Forked(lambda: time.sleep(60))
    started = time.monotonic()
    sleeping.cancel()
    assert time.monotonic() - started < 10
    with pytest.raises(RuntimeError):
        sleeping.result()
