"""The predicates a query reads (sahelkg.sparql.footprint) are all its answer depends on: for every
saved query and a list of tricky shapes, random writes to other predicates leave its answer
exactly as it was; and the forms that read the whole store are recognised as such."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from sahelkg import namespaces as ns
from sahelkg.dataset import loading
from sahelkg.sparql.footprint import predicates_read
from sahelkg.sparql.saved_queries import load_queries

SKG = ns.SKG
TRICKY = [
    f"SELECT ?c ?a WHERE {{ ?c a <{SKG}Allegation> ; <{SKG}claimant> ?a }}",
    f"SELECT ?x (COUNT(?y) AS ?n) WHERE {{ ?x <{SKG}about> ?y }} GROUP BY ?x HAVING (COUNT(?y) > 0) ORDER BY ?x",
    f"SELECT ?x ?l WHERE {{ ?x a <{SKG}Event> OPTIONAL {{ ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }}",
    f"SELECT ?x WHERE {{ ?x a <{SKG}Claim> MINUS {{ ?x <{SKG}claimant> ?a }} }}",
    f"SELECT ?x ?y WHERE {{ ?x <{SKG}about>|^<{SKG}claimant> ?y }}",
    f"SELECT ?x ?y WHERE {{ ?x <{SKG}about>/<{SKG}timeSpan>+ ?y }}",
    f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{SKG}about> ?o }} }} GROUP BY ?g",
    f"SELECT ?x WHERE {{ {{ SELECT ?x WHERE {{ ?x <{SKG}claimant> ?a }} LIMIT 3 }} ?x a ?t }}",
    f"ASK {{ ?x <{SKG}minimum> ?m FILTER(?m > 5) }}",
    f"CONSTRUCT {{ ?x <urn:test:knows> ?y }} WHERE {{ ?x <{SKG}claimant> ?y }}",
    f"SELECT ?x ?v WHERE {{ VALUES ?v {{ 1 2 }} ?x <{SKG}minimum> ?m BIND(?m + ?v AS ?w) }}",
    f"SELECT ?x WHERE {{ ?x a <{SKG}Claim> FILTER NOT EXISTS {{ ?x <{SKG}claimant>/<{SKG}label> ?a }} }}",
    f"SELECT ?x (EXISTS {{ ?x <{SKG}about> ?e }} AS ?about) WHERE {{ ?x a <{SKG}Claim> }} ORDER BY ?x",
    "SELECT * {}",
]
WHOLE_STORE = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?g WHERE { GRAPH ?g { } }",
    f"SELECT ?x WHERE {{ ?x <{SKG}about>* ?y }}",
    f"SELECT ?x WHERE {{ ?x <{SKG}about>? ?y }}",
    f"SELECT ?x WHERE {{ ?x !<{SKG}about> ?y }}",
    f"SELECT ?x WHERE {{ ?x a <{SKG}Claim> FILTER NOT EXISTS {{ ?x ?p ?a }} }}",
    f"SELECT ?x WHERE {{ ?x a <{SKG}Claim> FILTER EXISTS {{ ?x <{SKG}about>* ?a }} }}",
    "DESCRIBE <urn:test:x>",
    "SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s <urn:test:p> ?o } }",
    "SELECT ?s WHERE { VALUES ?p { <urn:test:p> } ?s ?p ?o }",
    "not a query",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.extend(loading.dataset_quads(loading.seed_paths()))
    return store


def _answer(store: ox.Store, text: str):
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        rows = [tuple(solution[v] for v in result.variables) for solution in result]
        return rows if "ORDER BY" in text.upper() else sorted(map(repr, rows))
    return sorted(map(repr, result))


def _random_write(store: ox.Store, kept: frozenset[str], rng: random.Random) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Given the predicates a query reads, return quads to add and to remove, none with such a predicate:
    existing nodes joined by other predicates (new and old), and some of the store's other quads."""
    others = [q for q in store if q.predicate.value not in kept]
    nodes = [q.subject for q in others[:2000]] + [q.object for q in others[:2000]]
    predicates = sorted({q.predicate.value for q in others}) + ["urn:test:new"]
    graphs = [ox.NamedNode("urn:test:write"), *store.named_graphs()][:5]
    additions = []
    for _ in range(40):
        subject = rng.choice(nodes)
        if isinstance(subject, ox.Literal):
            subject = ox.NamedNode(f"urn:test:node-{rng.randrange(5)}")
        additions.append(ox.Quad(subject, ox.NamedNode(rng.choice(predicates)), rng.choice(nodes), rng.choice(graphs)))
    removals = rng.sample(others, min(40, len(others)))
    return additions, removals


def _saved_with_footprints() -> list[str]:
    return sorted(name for name, query in load_queries().items() if predicates_read(query.text, ns.BASE) is not None)


def _corpus() -> list[str]:
    saved = load_queries()
    return [saved[name].text for name in _saved_with_footprints()] + TRICKY


def test_most_saved_queries_have_a_footprint():
    # Those without one use p* paths (sameIncident*, affiliation chains): they read every node.
    assert len(_saved_with_footprints()) >= 6


@pytest.mark.parametrize("index", range(len(_corpus())))
def test_writes_to_other_predicates_leave_the_answer_unchanged(store, index):
    text = _corpus()[index]
    kept = predicates_read(text, ns.BASE)
    assert kept is not None, text[:200]
    rng = random.Random(index)
    for _ in range(3):
        before = _answer(store, text)
        additions, removals = _random_write(store, kept, rng)
        store.extend(additions)
        for quad in removals:
            store.remove(quad)
        try:
            assert _answer(store, text) == before, f"a write to predicates outside {sorted(kept)} changed it"
        finally:
            for quad in additions:
                store.remove(quad)
            store.extend(removals)


@pytest.mark.parametrize("text", WHOLE_STORE)
def test_queries_that_read_the_whole_store_have_no_footprint(text):
    assert predicates_read(text) is None


def test_a_footprint_names_every_predicate_of_the_patterns():
    assert predicates_read(TRICKY[4]) == {f"{SKG}about", f"{SKG}claimant"}
    assert predicates_read(TRICKY[0]) == {f"{SKG}claimant", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
