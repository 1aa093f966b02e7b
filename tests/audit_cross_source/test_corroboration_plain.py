"""Corroboration where most groups are one claim about a plain event (named by its English rdfs:label
alone, as every imported dataset row): the store counts those groups and names them, and a page reads
only the ones it shows. Whatever the store cannot settle so (two claims or speakers about one event,
an event with two English labels, one label on two events) is read claim by claim; the ranking and
the rows are the same either way."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.audit import reports as audit
from sahelkg.store import EmbeddedStore
from tests.audit_cross_source.test_corroboration_groups import PREFIXES

ACTORS = """
actor:army skos:prefLabel "Osmaran Army"@en .
actor:militia skos:prefLabel "Kelbo Militia"@en .
actor:ngo skos:prefLabel "Kelbo Watch"@en .
actor:dataset skos:prefLabel "Event Dataset"@en .
claim:by-dataset prov:agent actor:dataset .
claim:by-ngo prov:agent actor:ngo .
"""


def _claim(name: str, event: str, accused: str, by: str = "dataset") -> str:
    return (f"claim:{name} skg:stance stance:accuses ; skg:about event:{event} ; skg:qualifiedClaimAttribution "
            f"claim:by-{by} ; skg:qualifiedAccusation [ skg:accusedActor actor:{accused} ; "
            "skg:allegedRole role:perpetrator ] .\n")


# The army's groups are all plain: one claim each about an event with a label of its own ("en-GB" too).
ARMY = ('event:bara rdfs:label "Attack in Bara"@en .\nevent:aro rdfs:label "Attack in Aro"@en-GB .\n'
        'event:dira rdfs:label "Clash at Dira"@en .\nevent:cora rdfs:label "Ambush near Cora"@en .\n' +
        _claim("bara", "bara", "army") + _claim("aro", "aro", "army") + _claim("dira", "dira", "army") +
        _claim("cora", "cora", "army"))
# The militia's are not: two claims about Cora, an event with two English labels, two events of one label.
MILITIA = ('event:zeta rdfs:label "Zeta fight"@en, "Zeta battle"@en .\n'
           'event:fala rdfs:label "Raid on Fala"@en .\nevent:fala-2 rdfs:label "Raid on Fala"@en .\n' +
           _claim("cora-dataset", "cora", "militia") + _claim("cora-ngo", "cora", "militia", by="ngo") +
           _claim("zeta", "zeta", "militia") + _claim("fala", "fala", "militia") + _claim("fala-2", "fala-2", "militia"))


def _store(text: str) -> EmbeddedStore:
    store = EmbeddedStore()
    store.load_quads(ox.Quad(t.subject, t.predicate, t.object)
                     for t in ox.parse(PREFIXES + ACTORS + text, format=ox.RdfFormat.TURTLE))
    return store


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return _store(ARMY + MILITIA)


def _ranked(report: audit.Report) -> list[tuple[str, str, str, str]]:
    return [(r["about"], r["accused"], r["independent claimants"], r["allegations"]) for r in report.rows]


def test_plain_groups_are_ranked_by_name_after_the_corroborated(store):
    every = audit.corroboration(store, limit=None)
    ranked = _ranked(every)
    assert ranked[0] == ("Ambush near Cora", "Kelbo Militia", "2", "claim:cora-dataset; claim:cora-ngo")
    assert ranked[1:5] == [("Ambush near Cora", "Osmaran Army", "1", "claim:cora"),
                           ("Attack in Aro", "Osmaran Army", "1", "claim:aro"),
                           ("Attack in Bara", "Osmaran Army", "1", "claim:bara"),
                           ("Clash at Dira", "Osmaran Army", "1", "claim:dira")]
    # Two events of one name and one accused: a tie, either may come first.
    assert sorted(ranked[5:7]) == [("Raid on Fala", "Kelbo Militia", "1", "claim:fala"),
                                   ("Raid on Fala", "Kelbo Militia", "1", "claim:fala-2")]
    # The event with two English labels is one group, under one of them.
    assert ranked[7][0] in ("Zeta fight", "Zeta battle") and ranked[7][3] == "claim:zeta"
    assert every.page is not None and every.page.total == len(ranked) == 8
    assert every.notes[0].startswith("8 allegations (incident or event, accused actor, role); 7 rest on a single")


def test_pages_of_plain_groups_add_up_to_every_row(store):
    every = audit.corroboration(store, limit=None)
    pages = [audit.corroboration(store, limit=3, offset=offset) for offset in range(0, 8, 3)]
    assert [row for page in pages for row in page.rows] == every.rows
    assert {page.page.total for page in pages if page.page} == {8}
    assert audit.corroboration(store, limit=None, min_lines=2).rows == every.rows[:1]


def test_a_store_of_plain_groups_only():
    # Every group plain: nothing is read claim by claim but the page's rows.
    report = audit.corroboration(_store(ARMY), limit=2, offset=1)
    assert _ranked(report) == [("Attack in Aro", "Osmaran Army", "1", "claim:aro"),
                               ("Attack in Bara", "Osmaran Army", "1", "claim:bara")]
    assert report.page is not None and (report.page.total, report.page.next_offset) == (4, 3)
    assert report.rows[0]["claimants"] == "Event Dataset" and report.rows[0]["lines of evidence"] == "1"


def test_an_agent_speaking_for_two_organisations_beside_a_plain_claim():
    # One agent on behalf of two organisations is two speakers: read claim by claim, with the plain
    # claim about the same event in one group (not a plain group of its own beside it).
    odd = ("claim:by-two prov:agent actor:spokesman ; skg:onBehalfOf actor:ngo, actor:militia .\n" +
           _claim("bara-two", "bara", "army", by="two"))
    rows = {r["about"]: r for r in audit.corroboration(_store(ARMY + odd), limit=None).rows}
    assert len(rows) == 4
    assert (rows["Attack in Bara"]["allegations"], rows["Attack in Bara"]["independent claimants"]) == \
        ("claim:bara; claim:bara-two", "3")
