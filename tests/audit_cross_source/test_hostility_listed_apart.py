"""Hostility (skg:qualifiedHostility, skg:inConflictWith) is shown apart from affiliations, with the claim and
claimant it rests on: on an actor's linked-data page and in cq5 (everything about an actor), on the seed."""

from __future__ import annotations

from sahelkg.sparql.saved_queries import load_queries
from sahelkg.web import pages

ID = "https://w3id.org/sahelkg/id/"
FIGHTS = ID + "claim/a000-s7-fama-fights"


def _section(store, actor: str, title: str) -> list[dict]:
    sections, _ = pages.page_sections(store.query, ID + "actor/" + actor)
    found = [s for s in sections if s.title == title]
    assert len(found) == 1, [s.title for s in sections]
    return [{k: (v or {}).get("iri", (v or {}).get("literal")) for k, v in row.items()} for row in found[0].rows]


def test_the_actor_page_lists_hostilities_in_their_own_section(tarvo_store):
    hostile = _section(tarvo_store, "fama", "Hostilities (not affiliations)")
    assert sorted({(r["other"], r["direction"], r["claim"]) for r in hostile}) == [
        (ID + f"actor/{enemy}", "to", FIGHTS) for enemy in ("csp-dpa", "isgs", "jnim")]
    # According to whom: the claim's claimant (the article's publisher reports the fighting).
    assert {r["claimant"] for r in hostile} == {ID + "actor/publisher-of-a000"}
    affiliated = _section(tarvo_store, "fama", "Affiliations")
    assert affiliated and not {r["other"] for r in affiliated} & {r["other"] for r in hostile}
    # From the other side: JNIM's page names FAMa as the actor that states the hostility.
    assert [(r["other"], r["claim"]) for r in _section(tarvo_store, "jnim", "Hostilities (not affiliations)")] == [
        (ID + "actor/fama", FIGHTS)]


def test_cq5_gives_each_hostility_statement_its_claim_in_both_directions(tarvo_store):
    query = load_queries()["cq5-everything-about-actor"]
    for actor, subject, obj in (("fama", "fama", "jnim"), ("jnim", "jnim", "fama")):
        result = query.run(tarvo_store, {"actor": ID + "actor/" + actor})
        rows = [dict(zip(result.variables, (t.value if t is not None else None for t in row), strict=True))
                for row in result.rows]
        conflict = [r for r in rows if r["predicate"].endswith("#inConflictWith")
                    and (r["subject"], r["object"]) == (ID + "actor/" + subject, ID + "actor/" + obj)]
        assert [r["claim"] for r in conflict] == [FIGHTS], actor
