"""The shapes compiled to Python checks over N-Triples text: the gate's engine for big changes and
for full validation.

An import of 100,000 ACLED rows is a change of 7.5 million quads. pyshacl validates about 23
rows a second; the shapes compiled to SPARQL (sahelkg.gate.engine_sparql) first need every quad
loaded into a temporary Oxigraph store (3 µs a quad) and then run 244 queries. This engine reads
the data through a `GraphView` (what a node's triples are, as sahelkg.store.encoded text) and runs
every constraint of shapes/sahelkg-shapes.ttl as a Python check on each focus node, so the gate
reads each added triple about once.

It gives the results pyshacl gives (tests/shacl runs every fixture and random changes through
both). It compiles only the constraint forms the shapes file uses: a new form raises
NotImplementedError when compiling. The SHACL-SPARQL constraints are not translated: each one's
own query runs in Oxigraph on the working set it can read (see run_sparql), so editing a query in
the shapes file edits what this engine checks. Data the Python checks cannot judge the way SPARQL
would (a date with a time zone) raises Unsupported while checking; the gate then uses another
engine.

>>> view = TripleView([("<https://w3id.org/sahelkg/id/count/c>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
...                     "<https://w3id.org/sahelkg/ontology#Count>")])
>>> report = validate(view, ["<https://w3id.org/sahelkg/id/count/c>"], subclass_pairs=[])
>>> sorted({r.path.rsplit("#", 1)[-1] for r in report.results if r.path})[:3]
['countOf', 'originalWording', 'outcome']
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from operator import itemgetter, methodcaller

import rdflib
from rdflib.namespace import RDF, SH

from sahelkg import namespaces as ns
from sahelkg.gate import query_analysis
from sahelkg.gate.report import ValidationReport, ValidationResult, result_order, to_rdflib
from sahelkg.gate.shapes import STORED_SOURCE_GRAPH as _MARKER
from sahelkg.gate.shapes import (
    SUBCLASS_OF,
    ontology_file_subclasses,
    paths_from_this,
    query_text,
    rdf_list,
    scheme_of_node_shape,
    shape_messages,
    shape_severity,
    shapes_graph,
    superclass_map,
    triple_patterns,
)
from sahelkg.store import encoded

SHACL = str(SH)
XSD = encoded.XSD
RDF_TYPE = "<" + str(RDF.type) + ">"
SKG = ns.SKG
STORED_SOURCE_GRAPH = "<" + str(_MARKER) + ">"
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

EMPTY: dict = {}


class GraphView:
    """Triples as N-Triples text, read by node: the working set of a validation."""

    def node(self, node: str) -> dict[str, list[str]]:
        """Given an encoded node, return its triples: predicate -> distinct objects (do not modify)."""
        raise NotImplementedError

    def objects(self, node: str, predicate: str) -> list[str]:
        """Given a subject and a predicate (both encoded), return the distinct objects."""
        return self.node(node).get(predicate, [])

    def subjects(self, predicate: str, node: str) -> list[str]:
        """Given a predicate and an object, return the distinct subjects (only for inverse_predicates())."""
        raise NotImplementedError

    def entered_by(self, node: str, predicates: Iterable[str]) -> bool:
        """Given a node and predicates (of inverse_predicates()), return True when a triple with one of them enters it."""
        return any(self.subjects(p, node) for p in predicates)

    def nodes_entered_by(self, predicates: Collection[str]) -> set[str] | None:
        """Given predicates (of inverse_predicates()), return every node a triple with one of them
        enters, when the view holds them all at hand (None: ask entered_by node by node)."""
        return None

    # The class hierarchy the view's types are read with: (class, superclass) IRI pairs.
    subclass_pairs: tuple[tuple[str, str], ...] = ()

    def source_graphs(self, focus: Iterable[str]) -> list[str]:
        """Given encoded focus nodes, return those that are source graphs holding triples."""
        return []


@functools.lru_cache(maxsize=1)
def inverse_predicates() -> frozenset[str]:
    """Return the predicates the checks read backwards, found in the shapes: inverse paths,
    sh:targetObjectsOf, and SHACL-SPARQL patterns that lead back from a node (encoded)."""
    g = shapes_graph()
    found = {_enc(p) for p in g.objects(None, SH.inversePath)} | {_enc(p) for p in g.objects(None, SH.targetObjectsOf)}
    for constraint in g.subjects(SH.select):
        for level in _steps_from_this(query_text(g, constraint)):
            found.update(predicate for predicate, inverse in level if inverse)
    return frozenset(found)


class TripleView(GraphView):
    """A view over given triples (a whole dataset, or a test's working set).

    >>> TripleView([("<http://a>", "<http://p>", '"x"'), ("<http://a>", "<http://p>", '"x"')]).objects("<http://a>", "<http://p>")
    ['"x"']
    """

    def __init__(self, triples: Iterable[Sequence[str]], subclass_pairs: Iterable[tuple[str, str]] = (),
                 source_graphs: Iterable[str] = ()):
        self._forward: dict[str, dict[str, list[str]]] = {}
        backward: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        _index(self._forward, backward, triples)
        _keep_distinct(self._forward, backward)
        self._backward = dict(backward)
        self.subclass_pairs = tuple(subclass_pairs)
        self._sources = frozenset(source_graphs)

    def source_graphs(self, focus):
        return [node for node in focus if node in self._sources]

    def node(self, node):
        return self._forward.get(node, EMPTY)

    def subjects(self, predicate, node):
        return self._backward.get((predicate, node), [])

    def nodes_entered_by(self, predicates: Collection[str]) -> set[str]:
        return {node for predicate, node in self._backward if predicate in predicates}

    def subject_nodes(self) -> set[str]:
        """Return every node that is the subject of a triple."""
        return set(self._forward)

    def nodes_of_type(self, cls: str) -> list[str]:
        """Given an encoded class, return the nodes typed with it (rdf:type, no subclass reasoning)."""
        return [node for node, by_predicate in self._forward.items() if cls in by_predicate.get(RDF_TYPE, ())]


def index_quads(quads: Iterable[tuple[str, str, str, str]], skip_graph: str | None = None) -> tuple[dict, dict]:
    """Given encoded quads, return their triples indexed (graphs merged, repeats dropped): subject ->
    predicate -> objects, and (predicate, object) -> subjects for inverse_predicates() only. Quads in
    skip_graph are left out."""
    forward: dict[str, dict[str, list[str]]] = {}
    backward: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    if skip_graph is not None:
        quads = [row for row in quads if row[3] != skip_graph]
    _index(forward, backward, map(_TRIPLE, quads))
    _keep_distinct(forward, backward)
    return forward, dict(backward)


_TRIPLE = itemgetter(0, 1, 2)


def _index(forward: dict[str, dict[str, list[str]]], backward: defaultdict[tuple[str, str], list[str]],
           triples: Iterable[Sequence[str]]) -> None:
    """Add encoded triples to the indexes of index_quads (repeats kept: see _keep_distinct)."""
    inverse = inverse_predicates()
    for s, p, o in triples:
        by_predicate = forward.get(s)
        if by_predicate is None:
            forward[s] = {p: [o]}
        else:
            values = by_predicate.get(p)
            if values is None:
                by_predicate[p] = [o]
            else:
                values.append(o)
        if p in inverse:
            backward[(p, o)].append(s)


def _keep_distinct(forward: dict[str, dict[str, list[str]]], backward: dict[tuple[str, str], list[str]]) -> None:
    """Drop repeated values (a triple held by several graphs) from the indexes, keeping their order."""
    for by_predicate in forward.values():
        for p, values in by_predicate.items():
            if len(values) > 1:
                by_predicate[p] = list(dict.fromkeys(values))
    for key, values in backward.items():
        if len(values) > 1:
            backward[key] = list(dict.fromkeys(values))


def ntriples_terms(text: str) -> Iterator[list[str]]:
    """Given an N-Triples document as Oxigraph writes it (a triple a line, terms one space apart,
    no space in an IRI or blank node label), return each triple's terms, split in bulk.

    >>> list(ntriples_terms('<http://a> <http://p> "x y ." .\\n'))
    [['<http://a>', '<http://p>', '"x y ."']]
    """
    # A raw line break only ends a line (literals escape theirs): " .\n" ends a triple and nothing else.
    lines = text.split(" .\n")
    lines.pop()  # the empty text after the last line break
    return map(methodcaller("split", " ", 2), lines)


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
    """Given an encoded term, return a literal's datatype IRI (None for IRIs and blank nodes)."""
    if term[0] != '"':
        return None
    last = term[-1]
    if last == '"':
        return encoded.XSD_STRING
    if last == ">":  # a datatype IRI holds no '<': the last '^^<' starts it
        return term[term.rindex("^^<") + 3:-1]
    return encoded.RDF_LANG_STRING


@functools.lru_cache(maxsize=1 << 16)  # the same values recur on many nodes (offsets, dates, counts)
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


@functools.lru_cache(maxsize=1 << 16)
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
    return (da or "") < (db or "")


# ---------------------------------------------------------------------------------------------
# Compiling the shapes to Python source
# ---------------------------------------------------------------------------------------------
# Each node shape becomes lines of Python that check one focus node `node`, whose triples are the
# dict `t`; the shapes that apply to a set of classes are joined into one function. Inline
# code rather than a closure per constraint: an import checks a million focus nodes, and a Python
# call costs about as much as the check itself.


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
    """A node shape's targets, and its checks as Python lines (with the constants they name)."""

    name: str
    target_classes: tuple[str, ...]
    target_objects_of: tuple[str, ...]
    lines: list[str]
    target_subjects_of: tuple[str, ...] = ()


class _Source:
    """Lines of generated Python and the constants they refer to by name."""

    def __init__(self, constants: dict):
        self.lines: list[str] = []
        self.constants = constants

    def const(self, value) -> str:
        """Given a value, return the name the generated code reads it by."""
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


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
        return _enc(inverse), True, "^" + str(inverse)
    raise NotImplementedError(f"path {path!r} is not compiled")


def _integer(term) -> int:
    """Given a shape's integer parameter (sh:minCount 1), return it."""
    if not isinstance(term, rdflib.Literal):
        raise NotImplementedError(f"not an integer: {term!r}")
    return int(term.toPython())


def _regex(pattern: str, flags) -> re.Pattern:
    if flags is not None:
        raise NotImplementedError("sh:flags is not compiled")
    return re.compile(pattern)  # pyshacl matches with Python's re.search as well


def _compile_property(g: rdflib.Graph, prop, src: _Source) -> None:
    """Emit the checks of one property shape: `v` holds the values of its path, `x` each value."""
    predicate, inverse, path_text = _path(g, g.value(prop, SH.path))
    severity, message, name = shape_severity(g, prop), shape_messages(g, prop), str(prop)

    def check(component: str) -> str:
        return src.const(Check(severity, name, SHACL + component, message, path_text))

    on_set: list[str] = []      # lines run once on the values (at indent 0 of the block)
    per_value: list[tuple[str, str]] = []   # conditions on one value x: (condition, check name)
    fires_on_empty = False
    for p, o in g.predicate_objects(prop):
        if p in (SH.path, SH.name, SH.description, SH.message, SH.severity, RDF.type, SH.qualifiedMinCount):
            continue
        if path_text == str(RDF.type) and p != SH.hasValue:
            raise NotImplementedError(f"{prop}: {p} on the path rdf:type is not compiled")
        if p == SH.hasValue and path_text == str(RDF.type):
            fires_on_empty = True
            has_value = check("HasValueConstraintComponent")
            on_set.append(f"if not is_a(node, {src.const(str(o))}): add(({has_value}, node, None, None))")
        elif p == SH.minCount:
            fires_on_empty = True
            on_set.append(f"if len(v) < {_integer(o)}: add(({check('MinCountConstraintComponent')}, node, None, None))")
        elif p == SH.maxCount:
            on_set.append(f"if len(v) > {_integer(o)}: add(({check('MaxCountConstraintComponent')}, node, None, None))")
        elif p == SH["class"]:
            per_value.append((f"not is_a(x, {src.const(str(o))})", check("ClassConstraintComponent")))
        elif p == SH.node:
            scheme_path, scheme = (_enc(term) for term in scheme_of_node_shape(g, o))
            per_value.append((f"not has(x, {src.const(scheme_path)}, {src.const(scheme)})", check("NodeConstraintComponent")))
        elif p == SH.datatype:
            per_value.append((f"x[0] != '\"' or datatype(x) != {src.const(str(o))}", check("DatatypeConstraintComponent")))
        elif p == SH["in"]:
            per_value.append((f"x not in {src.const(frozenset(_members(g, o, prop)))}", check("InConstraintComponent")))
        elif p == SH["not"]:
            if set(g.predicates(o)) - {RDF.type} != {SH["in"]}:
                raise NotImplementedError(f"{prop}: sh:not is compiled for sh:in only")
            members = frozenset(_members(g, g.value(o, SH["in"]), prop))
            per_value.append((f"x in {src.const(members)}", check("NotConstraintComponent")))
        elif p == SH.pattern:
            regex = src.const(_regex(str(o), g.value(prop, SH.flags)))
            per_value.append((f"x[0] == '_' or not {regex}.search(lexical(x))", check("PatternConstraintComponent")))
        elif p == SH.minLength:
            per_value.append((f"x[0] == '_' or len(lexical(x)) < {_integer(o)}", check("MinLengthConstraintComponent")))
        elif p == SH.minInclusive:
            per_value.append((f"x[0] != '\"' or compare(x, {src.const(_enc(o))}) not in (0, 1)",
                              check("MinInclusiveConstraintComponent")))
        elif p == SH.maxInclusive:
            per_value.append((f"x[0] != '\"' or compare(x, {src.const(_enc(o))}) not in (0, -1)",
                              check("MaxInclusiveConstraintComponent")))
        elif p in (SH.lessThan, SH.lessThanOrEquals):
            strict = p == SH.lessThan
            c = check("LessThanConstraintComponent" if strict else "LessThanOrEqualsConstraintComponent")
            others = src.const(_enc(o))
            per_value.append((f"any(ordered(x, other, {strict}) is False for other in t.get({others}, ()))", c))
        elif p == SH.uniqueLang:
            if isinstance(o, rdflib.Literal) and o.toPython() is True:
                c = check("UniqueLangConstraintComponent")
                # One value cannot repeat a language: most nodes skip the call.
                on_set.append(f"for _language in (repeated_languages(v) if len(v) > 1 else NONE): "
                              f"add(({c}, node, None, None))")
        elif p == SH.nodeKind:
            if o != SH.IRI:
                raise NotImplementedError(f"{prop}: sh:nodeKind {o}")
            per_value.append(("x[0] != '<'", check("NodeKindConstraintComponent")))
        elif p == SH.hasValue:
            fires_on_empty = True
            on_set.append(f"if {src.const(_enc(o))} not in v: add(({check('HasValueConstraintComponent')}, node, None, None))")
        elif p == SH.qualifiedValueShape:
            cls = g.value(o, SH["class"])
            if cls is None or set(g.predicates(o)) - {SH["class"], RDF.type}:
                raise NotImplementedError(f"{prop}: sh:qualifiedValueShape is compiled for sh:class only")
            fires_on_empty = True
            minimum = _integer(g.value(prop, SH.qualifiedMinCount))
            on_set.append(f"if sum(1 for x in v if is_a(x, {src.const(str(cls))})) < {minimum}: "
                          f"add(({check('QualifiedMinCountConstraintComponent')}, node, None, None))")
        else:
            raise NotImplementedError(f"{prop}: {p} is not compiled")

    if inverse:
        src.emit(0, f"v = view.subjects({src.const(predicate)}, node)")
    else:
        src.emit(0, f"v = t.get({src.const(predicate)}, NONE)")
    # Most constraints hold vacuously for a path without values; minCount, hasValue and
    # qualifiedMinCount do not.
    indent = 0
    if not fires_on_empty:
        src.emit(0, "if v:")
        indent = 1
    for line in on_set:
        src.emit(indent, line)
    if per_value:
        src.emit(indent, "for x in v:")
        for condition, c in per_value:
            src.emit(indent + 1, f"if {condition}: add(({c}, node, x, None))")
    if not on_set and not per_value:
        src.emit(indent, "pass")


def _members(g: rdflib.Graph, head, prop) -> list[str]:
    members = [_enc(m) for m in rdf_list(g, head)]
    if any(m[0] != "<" for m in members):
        raise NotImplementedError(f"{prop}: sh:in is compiled for IRIs only")  # literal IN compares by value
    return members


def _compile_node_level(g: rdflib.Graph, shape, src: _Source) -> None:
    severity, message, name = shape_severity(g, shape), shape_messages(g, shape), str(shape)
    for p, o in g.predicate_objects(shape):
        if p == SH.nodeKind:
            if o != SH.IRI:
                raise NotImplementedError(f"{shape}: sh:nodeKind {o}")
            component, condition = "NodeKindConstraintComponent", "node[0] != '<'"
        elif p == SH.pattern:
            regex = src.const(_regex(str(o), g.value(shape, SH.flags)))
            component, condition = "PatternConstraintComponent", f"node[0] == '_' or not {regex}.search(lexical(node))"
        elif p == SH["not"]:
            cls = g.value(o, SH["class"])
            if cls is None or set(g.predicates(o)) - {SH["class"], RDF.type}:
                raise NotImplementedError(f"{shape}: sh:not is compiled for sh:class only")
            component, condition = "NotConstraintComponent", f"is_a(node, {src.const(str(cls))})"
        elif p in (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.property, SH.sparql, SH.message,
                   SH.severity, RDF.type, rdflib.RDFS.label, rdflib.RDFS.comment):
            continue
        else:
            raise NotImplementedError(f"{shape}: {p} is not compiled")
        c = src.const(Check(severity, name, SHACL + component, message, None))
        src.emit(0, f"if {condition}: add(({c}, node, node, None))")


def _compile_sparql(g: rdflib.Graph, shape, constraint, src: _Source) -> None:
    """Emit a line that sets the focus node aside for the constraint's query (run_sparql runs it)."""
    text = query_text(g, constraint)
    check = Check(shape_severity(g, shape), str(shape), SHACL + "SPARQLConstraintComponent",
                  shape_messages(g, constraint), None, source_constraint=str(constraint))
    required = _required_from_this(text)
    query = SparqlCheck(check, text.replace("$this", "?this"), _steps_from_this(text), required, _classes_asked(text),
                        bool(_existence_only_types(text)))
    # A node without the triples every answer needs (`$this p ?x` or `$this p V` outside OPTIONAL,
    # UNION and FILTER) cannot be an answer: it is not set aside.
    condition = " and ".join(f"{src.const(p)} in t" if o is None else f"{src.const(o)} in t.get({src.const(p)}, NONE)"
                             for p, o in required) or "True"
    src.emit(0, f"if {condition}: wanted[{src.const(query)}].append(node)")


@functools.lru_cache(maxsize=1)
def compiled_shapes() -> tuple[tuple[NodeShape, ...], dict]:
    """Return every node shape of the shapes file with its checks as Python lines, and the
    constants those lines name (NotImplementedError when the file uses a form this engine lacks)."""
    g = shapes_graph()
    constants: dict = {}
    shapes = []
    targeted = set(g.subjects(SH.targetClass)) | set(g.subjects(SH.targetObjectsOf)) | set(g.subjects(SH.targetSubjectsOf))
    for shape in sorted(targeted, key=str):
        for unsupported in (SH.targetNode, SH.target):
            if (shape, unsupported, None) in g:
                raise NotImplementedError(f"{shape}: {unsupported} is not compiled")
        src = _Source(constants)
        _compile_node_level(g, shape, src)
        for prop in g.objects(shape, SH.property):
            _compile_property(g, prop, src)
        for constraint in g.objects(shape, SH.sparql):
            _compile_sparql(g, shape, constraint, src)
        shapes.append(NodeShape(str(shape), tuple(sorted(str(c) for c in g.objects(shape, SH.targetClass))),
                                tuple(sorted(_enc(p) for p in g.objects(shape, SH.targetObjectsOf))), src.lines,
                                tuple(sorted(_enc(p) for p in g.objects(shape, SH.targetSubjectsOf)))))
    return tuple(shapes), constants


def available() -> bool:
    """Return True when every constraint of the shapes file compiles to this engine."""
    try:
        compiled_shapes()
    except NotImplementedError:
        return False
    return True


def _repeated_languages(values: list[str]) -> list[str]:
    """Given values, return each language tag that two or more of them carry."""
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        if value[0] == '"' and value[-1] != '"' and value[-1] != ">":
            counts[encoded.literal_parts(value)[2] or ""] += 1
    return [language for language, n in counts.items() if n > 1]


# The names generated code reads besides its constants.
_HELPERS = {"NONE": (), "datatype": _datatype, "lexical": encoded.lexical_form, "compare": _compare,
            "ordered": _ordered, "repeated_languages": _repeated_languages}


@functools.lru_cache(maxsize=256)
def _plan_source(shapes: tuple[NodeShape, ...]) -> Callable:
    """Given node shapes, return a factory (view, is_a, has, add, wanted) -> check(node, t) running all
    their checks (`wanted` collects the focus nodes of each SHACL-SPARQL constraint)."""
    body = [line for shape in shapes for line in shape.lines] or ["pass"]
    text = "def factory(view, is_a, has, add, wanted):\n    def check(node, t):\n" + "".join(
        f"        {line}\n" for line in body) + "    return check\n"
    namespace = dict(compiled_shapes()[1])
    namespace.update(_HELPERS)
    exec(compile(text, f"<shapes: {', '.join(s.name.rsplit('#', 1)[-1] for s in shapes)}>", "exec"), namespace)
    return namespace["factory"]


# ---------------------------------------------------------------------------------------------
# SHACL-SPARQL constraints: their own query, run by Oxigraph on a working set
# ---------------------------------------------------------------------------------------------
# A constraint's sh:select is not translated: it runs as written (with $this as a variable) in a
# temporary Oxigraph store holding only what it can read from the focus nodes set aside for it.
# What it can read is found in the query itself: each triple pattern is a step along its predicate,
# forwards or backwards, at the distance from $this where the pattern joins the variables already
# reached. Types are stored completed with their superclasses, as pyshacl's working copy has them,
# but only the classes the queries name: a claim's event and document have about seven each.


@dataclass(frozen=True, eq=False)
class SparqlCheck:
    """A SHACL-SPARQL constraint: its result fields, its query, and the steps it reads at each
    distance from $this, as (encoded predicate, inverse?) pairs."""

    check: Check
    query: str
    levels: tuple[frozenset[tuple[str, bool]], ...]
    required: tuple[tuple[str, str | None], ...] = ()
    classes: frozenset[str] | None = None  # the classes its rdf:type patterns name (None: any)
    any_type: bool = False  # it asks whether a node has a type, whatever it is (`?x rdf:type ?unused`)


@query_analysis.remembered
def _required_from_this(query: str) -> tuple[tuple[str, str | None], ...]:
    """Given a SHACL-SPARQL query, return the triples from $this every answer matches, as
    (encoded predicate, encoded object or None for a variable): the patterns reached from the
    root through joins, filters and projections, and those both sides of a UNION need (not
    OPTIONAL, MINUS or FILTER).

    >>> _required_from_this("SELECT $this WHERE { $this <http://p> <http://v> . OPTIONAL { $this <http://q> ?x } }")
    (('<http://p>', '<http://v>'),)
    """
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    def walk(node) -> list[tuple[str, str | None]]:
        if not isinstance(node, CompValue):
            return []
        if node.name == "BGP":
            return [(_enc(p), None if isinstance(o, Variable) else _enc(o)) for s, p, o in node["triples"]
                    if s == Variable("this") and isinstance(p, rdflib.URIRef) and not isinstance(o, rdflib.BNode)]
        if node.name == "Join":
            return walk(node["p1"]) + walk(node["p2"])
        if node.name == "Union":  # what both branches need
            right = walk(node["p2"])
            return [pattern for pattern in walk(node["p1"]) if pattern in right]
        if node.name == "LeftJoin":
            return walk(node["p1"])
        if node.name in ("SelectQuery", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "ToMultiSet",
                         "Extend", "Filter", "AggregateJoin", "Group"):
            return walk(node["p"])
        return []

    found = walk(query_analysis.parsed(query).algebra)
    return tuple(dict.fromkeys(found))


def _steps_from_this(query: str) -> tuple[frozenset[tuple[str, bool]], ...]:
    """Given a SHACL-SPARQL query, return the steps its triple patterns take from $this, by
    distance, as (encoded predicate, inverse?).

    >>> _steps_from_this("SELECT $this WHERE { ?part <http://p> $this . ?part <http://m> ?x }")
    (frozenset({('<http://p>', True)}), frozenset({('<http://m>', False)}))
    """
    levels: list[set[tuple[str, bool]]] = []
    for path in paths_from_this(query):
        while len(levels) < len(path):
            levels.append(set())
        predicate, inverse = path[-1]
        levels[len(path) - 1].add((f"<{predicate}>", inverse))
    return tuple(frozenset(level) for level in levels)


def _classes_asked(query: str) -> frozenset[str] | None:
    """Given a SHACL-SPARQL query, return the classes its rdf:type patterns name (None when one
    names a variable): the working set needs no other type.

    >>> sorted(_classes_asked("SELECT $this WHERE { $this a <http://C> }"))
    ['http://C']
    """

    classes = set()
    existence_only = _existence_only_types(query)
    for _s, p, o in triple_patterns(query):
        if p == RDF.type:
            if o in existence_only:
                continue
            if not isinstance(o, rdflib.URIRef):
                return None
            classes.add(str(o))
    return frozenset(classes)


_AGGREGATE = re.compile(r"\bGROUP\s+BY\b|\b(COUNT|SUM|AVG|MIN|MAX|SAMPLE|GROUP_CONCAT)\s*\("
                        r"|SELECT\s+(DISTINCT\s+|REDUCED\s+)?\*",
                        re.IGNORECASE)


def _existence_only_types(query: str) -> frozenset[rdflib.Variable]:
    """Given a SHACL-SPARQL query, return the variables that stand as the object of an rdf:type
    pattern and nowhere else in its text: such a pattern asks only whether a node has a type, so one
    type a node is enough. Empty when the query counts rows or projects every variable, since how
    many types match then changes the answers.

    >>> sorted(_existence_only_types("SELECT $this WHERE { FILTER NOT EXISTS { $this a ?type } }"))
    [rdflib.term.Variable('type')]
    >>> sorted(_existence_only_types("SELECT $this ?value WHERE { $this a ?value }"))
    []
    """
    if _AGGREGATE.search(query):
        return frozenset()
    found = set()
    for _s, p, o in triple_patterns(query):
        if p == RDF.type and isinstance(o, rdflib.Variable) and str(o) not in ("this", "path", "value"):
            if len(re.findall(rf"[?$]{re.escape(str(o))}(?!\w)", query)) == 1:
                found.add(o)
    return frozenset(found)


def working_set(view: GraphView, nodes: Iterable[str], levels: Iterable[frozenset[tuple[str, bool]]],
                classes_of: Callable[[str], frozenset[str]], classes: frozenset[str] | None = None,
                any_type: bool = False) -> list[str]:
    """Given a view, start nodes and the steps to take at each distance, return the triples read
    as N-Triples lines (repeats possible), each rdf:type completed with its superclasses (only
    those among `classes`, unless None; with `any_type`, a node with none of those keeps one of
    its types)."""
    lines: list[str] = []
    add = lines.append
    frontier = set(nodes)
    types_asked: dict[frozenset[str], list[str]] = {}  # a node's classes -> the encoded types kept

    def kept_types(node: str, direct: list[str]) -> list[str]:
        found = classes_of(node)
        kept = types_asked.get(found)
        if kept is None:
            kept = types_asked[found] = [f"<{c}>" for c in found if classes is None or c in classes]
        return kept if kept or not any_type else direct[:1]

    for level in levels:
        # The steps a node takes are few beside its predicates: look each one up.
        forward = [p for p, inverse in level if not inverse]
        backward = [p for p, inverse in level if inverse]
        following: set[str] = set()
        for node in frontier:
            if node[0] != '"' and forward:
                triples = view.node(node)
                if triples:
                    for p in forward:
                        objects = triples.get(p)
                        if objects:
                            if p == RDF_TYPE:
                                objects = kept_types(node, objects)
                            for o in objects:
                                add(f"{node} {p} {o} .\n")
                            following.update(objects)
            for p in backward:
                for subject in view.subjects(p, node):
                    add(f"{subject} {p} {node} .\n")
                    following.add(subject)
        frontier = following
    return lines


# Focus nodes whose SHACL-SPARQL queries run on one working set. Oxigraph's in-memory store loads
# and queries a 600k-triple working set two to three times as slowly per triple as a 50k one, and each
# node's answers depend only on what is read from it, so big changes are checked in batches (of
# about 12k triples: the cheapest per triple measured, bench/gate_sparql_batch.py).
SPARQL_BATCH = 2_000


def run_sparql(view: GraphView, wanted: dict[SparqlCheck, list[str]],
               classes_of: Callable[[str], frozenset[str]]) -> list[tuple]:
    """Given a view and the focus nodes set aside for each SHACL-SPARQL constraint, run each
    constraint's query on the working set it reads; return (check, focus, value, path) per result."""
    queries_of: dict[str, list[SparqlCheck]] = defaultdict(list)
    for query, nodes in wanted.items():
        for node in nodes:
            queries_of[node].append(query)
    batch = list(queries_of.items())
    out: list[tuple] = []
    for start in range(0, len(batch), SPARQL_BATCH):
        out += _run_sparql_batch(view, dict(batch[start:start + SPARQL_BATCH]), classes_of)
    return out


def _run_sparql_batch(view: GraphView, queries_of: dict[str, list[SparqlCheck]],
                      classes_of: Callable[[str], frozenset[str]]) -> list[tuple]:
    """Given a view and focus nodes with their SHACL-SPARQL constraints, run each constraint's
    query once on the working set all of them read; return (check, focus, value, path) per result."""
    import pyoxigraph as ox

    # Each node is read along the steps of its own queries only (a claim's, a count's).
    wanted: dict[SparqlCheck, set[str]] = defaultdict(set)
    groups: dict[tuple[SparqlCheck, ...], list[str]] = defaultdict(list)
    for node, of_node in queries_of.items():
        groups[tuple(of_node)].append(node)
        for query in of_node:
            wanted[query].add(node)
    lines: list[str] = []
    for queries, starts in groups.items():
        levels: list[set[tuple[str, bool]]] = []
        for query in queries:
            for depth, level in enumerate(query.levels):
                while len(levels) <= depth:
                    levels.append(set())
                levels[depth] |= level
        classes: frozenset[str] | None = None
        if all(query.classes is not None for query in queries):
            classes = frozenset(c for query in queries for c in query.classes or ())
        lines += working_set(view, starts, [frozenset(level) for level in levels], classes_of, classes,
                             any(query.any_type for query in queries))
    text = "".join(dict.fromkeys(lines))  # a node two groups read comes once
    del lines
    store = ox.Store()
    if "_:" in text:  # loading renames blank nodes; parsing keeps their labels, which results name
        store.extend(ox.parse(text, format=ox.RdfFormat.N_TRIPLES, lenient=True))
    else:
        store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    del text
    out: list[tuple] = []
    for query, targeted in wanted.items():
        solutions = store.query(query.query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise NotImplementedError(f"{query.check.source_constraint}: sh:select is not a SELECT query")
        names = [v.value for v in solutions.variables]
        found: dict[tuple, None] = {}  # DISTINCT, in the order found
        for row in solutions:
            binding = dict(zip(names, row, strict=True))
            this = binding.get("this")
            if this is None or str(this) not in targeted:
                continue
            path, value = binding.get("path"), binding.get("value")
            found[(str(this), None if value is None else str(value), None if path is None else path.value)] = None
        out.extend((query.check, *result) for result in found)
    return out


# ---------------------------------------------------------------------------------------------
# Validating
# ---------------------------------------------------------------------------------------------

def validate(view: GraphView, focus_nodes: Iterable[str], *, subclass_pairs: Iterable[tuple[str, str]],
             source_graphs: Iterable[str] = ()) -> ValidationReport:
    """Given a view, encoded focus nodes, the (class, superclass) IRI pairs and the encoded source
    graphs that hold triples, return the results of those focus nodes, as pyshacl reports them."""
    shapes = compiled_shapes()[0]
    superclasses = superclass_map(frozenset(subclass_pairs))
    marked = set(source_graphs)

    @functools.lru_cache(maxsize=4096)
    def closure(types: tuple[str, ...]) -> frozenset[str]:
        """Given a node's rdf:type values (encoded), return its classes: IRIs, superclasses included."""
        direct = [t[1:-1] for t in types if t[0] == "<"]
        classes = set(direct)
        for cls in direct:
            classes.update(superclasses.get(cls, ()))
        return frozenset(classes)

    type_cache: dict[str, frozenset[str]] = {}

    def classes_of(node: str, triples: dict | None = None) -> frozenset[str]:
        found = type_cache.get(node)
        if found is None:
            if triples is None:
                triples = view.node(node) if node[0] != '"' else EMPTY
            # Keyed by the type values as read: most nodes share a few lists of types.
            types = tuple(triples.get(RDF_TYPE, ()))
            found = type_cache[node] = closure(types + (STORED_SOURCE_GRAPH,) if node in marked else types)
        return found

    def is_a(node: str, cls: str) -> bool:
        found = type_cache.get(node)
        return cls in (found if found is not None else classes_of(node))

    has_cache: dict[tuple[str, str, str], bool] = {}

    def has(node: str, predicate: str, value: str) -> bool:
        """Return True when the triple (node, predicate, value) holds: memoised, since the values
        read this way (a concept and its scheme) recur on every row."""
        key = (node, predicate, value)
        found = has_cache.get(key)
        if found is None:
            found = has_cache[key] = value in view.objects(node, predicate)
        return found

    out: list = []
    wanted: dict[SparqlCheck, list[str]] = defaultdict(list)
    checkers: dict[tuple, Callable] = {}

    def checker(chosen: tuple[NodeShape, ...]) -> Callable:
        found = checkers.get(chosen)
        if found is None:
            found = checkers[chosen] = _plan_source(chosen)(view, is_a, has, out.append, wanted)
        return found

    @functools.lru_cache(maxsize=4096)
    def shapes_for(classes: frozenset[str]) -> tuple[NodeShape, ...]:
        return tuple(s for s in shapes if any(c in classes for c in s.target_classes))

    by_objects_of = [s for s in shapes if s.target_objects_of]
    objects_of = {p for s in by_objects_of for p in s.target_objects_of}
    by_subjects_of = [s for s in shapes if s.target_subjects_of]
    subjects_of = frozenset(p for s in by_subjects_of for p in s.target_subjects_of)

    @functools.lru_cache(maxsize=4096)
    def plan(classes: frozenset[str], present: frozenset[str]) -> tuple[tuple[NodeShape, ...], Callable | None]:
        """Given a node's classes and the sh:targetSubjectsOf predicates it has, return the shapes
        that target it so far and their checker (None: none does)."""
        chosen = shapes_for(classes)
        if present:
            chosen += tuple(s for s in by_subjects_of if s not in chosen and any(p in present for p in s.target_subjects_of))
        return chosen, checker(chosen) if chosen else None

    # A view holding every triple answers "entered by a targeted predicate?" once for all nodes.
    entered = view.nodes_entered_by(objects_of) if objects_of else set()
    focus = list(dict.fromkeys(focus_nodes))
    view_node = view.node
    no_predicates: frozenset[str] = frozenset()
    for node in focus:
        triples = view_node(node) if node[0] != '"' else EMPTY
        # One lookup of what a kind of node needs: a million focus nodes come in a few dozen kinds.
        present = no_predicates if subjects_of.isdisjoint(triples) else subjects_of.intersection(triples)
        chosen, check = plan(type_cache.get(node) or classes_of(node, triples), present)
        if objects_of and (node in entered if entered is not None else view.entered_by(node, objects_of)):
            more = tuple(s for s in by_objects_of if s not in chosen
                         and any(view.subjects(p, node) for p in s.target_objects_of))
            if more:
                check = checker(chosen + more)
        if check is not None:
            check(node, triples)
    if wanted:
        out.extend(run_sparql(view, wanted, classes_of))
    # A term's report text is computed once: the same focus nodes and values recur across results.
    texts = _TermTexts()
    results = [_result(check, focus_node, value, path, texts) for check, focus_node, value, path in out]
    results.sort(key=result_order)
    return ValidationReport(results=results, focus_nodes=len(focus))


def plain(term: str) -> str:
    """Given an encoded term, return the text a report gives a focus node (an IRI or blank node's
    name, a literal's lexical form)."""
    if term.startswith("_:"):
        return term[2:]
    return encoded.lexical_form(term)


def _value_text(term: str) -> str:
    if term[0] == "<":
        return term[1:-1]
    return to_rdflib(encoded.decode(term)).n3()


class _TermTexts:
    """The texts a report gives encoded terms (plain() for focus nodes, _value_text() for values), memoised."""

    def __init__(self) -> None:
        self.plain: dict[str, str] = {}
        self.value: dict[str, str] = {}

    def of_focus(self, term: str) -> str:
        found = self.plain.get(term)
        if found is None:
            found = self.plain[term] = plain(term)
        return found

    def of_value(self, term: str) -> str:
        found = self.value.get(term)
        if found is None:
            found = self.value[term] = _value_text(term)
        return found


def _result(check: Check, focus: str, value: str | None, path: str | None, texts: _TermTexts) -> ValidationResult:
    if value is None and check.source_constraint is not None:
        value = focus  # as pyshacl reports a SPARQL result without ?value
    return ValidationResult(
        focus_node=texts.of_focus(focus), severity=check.severity, source_shape=check.source_shape, message=check.message,
        path=path if check.source_constraint is not None else check.path,
        value=None if value is None else texts.of_value(value), constraint_component=check.component,
        source_constraint=check.source_constraint)


def dataset_view(rows: Iterable[tuple[str, str, str, str]]) -> tuple[TripleView, list[str]]:
    """Given every quad of a dataset as encoded rows (ontology graph included or not), return a
    view of its data (the ontology graph gives only the class hierarchy) and its focus nodes."""
    by_graph: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for s, p, o, g in rows:
        by_graph[g].append((s, p, o))
    return dataset_view_of_triples(by_graph.items())


def dataset_view_of_graphs(graphs: Iterable[tuple[str, str]]) -> tuple[TripleView, list[str]]:
    """Given every graph of a dataset as (encoded graph name, its N-Triples as Oxigraph writes it),
    return what dataset_view returns; the text is split into terms in bulk (a store's full validation)."""
    return dataset_view_of_triples((name, ntriples_terms(text)) for name, text in graphs if text)


def dataset_view_of_triples(graphs: Iterable[tuple[str, Iterable[Sequence[str]]]]) -> tuple[TripleView, list[str]]:
    """Given the non-empty graphs of a dataset as (encoded name, triples), return its view and focus nodes."""
    ontology = encoded.iri(ns.ONTOLOGY_GRAPH)
    subclass_of = encoded.iri(SUBCLASS_OF)
    pairs: list[tuple[str, str]] = []
    sources: set[str] = set()
    seen_ontology = False

    def data() -> Iterator[Iterable[Sequence[str]]]:
        nonlocal seen_ontology
        for name, triples in graphs:
            if name == ontology:
                seen_ontology = True
                pairs.extend((s[1:-1], o[1:-1]) for s, p, o in triples if p == subclass_of and s[0] == "<" and o[0] == "<")
                continue
            if name.startswith("<" + ns.SOURCE_GRAPH_PREFIX):
                sources.add(name)
            yield triples

    view = TripleView(chain.from_iterable(data()))
    view.subclass_pairs = tuple(pairs if seen_ontology else ontology_file_subclasses())
    view._sources = frozenset(sources)
    targeted = {p for shape in compiled_shapes()[0] for p in shape.target_objects_of}
    focus = view.subject_nodes() | view.nodes_entered_by(targeted) | sources
    return view, sorted(focus)


def validate_quads(quads: Iterable) -> ValidationReport:
    """Given every quad of a dataset (pyoxigraph quads, ontology graph included or not), return its
    full report, as engine_pyshacl.validate_quads returns it.

    >>> validate_quads([]).results
    []
    """
    view, focus = dataset_view(encoded.rows(quads))
    return validate(view, focus, subclass_pairs=view.subclass_pairs, source_graphs=view.source_graphs(focus))
