"""Full validation of a store (validation.validate_store): the graphs are dumped by reading threads
while the calling one indexes the graphs already dumped; the report is the one the quads give."""

from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest

from sahelkg import namespaces as ns
from sahelkg.dataset import loading
from sahelkg.gate import validation
from sahelkg.store import EmbeddedStore

COPIES = 20  # more graphs than the reading thread queues ahead, so it waits for the indexing one


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    """Return a store holding the seed and COPIES copies of one of its source graphs, each under a
    new graph name, one copy with a count whose minimum exceeds its maximum (a Violation)."""
    quads = list(loading.dataset_quads(loading.seed_paths()))
    source = next(q.graph_name for q in quads if q.graph_name.value.startswith(ns.SOURCE_GRAPH_PREFIX))
    minimum = ox.NamedNode(ns.SKG + "minimum")
    copies = []
    for k in range(COPIES):
        graph = ox.NamedNode(f"{source.value}-copy{k}")
        for q in quads:
            if q.graph_name == source:
                obj = q.object
                if k == 7 and q.predicate == minimum:
                    obj = ox.Literal("100000", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
                copies.append(ox.Quad(q.subject, q.predicate, obj, graph))
    many = EmbeddedStore()
    many.load_quads(quads + copies)
    return many


def _dump_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sahelkg-graph-dump"]


def test_a_store_of_many_graphs_gets_the_report_its_quads_give_and_view_checks_come_after(store):
    assert len(list(store.oxigraph.named_graphs())) > COPIES
    seen = []

    def count_subjects(view):
        seen.append(len(view.subject_nodes()))
        return [validation.ValidationResult(focus_node="x", severity="Warning", source_shape="urn:test", message="m")]

    whole = validation.validate_store(store, view_checks=[count_subjects])
    from_quads = validation.validate_quads(store.quads())
    assert not whole.conforms
    assert [r.key() for r in whole.results[:-1]] == [r.key() for r in from_quads.results]
    assert whole.results[-1].source_shape == "urn:test" and seen and seen[0] > 0
    assert not _dump_threads()  # the reading thread has ended (other tests may leave threads of their own)


def test_an_error_while_indexing_reaches_the_caller_and_no_reading_thread_is_left(store):
    taken = []

    def failing(graph, triples):
        taken.append(graph)
        if len(taken) == 3:  # the readers are ahead, some waiting on a full queue
            raise RuntimeError("the graph rules could not be read")

    with pytest.raises(RuntimeError, match="graph rules"):
        validation._view_beside(store.oxigraph, failing)
    assert len(taken) == 3 and not _dump_threads()

