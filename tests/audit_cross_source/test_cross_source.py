"""Corroboration with independence, accusations between adversaries, allegations against an actor and its
affiliates, answers by kind of actor, contested claims and ledgers with the new claim kinds: exact answers
on the seed plus the fictional Tarvo incident (tarvo.trig)."""

from __future__ import annotations

from sahelkg.audit import cross_source
from sahelkg.audit import reports as audit

ARMY, TLF = "Osmaran Army (OSA)", "Tarvo Liberation Front (TLF)"
TARVO = "Killings in Tarvo, 4 March 2025 (fictional)"


def pick(rows, *columns):
    return [tuple(row[c] for c in columns) for row in rows]


def test_corroboration_counts_lines_of_evidence_not_claimants(tarvo_store):
    report = audit.corroboration(tarvo_store)
    tarvo = [r for r in report.rows if r["about"] == TARVO]
    # ORW and the residents' association both rest on the same testimonies: two claimants, one line.
    assert pick(tarvo, "accused", "alleged role", "independent claimants", "lines of evidence", "claim kinds",
                "rejected by") == [
        (ARMY, "perpetrator", "4", "3", "accuses 3; claims-responsibility 1", "claim:fx-courier-tlf-rejects-video"),
        (TLF, "perpetrator", "2", "2", "accuses 1; claims-responsibility 1", ""),
        ("Tarvo Self-Defence Militia", "contributor", "1", "1", "accuses 1", "")]
    # Three sources' events, confirmed as one incident, are counted together under it.
    assert tarvo[0]["allegations"] == ("claim:fx-courier-army-operation; claim:fx-courier-residents-accuse; "
                                       "claim:fx-courier-tlf-accuses-army; claim:fx-meridian-orw-accuses")
    assert tarvo[0]["disputed by"] == f"claim:fx-courier-army-denies (denies {ARMY})"


def test_lines_of_evidence_follow_upstream_chains_transitively():
    upstream = {"a": {"doc:t", "doc:u"}, "b": {"doc:u"}, "c": {"actor:p"}, "d": {"actor:p"}}
    lines = audit.lines_of_evidence("abcd", {c: c for c in "abcd"}, {c: c for c in "abcd"}, upstream,
                                    {"c": {"actor:p"}})
    # c and d share only the publisher of c's reporting document: that does not make them one line.
    assert sorted(map(sorted, lines)) == [["a", "b"], ["c"], ["d"]]


def test_the_upstream_closure_of_a_claim(tarvo_store):
    found = audit.upstream_sources(tarvo_store, ["https://w3id.org/sahelkg/id/claim/fx-courier-residents-accuse",
                                                 "https://w3id.org/sahelkg/id/claim/a000-s3-kal-akal-accuses"])
    assert found == {
        "https://w3id.org/sahelkg/id/claim/fx-courier-residents-accuse":
            {"https://w3id.org/sahelkg/id/document/fx-tarvo-testimonies"},
        "https://w3id.org/sahelkg/id/claim/a000-s3-kal-akal-accuses":
            {"https://w3id.org/sahelkg/id/document/a000-kal-akal-statement"}}


def test_accusations_between_adversaries_read_hostility_both_ways(tarvo_store):
    report = cross_source.adversary_accusations(tarvo_store)
    assert pick(report.rows, "claimant", "accused", "claim", "mutual") == [
        ("Strategic Framework for the Defence of the People of Azawad (CSP-DPA)", "Malian Armed Forces (FAMa)",
         "claim:a000-s4-csp-dpa-accuses", "no"),
        (TLF, ARMY, "claim:fx-courier-tlf-accuses-army", "no")]


def test_what_an_organisation_alleged_against_an_actor_and_its_affiliates(tarvo_store):
    report = cross_source.alleged_against(tarvo_store, "ORW", "Osmaran Army")
    assert pick(report.rows, "accused", "relation to the actor", "alleged role", "claim") == [
        (ARMY, "the actor itself", "perpetrator", "claim:fx-meridian-orw-accuses"),
        ("Tarvo Self-Defence Militia", "auxiliary of the actor", "contributor", "claim:fx-meridian-orw-accuses")]
    assert pick(report.section("per-accused").rows, "accused", "claims", "as perpetrator", "as contributor") == [
        (ARMY, "1", "1", "0"), ("Osmaran Army 3rd Battalion", "0", "0", "0"),
        ("Tarvo Self-Defence Militia", "1", "0", "1")]


def test_affiliates_never_include_enemies(tarvo_store):
    army = "https://w3id.org/sahelkg/id/actor/osm-army"
    found = cross_source.affiliates(tarvo_store, army)
    assert found == {"https://w3id.org/sahelkg/id/actor/osm-army-3rd-battalion": "unit of the actor",
                     "https://w3id.org/sahelkg/id/actor/tarvo-militia": "auxiliary of the actor"}
    assert "https://w3id.org/sahelkg/id/actor/tarvo-front" not in found
    # TLF accuses the army, but TLF's allegations "against the army and its affiliates" never list TLF itself.
    report = cross_source.alleged_against(tarvo_store, "TLF", "Osmaran Army")
    assert pick(report.rows, "accused", "claim") == [(ARMY, "claim:fx-courier-tlf-accuses-army")]


def test_denials_and_rejections_by_kind_of_actor(tarvo_store):
    report = cross_source.answers_by_actor_kind(tarvo_store)
    assert pick(report.rows, "kind of actor", "actor", "answer", "grounds") == [
        ("armed group", TLF, "rejects", "fabricated"),
        ("communal group", "Kel Ansar", "denies", ""),
        ("government", "Government of Osmara", "rejects", "biased"),
        ("state armed force", ARMY, "denies", "")]
    assert pick(report.section("per-kind").rows, "kind of actor", "denials", "rejections") == [
        ("armed group", "0", "1"), ("communal group", "1", "0"), ("government", "0", "1"),
        ("state armed force", "1", "0")]


def test_contested_shows_rejections_of_evidence_beside_denials(tarvo_store):
    report = audit.contested_claims(tarvo_store)
    assert pick(report.rows, "allegation", "denial", "answer", "rejected target", "grounds") == [
        ("", "claim:fx-courier-government-rejects", "rejects", "ORW statement on Tarvo (fictional) (doc:fx-orw-statement)",
         "biased"),
        ("claim:a000-s3-kal-akal-accuses", "claim:a000-s5-kel-ansar-denial", "denies", "", ""),
        ("claim:a000-s4-csp-dpa-accuses", "claim:a000-s5-kel-ansar-denial", "denies", "", ""),
        ("claim:fx-courier-army-operation", "claim:fx-courier-tlf-rejects-video", "rejects",
         "Army video of the Tarvo operation (fictional) (doc:fx-army-video)", "fabricated"),
        ("claim:fx-courier-residents-accuse", "claim:fx-courier-army-denies", "denies", "", "")]
    assert report.notes == ["3 allegation–denial pairs; 2 rejections of a claim or of the evidence or report it rests on."]


def test_the_ledger_tells_responsibility_claims_and_described_candidates_apart(tarvo_store):
    report = audit.actor_ledger(tarvo_store, "TLF")
    assert pick(report.rows, "relation", "claim", "counts") == [
        ("possibly the perpetrator described (not identified)", "claim:fx-meridian-government-accuses", ""),
        ("claimant", "claim:fx-meridian-tlf-claims", "“up to 40 soldiers” [killed soldiers: up to 40]"),
        ("responsibility claimed as perpetrator", "claim:fx-meridian-tlf-claims",
         "“up to 40 soldiers” [killed soldiers: up to 40]"),
        ("claimant", "claim:fx-courier-tlf-accuses-army", ""),
        ("claimant", "claim:fx-courier-tlf-rejects-video", ""),
        ("accused as perpetrator", "claim:acled-fx-1", "“28” [fatalities: 28]")]
    army = audit.actor_ledger(tarvo_store, "OSA")
    assert ("its document rejected", "claim:fx-courier-tlf-rejects-video") in pick(army.rows, "relation", "claim")
