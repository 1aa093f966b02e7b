"""The write gate: check_change validates the store as it would be after a change, touching nothing.

Every test runs with both engines of the gate (pyshacl, and the shapes compiled to SPARQL).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.gate import validation
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

SKG = "https://w3id.org/sahelkg/ontology#"
ID = "https://w3id.org/sahelkg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
A000 = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a000")


def node(local: str) -> ox.NamedNode:
    return ox.NamedNode(ID + local)


def skg(local: str) -> ox.NamedNode:
    return ox.NamedNode(SKG + local)


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def date(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


@pytest.fixture()
def store(seed_quads, engine):
    """The seed dataset in a store; each test runs once with each of the gate's engines."""
    s = EmbeddedStore()
    s.load_quads(seed_quads)
    return s


def replace(store, subject, predicate, value, graph=A000) -> Change:
    """Given a subject and predicate, return the change that replaces its value(s) with value."""
    old = tuple(q for q in store.quads(subject, predicate) if q.graph_name == graph)
    return Change(removals=old, additions=(ox.Quad(subject, predicate, value, graph),))


def test_gate_never_applies_the_change(store):
    before = store.triple_count()
    change = replace(store, node("count/a000-niono-killed"), skg("minimum"), integer(12))
    validation.check_change(store, change)
    assert store.triple_count() == before
    assert next(iter(store.quads(node("count/a000-niono-killed"), skg("minimum")))).object == integer(9)


def test_a_valid_change_conforms_and_reports_infos_of_affected_nodes(store):
    change = Change(additions=(ox.Quad(node("claim/a000-s3-kal-akal-accuses"), skg("statedOn"), date("2025-01-03"), A000),),
                    removals=tuple(store.quads(node("claim/a000-s3-kal-akal-accuses"), skg("statedOn"))))
    report = validation.check_change(store, change)
    assert report.conforms
    assert [(r.severity, r.focus_node) for r in report.results] == [("Info", ID + "claim/a000-s3-kal-akal-accuses")]


def test_raising_a_minimum_above_the_maximum_is_refused_with_the_exact_results(store):
    change = replace(store, node("count/a000-niono-killed"), skg("minimum"), integer(12))
    report = validation.check_change(store, change)
    assert not report.conforms
    assert {(r.severity, r.focus_node, r.source_constraint or r.source_shape, r.path) for r in report.results} == {
        ("Violation", ID + "count/a000-niono-killed", SKG + "CountShape-minimumNotAboveMaximum", SKG + "minimum"),
        ("Violation", ID + "count/a000-niono-killed", SKG + "CountShape-exactBounds", SKG + "maximum"),
    }


def test_a_change_two_hops_away_reaches_the_claims_that_read_it(store):
    """Moving the attack's start after the claims about it breaks those claims, not the span."""
    timespan = node("timespan/a000-2025-01-02")
    change = replace(store, timespan, skg("startDate"), date("2025-01-05"))
    change = Change(removals=change.removals + tuple(store.quads(timespan, skg("endDate"))),
                    additions=change.additions + (ox.Quad(timespan, skg("endDate"), date("2025-01-05"), A000),))
    report = validation.check_change(store, change)
    broken = {r.focus_node for r in report.by_severity("Violation")}
    # the two claims Ramadane made on 4 January; the others' statement spans reach past the 5th
    assert broken == {ID + "claim/a000-s4-csp-dpa-accuses", ID + "claim/a000-s4-csp-dpa-reports-attack"}
    assert {r.source_constraint for r in report.by_severity("Violation")} == {SKG + "ClaimShape-statedBeforeOccurrence"}


def test_retyping_an_actor_breaks_the_claims_that_accuse_it(store):
    fama = node("actor/fama")
    change = Change(removals=tuple(store.quads(fama, ox.NamedNode(validation.RDF_TYPE))),
                    additions=(ox.Quad(fama, ox.NamedNode(validation.RDF_TYPE), skg("Place"),
                                       ox.NamedNode("https://w3id.org/sahelkg/graph/reference")),))
    report = validation.check_change(store, change)
    shapes = {r.source_shape for r in report.by_severity("Violation")}
    assert SKG + "ClaimShape-accused" in shapes
    assert SKG + "AccusationShape-accusedActor" in shapes
    assert SKG + "PlaceShape" in shapes  # the actor IRI is not a place IRI


def test_a_new_source_graph_without_provenance_is_refused(store):
    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a999")
    change = Change(additions=(ox.Quad(node("place/mali"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                                       ox.Literal("Mali", language="fr"), graph),))
    report = validation.check_change(store, change)
    assert {(r.focus_node, r.source_shape) for r in report.results} == {
        (graph.value, SKG + "SourceGraphShape-described"),
        (graph.value, SKG + "SourceGraphShape-activity"),
        (graph.value, SKG + "SourceGraphShape-file"),
    }


def test_removing_a_triple_another_graph_still_holds_changes_nothing(store):
    quad = next(iter(store.quads(node("actor/fama"), ox.NamedNode(validation.RDF_TYPE))))
    copy = ox.Quad(quad.subject, quad.predicate, quad.object, A000)
    store.apply(Change(additions=(copy,)))
    report = validation.check_change(store, Change(removals=(quad,)))
    assert report.conforms


def test_an_empty_change_has_an_empty_report(store):
    report = validation.check_change(store, Change())
    assert report.conforms and report.results == []


def test_a_blank_node_affiliation_is_refused_like_full_validation_refuses_it(store):
    affiliation = ox.BlankNode()
    wagner = node("actor/wagner-group")
    quads = (
        ox.Quad(wagner, skg("qualifiedAffiliation"), affiliation, A000),
        ox.Quad(affiliation, ox.NamedNode(validation.RDF_TYPE), skg("Affiliation"), A000),
        ox.Quad(affiliation, skg("affiliationKind"),
                ox.NamedNode("https://w3id.org/sahelkg/vocab/affiliation-kind/supports"), A000),
        ox.Quad(affiliation, skg("withActor"), node("actor/fama"), A000),
        ox.Quad(affiliation, ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"),
                node("claim/a000-s7-wagner-supports-fama"), A000),
    )
    report = validation.check_change(store, Change(additions=quads))
    sh = "http://www.w3.org/ns/shacl#"
    assert {(r.severity, r.focus_node, r.source_shape, r.constraint_component) for r in report.results} == {
        ("Violation", affiliation.value, SKG + "AffiliationShape", sh + "NodeKindConstraintComponent"),
        ("Violation", affiliation.value, SKG + "AffiliationShape", sh + "PatternConstraintComponent")}


def test_a_new_source_graph_whose_triple_another_graph_also_gets_is_refused(store):
    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a998")
    s, p, o = node("place/mali"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"), ox.Literal("Mali", language="fr")
    change = Change(additions=(ox.Quad(s, p, o, ox.NamedNode("https://w3id.org/sahelkg/graph/catalog")),
                               ox.Quad(s, p, o, graph)))
    report = validation.check_change(store, change)
    assert {(r.focus_node, r.source_shape) for r in report.results} == {
        (graph.value, SKG + "SourceGraphShape-described"),
        (graph.value, SKG + "SourceGraphShape-activity"),
        (graph.value, SKG + "SourceGraphShape-file"),
    }
