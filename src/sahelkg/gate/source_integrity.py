"""Source integrity: the rules SHACL cannot say, because they read named graphs.

Each source's statements must stay removable as one unit, and no source may own what several
share. So a source graph (`graph/source/…`, `graph/import/…`):
  - never points at an event, count or claim that another source graph defines (types): the same
    happening across sources is said by incident links in the curation graph (foreignReference);
  - never holds an skg:Incident or skg:IncidentLink: they live in the curation graph (curatedNode).
The shapes validate the union of all graphs, so these checks run beside them, with results like
theirs: in the gate (`check_after`) and in full validation (`GraphRules` graph by graph as the view
reads them, `check_rows`; `check_store` asks the store the same with SPARQL).

>>> e = "<https://w3id.org/sahelkg/id/event/a000-x>"
>>> c = "<https://w3id.org/sahelkg/id/count/t002-x>"
>>> a, t = "<https://w3id.org/sahelkg/graph/source/a000>", "<https://w3id.org/sahelkg/graph/source/t002>"
>>> rows = [(e, RDF_TYPE, "<https://w3id.org/sahelkg/ontology#Event>", a),
...         (c, "<https://w3id.org/sahelkg/ontology#countOf>", e, t)]
>>> [(r.focus_node, r.value) for r in check_rows(rows)]
[('https://w3id.org/sahelkg/id/count/t002-x', 'https://w3id.org/sahelkg/id/event/a000-x')]
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.gate.report import ValidationResult
from sahelkg.gate.shapes import ONTOLOGY_PATH
from sahelkg.store import catalog, encoded

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_RANGE = "http://www.w3.org/2000/01/rdf-schema#range"
# The kinds of IRI that belong to the source that mints them (actors, places, documents are shared).
MINTED = tuple(f"<{ns.ID}{kind}/" for kind in ("event", "count", "claim"))
SHAPE = ns.SKG + "SourceGraphShape-foreignReference"
MESSAGE = ("A source graph points at an event, count or claim that another source graph defines: removing that "
           "source would leave this reference dangling. Mint this source's own event (or count, claim) and say "
           "that both describe the same happening with an skg:IncidentLink in the curation graph "
           "(https://w3id.org/sahelkg/graph/curation/incidents).")
CURATED_SHAPE = ns.SKG + "SourceGraphShape-curatedNode"
CURATED_MESSAGE = ("Incidents and incident links belong to the curation graph "
                   "(https://w3id.org/sahelkg/graph/curation/incidents), never to a source graph: no source owns "
                   "the happening several sources describe. Move this node there.")
CURATED_TYPES = frozenset(f"<{ns.SKG}{name}>" for name in ("Incident", "IncidentLink"))
_SOURCE_PREFIXES = tuple("<" + prefix for prefix in (ns.SOURCE_GRAPH_PREFIX, catalog.IMPORT_GRAPH_PREFIX))

Row = tuple[str, str, str, str]


def foreign_references(rows: Iterable[Row], typed_in: Callable[[str], set[str]]) -> list[ValidationResult]:
    """Given encoded rows (s, p, o, graph), iterable twice, and a function returning the encoded
    graphs that type a node, return a Violation for every row of a source graph whose subject or
    object is an event, count or claim typed only in other graphs, one of them a source graph."""
    used: set[tuple[str, str]] = set()  # (graph, node): a source graph uses a minted node
    for s, p, o, g in rows:
        if g.startswith(_SOURCE_PREFIXES):
            if s.startswith(MINTED):
                used.add((g, s))
            if o.startswith(MINTED) and p != RDF_TYPE:
                used.add((g, o))
    foreign = set()
    for graph, node in used:
        graphs = typed_in(node)
        # Its own node, or one no source defines (a dangling reference the shapes report).
        if graph not in graphs and any(other.startswith(_SOURCE_PREFIXES) for other in graphs):
            foreign.add((graph, node))
    if not foreign:
        return []
    out = set()
    for s, p, o, g in rows:
        for node in (s, o):
            if (g, node) in foreign and not (node is o and p == RDF_TYPE):
                out.add(ValidationResult(focus_node=encoded.decode(s).value, severity="Violation", source_shape=SHAPE,
                                         message=MESSAGE, path=p[1:-1], value=encoded.decode(node).value))
    return sorted(out, key=lambda r: (r.focus_node, r.path or "", r.value or ""))


@functools.cache
def reference_predicates() -> frozenset[str]:
    """Return the encoded predicates whose values can be events, counts or claims: the ontology's
    properties with such a range, and those with a wider one (skg:about, prov:wasDerivedFrom …)."""
    ranges = {ns.SKG + name for name in ("Occurrence", "Event", "EventPattern", "Count", "Claim", "Allegation")}
    found = {"<" + ns.SKG + name + ">" for name in ("about", "rejects", "basedOn")}
    found.add("<http://www.w3.org/ns/prov#wasDerivedFrom>")
    for triple in ox.parse(path=str(ONTOLOGY_PATH), format=ox.RdfFormat.TURTLE):
        if triple.predicate.value == RDFS_RANGE and triple.object.value in ranges:
            found.add(encoded.encode(triple.subject))
    return frozenset(found)


def check_after(store, additions: list[Row], removals: list[Row]) -> list[ValidationResult]:
    """Given a store and a change's encoded rows, return what the change breaks of these rules
    (the graphs typing a node are read from the store as it would be after the change)."""
    sources = [g for g in set(map(itemgetter(3), additions)) if g.startswith(_SOURCE_PREFIXES)]
    if not sources:
        return []
    added: dict[str, set[str]] = defaultdict(set)
    if len(sources) == 1:
        # One source graph (a load, an import): only the nodes the change does not type can be
        # another source's. One pass and sets of distinct terms: imports have millions of rows.
        typed, referenced, curated = set(), set(), []
        watched = reference_predicates()
        for row in additions:
            p = row[1]
            if p == RDF_TYPE:
                typed.add(row[0])
                if row[2] in CURATED_TYPES:
                    curated.append(row)
            elif p in watched:
                referenced.add(row[2])
        misplaced = curated_in_sources(curated)
        nodes = referenced.union(map(itemgetter(0), additions))
        candidates = {n for n in nodes.difference(typed) if n.startswith(MINTED)}
        if not candidates:
            return misplaced
        additions = [row for row in additions if row[0] in candidates or row[2] in candidates]
        for node in typed.intersection(map(itemgetter(0), additions)):
            added[node].add(sources[0])
    else:
        misplaced = curated_in_sources(additions)
        for s, p, _o, g in additions:
            if p == RDF_TYPE:
                added[s].add(g)
    removed = {(s, g) for s, p, _o, g in removals if p == RDF_TYPE and s.startswith(MINTED)}
    rdf_type = encoded.decode(RDF_TYPE)

    def typed_in(node: str) -> set[str]:
        graphs = set(added.get(node, ()))
        for quad in store.quads(encoded.decode(node), rdf_type):
            graph = encoded.encode(quad.graph_name)
            if (node, graph) not in removed:
                graphs.add(graph)
        return graphs

    return misplaced + foreign_references(additions, typed_in)


def curated_in_sources(rows: Iterable[Row]) -> list[ValidationResult]:
    """Given encoded rows, return a Violation for every incident or incident link a source graph types."""
    return [ValidationResult(focus_node=encoded.decode(s).value, severity="Violation", source_shape=CURATED_SHAPE,
                             message=CURATED_MESSAGE, path=RDF_TYPE[1:-1], value=o[1:-1])
            for s, p, o, g in rows if p == RDF_TYPE and o in CURATED_TYPES and g.startswith(_SOURCE_PREFIXES)]


class GraphRules:
    """These rules over a whole dataset, read one graph at a time (full validation hands it each
    graph's triples as it indexes them): `add` every graph, then `results()`.

    >>> e, c = "<https://w3id.org/sahelkg/id/event/a000-x>", "<https://w3id.org/sahelkg/id/count/t002-x>"
    >>> rules = GraphRules()
    >>> rules.add("<https://w3id.org/sahelkg/graph/source/a000>", [(e, RDF_TYPE, "<https://w3id.org/sahelkg/ontology#Event>")])
    >>> rules.add("<https://w3id.org/sahelkg/graph/source/t002>", [(c, "<https://w3id.org/sahelkg/ontology#countOf>", e)])
    >>> [(r.focus_node, r.value) for r in rules.results()]
    [('https://w3id.org/sahelkg/id/count/t002-x', 'https://w3id.org/sahelkg/id/event/a000-x')]
    """

    def __init__(self) -> None:
        self._typed_in: defaultdict[str, set[str]] = defaultdict(set)  # minted node -> source graphs typing it
        self._kept: list[Row] = []  # rows of source graphs with a minted node their graph does not type
        self._misplaced: list[ValidationResult] = []

    def add(self, graph: str, triples: Sequence[Sequence[str]]) -> None:
        """Given an encoded graph name and all its encoded triples (iterable twice), take them in."""
        if not graph.startswith(_SOURCE_PREFIXES):
            return  # only source graphs use, type (as far as these rules go) or own nodes
        typing = [(s, o) for s, p, o in triples if p == RDF_TYPE]
        own = set(map(itemgetter(0), typing))
        for node in own:
            if node.startswith(MINTED):
                self._typed_in[node].add(graph)
        curated = [(s, RDF_TYPE, o, graph) for s, o in typing if o in CURATED_TYPES]
        if curated:
            self._misplaced += curated_in_sources(curated)
        # A superset of the nodes this graph uses but does not type (foreign_references sorts them out).
        nodes = set(map(itemgetter(0), triples))
        nodes.update(map(itemgetter(2), triples))
        candidates = {node for node in nodes.difference(own) if node.startswith(MINTED)}
        if candidates:
            self._kept += [(s, p, o, graph) for s, p, o in triples if s in candidates or o in candidates]

    def results(self) -> list[ValidationResult]:
        """Return what breaks these rules in the graphs added so far."""
        return self._misplaced + foreign_references(self._kept, lambda node: self._typed_in.get(node, set()))


def check_rows(rows: Iterable[Row]) -> list[ValidationResult]:
    """Given every row of a dataset (encoded), return what breaks these rules."""
    by_graph: defaultdict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for s, p, o, g in rows:
        by_graph[g].append((s, p, o))
    rules = GraphRules()
    for graph, triples in by_graph.items():
        rules.add(graph, triples)
    return rules.results()


def check_store(store) -> list[ValidationResult]:
    """Given a store, return what breaks these rules (SPARQL queries over its source graphs)."""
    sources = " || ".join(f'STRSTARTS(STR(?g), "{prefix[1:]}")' for prefix in _SOURCE_PREFIXES)
    types = ", ".join(CURATED_TYPES)
    curated = store.query(f"SELECT ?s ?type WHERE {{ GRAPH ?g {{ ?s a ?type }} FILTER (?type IN ({types})) "
                          f"FILTER ({sources}) }}", union_default_graph=False)
    misplaced = [ValidationResult(focus_node=s.value, severity="Violation", source_shape=CURATED_SHAPE,
                                  message=CURATED_MESSAGE, path=RDF_TYPE[1:-1], value=t.value)
                 for s, t in curated.rows]
    return misplaced + foreign_references_in_store(store)


def foreign_references_in_store(store) -> list[ValidationResult]:
    """Given a store, return its foreign references (one SPARQL query over the source graphs)."""
    minted = " || ".join(f'STRSTARTS(STR(?node), "{prefix[1:]}")' for prefix in MINTED)
    sources = " || ".join(f'STRSTARTS(STR(?{{var}}), "{prefix[1:]}")' for prefix in _SOURCE_PREFIXES)
    query = f"""SELECT DISTINCT ?s ?p ?o ?g ?node WHERE {{
      GRAPH ?h {{ ?node a ?type }}
      FILTER (({minted}) && ({sources.format(var="h")}))
      {{ GRAPH ?g {{ ?s ?p ?node }} BIND (?node AS ?o) FILTER (?p != rdf:type) }}
      UNION {{ GRAPH ?g {{ ?node ?p ?o }} BIND (?node AS ?s) }}
      FILTER (?g != ?h && ({sources.format(var="g")}))
      FILTER NOT EXISTS {{ GRAPH ?g {{ ?node a ?own }} }}
    }}"""
    result = store.query("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + query,
                         union_default_graph=False)
    out = {ValidationResult(focus_node=s.value, severity="Violation", source_shape=SHAPE, message=MESSAGE,
                            path=p.value, value=node.value)
           for s, p, _o, _g, node in result.rows}
    return sorted(out, key=lambda r: (r.focus_node, r.path or "", r.value or ""))
