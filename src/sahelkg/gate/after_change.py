"""The store as it would be after a change, and the focus nodes the change can affect.

Every engine validates a change on this one view (`AfterChange`): the change's added triples
indexed once by subject, and the store's triples read around the nodes the checks visit, minus
what the change removes. Terms are N-Triples text (sahelkg.store.encoded), so an import that
arrives as EncodedQuads is never turned into pyoxigraph objects here.

The gate is incremental. The shapes read, from a focus node, only the paths in shapes.reads() (its
own triples, a few inverse links, and chains such as about/timeSpan/startDate). A changed triple
can therefore only affect the focus nodes that reach it along a prefix of one of those paths;
`affected_focus_nodes` finds them in the store before the change. Validating those nodes on the
view gives the results full validation would give for them (tests/shacl/test_gate_equivalence.py
checks it on random changes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress
from operator import itemgetter

import pyoxigraph as ox
from rdflib.namespace import RDFS, SKOS

from sahelkg import namespaces as ns
from sahelkg.gate import engine_native
from sahelkg.gate.shapes import reads, subclass_pairs, walk_reads
from sahelkg.store import encoded
from sahelkg.store.change import Change

ONTOLOGY = encoded.iri(ns.ONTOLOGY_GRAPH)
SOURCE_PREFIX = "<" + ns.SOURCE_GRAPH_PREFIX
_LABELS = (encoded.iri(str(SKOS.prefLabel)), encoded.iri(str(RDFS.label)))
_ONTOLOGY_NODE = ox.NamedNode(ns.ONTOLOGY_GRAPH)
# Below this many node lookups, the store is never scanned instead (each lookup is microseconds).
SCAN_FROM_LOOKUPS = 20_000
_NONE_ENTER: tuple[tuple[str, str], ...] = ()  # what a node the store never holds as an object is entered by


class StoreReader:
    """Reads the store's triples around nodes, as text, outside the ontology graph (memoised)."""

    def __init__(self, store):
        self.store = store
        self.embedded = getattr(store, "oxigraph", None)
        self.memo: dict[str, dict[str, list[str]]] = {}  # node -> its triples in the store
        self._backward: dict[str, list[tuple[str, str]]] = {}
        # Every subject and object the store holds, when it holds fewer quads than the change has
        # nodes to look up: one scan then spares a lookup for each node the store has never seen.
        self.subject_terms: set[str] | None = None
        self.object_terms: set[str] | None = None

    def expect_lookups(self, count: int) -> None:
        """Given how many nodes are about to be looked up, scan the embedded store's terms once if
        that is cheaper than looking each node up."""
        # Counting the store reads all of it: only worth asking when the lookups are many.
        if self.embedded is None or self.subject_terms is not None or count < SCAN_FROM_LOOKUPS \
                or len(self.embedded) > count:
            return
        self.subject_terms, self.object_terms = set(), set()
        for s, _p, o, _g in self.embedded.quads_for_pattern(None, None, None, None):
            self.subject_terms.add(str(s))
            self.object_terms.add(str(o))

    def _quads(self, subject=None, obj=None) -> Iterable:
        if self.embedded is not None:
            return self.embedded.quads_for_pattern(subject, None, obj, None)
        return self.store.quads(subject=subject, object=obj)

    def forward(self, node: str) -> dict[str, list[str]]:
        """Given a node, return its triples in the store: predicate -> objects."""
        found = self.memo.get(node)
        if found is None:
            if node[0] == '"' or (self.subject_terms is not None and node not in self.subject_terms):
                return engine_native.EMPTY  # not memoised: an import asks this of a million new nodes
            found = {}
            for _, p, o, g in self._quads(subject=encoded.decode(node)):
                if str(g) != ONTOLOGY:
                    found.setdefault(str(p), []).append(str(o))
            self.memo[node] = found
        return found

    def backward(self, node: str) -> Sequence[tuple[str, str]]:
        """Given a node, return the store's (subject, predicate) pairs of triples that enter it."""
        found = self._backward.get(node)
        if found is None:
            if self.object_terms is not None and node not in self.object_terms:
                return _NONE_ENTER
            found = []
            for s, p, _, g in self._quads(obj=encoded.decode(node)):
                if str(g) != ONTOLOGY:
                    found.append((str(s), str(p)))
            self._backward[node] = found
        return found

    def held_subjects(self, nodes: set[str]) -> set[str]:
        """Given nodes, return those that may be subjects in the store (all of them, unless its
        terms were scanned)."""
        return nodes if self.subject_terms is None else nodes & self.subject_terms

    def held_objects(self, nodes: set[str]) -> set[str]:
        """Given nodes, return those that may be objects in the store (all of them, unless its
        terms were scanned)."""
        return nodes if self.object_terms is None else nodes & self.object_terms

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
            if backward:
                self._backward[node] = []
            else:
                self.memo[node] = {}
        for s, p, o in _neighbours(self.store, {encoded.decode(n) for n in wanted}, backward):
            # setdefault: a remote store may print a term otherwise than we asked for it
            if backward:
                self._backward.setdefault(str(o), []).append((str(s), str(p)))
            else:
                self.memo.setdefault(str(s), {}).setdefault(str(p), []).append(str(o))

    def graph_holds(self, graph: str, except_triples: set) -> bool:
        """Given a graph, return True when it holds a triple that is not among except_triples."""
        quads = self.store.quads(graph=encoded.decode(graph))
        return any((str(q.subject), str(q.predicate), str(q.object)) not in except_triples for q in quads)


class AfterChange(engine_native.GraphView):
    """The store as it would be after the change, as every engine reads it."""

    def __init__(self, reader: StoreReader, additions: list[tuple], removals: list[tuple]):
        self.reader = reader
        self.subclass_pairs = tuple(subclass_pairs(reader.store))
        self.added_graphs = set(map(_GRAPH, additions))
        self._added, self._added_backward = engine_native.index_quads(additions, skip_graph=ONTOLOGY)
        self._added_objects = {o for _p, o in self._added_backward}  # entered by an added inverse-read triple
        self._merged: dict[str, dict[str, list[str]]] = {}
        self.removed, self.removed_in_graph = self._removed_triples(removals)

    def added(self, s: str, p: str, o: str) -> bool:
        return o in self._added.get(s, engine_native.EMPTY).get(p, ())

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
        held = self.reader.subject_terms
        if held is not None and node not in held:  # the store has never heard of it: the change says all
            return self._added.get(node, engine_native.EMPTY)
        merged = self._merged.get(node)
        if merged is None:
            stored = self.reader.forward(node)
            if not stored:
                return self._added.get(node, engine_native.EMPTY)
            added = self._added.get(node)
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
        entering = self.reader.backward(node)
        if not entering:
            return self._added_backward.get((predicate, node), [])
        stored = [s for s, p in entering if p == predicate
                  and not (self.removed and (s, predicate, node) in self.removed)]
        values = stored + self._added_backward.get((predicate, node), [])
        return list(dict.fromkeys(values)) if len(values) > 1 else values

    def entered_by(self, node, predicates):
        if node in self._added_objects:
            added = self._added_backward
            if any((p, node) in added for p in predicates):
                return True
        held = self.reader.object_terms
        if held is not None and node not in held:
            return False
        stored = self.reader.backward(node)
        return bool(stored) and any(p in predicates and (s, p, node) not in self.removed for s, p in stored)

    def source_graph_holds_triples(self, graph: str) -> bool:
        """Given a source graph, return True when it holds triples after the change."""
        return graph in self.added_graphs or self.reader.graph_holds(graph, self.removed_in_graph.get(graph, set()))

    def source_graphs(self, focus):
        return [node for node in focus if node.startswith(SOURCE_PREFIX) and self.source_graph_holds_triples(node)]

    def prefetch(self, focus: set[str]) -> None:
        """Given the focus nodes, read what the checks read first in batches (the focus nodes and
        their values) when every read of the store is a round trip."""
        if self.reader.embedded is None:
            self.reader.prefetch(focus)
            self.reader.prefetch(focus, backward=True)
            self.reader.prefetch({o for node in focus for objects in self.node(node).values() for o in objects})


def after_change(store, change: Change, reader: StoreReader | None = None) -> tuple[AfterChange | None, set[str]]:
    """Given a store and a change, return the store as it would be after the change (None when the
    change can affect no focus node) and the encoded focus nodes the change can affect. `reader`:
    one made (and its terms scanned) before the change's graphs were staged in the store."""
    reader = reader or StoreReader(store)
    additions, removals = encoded.rows(change.additions), encoded.rows(change.removals)
    view = AfterChange(reader, additions, removals)
    focus = affected_focus_nodes(reader, additions, removals, view)
    if not focus:
        return None, focus
    return view, focus


def store_rows(store, graphs: Iterable[ox.NamedNode] | None = None) -> Iterator[tuple[str, str, str, str]]:
    """Given a store (and optionally some of its named graphs), yield every quad (of those graphs)
    as encoded rows. An embedded store writes each graph as N-Triples in one call, split here into
    terms (the text str(term) gives, as in encoded.rows); 4 to 8 times faster than reading 1.5
    million quads as Python objects."""
    oxigraph = getattr(store, "oxigraph", None)
    if oxigraph is None:
        if graphs is None:
            yield from encoded.rows(store.quads())
        else:
            for graph in graphs:
                yield from encoded.rows(store.quads(graph=graph))
        return
    for name, text in graph_texts(oxigraph, graphs):
        for s, p, o in engine_native.ntriples_terms(text):
            yield s, p, o, name


def graph_texts(oxigraph: ox.Store, graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
                ) -> Iterator[tuple[str, str]]:
    """Given a pyoxigraph store (and optionally some of its named graphs), yield each graph (every
    graph, the default one included) as (encoded name, its triples as N-Triples)."""
    for graph in [ox.DefaultGraph(), *oxigraph.named_graphs()] if graphs is None else graphs:
        yield encoded.encode(graph), (oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b"").decode()


def pull(view: engine_native.GraphView, focus: Iterable[str]) -> set[tuple[str, str, str]]:
    """Given a view and focus nodes, return the triples the shapes read from them (the paths of
    shapes.reads()): the working set the pyshacl and SPARQL engines validate."""
    out: set[tuple[str, str, str]] = set()
    inverse_ok = engine_native.inverse_predicates()

    def walk(nodes: set[str], tree: dict) -> None:
        following: dict[tuple[str, bool], set[str]] = defaultdict(set)
        forward = {predicate for predicate, inverse in tree if not inverse}
        backward = [predicate for predicate, inverse in tree if inverse]
        for node in nodes:
            if forward and node[0] != '"':
                for p, objects in view.node(node).items():
                    for key in (p[1:-1], "*"):
                        if key in forward:
                            out.update((node, p, o) for o in objects)
                            following[(key, False)].update(objects)
            for predicate in backward:
                p = encoded.iri(predicate)
                if predicate == "*" or p not in inverse_ok:
                    raise NotImplementedError(f"the view reads {predicate} backwards only for inverse_predicates()")
                for s in view.subjects(p, node):
                    out.add((s, p, node))
                    following[(predicate, True)].add(s)
        for step, subtree in tree.items():
            if subtree and following.get(step):
                walk(following[step], subtree)

    walk(set(focus), reads())
    return out


def _reads_by_predicate() -> tuple[list, dict]:
    """Return the steps of shapes.reads() as (prefix, inverse): those of any predicate, and those keyed by encoded predicate."""
    any_predicate, by_predicate = [], defaultdict(list)
    for prefix, (predicate, inverse) in walk_reads(reads(), []):
        entry = (tuple(prefix), inverse)
        if predicate == "*":
            any_predicate.append(entry)
        else:
            by_predicate[encoded.iri(predicate)].append(entry)
    return any_predicate, dict(by_predicate)


def affected_focus_nodes(reader: StoreReader, additions: list[tuple], removals: list[tuple],
                         view: AfterChange | None = None) -> set[str]:
    """Given the change's rows, return the encoded focus nodes whose results it can alter
    (a changed triple at step i of a path the shapes read affects every node reaching its near
    end along steps 1..i-1, which are unchanged, so the store before the change answers).
    `view`: the change's view, whose index of the additions is read instead of their rows (an
    import's million subjects instead of its seven million rows)."""
    any_predicate, by_predicate = _reads_by_predicate()
    if any_predicate != [((), False)]:
        raise NotImplementedError("shapes.reads() has a '*' step below the root: affected_focus_nodes reads it at the root only")
    entered_at_root = frozenset(p for p, steps in by_predicate.items() if ((), True) in steps)
    deeper = {p: [(prefix, inverse) for prefix, inverse in steps if prefix] for p, steps in by_predicate.items()}
    deeper = {p: steps for p, steps in deeper.items() if steps}
    indexed = None if view is None else (view._added, view._added_backward)
    if not entered_at_root <= engine_native.inverse_predicates():
        indexed = None  # the index keeps only the inverse predicates' objects
    affected: set[str] = set()
    graphs: set[str] = set()
    changed: list[tuple[list[tuple], tuple[dict, dict] | None]] = []
    for rows, index in ((removals, None), (additions, indexed)):
        in_graphs = set(map(_GRAPH, rows)) if index is None or view is None else set(view.added_graphs)
        if ONTOLOGY in in_graphs:
            rows = [row for row in rows if row[3] != ONTOLOGY]
            in_graphs.discard(ONTOLOGY)
        graphs |= in_graphs
        changed.append((rows, index))
        # The root step: a changed triple's subject, and its object when the shapes read it backwards.
        if index is not None:
            affected.update(index[0])
            affected.update(o for p, o in index[1] if p in entered_at_root)
        else:
            affected.update(map(_SUBJECT, rows))  # map and compress: through C, row by row
            affected.update(compress(map(_OBJECT, rows), map(entered_at_root.__contains__, map(_PREDICATE, rows))))
    affected |= {g for g in graphs if g.startswith(SOURCE_PREFIX)}
    # The lookups to come, estimated: counted start by start, an ACLED import makes 3.0 per node
    # (its own triples, then the deeper steps: every typed node, a claim's event and document).
    reader.expect_lookups(3 * len(affected))
    starts: dict[tuple, set] = defaultdict(set)
    for rows, index in changed:
        for s, p, o in _triples_near_the_store(reader, rows, index, deeper):
            for prefix, inverse in deeper.get(p, ()):
                starts[prefix].add(o if inverse else s)
    for prefix, nodes in starts.items():
        affected |= _reverse_prefix(reader, nodes, list(prefix))
    return affected


_SUBJECT, _PREDICATE, _OBJECT, _GRAPH = (itemgetter(i) for i in range(4))
_TRIPLE = itemgetter(0, 1, 2)


def _triples_near_the_store(reader: StoreReader, rows: list[tuple], index: tuple[dict, dict] | None,
                            deeper: dict[str, list]) -> Iterable[Sequence[str]]:
    """Given rows (and their index), return the triples a path below the root can lead to from
    the store: all of them, unless the store's terms were scanned; then only those whose end the
    path leaves from is a node the store holds (a step back from a node it lacks reaches nothing)."""
    subject_terms, object_terms = reader.subject_terms, reader.object_terms
    if subject_terms is None or object_terms is None:
        return map(_TRIPLE, rows)
    from_object = {p for p, steps in deeper.items() if any(inverse for _prefix, inverse in steps)}
    if index is None:
        return [row[:3] for row in rows if row[0] in subject_terms or row[0] in object_terms
                or (row[1] in from_object and (row[2] in subject_terms or row[2] in object_terms))]
    forward, backward = index
    held = (forward.keys() & subject_terms) | (forward.keys() & object_terms)
    near = [(s, p, o) for s in held for p, objects in forward[s].items() for o in objects]
    for p in from_object:
        if p in engine_native.inverse_predicates():
            near += [(s, p, o) for (q, o), subjects in backward.items() if q == p
                     and (o in subject_terms or o in object_terms) for s in subjects]
        else:
            near += [(row[0], p, row[2]) for row in rows if row[1] == p]
    return near


def _reverse_prefix(reader: StoreReader, nodes: set[str], steps: list[tuple[str, bool]]) -> set[str]:
    """Given nodes and a path prefix, return the store's nodes that reach them along the prefix."""
    frontier = set(nodes)
    for predicate, inverse in reversed(steps):
        wanted = None if predicate == "*" else encoded.iri(predicate)
        # Only nodes the store holds on the side read have triples there (most of an import's are new).
        frontier = reader.held_subjects(frontier) if inverse else reader.held_objects(frontier)
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


def label(view: engine_native.GraphView, node: str) -> str | None:
    """Given a view and an encoded node, return its label: English first, skos:prefLabel before
    rdfs:label (as engine_pyshacl.label_of chooses it)."""
    found = []
    for rank, predicate in enumerate(_LABELS):
        for value in view.objects(node, predicate):
            if value[0] == '"':
                lexical, _datatype, language = encoded.literal_parts(value)
                found.append((language != "en", rank, lexical))
    return min(found)[2] if found else None


# ---------------------------------------------------------------------------------------------
# Reading the store in batches (remote stores, the service's isolated store)
# ---------------------------------------------------------------------------------------------

def _chunks(items: list, size: int = 400) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _neighbours(store, nodes: set, inverse: bool) -> set[tuple]:
    """Given pyoxigraph nodes, return the store's triples (s, p, o) that leave them (enter them
    when inverse), outside the ontology graph, in one query per 400 nodes."""
    # Literals can only be objects: they are looked up when entering them (inverse).
    kinds = (ox.NamedNode, ox.Literal) if inverse else (ox.NamedNode,)
    addressable = [n for n in nodes if isinstance(n, kinds)]
    triples: set[tuple] = set()
    pattern = "GRAPH ?g { ?x ?p ?n }" if inverse else "GRAPH ?g { ?n ?p ?x }"
    for chunk in _chunks(addressable):
        # Named graphs only, and never the ontology graph: the same data as full validation sees.
        # (union_default_graph=False: the pattern names its graphs; it also spares the store
        # looking for FROM clauses in a long query.)
        values = " ".join(str(n) for n in chunk)  # pyoxigraph terms print as SPARQL terms
        result = store.query(f"SELECT DISTINCT ?n ?p ?x WHERE {{ VALUES ?n {{ {values} }} {pattern} "
                             f"FILTER (?g != <{ns.ONTOLOGY_GRAPH}>) }}", union_default_graph=False)
        for n, p, x in result.rows:
            triples.add((x, p, n) if inverse else (n, p, x))
    for node in nodes:
        if isinstance(node, ox.BlankNode):  # not addressable in SPARQL: read by pattern
            quads = store.quads(object=node) if inverse else store.quads(subject=node)
            triples.update((q.subject, q.predicate, q.object) for q in quads if q.graph_name != _ONTOLOGY_NODE)
    return triples
