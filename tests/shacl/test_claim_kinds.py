"""Claim kinds past accusing and denying (issue 10, part A): responsibility claims,
acknowledgements, rejections of evidence, reported absences, accused by description,
contributing acts, attributed characterisation and upstream sources.

A valid dataset using every new term conforms with no result in each engine and passes the gate;
the stance-specific rules apply to a claim by its stance, whatever class it is typed with; the
gate refuses a broken claim and writes nothing. One invalid fixture per rule is in
fixtures/invalid/ (test_fixtures.py). Names and places are fictional (Testland).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SKOS

from sahelkg import gate
from sahelkg.gate import validation
from sahelkg.resources import resource
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

from .conftest import BASE, FIXTURES, compiled_report, native_report, ontology_quads, parse_trig, reference_report

SKG = "https://w3id.org/sahelkg/ontology#"
VOCAB = "https://w3id.org/sahelkg/vocab/"
PREFIXES = (FIXTURES / "prefixes.inc").read_text(encoding="utf-8") + """
@prefix grounds: <https://w3id.org/sahelkg/vocab/rejection-grounds/> .
@prefix abs: <https://w3id.org/sahelkg/vocab/absence/> .
@prefix ic: <https://w3id.org/sahelkg/vocab/identification-certainty/> .
"""
# What every claim below shares with the base fixture's claim (event, document, anchor, a date in between).
SOURCED = """skg:about event:t001-attack ; skg:statedOn "2025-01-10"^^xsd:date ; skg:reportedIn doc:t001 ;
    skg:anchor anchor:t001-accuses"""

VALID = PREFIXES + f"""
graph:reference {{
role:spokesperson a skos:Concept ; skos:inScheme v:role ; skos:prefLabel "spokesperson"@en .
et:counter-terrorism-operation a skos:Concept ; skos:inScheme v:event-type ; skos:prefLabel "counter-terrorism operation"@en .
actor:t-militia-spokesperson a skg:Person ; skos:prefLabel "Spokesperson of the Testland militia"@en .
}}
graph:source\\/t001 {{
doc:t001-video a skg:Video ; rdfs:label "Clip said to show the attack"@en .
doc:t001-communique a skg:Communique ; rdfs:label "Militia communiqué"@en ; skg:publisher actor:t-militia .
doc:t001-testimony a skg:Testimony ; rdfs:label "A survivor's account to Testland Watch"@en .

# The militia, through its spokesperson, claims the attack.
attribution:t001-militia-claims a skg:ClaimAttribution ; prov:agent actor:t-militia-spokesperson ;
    skg:onBehalfOf actor:t-militia ; prov:hadRole role:spokesperson ; skg:attributionCertainty ac:explicit .
accusation:t001-militia-claims a skg:Accusation ; skg:accusedActor actor:t-militia ; skg:allegedRole role:perpetrator .
claim:t001-militia-claims a skg:Allegation ; skg:stance stance:claims-responsibility ;
    skg:claimant actor:t-militia-spokesperson ; skg:qualifiedClaimAttribution attribution:t001-militia-claims ;
    {SOURCED} ; skg:originallyStatedIn doc:t001-communique ;
    skg:accused actor:t-militia ; skg:qualifiedAccusation accusation:t001-militia-claims .

# The army acknowledges two soldiers killed and calls the fighting a counter-terrorism operation.
count:t001-soldiers-killed a skg:Count ; skg:countOf event:t001-attack ; skg:outcome outcome:killed ;
    skg:unit unit:persons ; skg:qualifier q:exact ; skg:minimum 2 ; skg:maximum 2 ; skg:victimSide actor:t-army ;
    skg:originalWording "two of our soldiers"@en .
claim:t001-army-acknowledges a skg:Allegation ; skg:stance stance:acknowledges ; skg:claimant actor:t-army ;
    {SOURCED} ; skg:assertsCount count:t001-soldiers-killed ;
    skg:characterisesAs et:counter-terrorism-operation ; skg:characterisationWording "an operation against terrorists"@en .

# The army rejects the video as biased; a plain skg:Claim typed claim gets the same checks.
claim:t001-army-rejects a skg:Claim ; skg:stance stance:rejects ; skg:claimant actor:t-army ;
    {SOURCED} ; skg:rejects doc:t001-video ; skg:rejectionGrounds grounds:biased ;
    skg:groundsWording "a clip staged by our enemies"@en .

# The newspaper reports that nobody claimed the attack (before the communiqué reached it).
claim:t001-no-claim a skg:Claim ; skg:stance stance:reports-absence ; skg:claimant actor:t-news ;
    {SOURCED} ; skg:absenceOf abs:no-responsibility-claim .

# The NGO describes the killers (possibly the militia) and accuses the army of gathering the villagers.
accusation:t001-gunmen a skg:Accusation ; skg:accusedDescription "men in militia outfits"@en ;
    skg:candidateActor actor:t-militia ; skg:identificationCertainty ic:possible ; skg:allegedRole role:perpetrator .
accusation:t001-army-gathered a skg:Accusation ; skg:accusedActor actor:t-army ; skg:allegedRole role:contributor ;
    skg:contributingAct "ordered the villagers to gather at the well"@en .
claim:t001-ngo-describes a skg:Allegation ; skg:stance stance:accuses ; skg:claimant actor:t-ngo ;
    {SOURCED} ; skg:accused actor:t-army ;
    skg:qualifiedAccusation accusation:t001-gunmen , accusation:t001-army-gathered ;
    skg:characterisesAs et:massacre ; skg:basedOn doc:t001-testimony .
}}
"""


def quads_of(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TRIG))


def keys(report) -> set[tuple[str, str, str, str | None]]:
    """Given a report, return (severity, focus node, shape, constraint) per result."""
    return {(r.severity, r.focus_node, r.source_shape, r.source_constraint) for r in report.results}


def every_engine(quads: list[ox.Quad]) -> list[set]:
    """Given a dataset, return each engine's full report as keys (pyshacl, compiled SPARQL, compiled Python)."""
    return [keys(reference_report(quads)), keys(compiled_report(quads)), keys(native_report(quads))]


@pytest.fixture(scope="module")
def base_quads() -> list[ox.Quad]:
    return ontology_quads() + parse_trig(BASE)


@pytest.fixture(scope="module")
def base_store(base_quads) -> EmbeddedStore:
    store = EmbeddedStore()
    store.load_quads(base_quads)
    return store


def test_every_new_claim_kind_conforms_with_no_result_in_every_engine(base_quads):
    assert every_engine(base_quads + quads_of(VALID)) == [set(), set(), set()]


def test_the_gate_accepts_every_new_claim_kind(base_store, engine):
    report = validation.check_change(base_store, Change(additions=tuple(quads_of(VALID))))
    assert report.results == [], engine


@pytest.mark.parametrize("claim_class", ["Claim", "Allegation"])
def test_a_denial_is_checked_by_its_stance_whatever_its_class(base_quads, claim_class):
    denial = PREFIXES + f"""graph:source\\/t001 {{
        claim:t001-army-denies a skg:{claim_class} ; skg:stance stance:denies ; skg:claimant actor:t-army ;
            {SOURCED} ; skg:deniedActor actor:t-army . }}"""
    expected = {("Violation", "https://w3id.org/sahelkg/id/claim/t001-army-denies", SKG + "StanceShape", SKG + rule)
                for rule in ("StanceShape-denialDisputes", "StanceShape-deniedActorAccused")}
    assert every_engine(base_quads + quads_of(denial)) == [expected] * 3


def test_a_spokesperson_accusing_the_organisation_it_speaks_for_is_a_self_accusation(base_quads):
    text = PREFIXES + f"""graph:reference {{
        actor:t-army-spokesperson a skg:Person ; skos:prefLabel "Army spokesperson"@en . }}
    graph:source\\/t001 {{
        attribution:t001-army-speaks a skg:ClaimAttribution ; prov:agent actor:t-army-spokesperson ;
            skg:onBehalfOf actor:t-army .
        accusation:t001-army-self a skg:Accusation ; skg:accusedActor actor:t-army ; skg:allegedRole role:perpetrator .
        claim:t001-army-self a skg:Claim ; skg:stance stance:accuses ; skg:claimant actor:t-army-spokesperson ;
            skg:qualifiedClaimAttribution attribution:t001-army-speaks ; {SOURCED} ;
            skg:accused actor:t-army ; skg:qualifiedAccusation accusation:t001-army-self . }}"""
    expected = {("Violation", "https://w3id.org/sahelkg/id/claim/t001-army-self", SKG + "StanceShape",
                 SKG + "StanceShape-selfAccusation")}
    assert every_engine(base_quads + quads_of(text)) == [expected] * 3
    values = {r.value for r in reference_report(base_quads + quads_of(text)).results}
    assert values == {"https://w3id.org/sahelkg/id/actor/t-army"}


def test_the_gate_refuses_a_responsibility_claim_for_another_actor_and_writes_nothing(base_store):
    text = PREFIXES + f"""graph:source\\/t001 {{
        accusation:t001-claims-for-army a skg:Accusation ; skg:accusedActor actor:t-army ; skg:allegedRole role:perpetrator .
        claim:t001-militia-claims-for-army a skg:Allegation ; skg:stance stance:claims-responsibility ;
            skg:claimant actor:t-militia ; {SOURCED} ;
            skg:accused actor:t-army ; skg:qualifiedAccusation accusation:t001-claims-for-army . }}"""
    before = len(base_store.oxigraph)
    with pytest.raises(gate.ChangeRefused) as refused:
        gate.commit(base_store, Change(additions=tuple(quads_of(text))))
    assert len(base_store.oxigraph) == before
    [result] = refused.value.report.results
    assert result.source_constraint == SKG + "StanceShape-responsibilityClaimantAccused"
    assert "stance:accuses" in result.message  # says what to use instead


def test_a_described_accused_is_shown_as_identified_only_when_another_accusation_names_it(base_quads):
    """Listing the NGO claim's candidate (the militia) in skg:accused is refused, unless another
    accusation of the same claim names the militia outright."""
    listed = PREFIXES + """graph:source\\/t001 { claim:t001-ngo-describes skg:accused actor:t-militia . }"""
    named = PREFIXES + """graph:source\\/t001 {
        accusation:t001-militia-named a skg:Accusation ; skg:accusedActor actor:t-militia ; skg:allegedRole role:supporter .
        claim:t001-ngo-describes skg:qualifiedAccusation accusation:t001-militia-named . }"""
    refused = {("Violation", "https://w3id.org/sahelkg/id/claim/t001-ngo-describes", SKG + "StanceShape",
                SKG + "StanceShape-candidateNotAccused"),
               ("Warning", "https://w3id.org/sahelkg/id/claim/t001-ngo-describes", SKG + "StanceWarningShape",
                SKG + "StanceWarningShape-unqualifiedAccused")}
    valid = base_quads + quads_of(VALID)
    assert every_engine(valid + quads_of(listed)) == [refused] * 3
    assert every_engine(valid + quads_of(listed) + quads_of(named)) == [set()] * 3


PART_A_CONCEPTS = {
    "stance": ["claims-responsibility", "acknowledges", "rejects", "reports-absence"],
    "role": ["contributor"],
    "rejection-grounds": ["biased", "fabricated", "inaccurate", "unverified", "out-of-context"],
    "absence": ["no-responsibility-claim", "no-toll-given", "no-response"],
    "identification-certainty": ["identified", "probable", "possible", "unidentified"],
    "event-type": ["massacre", "counter-terrorism-operation"],
}


@pytest.fixture(scope="module")
def vocabularies() -> rdflib.Dataset:
    graph = rdflib.Dataset(default_union=True)  # the schemes live in the reference graph
    graph.parse(resource("data", "vocabularies.trig"), format="trig")
    return graph


@pytest.mark.parametrize("scheme,concept", [(s, c) for s, cs in PART_A_CONCEPTS.items() for c in cs])
def test_each_new_concept_is_in_its_scheme_with_labels_and_definition(vocabularies, scheme, concept):
    node = rdflib.URIRef(f"{VOCAB}{scheme}/{concept}")
    assert (node, SKOS.inScheme, rdflib.URIRef(VOCAB + scheme)) in vocabularies
    assert {label.language for label in vocabularies.objects(node, SKOS.prefLabel)} == {"en", "fr"}
    assert any(d.language == "en" for d in vocabularies.objects(node, SKOS.definition))


def test_each_new_stance_says_when_to_use_it(vocabularies):
    for concept in PART_A_CONCEPTS["stance"] + ["reports", "accuses"]:
        assert vocabularies.value(rdflib.URIRef(f"{VOCAB}stance/{concept}"), SKOS.scopeNote) is not None, concept
