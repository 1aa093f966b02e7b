"""A big change (gate.BESIDE_MINIMUM) into an in-memory store is checked by a forked child while
this process writes it: the store ends exactly as the check-then-write path leaves it, a refusal
leaves it as it was, and a check that ends without a report is done again here. On disk the check
comes first, then the write, whatever the change's size."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from sahelkg import gate
from sahelkg.gate import forked
from sahelkg.importers.acled import AcledImporter
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change
from sahelkg.store.embedded import JOURNAL_NAME
from sahelkg.store.encoded import EncodedQuads, iri
from tests.conftest import seed_dataset, seed_embedded_store

ACLED = Path(__file__).parents[1] / "importers" / "data" / "acled.csv"
SKG = "https://w3id.org/sahelkg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

pytestmark = pytest.mark.skipif(not forked.fork_is_safe(), reason="needs fork and two cores")


@pytest.fixture(params=["memory", "disk"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Path | None:
    return tmp_path / "store" if request.param == "disk" else None


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


def test_a_change_checked_beside_its_write_ends_as_checked_then_written(
        where: Path | None, monkeypatch: pytest.MonkeyPatch) -> None:
    beside, change = planned_import(where)
    sequential = seed_embedded_store()
    monkeypatch.setattr(gate, "BESIDE_MINIMUM", len(change.additions) + 1)
    expected = gate.commit(sequential, change)
    monkeypatch.setattr(gate, "BESIDE_MINIMUM", 1)
    lines: list[str] = []
    receipt = gate.commit(beside, change, progress=lines.append)
    assert ("while writing them" in lines[0]) == (where is None)
    assert receipt.added == expected.added and receipt.graphs == expected.graphs
    assert receipt.report.counts() == expected.report.counts() and receipt.check_seconds > 0
    assert quads_of(beside) == quads_of(sequential)


def test_a_refused_change_leaves_the_store_as_it_was(where: Path | None, monkeypatch: pytest.MonkeyPatch) -> None:
    store, change = planned_import(where)
    graph = next(iter(change.additions.graphs()))
    # A count with nothing but its type breaks CountShape: the whole import is refused.
    bad = (iri("https://w3id.org/sahelkg/id/count/bare"), iri(RDF_TYPE), iri(SKG + "Count"), graph)
    before = quads_of(store)
    monkeypatch.setattr(gate, "BESIDE_MINIMUM", 1)
    with pytest.raises(gate.ChangeRefused) as refused:
        gate.commit(store, Change(additions=EncodedQuads([*change.additions.rows, bad])))
    assert any(r.focus_node.endswith("count/bare") for r in refused.value.report.results)
    assert quads_of(store) == before
    assert threading.active_count() == 1  # the text builder and the writer stopped
    assert where is None or not (where / JOURNAL_NAME).exists()


def test_a_forked_check_that_ends_without_a_report_is_done_again_here(monkeypatch: pytest.MonkeyPatch) -> None:
    store, change = planned_import()
    parent, check_change = os.getpid(), gate.check_change

    def failing_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise MemoryError("injected: the forked check fails")
        return check_change(*args, **kwargs)

    monkeypatch.setattr(gate, "check_change", failing_in_the_child)
    monkeypatch.setattr(gate, "BESIDE_MINIMUM", 1)
    lines: list[str] = []
    receipt = gate.commit(store, change, progress=lines.append)
    assert receipt.report.conforms and receipt.added == len(change.additions)
    assert any(line.startswith("conforms; writing") for line in lines)  # checked here, then written
    assert store.graph_exists(next(iter(change.graphs())))


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
