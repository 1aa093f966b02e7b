"""Counts, hostility and incidents (issue 10) through the write gate, on the seed store with the
real vocabularies: what a multi-source fixture needs conforms, and the wrong forms are refused.

The fixtures are fictional (the republic of Testland, the town of Korvalo). Every test runs once
with each of the gate's engines (pyshacl, compiled SPARQL, compiled Python).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.resources import resource
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

PREFIXES = """
@prefix skg: <https://w3id.org/sahelkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix id: <https://w3id.org/sahelkg/id/> .
@prefix v: <https://w3id.org/sahelkg/vocab/> .
@prefix graph: <https://w3id.org/sahelkg/graph/> .
"""
SOURCE = "https://w3id.org/sahelkg/graph/source/t-korvalo"
# A fictional source: a news article on an attack in Korvalo, with its catalog record.
KORVALO = PREFIXES + """
<https://w3id.org/sahelkg/graph/source/t-korvalo> {
<https://w3id.org/sahelkg/id/document/t-korvalo> a skg:NewsArticle ; rdfs:label "Attack in Korvalo"@en ;
    skg:datePublished "2025-03-05"^^xsd:date .
<https://w3id.org/sahelkg/id/place/t-korvalo> a skg:Place ; skos:prefLabel "Korvalo"@en ;
    geo:hasGeometry <https://w3id.org/sahelkg/id/geometry/t-korvalo> .
<https://w3id.org/sahelkg/id/geometry/t-korvalo> a geo:Geometry ; geo:asWKT "POINT(-3.25 14.5)"^^geo:wktLiteral .
<https://w3id.org/sahelkg/id/actor/t-korvalo-army> a skg:StateArmedForce ; skos:prefLabel "Army of Testland"@en .
<https://w3id.org/sahelkg/id/actor/t-korvalo-front> a skg:NonStateArmedGroup ; skos:prefLabel "Korvalo Front"@en .
<https://w3id.org/sahelkg/id/event/t-korvalo-attack> a skg:Event ; rdfs:label "Attack on Korvalo"@en ;
    skg:eventType <https://w3id.org/sahelkg/vocab/event-type/acled-attack> ;
    skg:location <https://w3id.org/sahelkg/id/place/t-korvalo> ;
    skg:timeSpan <https://w3id.org/sahelkg/id/timespan/t-korvalo-attack> .
<https://w3id.org/sahelkg/id/timespan/t-korvalo-attack> a skg:TimeSpan ;
    skg:startDate "2025-03-02"^^xsd:date ; skg:endDate "2025-03-02"^^xsd:date .
<https://w3id.org/sahelkg/id/count/t-korvalo-killed> a skg:Count ;
    skg:countOf <https://w3id.org/sahelkg/id/event/t-korvalo-attack> ;
    skg:outcome <https://w3id.org/sahelkg/vocab/outcome/killed> ; skg:unit <https://w3id.org/sahelkg/vocab/unit/persons> ;
    skg:qualifier <https://w3id.org/sahelkg/vocab/count-qualifier/at-least> ; skg:minimum 500 ;
    skg:originalWording "at least 500 people were killed"@en .
<https://w3id.org/sahelkg/id/actor/t-korvalo-times> a skg:NewsOrganisation ; skos:prefLabel "Korvalo Times"@en .
<https://w3id.org/sahelkg/id/claim/t-korvalo-fighting> a skg:Claim ;
    skg:stance <https://w3id.org/sahelkg/vocab/stance/reports> ;
    skg:claimant <https://w3id.org/sahelkg/id/actor/t-korvalo-times> ;
    skg:about <https://w3id.org/sahelkg/id/event/t-korvalo-attack> ;
    skg:reportedIn <https://w3id.org/sahelkg/id/document/t-korvalo> ; skg:statedOn "2025-03-05"^^xsd:date .
}
<https://w3id.org/sahelkg/graph/catalog> {
<https://w3id.org/sahelkg/graph/source/t-korvalo> a skg:SourceGraph ;
    prov:wasGeneratedBy <https://w3id.org/sahelkg/id/activity/t-korvalo> ;
    prov:wasDerivedFrom <https://w3id.org/sahelkg/id/file/t-korvalo> .
<https://w3id.org/sahelkg/id/activity/t-korvalo> a skg:LoadActivity ; prov:used <https://w3id.org/sahelkg/id/file/t-korvalo> .
<https://w3id.org/sahelkg/id/file/t-korvalo> a skg:DataFile ; skg:filePath "tests/t-korvalo.trig" ;
    skg:sha256 "0000000000000000000000000000000000000000000000000000000000000000" .
}
"""
ID = ns.ID
OUTCOME = ns.VOCAB + "outcome/"
Q = ns.VOCAB + "count-qualifier/"
SKG = ns.SKG
WHOLE = f"<{ID}count/t-korvalo-killed>"


def quads(trig: str) -> tuple[ox.Quad, ...]:
    return tuple(ox.parse(trig, format=ox.RdfFormat.TRIG))


def in_source(body: str) -> tuple[ox.Quad, ...]:
    """Given Turtle triples, return them as quads of the Korvalo source graph."""
    return quads(PREFIXES + f"<{SOURCE}> {{\n{body}\n}}")


def in_curation(body: str) -> tuple[ox.Quad, ...]:
    return quads(PREFIXES + f"<{ns.INCIDENTS_GRAPH}> {{\n{body}\n}}")


def count(slug: str, body: str) -> str:
    return (f"<{ID}count/{slug}> a skg:Count ; skg:countOf <{ID}event/t-korvalo-attack> ; "
            f"skg:unit <{ns.VOCAB}unit/persons> ; {body} .")


@pytest.fixture(scope="module")
def base_quads(seed_quads) -> list[ox.Quad]:
    """The seed dataset (ontology, real vocabularies, reference, a000) and the Korvalo source."""
    return [*seed_quads, *quads(KORVALO)]


@pytest.fixture()
def store(base_quads, engine) -> EmbeddedStore:
    s = EmbeddedStore()
    s.load_quads(base_quads)
    return s


def refused(store, change: Change) -> set[tuple[str, str, str | None]]:
    """Given a change the gate must refuse, return its violations as (focus, rule, path); the store
    must be unchanged."""
    before = len(store.oxigraph)
    with pytest.raises(gate.ChangeRefused) as refusal:
        gate.commit(store, change)
    assert len(store.oxigraph) == before
    return {(r.focus_node, r.source_constraint or r.source_shape, r.path)
            for r in refusal.value.report.results if r.severity == "Violation"}


def test_the_korvalo_source_conforms(store):
    assert [r for r in gate.check(store, Change(additions=quads(KORVALO))).results if r.severity == "Violation"] == []


def test_most_of_the_500_killed_were_executed_is_a_narrower_part(store):
    """Item 7: a part may count a narrower outcome (executed, skos:broader killed), and a
    proportion part has no number of its own."""
    part = count("t-korvalo-executed", f"skg:outcome <{OUTCOME}executed> ; skg:partOf {WHOLE} ; "
                 f"skg:qualifier <{Q}unspecified-plural> ; skg:proportion <{ns.VOCAB}proportion/most> ; "
                 "skg:originalWording \"most of them executed\"@en")
    receipt = gate.commit(store, Change(additions=in_source(part)))
    assert receipt.report.conforms
    assert set(in_source(part)) <= set(store.quads())


def test_a_part_counting_another_outcome_is_refused(store):
    part = count("t-korvalo-displaced", f"skg:outcome <{OUTCOME}displaced> ; skg:partOf {WHOLE} ; "
                 f"skg:qualifier <{Q}exact> ; skg:minimum 40 ; skg:maximum 40 ; skg:originalWording \"40 displaced\"@en")
    assert refused(store, Change(additions=in_source(part))) == {
        (f"{ID}count/t-korvalo-displaced", SKG + "CountShape-partSameUnitAndOutcome", SKG + "outcome")}


def test_the_vocabulary_link_the_part_rests_on_cannot_be_removed(store):
    """The part is judged with the reference graph's skos:broader: removing that link (a change to
    the vocabulary only) is refused because of the part in the source graph."""
    part = count("t-korvalo-executed", f"skg:outcome <{OUTCOME}executed> ; skg:partOf {WHOLE} ; "
                 f"skg:qualifier <{Q}at-least> ; skg:minimum 300 ; skg:originalWording \"at least 300 executed\"@en")
    gate.commit(store, Change(additions=in_source(part)))
    broader = ox.Quad(ox.NamedNode(OUTCOME + "executed"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader"),
                      ox.NamedNode(OUTCOME + "killed"), ox.NamedNode(ns.REFERENCE_GRAPH))
    assert broader in set(store.quads(broader.subject, broader.predicate, broader.object))
    assert refused(store, Change(removals=(broader,))) == {
        (f"{ID}count/t-korvalo-executed", SKG + "CountShape-partSameUnitAndOutcome", SKG + "outcome")}


def test_up_to_400_has_a_maximum_and_no_minimum(store):
    up_to = count("t-korvalo-displaced", f"skg:outcome <{OUTCOME}displaced> ; skg:qualifier <{Q}up-to> ; "
                  "skg:maximum 400 ; skg:originalWording \"up to 400 people fled\"@en")
    assert gate.commit(store, Change(additions=in_source(up_to))).report.conforms
    zero_to = count("t-korvalo-fled", f"skg:outcome <{OUTCOME}displaced> ; skg:qualifier <{Q}up-to> ; "
                    "skg:minimum 0 ; skg:maximum 400 ; skg:originalWording \"up to 400 people fled\"@en")
    assert refused(store, Change(additions=in_source(zero_to))) == {
        (f"{ID}count/t-korvalo-fled", SKG + "CountShape-upperBoundOnly", SKG + "minimum")}


def test_a_datasets_zero_is_unknown_not_at_least_zero(store):
    unknown = count("t-korvalo-unknown", f"skg:outcome <{OUTCOME}fatalities> ; skg:qualifier <{Q}unknown> ; "
                    "skg:originalWording \"0\"@en")
    assert gate.commit(store, Change(additions=in_source(unknown))).report.conforms
    at_least_zero = count("t-korvalo-zero", f"skg:outcome <{OUTCOME}fatalities> ; skg:qualifier <{Q}unknown> ; "
                          "skg:minimum 0 ; skg:originalWording \"0\"@en")
    assert refused(store, Change(additions=in_source(at_least_zero))) == {
        (f"{ID}count/t-korvalo-zero", SKG + "CountShape-unknownWithoutBounds", SKG + "minimum")}
    no_minimum = count("t-korvalo-none", f"skg:outcome <{OUTCOME}killed> ; skg:qualifier <{Q}at-least> ; "
                       "skg:originalWording \"several\"@en")
    assert refused(store, Change(additions=in_source(no_minimum))) == {
        (f"{ID}count/t-korvalo-none", SKG + "CountShape-minimumRequired", SKG + "minimum")}


def test_whose_casualties_a_count_counts(store):
    """Item 3: 'a dozen soldiers of the army' keeps the side and the status."""
    soldiers = count("t-korvalo-soldiers", f"skg:outcome <{OUTCOME}killed> ; skg:qualifier <{Q}approximately> ; "
                     f"skg:minimum 12 ; skg:victimCategory <{ns.VOCAB}victim-category/soldiers> ; "
                     f"skg:victimSide <{ID}actor/t-korvalo-army> ; skg:originalWording \"a dozen soldiers\"@en")
    assert gate.commit(store, Change(additions=in_source(soldiers))).report.conforms
    wrong_side = count("t-korvalo-side", f"skg:outcome <{OUTCOME}killed> ; skg:qualifier <{Q}exact> ; "
                       f"skg:minimum 3 ; skg:maximum 3 ; skg:victimSide <{ID}place/t-korvalo> ; "
                       "skg:originalWording \"three\"@en")
    assert refused(store, Change(additions=in_source(wrong_side))) == {
        (f"{ID}count/t-korvalo-side", SKG + "CountShape-victimSide", SKG + "victimSide")}


HOSTILITY = f"""
<{ID}actor/t-korvalo-army> skg:qualifiedHostility <{ID}affiliation/t-korvalo-army-vs-front> ;
    skg:inConflictWith <{ID}actor/t-korvalo-front> .
<{ID}affiliation/t-korvalo-army-vs-front> a skg:Hostility ;
    skg:hostilityKind <{ns.VOCAB}hostility-kind/in-conflict-with> ; skg:withActor <{ID}actor/t-korvalo-front> ;
    prov:wasDerivedFrom <{ID}claim/t-korvalo-fighting> .
"""
INVERSE = f"<{ID}actor/t-korvalo-front> skg:inConflictWith <{ID}actor/t-korvalo-army> ."


def test_hostility_is_stored_both_ways(store):
    """Item 8: one direction alone is refused, naming the missing inverse; both conform, and the
    inverse cannot then be removed alone."""
    assert refused(store, Change(additions=in_source(HOSTILITY))) == {
        (f"{ID}actor/t-korvalo-army", SKG + "SymmetricRelationShape-inverse", SKG + "inConflictWith")}
    assert gate.commit(store, Change(additions=in_source(HOSTILITY + INVERSE))).report.conforms
    inverse = in_source(INVERSE)
    with pytest.raises(gate.ChangeRefused) as refusal:
        gate.commit(store, Change(removals=inverse))
    [result] = refusal.value.report.results
    assert (result.focus_node, result.value) == (f"{ID}actor/t-korvalo-army", f"{ID}actor/t-korvalo-front")
    assert "inverse" in result.message


def test_a_hostility_is_never_an_affiliation(store):
    as_affiliation = f"""
<{ID}actor/t-korvalo-army> skg:qualifiedAffiliation <{ID}affiliation/t-korvalo-x> .
<{ID}affiliation/t-korvalo-x> a skg:Affiliation ; skg:affiliationKind <{ns.VOCAB}hostility-kind/in-conflict-with> ;
    skg:withActor <{ID}actor/t-korvalo-front> ; prov:wasDerivedFrom <{ID}claim/t-korvalo-fighting> ."""
    assert refused(store, Change(additions=in_source(as_affiliation))) == {
        (f"{ID}affiliation/t-korvalo-x", SKG + "AffiliationShape-kind", SKG + "affiliationKind")}


def test_the_seed_stores_hostility_both_ways_apart_from_affiliations(seed_store):
    rows = seed_store.query(f"""PREFIX skg: <{SKG}> SELECT ?a ?b WHERE {{
        GRAPH <{ns.SOURCE_GRAPH_PREFIX}a000> {{ ?a skg:inConflictWith ?b
            FILTER NOT EXISTS {{ ?b skg:inConflictWith ?a }} }} }}""").rows
    assert list(rows) == []
    enemies = seed_store.query(f"""PREFIX skg: <{SKG}> SELECT ?other WHERE {{
        <{ID}actor/fama> skg:qualifiedAffiliation/skg:withActor ?other }}""").rows
    fama_affiliates = {row[0].value for row in enemies}
    assert not fama_affiliates & {f"{ID}actor/jnim", f"{ID}actor/isgs", f"{ID}actor/csp-dpa"}
    hostile = seed_store.query(f"""PREFIX skg: <{SKG}> SELECT ?other WHERE {{
        <{ID}actor/fama> skg:qualifiedHostility/skg:withActor ?other }}""").rows
    assert {row[0].value for row in hostile} == {f"{ID}actor/jnim", f"{ID}actor/isgs", f"{ID}actor/csp-dpa"}


def test_the_saved_affiliates_query_returns_no_enemies(seed_store):
    text = resource("queries", "cq3-affiliates-of.rq").read_text(encoding="utf-8")
    pairs = {(row[0].value if row[0] else None, row[2].value) for row in seed_store.query(text).rows}
    assert pairs  # it answers: JNIM and ISGS are affiliates of their parents
    hostile = {(f"{ID}actor/jnim", f"{ID}actor/fama"), (f"{ID}actor/fama", f"{ID}actor/jnim"),
               (f"{ID}actor/isgs", f"{ID}actor/fama"), (f"{ID}actor/fama", f"{ID}actor/isgs"),
               (f"{ID}actor/csp-dpa", f"{ID}actor/fama"), (f"{ID}actor/fama", f"{ID}actor/csp-dpa")}
    assert not pairs & hostile


INCIDENT = f"""
<{ID}incident/t-korvalo-2025-03-02> a skg:Incident ; rdfs:label "Attack on Korvalo, 2 March 2025"@en .
<{ID}incident-link/00112233445566ff> a skg:IncidentLink ;
    skg:linkedEvent <{ID}event/t-korvalo-attack> ; skg:linkedIncident <{ID}incident/t-korvalo-2025-03-02> ;
    skg:linkStatus <{ns.VOCAB}link-status/STATUS> ; prov:wasAttributedTo <{ID}actor/sahelkg-link-incidents> ;
    prov:generatedAtTime "2026-12-01T10:00:00Z"^^xsd:dateTime ; skg:linkScore 0.8 ;
    skg:linkReason "time spans overlap (2025-03-02)" , "place within 4 km" .
<{ID}event/t-korvalo-attack> skg:sameIncident <{ID}incident/t-korvalo-2025-03-02> .
"""


def test_an_incident_link_in_the_curation_graph_needs_no_catalog_record(store):
    receipt = gate.commit(store, Change(additions=in_curation(INCIDENT.replace("STATUS", "confirmed"))))
    assert receipt.report.conforms and receipt.graphs == (ns.INCIDENTS_GRAPH,)


def test_same_incident_needs_a_confirmed_link(store):
    assert refused(store, Change(additions=in_curation(INCIDENT.replace("STATUS", "candidate")))) == {
        (f"{ID}event/t-korvalo-attack", SKG + "SameIncidentShape-confirmed", SKG + "sameIncident")}


def test_an_incident_has_no_event_type(store):
    typed = INCIDENT.replace("STATUS", "confirmed") + (
        f"<{ID}incident/t-korvalo-2025-03-02> skg:eventType <{ns.VOCAB}event-type/acled-attack> .")
    assert refused(store, Change(additions=in_curation(typed))) == {
        (f"{ID}incident/t-korvalo-2025-03-02", SKG + "IncidentShape-noEventType", SKG + "eventType")}


def test_a_point_is_longitude_then_latitude_in_range(store):
    geometry = quads(PREFIXES + f"""<{ns.REFERENCE_GRAPH}> {{
        <{ID}geometry/t-korvalo> a geo:Geometry ; geo:asWKT "POINT(14.5 -93.25)"^^geo:wktLiteral . }}""")
    old = tuple(q for q in store.quads(ox.NamedNode(f"{ID}geometry/t-korvalo"),
                                       ox.NamedNode("http://www.opengis.net/ont/geosparql#asWKT")))
    assert refused(store, Change(additions=geometry, removals=old)) == {
        (f"{ID}geometry/t-korvalo", SKG + "GeometryShape-asWKT", "http://www.opengis.net/ont/geosparql#asWKT")}
