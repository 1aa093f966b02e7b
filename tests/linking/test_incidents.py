"""`link incidents` on an embedded store: the seed article's 2 January 2025 attack is linked with
the matching ACLED and UCDP fixture rows, a same-day event 100 km away and an event a month later
are not, and people's confirmations and rejections survive re-running."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import pytest

from sahelkg import gate
from sahelkg.linking import incidents as li

from .conftest import ACLED_ATTACK, CURATOR, FAR_SAME_DAY, MONTH_LATER, SEED_ATTACK, UCDP_ATTACK, fixture_store

NOW = _dt.datetime(2026, 12, 1, 5, 0, tzinfo=_dt.UTC)


@pytest.fixture(scope="module")
def store():
    return fixture_store()


@pytest.fixture(scope="module")
def first_run(store):
    """The first proposal, written to the store."""
    proposal = li.propose(store, now=NOW)
    receipt = li.write(store, proposal.change)  # through the gate: raises when the shapes refuse it
    assert receipt.added == len(proposal.change.additions) > 0
    return proposal


def links(store) -> dict[str, li.Link]:
    """Given a store, return its incident links by event (one per event in these tests)."""
    found = li.read_links(store)
    return {link.event: link for link in found}


def test_the_seed_attack_is_linked_with_the_acled_and_ucdp_rows(store, first_run):
    stored = links(store)
    assert set(stored) == {SEED_ATTACK, ACLED_ATTACK, UCDP_ATTACK}
    assert len({link.incident for link in stored.values()}) == 1
    assert {link.status for link in stored.values()} == {li.CANDIDATE}
    incident = stored[SEED_ATTACK].incident
    assert incident.startswith(li.INCIDENT + "2025-01-02-")
    # The incident lives only in the curation graph, and carries no event type.
    graphs = {q.graph_name.value for q in store.quads(subject=li._n(incident))}
    assert graphs == {li.CURATION_GRAPH}
    assert not store.query(f"ASK {{ <{incident}> <{li.SKG}eventType> ?t }}").boolean
    # Candidates are not confirmations: no sameIncident shortcut yet.
    assert not store.query(f"ASK {{ ?e <{li.SKG}sameIncident> ?i }}").boolean


def test_scores_and_reasons_say_why(first_run):
    by_pair = {frozenset((p.first, p.second)): p for p in first_run.pairs}
    seed_acled = by_pair[frozenset((SEED_ATTACK, ACLED_ATTACK))]
    assert 0 < seed_acled.score <= 1
    assert "time spans overlap (2025-01-02)" in seed_acled.reasons
    assert any(r.startswith("place within 1 km") and "Niono" in r for r in seed_acled.reasons)
    assert any(r.startswith("actor overlap:") and "fama" in r for r in seed_acled.reasons)
    # The two dataset rows agree on exact coordinates, so they score higher than the article's
    # region-level event linked only through its route's origin.
    acled_ucdp = by_pair[frozenset((ACLED_ATTACK, UCDP_ATTACK))]
    assert acled_ucdp.score > seed_acled.score


def test_a_same_day_event_100_km_away_is_refused(store, first_run):
    refused = {frozenset((p.first, p.second)): p for p in first_run.refused}
    for other in (SEED_ATTACK, ACLED_ATTACK):
        pair = refused[frozenset((FAR_SAME_DAY, other))]
        assert "km apart" in (pair.refused or "")
        distance = int((pair.refused or "").split(" km")[0].split()[-1])
        assert 95 <= distance <= 105
    assert FAR_SAME_DAY not in links(store)
    # Still refused with a wider limit than its distance? No: the limit is what refuses it.
    wider = li.propose(store, km=150, now=NOW)
    assert any(FAR_SAME_DAY in (p.first, p.second) for p in wider.pairs)


def test_an_event_a_month_later_at_the_same_place_is_not_compared(store, first_run):
    compared = {e for p in [*first_run.pairs, *first_run.refused] for e in (p.first, p.second)}
    assert MONTH_LATER not in compared
    assert MONTH_LATER not in links(store)


def test_rerunning_proposes_nothing_new(store, first_run):
    again = li.propose(store, now=NOW)
    assert again.links == []
    assert again.change.is_empty()


def test_decisions_survive_rerunning(store, first_run):
    incident = links(store)[SEED_ATTACK].incident
    li.write(store, li.decide(store, SEED_ATTACK, incident, li.CONFIRMED, by=CURATOR, by_label="test curator", now=NOW))
    li.write(store, li.decide(store, UCDP_ATTACK, incident, li.REJECTED, by=CURATOR, note="test: not the same", now=NOW))
    assert store.query(f"ASK {{ <{SEED_ATTACK}> <{li.SKG}sameIncident> <{incident}> }}").boolean

    again = li.propose(store, now=NOW)
    assert again.links == []
    skipped = {frozenset((p.first, p.second)): why for p, why in again.skipped}
    assert "rejected" in skipped[frozenset((ACLED_ATTACK, UCDP_ATTACK))]
    assert "rejected" in skipped[frozenset((SEED_ATTACK, UCDP_ATTACK))]
    stored = links(store)
    assert stored[SEED_ATTACK].status == li.CONFIRMED
    assert stored[UCDP_ATTACK].status == li.REJECTED
    assert stored[ACLED_ATTACK].status == li.CANDIDATE
    # The decision is attributed and timed; the proposal's score stays as the reason it was proposed.
    link = li.link_iri(UCDP_ATTACK, incident)
    row = store.query(f"""SELECT ?who ?when ?score ?note WHERE {{ <{link}> <{li.PROV}wasAttributedTo> ?who ;
        <{li.PROV}generatedAtTime> ?when ; <{li.SKG}linkScore> ?score ; <{li.RDFS}comment> ?note }}""").rows
    assert [(r[0].value, r[1].value[:19], Decimal(r[2].value), r[3].value) for r in row] == [
        (CURATOR, "2026-12-01T05:00:00", Decimal(1), "test: not the same")]


def test_a_confirmed_link_is_never_downgraded(store, first_run):
    incident = links(store)[SEED_ATTACK].incident
    # Proposing again, even with every pair forced through, writes nothing about the confirmed link.
    again = li.propose(store, min_score=0.0, now=NOW)
    assert all(new.event != SEED_ATTACK for new in again.links)
    assert links(store)[SEED_ATTACK].status == li.CONFIRMED
    assert store.query(f"ASK {{ <{SEED_ATTACK}> <{li.SKG}sameIncident> <{incident}> }}").boolean


def test_rejecting_a_confirmed_link_removes_the_shortcut():
    store = fixture_store()
    li.write(store, li.propose(store, now=NOW).change)
    incident = links(store)[ACLED_ATTACK].incident
    li.write(store, li.decide(store, ACLED_ATTACK, incident, li.CONFIRMED, by=CURATOR, now=NOW))
    change = li.decide(store, ACLED_ATTACK, incident, li.REJECTED, by=CURATOR, now=NOW)
    li.write(store, change)
    assert links(store)[ACLED_ATTACK].status == li.REJECTED
    assert not store.query(f"ASK {{ <{ACLED_ATTACK}> <{li.SKG}sameIncident> ?i }}").boolean
    statuses = store.query(f"SELECT ?s WHERE {{ <{li.link_iri(ACLED_ATTACK, incident)}> <{li.SKG}linkStatus> ?s }}").rows
    assert [str(r[0]) for r in statuses] == [f"<{li.REJECTED}>"]


def test_unknown_iris_are_refused_and_change_nothing(store, first_run):
    incident = links(store)[SEED_ATTACK].incident
    before = sorted(map(str, store.quads(graph=li._n(li.CURATION_GRAPH))))
    with pytest.raises(li.LinkError, match="no skg:Event"):
        li.decide(store, li.ns.ID + "event/no-such-event", incident, li.CONFIRMED, by=CURATOR)
    with pytest.raises(li.LinkError, match="no skg:Incident"):
        li.decide(store, SEED_ATTACK, li.INCIDENT + "no-such-incident", li.CONFIRMED, by=CURATOR)
    assert sorted(map(str, store.quads(graph=li._n(li.CURATION_GRAPH)))) == before
    # The seed attack is confirmed as one incident (test_decisions_survive_rerunning): not a second one.
    other = li.INCIDENT + "2025-01-02-test-other"
    li.write(store, li.Change(additions=(li._quad(other, li.RDF_TYPE, li._n(li.SKG + "Incident")),
                                         li._quad(other, li.RDFS + "label", li._lit("test incident", lang="en")))))
    before = sorted(map(str, store.quads(graph=li._n(li.CURATION_GRAPH))))
    with pytest.raises(li.LinkError, match="already confirmed"):
        li.decide(store, SEED_ATTACK, other, li.CONFIRMED, by=CURATOR)
    assert sorted(map(str, store.quads(graph=li._n(li.CURATION_GRAPH)))) == before


def test_a_link_the_shapes_refuse_is_not_written(store, first_run):
    incident = links(store)[ACLED_ATTACK].incident
    before = sorted(map(str, store.quads(graph=li._n(li.CURATION_GRAPH))))
    link = li.link_iri(ACLED_ATTACK, incident)
    bad = li.Change(additions=(li._quad(link, li.SKG + "linkScore", li._lit("1.5", "decimal")),))
    with pytest.raises(gate.ChangeRefused):
        li.write(store, bad)
    assert sorted(map(str, store.quads(graph=li._n(li.CURATION_GRAPH)))) == before


def test_blocking_compares_only_same_day_same_country_pairs():
    day = _dt.date(2025, 1, 2)
    places = {"m": li.Place("m", kind=li.PT + "country"), "b": li.Place("b", kind=li.PT + "country")}
    events = [li.EventFacts(f"e{i}", f"g{i % 3}", start=day + _dt.timedelta(days=i // 30), end=day + _dt.timedelta(days=i // 30),
                            locations={"m" if i % 2 else "b"}) for i in range(300)]
    pairs = list(li.candidate_pairs(events, places))
    # 10 days × 2 countries × 15 events in 3 graphs (5 each): 3 graph pairs × 25 = 75 pairs per block.
    assert len(pairs) == 10 * 2 * 75
    assert all(a.graph != b.graph and a.start == b.start and a.locations == b.locations for a, b in pairs)


def test_events_with_points_are_compared_by_neighbourhood_not_by_country():
    day = _dt.date(2025, 1, 2)
    places = {"m": li.Place("m", kind=li.PT + "country"), "b": li.Place("b", kind=li.PT + "country")}

    def event(iri: str, graph: str, country: str, lat: float, lon: float) -> li.EventFacts:
        return li.EventFacts(iri, graph, start=day, end=day, locations={country}, precision=li.GP + "exact",
                             points=[(lat, lon, iri)])

    border_a = event("border-a", "g1", "m", 14.0, -1.0)
    border_b = event("border-b", "g2", "b", 14.05, -0.95)  # 8 km away, coded in the other country
    far = event("far", "g2", "m", 16.7, -1.0)  # 300 km north, same country
    vague = li.EventFacts("vague", "g3", start=day, end=day, locations={"m"})
    pairs = {frozenset((a.iri, b.iri)) for a, b in li.candidate_pairs([border_a, border_b, far, vague], places)}
    assert frozenset(("border-a", "border-b")) in pairs
    assert frozenset(("border-a", "far")) not in pairs
    # An event without a point is compared with every event of its day and country.
    assert {frozenset(("vague", "border-a")), frozenset(("vague", "far"))} <= pairs
    assert frozenset(("vague", "border-b")) not in pairs
    scored = li.score_pair(border_a, border_b, places)
    assert scored.refused is None and scored.score > 0.5



def test_reference_towns_have_approximate_points(store):
    places = li.read_places(store)
    towns = [p for p in places.values() if p.iri.startswith(li.ns.ID + "place/") and p.kind == li.PT + "town"
             and store.query(f"ASK {{ GRAPH <{li.ns.REFERENCE_GRAPH}> {{ <{p.iri}> a ?t }} }}").boolean]
    assert {p.iri.rsplit("/", 1)[1] for p in towns} >= {"niono", "tinzaouaten"}
    for town in towns:
        assert town.point is not None, town.iri
        notes = store.query(f"""SELECT ?note WHERE {{ <{town.iri}> <{li.GEO}hasGeometry>/<http://www.w3.org/2004/02/skos/core#note>
            ?note }}""").rows
        assert any("approximate" in r[0].value for r in notes), town.iri
    # Niono lies in the Ségou region: the two points are closer than the region is wide.
    assert li.distance_km(places[li.ns.ID + "place/niono"].point, places[li.ns.ID + "place/segou-region"].point) < 150
