"""`sahelkg load` of big N-Quads files: bulk-loaded by the store into new graphs, validated there,
published by their catalog record (gate.commit_files); refused or broken loads leave nothing.

The size from which files are staged is lowered for these tests (loading.BULK_LOAD_BYTES), so
small fictional files take the path a 1.5M-triple file takes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.dataset import loading
from sahelkg.store import EmbeddedStore
from sahelkg.store.catalog import is_published
from sahelkg.store.embedded import JOURNAL_NAME, GraphsNotNew
from tests.conftest import seed_dataset

SOURCE = ox.NamedNode(ns.SOURCE_GRAPH_PREFIX + "a000")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ENDED = ox.NamedNode("http://www.w3.org/ns/prov#endedAtTime")
# Nodes that belong to one source, renamed in each copy (actors and places are shared).
LOCAL = tuple(f"{ns.ID}{kind}/" for kind in ("anchor", "claim", "timespan", "count", "event", "attribution",
                                             "document", "affiliation", "accusation", "participation",
                                             "involvement"))


def copies(count: int, extra: list[ox.Quad] = ()) -> list[ox.Quad]:
    """Given a number, return that many copies of the seed's source graph under new names."""
    source = [q for q in seed_dataset() if q.graph_name == SOURCE]

    def renamed(term, suffix):
        return ox.NamedNode(term.value + suffix) if isinstance(term, ox.NamedNode) and term.value.startswith(LOCAL) else term

    return [ox.Quad(renamed(q.subject, f"-c{k}"), q.predicate, renamed(q.object, f"-c{k}"),
                    ox.NamedNode(SOURCE.value + f"-c{k}")) for k in range(count) for q in source] + list(extra)


def write_nquads(path: Path, quads: list[ox.Quad], tail: bytes = b"") -> Path:
    path.write_bytes((ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"") + tail)
    return path


@pytest.fixture(autouse=True)
def stage_every_file(monkeypatch):
    monkeypatch.setattr(loading, "BULK_LOAD_BYTES", 0)


@pytest.fixture
def disk_store(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.load_quads(seed_dataset())
    yield store
    store.close()


def state(store: EmbeddedStore) -> tuple[set, int]:
    return {g.value for g in store.named_graphs()}, store.triple_count()


def test_a_big_file_is_staged_validated_and_published(disk_store, tmp_path):
    data = write_nquads(tmp_path / "copies.nq", copies(2))
    files = loading.read_files([data])
    assert list(files.big) == [data] and not files.parsed
    receipt = gate.commit_files(disk_store, files)
    assert receipt is not None and receipt.report.conforms
    for k in range(2):
        graph = ox.NamedNode(SOURCE.value + f"-c{k}")
        assert disk_store.triple_count(graph) == disk_store.triple_count(SOURCE)
        assert is_published(disk_store.oxigraph, graph)
    # The catalog record is the one the quad path writes for the same file (its time aside).
    expected = {q for q in loading.catalog_quads(loading.parse_all([data])) if q.predicate != ENDED}
    held = {q for q in disk_store.quads(graph=ox.NamedNode(ns.CATALOG_GRAPH)) if q.predicate != ENDED}
    assert expected <= held
    assert any(q.predicate.value == ns.SKG + "derivedFromDocument" for q in expected)
    assert not (disk_store.path / JOURNAL_NAME).exists()
    assert gate.commit_files(disk_store, loading.read_files([data])) is None  # already loaded


def test_a_refused_load_leaves_nothing(disk_store, tmp_path):
    untyped_count = ox.Quad(ox.NamedNode(ns.ID + "count/c0-bare"), RDF_TYPE, ox.NamedNode(ns.SKG + "Count"),
                            ox.NamedNode(SOURCE.value + "-c0"))
    data = write_nquads(tmp_path / "bad.nq", copies(2, [untyped_count]))
    before = state(disk_store)
    with pytest.raises(gate.ChangeRefused) as refused:
        gate.commit_files(disk_store, loading.read_files([data]))
    assert any(r.focus_node == untyped_count.subject.value for r in refused.value.report.results)
    assert state(disk_store) == before
    assert not (disk_store.path / JOURNAL_NAME).exists()


def test_a_syntax_error_names_the_line_and_leaves_nothing(disk_store, tmp_path):
    bad_iri = b"<http://example.org/s> <http://example.org/p> <http://exa mple> <http://example.org/g> .\n"
    data = write_nquads(tmp_path / "broken.nq", copies(1), tail=bad_iri)
    lines = data.read_bytes().count(b"\n")
    before = state(disk_store)
    with pytest.raises(loading.LoadError) as error:
        gate.commit_files(disk_store, loading.read_files([data]))
    assert error.value.line == lines and error.value.path == str(data)
    assert state(disk_store) == before


def test_triples_outside_any_graph_are_refused(disk_store, tmp_path):
    data = write_nquads(tmp_path / "triples.nq", copies(1), tail=b"<http://example.org/s> <http://example.org/p> \"o\" .\n")
    before = state(disk_store)
    with pytest.raises(loading.LoadError, match="outside any GRAPH block"):
        gate.commit_files(disk_store, loading.read_files([data]))
    assert state(disk_store) == before


def test_a_file_that_names_a_held_graph_is_not_staged_but_loaded_as_a_change(disk_store, tmp_path):
    label = ox.Quad(ox.NamedNode(ns.ID + "document/a000-c0"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                    ox.NamedNode(ns.REFERENCE_GRAPH), ox.NamedNode(SOURCE.value + "-c0"))
    data = write_nquads(tmp_path / "names-reference.nq", copies(1, [label]))
    before = state(disk_store)
    with pytest.raises(GraphsNotNew):
        disk_store.stage_files([(data, ox.RdfFormat.N_QUADS, None)])
    assert state(disk_store) == before
    receipt = gate.commit_files(disk_store, loading.read_files([data]))
    assert receipt is not None and label in set(disk_store.quads(graph=label.graph_name))
    assert is_published(disk_store.oxigraph, label.graph_name)


def test_in_memory_the_same_load_is_staged(tmp_path):
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    data = write_nquads(tmp_path / "copies.nq", copies(1))
    receipt = gate.commit_files(store, loading.read_files([data]))
    assert receipt is not None
    assert is_published(store.oxigraph, ox.NamedNode(SOURCE.value + "-c0"))


def test_in_memory_the_ontology_goes_first_and_the_big_file_is_still_staged(tmp_path, monkeypatch):
    # `serve --seed --load FILE`: the seed's files (the class hierarchy) and a big file, one call.
    store = EmbeddedStore()
    data = write_nquads(tmp_path / "copies.nq", copies(1))
    monkeypatch.setattr(loading, "BULK_LOAD_BYTES", data.stat().st_size)  # the seed's files stay small
    files = loading.read_files([*loading.seed_paths(), data])
    assert list(files.big) == [data]
    staged = []
    monkeypatch.setattr(EmbeddedStore, "stage_files", _recording(EmbeddedStore.stage_files, staged))
    receipt = gate.commit_files(store, files)
    assert staged == [[data]]
    assert receipt is not None and receipt.report.conforms
    assert is_published(store.oxigraph, SOURCE) and is_published(store.oxigraph, ox.NamedNode(SOURCE.value + "-c0"))


def _recording(stage_files, calls: list):
    def stage(self, files, **options):
        calls.append([path for path, _fmt, _graph in files])
        return stage_files(self, files, **options)
    return stage


def test_a_graph_spelled_with_escapes_is_not_staged(disk_store, tmp_path):
    escaped = b'<http://example.org/s> <http://example.org/p> "o" <' + ns.GRAPH.encode() + b'c\\u0061talog> .\n'
    data = write_nquads(tmp_path / "escaped.nq", copies(1), tail=escaped)
    before = state(disk_store)
    with pytest.raises(GraphsNotNew, match="escaped"):
        disk_store.stage_files([(data, ox.RdfFormat.N_QUADS, None)])
    assert state(disk_store) == before
