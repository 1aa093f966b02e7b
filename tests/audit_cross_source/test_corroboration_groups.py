"""How corroboration reads its groups from the store: each claim's event, accused and role in one
query, the attributions' speakers, confirmed incidents and preferred/alternative labels apart. These
cases check the joins in Python give what one query over every pattern gave: every agent of an
attribution is a claimant, an attribution without an agent names none, an incident gathers its
events, and names come from the preferred label (with its acronym), else the English rdfs:label,
else the short IRI."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.audit import reports as audit
from sahelkg.namespaces import shorten

ID = "https://w3id.org/sahelkg/id/"
PREFIXES = f"""
@prefix skg: <https://w3id.org/sahelkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix stance: <https://w3id.org/sahelkg/vocab/stance/> .
@prefix role: <https://w3id.org/sahelkg/vocab/role/> .
@prefix event: <{ID}event/> .
@prefix claim: <{ID}claim/> .
@prefix actor: <{ID}actor/> .
@prefix incident: <{ID}incident/> .
"""
STORE_TEXT = PREFIXES + """
event:raid skos:prefLabel "Raid on Kelbo"@en ; skos:altLabel "RKB"@en, "raid"@en .
event:unnamed skg:title "no label of any kind" .
event:zel rdfs:label "Attack in Zel"@en, "Attaque à Zel"@fr .
event:zel-repeat rdfs:label "Attack in Zel, as a second source has it"@en ; skg:sameIncident incident:zel .
event:zel skg:sameIncident incident:zel .
incident:zel skos:prefLabel "Attack in Zel (incident)"@en .
actor:ngo skos:prefLabel "Kelbo Watch"@en .
actor:paper skos:prefLabel "Zel Courier"@en .
actor:army skos:prefLabel "Osmaran Army"@en .

claim:one skg:stance stance:accuses ; skg:about event:raid ;
  skg:qualifiedAccusation [ skg:accusedActor actor:army ; skg:allegedRole role:perpetrator ] ;
  skg:qualifiedClaimAttribution claim:one-by .
claim:one-by prov:agent actor:ngo, actor:paper .
claim:two skg:stance stance:claims-responsibility ; skg:about event:unnamed ;
  skg:qualifiedAccusation [ skg:accusedActor actor:army ; skg:allegedRole role:perpetrator ] ;
  skg:qualifiedClaimAttribution claim:two-by .
claim:two-by prov:agent actor:army .
claim:three skg:stance stance:accuses ; skg:about event:zel ;
  skg:qualifiedAccusation [ skg:accusedActor actor:army ; skg:allegedRole role:perpetrator ] ;
  skg:qualifiedClaimAttribution claim:three-by .
claim:three-by prov:agent actor:ngo .
claim:four skg:stance stance:accuses ; skg:about event:zel-repeat ;
  skg:qualifiedAccusation [ skg:accusedActor actor:army ; skg:allegedRole role:perpetrator ] ;
  skg:qualifiedClaimAttribution claim:four-by .
claim:four-by prov:agent actor:paper .
claim:nobody skg:stance stance:accuses ; skg:about event:unnamed ;
  skg:qualifiedAccusation [ skg:accusedActor actor:ngo ; skg:allegedRole role:perpetrator ] ;
  skg:qualifiedClaimAttribution claim:nobody-by .
claim:denial skg:stance stance:denies ; skg:about event:unnamed ;
  skg:qualifiedAccusation [ skg:accusedActor actor:paper ; skg:allegedRole role:perpetrator ] ;
  skg:qualifiedClaimAttribution claim:two-by .
"""


@pytest.fixture(scope="module")
def report() -> audit.Report:
    from sahelkg.store import EmbeddedStore

    store = EmbeddedStore()
    store.load_quads(ox.Quad(t.subject, t.predicate, t.object)
                     for t in ox.parse(STORE_TEXT, format=ox.RdfFormat.TURTLE))
    return audit.corroboration(store, limit=None)


def test_groups_names_and_claimants(report):
    rows = {(r["about"], r["accused"]): r for r in report.rows}
    assert set(rows) == {("Raid on Kelbo (RKB)", "Osmaran Army"), (shorten(ID + "event/unnamed"), "Osmaran Army"),
                         ("Attack in Zel (incident)", "Osmaran Army")}
    raid = rows[("Raid on Kelbo (RKB)", "Osmaran Army")]
    # One claim with two agents: two claimants of one line of evidence (one claim).
    assert (raid["independent claimants"], raid["claimants"], raid["lines of evidence"]) == \
        ("2", "Kelbo Watch; Zel Courier", "1")
    zel = rows[("Attack in Zel (incident)", "Osmaran Army")]
    assert (zel["allegations"], zel["independent claimants"]) == ("claim:four; claim:three", "2")
    unnamed = rows[(shorten(ID + "event/unnamed"), "Osmaran Army")]
    assert (unnamed["claim kinds"], unnamed["single claimant"]) == ("claims-responsibility 1", "yes")


def test_claims_without_an_agent_or_of_other_stances_are_not_counted(report):
    # claim:nobody's attribution names no agent; claim:denial denies: neither makes a group.
    assert "Kelbo Watch" not in {r["accused"] for r in report.rows}
    assert "Zel Courier" not in {r["accused"] for r in report.rows}
    assert report.page is not None and report.page.total == 3
