"""The audits on the shared multi-source fixtures (tests/fixtures/incidents, fictional): expected flags
worked out by hand from the fixtures' README ("Figures that disagree on purpose") and their counts."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg.audit import cross_source, incidents
from sahelkg.audit import reports as audit
from sahelkg.store import EmbeddedStore
from tests.conftest import seed_dataset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "incidents"
FAT, FPL, GUARDS = "Tamsalan Armed Forces (FAT)", "Front of the Free Plains (FPL)", "Korvala Volunteer Guards"
NO_OVERLAP = "ranges do not overlap (claim:{})"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    if not FIXTURES.is_dir():
        pytest.skip("the shared incident fixtures (tests/fixtures/incidents) are not in this tree")
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    for path in sorted(FIXTURES.glob("*.trig")):
        store.load_quads(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    return store


def flags(report) -> list[tuple[str, str]]:
    return [(r["wording"], r["flags"]) for r in report.rows]


def test_kerela_killed_ranges_disagree_and_the_victims_status_is_disputed(store):
    report = incidents.incident_dossier(store, "incident:kerela-market-2025-03-14")
    lkdh, fat, residents = "fx-kerela-lkdh-s1-accuses", "fx-kerela-fat-s1-operation", "fx-kerela-courrier-s1-residents-accuse"
    assert flags(report) == [
        ("more than twenty people", NO_OVERLAP.format(fat)),  # > 20 against the army's 0 civilians
        ("several men", ""),
        ("No civilian was harmed", f"{NO_OVERLAP.format(residents)}; {NO_OVERLAP.format(lkdh)}"),
        ("neutralised 40 terrorists", f"{NO_OVERLAP.format(lkdh)}; status disputed (claim:{lkdh})"),
        ("at least 15 men", ""),
        ("at least 52 civilians", f"{NO_OVERLAP.format(fat)}; status disputed (claim:{fat})"),
        ("Six women", ""),
        ("Most victims were Dawri herders", ""),  # a proportion of a whole: not compared
        ("At least 30 of them were executed", "")]  # a part (narrower outcome): not compared
    assert [(r["claim"], r["calls it"]) for r in report.section("characterisations").rows] == [
        ("claim:fx-kerela-fat-s1-operation", "counter-terrorism operation"),
        ("claim:fx-kerela-lkdh-s1-accuses", "massacre")]
    assert [(r["claim"], r["grounds"]) for r in report.section("rejections").rows] == [
        ("claim:fx-kerela-fat-rebuttal-s1-report", "biased"),
        ("claim:fx-kerela-fat-rebuttal-s2-video", "fabricated; out-of-context")]
    assert [(r["accused"], r["role"]) for r in report.section("accusations").rows] == [
        (FAT, "perpetrator"), (FAT, "perpetrator"), (GUARDS, "supporter"), (GUARDS, "contributor")]
    # The same-day clash 90 km away is a rejected link: listed, never merged.
    assert [r["status"] for r in report.section("links").rows] == ["confirmed"] * 4 + ["rejected"]
    assert len(report.section("events").rows) == 4


def test_dounkassa_soldiers_killed_by_source(store):
    report = incidents.incident_dossier(store, "dounkassa-road-ambush-2025-06-02")
    fpl, fat = "fx-dounkassa-fpl-s1-claims", "fx-dounkassa-fat-s1-losses"
    courrier, radio = "fx-dounkassa-courrier-s1-assessment", "fx-dounkassa-radio-s1-assessment"
    assert flags(report) == [
        ("around 25 people died in all", ""),  # nobody's side: not compared with the soldiers
        ("mostly civilians", ""),
        ("killed 30 soldiers of the army of the regime", f"{NO_OVERLAP.format(fat)}; {NO_OVERLAP.format(radio)}"),
        ("Two of our brave fighters fell as martyrs", ""),
        ("12 soldiers killed in action",
         f"{NO_OVERLAP.format(courrier)}; {NO_OVERLAP.format(fpl)}; {NO_OVERLAP.format(radio)}"),
        ("9 others were wounded", ""),
        ("At least 19 soldiers", NO_OVERLAP.format(fat)),
        ("19 soldiers were killed", f"{NO_OVERLAP.format(fat)}; {NO_OVERLAP.format(fpl)}")]
    assert [r["whose casualties"] for r in report.rows if "soldiers" in r["wording"]] == [FAT] * 4
    assert [r["claim"] for r in report.section("responsibility").rows] == ["claim:fx-dounkassa-fpl-s1-claims"]
    assert [r["claim"] for r in report.section("acknowledgements").rows] == [
        "claim:fx-dounkassa-fpl-s2-own-losses", "claim:fx-dounkassa-fat-s1-losses"]
    assert [r["accused"] for r in report.section("accusations").rows] == ["described as “armed terrorists”", FPL]


def test_tobale_a_described_accused_is_never_shown_as_identified(store):
    report = incidents.incident_dossier(store, "tobale-raid-2025-08-20")
    assert [(r["claim"], r["accused"]) for r in report.section("accusations").rows] == [
        ("claim:fx-tobale-radio-s2-villager-accuses", GUARDS),
        ("claim:fx-tobale-lkdh-s1-accuses", f"described as “men in militia outfits”, possibly {GUARDS} (probable)")]
    assert [r["states that"] for r in report.section("absences").rows] == ["no responsibility claimed", "no response"]
    # The denial is typed as a plain skg:Claim: it is a denial all the same.
    assert [r["claim"] for r in report.section("denials").rows] == ["claim:fx-tobale-radio-s3-denial"]
    # The register's row is only a candidate link: not part of the dossier's figures.
    assert [r["status"] for r in report.section("links").rows] == ["confirmed", "confirmed", "candidate"]
    assert all("kir" not in r["claim"] for r in report.rows)


def test_corroboration_on_the_fixtures(store):
    rows = {(r["about"], r["accused"], r["alleged role"]): r for r in audit.corroboration(store).rows}
    kerela = rows[("Killings at the Kéréla cattle market, 14 March 2025 (fictional)", FAT, "perpetrator")]
    assert (kerela["independent claimants"], kerela["lines of evidence"], kerela["claim kinds"]) == \
        ("3", "3", "accuses 2; claims-responsibility 1")
    ambush = rows[("Ambush on an army convoy on the Dounkassa-Miréni road, 2 June 2025 (fictional)", FPL, "perpetrator")]
    assert (ambush["independent claimants"], ambush["lines of evidence"]) == ("2", "2")
    guards = rows[("Killings at the Kéréla cattle market, 14 March 2025 (fictional)", GUARDS, "supporter")]
    assert guards["rejected by"] == "claim:fx-kerela-fat-rebuttal-s1-report; claim:fx-kerela-fat-rebuttal-s2-video"


def test_answers_and_allegations_against_the_army_and_its_auxiliaries(store):
    answers = cross_source.answers_by_actor_kind(store)
    assert [(r["kind of actor"], r["denials"], r["rejections"]) for r in answers.section("per-kind").rows] == [
        ("communal group", "1", "0"), ("state armed force", "0", "2"), ("state-backed militia", "1", "0")]
    alleged = cross_source.alleged_against(store, "Korvala League for Human Rights", "actor:tamsalan-armed-forces")
    assert [(r["accused"], r["relation to the actor"], r["alleged role"]) for r in alleged.rows] == [
        (FAT, "the actor itself", "perpetrator"), (GUARDS, "auxiliary of the actor", "supporter"),
        (GUARDS, "auxiliary of the actor", "contributor")]
