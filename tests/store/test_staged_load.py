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


def test_the_gate_reads_a_staged_file_as_the_store_holds_it(tmp_path):
    # The gate's rows come from the file's text, parsed while the store bulk-loads it; they are
    # the rows the store then holds (the seed's terms are written as Oxigraph writes them).
    data = write_nquads(tmp_path / "copies.nq", copies(2))
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    held = sorted((str(s), str(p), str(o), str(g)) for s, p, o, g in store)
    assert sorted(loading.bulk_loaded_rows([data])) == held


def test_a_staged_file_s_blank_nodes_are_its_own(tmp_path):
    # The quad path keeps a small file's labels; a big file's `_:b1` is another node, as the
    # store's bulk load makes it, and the same node on every line of that file.
    graph = "<http://example.org/g>"
    data = tmp_path / "blank.nq"
    data.write_text(f'_:b1 <http://example.org/p> _:b1 {graph} .\n_:b1 <http://example.org/q> "01"^^'
                    f'<http://www.w3.org/2001/XMLSchema#integer> {graph} .\n')
    first, second = loading.bulk_loaded_rows([data]), loading.bulk_loaded_rows([data])
    node = first[0][0]
    assert node.startswith("_:") and node != "_:b1" and first[0][2] == node and first[1][0] == node
    assert second[0][0] != node  # another load, other nodes
    assert first[1][2] == '"01"^^<http://www.w3.org/2001/XMLSchema#integer>'  # the file's lexical form


def test_a_big_triple_file_s_rows_go_to_the_target_graph(tmp_path):
    data = tmp_path / "triples.nt"
    data.write_text('<http://example.org/s> <http://example.org/p> "o" .\n')
    assert loading.bulk_loaded_rows([data], "http://example.org/g") == [
        ("<http://example.org/s>", "<http://example.org/p>", '"o"', "<http://example.org/g>")]
    with pytest.raises(loading.LoadError, match="target graph"):
        loading.bulk_loaded_rows([data])


def test_serve_in_memory_checks_big_files_and_leaves_their_load_to_the_keeper(tmp_path):
    # `serve --seed --load FILE`: the same gate and catalog record as commit_files, but the file's
    # quads are not loaded in the web process; once the keeper bulk-loads the file, the store
    # holds what commit_files writes.
    data = write_nquads(tmp_path / "copies.nq", copies(2))
    committed = EmbeddedStore()
    committed.load_quads(seed_dataset())
    gate.commit_files(committed, loading.read_files([data]))
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    before = store.triple_count()
    assert gate.commit_except_big_files(store, loading.read_files([data])) == [data]
    copy = ox.NamedNode(SOURCE.value + "-c0")
    assert store.triple_count(copy) == 0 and is_published(store.oxigraph, copy)  # the record, not the data
    assert store.triple_count() > before
    store.load_file(data)

    def held(s: EmbeddedStore) -> set:
        return {q for q in s.quads() if q.predicate != ENDED}
    assert held(store) == held(committed)


def test_serve_in_memory_refuses_a_big_file_from_its_text(tmp_path):
    untyped_count = ox.Quad(ox.NamedNode(ns.ID + "count/c0-bare"), RDF_TYPE, ox.NamedNode(ns.SKG + "Count"),
                            ox.NamedNode(SOURCE.value + "-c0"))
    data = write_nquads(tmp_path / "bad.nq", copies(1, [untyped_count]))
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    before = state(store)
    with pytest.raises(gate.ChangeRefused) as refused:
        gate.commit_except_big_files(store, loading.read_files([data]))
    assert any(r.focus_node == untyped_count.subject.value for r in refused.value.report.results)
    assert state(store) == before


def test_serve_in_memory_commits_a_big_file_naming_a_held_graph_itself(tmp_path):
    label = ox.Quad(ox.NamedNode(ns.ID + "document/a000-c0"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                    ox.NamedNode(ns.REFERENCE_GRAPH), SOURCE)
    data = write_nquads(tmp_path / "names-seed.nq", copies(1, [label]))
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    assert gate.commit_except_big_files(store, loading.read_files([data])) == []
    assert label in set(store.quads(graph=SOURCE))


def test_serve_in_memory_names_the_line_of_a_syntax_error(tmp_path):
    bad_iri = b"<http://example.org/s> <http://example.org/p> <http://exa mple> <http://example.org/g> .\n"
    data = write_nquads(tmp_path / "broken.nq", copies(1), tail=bad_iri)
    store = EmbeddedStore()
    with pytest.raises(loading.LoadError) as error:
        gate.commit_except_big_files(store, loading.read_files([data]))
    assert error.value.line == data.read_bytes().count(b"\n")


def test_the_keeper_loads_the_big_files_serve_checked(tmp_path):
    from sahelkg.store.workers import IsolatedStore

    data = write_nquads(tmp_path / "copies.nq", copies(2))
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    seed_triples = store.triple_count(SOURCE)
    loads = gate.commit_except_big_files(store, loading.read_files([data]))
    served = IsolatedStore(load_paths=tuple(loads), source=store, workers=1)
    try:
        count = served.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{SOURCE.value}-c1> {{ ?s ?p ?o }} }}", timeout=60)
        assert int(count.rows[0][0].value) == seed_triples
        published = f"ASK {{ GRAPH <{ns.CATALOG_GRAPH}> {{ <{SOURCE.value}-c1> ?p ?o }} }}"
        assert served.query(published, timeout=60).boolean is True
    finally:
        served.close()
