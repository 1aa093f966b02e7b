"""A process that makes one large write to an on-disk store, for the kill tests (tests/store/crash.py).

    python -m tests.store.writer MODE DIR ROWS
    python -m tests.store.writer setup DIR ROWS MODE

Modes:
  replace  the graph GRAPH holds ROWS "old" triples (and a few with blank nodes); one Change
           removes them all and adds ROWS "new" ones (what a Graph Store PUT does)
  import   one Change adds ROWS encoded rows to a new import graph plus its catalog record (what
           `sahelkg import` does)
  load     `EmbeddedStore.load_file` of an N-Quads file of ROWS quads in new graphs
  staged   `EmbeddedStore.stage_files` of such a file into new source graphs, then `publish` of
           their catalog record (what `sahelkg load` does with a big N-Quads file, gate aside)

`setup` prepares DIR for a mode. The process prints "ready" just before the write and "done"
after it, so the parent knows the window in which to kill it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import EmbeddedStore
from sahelkg.store.catalog import PUBLISHED_BY
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads, iri, literal

GRAPH = ox.NamedNode("http://example.org/graph/crash-replace")  # needs no catalog record
IMPORT_GRAPH = ns.GRAPH + "import/crash-test-0000000000000000"
ACTIVITY = ns.ID + "activity/import-crash-test"
LOAD_GRAPHS = [f"http://example.org/graph/crash-load-{n}" for n in range(3)]  # need no catalog record
STAGED_GRAPHS = [f"{ns.SOURCE_GRAPH_PREFIX}crash-staged-{n}" for n in range(3)]  # need a catalog record
BLANK = 10  # blank-node triples in each version of the replaced graph
P = ox.NamedNode("http://example.org/value")


def version(tag: str, rows: int) -> list[ox.Quad]:
    """Given "old" or "new", return that version of the replaced graph (IRIs and blank nodes)."""
    quads = [ox.Quad(ox.NamedNode(f"http://example.org/{tag}/{i}"), P, ox.Literal(f"{tag}-{i}"), GRAPH)
             for i in range(rows)]
    quads += [ox.Quad(ox.BlankNode(f"{tag}{i}"), P, ox.Literal(f"{tag}-blank-{i}"), GRAPH) for i in range(BLANK)]
    return quads


def import_rows(rows: int) -> EncodedQuads:
    """Given a size, return an import's rows: the import graph's triples, then its catalog record."""
    graph = iri(IMPORT_GRAPH)
    data = [(iri(f"http://example.org/event/{i}"), iri(P.value), literal(f"event {i}"), graph) for i in range(rows)]
    catalog = iri(ns.CATALOG_GRAPH)
    record = [(graph, iri(PUBLISHED_BY.value), iri(ACTIVITY), catalog),
              (graph, iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), iri(ns.SKG + "ImportGraph"), catalog)]
    return EncodedQuads(data + record, terms_checked=True)


def load_file(directory: Path) -> Path:
    return directory.parent / (directory.name + "-load.nq")


def setup(mode: str, directory: Path, rows: int) -> None:
    store = EmbeddedStore(directory)
    if mode == "replace":
        store.apply(Change(additions=tuple(version("old", rows))))
    elif mode in ("load", "staged"):
        graphs = LOAD_GRAPHS if mode == "load" else STAGED_GRAPHS
        per_graph = rows // len(graphs)
        quads = [ox.Quad(ox.NamedNode(f"http://example.org/s/{i}"), P, ox.Literal(str(i)), ox.NamedNode(g))
                 for g in graphs for i in range(per_graph)]
        load_file(directory).write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    store.close()


def write(mode: str, directory: Path, rows: int) -> None:
    store = EmbeddedStore(directory)
    if mode == "replace":
        change = Change(additions=tuple(version("new", rows)), removals=tuple(version("old", rows)))
    elif mode == "import":
        change = Change(additions=import_rows(rows))
    print("ready", flush=True)
    if mode == "load":
        store.load_file(load_file(directory))
    elif mode == "staged":
        staged = store.stage_files([(load_file(directory), ox.RdfFormat.N_QUADS, None)])
        record = [ox.Quad(ox.NamedNode(g), PUBLISHED_BY, ox.NamedNode(ACTIVITY), ox.NamedNode(ns.CATALOG_GRAPH))
                  for g in STAGED_GRAPHS]
        store.publish(staged, Change(additions=tuple(record)))
    else:
        store.apply(change)
    print("done", flush=True)
    store.close()


if __name__ == "__main__":
    command, where, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if command == "setup":
        setup(sys.argv[4], where, size)
    else:
        write(command, where, size)
