"""SHACL validation: the whole dataset, or one change in the context of the store (the write gate).

Two entry points:

  validate_quads(quads)        validate a whole dataset (files, or everything in a store).
  check_change(store, change)  validate the store *as it would be after* `change`, restricted to
                               the focus nodes the change can affect; the store is not touched.

>>> from sahelkg.dataset import loading
>>> report = validate_quads(loading.dataset_quads(loading.seed_paths()))
>>> report.conforms
True

How it works. pyshacl validates an rdflib graph that this module builds itself from pyoxigraph
quads: one term conversion for every source, so plain literals are plain everywhere (Oxigraph
reports them typed xsd:string, rdflib does not: rdflib issue #2123). The working graph is the
union of every named graph except the ontology graph. The ontology only supplies the class
hierarchy: every rdf:type in the working copy is completed with its superclasses, so the shapes'
sh:targetClass and sh:class see subclasses without the ontology's triples entering the data.
Named graphs under graph/source/ that hold triples get a marker type (skgv:StoredSourceGraph) in
the working copy so that skg:SourceGraphShape can ask for their provenance.

The gate is incremental. The shapes read, from a focus node, only the paths listed in READS
(its own triples, a few inverse links, and chains such as about/timeSpan/startDate). A changed
triple can therefore only affect the focus nodes that reach it along a prefix of one of those
paths; `affected_focus_nodes` finds them with SPARQL on the store. The gate then pulls, with
SPARQL, exactly the triples those paths read from each affected node, in the store as it would
be after the change, and validates the affected nodes in that sub-graph: the results are those
full validation would give for them. tests/shacl/test_gate_equivalence.py checks this on random
changes. A small working set is validated by pyshacl; from SPARQL_ENGINE_THRESHOLD triples on, by
the shapes compiled to SPARQL in a temporary Oxigraph store, with the same results. A change of
bulk_gate.BULK_THRESHOLD quads or more (an import) goes to sahelkg.gate.bulk instead, which does
the same on N-Triples text with the shapes compiled to Python (sahelkg.gate.engine_native).
"""

from __future__ import annotations

from sahelkg.resources import resource

import functools
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

from sahelkg import namespaces as ns
from sahelkg.store.change import Change

SHAPES_PATH = resource("shapes", "sahelkg-shapes.ttl")
ONTOLOGY_PATH = resource("ontology", "sahelkg.ttl")
SKGV = "https://w3id.org/sahelkg/shapes#"
STORED_SOURCE_GRAPH = rdflib.URIRef(SKGV + "StoredSourceGraph")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SEVERITIES = ("Violation", "Warning", "Info")
# The gate validates a working set of at least this many triples with the shapes compiled to
# SPARQL (sahelkg.gate.engine_sparql) in a temporary Oxigraph store, smaller ones with pyshacl:
# the same results either way (tests/shacl/test_gate_equivalence.py runs both). Measured on ACLED
# imports into the seed store: 130 triples 0.025 s (pyshacl) / 0.021 s (compiled); 830 triples
# 0.12 / 0.03 s; 7,300 triples 1.2 / 0.12 s; 21,600 triples 4.8 / 0.49 s. Below 1,000 both take
# under 0.15 s, and the reference engine keeps the everyday writes (one article).
SPARQL_ENGINE_THRESHOLD = 1_000

# What the shapes read from a focus node, as a tree of steps: (predicate, inverse?), "*" for any
# predicate. Keep it in step with shapes/sahelkg-shapes.ttl: a path missing here makes the gate
# miss results, which the equivalence test catches.
_S = ns.SKG
READS: dict[tuple[str, bool], dict] = {
    ("*", False): {(RDF_TYPE, False): {}, (str(SKOS.inScheme), False): {}},
    (_S + "disputes", True): {},
    (_S + "qualifiedAffiliation", True): {},
    (_S + "anchor", True): {},
    (_S + "partOf", True): {(_S + "minimum", False): {}},
    (_S + "partOf", False): {(_S + "maximum", False): {}, (_S + "unit", False): {}, (_S + "outcome", False): {}},
    (_S + "about", False): {(_S + "timeSpan", False): {(_S + "startDate", False): {}}},
    (_S + "statementTime", False): {(_S + "endDate", False): {}, (_S + "startDate", False): {}},
    (_S + "reportedIn", False): {(_S + "publicationTime", False): {(_S + "endDate", False): {}},
                                 (_S + "datePublished", False): {}},
    (_S + "disputes", False): {(_S + "about", False): {}, (_S + "accused", False): {}},
    (_S + "qualifiedAccusation", False): {(_S + "accusedActor", False): {}},
}


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: which node, along which path, broke which shape, how badly, and why."""

    focus_node: str
    severity: str
    source_shape: str
    message: str
    path: str | None = None
    value: str | None = None
    constraint_component: str | None = None
    source_constraint: str | None = None
    focus_label: str | None = None

    def key(self) -> tuple:
        """Return what identifies the result (everything but the label), for comparisons."""
        return (self.focus_node, self.path, self.source_shape, self.source_constraint,
                self.severity, self.value, self.constraint_component)


def result_order(result: ValidationResult) -> tuple:
    """Given a result, return its sort key: severity (violations first), focus node, path, shape."""
    rank = SEVERITIES.index(result.severity) if result.severity in SEVERITIES else len(SEVERITIES)
    return rank, result.focus_node, result.path or "", result.source_shape


@dataclass
class ValidationReport:
    """The results of a validation; `conforms` is True when no result is a violation."""

    results: list[ValidationResult] = field(default_factory=list)
    focus_nodes: int | None = None

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def by_severity(self, severity: str) -> list[ValidationResult]:
        """Given a severity name (Violation, Warning, Info), return its results."""
        return [r for r in self.results if r.severity == severity]

    def counts(self) -> dict[str, int]:
        """Return how many results there are of each severity."""
        return {s: len(self.by_severity(s)) for s in SEVERITIES}

    def to_json(self) -> str:
        """Return the report as JSON: conforms, counts and the results."""
        return json.dumps({"conforms": self.conforms, "counts": self.counts(),
                           "results": [asdict(r) for r in self.results]}, ensure_ascii=False, indent=2)

    def to_graph(self) -> rdflib.Graph:
        """Return the report as a SHACL validation report graph."""
        g = rdflib.Graph()
        g.bind("sh", SH)
        for prefix, iri in ns.PREFIXES.items():
            g.bind(prefix, iri)
        report = rdflib.BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, rdflib.Literal(self.conforms)))
        for r in self.results:
            node = rdflib.BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, rdflib.URIRef(r.focus_node)))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            g.add((node, SH.sourceShape, rdflib.URIRef(r.source_shape)))
            g.add((node, SH.resultMessage, rdflib.Literal(r.message)))
            if r.path:
                if r.path.startswith("^"):
                    inverse = rdflib.BNode()
                    g.add((inverse, SH.inversePath, rdflib.URIRef(r.path[1:])))
                    g.add((node, SH.resultPath, inverse))
                else:
                    g.add((node, SH.resultPath, rdflib.URIRef(r.path)))
            if r.value is not None:
                g.add((node, SH.value, _term_from_text(r.value)))
            if r.constraint_component:
                g.add((node, SH.sourceConstraintComponent, rdflib.URIRef(r.constraint_component)))
            if r.source_constraint:
                g.add((node, SH.sourceConstraint, rdflib.URIRef(r.source_constraint)))
        return g

    def to_turtle(self) -> str:
        """Return the report as a SHACL validation report in Turtle."""
        return self.to_graph().serialize(format="turtle")

    def to_text(self) -> str:
        """Return the report for people: grouped by severity, each result with label, IRI, path."""
        lines = []
        counts = self.counts()
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
                     f"{counts['Info']} info(s)")
        for severity in SEVERITIES:
            results = self.by_severity(severity)
            if not results:
                continue
            lines.append("")
            lines.append(f"== {severity} ({len(results)}) ==")
            for r in sorted(results, key=lambda r: (r.focus_node, r.path or "", r.source_shape)):
                label = f"{r.focus_label} " if r.focus_label else ""
                lines.append(f"- {label}<{r.focus_node}>")
                if r.path:
                    lines.append(f"    path:    {_short(r.path)}")
                if r.value is not None:
                    lines.append(f"    value:   {_short(r.value)}")
                lines.append(f"    shape:   {_short(r.source_constraint or r.source_shape)}")
                lines.append(f"    message: {r.message}")
        return "\n".join(lines) + "\n"


def _short(text: str) -> str:
    inverse = text.startswith("^")
    body = text[1:] if inverse else text
    if body.startswith("<") and body.endswith(">"):
        body = body[1:-1]
    for prefix, iri in list(ns.PREFIXES.items()) + [("skgv", SKGV)]:
        if body.startswith(iri) and "/" not in body[len(iri):] and "#" not in body[len(iri):]:
            return ("^" if inverse else "") + f"{prefix}:{body[len(iri):]}"
    return text


def _term_text(term) -> str:
    if isinstance(term, rdflib.URIRef):
        return str(term)
    return term.n3()


def _term_from_text(text: str):
    if text.startswith('"') or text.startswith("_:"):
        return rdflib.util.from_n3(text)
    return rdflib.URIRef(text)


# ---------------------------------------------------------------------------------------------
# Building the working graph
# ---------------------------------------------------------------------------------------------

def to_rdflib(term):
    """Given a pyoxigraph term, return the rdflib term (plain literals stay plain).

    >>> to_rdflib(ox.Literal("nine"))
    rdflib.term.Literal('nine')
    """
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"cannot validate RDF-star term {term!r}")


@functools.lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    """Return the shapes graph (parsed once)."""
    g = rdflib.Graph()
    g.parse(SHAPES_PATH, format="turtle")
    return g


@functools.lru_cache(maxsize=1)
def _ontology_file_subclasses() -> tuple[tuple[str, str], ...]:
    pairs = []
    for triple in ox.parse(path=str(ONTOLOGY_PATH), format=ox.RdfFormat.TURTLE):
        if triple.predicate.value == SUBCLASS_OF and isinstance(triple.subject, ox.NamedNode) \
                and isinstance(triple.object, ox.NamedNode):
            pairs.append((triple.subject.value, triple.object.value))
    return tuple(pairs)


def superclass_map(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Given (class, superclass) pairs, return every class's transitive superclasses.

    >>> sorted(superclass_map([("A", "B"), ("B", "C")])["A"])
    ['B', 'C']
    """
    direct: dict[str, set[str]] = defaultdict(set)
    for sub, sup in pairs:
        if sub != sup:
            direct[sub].add(sup)
    closure: dict[str, frozenset[str]] = {}

    def walk(cls: str, seen: set[str]) -> set[str]:
        out: set[str] = set()
        for sup in direct.get(cls, ()):
            if sup not in seen:
                seen.add(sup)
                out.add(sup)
                out |= walk(sup, seen)
        return out

    for cls in list(direct):
        closure[cls] = frozenset(walk(cls, {cls}))
    return closure


class WorkingGraph:
    """The rdflib graph pyshacl validates: data triples, inferred types, source-graph markers."""

    def __init__(self, superclasses: dict[str, frozenset[str]]):
        self.graph = rdflib.Graph()
        self.superclasses = superclasses
        self._add = self.graph.add

    def add(self, s, p, o) -> None:
        """Given pyoxigraph subject, predicate and object, add the triple and its inferred types."""
        self._add((to_rdflib(s), rdflib.URIRef(p.value), to_rdflib(o)))
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            subject = to_rdflib(s)
            for sup in self.superclasses.get(o.value, ()):
                self._add((subject, RDF.type, rdflib.URIRef(sup)))

    def mark_source_graph(self, graph: str) -> None:
        """Given the IRI of a source graph that holds triples, add its marker type."""
        self._add((rdflib.URIRef(graph), RDF.type, STORED_SOURCE_GRAPH))


def _is_source_graph(graph) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(ns.SOURCE_GRAPH_PREFIX)


def _is_ontology_graph(graph) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value == ns.ONTOLOGY_GRAPH


# ---------------------------------------------------------------------------------------------
# Running pyshacl and reading its report
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _prepared(sparql_text: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(sparql_text)


def _install_prepared_sparql() -> None:
    """Make pyshacl parse each SHACL-SPARQL query once instead of once per focus node.

    pyshacl 0.40 hands the query text to rdflib for every focus node, and parsing dominates:
    3.3 s of 4.5 s on the seed graph. The text is identical for every focus node ($this is
    pre-bound), so a parsed query is cached by its text; results are unchanged.
    """
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

    if getattr(SPARQLBasedConstraint, "_sahelkg_prepared", False):
        return
    original = SPARQLBasedConstraint._validate_sparql_query

    def _validate_sparql_query(self, query, init_binds, target_graph):
        if isinstance(query, str) and isinstance(target_graph, rdflib.Graph):
            try:
                query = _prepared(query)
            except Exception:  # leave anything unusual to pyshacl's own handling
                pass
        return original(self, query, init_binds, target_graph)

    SPARQLBasedConstraint._validate_sparql_query = _validate_sparql_query
    SPARQLBasedConstraint._sahelkg_prepared = True


def _install_top_level_focus() -> None:
    """Make pyshacl's `focus_nodes` option choose top-level focus nodes only.

    pyshacl 0.40 also filters the value nodes that sh:node, sh:not and sh:qualifiedValueShape
    hand to nested shapes against `focus_nodes`, so they pass unchecked (a stance outside its
    scheme is accepted). Nested calls get their focus explicitly; for them the option is
    switched off.
    """
    from pyshacl.shape import Shape

    if getattr(Shape.validate, "_sahelkg_top_level_focus", False):
        return
    original = Shape.validate

    def validate(self, executor, target_graph, focus=None, _evaluation_path=None):
        if focus is None or executor.focus_nodes is None:
            return original(self, executor, target_graph, focus, _evaluation_path)
        saved, executor.focus_nodes = executor.focus_nodes, None
        try:
            return original(self, executor, target_graph, focus, _evaluation_path)
        finally:
            executor.focus_nodes = saved

    validate._sahelkg_top_level_focus = True
    Shape.validate = validate


def run_shacl(data: rdflib.Graph, focus_nodes: Iterable[str] | None = None) -> ValidationReport:
    """Given a working graph (and optionally the only focus nodes to check), return the report."""
    import pyshacl

    _install_prepared_sparql()
    _install_top_level_focus()
    # pyshacl checks only the given focus nodes (with nested shapes fixed, above); literal and
    # blank focus nodes are not accepted by that option, so then the whole sub-graph is checked.
    # Either way the results are restricted to the focus nodes afterwards.
    option = None
    if focus_nodes is not None:
        focus = set(focus_nodes)
        if not focus:
            return ValidationReport(results=[], focus_nodes=0)
        if all(f.startswith(("http://", "https://", "urn:")) for f in focus):
            option = [rdflib.URIRef(f) for f in sorted(focus)]
    _conforms, results_graph, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference=None, advanced=False, inplace=True,
        allow_warnings=True, allow_infos=True, focus_nodes=option,
    )
    results = _read_results(results_graph, data)
    if focus_nodes is None:
        return ValidationReport(results=results)
    return ValidationReport(results=[r for r in results if r.focus_node in focus], focus_nodes=len(focus))


def _path_text(graph: rdflib.Graph, path) -> str:
    if isinstance(path, rdflib.URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    return path.n3()


def label_of(data: rdflib.Graph, node) -> str | None:
    """Given a node, return its English (else any) rdfs:label or skos:prefLabel."""
    labels = list(data.objects(node, SKOS.prefLabel)) + list(data.objects(node, RDFS.label))
    if not labels:
        return None
    english = [l for l in labels if getattr(l, "language", None) == "en"]
    return str((english or labels)[0])


def _read_results(results_graph: rdflib.Graph, data: rdflib.Graph) -> list[ValidationResult]:
    out = []
    for node in results_graph.objects(None, SH.result):  # top-level results, not sh:detail
        focus = results_graph.value(node, SH.focusNode)
        path = results_graph.value(node, SH.resultPath)
        value = results_graph.value(node, SH.value)
        severity = results_graph.value(node, SH.resultSeverity)
        shape = results_graph.value(node, SH.sourceShape)
        constraint = results_graph.value(node, SH.sourceConstraint)
        component = results_graph.value(node, SH.sourceConstraintComponent)
        messages = [str(m) for m in results_graph.objects(node, SH.resultMessage)]
        out.append(ValidationResult(
            focus_node=str(focus),
            severity=str(severity).rsplit("#", 1)[-1],
            source_shape=str(shape) if isinstance(shape, rdflib.URIRef) else f"_:{shape}",
            message=" ".join(sorted(messages)),
            path=None if path is None else _path_text(results_graph, path),
            value=None if value is None else _term_text(value),
            constraint_component=None if component is None else str(component),
            source_constraint=str(constraint) if isinstance(constraint, rdflib.URIRef) else None,
            focus_label=label_of(data, focus),
        ))
    out.sort(key=result_order)
    return out


# ---------------------------------------------------------------------------------------------
# Whole-dataset validation
# ---------------------------------------------------------------------------------------------

def build_working_graph(quads: Iterable[ox.Quad], subclass_pairs: Iterable[tuple[str, str]] | None = None) -> WorkingGraph:
    """Given every quad of a dataset, return the working graph to validate.

    The ontology graph's quads only feed the class hierarchy; when the dataset has no ontology
    graph, the hierarchy comes from ontology/sahelkg.ttl.
    """
    data: list[ox.Quad] = []
    pairs: list[tuple[str, str]] = list(subclass_pairs or ())
    seen_ontology = False
    for quad in quads:
        if _is_ontology_graph(quad.graph_name):
            seen_ontology = True
            if quad.predicate.value == SUBCLASS_OF and isinstance(quad.subject, ox.NamedNode) \
                    and isinstance(quad.object, ox.NamedNode):
                pairs.append((quad.subject.value, quad.object.value))
            continue
        data.append(quad)
    if not seen_ontology and subclass_pairs is None:
        pairs.extend(_ontology_file_subclasses())
    working = WorkingGraph(superclass_map(pairs))
    source_graphs = set()
    for quad in data:
        working.add(quad.subject, quad.predicate, quad.object)
        if _is_source_graph(quad.graph_name):
            source_graphs.add(quad.graph_name.value)
    for graph in source_graphs:
        working.mark_source_graph(graph)
    return working


def validate_quads(quads: Iterable[ox.Quad]) -> ValidationReport:
    """Given every quad of a dataset (ontology graph included or not), return its full report.

    >>> validate_quads([]).conforms
    True
    """
    working = build_working_graph(quads)
    return run_shacl(working.graph)


def validate_store(store) -> ValidationReport:
    """Given a Store, validate everything in it (slow on big stores: use check_change for writes)."""
    return validate_quads(store.quads())


# ---------------------------------------------------------------------------------------------
# The write gate
# ---------------------------------------------------------------------------------------------

def _values(nodes: Iterable) -> str:
    return " ".join(str(n) for n in nodes)  # pyoxigraph terms print as SPARQL/N-Triples terms


def _chunks(items: list, size: int = 400) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


_ONTOLOGY = ox.NamedNode(ns.ONTOLOGY_GRAPH)


def _step_predicates(steps: Iterable[str]) -> frozenset | None:
    """Given step predicates ("*" for any), return them as NamedNodes, or None for any predicate."""
    steps = set(steps)
    return None if "*" in steps else frozenset(ox.NamedNode(s) for s in steps)


def _neighbours(store, nodes: set, predicates: frozenset | None, inverse: bool) -> set[tuple]:
    """Given nodes, return the store's triples (s, p, o) that leave them along one of predicates
    (entering them when inverse); None is any predicate."""
    # Literals can only be objects: they are looked up when entering them (inverse).
    kinds = (ox.NamedNode, ox.Literal) if inverse else (ox.NamedNode,)
    addressable = [n for n in nodes if isinstance(n, kinds)]
    triples: set[tuple] = set()
    if predicates is None:
        pattern = "GRAPH ?g { ?x ?p ?n }" if inverse else "GRAPH ?g { ?n ?p ?x }"
    else:
        # One branch per predicate, each a lookup by node and predicate (VALUES ?p would let
        # Oxigraph scan every triple of the predicate: 20 times slower on the seed alone).
        pattern = " UNION ".join(
            f"{{ GRAPH ?g {{ {'?x ' + str(p) + ' ?n' if inverse else '?n ' + str(p) + ' ?x'} }} BIND ({p} AS ?p) }}"
            for p in sorted(predicates, key=str))
    for chunk in _chunks(addressable):
        # Named graphs only, and never the ontology graph: the same data as full validation sees.
        # (union_default_graph=False: the pattern names its graphs; it also spares the store
        # looking for FROM clauses in a long query.)
        result = store.query(f"SELECT DISTINCT ?n ?p ?x WHERE {{ VALUES ?n {{ {_values(chunk)} }} {pattern} "
                             f"FILTER (?g != <{ns.ONTOLOGY_GRAPH}>) }}", union_default_graph=False)
        for n, p, x in result.rows:
            triples.add((x, p, n) if inverse else (n, p, x))
    for node in nodes:
        if isinstance(node, ox.BlankNode):  # not addressable in SPARQL: read by pattern
            quads = store.quads(object=node) if inverse else store.quads(subject=node)
            triples.update((q.subject, q.predicate, q.object) for q in quads if not _is_ontology_graph(q.graph_name)
                           and (predicates is None or q.predicate in predicates))
    return triples


def _unpacked(quads: Iterable[ox.Quad]) -> list[tuple]:
    """Given quads, return (subject, predicate, object, graph, quad) for each, read once
    (pyoxigraph builds a new Python object on every attribute read: big changes feel it)."""
    return [(*q, q) for q in quads]


class _ChangeRows:
    """A change's quads, unpacked once for everything the gate reads from them."""

    def __init__(self, change: Change):
        self.additions = _unpacked(change.additions)
        self.removals = _unpacked(change.removals)


class _AfterChange:
    """The store as it would be after a change, for the few triple patterns the gate reads."""

    def __init__(self, store, change: Change, rows: _ChangeRows):
        self.store = store
        self.change = change
        # Each added triple (outside the ontology graph), with the graph and quad that first add it.
        self.added: dict[tuple, tuple] = {}
        for s, p, o, g, q in rows.additions:
            if g != _ONTOLOGY:
                self.added.setdefault((s, p, o), (g, q))
        self.added_graphs = {g for _s, _p, _o, g, _q in rows.additions}
        self.removed = self._removed_triples(rows)
        # Indexes of the added triples by subject, and by object for the predicates read inversely.
        self._by_subject: dict = defaultdict(list)
        self._by_object: dict = defaultdict(list)
        inverse = _step_predicates(step for _prefix, (step, inv) in _walk_reads(READS, []) if inv)
        for triple in self.added:
            self._by_subject[triple[0]].append(triple)
            if inverse is None or triple[1] in inverse:
                self._by_object[triple[2]].append(triple)

    def _removed_triples(self, rows: _ChangeRows) -> set[tuple]:
        """Return triples that no graph holds any more after the change (removal in one graph
        leaves a triple that another graph still holds)."""
        removed_in = defaultdict(set)
        for s, p, o, g, _q in rows.removals:
            if g != _ONTOLOGY:
                removed_in[(s, p, o)].add(g)
        self.removed_in_graph = defaultdict(set)
        for triple, graphs in removed_in.items():
            for g in graphs:
                self.removed_in_graph[g].add(triple)
        gone = set()
        for triple, graphs in removed_in.items():
            if triple in self.added:
                continue
            s, p, o = triple
            holders = {q.graph_name for q in self.store.quads(s, p, o)} - {_ONTOLOGY}
            if holders <= graphs:
                gone.add(triple)
        return gone

    def neighbours(self, nodes: set, predicates: frozenset | None, inverse: bool) -> set[tuple]:
        """Given nodes, return the post-change triples leaving (entering) them along one of
        predicates (None: any)."""
        found = _neighbours(self.store, nodes, predicates, inverse)
        if self.removed:
            found -= self.removed
        index = self._by_object if inverse else self._by_subject
        for node in nodes:
            hits = index.get(node)
            if hits:
                found.update(hits if predicates is None else (t for t in hits if t[1] in predicates))
        return found

    def source_graph_holds_triples(self, graph: ox.NamedNode) -> bool:
        """Given a source graph IRI, return True when it holds triples after the change."""
        if graph in self.added_graphs:
            return True
        removed = self.removed_in_graph.get(graph, set())
        result = self.store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} LIMIT {len(removed) + 1}")
        return any(tuple(row) not in removed for row in result.rows)


def _reverse_prefix(store, nodes: set, steps: list[tuple[str, bool]]) -> set:
    """Given nodes and a path prefix, return the store's nodes that reach them along the prefix."""
    frontier = set(nodes)
    for predicate, inverse in reversed(steps):
        if not frontier:
            break
        following = set()
        for s, _p, o in _neighbours(store, frontier, _step_predicates([predicate]), not inverse):
            following.add(o if inverse else s)
        frontier = following
    return frontier


def _walk_reads(tree: dict, prefix: list) -> Iterator[tuple[list, tuple[str, bool]]]:
    for step, subtree in tree.items():
        yield prefix, step
        yield from _walk_reads(subtree, prefix + [step])


@functools.lru_cache(maxsize=1)
def _steps_by_predicate() -> tuple[tuple, dict]:
    """Return the steps of READS as (prefix, inverse) pairs: those of any predicate, and those
    of each predicate (keyed by NamedNode)."""
    any_predicate, by_predicate = [], defaultdict(list)
    for prefix, (predicate, inverse) in _walk_reads(READS, []):
        entry = (tuple(prefix), inverse)
        if predicate == "*":
            any_predicate.append(entry)
        else:
            by_predicate[ox.NamedNode(predicate)].append(entry)
    return tuple(any_predicate), dict(by_predicate)


def affected_focus_nodes(store, change: Change, rows: _ChangeRows | None = None) -> set:
    """Given a store and a change, return the focus nodes whose results the change can alter.

    A shape reads, from its focus node, the paths in READS. A changed triple (s, p, o) that sits
    at step i of such a path affects every node reaching its near end (s, or o for an inverse
    step) along steps 1..i-1, which are unchanged, so the store before the change answers.
    """
    rows = rows or _ChangeRows(change)
    any_predicate, by_predicate = _steps_by_predicate()
    affected: set = set()
    graphs: set = set()
    starts: dict[tuple, set] = defaultdict(set)  # prefix -> near ends
    for changed in (rows.removals, rows.additions):
        for s, p, o, g, _q in changed:
            if g == _ONTOLOGY:
                continue
            graphs.add(g)
            for prefix, inverse in any_predicate:
                starts[prefix].add(o if inverse else s)  # a literal too: sh:targetObjectsOf
            for prefix, inverse in by_predicate.get(p, ()):
                starts[prefix].add(o if inverse else s)
    affected |= {g for g in graphs if _is_source_graph(g)}
    for prefix, nodes in starts.items():
        if not prefix:
            affected |= nodes
        else:
            affected |= _reverse_prefix(store, nodes, list(prefix))
    return affected


def _pull(after: _AfterChange, nodes: set, tree: dict, out: set) -> None:
    """Given nodes and a tree of steps, add to out what the steps read from the nodes (one store
    query per direction and level: forward steps share one, inverse steps another)."""
    for inverse in (False, True):
        steps = {predicate: subtree for (predicate, inv), subtree in tree.items() if inv == inverse}
        if not steps:
            continue
        triples = after.neighbours(nodes, _step_predicates(steps), inverse)
        out |= triples
        by_predicate: dict = defaultdict(list)
        if any(subtree for predicate, subtree in steps.items() if predicate != "*"):
            for triple in triples:
                by_predicate[triple[1]].append(triple)
        for predicate, subtree in steps.items():
            if not subtree:
                continue
            followed = triples if predicate == "*" else by_predicate.get(ox.NamedNode(predicate), ())
            following = {s if inverse else o for s, _p, o in followed}
            if following:
                _pull(after, following, subtree, out)


def _subclass_pairs(store) -> list[tuple[str, str]]:
    result = store.query(f"SELECT ?c ?d WHERE {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?c <{SUBCLASS_OF}> ?d "
                         "FILTER (isIRI(?c) && isIRI(?d)) } }")
    pairs = [(c.value, d.value) for c, d in result.rows]
    return pairs or list(_ontology_file_subclasses())


def _touches_class_hierarchy(change: Change) -> bool:
    from sahelkg.store.encoded import EncodedQuads

    for quads in (change.additions, change.removals):
        if isinstance(quads, EncodedQuads):
            if f"<{SUBCLASS_OF}>" in {row[1] for row in quads.rows}:
                return True
        elif any(q.predicate.value == SUBCLASS_OF for q in quads):
            return True
    return False


def check_change(store, change: Change) -> ValidationReport:
    """Given a store and a change, return the SHACL report of the store as it would be after the
    change, restricted to the focus nodes the change can affect. The store is not modified.

    `report.conforms` is True when no result is a sh:Violation (warnings and infos pass).

    >>> from sahelkg.store import EmbeddedStore
    >>> from sahelkg.dataset import loading
    >>> store = EmbeddedStore(); _ = store.load_quads(loading.dataset_quads(loading.seed_paths()))
    >>> g = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a000")
    >>> count = ox.NamedNode("https://w3id.org/sahelkg/id/count/a000-niono-killed")
    >>> bad = ox.Quad(count, ox.NamedNode("https://w3id.org/sahelkg/ontology#minimum"), ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), g)
    >>> old = next(iter(store.quads(count, ox.NamedNode("https://w3id.org/sahelkg/ontology#minimum"))))
    >>> report = check_change(store, Change(additions=(bad,), removals=(old,)))
    >>> report.conforms
    False
    """
    if change.is_empty():
        return ValidationReport(results=[], focus_nodes=0)
    if _touches_class_hierarchy(change):
        # The class hierarchy changes what every type means: validate everything, after the change.
        return validate_quads(_quads_after(store, change))
    from sahelkg.gate import bulk as bulk_gate
    from sahelkg.gate import engine_native as validation_native

    if bulk_gate.enabled(change):
        try:
            return bulk_gate.check(store, change)
        except validation_native.Unsupported:
            pass  # data the Python checks cannot judge as SPARQL would: the path below can
    rows = _ChangeRows(change)
    focus = affected_focus_nodes(store, change, rows)
    if not focus:
        return ValidationReport(results=[], focus_nodes=0)
    after = _AfterChange(store, change, rows)
    del rows
    triples: set[tuple] = set()
    _pull(after, focus, READS, triples)
    pairs = _subclass_pairs(store)
    source_graphs = [node for node in focus if _is_source_graph(node) and after.source_graph_holds_triples(node)]
    if len(triples) >= SPARQL_ENGINE_THRESHOLD:
        return _check_compiled(after, triples, pairs, source_graphs, focus)
    working = WorkingGraph(superclass_map(pairs))
    for s, p, o in triples:
        working.add(s, p, o)
    for node in source_graphs:
        working.mark_source_graph(node.value)
    return run_shacl(working.graph, focus_nodes=sorted(n.value for n in focus))


def _check_compiled(after: _AfterChange, triples: set[tuple], pairs: list[tuple[str, str]], source_graphs: list,
                    focus: set) -> ValidationReport:
    """Given the gate's working set, return what run_shacl returns for it, from the compiled validator."""
    from sahelkg.gate import engine_sparql as validation_sparql

    # Each triple in a named graph: an added one in the graph that adds it (its quad is reused,
    # which spares building millions of quads for an import), any other in one working graph.
    # A source graph among the focus nodes holds quads there exactly when the pyshacl path marks
    # it; other source graphs may hold some too, and their results are not kept.
    working = ox.NamedNode(validation_sparql.WORKING_GRAPH)
    quads = []
    for triple in triples:
        added = after.added.get(triple)
        if added is not None and isinstance(added[0], ox.NamedNode):
            quads.append(added[1])
        else:
            quads.append(ox.Quad(*triple, working))
    report = validation_sparql.validate_working_set(quads, subclass_pairs=pairs, source_graphs=source_graphs)
    del quads
    wanted = {n.value for n in focus}
    results = [r for r in report.results if r.focus_node in wanted]
    if results:
        labels = _labels(triples, {r.focus_node for r in results})
        results = [replace(r, focus_label=labels.get(r.focus_node)) for r in results]
    return ValidationReport(results=results, focus_nodes=len(wanted))


def _labels(triples: Iterable[tuple], nodes: set[str]) -> dict[str, str]:
    """Given triples and node IRIs, return each node's label as label_of chooses it."""
    found: dict[str, list] = defaultdict(list)
    for s, p, o in triples:
        rank = _LABEL_PREDICATES.get(p)
        if rank is not None and s.value in nodes:  # English first, then skos:prefLabel
            found[s.value].append((getattr(o, "language", None) != "en", rank, o.value))
    return {node: min(labels)[2] for node, labels in found.items()}


_LABEL_PREDICATES = {ox.NamedNode(str(SKOS.prefLabel)): 0, ox.NamedNode(str(RDFS.label)): 1}


def _quads_after(store, change: Change) -> Iterator[ox.Quad]:
    removed = set(change.removals)
    seen = set()
    for quad in store.quads():
        if quad not in removed:
            seen.add(quad)
            yield quad
    for quad in change.additions:
        if quad not in seen:
            yield quad
