"""The saved queries of issue 10 give their exact answers on the seed plus the fictional Tarvo incident
(expected rows written from reading tarvo.trig), in memory and over HTTP on the real service."""

from __future__ import annotations

import pytest

from sahelkg.sparql.saved_queries import load_queries
from tests.audit_cross_source.conftest import INCIDENT
from tests.queries.conftest import rows

QUERIES = load_queries()
ID = "https://w3id.org/sahelkg/id/"


def run(store, name, **params):
    return QUERIES[name].run(store, params)


def test_cq7_every_figure_of_the_incident(tarvo_store):
    got = rows(run(tarvo_store, "cq7-incident-figures", incident=INCIDENT), "claim", "qualifier", "minimum",
               "maximum", "outcome", "victimSides")
    assert got == [
        ("claim/acled-fx-1", "count-qualifier/exact", "28", "28", "outcome/fatalities", None),
        ("claim/fx-courier-army-operation", "count-qualifier/range", "20", "25", "outcome/killed", ID + "actor/tarvo-front"),
        ("claim/fx-courier-residents-accuse", "count-qualifier/range", "31", "35", "outcome/killed", None),
        ("claim/fx-meridian-army-acknowledges", "count-qualifier/exact", "12", "12", "outcome/killed", ID + "actor/osm-army"),
        ("claim/fx-meridian-orw-accuses", "count-qualifier/at-least", "30", None, "outcome/killed", None),
        ("claim/fx-meridian-tlf-claims", "count-qualifier/up-to", None, "40", "outcome/killed", ID + "actor/osm-army")]


def test_cq8_responsibility_claims_and_acknowledgements(tarvo_store):
    assert rows(run(tarvo_store, "cq8-responsibility-and-acknowledgements"), "claim", "stance", "actor", "counts") == [
        ("claim/fx-courier-army-operation", "stance/claims-responsibility", "actor/osm-army", "20 to 25 terrorists"),
        ("claim/fx-meridian-army-acknowledges", "stance/acknowledges", "actor/osm-army", "twelve of our soldiers"),
        ("claim/fx-meridian-tlf-claims", "stance/claims-responsibility", "actor/tarvo-front", "up to 40 soldiers")]
    only_tlf = run(tarvo_store, "cq8-responsibility-and-acknowledgements", actor="actor:tarvo-front")
    assert rows(only_tlf, "claim") == [("claim/fx-meridian-tlf-claims",)]


def test_cq9_accusations_between_adversaries(tarvo_store):
    assert rows(run(tarvo_store, "cq9-accusations-between-adversaries"), "claim", "claimant", "accused", "mutual") == [
        ("claim/a000-s4-csp-dpa-accuses", "actor/csp-dpa", "actor/fama", "false"),
        ("claim/fx-courier-tlf-accuses-army", "actor/tarvo-front", "actor/osm-army", "false")]


def test_cq10_an_organisation_against_an_actor_and_its_affiliates_never_its_enemies(tarvo_store):
    got = run(tarvo_store, "cq10-alleged-against-actor-and-affiliates", by="actor:osmara-rights-watch",
              against="actor:osm-army")
    assert rows(got, "accused", "allegedRole", "claim") == [
        ("actor/osm-army", "role/perpetrator", "claim/fx-meridian-orw-accuses"),
        ("actor/tarvo-militia", "role/contributor", "claim/fx-meridian-orw-accuses")]
    by_tlf = run(tarvo_store, "cq10-alleged-against-actor-and-affiliates", by="actor:tarvo-front",
                 against="actor:osm-army")
    assert rows(by_tlf, "accused", "claim") == [("actor/osm-army", "claim/fx-courier-tlf-accuses-army")]


def test_cq11_answers_by_kind_of_actor(tarvo_store):
    assert rows(run(tarvo_store, "cq11-answers-by-actor-kind"), "kind", "actor", "stance", "target") == [
        ("skg:CommunalGroup", "actor/kel-ansar", "stance/denies", "claim/a000-s3-kal-akal-accuses"),
        ("skg:CommunalGroup", "actor/kel-ansar", "stance/denies", "claim/a000-s4-csp-dpa-accuses"),
        ("skg:Government", "actor/osm-government", "stance/rejects", "document/fx-orw-statement"),
        ("skg:NonStateArmedGroup", "actor/tarvo-front", "stance/rejects", "document/fx-army-video"),
        ("skg:StateArmedForce", "actor/osm-army", "stance/denies", "claim/fx-courier-residents-accuse")]


def test_cq12_claims_resting_on_one_upstream_source(tarvo_store):
    got = run(tarvo_store, "cq12-shared-upstream-sources")
    assert rows(got, "claim", "otherClaim", "sharedSource") == [
        ("claim/fx-courier-residents-accuse", "claim/fx-meridian-orw-accuses", "document/fx-tarvo-testimonies")]
    # Asked about one event of the incident, the pair across two sources' events is still found.
    about = run(tarvo_store, "cq12-shared-upstream-sources", about="event:fx-meridian-tarvo-attack")
    assert len(about.rows) == 1


def test_cq1_gathers_the_incidents_events_and_shows_described_accused_as_descriptions(tarvo_store):
    got = run(tarvo_store, "cq1-accusations-of-event", event="event:acled-fx-1")
    assert rows(got, "allegation", "stance", "accused", "accusedDescription", "candidate", "allegedRole") == [
        ("claim/fx-courier-army-operation", "stance/claims-responsibility", "actor/osm-army", None, None,
         "role/perpetrator"),
        ("claim/fx-meridian-government-accuses", "stance/accuses", None, "armed men on motorbikes", "actor/tarvo-front",
         "role/perpetrator"),
        ("claim/fx-meridian-tlf-claims", "stance/claims-responsibility", "actor/tarvo-front", None, None,
         "role/perpetrator"),
        ("claim/fx-courier-residents-accuse", "stance/accuses", "actor/osm-army", None, None, "role/perpetrator"),
        ("claim/fx-courier-tlf-accuses-army", "stance/accuses", "actor/osm-army", None, None, "role/perpetrator"),
        ("claim/fx-meridian-orw-accuses", "stance/accuses", "actor/osm-army", None, None, "role/perpetrator"),
        ("claim/fx-meridian-orw-accuses", "stance/accuses", "actor/tarvo-militia", None, None, "role/contributor"),
        ("claim/acled-fx-1", "stance/accuses", "actor/tarvo-front", None, None, "role/perpetrator")]


def test_cq3_never_returns_an_enemy_whatever_kind_is_asked(tarvo_store):
    auxiliaries = run(tarvo_store, "cq3-affiliates-of", kind="https://w3id.org/sahelkg/vocab/affiliation-kind/auxiliary-of")
    assert rows(auxiliaries, "parent", "group") == [("actor/osm-army", "actor/tarvo-militia")]
    hostile = run(tarvo_store, "cq3-affiliates-of",
                  kind="https://w3id.org/sahelkg/vocab/affiliation-kind/in-conflict-with")
    assert hostile.rows == []


@pytest.mark.parametrize("name", ["cq9-accusations-between-adversaries", "cq11-answers-by-actor-kind"])
def test_the_new_queries_over_http(tarvo_server, tarvo_store, name):
    with tarvo_server.client() as client:
        response = client.get(f"/queries/{name}")
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == len(run(tarvo_store, name).rows)
