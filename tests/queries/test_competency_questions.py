"""Each competency question of issue 2 §4 gives its exact answer on the seed graph.

Expected rows are written from reading data/sources/a000.trig and data/reference.trig against the
article (shared/seed/000_1c35d26562c91e6f.txt), not copied from the engine's output.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from sahelkg.resources import resource
from sahelkg.sparql.saved_queries import load_queries
from tests.queries.conftest import rows, short

QUERIES = load_queries()

# The article's quotes that anchor the two accusations of the 2 January 2025 attack.
ACCORDING = "according to a civil society group"
BOTH_ACCUSED = "Both groups accused Malian forces and Russian mercenaries"
KAL_AKAL_ALLEGED = "civil society group Kal Akal alleged"
RAMADANE_ALLEGED = "carried out the attack"


def run(seed_store, name, **params):
    return QUERIES[name].run(seed_store, params)


def test_all_six_competency_questions_are_saved_queries():
    assert {"cq1-accusations-of-event", "cq2-disputed-allegations", "cq3-affiliates-of", "cq4-counts-by-perpetrator",
            "cq5-everything-about-actor", "cq6-claims-by-claimant"} <= set(QUERIES)
    # The cross-source questions of issue 10 (tests/audit_cross_source/test_saved_queries.py).
    assert {"cq7-incident-figures", "cq8-responsibility-and-acknowledgements", "cq9-accusations-between-adversaries",
            "cq10-alleged-against-actor-and-affiliates", "cq11-answers-by-actor-kind",
            "cq12-shared-upstream-sources"} <= set(QUERIES)


def test_cq1_kal_akal_and_the_csp_dpa_spokesperson_accuse_fama_and_wagner_of_the_2_january_attack(seed_store):
    result = run(seed_store, "cq1-accusations-of-event")
    got = rows(result, "allegation", "statedOn", "statedPrecision", "speaker", "speakerRole", "onBehalfOf",
               "accused", "allegedRole", "originalStatement", "reportedIn")
    kal_akal = ("claim/a000-s3-kal-akal-accuses", "2025-01-02", "date-precision/unknown", "actor/kal-akal",
                "role/organisation-voice", None)
    ramadane = ("claim/a000-s4-csp-dpa-accuses", "2025-01-04", "date-precision/day",
                "actor/mohamed-elmaouloud-ramadane", "role/spokesperson", "actor/csp-dpa")
    assert got == [
        kal_akal + ("actor/fama", "role/perpetrator", "document/a000-kal-akal-statement", "document/a000"),
        kal_akal + ("actor/wagner-group", "role/perpetrator", "document/a000-kal-akal-statement", "document/a000"),
        ramadane + ("actor/fama", "role/perpetrator", "document/a000-ramadane-statement", "document/a000"),
        ramadane + ("actor/wagner-group", "role/perpetrator", "document/a000-ramadane-statement", "document/a000"),
    ]
    quotes = [set(q.split(" | ")) for (q,) in rows(result, "quotes")]
    assert quotes == [{ACCORDING, BOTH_ACCUSED, KAL_AKAL_ALLEGED}] * 2 + [{ACCORDING, BOTH_ACCUSED, RAMADANE_ALLEGED}] * 2


def test_cq1_an_event_nobody_accused_anyone_of_has_no_rows(seed_store):
    assert run(seed_store, "cq1-accusations-of-event", event="event:a000-tinzaouaten-meeting").rows == []


def test_cq2_the_kel_ansar_leader_denies_the_malian_troops_part_not_wagners(seed_store):
    result = run(seed_store, "cq2-disputed-allegations")
    got = rows(result, "allegation", "accused", "partDenied", "denial", "denier", "denierOnBehalfOf",
               "denialQuote", "denialOriginalStatement", "denialReportedIn")
    denial = ("claim/a000-s5-kel-ansar-denial", "actor/kel-ansar-leader", "actor/kel-ansar",
              "denied any involvement by Malian troops", "document/a000-kel-ansar-statement", "document/a000")
    assert got == [
        ("claim/a000-s3-kal-akal-accuses", "actor/fama", "true") + denial,
        ("claim/a000-s3-kal-akal-accuses", "actor/wagner-group", "false") + denial,
        ("claim/a000-s4-csp-dpa-accuses", "actor/fama", "true") + denial,
        ("claim/a000-s4-csp-dpa-accuses", "actor/wagner-group", "false") + denial,
    ]


def test_cq2_restricted_to_wagner_shows_its_part_is_never_denied(seed_store):
    result = run(seed_store, "cq2-disputed-allegations", accused="actor:wagner-group")
    assert rows(result, "allegation", "partDenied") == [("claim/a000-s3-kal-akal-accuses", "false"),
                                                        ("claim/a000-s4-csp-dpa-accuses", "false")]


def test_cq3_jnim_is_affiliated_with_al_qaeda_and_isgs_with_the_islamic_state_according_to_the_article(seed_store):
    result = run(seed_store, "cq3-affiliates-of")
    assert rows(result, "parent", "group", "affiliation", "claim", "claimant", "reportedIn", "quote") == [
        ("actor/al-qaeda", "actor/jnim", "affiliation/a000-jnim-al-qaeda", "claim/a000-s10-jnim-al-qaeda-link",
         "actor/publisher-of-a000", "document/a000",
         "the Al-Qaeda-linked"),
        ("actor/islamic-state", "actor/isgs", "affiliation/a000-isgs-islamic-state",
         "claim/a000-s10-isgs-islamic-state-branch", "actor/publisher-of-a000", "document/a000",
         "Islamic State in the Greater Sahara"),
    ]


def test_cq3_filtered_by_parent(seed_store):
    result = run(seed_store, "cq3-affiliates-of", parent="actor:islamic-state")
    assert rows(result, "group") == [("actor/isgs",)]


def test_cq4_hrw_counts_per_perpetrator_with_bounds_wording_and_sub_counts(seed_store):
    result = run(seed_store, "cq4-counts-by-perpetrator")
    got = rows(result, "perpetrator", "allegation", "outcome", "victimCategory", "unit", "qualifier",
               "minimum", "maximum", "wording", "partOf")
    s9 = "claim/a000-s9-hrw-fama-wagner"
    fama_wagner_counts = [
        (s9, "outcome/dwellings-burned", None, "unit/dwellings", "count-qualifier/at-least", "100", None,
         "burned at least 100 homes", None),
        (s9, "outcome/forcibly-disappeared", "victim-category/civilians", "unit/persons", "count-qualifier/exact",
         "4", "4", "forcibly disappeared 4 others", None),
        (s9, "outcome/killed", "victim-category/civilians", "unit/persons", "count-qualifier/at-least", "32", None,
         "deliberately killed at least 32 civilians", None),
        (s9, "outcome/killed", "victim-category/civilians", "unit/persons", "count-qualifier/exact", "7", "7",
         "including 7 in a drone strike", "count/a000-hrw-fama-wagner-killed"),
    ]
    executed = ("claim/a000-s10-hrw-jnim-isgs", "outcome/executed", "victim-category/civilians", "unit/persons",
                "count-qualifier/at-least", "47", None, "executed at least 47 civilians", None)
    displaced = ("claim/a000-s10-hrw-jnim-isgs", "outcome/displaced", None, "unit/persons",
                 "count-qualifier/unspecified-plural", "2000", "9999", "displaced thousands of people", None)
    homes = ("claim/a000-s10-hrw-jnim-burning-looting", "outcome/dwellings-burned", None, "unit/dwellings",
             "count-qualifier/more-than", "1001", None, "burned over 1,000 homes", None)
    livestock = ("claim/a000-s10-hrw-jnim-burning-looting", "outcome/livestock-looted", None,
                 "unit/head-of-livestock", "count-qualifier/unspecified-plural", "2000", "9999",
                 "looted thousands of livestock", None)
    # Ordered by the perpetrator's English name: Islamic State in the Greater Sahara, Jama'at…, Malian…, Wagner.
    assert got == ([("actor/isgs",) + displaced, ("actor/isgs",) + executed]
                   + [("actor/jnim",) + homes, ("actor/jnim",) + livestock,
                      ("actor/jnim",) + displaced, ("actor/jnim",) + executed]
                   + [("actor/fama",) + c for c in fama_wagner_counts]
                   + [("actor/wagner-group",) + c for c in fama_wagner_counts])


def test_cq4_for_kal_akal_lists_the_nine_civilians_with_women_and_children_as_parts(seed_store):
    result = run(seed_store, "cq4-counts-by-perpetrator", claimant="actor:kal-akal")
    got = sorted(set(rows(result, "victimCategory", "minimum", "maximum", "partOf")))
    assert got == [("victim-category/children", "1", "9", "count/a000-niono-killed"),
                   ("victim-category/civilians", "9", "9", None),
                   ("victim-category/women", "1", "9", "count/a000-niono-killed")]
    assert {p for (p,) in rows(result, "perpetrator")} == {"actor/fama", "actor/wagner-group"}


def test_cq5_everything_about_wagner_each_statement_with_its_source(seed_store):
    result = run(seed_store, "cq5-everything-about-actor")
    got = rows(result, "graph", "subject", "predicate", "object", "claim", "claimReportedIn", "graphDocument")
    reference = [r for r in got if r[0] == "graph:reference"]
    # The reference graph's statements about Wagner, read from the reference data files by rdflib.
    triples = set()
    for path in sorted(resource("data").glob("*.trig")):
        dataset = rdflib.Dataset(default_union=True)
        dataset.parse(path, format="trig")
        graph = dataset.graph(rdflib.URIRef("https://w3id.org/sahelkg/graph/reference"))
        wagner_node = rdflib.URIRef("https://w3id.org/sahelkg/id/actor/wagner-group")
        triples |= {(graph.qname(p), o) for p, o in graph.predicate_objects(wagner_node)}
        triples |= {(graph.qname(p), s) for s, p in graph.subject_predicates(wagner_node)}
    expected = {(p, str(o) if isinstance(o, rdflib.Literal) else short(ox.NamedNode(str(o)))) for p, o in triples}
    assert len(reference) == len(triples)
    assert {(p, o) for _, _, p, o, *_ in reference} == expected
    assert ("skos:prefLabel", "Wagner Group") in expected and ("skg:nameInSource", "Russian mercenaries") in expected
    assert all(r[1] == "actor/wagner-group" and r[4:] == (None, None, None) for r in reference)

    def claimed(subject, predicate, obj, claim):
        return ("graph:source/a000", subject, predicate, obj, claim, "document/a000", "document/a000")

    wagner = "actor/wagner-group"
    assert [r for r in got if r[0] != "graph:reference"] == [
        claimed("claim/a000-s1-wagner-operating", "skg:involves", wagner, "claim/a000-s1-wagner-operating"),
        claimed("involvement/a000-s1-wagner-initiator", "skg:involvedActor", wagner, "claim/a000-s1-wagner-operating"),
        claimed("accusation/a000-s3-kal-akal-wagner-group", "skg:accusedActor", wagner, "claim/a000-s3-kal-akal-accuses"),
        claimed("claim/a000-s3-kal-akal-accuses", "skg:accused", wagner, "claim/a000-s3-kal-akal-accuses"),
        claimed("accusation/a000-s4-csp-dpa-wagner-group", "skg:accusedActor", wagner, "claim/a000-s4-csp-dpa-accuses"),
        claimed("claim/a000-s4-csp-dpa-accuses", "skg:accused", wagner, "claim/a000-s4-csp-dpa-accuses"),
        claimed(wagner, "skg:qualifiedAffiliation", "affiliation/a000-wagner-supports-fama",
                "claim/a000-s7-wagner-supports-fama"),
        claimed(wagner, "skg:supports", "actor/fama", "claim/a000-s7-wagner-supports-fama"),
        claimed("accusation/a000-s8-hrw-wagner", "skg:accusedActor", wagner, "claim/a000-s8-hrw-abuses"),
        claimed("claim/a000-s8-hrw-abuses", "skg:accused", wagner, "claim/a000-s8-hrw-abuses"),
        claimed("accusation/a000-s9-hrw-wagner-group", "skg:accusedActor", wagner, "claim/a000-s9-hrw-fama-wagner"),
        claimed("claim/a000-s9-hrw-fama-wagner", "skg:accused", wagner, "claim/a000-s9-hrw-fama-wagner"),
    ]


def test_cq6_every_claim_by_each_claimant_in_date_order(seed_store):
    result = run(seed_store, "cq6-claims-by-claimant")
    got = rows(result, "claimant", "statedOn", "claim", "stance")
    publisher_claims = ["a000-s1-coups", "a000-s1-expulsion", "a000-s1-wagner-operating",
                        "a000-s10-isgs-islamic-state-branch", "a000-s10-jnim-al-qaeda-link",
                        "a000-s4-ramadane-spokesperson", "a000-s5-kel-ansar-leader-role", "a000-s6-photo-caption",
                        "a000-s7-fama-fights", "a000-s7-wagner-supports-fama"]
    hrw = [("2024-12-01", c, "stance/accuses") for c in ["a000-s10-hrw-jnim-burning-looting", "a000-s10-hrw-jnim-isgs",
                                                         "a000-s8-hrw-abuses", "a000-s9-hrw-fama-wagner"]]
    kel_ansar = [("2025-01-02", "a000-s5-kel-ansar-calls-investigation", "stance/calls-for-investigation"),
                 ("2025-01-02", "a000-s5-kel-ansar-denial", "stance/denies")]
    csp_dpa = [("2025-01-04", "a000-s4-csp-dpa-accuses", "stance/accuses"),
               ("2025-01-04", "a000-s4-csp-dpa-reports-attack", "stance/reports")]
    expected = (
        [("abdolah-ag-mohamed", "2024-11-27", "a000-s2-photo-caption", "stance/reports")]
        + [("human-rights-watch",) + r for r in hrw]
        + [("kal-akal", "2025-01-02", "a000-s3-kal-akal-accuses", "stance/accuses")]
        + [("kel-ansar",) + r for r in kel_ansar]
        + [("kel-ansar-leader",) + r for r in kel_ansar]
        + [("mohamed-elmaouloud-ramadane",) + r for r in csp_dpa]
        + [("publisher-of-a000", "2025-01-06", c, "stance/reports") for c in publisher_claims]
        + [("reuters", "2024-11-27", "a000-s2-photo-caption", "stance/reports")]
        + [("csp-dpa",) + r for r in csp_dpa]  # "Strategic Framework for the Defence…" sorts last
    )
    assert got == [("actor/" + a, d, "claim/" + c, s) for a, d, c, s in expected]
    dates = [d for _, d, _, _ in got[1:5]]
    assert dates == sorted(dates)


def test_cq6_since_a_date_keeps_only_later_claims(seed_store):
    result = run(seed_store, "cq6-claims-by-claimant", claimant="actor:human-rights-watch", since="2025-01-01")
    assert result.rows == []
    result = run(seed_store, "cq6-claims-by-claimant", claimant="actor:mohamed-elmaouloud-ramadane", since="2025-01-04")
    assert rows(result, "claim") == [("claim/a000-s4-csp-dpa-accuses",), ("claim/a000-s4-csp-dpa-reports-attack",)]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_orders_its_results(name):
    assert "ORDER BY" in QUERIES[name].text


def test_a_claimant_without_an_english_name_is_still_listed(fresh_store):
    from sahelkg.store.change import Change

    kal_akal = ox.NamedNode("https://w3id.org/sahelkg/id/actor/kal-akal")
    labels = [q for q in fresh_store.quads(kal_akal, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"))
              if q.object.language == "en"]
    assert labels
    fresh_store.apply(Change(removals=tuple(labels)))
    result = run(fresh_store, "cq6-claims-by-claimant", claimant="actor:kal-akal")
    assert rows(result, "claimantName", "claim") == [(None, "claim/a000-s3-kal-akal-accuses")]
    assert len(run(fresh_store, "cq1-accusations-of-event").rows) == 4
