"""The audits give their exact answers on the seed graph (expected rows written from reading the data)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from sahelkg.audit import reports as audit
from sahelkg.resources import resource
from sahelkg.sparql.saved_queries import load_queries
from tests.queries.conftest import rows

HRW = "Human Rights Watch (HRW) (organisation-voice)"
KEL_ANSAR_DENIAL = ("leader of Kel Ansar (name not given in the seed article) (leader) for Kel Ansar, "
                    "claim:a000-s5-kel-ansar-denial (denies Malian Armed Forces (FAMa))")
RAMADANE = ("Mohamed Elmaouloud Ramadane (spokesperson) for Strategic Framework for the Defence of the People of "
            "Azawad (CSP-DPA)")
NINE = ("“Nine civilians” [killed civilians: 9]; “including women and children” [killed children: 1–9, part of "
        "count:a000-niono-killed]; “including women and children” [killed women: 1–9, part of count:a000-niono-killed]")
HRW_FAMA_WAGNER_COUNTS = (
    "“forcibly disappeared 4 others” [forcibly-disappeared civilians: 4]; "
    "“burned at least 100 homes” [dwellings-burned: 100–]; "
    "“deliberately killed at least 32 civilians” [killed civilians: 32–]; "
    "“including 7 in a drone strike” [killed civilians: 7, part of count:a000-hrw-fama-wagner-killed]")


def pick(report, *columns):
    return [tuple(row[c] for c in columns) for row in report.rows]


def test_the_fama_ledger_in_date_order(seed_store):
    report = audit.actor_ledger(seed_store, "FAMa")
    assert report.title == "Actor ledger: Malian Armed Forces (FAMa)"
    assert pick(report, "date", "relation", "claim", "stance", "claimants", "counts", "disputed by", "flags") == [
        ("2024-12", "accused as perpetrator", "claim:a000-s8-hrw-abuses", "accuses", HRW, "", "", ""),
        ("2024-12", "accused as perpetrator", "claim:a000-s9-hrw-fama-wagner", "accuses", HRW,
         HRW_FAMA_WAGNER_COUNTS, "", ""),
        ("2025-01-02 or later (date not given)", "accused as perpetrator", "claim:a000-s3-kal-akal-accuses",
         "accuses", "Kal Akal (organisation-voice)", NINE, KEL_ANSAR_DENIAL, ""),
        ("2025-01-02 or later (date not given)", "part denied", "claim:a000-s5-kel-ansar-denial", "denies",
         "leader of Kel Ansar (name not given in the seed article) (leader) for Kel Ansar", "", "", ""),
        ("2025-01-04", "accused as perpetrator", "claim:a000-s4-csp-dpa-accuses", "accuses", RAMADANE, NINE,
         KEL_ANSAR_DENIAL, ""),
    ]
    assert pick(report, "sources")[4] == ("reported in doc:a000; original statement doc:a000-ramadane-statement",)
    assert pick(report, "quotes")[3] == ("denied any involvement by Malian troops",)


@pytest.mark.parametrize("name", ["FAMa", "Malian troops", "actor:fama", "https://w3id.org/sahelkg/id/actor/fama",
                                  "fama", "forces armées maliennes"])
def test_the_ledger_finds_the_actor_by_any_of_its_names(seed_store, name):
    assert audit.actor_ledger(seed_store, name).subject == "https://w3id.org/sahelkg/id/actor/fama"


def test_an_ambiguous_or_unknown_name_is_refused(seed_store, fresh_store):
    import pyoxigraph as ox

    from sahelkg.store.change import Change

    # Give a second actor the name "Wagner" (as a source might): the name no longer picks one actor.
    quad = ox.Quad(ox.NamedNode("https://w3id.org/sahelkg/id/actor/fama"),
                   ox.NamedNode("https://w3id.org/sahelkg/ontology#nameInSource"), ox.Literal("Wagner", language="en"),
                   ox.NamedNode("https://w3id.org/sahelkg/graph/reference"))
    fresh_store.apply(Change(additions=(quad,)))
    with pytest.raises(audit.AuditError, match="names 2 actors: actor:fama, actor:wagner-group") as caught:
        audit.actor_ledger(fresh_store, "wagner")
    assert caught.value.status == 400
    with pytest.raises(audit.AuditError, match="no actor is called") as caught:
        audit.actor_ledger(seed_store, 'x" } #')
    assert caught.value.status == 404


def test_the_wagner_ledger_shows_the_denial_does_not_cover_wagner(seed_store):
    report = audit.actor_ledger(seed_store, "Wagner")
    assert pick(report, "relation", "claim") == [
        ("accused as supporter", "claim:a000-s8-hrw-abuses"),
        ("accused as perpetrator", "claim:a000-s9-hrw-fama-wagner"),
        ("accused as perpetrator", "claim:a000-s3-kal-akal-accuses"),
        ("accused as perpetrator", "claim:a000-s4-csp-dpa-accuses"),
    ]
    assert all("denies Malian Armed Forces" in r["disputed by"] for r in report.rows[2:])


def test_the_ledger_of_a_claimant_lists_the_claims_it_made(seed_store):
    report = audit.actor_ledger(seed_store, "HRW")
    assert pick(report, "relation", "claim") == [("claimant", "claim:a000-s10-hrw-jnim-burning-looting"),
                                                 ("claimant", "claim:a000-s10-hrw-jnim-isgs"),
                                                 ("claimant", "claim:a000-s8-hrw-abuses"),
                                                 ("claimant", "claim:a000-s9-hrw-fama-wagner")]


def test_contested_claims_side_by_side_with_the_denial(seed_store):
    report = audit.contested_claims(seed_store)
    assert pick(report, "allegation", "denial", "denies", "does not deny", "denial sources") == [
        ("claim:a000-s3-kal-akal-accuses", "claim:a000-s5-kel-ansar-denial", "Malian Armed Forces (FAMa)",
         "Wagner Group", "reported in doc:a000; original statement doc:a000-kel-ansar-statement"),
        ("claim:a000-s4-csp-dpa-accuses", "claim:a000-s5-kel-ansar-denial", "Malian Armed Forces (FAMa)",
         "Wagner Group", "reported in doc:a000; original statement doc:a000-kel-ansar-statement"),
    ]
    assert pick(report, "allegation sources")[1] == (
        "reported in doc:a000; original statement doc:a000-ramadane-statement",)


def test_corroboration_counts_organisations_not_speakers(seed_store):
    report = audit.corroboration(seed_store)
    attack = "Attack on a vehicle travelling from Niono to a refugee camp in Mauritania, 2 January 2025"
    two = "Kal Akal; Strategic Framework for the Defence of the People of Azawad (CSP-DPA)"
    islamist = "Executions, displacement, burning and looting by JNIM and ISGS in Mali since June 2024 (HRW)"
    killings = ("Killings, disappearances and burnings in military operations in central and northern Mali since "
                "May 2024 (HRW)")
    abuses = "Serious abuses against civilians in Mali reported by Human Rights Watch, 2024"
    hrw = "Human Rights Watch (HRW)"
    isgs, jnim = "Islamic State in the Greater Sahara (ISGS)", "Jama'at Nusrat al-Islam wal-Muslimin (JNIM)"
    fama, wagner = "Malian Armed Forces (FAMa)", "Wagner Group"
    assert pick(report, "about", "accused", "alleged role", "independent claimants", "claimants", "single claimant") == [
        (attack, fama, "perpetrator", "2", two, "no"),
        (attack, wagner, "perpetrator", "2", two, "no"),
        (islamist, isgs, "perpetrator", "1", hrw, "yes"),
        (islamist, jnim, "perpetrator", "1", hrw, "yes"),
        (killings, fama, "perpetrator", "1", hrw, "yes"),
        (killings, wagner, "perpetrator", "1", hrw, "yes"),
        (abuses, isgs, "perpetrator", "1", hrw, "yes"),
        (abuses, jnim, "perpetrator", "1", hrw, "yes"),
        (abuses, fama, "perpetrator", "1", hrw, "yes"),
        (abuses, wagner, "supporter", "1", hrw, "yes"),
    ]
    # Ramadane and the CSP-DPA are both claimants of one allegation: they count once, as the CSP-DPA.
    assert report.rows[0]["allegations"] == "claim:a000-s3-kal-akal-accuses; claim:a000-s4-csp-dpa-accuses"
    assert report.rows[0]["disputed by"] == "claim:a000-s5-kel-ansar-denial (denies Malian Armed Forces (FAMa))"
    assert report.rows[1]["disputed by"] == "claim:a000-s5-kel-ansar-denial (does not deny this actor's part)"
    # Two HRW allegations against JNIM from one report are one claimant and one statement.
    assert (report.rows[3]["allegations"], report.rows[3]["statements"]) == (
        "claim:a000-s10-hrw-jnim-burning-looting; claim:a000-s10-hrw-jnim-isgs", "doc:hrw-report-2024-12")


def test_the_source_chain_of_the_csp_dpa_accusation(seed_store):
    report = audit.source_chain(seed_store, "a000-s4-csp-dpa-accuses")
    assert pick(report, "from", "relation", "to") == [
        ("claim:a000-s4-csp-dpa-accuses", "reported in", "doc:a000"),
        ("doc:a000", "described in graph", "graph:source/a000"),
        ("doc:a000", "reports the statement", "doc:a000-ramadane-statement"),
        ("doc:a000-ramadane-statement", "made by", "actor:mohamed-elmaouloud-ramadane"),
        ("actor:mohamed-elmaouloud-ramadane", "on behalf of", "actor:csp-dpa"),
        ("actor:mohamed-elmaouloud-ramadane", "spokesperson for", "actor:csp-dpa"),
    ]
    details = [d for (d,) in pick(report, "details")]
    assert details[0] == ("skg:NewsArticle, published 2025-01-06, publisher actor:publisher-of-a000, "
                          "sha256 64bf1840e8f9…")
    assert re.fullmatch(r"loaded from data/sources/a000\.trig \(sha256 [0-9a-f]{12}…\)", details[1])
    assert details[2] == ("skg:PublicStatement, published 2025-01-04, publisher actor:csp-dpa, "
                          "author actor:mohamed-elmaouloud-ramadane")
    assert details[3:] == ["role spokesperson", "", "per claim:a000-s4-ramadane-spokesperson"]
    assert report.text.splitlines()[0] == ("claim:a000-s4-csp-dpa-accuses: accuses (allegation), Malian Armed Forces "
                                           "(FAMa) as perpetrator, Wagner Group as perpetrator; stated 2025-01-04")
    assert "  quote @1015: “carried out the attack”" in report.text


def test_the_chain_diagram_is_svg_with_one_box_per_node_and_one_arrow_per_step(seed_store):
    report = audit.source_chain(seed_store, "claim:a000-s4-csp-dpa-accuses")
    svg = ET.fromstring(report.svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    boxes = [g.findall("s:text", ns)[0].text for g in svg.findall("s:g[@class='node']", ns)]
    assert boxes == ["claim:a000-s4-csp-dpa-accuses", "doc:a000", "graph:source/a000", "doc:a000-ramadane-statement",
                     "actor:mohamed-elmaouloud-ramadane", "actor:csp-dpa"]
    arrows = [g.find("s:text", ns).text for g in svg.findall("s:g[@class='edge']", ns)]
    assert arrows == ["reported in", "described in graph", "reports the statement", "made by", "on behalf of",
                      "spokesperson for"]


def test_source_impact_lists_every_claim_the_article_reports(seed_store):
    report = audit.source_impact(seed_store, "doc:a000")
    text = resource("data", "sources", "a000.trig").read_text(encoding="utf-8")
    claims_in_file = set(re.findall(r"^claim:(\S+) a skg:(?:Claim|Allegation) ;", text, flags=re.M))
    assert {c.removeprefix("claim:") for (c,) in pick(report, "claim")} == claims_in_file
    assert len(claims_in_file) == 20
    assert all(r["rests on this source alone"] == "yes" and r["flags"] == "" for r in report.rows)
    by_claim = {r["claim"]: r for r in report.rows}
    assert by_claim["claim:a000-s7-wagner-supports-fama"]["derived"] == "affiliation:a000-wagner-supports-fama"
    assert by_claim["claim:a000-s3-kal-akal-accuses"]["derived"] == "event:a000-niono-vehicle-attack"


def test_retracting_the_hrw_report_flags_the_claims_resting_on_it_alone(fresh_store):
    change = audit.retract(fresh_store, "doc:hrw-report-2024-12")
    assert [(q.subject.value, q.object.value, q.graph_name.value) for q in change.additions] == [
        ("https://w3id.org/sahelkg/id/document/hrw-report-2024-12", "true", "https://w3id.org/sahelkg/graph/source/a000")]
    ledger = audit.actor_ledger(fresh_store, "FAMa")
    assert pick(ledger, "claim", "flags") == [
        ("claim:a000-s8-hrw-abuses", "RESTS ON RETRACTED SOURCE"),
        ("claim:a000-s9-hrw-fama-wagner", "RESTS ON RETRACTED SOURCE"),
        ("claim:a000-s3-kal-akal-accuses", ""), ("claim:a000-s5-kel-ansar-denial", ""),
        ("claim:a000-s4-csp-dpa-accuses", "")]
    impact = audit.source_impact(fresh_store, "hrw-report-2024-12")
    assert impact.notes[0] == "doc:hrw-report-2024-12 IS RETRACTED: 4 claims are flagged."
    result = load_queries()["cq6-claims-by-claimant"].run(fresh_store, {})
    flagged = sorted({c for c, r in rows(result, "claim", "restsOnRetracted") if r == "true"})
    assert flagged == ["claim/a000-s10-hrw-jnim-burning-looting", "claim/a000-s10-hrw-jnim-isgs",
                       "claim/a000-s8-hrw-abuses", "claim/a000-s9-hrw-fama-wagner"]
    audit.retract(fresh_store, "doc:hrw-report-2024-12", retracted=False)
    assert all(r["flags"] == "" for r in audit.actor_ledger(fresh_store, "FAMa").rows)


def test_retracting_the_article_flags_every_claim_it_alone_reports(fresh_store):
    audit.retract(fresh_store, "a000")
    impact = audit.source_impact(fresh_store, "a000")
    assert len(impact.rows) == 20 and all(r["flags"] == "RESTS ON RETRACTED SOURCE" for r in impact.rows)
    result = load_queries()["cq1-accusations-of-event"].run(fresh_store, {})
    assert {r for (r,) in rows(result, "restsOnRetracted")} == {"true"}


def test_a_retraction_the_gate_refuses_writes_nothing(fresh_store):
    import pyoxigraph as ox

    from sahelkg.store.change import Change

    # A document already broken (a publication date that is no date): the gate checks the document
    # again when its retraction is written, and refuses.
    doc = ox.NamedNode("https://w3id.org/sahelkg/id/document/a000")
    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a000")
    fresh_store.apply(Change(additions=(ox.Quad(doc, ox.NamedNode("https://w3id.org/sahelkg/ontology#datePublished"),
                                                ox.Literal("last week"), graph),)))
    before = sorted(map(str, fresh_store.quads()))
    with pytest.raises(audit.AuditError, match="(?s)nothing was written.*DatatypeConstraintComponent"):
        audit.retract(fresh_store, "doc:a000")
    assert sorted(map(str, fresh_store.quads())) == before


def test_no_claim_is_flagged_on_the_seed(seed_store):
    for name in ("cq1-accusations-of-event", "cq6-claims-by-claimant"):
        result = load_queries()[name].run(seed_store, {})
        assert {r for (r,) in rows(result, "restsOnRetracted")} == {"false"}


@pytest.mark.parametrize("fmt", audit.FORMATS)
def test_every_format_renders_the_same_rows(seed_store, fmt):
    report = audit.contested_claims(seed_store)
    text = audit.render(report, fmt)
    assert "claim:a000-s5-kel-ansar-denial" in text and "Wagner Group" in text
    if fmt == "markdown":
        assert text.splitlines()[0] == "# Contested claims"
        assert text.count("\n| claim:a000-s") == 2
    if fmt == "csv":
        assert text.splitlines()[0] == ",".join(audit.CONTESTED_COLUMNS)
    if fmt == "html":
        assert text.count("<tr>") == 3
