"""The shapes compiled to Python checks over N-Triples text: the gate's engine for big changes.

An import of 100,000 ACLED rows is a change of 7.5 million quads. pyshacl validates about 23
rows a second; the shapes compiled to SPARQL (sahelkg.validation_sparql) first need every quad
loaded into a temporary Oxigraph store (3 µs a quad) and then run 244 queries. This engine reads
the data through a `GraphView` (what a node's triples are, as sahelkg.encoded text) and runs
every constraint of shapes/sahelkg-shapes.ttl as a Python check on each focus node, so the gate
reads each added triple about once.

It gives the results pyshacl gives (tests/shacl runs every fixture and random changes through
both). It compiles only the constraint forms the shapes file uses, and its SHACL-SPARQL
constraints are written out by hand below, each pinned to the SHA-256 of its query text: a new
form, or an edited query, raises NotImplementedError when compiling, and data it cannot judge
the way SPARQL would (a sum of decimals, a date with a time zone) raises Unsupported while
checking; the gate then uses the compiled SPARQL engine instead.

>>> view = TripleView([("<https://w3id.org/sahelkg/id/count/c>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
...                     "<https://w3id.org/sahelkg/ontology#Count>")])
>>> report = validate(view, ["<https://w3id.org/sahelkg/id/count/c>"], subclass_pairs=[])
>>> sorted({r.path.rsplit("#", 1)[-1] for r in report.results if r.path})[:3]
['countOf', 'minimum', 'originalWording']
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import rdflib
from rdflib.namespace import RDF, SH

from sahelkg import encoded
from sahelkg import namespaces as ns
from sahelkg import validation
from sahelkg.validation import ValidationReport, ValidationResult
from sahelkg.validation_sparql import rdf_list, shape_messages, shape_severity

SHACL = str(SH)
XSD = encoded.XSD
RDF_TYPE = "<" + str(RDF.type) + ">"
SKG = ns.SKG
STORED_SOURCE_GRAPH = "<" + str(validation.STORED_SOURCE_GRAPH) + ">"
_INTEGER_TYPES = {XSD + t for t in ("integer", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
                                    "unsignedShort", "unsignedByte")}
_NUMERIC_TYPES = _INTEGER_TYPES | {XSD + "decimal", XSD + "double", XSD + "float"}
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN")
_DATE_TEXT = re.compile(r"-?\d{4,}-\d{2}-\d{2}")


class Unsupported(Exception):
    """The data holds a value this engine cannot judge exactly as SPARQL would; use another engine."""


# ---------------------------------------------------------------------------------------------
# What the checks read
# ---------------------------------------------------------------------------------------------

class GraphView:
    """Triples as N-Triples text, read by node: the working set of a validation."""

    def objects(self, node: str, predicate: str) -> list[str]:
        """Given a subject and a predicate (both encoded), return the distinct objects."""
        raise NotImplementedError

    def subjects(self, predicate: str, node: str) -> list[str]:
        """Given a predicate and an object, return the distinct subjects (only for INVERSE_PREDICATES)."""
        raise NotImplementedError


# The predicates the checks read backwards (inverse property paths, targetObjectsOf, SPARQL).
INVERSE_PREDICATES = frozenset(f"<{SKG}{name}>" for name in ("qualifiedAffiliation", "disputes", "partOf", "anchor"))


class TripleView(GraphView):
    """A view over given triples (a whole dataset, or a test's working set).

    >>> TripleView([("<http://a>", "<http://p>", '"x"'), ("<http://a>", "<http://p>", '"x"')]).objects("<http://a>", "<http://p>")
    ['"x"']
    """

    def __init__(self, triples: Iterable[tuple[str, str, str]]):
        self._forward, self._backward = index_triples(set(triples))

    def objects(self, node, predicate):
        return self._forward.get(node, {}).get(predicate, [])

    def subjects(self, predicate, node):
        return self._backward.get((predicate, node), [])


def index_triples(triples: Iterable[tuple[str, str, str]]) -> tuple[dict, dict]:
    """Given encoded triples, return (subject -> predicate -> objects, (predicate, object) -> subjects)
    (the second for INVERSE_PREDICATES only). Repeated triples are repeated in the lists."""
    forward: dict[str, dict[str, list[str]]] = {}
    backward: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s, p, o in triples:
        by_predicate = forward.get(s)
        if by_predicate is None:
            by_predicate = forward[s] = {}
        values = by_predicate.get(p)
        if values is None:
            by_predicate[p] = [o]
        else:
            values.append(o)
        if p in INVERSE_PREDICATES:
            backward[(p, o)].append(s)
    return forward, dict(backward)


# ---------------------------------------------------------------------------------------------
# Values as SPARQL compares them
# ---------------------------------------------------------------------------------------------

def _numeric(term: str):
    """Given an encoded term, return its number, None when it is no numeric literal, or raise
    _IllTyped when its datatype is numeric but its text is not a number of that type."""
    if term[0] != '"':
        return None
    lexical, datatype, _language = encoded.literal_parts(term)
    if datatype not in _NUMERIC_TYPES:
        return None
    text = lexical.strip()
    if datatype in _INTEGER_TYPES:
        if not _INTEGER_TEXT.fullmatch(text):
            raise _IllTyped
        return int(text)
    if datatype == XSD + "decimal":
        if not _DECIMAL_TEXT.fullmatch(text):
            raise _IllTyped
        return Decimal(text)
    if not _DOUBLE_TEXT.fullmatch(text):
        raise _IllTyped
    return float(text.replace("INF", "inf"))


class _IllTyped(Exception):
    """A literal's text is not in its datatype's lexical space: SPARQL comparisons with it are errors."""


def _date(term: str) -> _dt.date | None:
    """Given an encoded xsd:date literal, return the date (None when ill-typed; Unsupported with a time zone)."""
    lexical = encoded.literal_parts(term)[0]
    if not _DATE_TEXT.fullmatch(lexical):
        if _DATE_TEXT.match(lexical):
            raise Unsupported(f"date with a time zone: {term}")
        return None
    try:
        return _dt.date.fromisoformat(lexical)
    except ValueError:
        return None


def _datatype(term: str) -> str | None:
    return encoded.literal_parts(term)[1] if term[0] == '"' else None


def _compare(a: str, b: str) -> int | None:
    """Given two encoded literals, return -1, 0 or 1 as SPARQL orders them, None for a type error."""
    try:
        x, y = _numeric(a), _numeric(b)
    except _IllTyped:
        return None
    if x is not None and y is not None:
        return (x > y) - (x < y)
    if x is not None or y is not None:
        return None
    da, db = _datatype(a), _datatype(b)
    if da is None or db is None or da != db:
        return None
    if da == XSD + "date":
        x, y = _date(a), _date(b)
        if x is None or y is None:
            return None
        return (x > y) - (x < y)
    if da in (encoded.XSD_STRING, XSD + "boolean"):
        x, y = encoded.literal_parts(a)[0], encoded.literal_parts(b)[0]
        if da == XSD + "boolean":
            if x not in ("true", "false", "1", "0") or y not in ("true", "false", "1", "0"):
                return None
            x, y = x in ("true", "1"), y in ("true", "1")
        return (x > y) - (x < y)
    raise Unsupported(f"comparing literals of datatype {da}")


def _equal(a: str, b: str) -> bool | None:
    """Given two encoded terms, return SPARQL's a = b (None for a type error)."""
    if a == b:
        return True
    if a[0] != '"' or b[0] != '"':
        return False
    try:
        x, y = _numeric(a), _numeric(b)
    except _IllTyped:
        return None
    if x is not None and y is not None:
        return x == y
    da, db = _datatype(a), _datatype(b)
    plain = (encoded.XSD_STRING, encoded.RDF_LANG_STRING)
    if da in plain and db in plain:
        return False
    if x is not None or y is not None or da != db:
        return None if {da, db} - set(plain) - _NUMERIC_TYPES else False
    order = _compare(a, b)
    return None if order is None else order == 0


def _is_text(term: str) -> bool | None:
    if term[0] == "<":
        return True
    if term[0] != '"':
        return None
    return _datatype(term) in (encoded.XSD_STRING, encoded.RDF_LANG_STRING)


def _ordered(a: str, b: str, strict: bool) -> bool | None:
    """Given two encoded terms, return whether a < b (strict) or a <= b as pyshacl orders them
    (None: an error, which reports nothing): strings and IRIs as text, numbers by value, other
    literals of different datatypes by their datatype IRIs."""
    ta, tb = _is_text(a), _is_text(b)
    if ta is None or tb is None:
        return None
    if ta or tb:
        if not (ta and tb):
            return False
        x, y = encoded.lexical_form(a), encoded.lexical_form(b)
        return x < y if strict else x <= y
    da, db = _datatype(a), _datatype(b)
    if da in _NUMERIC_TYPES and db in _NUMERIC_TYPES or da == db:
        order = _compare(a, b)
        if order is None:
            return False
        return order < 0 if strict else order <= 0
    return da < db


# ---------------------------------------------------------------------------------------------
# Compiling the shapes
# ---------------------------------------------------------------------------------------------

@dataclass
class Context:
    """What a check sees: the view, class membership, and where its results go."""

    view: GraphView
    is_a: Callable[[str, str], bool]
    out: list

    def report(self, check: "Check", focus: str, value: str | None, path: str | None = None) -> None:
        self.out.append((check, focus, value, path))


@dataclass(frozen=True)
class Check:
    """What a compiled constraint reports with each result."""

    severity: str
    source_shape: str
    component: str
    message: str
    path: str | None
    source_constraint: str | None = None


@dataclass(eq=False)
class NodeShape:
    """A node shape's targets and its checks (each a function of the focus node and the context)."""

    name: str
    target_classes: tuple[str, ...]
    target_objects_of: tuple[str, ...]
    checks: list


def _enc(term) -> str:
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return encoded.literal(str(term), str(term.datatype) if term.datatype else None, term.language)
    raise NotImplementedError(f"cannot compile term {term!r}")


def _path(g: rdflib.Graph, path) -> tuple[str, bool, str]:
    """Given a SHACL path, return (encoded predicate, inverse?, report text)."""
    if isinstance(path, rdflib.URIRef):
        return _enc(path), False, str(path)
    inverse = g.value(path, SH.inversePath)
    if isinstance(inverse, rdflib.URIRef):
        if _enc(inverse) not in INVERSE_PREDICATES:
            raise NotImplementedError(f"inverse path {inverse}: add it to INVERSE_PREDICATES")
        return _enc(inverse), True, "^" + str(inverse)
    raise NotImplementedError(f"path {path!r} is not compiled")


def _regex(pattern: str, flags) -> re.Pattern:
    if flags is not None:
        raise NotImplementedError("sh:flags is not compiled")
    return re.compile(pattern)  # pyshacl matches with Python's re.search as well


def _compile_property(g: rdflib.Graph, prop) -> Callable[[str, Context], None]:
    predicate, inverse, path_text = _path(g, g.value(prop, SH.path))
    severity, message, name = shape_severity(g, prop), shape_messages(g, prop), str(prop)
    steps: list[Callable[[str, list[str], Context], None]] = []

    def check(component: str) -> Check:
        return Check(severity, name, SHACL + component, message, path_text)

    def per_value(component: str, bad: Callable[[str, Context], bool]) -> None:
        c = check(component)

        def run(focus, values, ctx):
            for value in values:
                if bad(value, ctx):
                    ctx.report(c, focus, value)
        steps.append(run)

    for p, o in g.predicate_objects(prop):
        if p in (SH.path, SH.name, SH.description, SH.message, SH.severity, RDF.type, SH.qualifiedMinCount):
            continue
        if path_text == str(RDF.type) and p != SH.hasValue:
            raise NotImplementedError(f"{prop}: {p} on the path rdf:type is not compiled")
        if p == SH.hasValue and path_text == str(RDF.type):
            c, cls = check("HasValueConstraintComponent"), str(o)

            def run(focus, values, ctx, c=c, cls=cls):
                if not ctx.is_a(focus, cls):
                    ctx.report(c, focus, None)
            steps.append(run)
        elif p == SH.minCount:
            c, bound = check("MinCountConstraintComponent"), int(o)

            def run(focus, values, ctx, c=c, bound=bound):
                if len(values) < bound:
                    ctx.report(c, focus, None)
            steps.append(run)
        elif p == SH.maxCount:
            c, bound = check("MaxCountConstraintComponent"), int(o)

            def run(focus, values, ctx, c=c, bound=bound):
                if len(values) > bound:
                    ctx.report(c, focus, None)
            steps.append(run)
        elif p == SH["class"]:
            cls = str(o)
            per_value("ClassConstraintComponent", lambda v, ctx, cls=cls: not ctx.is_a(v, cls))
        elif p == SH.node:
            scheme_path, scheme = _scheme_of_node_shape(g, o)
            per_value("NodeConstraintComponent",
                      lambda v, ctx, sp=scheme_path, s=scheme: s not in ctx.view.objects(v, sp))
        elif p == SH.datatype:
            wanted = str(o)
            per_value("DatatypeConstraintComponent", lambda v, ctx, d=wanted: v[0] != '"' or _datatype(v) != d)
        elif p == SH["in"]:
            members = frozenset(_members(g, o, prop))
            per_value("InConstraintComponent", lambda v, ctx, m=members: v not in m)
        elif p == SH["not"]:
            if set(g.predicates(o)) - {RDF.type} != {SH["in"]}:
                raise NotImplementedError(f"{prop}: sh:not is compiled for sh:in only")
            members = frozenset(_members(g, g.value(o, SH["in"]), prop))
            per_value("NotConstraintComponent", lambda v, ctx, m=members: v in m)
        elif p == SH.pattern:
            regex = _regex(str(o), g.value(prop, SH.flags))
            per_value("PatternConstraintComponent",
                      lambda v, ctx, r=regex: v.startswith("_:") or not r.search(encoded.lexical_form(v)))
        elif p == SH.minLength:
            bound = int(o)
            per_value("MinLengthConstraintComponent",
                      lambda v, ctx, b=bound: v.startswith("_:") or len(encoded.lexical_form(v)) < b)
        elif p == SH.minInclusive:
            bound = _enc(o)
            per_value("MinInclusiveConstraintComponent",
                      lambda v, ctx, b=bound: v[0] != '"' or _compare(v, b) not in (0, 1))
        elif p in (SH.lessThan, SH.lessThanOrEquals):
            strict = p == SH.lessThan
            component = "LessThanConstraintComponent" if strict else "LessThanOrEqualsConstraintComponent"
            c, other_predicate = check(component), _enc(o)

            def run(focus, values, ctx, c=c, other_predicate=other_predicate, strict=strict):
                others = ctx.view.objects(focus, other_predicate)
                for value in values:
                    if any(_ordered(value, other, strict) is False for other in others):
                        ctx.report(c, focus, value)
            steps.append(run)
        elif p == SH.uniqueLang:
            if o.toPython() is True:
                c = check("UniqueLangConstraintComponent")

                def run(focus, values, ctx, c=c):
                    counts: dict[str, int] = defaultdict(int)
                    for value in values:
                        if value[0] == '"' and (language := encoded.literal_parts(value)[2]):
                            counts[language] += 1
                    for _language in (language for language, n in counts.items() if n > 1):
                        ctx.report(c, focus, None)  # one result per repeated language
                steps.append(run)
        elif p == SH.nodeKind:
            if o != SH.IRI:
                raise NotImplementedError(f"{prop}: sh:nodeKind {o}")
            per_value("NodeKindConstraintComponent", lambda v, ctx: v[0] != "<")
        elif p == SH.hasValue:
            c, wanted = check("HasValueConstraintComponent"), _enc(o)

            def run(focus, values, ctx, c=c, wanted=wanted):
                if wanted not in values:
                    ctx.report(c, focus, None)
            steps.append(run)
        elif p == SH.qualifiedValueShape:
            cls = g.value(o, SH["class"])
            if cls is None or set(g.predicates(o)) - {SH["class"], RDF.type}:
                raise NotImplementedError(f"{prop}: sh:qualifiedValueShape is compiled for sh:class only")
            c, minimum, cls = check("QualifiedMinCountConstraintComponent"), int(g.value(prop, SH.qualifiedMinCount)), str(cls)

            def run(focus, values, ctx, c=c, minimum=minimum, cls=cls):
                if sum(1 for v in values if ctx.is_a(v, cls)) < minimum:
                    ctx.report(c, focus, None)
            steps.append(run)
        else:
            raise NotImplementedError(f"{prop}: {p} is not compiled")

    def run_property(focus: str, ctx: Context) -> None:
        if inverse:
            values = ctx.view.subjects(predicate, focus)
        else:
            values = ctx.view.objects(focus, predicate) if focus[0] != '"' else []
        for step in steps:
            step(focus, values, ctx)
    return run_property


def _members(g: rdflib.Graph, head, prop) -> list[str]:
    members = [_enc(m) for m in rdf_list(g, head)]
    if any(m[0] != "<" for m in members):
        raise NotImplementedError(f"{prop}: sh:in is compiled for IRIs only")  # literal IN compares by value
    return members


def _scheme_of_node_shape(g: rdflib.Graph, node_shape) -> tuple[str, str]:
    """Given a helper node shape `[ sh:property [ sh:path P ; sh:hasValue V ] ]`, return (P, V) encoded."""
    props = list(g.objects(node_shape, SH.property))
    if len(props) != 1 or set(g.predicates(node_shape)) - {SH.property, RDF.type, rdflib.RDFS.label}:
        raise NotImplementedError(f"sh:node {node_shape} is not a compiled form")
    path, value = g.value(props[0], SH.path), g.value(props[0], SH.hasValue)
    if not isinstance(path, rdflib.URIRef) or value is None:
        raise NotImplementedError(f"sh:node {node_shape} is not a compiled form")
    return _enc(path), _enc(value)


def _compile_node_level(g: rdflib.Graph, shape) -> list[Callable[[str, Context], None]]:
    severity, message, name = shape_severity(g, shape), shape_messages(g, shape), str(shape)
    checks = []
    for p, o in g.predicate_objects(shape):
        if p == SH.nodeKind:
            if o != SH.IRI:
                raise NotImplementedError(f"{shape}: sh:nodeKind {o}")
            c = Check(severity, name, SHACL + "NodeKindConstraintComponent", message, None)
            bad = lambda focus, ctx: focus[0] != "<"  # noqa: E731
        elif p == SH.pattern:
            c = Check(severity, name, SHACL + "PatternConstraintComponent", message, None)
            regex = _regex(str(o), g.value(shape, SH.flags))
            bad = lambda focus, ctx, r=regex: focus.startswith("_:") or not r.search(encoded.lexical_form(focus))  # noqa: E731
        elif p == SH["not"]:
            cls = g.value(o, SH["class"])
            if cls is None or set(g.predicates(o)) - {SH["class"], RDF.type}:
                raise NotImplementedError(f"{shape}: sh:not is compiled for sh:class only")
            c = Check(severity, name, SHACL + "NotConstraintComponent", message, None)
            bad = lambda focus, ctx, cls=str(cls): ctx.is_a(focus, cls)  # noqa: E731
        elif p in (SH.targetClass, SH.targetObjectsOf, SH.property, SH.sparql, SH.message, SH.severity, RDF.type,
                   rdflib.RDFS.label, rdflib.RDFS.comment):
            continue
        else:
            raise NotImplementedError(f"{shape}: {p} is not compiled")

        def run(focus, ctx, c=c, bad=bad):
            if bad(focus, ctx):
                ctx.report(c, focus, focus)
        checks.append(run)
    return checks


def _compile_sparql(g: rdflib.Graph, shape, constraint) -> Callable[[str, Context], None]:
    select = str(g.value(constraint, SH.select))
    digest = hashlib.sha256(select.strip().encode()).hexdigest()
    ported = SPARQL_CONSTRAINTS.get(str(constraint))
    if ported is None or ported[0] != digest:
        raise NotImplementedError(f"{constraint}: its SPARQL has no Python version here (query SHA-256 {digest})")
    c = Check(shape_severity(g, shape), str(shape), SHACL + "SPARQLConstraintComponent", shape_messages(g, constraint), None,
              source_constraint=str(constraint))
    function = ported[1]

    def run(focus, ctx):
        for path, value in function(focus, ctx):
            ctx.report(c, focus, value, path)
    return run


@functools.lru_cache(maxsize=4)
def compiled_shapes(hierarchy: frozenset[tuple[str, str]] = frozenset()) -> tuple[NodeShape, ...]:
    """Return every node shape of the shapes file with its compiled checks (NotImplementedError
    when the file uses a form this engine lacks)."""
    del hierarchy  # class membership is looked up while checking; the key keeps one cache entry per hierarchy
    g = validation.shapes_graph()
    shapes = []
    for shape in sorted(set(g.subjects(SH.targetClass)) | set(g.subjects(SH.targetObjectsOf)), key=str):
        for unsupported in (SH.targetNode, SH.targetSubjectsOf, SH.target):
            if (shape, unsupported, None) in g:
                raise NotImplementedError(f"{shape}: {unsupported} is not compiled")
        checks = _compile_node_level(g, shape)
        checks += [_compile_property(g, prop) for prop in g.objects(shape, SH.property)]
        checks += [_compile_sparql(g, shape, constraint) for constraint in g.objects(shape, SH.sparql)]
        shapes.append(NodeShape(str(shape), tuple(sorted(str(c) for c in g.objects(shape, SH.targetClass))),
                                tuple(sorted(_enc(p) for p in g.objects(shape, SH.targetObjectsOf))), checks))
    return tuple(shapes)


def available() -> bool:
    """Return True when every constraint of the shapes file compiles to this engine."""
    try:
        compiled_shapes()
    except NotImplementedError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Validating
# ---------------------------------------------------------------------------------------------

def validate(view: GraphView, focus_nodes: Iterable[str], *, subclass_pairs: Iterable[tuple[str, str]],
             source_graphs: Iterable[str] = ()) -> ValidationReport:
    """Given a view, encoded focus nodes, the (class, superclass) IRI pairs and the encoded source
    graphs that hold triples, return the results of those focus nodes, as pyshacl reports them."""
    pairs = frozenset(subclass_pairs)
    shapes = compiled_shapes(pairs)
    superclasses = validation.superclass_map(pairs)
    marked = set(source_graphs)

    @functools.lru_cache(maxsize=4096)
    def closure(direct: frozenset[str]) -> frozenset[str]:
        classes = set(direct)
        for cls in direct:
            classes.update(superclasses.get(cls, ()))
        return frozenset(classes)

    @functools.lru_cache(maxsize=4096)
    def shapes_for(classes: frozenset[str]) -> tuple[NodeShape, ...]:
        return tuple(s for s in shapes if any(c in classes for c in s.target_classes))

    type_cache: dict[str, frozenset[str]] = {}

    def classes_of(node: str) -> frozenset[str]:
        found = type_cache.get(node)
        if found is None:
            direct = frozenset(t[1:-1] for t in view.objects(node, RDF_TYPE) if t[0] == "<") if node[0] != '"' \
                else frozenset()
            if node in marked:
                direct |= {STORED_SOURCE_GRAPH[1:-1]}
            found = type_cache[node] = closure(direct)
        return found

    def is_a(node: str, cls: str) -> bool:
        return cls in classes_of(node)

    by_objects_of = [s for s in shapes if s.target_objects_of]
    out: list = []
    ctx = Context(view, is_a, out)
    focus = list(dict.fromkeys(focus_nodes))
    for node in focus:
        chosen = shapes_for(classes_of(node))
        extra = [s for s in by_objects_of if s not in chosen and any(view.subjects(p, node) for p in s.target_objects_of)]
        for shape in (*chosen, *extra):
            for check in shape.checks:
                check(node, ctx)
    results = [_result(check, focus_node, value, path) for check, focus_node, value, path in out]
    results.sort(key=lambda r: (validation.SEVERITIES.index(r.severity), r.focus_node, r.path or "", r.source_shape))
    return ValidationReport(results=results, focus_nodes=len(focus))


def _plain(term: str) -> str:
    """Given an encoded term, return the text a report gives a focus node (an IRI or blank node's
    name, a literal's lexical form)."""
    if term.startswith("_:"):
        return term[2:]
    return encoded.lexical_form(term)


def _value_text(term: str) -> str:
    if term[0] == "<":
        return term[1:-1]
    return validation.to_rdflib(encoded.decode(term)).n3()


def _result(check: Check, focus: str, value: str | None, path: str | None) -> ValidationResult:
    if value is None and check.source_constraint is not None:
        value = focus  # as pyshacl reports a SPARQL result without ?value
    return ValidationResult(
        focus_node=_plain(focus), severity=check.severity, source_shape=check.source_shape, message=check.message,
        path=path if check.source_constraint is not None else check.path,
        value=None if value is None else _value_text(value), constraint_component=check.component,
        source_constraint=check.source_constraint)


# ---------------------------------------------------------------------------------------------
# The SHACL-SPARQL constraints, by hand. Each takes the focus node and the context and yields
# (path IRI or None, encoded value or None) per result row, as its SELECT would (DISTINCT).
# ---------------------------------------------------------------------------------------------

def _p(name: str) -> str:
    return f"<{SKG}{name}>"


_DENIES = f"<{ns.VOCAB}stance/denies>"
_ACCUSES = f"<{ns.VOCAB}stance/accuses>"
_EXACT = f"<{ns.VOCAB}count-qualifier/exact>"
_OPEN_ENDED = (f"<{ns.VOCAB}count-qualifier/at-least>", f"<{ns.VOCAB}count-qualifier/more-than>")
_TRUE = encoded.literal("true", XSD + "boolean")


def _is_date(term: str | None) -> bool:
    return term is not None and _datatype(term) == XSD + "date"


def _before(a: str, b: str) -> bool:
    """SPARQL a < b for two xsd:date literals (an error counts as false)."""
    return _compare(a, b) == -1


def _stated_before_occurrence(this: str, ctx: Context):
    v = ctx.view
    ends = [e for st in v.objects(this, _p("statementTime")) for e in v.objects(st, _p("endDate"))] or [None]
    ons = v.objects(this, _p("statedOn")) or [None]
    latests = [end if end is not None else on for end in ends for on in ons]
    for value in v.objects(this, _p("about")):
        if not ctx.is_a(value, SKG + "Occurrence"):
            continue
        starts = [s for span in v.objects(value, _p("timeSpan")) for s in v.objects(span, _p("startDate"))]
        if any(_is_date(latest) and _is_date(start) and _before(latest, start) for latest in latests for start in starts):
            yield SKG + "about", value


def _stated_after_publication(this: str, ctx: Context):
    v = ctx.view
    ons = v.objects(this, _p("statedOn")) or [None]
    starts = [s for st in v.objects(this, _p("statementTime")) for s in v.objects(st, _p("startDate"))] or [None]
    earliests = [on if on is not None else start for on in ons for start in starts]
    for value in v.objects(this, _p("reportedIn")):
        ends = [e for pt in v.objects(value, _p("publicationTime")) for e in v.objects(pt, _p("endDate"))] or [None]
        published = v.objects(value, _p("datePublished")) or [None]
        latests = [end if end is not None else p for end in ends for p in published]
        if any(_is_date(e) and _is_date(l) and _before(l, e) for e in earliests for l in latests):
            yield SKG + "reportedIn", value


def _denial_disputes(this: str, ctx: Context):
    if _DENIES in ctx.view.objects(this, _p("stance")) and not ctx.view.objects(this, _p("disputes")):
        yield SKG + "disputes", None


def _denial_same_occurrence(this: str, ctx: Context):
    v = ctx.view
    if _DENIES not in v.objects(this, _p("stance")):
        return
    mine = set(v.objects(this, _p("about")))
    for value in v.objects(this, _p("disputes")):
        if not ctx.is_a(value, SKG + "Allegation") or not mine.intersection(v.objects(value, _p("about"))):
            yield SKG + "disputes", value


def _denied_actor_accused(this: str, ctx: Context):
    v = ctx.view
    accused = {a for d in v.objects(this, _p("disputes")) for a in v.objects(d, _p("accused"))}
    for value in v.objects(this, _p("deniedActor")):
        if value not in accused:
            yield SKG + "deniedActor", value


def _accuses_nobody(this: str, ctx: Context):
    if _ACCUSES in ctx.view.objects(this, _p("stance")) and not ctx.view.objects(this, _p("accused")):
        yield SKG + "accused", None


def _unqualified_accused(this: str, ctx: Context):
    v = ctx.view
    named = {a for q in v.objects(this, _p("qualifiedAccusation")) for a in v.objects(q, _p("accusedActor"))}
    for value in v.objects(this, _p("accused")):
        if value not in named:
            yield SKG + "accused", value


def _exact_bounds(this: str, ctx: Context):
    v = ctx.view
    if _EXACT not in v.objects(this, _p("qualifier")):
        return
    maximums = v.objects(this, _p("maximum"))
    found = []
    for minimum in v.objects(this, _p("minimum")):
        if not maximums:
            found.append(None)
        for maximum in maximums:
            if _equal(maximum, minimum) is False:
                found.append(maximum)
    for value in dict.fromkeys(found):
        yield SKG + "maximum", value


def _part_within_whole(this: str, ctx: Context):
    v = ctx.view
    minimums = v.objects(this, _p("minimum"))
    for whole in v.objects(this, _p("partOf")):
        if any(_compare(m, w) == 1 for m in minimums for w in v.objects(whole, _p("maximum"))):
            yield SKG + "partOf", whole


def _parts_within_whole(this: str, ctx: Context):
    v = ctx.view
    if _TRUE not in v.objects(this, _p("partsMutuallyExclusive")):
        return
    part_minimums = [m for part in v.subjects(_p("partOf"), this) for m in v.objects(part, _p("minimum"))]
    if not part_minimums:
        return
    try:
        numbers = [_numeric(m) for m in part_minimums]
    except _IllTyped:
        return  # SUM is an error: HAVING drops the group
    if any(n is None for n in numbers):
        return
    if any(_datatype(m) not in _INTEGER_TYPES for m in part_minimums):
        raise Unsupported("a sum of non-integer part minimums")
    total = encoded.literal(str(sum(numbers)), XSD + "integer")
    for maximum in v.objects(this, _p("maximum")):
        if _compare(total, maximum) == 1:
            yield SKG + "partsMutuallyExclusive", total


def _part_same_unit_and_outcome(this: str, ctx: Context):
    v = ctx.view
    found = []
    for whole in v.objects(this, _p("partOf")):
        for name in ("unit", "outcome"):
            for value in v.objects(this, _p(name)):
                if any(_equal(value, other) is False for other in v.objects(whole, _p(name))):
                    found.append((SKG + name, value))
    yield from dict.fromkeys(found)


def _open_ended_with_maximum(this: str, ctx: Context):
    v = ctx.view
    if any(q in _OPEN_ENDED for q in v.objects(this, _p("qualifier"))):
        for value in v.objects(this, _p("maximum")):
            yield SKG + "maximum", value


# Constraint IRI -> (SHA-256 of its sh:select text, stripped; the function above).
SPARQL_CONSTRAINTS: dict[str, tuple[str, Callable]] = {
    SKG + "ClaimShape-statedBeforeOccurrence":
        ("0d95278838671c861286c42552b22080988e70097f13224d69c278cdb35b8961", _stated_before_occurrence),
    SKG + "ClaimShape-statedAfterPublication":
        ("59e17022ac4eb6439d85d02524134ffcd72cc12405fd45654fc9ab3754c712a5", _stated_after_publication),
    SKG + "AllegationShape-denialDisputes":
        ("6ef65571994db02d286c5754d3a4765a4c9b9dfc67dc79972994c173418bc0d4", _denial_disputes),
    SKG + "AllegationShape-denialSameOccurrence":
        ("406ff12498f104358a0a4454b6af03870b6cebcd24becc40bc5dacaf89d1d746", _denial_same_occurrence),
    SKG + "AllegationShape-deniedActorAccused":
        ("0415aa786ea109a45b5eff3203b296cd1d49cba364cc9140aaee6ebe3dbb68cb", _denied_actor_accused),
    SKG + "AllegationWarningShape-accusesNobody":
        ("5cc75272a369a258dbb80f4f748de9fd0642d2b5201e59f12bf5ef66bcb9a319", _accuses_nobody),
    SKG + "AllegationWarningShape-unqualifiedAccused":
        ("b4012a7a9e285498d7bc1049b118bfd0724fc096a81222e5505ca0ca617a7c16", _unqualified_accused),
    SKG + "CountShape-exactBounds":
        ("80fc93ac5febba10ab13b0e1abaf8b70a904b14352c166e31c8fd26f1e7b134e", _exact_bounds),
    SKG + "CountShape-partWithinWhole":
        ("db559fc9234bf24e7a5a550076033ce1e11b37b956b07f4a8e4fb18726405bd1", _part_within_whole),
    SKG + "CountShape-partsWithinWhole":
        ("a602d565ca77d3e8626601f4fe51b38e2e6a21732a091f6882cf7effc0279d73", _parts_within_whole),
    SKG + "CountShape-partSameUnitAndOutcome":
        ("fd788aeb377b86af3c1f44b7a6a4bb70dacb40e0e05f5a1b9c30c08a1cffc4ab", _part_same_unit_and_outcome),
    SKG + "CountWarningShape-openEndedWithMaximum":
        ("c020021bedfe28b010f9a524397b97abbbbbaaf373cee5190c6334bb57cc5cf5", _open_ended_with_maximum),
}


def validate_quads(quads: Iterable) -> ValidationReport:
    """Given every quad of a dataset (pyoxigraph quads, ontology graph included or not), return its
    full report, as validation.validate_quads (pyshacl) returns it.

    >>> validate_quads([]).results
    []
    """
    ontology = encoded.iri(ns.ONTOLOGY_GRAPH)
    subclass_of = encoded.iri(validation.SUBCLASS_OF)
    triples, pairs, sources = [], [], set()
    seen_ontology = False
    for quad in quads:
        s, p, o, g = (encoded.encode(t) for t in quad)
        if g == ontology:
            seen_ontology = True
            if p == subclass_of and s[0] == "<" and o[0] == "<":
                pairs.append((s[1:-1], o[1:-1]))
            continue
        triples.append((s, p, o))
        if g.startswith("<" + ns.SOURCE_GRAPH_PREFIX):
            sources.add(g)
    if not seen_ontology:
        pairs = list(validation._ontology_file_subclasses())
    view = TripleView(triples)
    targeted = {p for shape in compiled_shapes(frozenset(pairs)) for p in shape.target_objects_of}
    focus = {s for s, _p, _o in triples} | {o for _s, p, o in triples if p in targeted} | sources
    return validate(view, sorted(focus), subclass_pairs=pairs, source_graphs=sources)
