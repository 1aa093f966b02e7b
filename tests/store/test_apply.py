"""EmbeddedStore.apply is all or nothing, in memory and on disk; the journal finishes or undoes a
change a crash interrupted (simulated here by closing the store at the same points; the kill
tests in test_crash_safety.py use real SIGKILLs)."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg import namespaces as ns
from sahelkg.store import EmbeddedStore, StoreError, embedded
from sahelkg.store.catalog import PUBLISHED_BY, is_published
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads, iri, literal

G = ox.NamedNode("http://example.org/graph/g")
NEW = ox.NamedNode("http://example.org/graph/new")
P = ox.NamedNode("http://example.org/p")
CATALOG = ox.NamedNode(ns.CATALOG_GRAPH)


def quad(subject: str | ox.BlankNode, value: str, graph: ox.NamedNode = G) -> ox.Quad:
    node = subject if isinstance(subject, ox.BlankNode) else ox.NamedNode(f"http://example.org/{subject}")
    return ox.Quad(node, P, ox.Literal(value), graph)


def contents(store: EmbeddedStore, graph: ox.NamedNode = G) -> set[tuple[str, str]]:
    return {(str(q.subject), q.object.value) for q in store.quads(graph=graph)}


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(tmp_path / "store" if request.param == "disk" else None)


def test_removals_and_additions_with_blank_nodes_apply_together(store: EmbeddedStore) -> None:
    old = [quad(f"s{i}", "old") for i in range(50)] + [quad(ox.BlankNode("b1"), "old")]
    store.apply(Change(additions=tuple(old)))
    new = [quad(f"s{i}", "new") for i in range(50)] + [quad(ox.BlankNode("b2"), "new")]
    store.apply(Change(additions=tuple(new), removals=tuple(old)))
    assert contents(store) == {(str(q.subject), "new") for q in new}
    assert store.path is None or not (store.path / embedded.JOURNAL_NAME).exists()


def test_many_additions_to_a_new_graph_are_bulk_loaded_with_blank_nodes_kept(store: EmbeddedStore) -> None:
    store.apply(Change(additions=(ox.Quad(P, P, P, CATALOG),)))
    blank = quad(ox.BlankNode("kept"), "blank", NEW)
    additions = [quad(f"s{i}", str(i), NEW) for i in range(embedded.BULK_MINIMUM)] + [blank]
    record = ox.Quad(NEW, PUBLISHED_BY, ox.NamedNode("http://example.org/activity"), CATALOG)
    store.apply(Change(additions=(*additions, record)))
    assert store.triple_count(NEW) == embedded.BULK_MINIMUM + 1
    assert blank in set(store.quads(graph=NEW))  # the blank node keeps its label
    assert is_published(store.oxigraph, NEW)


@pytest.mark.parametrize("graphs", [[NEW], [NEW, G]], ids=["one graph", "two graphs"])
def test_encoded_rows_loaded_piece_by_piece_keep_every_row_and_blank_node(
        store: EmbeddedStore, graphs: list[ox.NamedNode], monkeypatch: pytest.MonkeyPatch) -> None:
    # Pieces of 7 rows: the text is built while bulk_load reads it, blank nodes in several pieces.
    monkeypatch.setattr(embedded, "_TEXT_PIECE", 7)
    rows = []
    for i in range(100):
        subject = f"_:b{i}" if i % 13 == 0 else iri(f"http://example.org/s{i}")
        rows.append((subject, iri(P.value), literal(f"v{i} _: ü"), iri(graphs[i % len(graphs)].value)))
    store.apply(Change(additions=EncodedQuads(rows, terms_checked=True)))
    for graph in graphs:
        stored = list(store.quads(graph=graph))
        expected = [row for row in rows if row[3] == iri(graph.value)]
        assert len(stored) == len(expected)
        assert {q.object.value for q in stored} == {row[2].split('"')[1] for row in expected}
        assert {q.subject.value for q in stored if isinstance(q.subject, ox.BlankNode)} == \
            {row[0][2:] for row in expected if row[0].startswith("_:")}  # labels kept
    assert store.path is None or not (store.path / embedded.JOURNAL_NAME).exists()


def test_a_bad_row_in_a_bulk_change_writes_nothing(store: EmbeddedStore) -> None:
    store.apply(Change(additions=(quad("kept", "x"),)))
    rows = [(iri(f"http://example.org/s{i}"), iri(P.value), literal(str(i)), iri(NEW.value)) for i in range(100)]
    rows.append(("<not an iri>", iri(P.value), literal("x"), iri(NEW.value)))
    with pytest.raises(StoreError, match="nothing was written"):
        store.apply(Change(additions=EncodedQuads(rows), removals=(quad("kept", "x"),)))
    assert not store.graph_exists(NEW)
    assert contents(store) == {("<http://example.org/kept>", "x")}


def test_a_bad_row_stops_the_text_builder(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "_TEXT_PIECE", 10)  # many pieces: the loader fails with the builder ahead
    rows = [(iri(f"http://example.org/s{i}"), iri(P.value), literal(str(i)), iri(NEW.value)) for i in range(500)]
    rows.insert(25, ("<not an iri>", iri(P.value), literal("x"), iri(NEW.value)))
    threads = threading.active_count()
    with pytest.raises(StoreError):
        store.apply(Change(additions=EncodedQuads(rows)))
    assert threading.active_count() == threads
    assert not store.graph_exists(NEW)


def test_a_verdict_that_refuses_removes_the_bulk_loaded_graphs(store: EmbeddedStore) -> None:
    store.apply(Change(additions=(quad("kept", "x"),)))
    rows = [(iri(f"http://example.org/s{i}"), iri(P.value), literal(str(i)), iri(NEW.value))
            for i in range(embedded.BULK_MINIMUM)]
    seen: list[int] = []

    def refuse() -> None:
        seen.append(store.triple_count(NEW))  # asked once the new graph is loaded
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        store.apply(Change(additions=EncodedQuads(rows), removals=(quad("kept", "x"),)), verdict=refuse)
    assert seen == [embedded.BULK_MINIMUM]
    assert not store.graph_exists(NEW)
    assert contents(store) == {("<http://example.org/kept>", "x")}
    assert store.path is None or not (store.path / embedded.JOURNAL_NAME).exists()


def test_an_interrupted_change_is_completed_when_the_store_opens(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    old = [quad(f"s{i}", "old") for i in range(20)]
    store.apply(Change(additions=tuple(old)))
    new = [quad(f"s{i}", "new") for i in range(20)]
    # The commit point reached, then a "crash": the journal holds the change, the store is untouched.
    store._journal_commit(old, new, {G})
    store.close()
    reopened = EmbeddedStore(tmp_path / "store")
    assert contents(reopened) == {(str(q.subject), "new") for q in new}
    assert reopened.recovered and "completed" in reopened.recovered[0]
    assert not (tmp_path / "store" / embedded.JOURNAL_NAME).exists()


def test_an_interrupted_bulk_load_is_undone_when_the_store_opens(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.apply(Change(additions=(quad("kept", "x"),)))
    text = ox.serialize([quad(f"s{i}", "x", NEW) for i in range(100)], format=ox.RdfFormat.N_QUADS) or b""
    assert store._journal is not None
    # What _bulk_load does before its catalog record is committed, then a "crash".
    store._journal.write({"state": "loading", "keep": [str(g) for g in store.named_graphs()]})
    store.oxigraph.bulk_load(text, format=ox.RdfFormat.N_QUADS)
    store.close()
    reopened = EmbeddedStore(tmp_path / "store")
    assert not reopened.graph_exists(NEW)
    assert contents(reopened) == {("<http://example.org/kept>", "x")}


def test_an_import_graph_without_catalog_record_is_removed_when_the_store_opens(tmp_path: Path) -> None:
    # What an import interrupted before this journal existed left: the data, no record.
    graph = ox.NamedNode(ns.GRAPH + "import/acled-0000000000000000")
    store = EmbeddedStore(tmp_path / "store")
    store.oxigraph.bulk_extend([quad(f"s{i}", "x", graph) for i in range(10)])
    published = ox.NamedNode(ns.GRAPH + "import/acled-1111111111111111")
    store.apply(Change(additions=(quad("s", "x", published),
                                  ox.Quad(published, PUBLISHED_BY, ox.NamedNode("http://example.org/a"), CATALOG))))
    store.close()
    reopened = EmbeddedStore(tmp_path / "store")
    assert not reopened.graph_exists(graph)
    assert reopened.triple_count(published) == 1
    assert any(graph.value in line for line in reopened.recovered)
