"""Audits across sources and actors: accusations between adversaries, what an organisation alleged
against an actor and its affiliates, and denials and rejections by the kind of actor that made them.

Affiliates follow the affiliation properties (every sub-property of `skg:affiliatedWith` and qualified
affiliations), never hostility: `skg:inConflictWith` is not an affiliation, so enemies never appear
as affiliates. Hostility is read in both directions, whichever one a graph stores.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.audit.reports import (
    Report,
    Table,
    _facts_iris,
    _local,
    claim_facts,
    describe_date,
    labels,
    resolve_actor,
    select,
)
from sahelkg.namespaces import shorten

# The kind of actor an answer comes from, by its class (first match wins: most specific first).
ACTOR_KINDS = (
    ("Government", "government"),
    ("StateBackedMilitia", "state-backed militia"),
    ("StateArmedForce", "state armed force"),
    ("PrivateMilitaryCompany", "armed group"),
    ("NonStateArmedGroup", "armed group"),
    ("ArmedActor", "armed group"),
    ("InternationalMission", "international mission"),
    ("NewsOrganisation", "news organisation"),
    ("CivilSocietyOrganisation", "civil society / NGO"),
    ("CommunalGroup", "communal group"),
)
# The claimant shortcut lists the speaker and the organisation it speaks for (skg:onBehalfOf) alike.
_VOICE = "?claim skg:claimant ?voice ."


def actor_kinds(store, actors) -> dict[str, str]:
    """Given actor IRIs, return each one's kind (government, state armed force, armed group, civil society /
    NGO, news organisation …) from its classes; "other" when none applies."""
    actors = sorted(set(actors))
    if not actors:
        return {}
    found = select(store, "SELECT DISTINCT ?actor ?class WHERE { ?actor a ?type . ?type rdfs:subClassOf* ?class . }",
                   actor=[ox.NamedNode(a) for a in actors],
                   **{"class": [ox.NamedNode(ns.SKG + name) for name, _ in ACTOR_KINDS]})
    classes: dict[str, set[str]] = defaultdict(set)
    for r in found:
        classes[r["actor"].value].add(r["class"].value.rsplit("#", 1)[-1])
    return {a: next((kind for name, kind in ACTOR_KINDS if name in classes[a]), "other") for a in actors}


ADVERSARY_COLUMNS = ("claimant", "accused", "alleged role", "claim", "stance", "about", "date", "mutual", "disputed by")


def adversary_accusations(store) -> Report:
    """Return every accusation whose claimant (or the organisation it speaks for) is in conflict with the
    actor it accuses, with whether the accused accuses the claimant in turn."""
    # Start from the hostilities (few), then the claims of actors in one; never from every claim.
    hostile: set[tuple[str, str]] = set()
    for r in select(store, "SELECT DISTINCT ?a ?b WHERE { ?a skg:inConflictWith ?b . FILTER(isIRI(?b)) }"):
        hostile |= {(r["a"].value, r["b"].value), (r["b"].value, r["a"].value)}
    candidates = select(store, f"""SELECT DISTINCT ?claim ?voice ?accused ?role ?stance WHERE {{
      {_VOICE}
      ?claim skg:qualifiedAccusation ?accusation .
      ?accusation skg:accusedActor ?accused .
      ?accusation skg:allegedRole ?role .
      ?claim skg:stance ?stance .
    }}""", voice=[ox.NamedNode(a) for a in sorted({a for a, _ in hostile})]) if hostile else []
    wanted = {ns.VOCAB + "stance/accuses", ns.VOCAB + "stance/calls-for-investigation"}
    found = [r for r in candidates if r["stance"].value in wanted and (r["voice"].value, r["accused"].value) in hostile]
    facts = claim_facts(store, {r["claim"].value for r in found})
    pairs = {(r["voice"].value, r["accused"].value) for r in found}
    names = labels(store, _facts_iris(facts.values()) | {v for p in pairs for v in p})
    keyed = []
    for r in found:
        f = facts[r["claim"].value]
        voice, accused = r["voice"].value, r["accused"].value
        keyed.append(((names[voice], names[accused], f.stated_on, f.iri), {
            "claimant": names[voice], "accused": names[accused], "alleged role": _local(r["role"].value),
            "claim": shorten(f.iri), "stance": f.stance, "about": "; ".join(names.get(a, shorten(a)) for a in f.about),
            "date": describe_date(f.stated_on, f.precision), "mutual": "yes" if (accused, voice) in pairs else "no",
            "disputed by": "; ".join(sorted({shorten(d) for d, _ in f.disputed_by}))}))
    rows = [row for _, row in sorted(keyed, key=lambda pair: pair[0])]
    return Report(kind="adversaries", title="Accusations between adversaries", subject=None,
                  columns=ADVERSARY_COLUMNS, rows=rows,
                  notes=[f"{len(rows)} accusations by an actor against one it is in conflict with "
                         f"({len(pairs)} claimant–accused pairs); skg:inConflictWith is read in both directions."])


ALLEGED_COLUMNS = ("accused", "relation to the actor", "alleged role", "claim", "stance", "about", "date", "counts",
                   "disputed by")


def affiliates(store, actor: str) -> dict[str, str]:
    """Given an actor IRI, return its affiliates (either direction, one step) with how each is affiliated.

    Only sub-properties of skg:affiliatedWith and qualified affiliations count; hostility never does.
    """
    # The affiliation properties first (few), so that each lookup has its predicate and one end bound.
    properties = [r["property"] for r in select(
        store, "SELECT DISTINCT ?property WHERE { ?property rdfs:subPropertyOf+ skg:affiliatedWith . }")]
    found = []
    for direction, pattern in (("of", "?other ?property ?actor ."), ("has", "?actor ?property ?other .")):
        for r in select(store, f"SELECT DISTINCT ?other ?property WHERE {{ {pattern} FILTER(isIRI(?other) && "
                               "?other != ?actor) }", actor=[ox.NamedNode(actor)], property=properties):
            found.append({**r, "direction": ox.Literal(direction)})
    found.sort(key=lambda r: (r["other"].value, r["property"].value))
    qualified = select(store, """SELECT DISTINCT ?other ?kind ?direction WHERE {
      { ?other skg:qualifiedAffiliation ?affiliation . ?affiliation skg:withActor ?actor . BIND("of" AS ?direction) }
      UNION { ?actor skg:qualifiedAffiliation ?affiliation . ?affiliation skg:withActor ?other . BIND("has" AS ?direction) }
      ?affiliation skg:affiliationKind ?kind .
      FILTER(?kind != <https://w3id.org/sahelkg/vocab/affiliation-kind/in-conflict-with>)
      FILTER(?other != ?actor)
    } ORDER BY ?other ?kind""", actor=[ox.NamedNode(actor)])
    relations: dict[str, set[str]] = defaultdict(set)
    for r in found:
        relations[r["other"].value].add(_relation(_words(r["property"].value.rsplit("#", 1)[-1]), r["direction"].value))
    for r in qualified:
        relations[r["other"].value].add(_relation(_local(r["kind"].value).replace("-", " "), r["direction"].value))
    return {other: "; ".join(sorted(words)) for other, words in relations.items()}


def _relation(words: str, direction: str) -> str:
    """Given an affiliation in words and its direction, say it from the affiliate's side."""
    return f"{words} the actor" if direction == "of" else f"the actor {words} it"


def _words(camel: str) -> str:
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in camel)
    return out.strip()


def alleged_against(store, organisation: str, actor: str) -> Report:
    """Given an organisation and an actor (IRI, slug or name), return every accusation the organisation
    made against the actor and its affiliates, with counts per accused."""
    by = resolve_actor(store, organisation)
    target = resolve_actor(store, actor)
    related = affiliates(store, target)
    accused_set = [target] + sorted(related)
    found = select(store, f"""SELECT DISTINCT ?claim ?accused ?role WHERE {{
      {_VOICE}
      ?claim skg:qualifiedAccusation ?accusation .
      ?accusation skg:accusedActor ?accused .
      ?accusation skg:allegedRole ?role .
      ?claim skg:stance ?stance .
      FILTER(?stance != stance:claims-responsibility)
    }}""", voice=[ox.NamedNode(by)], accused=[ox.NamedNode(a) for a in accused_set])
    facts = claim_facts(store, {r["claim"].value for r in found})
    names = labels(store, _facts_iris(facts.values()) | set(accused_set) | {by})
    keyed = []
    per_accused: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in found:
        f = facts[r["claim"].value]
        accused, role = r["accused"].value, _local(r["role"].value)
        per_accused[accused][role].add(f.iri)
        counts = "; ".join(f"“{c['wording']}”" for c in f.counts)
        keyed.append(((accused != target, names[accused], f.stated_on, f.iri), {
            "accused": names[accused], "relation to the actor": "the actor itself" if accused == target
            else related[accused], "alleged role": role, "claim": shorten(f.iri), "stance": f.stance,
            "about": "; ".join(names.get(a, shorten(a)) for a in f.about),
            "date": describe_date(f.stated_on, f.precision), "counts": counts,
            "disputed by": "; ".join(sorted({shorten(d) for d, _ in f.disputed_by}))}))
    rows = [row for _, row in sorted(keyed, key=lambda pair: pair[0])]
    summary = [{"accused": names[a], "relation to the actor": "the actor itself" if a == target else related[a],
                "claims": str(len(set().union(*per_accused[a].values()))) if per_accused[a] else "0",
                "as perpetrator": str(len(per_accused[a].get("perpetrator", ()))),
                "as contributor": str(len(per_accused[a].get("contributor", ()))),
                "in another role": str(len(set().union(*(v for k, v in per_accused[a].items()
                                                         if k not in ("perpetrator", "contributor"))) or set()))}
               for a in accused_set]
    total = len({r["claim"].value for r in found})
    return Report(kind="alleged", title=f"What {names[by]} alleged against {names[target]} and its affiliates",
                  subject=target, columns=ALLEGED_COLUMNS, rows=rows,
                  notes=[f"{total} claims by {names[by]} accuse {names[target]} or one of its {len(related)} "
                         "affiliates (affiliation properties and qualified affiliations, either direction; never "
                         "actors it is in conflict with)."],
                  sections=[Table("per-accused", "Claims per accused",
                                  ("accused", "relation to the actor", "claims", "as perpetrator", "as contributor",
                                   "in another role"), summary)])


ANSWER_COLUMNS = ("kind of actor", "actor", "answer", "claim", "answers", "grounds", "date")


def answers_by_actor_kind(store) -> Report:
    """Return every denial and rejection grouped by the kind of actor that made it (government, state armed
    force, armed group, civil society / NGO, news organisation …), with counts per kind."""
    found = select(store, f"""SELECT DISTINCT ?claim ?voice ?stance WHERE {{
      ?claim skg:stance ?stance .
      FILTER(?stance IN (stance:denies, stance:rejects))
      {_VOICE}
    }}""")
    claims = {r["claim"].value for r in found}
    facts = claim_facts(store, claims)
    targets: dict[str, list[str]] = defaultdict(list)
    grounds: dict[str, list[str]] = defaultdict(list)
    if claims:
        bound = {"claim": [ox.NamedNode(c) for c in claims]}
        for r in select(store, "SELECT ?claim ?target WHERE { ?claim skg:rejects ?target . } ORDER BY ?target", **bound):
            targets[r["claim"].value].append(r["target"].value)
        for r in select(store, "SELECT ?claim ?g WHERE { ?claim skg:rejectionGrounds ?g . } ORDER BY ?g", **bound):
            grounds[r["claim"].value].append(_local(r["g"].value))
    # A person speaking for an organisation answers as that organisation: keep organisations when a
    # claim names both.
    voices: dict[str, set[str]] = defaultdict(set)
    for r in found:
        voices[r["claim"].value].add(r["voice"].value)
    kinds = actor_kinds(store, {v for vs in voices.values() for v in vs})
    names = labels(store, _facts_iris(facts.values()) | set(kinds) | {t for ts in targets.values() for t in ts})
    keyed = []
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"denies": 0, "rejects": 0})
    for claim, vs in voices.items():
        f = facts[claim]
        known = {v for v in vs if kinds.get(v) != "other"} or vs
        for voice in sorted(known):
            kind = kinds.get(voice, "other")
            per_kind[kind][f.stance] += 1
            what = targets[claim] if f.stance == "rejects" else f.disputes
            keyed.append(((kind, names[voice], f.stated_on, claim), {
                "kind of actor": kind, "actor": names[voice], "answer": f.stance, "claim": shorten(claim),
                "answers": "; ".join(f"{names.get(t, shorten(t))} ({shorten(t)})" if t in names else shorten(t)
                                     for t in what) + (f"; denies {', '.join(names.get(a, shorten(a)) for a in f.denied)}"
                                                       if f.denied else ""),
                "grounds": "; ".join(grounds[claim]), "date": describe_date(f.stated_on, f.precision)}))
    rows = [row for _, row in sorted(keyed, key=lambda pair: pair[0])]
    summary = [{"kind of actor": kind, "denials": str(n["denies"]), "rejections": str(n["rejects"])}
               for kind, n in sorted(per_kind.items())]
    return Report(kind="answers", title="Denials and rejections by kind of actor", subject=None,
                  columns=ANSWER_COLUMNS, rows=rows,
                  notes=[f"{sum(n['denies'] for n in per_kind.values())} denials and "
                         f"{sum(n['rejects'] for n in per_kind.values())} rejections by {len(per_kind)} kinds of actor."],
                  sections=[Table("per-kind", "Counts per kind of actor", ("kind of actor", "denials", "rejections"),
                                  summary)])


__all__ = ["actor_kinds", "adversary_accusations", "affiliates", "alleged_against", "answers_by_actor_kind"]
