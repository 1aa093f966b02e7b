"""Which predicates a query reads: a write that touches none of them cannot change its answer.

A triple pattern with a constant predicate matches only quads with that predicate, and a property
path built of constant IRIs only quads with those; so the answer of a query whose every pattern
and path names its predicates depends on those predicates' quads alone. The result cache keeps
such an answer across writes to other predicates (sahelkg.store.workers.IsolatedStore.read_generation).
Anything else reads the store as a whole and gets None: a variable predicate, a negated property
set, a path that may have length zero (p*, p?: every node of the graph matches itself), a GRAPH
pattern without triple patterns (it reads which graphs exist), DESCRIBE, SERVICE, or a query rdflib
cannot translate.

>>> sorted(predicates_read("PREFIX s: <http://schema.org/> SELECT ?n { ?x s:name ?n ; s:knows+/s:name ?m }"))
['http://schema.org/knows', 'http://schema.org/name']
>>> predicates_read("SELECT ?x { ?x <urn:p>* ?y }") is None  # zero-length paths read every node
True
>>> predicates_read("SELECT * { ?s ?p ?o }") is None
True
>>> sorted(predicates_read("ASK { ?s <urn:q> ?o FILTER NOT EXISTS { ?s <urn:p>/<urn:r> ?o } }"))
['urn:p', 'urn:q', 'urn:r']
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern, translatePath, translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue


class _ReadsEverything(Exception):
    """The query reads something other than the quads of known predicates."""


def predicates_read(text: str, base_iri: str | None = None) -> frozenset[str] | None:
    """Given a query text (and its base IRI), return the IRIs of every predicate its patterns can
    match, or None when its answer may depend on any quad of the store."""
    try:
        query = translateQuery(parseQuery(text), base=base_iri)
    except Exception:  # rdflib reads the query otherwise than Oxigraph, or not at all: assume anything
        return None
    found: set[str] = set()
    try:
        _walk(query.algebra, found)
    except Exception:  # _ReadsEverything, or rdflib failing on a pattern: assume anything
        return None
    return frozenset(found)


# Parser forms rdflib may leave in the algebra; met anywhere but under EXISTS, they are not read.
_UNTRANSLATED = frozenset({"GroupGraphPatternSub", "TriplesBlock", "TriplesSameSubject", "TriplesSameSubjectPath"})


def _walk(node: object, found: set[str]) -> None:
    if isinstance(node, CompValue):
        if node.name in ("DescribeQuery", "ServiceGraphPattern") or node.name in _UNTRANSLATED:
            raise _ReadsEverything
        if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            # rdflib finishes an EXISTS pattern (its paths, sometimes all of it) when it evaluates
            # it: finished here the same way.
            graph = traverse(node.graph, visitPost=translatePath)
            if getattr(graph, "name", "") in _UNTRANSLATED:
                graph = translateGroupGraphPattern(graph)
            _walk(graph, found)
            return
        if node.name == "BGP":
            for _, predicate, _ in node.triples:
                _add_path(predicate, found)
        if node.name == "Graph" and not _has_triples(node.p):
            raise _ReadsEverything  # GRAPH ?g {}: the answer lists the graphs that exist
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple | set):
        for item in node:
            _walk(item, found)


def _add_path(predicate: object, found: set[str]) -> None:
    if isinstance(predicate, URIRef):
        found.add(str(predicate))
    elif isinstance(predicate, SequencePath | AlternativePath):
        for step in predicate.args:
            _add_path(step, found)
    elif isinstance(predicate, MulPath):
        if predicate.mod != "+":
            raise _ReadsEverything  # p* and p? match every node of the graph to itself, by any predicate
        _add_path(predicate.path, found)
    elif isinstance(predicate, InvPath):
        _add_path(predicate.arg, found)
    elif isinstance(predicate, NegatedPath):
        raise _ReadsEverything  # !p matches every other predicate
    else:  # a variable
        raise _ReadsEverything


def _has_triples(node: object) -> bool:
    if isinstance(node, CompValue):
        if node.name == "BGP" and node.triples:
            return True
        return any(_has_triples(value) for value in node.values())
    if isinstance(node, list | tuple | set):
        return any(_has_triples(item) for item in node)
    return False
