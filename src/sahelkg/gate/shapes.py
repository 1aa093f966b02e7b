"""What the gate reads from the shapes file and the ontology: the shapes graph, the class
hierarchy, what a shape reads from its focus node, and the fields of a shape's results.

Every engine (pyshacl, the shapes compiled to SPARQL, the shapes compiled to Python) and the
focus-node finder import this module; it imports none of them.

>>> sorted(superclass_map([("A", "B"), ("B", "C")])["A"])
['B', 'C']
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from sahelkg import namespaces as ns
from sahelkg.gate import query_analysis
from sahelkg.resources import resource

SHAPES_PATH = resource("shapes", "sahelkg-shapes.ttl")
ONTOLOGY_PATH = resource("ontology", "sahelkg.ttl")
SKGV = ns.SHAPES
STORED_SOURCE_GRAPH = rdflib.URIRef(SKGV + "StoredSourceGraph")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

@functools.lru_cache(maxsize=1)
def reads() -> dict[tuple[str, bool], dict]:
    """Return what the shapes read from a focus node, found in the shapes file, as a tree of steps:
    (predicate IRI, inverse?) -> the steps taken from there ("*" is any predicate).

    A focus node's own triples, and the types and schemes of their values (sh:class, sh:node); the
    subjects of every inverse path and sh:targetObjectsOf, and their types and schemes when the
    shape checks them; and every path a SHACL-SPARQL query walks from $this.
    """
    g = shapes_graph()
    of_values: dict[tuple[str, bool], dict] = {(RDF_TYPE, False): {}}
    for helper in set(g.objects(None, SH.node)):
        scheme_path, _scheme = scheme_of_node_shape(g, helper)
        of_values[(str(scheme_path), False)] = {}
    tree: dict[tuple[str, bool], dict] = {("*", False): dict(of_values)}
    checks_values = (SH["class"], SH.node, SH.qualifiedValueShape)
    for shape, path in g.subject_objects(SH.path):
        inverse = g.value(path, SH.inversePath) if isinstance(path, rdflib.BNode) else None
        if inverse is not None:
            reads_values = any((shape, p, None) in g for p in checks_values)
            _insert(tree, [(str(inverse), True)], dict(of_values) if reads_values else {})
    for predicate in set(g.objects(None, SH.targetObjectsOf)):
        _insert(tree, [(str(predicate), True)], {})
    for constraint in set(g.subjects(SH.select)):
        for steps in paths_from_this(query_text(g, constraint)):
            if not steps[0][1] and _holds(tree[("*", False)], steps[1:]):
                continue  # what "*" reads already (a value's type)
            _insert(tree, list(steps), {})
    return tree


def _insert(tree: dict, steps: list[tuple[str, bool]], leaf: dict) -> None:
    for step in steps[:-1]:
        tree = tree.setdefault(step, {})
    below = tree.setdefault(steps[-1], {})
    for step, subtree in leaf.items():
        below.setdefault(step, subtree)


def _holds(tree: dict, steps: tuple[tuple[str, bool], ...]) -> bool:
    for step in steps:
        if step not in tree:
            return False
        tree = tree[step]
    return True


# ---------------------------------------------------------------------------------------------
# SHACL-SPARQL queries: what they read, found in their text
# ---------------------------------------------------------------------------------------------

def query_text(g: rdflib.Graph, constraint) -> str:
    """Given a SHACL-SPARQL constraint, return its sh:select with the PREFIX lines it declares."""
    prefixes = "".join(f"PREFIX {g.value(d, SH.prefix)}: <{g.value(d, SH.namespace)}>\n"
                       for d in g.objects(g.value(constraint, SH.prefixes), SH.declare))
    return prefixes + str(g.value(constraint, SH.select))


@query_analysis.remembered
def triple_patterns(query: str) -> tuple[tuple, ...]:
    """Given a SPARQL query, return its triple patterns (rdflib terms), wherever they are in it
    (OPTIONAL, FILTER NOT EXISTS, UNION…)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    out: list[tuple] = []

    def walk(node) -> None:
        if isinstance(node, CompValue):
            if node.name in ("GraphGraphPattern", "ServiceGraphPattern", "Graph", "Service"):
                raise NotImplementedError(f"SHACL-SPARQL with {node.name} is not read on a working set")
            if node.name in ("BGP", "TriplesBlock"):
                out.extend(tuple(t) for t in node["triples"])
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(query_analysis.parsed(query).algebra)
    return tuple(dict.fromkeys(out))


def paths_from_this(query: str) -> list[tuple[tuple[str, bool], ...]]:
    """Given a SHACL-SPARQL query, return, for each of its triple patterns, the steps (predicate
    IRI, inverse?) that lead from $this to the pattern's far end: each pattern is a step from the
    variable nearest to $this, forwards before backwards.

    >>> paths_from_this("SELECT $this WHERE { ?part <http://p> $this . ?part <http://m> ?x }")
    [(('http://p', True),), (('http://p', True), ('http://m', False))]
    """
    from rdflib.term import Variable

    path_to: dict = {Variable("this"): ()}
    paths: list[tuple[tuple[str, bool], ...]] = []
    pending = list(triple_patterns(query))  # a copy: the remembered tuple is shared
    while pending:
        # The pattern nearest to $this first, forwards before backwards: distances are then final.
        reachable = [((len(path_to[end]), end is o), (s, p, o)) for s, p, o in pending
                     for end in (s, o) if end in path_to]
        if not reachable:
            raise NotImplementedError(f"SHACL-SPARQL patterns not joined to $this: {pending}")
        (_depth, inverse), pattern = min(reachable, key=lambda item: item[0])
        s, p, o = pattern
        if not isinstance(p, rdflib.URIRef):
            raise NotImplementedError(f"SHACL-SPARQL pattern {pattern}: only IRIs as predicates")
        near, far = (o, s) if inverse else (s, o)
        path = (*path_to[near], (str(p), inverse))
        paths.append(path)
        if isinstance(far, Variable) and far not in path_to:
            path_to[far] = path
        pending.remove(pattern)
    return paths


def walk_reads(tree: dict, prefix: list) -> Iterator[tuple[list, tuple[str, bool]]]:
    """Given a tree of steps (as reads() returns), yield each step with the steps that lead to it."""
    for step, subtree in tree.items():
        yield prefix, step
        yield from walk_reads(subtree, prefix + [step])


@functools.lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    """Return the shapes graph (parsed once)."""
    g = rdflib.Graph()
    g.parse(SHAPES_PATH, format="turtle")
    return g


@functools.lru_cache(maxsize=1)
def ontology_file_subclasses() -> tuple[tuple[str, str], ...]:
    """Return the ontology file's (class, superclass) IRI pairs."""
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


def subclass_pairs(store) -> list[tuple[str, str]]:
    """Given a store, return its ontology graph's (class, superclass) IRI pairs (the ontology
    file's when the store has no ontology graph)."""
    result = store.query(f"SELECT ?c ?d WHERE {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?c <{SUBCLASS_OF}> ?d "
                         "FILTER (isIRI(?c) && isIRI(?d)) } }")
    pairs = [(c.value, d.value) for c, d in result.rows]
    return pairs or list(ontology_file_subclasses())


def shape_severity(g: rdflib.Graph, shape) -> str:
    """Given a shape, return the severity of its results (Violation, Warning, Info)."""
    value = g.value(shape, SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"


def shape_messages(g: rdflib.Graph, node) -> str:
    """Given a shape or constraint, return its messages as one text."""
    return " ".join(sorted(str(m) for m in g.objects(node, SH.message)))


def scheme_of_node_shape(g: rdflib.Graph, node_shape) -> tuple:
    """Given a helper node shape `[ sh:property [ sh:path P ; sh:hasValue V ] ]`, return (P, V) as rdflib terms."""
    props = list(g.objects(node_shape, SH.property))
    if len(props) != 1 or set(g.predicates(node_shape)) - {SH.property, RDF.type, rdflib.RDFS.label}:
        raise NotImplementedError(f"sh:node {node_shape} is not a compiled form")
    prop = props[0]
    path, value = g.value(prop, SH.path), g.value(prop, SH.hasValue)
    if not isinstance(path, rdflib.URIRef) or value is None:
        raise NotImplementedError(f"sh:node {node_shape} is not a compiled form")
    return path, value


def rdf_list(g: rdflib.Graph, head) -> list:
    """Given the head of an RDF list, return its members."""
    return list(rdflib.collection.Collection(g, head))
