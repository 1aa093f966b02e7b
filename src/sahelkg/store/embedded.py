"""Oxigraph in this process, in memory or on disk, where every change is all or nothing, crash included.

pyoxigraph offers one transaction per call only: `Store.extend` adds atomically but cannot
remove; an update's `DELETE DATA` cannot name a stored blank node; `bulk_load` is five times
faster than a transaction on disk but not atomic. So `apply` makes a change atomic itself:

1. Everything is parsed first: bad input raises before the store is touched.
2. Quads for graphs new to the store (an import's graph, the files of `sahelkg load`: millions of
   quads) are bulk-loaded. On disk a journal file first records which graphs existed before;
   after a crash the next open removes every graph not in that list.
3. The rest — removals, additions to graphs that existed, the catalog record that describes
   the new graphs (written last, so it publishes them) — is written to the journal as N-Quads.
   Renaming that file into place is the commit point. Then the store is changed quad by quad
   and the journal removed; after a crash the next open replays it (remove what is there, add
   what is missing: replaying twice is harmless). An error after the commit point leaves the
   journal for the next open to finish, and says so.

Changes that only add to existing graphs are one `extend` transaction and need no journal. In
memory, a failure half-way is rolled back by hand; a crash loses the store anyway.
bench/store_apply.py: the journal costs nothing measurable on a 20,000-triple replacement.

`stage_files` + `publish` (`sahelkg load` of big files): the store bulk-loads the files itself,
from the file, into graphs it does not hold (journal as in 2.); the gate then validates them in
the store, and `publish` writes the catalog record as in 3. Until then they are unpublished:
`discard`, a failure, or the next open after a crash removes them.

Opening a store on disk also removes graphs that need a catalog record and have none
(`sahelkg.store.catalog`: leftovers of interrupted imports written before the journal existed).

>>> store = EmbeddedStore()
>>> g = ox.NamedNode("https://w3id.org/sahelkg/graph/demo")
>>> q = ox.Quad(ox.NamedNode("http://ex/s"), ox.NamedNode("http://ex/p"), ox.Literal("o"), g)
>>> store.apply(Change(additions=(q,)))
>>> store.apply(Change(removals=(q,)))
>>> store.graph_exists(g)
False
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import mmap
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter, not_
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from sahelkg.store import catalog
from sahelkg.store.base import GraphName, QueryResult, Store, StoreError, dataset_arguments, materialise
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads, decode, nquads, ntriples

log = logging.getLogger(__name__)

#: The journal file, next to Oxigraph's own files in the store's directory.
JOURNAL_NAME = "sahelkg-journal"
#: Additions (pyoxigraph quads) from which quads in new graphs are bulk-loaded: a transaction
#: costs about 35 µs a quad on disk, a bulk load about 7, but each bulk load writes new files.
BULK_MINIMUM = 10_000
#: Rows whose text is built at a time while one bulk_load call reads it (about 15 MB).
_TEXT_PIECE = 100_000
#: Pieces built ahead of the loader (bounds the text held at once; at least 2: one piece and the end).
_PIECES_AHEAD = 3

Row = tuple[str, str, str, str]

#: Where a staged N-Quads file's triples outside any named graph would land: a load refuses them.
UNNAMED_GRAPH = ox.NamedNode("urn:sahelkg:load:outside-any-graph")
#: A staged file is searched once for each graph the store holds (fast byte search); a store
#: holding more graphs than this loads through quad objects instead.
STAGE_MAX_EXISTING_GRAPHS = 512


class GraphsNotNew(StoreError):
    """A file to stage may write into a graph the store holds: bulk loading it could not be undone."""


class TriplesOutsideGraphs(StoreError):
    """A staged N-Quads file has triples in no named graph (nothing was loaded)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: has triples outside any GRAPH block")
        self.path = path


@dataclass(frozen=True)
class StagedLoad:
    """Files bulk-loaded into graphs new to the store, not yet published: the graphs each file
    created (in file order), and all of them."""

    graphs_by_file: tuple[frozenset[ox.NamedNode], ...]

    @property
    def graphs(self) -> frozenset[ox.NamedNode]:
        return frozenset().union(*self.graphs_by_file)


class EmbeddedStore(Store):
    """Oxigraph in this process: in memory (path None) or on disk in a directory.

    `SAHELKG_STORE` names the directory when `path` is not given and `from_env()` is used.
    Queries here cannot be stopped once started (pyoxigraph has no cancel API); the HTTP service
    therefore never calls `query` here directly but through `IsolatedStore`.
    `recovered` lists what opening the store repaired after a crash (empty normally).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.recovered: list[str] = []
        self._journal: _Journal | None = None
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store: ox.Store | None = ox.Store(str(self.path))
            self._journal = _Journal(self.path / JOURNAL_NAME)
            self.recovered = self._recover()
        else:
            self._store = ox.Store()

    @classmethod
    def from_env(cls) -> EmbeddedStore:
        """Return a store on disk at $SAHELKG_STORE, or in memory when it is unset."""
        return cls(os.environ.get("SAHELKG_STORE") or None)

    @property
    def oxigraph(self) -> ox.Store:
        """Return the underlying pyoxigraph Store (for bulk tools that need it)."""
        if self._store is None:
            raise StoreError("the store was closed")
        return self._store

    def query(self, sparql: str, *, default_graph_uris: list[str] | None = None,
              named_graph_uris: list[str] | None = None, union_default_graph: bool = True,
              timeout: float | None = None, base_iri: str | None = None,
              max_rows: int | None = None) -> QueryResult:
        if timeout is not None:
            # Guard: an in-process pyoxigraph query cannot be interrupted; say so instead of pretending.
            raise StoreError("EmbeddedStore cannot enforce a timeout in-process; use sahelkg.store.workers.IsolatedStore")
        return materialise(self.evaluate(sparql, default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris,
                                         union_default_graph=union_default_graph, base_iri=base_iri), max_rows)

    def evaluate(self, sparql: str, *, default_graph_uris: list[str] | None = None,
                 named_graph_uris: list[str] | None = None, union_default_graph: bool = True,
                 base_iri: str | None = None) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Given a query, return pyoxigraph's unread results (for its own result writers)."""
        return self.oxigraph.query(
            sparql, base_iri=base_iri,
            **dataset_arguments(default_graph_uris, named_graph_uris, union_default_graph, sparql))

    # -- writing ------------------------------------------------------------------------------
    def apply(self, change: Change, *, verdict: Callable[[], None] | None = None) -> None:
        """Given a change, apply it all or nothing (see the module's description). `verdict`, when
        given, is called once the quads in new graphs are bulk-loaded and before anything else is
        written: if it raises, those graphs are removed and the exception passes on (the gate
        decides while the store loads: sahelkg.gate.commit)."""
        store = self.oxigraph
        texts: list[tuple[bytes | IO[bytes], ox.NamedNode | None]] = []
        new_graphs: set[str] = set()
        additions: list[ox.Quad]
        lenient = False
        removals = list(change.removals)
        touched = change.graphs()
        rows_text: _RowsText | None = None
        if isinstance(change.additions, EncodedQuads):
            lenient = change.additions.terms_checked
            # Rows in graphs new to the store are bulk-loaded from their text; rows with blank
            # nodes stay out (loading would rename the nodes) and go with the rest below.
            bulk, rest = _split_new_graphs(store, change.additions)
            if bulk:
                rows_text = _RowsText(bulk)
                texts = [(io.BufferedReader(rows_text, 1 << 20), rows_text.graph)]
            new_graphs = {row[3] for row in bulk}
            additions = _parsed(rest)
        elif len(change.additions) >= BULK_MINIMUM:
            added_to = touched if not removals else {q.graph_name for q in change.additions}
            texts, new_graphs, additions = _bulk_quads(store, list(change.additions), added_to)
        else:
            additions = list(change.additions)
        if texts:
            try:
                self._bulk_load(store, texts, new_graphs, lenient)
            finally:
                if rows_text is not None:
                    rows_text.close()
        journaled = self._journal is not None and bool(removals or texts)
        try:
            if verdict is not None:
                verdict()
            if rows_text is not None and rows_text.held_back:
                additions += _parsed(EncodedQuads(rows_text.held_back))
            if journaled:  # after a bulk load, this is what publishes the new graphs
                self._journal_commit(removals, additions, touched)
        except BaseException:
            if texts:  # they did not exist before the change
                _drop_graphs(store, new_graphs)
                if self._journal is not None:  # its "loading" entry: nothing is left to undo
                    store.flush()
                    self._journal.clear()
            raise
        if journaled:
            try:
                _write(store, removals, additions, touched, rollback=False)
                store.flush()
            except Exception as error:
                raise StoreError(f"the store could not finish a committed change ({error}); the change is kept in its "
                                 "journal and will be completed when the store is next opened") from error
            assert self._journal is not None
            self._journal.clear()
            return
        try:
            # In memory, or on disk a change that only adds (one transaction: atomic as it is).
            _write(store, removals, additions, touched, rollback=self._journal is None)
            if self.path is not None:
                store.flush()
        except BaseException:
            if texts:
                _drop_graphs(store, new_graphs)
            raise

    def stage_files(self, files: Sequence[tuple[Path, ox.RdfFormat, ox.NamedNode | None]],
                    base_iri: str | None = None) -> StagedLoad:
        """Given files (path, format, graph for a triple format's triples or None), bulk-load them
        from disk into graphs the store does not hold and return what each created; nothing is
        published (see `publish`, `discard`). Raises GraphsNotNew before loading anything when a file
        may write into a graph the store holds; SyntaxError or StoreError otherwise, the store as
        it was."""
        store = self.oxigraph
        existed = {g for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
        for path, fmt, graph in files:
            _check_writes_new_graphs(path, fmt, graph, existed)
        if self._journal is not None:
            self._journal.write({"state": "loading", "keep": sorted(str(g) for g in existed)})
        created: list[frozenset[ox.NamedNode]] = []
        try:
            seen = set(existed)
            for path, fmt, graph in files:
                store.bulk_load(path=str(path), format=fmt, base_iri=base_iri,
                                to_graph=graph if graph is not None else UNNAMED_GRAPH)
                now = {g for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
                created.append(frozenset(now - seen))
                seen = now
                if UNNAMED_GRAPH in now:
                    raise TriplesOutsideGraphs(path)
            if self.path is not None:
                store.flush()
        except BaseException:
            _drop_graphs(store, {str(g) for g in store.named_graphs()} - {str(g) for g in existed})
            if self._journal is not None:
                self._journal.clear()
            raise
        return StagedLoad(tuple(created))

    def publish(self, staged: StagedLoad, change: Change) -> None:
        """Given staged graphs and a change that only adds (their catalog record, small files),
        write the change all or nothing: it publishes the graphs. On failure the graphs are removed."""
        if change.removals:
            raise ValueError("publish adds only")
        store = self.oxigraph
        additions, touched = list(change.additions), change.graphs()
        try:
            self._journal_commit([], additions, touched)
        except BaseException:
            self.discard(staged)
            raise
        if self._journal is None:
            try:
                _write(store, [], additions, touched, rollback=True)
            except BaseException:
                _drop_graphs(store, {str(g) for g in staged.graphs})
                raise
            return
        try:
            _write(store, [], additions, touched, rollback=False)
            store.flush()
        except Exception as error:
            raise StoreError(f"the store could not finish a committed change ({error}); the change is kept in its "
                             "journal and will be completed when the store is next opened") from error
        self._journal.clear()

    def discard(self, staged: StagedLoad) -> None:
        """Given staged graphs, remove them (a refused or failed load)."""
        store = self.oxigraph
        _drop_graphs(store, {str(g) for g in staged.graphs})
        if self.path is not None:
            store.flush()
        if self._journal is not None:
            self._journal.clear()

    def _bulk_load(self, store: ox.Store, texts: list[tuple[bytes | IO[bytes], ox.NamedNode | None]],
                   graphs: set[str], lenient: bool) -> None:
        """Given N-Triples/N-Quads texts for graphs the store does not hold, load them fast; on failure
        (or, on disk, at the next open after a crash) remove those graphs again."""
        if self._journal is not None:
            self._journal.write({"state": "loading", "keep": [str(g) for g in store.named_graphs()]})
        try:
            # In memory a transaction costs what a bulk load does, and uses one thread instead of all.
            load = store.bulk_load if self.path is not None else store.load
            for text, graph in texts:
                fmt = ox.RdfFormat.N_QUADS if graph is None else ox.RdfFormat.N_TRIPLES
                try:
                    load(text, format=fmt, to_graph=graph, lenient=lenient)
                except SyntaxError as error:
                    raise StoreError(f"the change's quads are not valid N-Quads, nothing was written: {error}") from error
            if self.path is not None:
                store.flush()
        except BaseException:
            _drop_graphs(store, graphs)
            if self._journal is not None:
                self._journal.clear()
            raise

    def _journal_commit(self, removals: list[ox.Quad], additions: list[ox.Quad],
                        touched: Iterable[GraphName]) -> None:
        """Given the quad-by-quad part of a change, write it to the journal: from here on the change
        is made whole, now or at the next open."""
        if self._journal is None:
            return
        graphs = [str(g) for g in touched if not isinstance(g, ox.DefaultGraph)]
        self._journal.write({"state": "redo", "graphs": graphs},
                            [_serialise(removals), _serialise(additions)])

    def _recover(self) -> list[str]:
        """Finish or undo what a crash interrupted (see the module's description); return what was done."""
        assert self._journal is not None
        store = self.oxigraph
        done: list[str] = []
        entry = self._journal.read()
        if entry is not None:
            header, parts = entry
            if header["state"] == "loading":
                keep = set(header["keep"])
                dropped = {str(g) for g in store.named_graphs()} - keep
                _drop_graphs(store, dropped)
                done.append("undid an interrupted bulk load; graphs removed: " + (", ".join(sorted(dropped)) or "none"))
            elif header["state"] == "redo":
                removals, additions = (_deserialise(part) for part in parts)
                touched = [decode(g) for g in header["graphs"]]
                _write(store, removals, additions, touched, rollback=False)
                done.append(f"completed an interrupted change ({len(removals)} removals, {len(additions)} additions)")
            store.flush()
            self._journal.clear()
        unpublished = catalog.unpublished_graphs(store)
        if unpublished:
            _drop_graphs(store, {str(g) for g in unpublished})
            store.flush()
            done.append("removed graph(s) without a catalog record: " + ", ".join(g.value for g in unpublished))
        for line in done:
            log.warning("store %s: %s", self.path, line)
        return done

    # -- reading ------------------------------------------------------------------------------
    def quads(self, subject: Any = None, predicate: ox.NamedNode | None = None, object: Any = None,
              graph: GraphName | None = None) -> Iterator[ox.Quad]:
        return iter(self.oxigraph.quads_for_pattern(subject, predicate, object, graph))

    def named_graphs(self) -> list[ox.NamedNode | ox.BlankNode]:
        return list(self.oxigraph.named_graphs())

    def triple_count(self, graph: GraphName | None = None) -> int:
        if graph is None:
            return len(self.oxigraph)
        return sum(1 for _ in self.oxigraph.quads_for_pattern(None, None, None, graph))

    def graph_counts(self) -> dict[str, int]:
        result = self.oxigraph.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        assert isinstance(result, ox.QuerySolutions)
        counts = {row[0].value: int(row[1].value) for row in result if isinstance(row[0], ox.NamedNode)}
        for g in self.named_graphs():
            if isinstance(g, ox.NamedNode):
                counts.setdefault(g.value, 0)
        return counts

    def graph_exists(self, graph: GraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return self.oxigraph.contains_named_graph(graph)

    def add_graph(self, graph: ox.NamedNode) -> None:
        """Given a graph name, record the (possibly empty) graph in the store."""
        self.oxigraph.add_graph(graph)

    def remove_graph(self, graph: ox.NamedNode) -> None:
        """Given a graph name, remove the graph and its triples."""
        self.oxigraph.remove_graph(graph)

    # -- bulk tools (no SHACL gate) -------------------------------------------------------------
    def load_quads(self, quads: Iterable[ox.Quad]) -> int:
        counter = _Counter(quads)
        self.oxigraph.bulk_extend(counter)
        if self.path is not None:
            self.oxigraph.flush()
        return counter.n

    def load_file(self, path: str | os.PathLike[str], *, graph: str | None = None) -> int:
        """Given an RDF file (format from its extension), bulk-load it; return how many quads were new.

        Triples go to `graph` when given, else to the default graph; quads keep their graph. On
        disk, a crash or an error part-way removes the graphs the file created (quads it added to
        graphs that existed before, or to the default graph, stay).
        """
        store = self.oxigraph
        fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip(".")) or ox.RdfFormat.N_TRIPLES
        before = len(store)
        existed = {str(g) for g in store.named_graphs()}
        if self._journal is not None:
            self._journal.write({"state": "loading", "keep": sorted(existed)})
        try:
            # Parsed and inserted in Rust: no Python object per quad (pyoxigraph's fastest path).
            store.bulk_load(path=str(path), format=fmt, to_graph=ox.NamedNode(graph) if graph else None)
            if self.path is not None:
                store.flush()
        except BaseException:
            _drop_graphs(store, {str(g) for g in store.named_graphs()} - existed)
            if self._journal is not None:
                self._journal.clear()
            raise
        if self._journal is not None:
            self._journal.clear()
        return len(store) - before

    def dump(self, output: Any, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """Given a binary file or path, write the whole store to it (N-Quads by default)."""
        self.oxigraph.dump(output, format=format)

    def close(self) -> None:
        if self._store is not None and self.path is not None:
            self._store.flush()
        self._store = None


class _Journal:
    """One file: a JSON header line, then N-Quads parts (their byte lengths are in the header).
    Written to a temporary name, synced, then renamed: a reader sees a whole entry or none."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, header: dict[str, Any], parts: Iterable[bytes] = ()) -> None:
        parts = list(parts)
        header = dict(header, parts=[len(part) for part in parts])
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "wb") as handle:
            handle.write(json.dumps(header).encode() + b"\n")
            for part in parts:
                handle.write(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self._sync_directory()

    def read(self) -> tuple[dict[str, Any], list[bytes]] | None:
        """Return the header and parts of the entry, or None when there is none."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        first, _, rest = data.partition(b"\n")
        header = json.loads(first)
        parts, offset = [], 0
        for length in header["parts"]:
            parts.append(rest[offset:offset + length])
            offset += length
        return header, parts

    def clear(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return
        self._sync_directory()

    def _sync_directory(self) -> None:
        descriptor = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write(store: ox.Store, removals: list[ox.Quad], additions: list[ox.Quad],
           touched: Iterable[GraphName], *, rollback: bool) -> None:
    """Given quads to remove then add, change the store. With `rollback` (no journal behind the
    change), note what changes and undo it by hand on failure; without, skip the lookups that
    noting takes (a third of the time of a large change on disk)."""
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    try:
        if rollback:
            for quad in removals:
                if quad in store:
                    store.remove(quad)
                    removed.append(quad)
            fresh = [q for q in dict.fromkeys(additions) if q not in store]
        else:
            for quad in removals:
                store.remove(quad)
            fresh = additions
        store.extend(fresh)  # one transaction
        added = fresh
        # A named graph exists exactly while it holds triples (GSP DELETE then GET gives 404).
        for graph in touched:
            if not isinstance(graph, ox.DefaultGraph) and store.contains_named_graph(graph) \
                    and next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None:
                store.remove_graph(graph)
    except BaseException:
        if rollback:
            for quad in added:
                store.remove(quad)
            store.extend(removed)
        raise


_ESCAPE = re.compile(rb"\\[uU]")


def _check_writes_new_graphs(path: Path, fmt: ox.RdfFormat, graph: ox.NamedNode | None,
                             existed: set[ox.NamedNode]) -> None:
    """Given a file to stage and the graphs the store holds, raise GraphsNotNew unless the file
    certainly writes none of them: its target graph is new, or (N-Quads, where every IRI is written
    out in full) no held graph's IRI occurs in it and no IRI escape could spell one."""
    if graph is not None:
        if graph in existed or fmt.supports_datasets:
            raise GraphsNotNew(f"{path}: its graph {graph} is in the store already")
        return
    if fmt != ox.RdfFormat.N_QUADS or len(existed) > STAGE_MAX_EXISTING_GRAPHS:
        raise GraphsNotNew(f"{path}: cannot tell cheaply which graphs it writes")
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if _ESCAPE.search(data):  # one regex: five times faster than two finds of a 2-byte needle
                raise GraphsNotNew(f"{path}: has escaped characters that could spell a graph's IRI")
            for held in existed:
                if data.find(str(held).encode()) >= 0:
                    raise GraphsNotNew(f"{path}: names {held}, a graph the store holds")


def _drop_graphs(store: ox.Store, graphs: Iterable[str]) -> None:
    """Given encoded graph names, remove those graphs and their triples."""
    for graph in graphs:
        if graph:
            store.remove_graph(decode(graph))


def _serialise(quads: list[ox.Quad]) -> bytes:
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def _deserialise(data: bytes) -> list[ox.Quad]:
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS)) if data else []


def _split_new_graphs(store: ox.Store, additions: EncodedQuads) -> tuple[list[Row], EncodedQuads]:
    """Given encoded additions, return the rows in named graphs the store does not hold yet, and
    the other rows."""
    graphs = additions.graphs()
    new = {g for g in graphs if g.startswith("<") and not store.contains_named_graph(decode(g))}
    if not new:
        return [], additions
    if new == graphs:
        return additions.rows, EncodedQuads([])
    in_new = list(map(new.__contains__, map(itemgetter(3), additions.rows)))  # no Python loop: millions of rows
    return (list(itertools.compress(additions.rows, in_new)),
            EncodedQuads(list(itertools.compress(additions.rows, map(not_, in_new)))))


def _has_blank_node(row: Row) -> bool:
    return row[0].startswith("_:") or row[2].startswith("_:")


class _RowsText(io.RawIOBase):
    """The text to bulk-load of rows in graphs new to the store — N-Triples when they are all in one
    graph (an import: a third less text than N-Quads to build and parse, 15 % faster on 1.4 million
    quads), else N-Quads — built a piece at a time while one load call reads it. The whole text
    never exists at once (about 1 GB at 100k ACLED rows). A second thread builds the pieces
    (Python, holding the GIL) while the loader parses and writes the previous ones (Rust, without
    it): in memory the write of 100k ACLED rows was a third text building. Rows with blank nodes
    are left out (loading would rename the nodes) and collected in `held_back` as the text is built.
    `close` stops the builder (a load that failed half-way)."""

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        graphs = {row[3] for row in rows}
        self.graph = decode(next(iter(graphs))) if len(graphs) == 1 else None
        self.held_back: list[Row] = []
        self._rows = rows
        self._serialise = nquads if self.graph is None else ntriples
        self._piece = memoryview(b"")
        self._ended = False
        self._pieces: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=_PIECES_AHEAD)
        self._stop = threading.Event()
        self._builder = threading.Thread(target=self._build_all, name="sahelkg-rows-text", daemon=True)
        if len(rows) > _TEXT_PIECE:
            self._builder.start()
        else:  # one piece and the end fit the queue: no thread for a small write
            self._build_all()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._piece:
            if self._ended:
                return 0
            piece = self._pieces.get()
            if piece is None:
                self._ended = True  # a reader may ask again after the end
                return 0
            if isinstance(piece, BaseException):
                raise piece
            self._piece = memoryview(piece)
        size = min(len(buffer), len(self._piece))
        buffer[:size] = self._piece[:size]
        self._piece = self._piece[size:]
        return size

    def close(self) -> None:
        self._stop.set()
        while self._builder.is_alive():  # a builder waiting on a full queue
            try:
                self._pieces.get(timeout=0.05)
            except queue.Empty:
                pass
        super().close()

    def _build_all(self) -> None:
        try:
            for start in range(0, len(self._rows), _TEXT_PIECE):
                if not self._put(self._build(self._rows[start:start + _TEXT_PIECE])):
                    return
            self._put(None)
        except BaseException as error:  # raised again in the reading thread
            self._put(error)

    def _put(self, item: bytes | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._pieces.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def _build(self, rows: list[Row]) -> bytes:
        text = self._serialise(rows)
        if b"_:" in text:  # a blank node, or "_:" inside a literal: look row by row
            blank = [row for row in rows if _has_blank_node(row)]
            if blank:
                self.held_back.extend(blank)
                text = self._serialise([row for row in rows if not _has_blank_node(row)])
        return text


def _bulk_quads(store: ox.Store, quads: list[ox.Quad], graphs: set[GraphName]
                ) -> tuple[list[tuple[bytes | IO[bytes], ox.NamedNode | None]], set[str], list[ox.Quad]]:
    """Given many additions and the graphs they are in, return an N-Quads document of those in
    graphs new to the store (none with a blank node: loading would rename it), those graphs, and
    the other quads."""
    new = {g for g in graphs if isinstance(g, ox.NamedNode) and not store.contains_named_graph(g)}
    if not new:
        return [], set(), quads
    in_new = [True] * len(quads) if new == graphs else [q.graph_name in new for q in quads]
    bulk = list(itertools.compress(quads, in_new))
    rest = list(itertools.compress(quads, map(not_, in_new)))
    text = ox.serialize(bulk, format=ox.RdfFormat.N_QUADS) or b""
    if b"_:" in text:  # a blank node, or "_:" inside a literal: look quad by quad
        blank = [isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in bulk]
        rest += itertools.compress(bulk, blank)
        text = ox.serialize(itertools.compress(bulk, map(not_, blank)), format=ox.RdfFormat.N_QUADS) or b""
    return [(text, None)], {str(g) for g in new}, rest


def _parsed(additions: EncodedQuads) -> list[ox.Quad]:
    """Given encoded additions, return them as pyoxigraph quads."""
    try:
        return list(additions)
    except SyntaxError as error:
        raise StoreError(f"the change's quads are not valid N-Quads, nothing was written: {error}") from error


class _Counter:
    """An iterator that counts what passes through it."""

    def __init__(self, iterable: Iterable[ox.Quad]) -> None:
        self._it = iter(iterable)
        self.n = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> ox.Quad:
        item = next(self._it)
        self.n += 1
        return item
