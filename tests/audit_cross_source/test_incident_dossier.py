"""The incident dossier gives its exact answers on the fictional Tarvo incident (expected rows written
from reading tarvo.trig): figures side by side with their flags, and one table per kind of statement."""

from __future__ import annotations

import pytest

from sahelkg.audit import incidents
from sahelkg.audit import reports as audit
from tests.audit_cross_source.conftest import INCIDENT

ARMY, TLF = "Osmaran Army (OSA)", "Tarvo Liberation Front (TLF)"


def pick(rows, *columns):
    return [tuple(row[c] for c in columns) for row in rows]


@pytest.fixture(scope="module")
def dossier(tarvo_store):
    return incidents.incident_dossier(tarvo_store, "tarvo-2025-03-04")


@pytest.mark.parametrize("reference", ["tarvo-2025-03-04", "incident:tarvo-2025-03-04", INCIDENT])
def test_the_incident_is_found_by_any_form_of_its_name(tarvo_store, reference):
    assert incidents.resolve_subject(tarvo_store, reference) == (INCIDENT, "incident")


def test_every_figure_side_by_side_with_the_non_overlap_and_status_flags(dossier):
    assert dossier.title == "Incident dossier: Killings in Tarvo, 4 March 2025 (fictional)"
    assert pick(dossier.rows, "claim", "qualifier", "minimum", "maximum", "outcome", "status", "whose casualties",
                "flags") == [
        ("claim:fx-courier-army-operation", "range", "20", "25", "killed", "suspected-fighters", TLF,
         "status disputed (claim:fx-courier-residents-accuse); status disputed (claim:fx-meridian-orw-accuses)"),
        ("claim:fx-meridian-army-acknowledges", "exact", "12", "12", "killed", "soldiers", ARMY, ""),
        # "up to 40" has no minimum; it overlaps the army's own 12.
        ("claim:fx-meridian-tlf-claims", "up-to", "", "40", "killed", "soldiers", ARMY, ""),
        ("claim:fx-courier-residents-accuse", "range", "31", "35", "killed", "civilians", "",
         "ranges do not overlap (claim:acled-fx-1); status disputed (claim:fx-courier-army-operation)"),
        ("claim:fx-meridian-orw-accuses", "at-least", "30", "", "killed", "civilians", "",
         "ranges do not overlap (claim:acled-fx-1); status disputed (claim:fx-courier-army-operation)"),
        # ACLED's "fatalities" is narrower than "killed": compared with the killed counts of the same people.
        ("claim:acled-fx-1", "exact", "28", "28", "fatalities", "", "",
         "ranges do not overlap (claim:fx-courier-residents-accuse); ranges do not overlap (claim:fx-meridian-orw-accuses)"),
    ]
    assert dossier.notes[0] == ("3 events from 3 sources; 13 claims; 6 figures, 3 with a range that another source's "
                                "does not overlap, 3 with a disputed victim status.")
    assert dossier.rows[-1]["source"] == "graph:import/acled-fx00000000000001 (dataset row), doc:acled-fx-1"


def test_responsibility_acknowledgements_and_accusations(dossier):
    assert pick(dossier.section("responsibility").rows, "claim", "responsible") == [
        ("claim:fx-courier-army-operation", ARMY), ("claim:fx-meridian-tlf-claims", TLF)]
    assert pick(dossier.section("acknowledgements").rows, "claim", "acknowledges") == [
        ("claim:fx-meridian-army-acknowledges", "twelve of our soldiers")]
    assert pick(dossier.section("accusations").rows, "claim", "accused", "role", "contributing act", "disputed by") == [
        # Described only: shown by its description, the candidate as a possibility, never as identified.
        ("claim:fx-meridian-government-accuses",
         f"described as “armed men on motorbikes”, possibly {TLF} (possible)", "perpetrator", "", ""),
        ("claim:fx-courier-residents-accuse", ARMY, "perpetrator", "", "claim:fx-courier-army-denies"),
        ("claim:fx-courier-tlf-accuses-army", ARMY, "perpetrator", "", ""),
        ("claim:fx-meridian-orw-accuses", ARMY, "perpetrator", "", ""),
        ("claim:fx-meridian-orw-accuses", "Tarvo Self-Defence Militia", "contributor",
         "ordered residents to gather in the market square", ""),
        ("claim:acled-fx-1", TLF, "perpetrator", "", ""),
    ]


def test_denials_rejections_characterisations_and_absences(dossier):
    assert pick(dossier.section("denials").rows, "claim", "disputes", "denies") == [
        ("claim:fx-courier-army-denies", "claim:fx-courier-residents-accuse", ARMY)]
    assert pick(dossier.section("rejections").rows, "claim", "rejects", "grounds", "in their words") == [
        ("claim:fx-courier-government-rejects", "ORW statement on Tarvo (fictional) (doc:fx-orw-statement)", "biased", ""),
        ("claim:fx-courier-tlf-rejects-video", "Army video of the Tarvo operation (fictional) (doc:fx-army-video)",
         "fabricated", "a montage")]
    assert pick(dossier.section("characterisations").rows, "claim", "in their words") == [
        ("claim:fx-courier-army-operation", "a counter-terrorist operation"), ("claim:fx-meridian-tlf-claims", ""),
        ("claim:fx-meridian-orw-accuses", "a massacre")]
    assert pick(dossier.section("absences").rows, "claim", "claimants") == [
        ("claim:fx-meridian-no-toll", "The Meridian Daily (reporter)"),
        ("claim:fx-courier-no-response", "The Osmara Courier (reporter)")]


def test_the_events_the_dataset_row_and_the_links(dossier):
    assert pick(dossier.section("events").rows, "event", "when", "claims") == [
        ("event:acled-fx-1", "2025-03-04", "1"), ("event:fx-courier-tarvo-operation", "2025-03-04", "7"),
        ("event:fx-meridian-tarvo-attack", "2025-03-04", "5")]
    assert [r["event"] for r in incidents.dataset_rows(dossier)] == ["event:acled-fx-1"]
    # The rejected candidate (same day, elsewhere) is listed as a link but none of its claims is shown.
    assert pick(dossier.section("links").rows, "event", "status", "score") == [
        ("ACLED FX1: attack, Tarvo (fictional)", "confirmed", "0.9"),
        ("Army operation in Tarvo, 4 March 2025 (Courier)", "confirmed", ""),
        ("Attack on Tarvo market, 4 March 2025 (Meridian)", "confirmed", ""),
        ("ACLED FX2: clash near Doru (fictional)", "rejected", "0.4")]


def test_a_single_event_has_its_own_dossier_pointing_to_the_incident(tarvo_store):
    report = incidents.incident_dossier(tarvo_store, "event:fx-meridian-tarvo-attack")
    assert [r["claim"] for r in report.rows] == ["claim:fx-meridian-army-acknowledges", "claim:fx-meridian-tlf-claims",
                                                 "claim:fx-meridian-orw-accuses"]
    assert all(r["flags"] == "" for r in report.rows)
    assert "This event is part of incident:tarvo-2025-03-04: its dossier gathers every source." in report.notes


def test_the_seed_event_has_a_dossier_too(seed_store):
    report = incidents.incident_dossier(seed_store, "event:a000-niono-vehicle-attack")
    assert {r["wording"] for r in report.rows} == {"Nine civilians", "including women and children"}
    assert pick(report.section("denials").rows, "claim", "denies") == [
        ("claim:a000-s5-kel-ansar-denial", "Malian Armed Forces (FAMa)")]


def test_an_unknown_incident_is_404(tarvo_store):
    with pytest.raises(audit.AuditError, match="no incident or event 'nowhere'") as caught:
        incidents.incident_dossier(tarvo_store, "nowhere")
    assert caught.value.status == 404


def test_every_format_holds_the_sections(dossier):
    markdown = audit.render(dossier, "markdown")
    assert "## Who claimed responsibility" in markdown and "## Reports and evidence rejected" in markdown
    body = dossier.to_dict()
    assert [s["name"] for s in body["sections"]] == ["responsibility", "acknowledgements", "accusations", "denials",
                                                     "rejections", "characterisations", "absences", "events", "links"]
    assert audit.render(dossier, "csv").splitlines()[0].startswith("source,claim,stance,claimants,event,wording")
