"""The write gate for big changes (imports): focus nodes and the after-change view in N-Triples text.

`validation.check_change` sends a change of BULK_THRESHOLD quads or more here. It does what the
gate does for small changes (same focus nodes, same results: tests/shacl runs both on every
fixture and on random changes) without building a working graph: the added triples are indexed
once by subject, the store is read only for nodes it holds, and sahelkg.gate.engine_native checks
the focus nodes on that view. Every term is the text pyoxigraph prints (sahelkg.store.encoded), so an
import that arrives as EncodedQuads is never turned into pyoxigraph objects here.
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from sahelkg.store import encoded
from sahelkg import namespaces as ns
from sahelkg.gate import validation
from sahelkg.gate import engine_native as validation_native
from sahelkg.store.change import Change
from sahelkg.gate.validation import ValidationReport

ONTOLOGY = encoded.iri(ns.ONTOLOGY_GRAPH)
SOURCE_PREFIX = "<" + ns.SOURCE_GRAPH_PREFIX
_LABELS = (encoded.iri(validation.SKOS.prefLabel), encoded.iri(validation.RDFS.label))
# Changes of at least this many quads go through this gate. Below it, pyshacl on a working graph
# of a few hundred triples takes under 0.15 s and stays the reference path for everyday writes.
BULK_THRESHOLD = 1_000
# From this many focus nodes on, a second process checks half of them (when the machine has two
# cores and this process runs no other Python thread, so that forking it is safe).
PARALLEL_FOCUS_NODES = 50_000


class StoreReader:
    """Reads the store's triples around nodes, as text, outside the ontology graph (memoised)."""

    def __init__(self, store):
        self.store = store
        self.embedded = getattr(store, "oxigraph", None)
        self.memo: dict[str, dict[str, list[str]]] = {}  # node -> its triples in the store
        self._backward: dict[str, list[tuple[str, str]]] = {}
        # Every subject and object the store holds, when it holds fewer quads than the change has
        # nodes to look up: one scan then spares a lookup for each node the store has never seen.
        self._subjects: set[str] | None = None
        self._objects: set[str] | None = None

    def expect_lookups(self, count: int) -> None:
        """Given how many nodes are about to be looked up, scan the embedded store's terms once if
        that is cheaper than looking each node up."""
        if self.embedded is None or self._subjects is not None or len(self.embedded) > count:
            return
        self._subjects, self._objects = set(), set()
        for s, _p, o, _g in self.embedded.quads_for_pattern(None, None, None, None):
            self._subjects.add(str(s))
            self._objects.add(str(o))

    def _quads(self, subject=None, obj=None) -> Iterable:
        if self.embedded is not None:
            return self.embedded.quads_for_pattern(subject, None, obj, None)
        return self.store.quads(subject=subject, object=obj)

    def forward(self, node: str) -> dict[str, list[str]]:
        """Given a node, return its triples in the store: predicate -> objects."""
        found = self.memo.get(node)
        if found is None:
            found = {}
            if node[0] != '"' and (self._subjects is None or node in self._subjects):
                for s, p, o, g in self._quads(subject=encoded.decode(node)):
                    if str(g) != ONTOLOGY:
                        found.setdefault(str(p), []).append(str(o))
            self.memo[node] = found
        return found

    def backward(self, node: str) -> list[tuple[str, str]]:
        """Given a node, return the store's (subject, predicate) pairs of triples that enter it."""
        found = self._backward.get(node)
        if found is None:
            found = []
            unseen = self._objects is not None and node not in self._objects
            for s, p, o, g in () if unseen else self._quads(obj=encoded.decode(node)):
                if str(g) != ONTOLOGY:
                    found.append((str(s), str(p)))
            self._backward[node] = found
        return found

    def prefetch(self, nodes: Iterable[str], backward: bool = False) -> None:
        """Given nodes, read the store's triples leaving (entering) them in batches, for stores where
        every read is a round trip (remote, or the service's isolated store); the embedded store
        answers each node directly."""
        if self.embedded is not None:
            return
        memo = self._backward if backward else self.memo
        wanted = {n for n in nodes if n not in memo and (backward or n[0] != '"')}
        if not wanted:
            return
        for node in wanted:
            memo[node] = [] if backward else {}
        for s, p, o in validation._neighbours(self.store, {encoded.decode(n) for n in wanted}, None, backward):
            # setdefault: a remote store may print a term otherwise than we asked for it
            if backward:
                self._backward.setdefault(str(o), []).append((str(s), str(p)))
            else:
                self.memo.setdefault(str(s), {}).setdefault(str(p), []).append(str(o))

    def graph_holds(self, graph: str, except_triples: set) -> bool:
        """Given a graph, return True when it holds a triple that is not among except_triples."""
        quads = self.store.quads(graph=encoded.decode(graph))
        return any((str(q.subject), str(q.predicate), str(q.object)) not in except_triples for q in quads)


class AfterChange(validation_native.GraphView):
    """The store as it would be after the change, as a view for validation_native."""

    def __init__(self, reader: StoreReader, additions: list[tuple], removals: list[tuple]):
        self.reader = reader
        self.added_graphs = {row[3] for row in additions}
        self._added, self._added_backward = validation_native.index_quads(additions, skip_graph=ONTOLOGY)
        self._merged: dict[str, dict[str, list[str]]] = {}
        self.removed, self.removed_in_graph = self._removed_triples(removals)

    def added(self, s: str, p: str, o: str) -> bool:
        return o in self._added.get(s, validation_native.EMPTY).get(p, ())

    def _removed_triples(self, removals: list[tuple]) -> tuple[set, dict]:
        """Return the triples no graph holds after the change, and the removed triples of each graph."""
        removed_in: dict[tuple, set] = defaultdict(set)
        for s, p, o, g in removals:
            if g != ONTOLOGY:
                removed_in[(s, p, o)].add(g)
        in_graph: dict[str, set] = defaultdict(set)
        gone = set()
        for triple, graphs in removed_in.items():
            for g in graphs:
                in_graph[g].add(triple)
            if self.added(*triple):
                continue
            s, p, o = triple
            holders = {str(q.graph_name) for q in self.reader.store.quads(*(encoded.decode(t) for t in triple))}
            if holders - {ONTOLOGY} <= graphs:
                gone.add(triple)
        return gone, in_graph

    def node(self, node):
        stored = self.reader.memo.get(node)
        if stored is None:
            stored = self.reader.forward(node)
        added = self._added.get(node)
        if not stored:
            return added if added is not None else validation_native.EMPTY
        merged = self._merged.get(node)
        if merged is None:
            merged = {}
            for predicate, objects in stored.items():
                kept = [o for o in objects if (node, predicate, o) not in self.removed] if self.removed else objects
                if kept:  # a triple held by several graphs comes once per graph
                    merged[predicate] = list(dict.fromkeys(kept)) if len(kept) > 1 else kept
            for predicate, objects in (added or {}).items():
                merged[predicate] = list(dict.fromkeys([*merged.get(predicate, ()), *objects]))
            self._merged[node] = merged
        return merged

    def subjects(self, predicate, node):
        stored = [s for s, p in self.reader.backward(node) if p == predicate
                  and not (self.removed and (s, predicate, node) in self.removed)]
        values = stored + self._added_backward.get((predicate, node), [])
        return list(dict.fromkeys(values)) if len(values) > 1 else values

    def entered_by(self, node, predicates):
        added = self._added_backward
        if any((p, node) in added for p in predicates):
            return True
        stored = self.reader.backward(node)
        return bool(stored) and any(p in predicates and (s, p, node) not in self.removed for s, p in stored)

    def source_graph_holds_triples(self, graph: str) -> bool:
        """Given a source graph, return True when it holds triples after the change."""
        return graph in self.added_graphs or self.reader.graph_holds(graph, self.removed_in_graph.get(graph, set()))


def _reads_by_predicate() -> tuple[list, dict]:
    """Return READS' steps as (prefix, inverse): those of any predicate, and those keyed by encoded predicate."""
    any_predicate, by_predicate = [], defaultdict(list)
    for prefix, (predicate, inverse) in validation._walk_reads(validation.READS, []):
        entry = (tuple(prefix), inverse)
        if predicate == "*":
            any_predicate.append(entry)
        else:
            by_predicate[encoded.iri(predicate)].append(entry)
    return any_predicate, dict(by_predicate)


def affected_focus_nodes(reader: StoreReader, additions: list[tuple], removals: list[tuple]) -> set[str]:
    """Given the change's rows, return the encoded focus nodes whose results it can alter
    (as validation.affected_focus_nodes: a changed triple at step i of a path the shapes read
    affects every node reaching its near end along steps 1..i-1, which the store answers)."""
    any_predicate, by_predicate = _reads_by_predicate()
    if any_predicate != [((), False)]:
        raise NotImplementedError("READS has a '*' step below the root: affected_focus_nodes reads it at the root only")
    affected: set[str] = set()
    graphs: set[str] = set()
    starts: dict[tuple, set] = defaultdict(set)
    for rows in (removals, additions):
        in_graphs = {row[3] for row in rows}
        if ONTOLOGY in in_graphs:
            rows = [row for row in rows if row[3] != ONTOLOGY]
            in_graphs.discard(ONTOLOGY)
        graphs |= in_graphs
        affected.update({row[0] for row in rows})  # the root step: a changed triple's subject
        for s, p, o, _g in rows:
            steps = by_predicate.get(p)
            if steps:
                for prefix, inverse in steps:
                    starts[prefix].add(o if inverse else s)
    affected |= {g for g in graphs if g.startswith(SOURCE_PREFIX)}
    reader.expect_lookups(len(affected) + sum(len(nodes) for nodes in starts.values()))
    for prefix, nodes in starts.items():
        if not prefix:
            affected |= nodes
        else:
            affected |= _reverse_prefix(reader, nodes, list(prefix))
    return affected


def _reverse_prefix(reader: StoreReader, nodes: set[str], steps: list[tuple[str, bool]]) -> set[str]:
    """Given nodes and a path prefix, return the store's nodes that reach them along the prefix."""
    frontier = set(nodes)
    for predicate, inverse in reversed(steps):
        wanted = None if predicate == "*" else encoded.iri(predicate)
        reader.prefetch(frontier, backward=not inverse)
        following: set[str] = set()
        for node in frontier:
            if inverse:  # the step leaves the earlier node backwards: node --predicate--> earlier
                if node[0] == '"':
                    continue
                for p, objects in reader.forward(node).items():
                    if wanted is None or p == wanted:
                        following.update(objects)
            else:
                following.update(s for s, p in reader.backward(node) if wanted is None or p == wanted)
        frontier = following
        if not frontier:
            break
    return frontier


def check(store, change: Change) -> ValidationReport:
    """Given a store and a change, return what validation.check_change returns for it."""
    collecting = gc.isenabled()
    gc.disable()  # millions of small dicts and lists that live until the end: collections only cost time
    try:
        return _check(store, change)
    finally:
        if collecting:
            gc.enable()


def _check(store, change: Change) -> ValidationReport:
    reader = StoreReader(store)
    additions, removals = encoded.rows(change.additions), encoded.rows(change.removals)
    focus = affected_focus_nodes(reader, additions, removals)
    if not focus:
        return ValidationReport(results=[], focus_nodes=0)
    view = AfterChange(reader, additions, removals)
    del additions, removals
    if reader.embedded is None:  # read what the checks read first in batches: the focus nodes and their values
        reader.prefetch(focus)
        reader.prefetch(focus, backward=True)
        reader.prefetch({o for node in focus for objects in view.node(node).values() for o in objects})
    sources = [n for n in focus if n.startswith(SOURCE_PREFIX) and view.source_graph_holds_triples(n)]
    pairs = validation._subclass_pairs(store)
    report = _validate(view, list(focus), pairs, sources)
    for result_index, result in enumerate(report.results):
        node = encoded.iri(result.focus_node) if "://" in result.focus_node or result.focus_node.startswith("urn:") \
            else None
        if node is not None:
            report.results[result_index] = replace(result, focus_label=_label(view, node))
    return report


def _fork_is_safe() -> bool:
    """Return True when a second process can help: two cores, fork, and no other Python thread
    (a forked child has only the forking thread; locks held by others would stay held)."""
    return (os.cpu_count() or 1) >= 2 and hasattr(os, "fork") and threading.active_count() == 1


def _validate(view: AfterChange, focus: list[str], pairs, sources) -> ValidationReport:
    """Check the focus nodes; with many of them, in two processes sharing the view (fork: the child
    reads the parent's index without copying it up front)."""
    def check(nodes: list[str]) -> ValidationReport:
        return validation_native.validate(view, nodes, subclass_pairs=pairs, source_graphs=sources)

    if len(focus) < PARALLEL_FOCUS_NODES or not _fork_is_safe():
        return check(focus)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(check(focus[1::2]).results, out)
            status = 0
        finally:
            os._exit(status)  # never return into the parent's code
    os.close(write_end)
    mine = check(focus[0::2])
    with os.fdopen(read_end, "rb") as pipe:
        received = pipe.read()
    _pid, status = os.waitpid(child, 0)
    theirs = pickle.loads(received) if status == 0 else check(focus[1::2]).results  # the child failed: do its half here
    results = sorted(mine.results + theirs, key=validation.result_order)
    return ValidationReport(results=results, focus_nodes=len(focus))


def _label(view: AfterChange, node: str) -> str | None:
    """Given a node, return its label as validation.label_of chooses it (English first, skos:prefLabel first)."""
    found = []
    for rank, predicate in enumerate(_LABELS):
        for value in view.objects(node, predicate):
            if value[0] == '"':
                lexical, _datatype, language = encoded.literal_parts(value)
                found.append((language != "en", rank, lexical))
    return min(found)[2] if found else None


def enabled(change: Change) -> bool:
    """Given a change, return True when this gate takes it (big enough, and every shape compiles)."""
    return len(change.additions) + len(change.removals) >= BULK_THRESHOLD and validation_native.available()
