"""The dossiers (actor, claim, document) on the seed and on a small fictional fixture with issue 10's
claim kinds: one row per claim, counts as a reader says them, dates at their precision, denials
with what they leave undenied, described accused never shown as identified."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.web import dossiers, layout
from sahelkg.web.pages import Site

ID = "https://w3id.org/sahelkg/id/"
ACTOR = ID + "actor/"
SITE = Site()


def href(iri: str) -> str:
    return layout.web_href(SITE, iri)


# Fictional: the Zerin Valley Front, Radio Umbo and the town of Bakadi do not exist.
FIXTURE = """
@prefix skg: <https://w3id.org/sahelkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix actor: <https://w3id.org/sahelkg/id/actor/> .
@prefix doc: <https://w3id.org/sahelkg/id/document/> .
@prefix event: <https://w3id.org/sahelkg/id/event/> .
@prefix claim: <https://w3id.org/sahelkg/id/claim/> .
@prefix accusation: <https://w3id.org/sahelkg/id/accusation/> .
@prefix count: <https://w3id.org/sahelkg/id/count/> .
@prefix stance: <https://w3id.org/sahelkg/vocab/stance/> .
@prefix role: <https://w3id.org/sahelkg/vocab/role/> .
@prefix ic: <https://w3id.org/sahelkg/vocab/identification-certainty/> .
@prefix q: <https://w3id.org/sahelkg/vocab/count-qualifier/> .
@prefix outcome: <https://w3id.org/sahelkg/vocab/outcome/> .
@prefix grounds: <https://w3id.org/sahelkg/vocab/rejection-grounds/> .
@prefix abs: <https://w3id.org/sahelkg/vocab/absence/> .
<https://w3id.org/sahelkg/graph/source/zz-test> {
  actor:zerin-front a skg:NonStateArmedGroup ; skos:prefLabel "Zerin Valley Front"@en .
  actor:radio-umbo a skg:NewsOrganisation ; skos:prefLabel "Radio Umbo"@en .
  doc:zz-broadcast a skg:NewsArticle ; rdfs:label "Radio Umbo broadcast on the Bakadi attack"@en ;
      skg:publisher actor:radio-umbo ; skg:datePublished "2031-03-04"^^xsd:date .
  doc:zz-video a skg:Video ; rdfs:label "Video said to show the Bakadi attack"@en .
  event:zz-bakadi a skg:Event ; rdfs:label "Attack on Bakadi market, March 2031"@en .
  claim:zz-described a skg:Allegation ; skg:stance stance:accuses ; skg:about event:zz-bakadi ;
      skg:claimant actor:radio-umbo ; skg:reportedIn doc:zz-broadcast ; skg:statedOn "2031-03-04"^^xsd:date ;
      skg:qualifiedClaimAttribution [ prov:agent actor:radio-umbo ] ;
      skg:qualifiedAccusation accusation:zz-described .
  accusation:zz-described a skg:Accusation ; skg:accusedDescription "gunmen on motorbikes"@en ;
      skg:candidateActor actor:zerin-front ; skg:allegedRole role:perpetrator ;
      skg:identificationCertainty ic:possible .
  count:zz-up-to a skg:Count ; skg:maximum 400 ; skg:qualifier q:up-to ;
      skg:outcome outcome:killed ; skg:originalWording "up to 400 dead"@en .
  claim:zz-described skg:assertsCount count:zz-up-to .
  claim:zz-rejects a skg:Allegation ; skg:stance stance:rejects ; skg:rejects doc:zz-video ;
      skg:rejectionGrounds grounds:fabricated ; skg:claimant actor:zerin-front ;
      skg:qualifiedClaimAttribution [ prov:agent actor:zerin-front ] ; skg:statedOn "2031-03-05"^^xsd:date ;
      skg:reportedIn doc:zz-broadcast .
  claim:zz-absence a skg:Claim ; skg:stance stance:reports-absence ; skg:about event:zz-bakadi ;
      skg:absenceOf abs:no-responsibility-claim ; skg:claimant actor:radio-umbo ;
      skg:qualifiedClaimAttribution [ prov:agent actor:radio-umbo ] ; skg:reportedIn doc:zz-broadcast .
}
"""


@pytest.fixture(scope="module")
def wagner(seed_store):
    return dossiers.actor_dossier(seed_store, ACTOR + "wagner-group", href)


@pytest.fixture(scope="module")
def fictional():
    from tests.conftest import seed_embedded_store

    store = seed_embedded_store()
    store.load_quads(list(ox.parse(FIXTURE.encode(), format=ox.RdfFormat.TRIG)))
    return store


def test_the_wagner_dossier_has_its_four_allegations_one_row_each(wagner):
    assert wagner.name == "Wagner Group" and "private military company" in wagner.kinds
    assert len(wagner.against) == 4
    assert len({row.iri for row in wagner.against}) == 4
    hrw = [row for row in wagner.against if "32+ civilians killed (at least)" in row.counts]
    assert len(hrw) == 1 and hrw[0].date == "December 2024"
    assert "100+ dwellings burned (at least)" in hrw[0].counts
    assert all(row.quotes for row in wagner.against)


def test_the_kel_ansar_denial_leaves_wagner_undenied(wagner):
    denied = [d for row in wagner.against for d in row.denials]
    assert denied
    for denial in denied:
        assert [a.label for a in denial.leaves] == ["Wagner Group"]
        assert "Malian Armed Forces" in denial.denies[0].label


def test_the_wagner_dossier_shows_its_affiliation_with_who_says_so_and_a_linked_network(wagner):
    supports = [a for a in wagner.affiliations if a.other.href == "/id/actor/fama"]
    assert supports and supports[0].kind == "supports" and supports[0].said_by
    assert supports[0].date.startswith("1 January 2020")
    assert 'href="/id/actor/fama"' in wagner.network_svg and 'href="/id/actor/wagner-group"' in wagner.network_svg
    assert "/id/event/a000-niono-vehicle-attack" in {i.href for i in wagner.incidents}


def test_the_dossier_page_renders_escaped(wagner):
    page = layout.render("actor.html", dossier=wagner, alternates=[], language_names={"en": "English"},
                         title=wagner.name, request_path="/id/actor/wagner-group", iri=wagner.iri,
                         sections_html="<p>statements</p>", technical=[], allow_scripts=False, href=href)
    assert "does not deny the part of" in page and 'href="/id/actor/wagner-group"' in page
    assert "32+ civilians killed (at least)" in page and "<script" not in page


def test_the_actor_page_lists_hostilities_apart_from_affiliations(seed_store):
    fama = dossiers.actor_dossier(seed_store, ACTOR + "fama", href)
    page = layout.render("actor.html", dossier=fama, alternates=[], language_names={"en": "English"},
                         title=fama.name, request_path="/id/actor/fama", iri=fama.iri,
                         sections_html="", technical=[], allow_scripts=False, href=href)
    allied = page[page.index('id="affiliations-title"'):page.index('id="hostilities-title"')]
    hostile = page[page.index('id="hostilities-title"'):page.index('class="network-figure"')]
    assert 'href="/id/actor/wagner-group"' in allied and 'href="/id/actor/jnim"' not in allied
    assert 'href="/id/actor/jnim"' in hostile and 'href="/id/actor/wagner-group"' not in hostile


def test_a_claim_dossier_draws_its_chain_and_folds_the_technical_fields(seed_store):
    claim = dossiers.claim_dossier(seed_store, ID + "claim/a000-s4-csp-dpa-accuses", href)
    assert claim is not None and claim.allegation
    assert claim.name.startswith("Mohamed Elmaouloud Ramadane accuses")
    assert [q for q in claim.row.quotes if "carried out the attack" in q]
    for target in ("/id/actor/csp-dpa", "/id/document/a000", "/id/document/a000-ramadane-statement"):
        assert f'href="{target}"' in claim.chain_svg
    assert any(what == "SHA-256" for what, _ in claim.technical)
    assert [d.iri for d in claim.denied_by] == [ID + "claim/a000-s5-kel-ansar-denial"]


def test_a_document_dossier_says_what_rests_on_it_alone(seed_store):
    doc = dossiers.document_dossier(seed_store, ID + "document/hrw-report-2024-12", href)
    assert doc is not None and not doc.retracted and doc.kinds
    assert doc.derived and doc.alone <= {row.iri for row in doc.derived}
    assert dossiers.document_dossier(seed_store, ACTOR + "fama", href) is None


def test_described_accused_are_never_shown_as_identified(fictional):
    front = dossiers.actor_dossier(fictional, ACTOR + "zerin-front", href)
    assert front is not None and front.against == []
    assert [row.iri for row in front.described_as] == [ID + "claim/zz-described"]
    row = front.described_as[0]
    assert row.accused == [] and row.described[0].description == "gunmen on motorbikes"
    assert row.described[0].candidate is not None and row.described[0].candidate.label == "Zerin Valley Front"
    assert row.counts == ["up to 400 killed"]


def test_rejections_and_absences_show_their_targets(fictional):
    doc = dossiers.document_dossier(fictional, ID + "document/zz-video", href)
    assert doc is not None and [r.iri for r in doc.rejected_by] == [ID + "claim/zz-rejects"]
    assert doc.rejected_by[0].rejects[0].href == "/id/document/zz-video"
    assert [g.lower() for g in doc.rejected_by[0].grounds] == ["fabricated"]
    broadcast = dossiers.document_dossier(fictional, ID + "document/zz-broadcast", href)
    assert broadcast is not None
    absence = [r for r in broadcast.derived if r.iri.endswith("zz-absence")][0]
    assert len(absence.absences) == 1 and "responsibility" in absence.absences[0]
    assert absence.verb == "reports the absence of"


def test_a_place_has_no_actor_dossier(seed_store):
    assert dossiers.actor_dossier(seed_store, "https://w3id.org/sahelkg/id/place/mali", str) is None


@pytest.mark.parametrize(("arguments", "phrase"), [
    (("47", "", "at-least", "executed", "civilians"), "47+ civilians executed (at least)"),
    (("2000", "9999", "unspecified-plural", "displaced", ""), "an unstated number (2,000–9,999) of displaced"),
    (("10", "20", "range", "killed", ""), "10–20 killed"),
    (("50", "", "approximately", "killed", "civilians"), "about 50 civilians killed"),
    (("", "400", "up-to", "killed", "civilians"), "up to 400 civilians killed"),
    (("", "", "unknown", "killed", ""), "an unknown number killed"),
])
def test_count_phrases(arguments, phrase):
    assert dossiers.count_phrase(*arguments) == phrase
