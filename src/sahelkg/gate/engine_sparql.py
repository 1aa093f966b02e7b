"""Full validation compiled to SPARQL and run inside Oxigraph: the shapes, without pyshacl.

pyshacl walks the data graph in Python, one focus node at a time; on 1.5M triples that takes many
minutes. This module compiles every constraint of shapes/sahelkg-shapes.ttl into one SPARQL query
that finds all its violating focus nodes at once, and runs the queries on the store.

>>> from sahelkg.store import EmbeddedStore
>>> from sahelkg.dataset import loading
>>> store = EmbeddedStore(); _ = store.load_quads(loading.dataset_quads(loading.seed_paths()))
>>> validate_store(store).counts()
{'Violation': 0, 'Warning': 0, 'Info': 2}

It returns the same results as `sahelkg.gate.engine_pyshacl.validate_quads` (pyshacl): the fixture suite
and the hypothesis test in tests/shacl/test_compiled.py check it. It reads the store as the
pyshacl path reads its working copy: class membership follows rdfs:subClassOf* (the ontology
graph is in the union default graph), and every non-empty named graph under graph/source/ is a
focus node of skg:SourceGraphShape. Only the constraint forms the shapes file uses are compiled;
anything else raises NotImplementedError, so a new kind of constraint cannot be skipped silently.
"""

from __future__ import annotations

import functools
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, SH

from sahelkg import namespaces as ns
from sahelkg.gate.report import ValidationReport, ValidationResult, result_order, to_rdflib
from sahelkg.gate.shapes import (
    SKGV,
    STORED_SOURCE_GRAPH,
    SUBCLASS_OF,
    rdf_list,
    scheme_of_node_shape,
    shape_messages,
    shape_severity,
    shapes_graph,
    subclass_pairs,
    superclass_map,
)

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# Subclasses of each class (itself included), from the store's ontology graph; set by
# compiled_checks() before compiling, so that class membership is a VALUES lookup, not a path.
_subclasses: dict[str, tuple[str, ...]] = {}
_counter = iter(range(10**9))


def _is_a(var: str, cls) -> str:
    """Given a variable and a class, return a SPARQL group: var is an instance of the class or a subclass."""
    t = f"?__t{next(_counter)}"
    members = " ".join(f"<{c}>" for c in _subclasses.get(str(cls), (str(cls),)))
    return f"{{ VALUES {t} {{ {members} }} {var} {RDF_TYPE} {t} }}"
SHACL = str(SH)


@dataclass(frozen=True)
class Check:
    """One compiled constraint: its query and what its results carry."""

    sparql: str
    severity: str
    source_shape: str
    component: str
    message: str
    path: str | None
    source_constraint: str | None = None
    value_is_focus: bool = False


def _n3(term) -> str:
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    raise NotImplementedError(f"cannot compile term {term!r}")


def _target(g: rdflib.Graph, shape) -> str:
    """Given a node shape, return a SPARQL group binding ?this to each of its focus nodes."""
    parts = []
    for cls in g.objects(shape, SH.targetClass):
        if str(cls) == SKGV + "StoredSourceGraph":
            parts.append(f"{{ GRAPH ?this {{ }} FILTER (STRSTARTS(STR(?this), \"{ns.SOURCE_GRAPH_PREFIX}\")) "
                         f"FILTER EXISTS {{ GRAPH ?this {{ ?__s ?__p ?__o }} }} }}")
        else:
            parts.append(_is_a("?this", cls))
    for prop in g.objects(shape, SH.targetObjectsOf):
        parts.append(f"{{ ?__x {_n3(prop)} ?this }}")
    for prop in g.objects(shape, SH.targetSubjectsOf):
        parts.append(f"{{ ?this {_n3(prop)} ?__x }}")
    for unsupported in (SH.targetNode, SH.target):
        if (shape, unsupported, None) in g:
            raise NotImplementedError(f"{shape}: {unsupported} is not compiled")
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def _path(g: rdflib.Graph, path) -> tuple[str, str]:
    """Given a SHACL path, return (SPARQL path, report text)."""
    if isinstance(path, rdflib.URIRef):
        return _n3(path), str(path)
    inverse = g.value(path, SH.inversePath)
    if isinstance(inverse, rdflib.URIRef):
        return f"^{_n3(inverse)}", "^" + str(inverse)
    raise NotImplementedError(f"path {path!r} is not compiled")


NUMERIC = ", ".join(f"<http://www.w3.org/2001/XMLSchema#{t}>" for t in (
    "integer", "decimal", "double", "float", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))


def _ordered(a: str, b: str, strict: bool) -> str:
    """Return a SPARQL expression: a < b (strict) or a <= b, ordered as pyshacl orders them.

    pyshacl compares strings and IRIs as text (a string against anything else never passes),
    numbers by value, and other literals of different datatypes by their datatype IRIs
    (rdflib's total order); otherwise SPARQL's operators decide.
    """
    op = "<" if strict else "<="

    def is_text(x: str) -> str:
        return f"(isIRI({x}) || LANG({x}) != \"\" || datatype({x}) = <http://www.w3.org/2001/XMLSchema#string>)"

    return (f"IF({is_text(a)} || {is_text(b)}, "
            f"{is_text(a)} && {is_text(b)} && STR({a}) {op} STR({b}), "
            f"IF(datatype({a}) IN ({NUMERIC}) && datatype({b}) IN ({NUMERIC}), COALESCE({a} {op} {b}, false), "
            f"IF(datatype({a}) != datatype({b}), STR(datatype({a})) < STR(datatype({b})), "
            f"COALESCE({a} {op} {b}, false))))")


def _value_query(target: str, path: str, condition: str) -> str:
    return (f"SELECT DISTINCT ?this ?value WHERE {{ {target} GRAPH ?__g {{ ?this {path} ?value }} "
            f"FILTER (?__g != <{ns.ONTOLOGY_GRAPH}>) {condition} }}")


def _compile_property(g, node_shape, prop, target) -> list[Check]:
    path, path_text = _path(g, g.value(prop, SH.path))
    severity, message, name = shape_severity(g, prop), shape_messages(g, prop), str(prop)
    checks: list[Check] = []

    def add(component: str, sparql: str) -> None:
        checks.append(Check(sparql=sparql, severity=severity, source_shape=name, component=SHACL + component,
                            message=message, path=path_text))

    values = f"OPTIONAL {{ GRAPH ?__g {{ ?this {path} ?value }} FILTER (?__g != <{ns.ONTOLOGY_GRAPH}>) }}"
    for p, o in g.predicate_objects(prop):
        if p in (SH.path, SH.name, SH.description, SH.message, SH.severity, RDF.type, SH.qualifiedMinCount):
            continue
        if path_text == str(RDF.type) and p != SH.hasValue:
            # pyshacl's working copy completes every type with its superclasses; only sh:hasValue
            # reads them that way here (below).
            raise NotImplementedError(f"{prop}: {p} on the path rdf:type is not compiled")
        if p == SH.hasValue and path_text == str(RDF.type):
            add("HasValueConstraintComponent",
                f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {_is_a('?this', o)} }}")
            continue
        if p == SH.minCount:
            add("MinCountConstraintComponent", f"SELECT ?this WHERE {{ {target} {values} }} GROUP BY ?this "
                                               f"HAVING (COUNT(DISTINCT ?value) < {int(o)})")
        elif p == SH.maxCount:
            add("MaxCountConstraintComponent", f"SELECT ?this WHERE {{ {target} {values} }} GROUP BY ?this "
                                               f"HAVING (COUNT(DISTINCT ?value) > {int(o)})")
        elif p == SH["class"]:
            add("ClassConstraintComponent", _value_query(target, path, f"FILTER NOT EXISTS {_is_a('?value', o)}"))
        elif p == SH.node:
            scheme_path, scheme = (_n3(term) for term in scheme_of_node_shape(g, o))
            add("NodeConstraintComponent", _value_query(target, path, f"FILTER NOT EXISTS {{ ?value {scheme_path} {scheme} }}"))
        elif p == SH.datatype:
            add("DatatypeConstraintComponent", _value_query(
                target, path, f"FILTER (!isLiteral(?value) || datatype(?value) != {_n3(o)})"))
        elif p == SH["in"]:
            members = ", ".join(_n3(m) for m in rdf_list(g, o))
            add("InConstraintComponent", _value_query(target, path, f"FILTER (?value NOT IN ({members}))"))
        elif p == SH["not"]:
            inner = set(g.predicates(o)) - {RDF.type}
            if inner != {SH["in"]}:
                raise NotImplementedError(f"{prop}: sh:not is compiled for sh:in only")
            members = ", ".join(_n3(m) for m in rdf_list(g, g.value(o, SH["in"])))
            add("NotConstraintComponent", _value_query(target, path, f"FILTER (?value IN ({members}))"))
        elif p == SH.pattern:
            add("PatternConstraintComponent", _value_query(
                target, path, f"FILTER (isBlank(?value) || !REGEX(STR(?value), {_n3(rdflib.Literal(str(o)))}))"))
        elif p == SH.minLength:
            add("MinLengthConstraintComponent", _value_query(
                target, path, f"FILTER (isBlank(?value) || STRLEN(STR(?value)) < {int(o)})"))
        elif p == SH.minInclusive:
            add("MinInclusiveConstraintComponent", _value_query(
                target, path, f"FILTER (!COALESCE(?value >= {_n3(o)}, false))"))
        elif p == SH.maxInclusive:
            add("MaxInclusiveConstraintComponent", _value_query(
                target, path, f"FILTER (!COALESCE(?value <= {_n3(o)}, false))"))
        elif p in (SH.lessThan, SH.lessThanOrEquals):
            component = "LessThanConstraintComponent" if p == SH.lessThan else "LessThanOrEqualsConstraintComponent"
            add(component, _value_query(target, path, f"GRAPH ?__h {{ ?this {_n3(o)} ?other }} "
                                                      f"FILTER (?__h != <{ns.ONTOLOGY_GRAPH}>) "
                                                      f"FILTER (!({_ordered('?value', '?other', p == SH.lessThan)}))"))
        elif p == SH.uniqueLang:
            if o.toPython() is True:
                add("UniqueLangConstraintComponent",
                    f"SELECT ?this WHERE {{ {{ SELECT DISTINCT ?this ?value WHERE {{ {target} "
                    f"GRAPH ?__g {{ ?this {path} ?value }} "
                    f"FILTER (?__g != <{ns.ONTOLOGY_GRAPH}>) FILTER (LANG(?value) != \"\") }} }} }} "
                    f"GROUP BY ?this (LANG(?value)) HAVING (COUNT(?value) > 1)")
        elif p == SH.nodeKind:
            if o != SH.IRI:
                raise NotImplementedError(f"{prop}: sh:nodeKind {o}")
            add("NodeKindConstraintComponent", _value_query(target, path, "FILTER (!isIRI(?value))"))
        elif p == SH.hasValue:
            add("HasValueConstraintComponent",
                f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {path} {_n3(o)} }} }}")
        elif p == SH.qualifiedValueShape:
            cls = g.value(o, SH["class"])
            if cls is None or set(g.predicates(o)) - {SH["class"], RDF.type}:
                raise NotImplementedError(f"{prop}: sh:qualifiedValueShape is compiled for sh:class only")
            minimum = int(g.value(prop, SH.qualifiedMinCount))
            add("QualifiedMinCountConstraintComponent",
                f"SELECT ?this WHERE {{ {target} OPTIONAL {{ GRAPH ?__g {{ ?this {path} ?value }} "
                f"FILTER (?__g != <{ns.ONTOLOGY_GRAPH}>) {_is_a('?value', cls)} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {minimum})")
        else:
            raise NotImplementedError(f"{prop}: {p} is not compiled")
    return checks


_TYPE_IN_SPARQL = re.compile(r"rdf:type\s+(skg:\w+)")


def _compile_sparql(g, node_shape, constraint, target) -> Check:
    select = str(g.value(constraint, SH.select))
    prefixes = ""
    for declaration in g.objects(g.value(constraint, SH.prefixes), SH.declare):
        prefixes += f"PREFIX {g.value(declaration, SH.prefix)}: <{g.value(declaration, SH.namespace)}>\n"
    # Class membership as pyshacl sees it in the working copy (types completed with superclasses).
    select = _TYPE_IN_SPARQL.sub(lambda m: f"rdf:type/rdfs:subClassOf* {m.group(1)}", select)
    prefixes += "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    inner = select.replace("$this", "?this")
    sparql = f"{prefixes}SELECT DISTINCT ?this ?path ?value WHERE {{ {target} {{ {inner} }} }}"
    return Check(sparql=sparql, severity=shape_severity(g, node_shape), source_shape=str(node_shape),
                 component=SHACL + "SPARQLConstraintComponent", message=shape_messages(g, constraint), path=None,
                 source_constraint=str(constraint))


def _compile_node_level(g, shape, target) -> list[Check]:
    severity, message, name = shape_severity(g, shape), shape_messages(g, shape), str(shape)
    checks = []
    for p, o in g.predicate_objects(shape):
        if p == SH.nodeKind:
            if o != SH.IRI:
                raise NotImplementedError(f"{shape}: sh:nodeKind {o}")
            condition, component = "FILTER (!isIRI(?this))", "NodeKindConstraintComponent"
        elif p == SH.pattern:
            condition = f"FILTER (isBlank(?this) || !REGEX(STR(?this), {_n3(rdflib.Literal(str(o)))}))"
            component = "PatternConstraintComponent"
        elif p == SH["not"]:
            cls = g.value(o, SH["class"])
            if cls is None or set(g.predicates(o)) - {SH["class"], RDF.type}:
                raise NotImplementedError(f"{shape}: sh:not is compiled for sh:class only")
            condition, component = f"FILTER EXISTS {_is_a('?this', cls)}", "NotConstraintComponent"
        elif p in (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.property, SH.sparql, SH.message,
                   SH.severity, RDF.type, rdflib.RDFS.label, rdflib.RDFS.comment):
            continue
        else:
            raise NotImplementedError(f"{shape}: {p} is not compiled")
        checks.append(Check(sparql=f"SELECT ?this WHERE {{ {target} {condition} }}", severity=severity,
                            source_shape=name, component=SHACL + component, message=message, path=None,
                            value_is_focus=True))
    return checks


@functools.lru_cache(maxsize=4)
def compiled_checks(hierarchy: frozenset[tuple[str, str]] = frozenset()) -> tuple[Check, ...]:
    """Given (class, superclass) pairs, return every constraint of the shapes file compiled to a
    SPARQL query (compiled once per hierarchy)."""
    global _subclasses
    subclasses: dict[str, set[str]] = {}
    for sub, supers in superclass_map(hierarchy).items():
        for sup in supers:
            subclasses.setdefault(sup, {sup}).add(sub)
    _subclasses = {c: tuple(sorted(members)) for c, members in subclasses.items()}
    g = shapes_graph()
    checks: list[Check] = []
    targeted = set(g.subjects(SH.targetClass)) | set(g.subjects(SH.targetObjectsOf)) | set(g.subjects(SH.targetSubjectsOf))
    for shape in sorted(targeted, key=str):
        target = _target(g, shape)
        checks += _compile_node_level(g, shape, target)
        for prop in g.objects(shape, SH.property):
            checks += _compile_property(g, shape, prop, target)
        for constraint in g.objects(shape, SH.sparql):
            checks.append(_compile_sparql(g, shape, constraint, target))
    return tuple(checks)


def _text(term) -> str | None:
    if term is None:
        return None
    rd = to_rdflib(term)
    return str(rd) if isinstance(rd, rdflib.URIRef) else rd.n3()


def validate_store(store) -> ValidationReport:
    """Given a Store, return the full validation report, computed by SPARQL queries in the store.

    The store must hold the ontology graph (`sahelkg load` puts it there): class membership
    follows its rdfs:subClassOf triples.
    """
    subclass_of = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    has_ontology = store.query(f"ASK {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?c {subclass_of} ?d }} }}")
    if not has_ontology.boolean:
        raise ValueError(f"the store has no ontology graph <{ns.ONTOLOGY_GRAPH}>: load ontology/sahelkg.ttl first")
    return _run_checks(store.query, subclass_pairs(store))


def validate_working_set(quads, *, subclass_pairs, source_graphs) -> ValidationReport:
    """Given the gate's working set, return its full report, computed in a temporary store.

    `quads` are the working set's triples as the pyshacl path pulls them (types not completed),
    each in a named graph other than the ontology graph; `subclass_pairs` are the (class,
    superclass) IRIs the pyshacl path completes types with; `source_graphs` the source graphs
    the pyshacl path marks skgv:StoredSourceGraph. The temporary store is laid out as
    validate_store expects: the hierarchy alone in the ontology graph (class membership and
    rdfs:subClassOf* see exactly the pyshacl path's hierarchy, and no other ontology triple),
    and each marked source graph holding its marker triple (so the source-graph target finds it
    non-empty, and the data holds what the pyshacl working graph holds). Any other non-empty
    graph under graph/source/ is a focus node too, as in validate_store.

    >>> validate_working_set([], subclass_pairs=[], source_graphs=[]).results
    []
    """
    import pyoxigraph as ox

    from sahelkg.store import materialise

    ontology = ox.NamedNode(ns.ONTOLOGY_GRAPH)
    subclass_of = ox.NamedNode(SUBCLASS_OF)
    rdf_type, marker = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(str(STORED_SOURCE_GRAPH))
    pairs = sorted(set(subclass_pairs))
    store = ox.Store()  # in memory; queried directly (the queries are ours: no dataset clause to look for)
    store.bulk_extend(ox.Quad(ox.NamedNode(c), subclass_of, ox.NamedNode(d), ontology) for c, d in pairs)
    store.bulk_extend(ox.Quad(g, rdf_type, marker, g) for g in source_graphs)
    store.bulk_extend(quads)
    # Oxigraph evaluates without the GIL: the checks run side by side, one per core.
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return _run_checks(lambda sparql: materialise(store.query(sparql, use_default_graph_as_union=True)), pairs,
                           map_=pool.map)


# The named graph that holds the gate's working set in its temporary store (not under graph/source/).
WORKING_GRAPH = "urn:sahelkg:gate:working-set"


def _run_checks(query, subclass_pairs, map_=map) -> ValidationReport:
    """Given a function from SPARQL text to a QueryResult on the union graph, and the hierarchy,
    return the report (`map_` may run the queries concurrently; results keep the checks' order)."""
    results: list[ValidationResult] = []
    checks = compiled_checks(frozenset(subclass_pairs))
    for check, answer in zip(checks, map_(query, [check.sparql for check in checks]), strict=True):
        names = answer.variables
        for row in answer.rows:
            binding = dict(zip(names, row, strict=True))
            focus = binding.get("this")
            if focus is None:
                continue
            value = focus if check.value_is_focus else binding.get("value")
            if value is None and check.source_constraint is not None:
                value = focus  # as pyshacl reports a node shape's SPARQL result without ?value
            path = check.path
            if check.source_constraint is not None:
                bound_path = binding.get("path")
                path = None if bound_path is None else bound_path.value
            results.append(ValidationResult(
                focus_node=focus.value, severity=check.severity, source_shape=check.source_shape,
                message=check.message, path=path, value=_text(value), constraint_component=check.component,
                source_constraint=check.source_constraint))
    results.sort(key=result_order)
    return ValidationReport(results=results)
