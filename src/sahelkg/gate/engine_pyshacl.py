"""The reference engine: pyshacl, on an rdflib working graph this module builds.

>>> from sahelkg.dataset import loading
>>> validate_quads(loading.dataset_quads(loading.seed_paths())).conforms
True

pyshacl validates an rdflib graph built here from pyoxigraph quads: one term conversion for
every source, so plain literals are plain everywhere (Oxigraph reports them typed xsd:string,
rdflib does not: rdflib issue #2123). The working graph is the union of every named graph except
the ontology graph. The ontology only supplies the class hierarchy: every rdf:type in the working
copy is completed with its superclasses, so the shapes' sh:targetClass and sh:class see subclasses
without the ontology's triples entering the data. Named graphs under graph/source/ that hold
triples get a marker type (skgv:StoredSourceGraph) so that skg:SourceGraphShape can ask for their
provenance. The other engines (sahelkg.gate.engine_sparql, sahelkg.gate.engine_native) return
exactly this engine's results: tests/shacl checks them on every fixture and on random changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeGuard

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

from sahelkg import namespaces as ns
from sahelkg.gate import query_analysis
from sahelkg.gate.report import ValidationReport, ValidationResult, result_order, term_text, to_rdflib
from sahelkg.gate.shapes import RDF_TYPE, STORED_SOURCE_GRAPH, SUBCLASS_OF, ontology_file_subclasses, shapes_graph, superclass_map


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


def _is_source_graph(graph: object) -> TypeGuard[ox.NamedNode]:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(ns.SOURCE_GRAPH_PREFIX)


def _is_ontology_graph(graph) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value == ns.ONTOLOGY_GRAPH


# ---------------------------------------------------------------------------------------------
# Running pyshacl and reading its report
# ---------------------------------------------------------------------------------------------

# The patches of pyshacl below that this process has installed (each is installed once).
_PYSHACL_PATCHES: set[str] = set()


def _install_prepared_sparql() -> None:
    """Make pyshacl parse each SHACL-SPARQL query once instead of once per focus node.

    pyshacl 0.40 hands the query text to rdflib for every focus node, and parsing dominates:
    3.3 s of 4.5 s on the seed graph. The text is identical for every focus node ($this is
    pre-bound), so a parsed query is cached by its text; results are unchanged.
    """
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

    if "prepared-sparql" in _PYSHACL_PATCHES:
        return
    original = SPARQLBasedConstraint._validate_sparql_query

    def _validate_sparql_query(self, query, init_binds, target_graph):
        if isinstance(query, str) and isinstance(target_graph, rdflib.Graph):
            try:
                query = query_analysis.parsed(query)
            except Exception:  # leave anything unusual to pyshacl's own handling
                pass
        return original(self, query, init_binds, target_graph)

    SPARQLBasedConstraint._validate_sparql_query = _validate_sparql_query  # type: ignore[method-assign]  # the patch
    _PYSHACL_PATCHES.add("prepared-sparql")


def _install_top_level_focus() -> None:
    """Make pyshacl's `focus_nodes` option choose top-level focus nodes only.

    pyshacl 0.40 also filters the value nodes that sh:node, sh:not and sh:qualifiedValueShape
    hand to nested shapes against `focus_nodes`, so they pass unchecked (a stance outside its
    scheme is accepted). Nested calls get their focus explicitly; for them the option is
    switched off.
    """
    from pyshacl.shape import Shape

    if "top-level-focus" in _PYSHACL_PATCHES:
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

    Shape.validate = validate  # type: ignore[method-assign]  # the patch
    _PYSHACL_PATCHES.add("top-level-focus")


def run_shacl(data: rdflib.Graph, focus_nodes: Iterable[str] | None = None) -> ValidationReport:
    """Given a working graph (and optionally the only focus nodes to check), return the report."""
    import pyshacl

    _install_prepared_sparql()
    _install_top_level_focus()
    # pyshacl checks only the given focus nodes (with nested shapes fixed, above); literal and
    # blank focus nodes are not accepted by that option, so then the whole sub-graph is checked.
    # Either way the results are restricted to the focus nodes afterwards.
    option: list[str | rdflib.URIRef] | None = None
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
    english = [label for label in labels if getattr(label, "language", None) == "en"]
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
            value=None if value is None else term_text(value),
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
        pairs.extend(ontology_file_subclasses())
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
