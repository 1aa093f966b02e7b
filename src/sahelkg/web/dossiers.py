"""Dossiers: what the graph says about one actor, claim or document, arranged for a reader.

An actor's dossier lists its names in every language and as sources wrote them, its affiliations
over time with who says so, then every allegation against it and every claim it made, one row per
claim: its date at the precision the source gave, who made it (and for whom), what about, the
counts as a reader says them ("32+ civilians killed (at least)"), the quotes grouped, the sources,
and the denials, saying which accused actors each denial covers and which it leaves undenied.
A claim's dossier puts the quote first, then its source chain drawn as a linked graph. A document's
dossier lists everything derived from it and what rests on it alone. The claims' core facts come
from `sahelkg.audit.reports.claim_facts`, the one place that gathers them; what only a reader's
page needs (new claim kinds, described accused, count phrases, chains) is read here.

>>> count_phrase("32", "", "at-least", "killed", "civilians")
'32+ civilians killed (at least)'
>>> count_phrase("1001", "", "more-than", "dwellings burned", "")
'more than 1,000 dwellings burned'
>>> count_phrase("9", "9", "exact", "killed", "civilians")
'9 civilians killed'
>>> count_phrase("", "400", "up-to", "killed", "")
'up to 400 killed'
>>> count_phrase("", "", "unknown", "killed", "")
'an unknown number killed'
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.audit import reports
from sahelkg.store import Store
from sahelkg.web.dates import describe_span

VOCAB = ns.VOCAB
UNKNOWN_PRECISION = VOCAB + "date-precision/unknown"
# Only the prefixes used here: the store scans every query's text, so shorter is faster.
PROLOGUE = ns.sparql_prologue(["skg", "skos", "rdfs", "prov", "schema"]) + \
    "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
Href = Callable[[str], str]
# Stances as a headline says them (claimant — stance — accused).
STANCE_VERBS = {"accuses": "accuses", "denies": "denies", "calls-for-investigation": "calls for an investigation of",
                "reports": "reports", "claims-responsibility": "claims responsibility for",
                "acknowledges": "acknowledges", "rejects": "rejects", "reports-absence": "reports the absence of"}
# Properties of a claim a reader's page shows beside claim_facts (issue 10's claim kinds).
ROWS_PER_CLAIMANT = 30  # more claims than this by one claimant about one actor are summed up
EXTRA_PROPERTIES = ("rejects", "rejectionGrounds", "groundsWording", "absenceOf", "characterisesAs",
                    "characterisationWording", "basedOn")


def _number(text: str) -> str:
    return f"{int(text):,}" if text.lstrip("-").isdigit() else text


def count_phrase(minimum: str, maximum: str, qualifier: str, outcome: str, victims: str) -> str:
    """Given a count's bounds, qualifier (local name), outcome and victim category (labels),
    return it as a reader says it."""
    what = " ".join(part for part in (victims, outcome) if part)
    low, high = _number(minimum), _number(maximum) if maximum else ""
    if qualifier == "unknown" or (not minimum and not maximum):
        return f"an unknown number {what}" if not victims else f"an unknown number of {what}"
    if qualifier == "up-to":
        return f"up to {high or low} {what}"
    if qualifier == "at-most":
        return f"at most {high or low} {what}"
    if qualifier == "at-least":
        return f"{low}+ {what} (at least)"
    if qualifier == "more-than" and minimum.isdigit():
        return f"more than {_number(str(int(minimum) - 1))} {what}"
    if qualifier == "approximately":
        return f"about {low} {what}"
    if qualifier == "unspecified-plural":
        return f"an unstated number ({low}–{high}) of {what}" if high else f"an unstated number of {what}"
    if high and high != minimum:
        return f"{low}–{_number(maximum)} {what}"
    return f"{low} {what}"


@dataclass
class Link:
    """A thing shown by name, linked to its page."""

    label: str
    href: str


@dataclass
class Denial:
    """A denial of a claim: who denies it, which accused actors it covers, which it leaves undenied."""

    link: Link
    who: list[Link]
    denies: list[Link]
    leaves: list[Link]
    date: str
    quotes: list[str]


@dataclass
class Described:
    """An accused known only by the source's description, perhaps with a candidate actor."""

    description: str
    candidate: Link | None
    certainty: str
    role: str


@dataclass
class ClaimRow:
    """One claim as a dossier shows it."""

    iri: str
    link: Link
    relation: str
    stance: str
    date: str
    claimants: list[tuple[Link, Link | None]]  # (speaker, on behalf of)
    accused: list[tuple[Link, str]]  # (actor, alleged role)
    about: list[Link]
    counts: list[str]
    quotes: list[str]
    sources: list[Link]
    denials: list[Denial] = field(default_factory=list)
    rests_on_retracted: bool = False
    described: list[Described] = field(default_factory=list)
    contributing_acts: list[str] = field(default_factory=list)
    rejects: list[Link] = field(default_factory=list)
    grounds: list[str] = field(default_factory=list)
    grounds_wording: list[str] = field(default_factory=list)
    absences: list[str] = field(default_factory=list)
    characterised_as: list[str] = field(default_factory=list)
    characterisation_wording: list[str] = field(default_factory=list)
    based_on: list[Link] = field(default_factory=list)
    disputes: list[Link] = field(default_factory=list)

    @property
    def verb(self) -> str:
        return STANCE_VERBS.get(self.stance.replace(" ", "-"), self.stance)


@dataclass
class Affiliation:
    """One affiliation or hostility of an actor, as a source states it, with its time."""

    kind: str
    direction: str  # "to": this actor → other; "from": other → this actor
    other: Link
    date: str
    said_by: list[Link]
    claims: list[Link]
    hostile: bool


@dataclass
class ActorDossier:
    iri: str
    name: str
    kinds: list[str]
    countries: list[Link]
    names: dict[str, list[str]]  # language → names
    names_in_sources: list[str]
    against: list[ClaimRow]
    made: list[ClaimRow]
    denials_of_its_part: list[ClaimRow]
    affiliations: list[Affiliation] = field(default_factory=list)
    described_as: list[ClaimRow] = field(default_factory=list)  # described accused naming it as a candidate
    incidents: list[Link] = field(default_factory=list)
    corroboration: list[tuple[Link, int, list[Link]]] = field(default_factory=list)  # (about, claimants, who)
    network_svg: str = ""
    summaries: list[tuple[str, Link, int, str]] = field(default_factory=list)  # (relation, claimant, claims, its IRI)


@dataclass
class ChainStep:
    source: str
    relation: str
    target: str


@dataclass
class ClaimDossier:
    iri: str
    row: ClaimRow
    allegation: bool
    chain_svg: str
    technical: list[tuple[str, str]]  # (what, value): raw IRIs, graph, file path, SHA-256
    denied_by: list[ClaimRow]

    @property
    def name(self) -> str:
        """The claim as a headline: claimant — stance — accused (or what it is about)."""
        row = self.row
        who = ", ".join(s.label for s, _ in row.claimants) or "A source"
        whom = ", ".join(a.label for a, _ in row.accused) or ", ".join(
            [f"“{d.description}”" for d in row.described] + [t.label for t in row.rejects + row.about])
        return f"{who} {row.verb} {whom}".strip()


@dataclass
class DocumentDossier:
    iri: str
    name: str
    kinds: list[str]
    date: str
    publisher: list[Link]
    author: list[Link]
    part_of: list[Link]
    parts: list[Link]
    retracted: bool
    derived: list[ClaimRow]
    alone: set[str]  # claims that rest on this document alone
    derived_things: list[tuple[Link, Link]]  # (thing, claim it was derived from)
    cited_by: list[Link]
    rejected_by: list[ClaimRow]
    technical: list[tuple[str, str]]


def _texts(row: tuple) -> list[str]:
    return ["" if t is None or isinstance(t, ox.Triple) else t.value for t in row]


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(ox.NamedNode(i)) for i in sorted(set(iris)))


def _select(store: Store, body: str, timeout: float | None, **bound: Iterable[str]) -> list[dict[str, str]]:
    """Given a query body with `{name}` VALUES placeholders filled from bound IRIs, return rows of text."""
    text = PROLOGUE + body.format(**{name: _values(iris) for name, iris in bound.items()})
    result = store.query(text, timeout=timeout)
    return [{name: value for name, value in zip(result.variables, _texts(row), strict=True) if value}
            for row in result.rows]


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _date(facts: reports.ClaimFacts, spans: dict[str, tuple[str, str, str]]) -> str:
    start, end, precision = spans.get(facts.iri, (facts.stated_on, "", facts.precision))
    if not end and precision == UNKNOWN_PRECISION:
        return f"{describe_span(start, None, 'day')} or later (date not given)" if start else ""
    return describe_span(start, end, precision)


class ClaimReader:
    """Builds claim rows for a set of claims: facts, denials, counts, new claim kinds, names."""

    def __init__(self, store: Store, href: Href, timeout: float | None = None) -> None:
        self.store, self.href, self.timeout = store, href, timeout
        self.facts: dict[str, reports.ClaimFacts] = {}
        self.denial_facts: dict[str, reports.ClaimFacts] = {}
        self.spans: dict[str, tuple[str, str, str]] = {}
        self.counts: dict[str, str] = {}
        self.counts_of: dict[str, list[str]] = {}
        self.extras: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.described: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.acts: dict[str, list[str]] = defaultdict(list)
        self.names: dict[str, str] = {}

    def read(self, claims: Iterable[str], more_iris: Iterable[str] = ()) -> None:
        """Given claim IRIs (and other IRIs to name), gather everything their rows need."""
        self.facts.update(reports.claim_facts(self.store, claims))
        denials = {d for f in self.facts.values() for d, _ in f.disputed_by} - set(self.facts)
        self.denial_facts.update(reports.claim_facts(self.store, denials))
        every = list(self.facts.values()) + list(self.denial_facts.values())
        iris = [f.iri for f in every]
        self.spans.update(_statement_spans(self.store, iris, self.timeout))
        phrases, counts_of = _count_labels(self.store, iris, self.timeout)
        self.counts.update(phrases)
        self.counts_of.update(counts_of)
        self._read_extras(iris)
        wanted = reports._facts_iris(every) | set(more_iris)
        wanted |= {v for e in self.extras.values() for k in ("rejects", "basedOn") for v in e.get(k, [])}
        wanted |= {d["candidate"] for rows in self.described.values() for d in rows if "candidate" in d}
        wanted |= {f.iri for f in every}
        self.names.update(reports.labels(self.store, wanted - set(self.names)))
        # A claim has no name of its own: call it by its claimant ("Kal Akal's claim").
        disputed = {c for f in every for c in f.disputes} | set(self.facts) | set(self.denial_facts)
        for r in _select(self.store, """SELECT ?claim (SAMPLE(?name) AS ?who) WHERE {{
  VALUES ?claim {{ {claims} }} ?claim skg:claimant ?claimant .
  ?claimant skos:prefLabel ?name . FILTER(LANGMATCHES(LANG(?name), "en"))
}} GROUP BY ?claim""", self.timeout, claims=disputed) if disputed else []:
            if self.names.get(r["claim"], "").startswith(("claim:", "http")) or r["claim"] not in self.names:
                self.names[r["claim"]] = f"{r['who']}’s claim"

    def _read_extras(self, claims: list[str]) -> None:
        if not claims:
            return
        properties = " ".join(f"skg:{p}" for p in EXTRA_PROPERTIES)
        for r in _select(self.store, """SELECT ?claim ?p ?o ?label WHERE {{
  VALUES ?claim {{ {claims} }} VALUES ?p {{ """ + properties + """ }}
  ?claim ?p ?o .
  OPTIONAL {{ ?o skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
}}""", self.timeout, claims=claims):
            prop, value = _local(r["p"]), r["o"]
            if prop not in ("rejects", "basedOn"):  # concepts shown by name, links kept as IRIs
                value = r.get("label") or (_local(value).replace("-", " ") if value.startswith("http") else value)
            self.extras[r["claim"]][prop].append(value)
        for r in _select(self.store, """SELECT ?claim ?description ?candidate ?certainty ?role ?actor ?act WHERE {{
  VALUES ?claim {{ {claims} }}
  ?claim skg:qualifiedAccusation ?accusation .
  OPTIONAL {{ ?accusation skg:accusedDescription ?description }}
  OPTIONAL {{ ?accusation skg:candidateActor ?candidate }}
  OPTIONAL {{ ?accusation skg:identificationCertainty/skos:prefLabel ?certainty . FILTER(LANGMATCHES(LANG(?certainty), "en")) }}
  OPTIONAL {{ ?accusation skg:allegedRole ?role }}
  OPTIONAL {{ ?accusation skg:accusedActor ?actor }}
  OPTIONAL {{ ?accusation skg:contributingAct ?act }}
}}""", self.timeout, claims=claims):
            if "description" in r and "actor" not in r:
                self.described[r["claim"]].append(r)
            if "act" in r and r["act"] not in self.acts[r["claim"]]:
                self.acts[r["claim"]].append(r["act"])

    def link(self, target: str) -> Link:
        return Link(self.names.get(target) or reports.shorten(target), self.href(target))

    def row(self, iri: str, relation: str = "") -> ClaimRow:
        f = self.facts.get(iri) or self.denial_facts[iri]
        denials = []
        by_denial: dict[str, list[str]] = defaultdict(list)
        for denial, actor in f.disputed_by:
            by_denial[denial]
            if actor:
                by_denial[denial].append(actor)
        accused = [a for a, _ in f.accused]
        for denial, denied in by_denial.items():
            d = self.denial_facts.get(denial) or self.facts.get(denial)
            denials.append(Denial(
                self.link(denial), [self.link(s) for s, _, _ in d.speakers] if d else [],
                [self.link(a) for a in denied], [self.link(a) for a in accused if denied and a not in denied],
                _date(d, self.spans) if d else "", [q for _, q in d.quotes] if d else []))
        extra = self.extras.get(iri, {})
        described = [Described(d["description"], self.link(d["candidate"]) if "candidate" in d else None,
                               d.get("certainty", ""), _local(d.get("role", "")).replace("-", " "))
                     for d in self.described.get(iri, [])]
        return ClaimRow(
            f.iri, self.link(f.iri), relation, f.stance.replace("-", " "), _date(f, self.spans),
            [(self.link(s), self.link(b) if b else None) for s, b, _ in f.speakers],
            [(self.link(a), role.replace("-", " ")) for a, role in f.accused],
            [self.link(a) for a in f.about],
            [self.counts.get(c["count"], c["wording"]) for c in f.counts] + [
                self.counts[c] for c in self._counts_without_minimum(f)],
            [q for _, q in f.quotes], [self.link(d) for d in f.reported_in + f.original],
            denials, f.rests_on_retracted, described, self.acts.get(iri, []),
            [self.link(t) for t in extra.get("rejects", [])], list(extra.get("rejectionGrounds", [])),
            list(extra.get("groundsWording", [])), list(extra.get("absenceOf", [])),
            list(extra.get("characterisesAs", [])), list(extra.get("characterisationWording", [])),
            [self.link(t) for t in extra.get("basedOn", [])], [self.link(c) for c in f.disputes])

    def _counts_without_minimum(self, f: reports.ClaimFacts) -> list[str]:
        # claim_facts lists counts with a minimum; "up to 400", proportions and unknowns have none.
        listed = {c["count"] for c in f.counts}
        return [c for c in self.counts_of.get(f.iri, []) if c not in listed and c in self.counts]


def actor_dossier(store: Store, iri: str, href: Href, timeout: float | None = None) -> ActorDossier | None:
    """Given a store, an IRI, and a function giving a page link for an IRI, return the actor's
    dossier (None when the IRI is not an actor)."""
    term = str(ox.NamedNode(iri))
    about_actor = store.query(f"""{PROLOGUE}
SELECT ?kind ?kindLabel ?property ?name ?country WHERE {{
  {{ {term} a ?kind . ?kind rdfs:subClassOf* skg:Actor .
     OPTIONAL {{ ?kind rdfs:label ?kindLabel . FILTER(LANG(?kindLabel) = "en") }} }}
  UNION {{ VALUES ?property {{ skos:prefLabel skos:altLabel skg:nameInSource }} {term} ?property ?name . }}
  UNION {{ {term} skg:country ?country . }}
}}""", timeout=timeout)
    kinds: list[str] = []
    names: dict[str, list[str]] = defaultdict(list)
    in_sources: list[str] = []
    countries: list[str] = []
    english = ""
    for kind, kind_label, _, _, country in map(_texts, about_actor.rows):
        if kind and kind_label and kind_label not in kinds:
            kinds.append(kind_label)
        if country and country not in countries:
            countries.append(country)
    if not kinds:
        return None
    for _, _, prop, name, _ in about_actor.rows:
        if not isinstance(name, ox.Literal) or not isinstance(prop, ox.NamedNode):
            continue
        if prop.value == ns.SKG + "nameInSource":
            if name.value not in in_sources:
                in_sources.append(name.value)
        elif name.value not in names[name.language or ""]:
            names[name.language or ""].append(name.value)
        if prop.value.endswith("#prefLabel") and name.language == "en":
            english = name.value

    pattern = """
  VALUES ?actor {{ {actor} }}
  {{ ?accused skg:accusedActor ?actor . ?claim skg:qualifiedAccusation ?accused . BIND("against" AS ?relation) }}
  UNION {{ ?claim skg:claimant ?actor . BIND("made" AS ?relation) }}
  UNION {{ ?behalf skg:onBehalfOf ?actor . ?claim skg:qualifiedClaimAttribution ?behalf . BIND("made" AS ?relation) }}
  UNION {{ ?claim skg:deniedActor ?actor . BIND("denied" AS ?relation) }}
  UNION {{ ?accusation skg:candidateActor ?actor . ?claim skg:qualifiedAccusation ?accusation .
           FILTER NOT EXISTS {{ ?accusation skg:accusedActor ?actor }} BIND("described" AS ?relation) }}
  OPTIONAL {{ ?claim skg:qualifiedClaimAttribution ?attribution . ?attribution prov:agent ?agent .
              OPTIONAL {{ ?attribution skg:onBehalfOf ?organisation }} }}
  BIND(COALESCE(?organisation, ?agent, ?actor) AS ?who)"""
    # A claimant with many claims about the actor (a dataset's coded rows) is summed up, not listed.
    groups = _select(store, "SELECT ?relation ?who (COUNT(DISTINCT ?claim) AS ?n) WHERE {{" + pattern
                     + "\n}} GROUP BY ?relation ?who", timeout, actor=[iri])
    listed = [g for g in groups if int(g["n"]) <= ROWS_PER_CLAIMANT]
    summaries = [g for g in groups if int(g["n"]) > ROWS_PER_CLAIMANT]
    entries = _select(store, "SELECT DISTINCT ?claim ?relation WHERE {{" + pattern + """
  VALUES (?relation ?who) {{ {pairs} }}
}}""".replace("{pairs}", " ".join(f'("{g["relation"]}" {ox.NamedNode(g["who"])})' for g in listed)),
        timeout, actor=[iri]) if listed else []
    affiliations = _affiliations(store, iri, timeout)
    reader = ClaimReader(store, href, timeout)
    claims = {e["claim"] for e in entries} | {c for a in affiliations for c in a["claims"]}
    others = {a["other"] for a in affiliations}
    reader.read(claims, {iri} | set(countries) | others | {g["who"] for g in summaries})
    facts = reader.facts

    def ordered(relation: str) -> list[ClaimRow]:
        chosen = sorted({e["claim"] for e in entries if e["relation"] == relation},
                        key=lambda c: (facts[c].stated_on, c))
        return [reader.row(c, relation) for c in chosen]

    against = [r for r in ordered("against") if facts[r.iri].allegation]
    affiliation_rows = []
    for a in affiliations:
        said_by = []
        for claim in a["claims"]:
            f = facts.get(claim)
            for speaker, behalf, _ in (f.speakers if f else []):
                who = reader.link(behalf or speaker)
                if who not in said_by:
                    said_by.append(who)
        affiliation_rows.append(Affiliation(a["kind"], a["direction"], reader.link(a["other"]), a["date"], said_by,
                                            [reader.link(c) for c in a["claims"]], a["hostile"]))
    incidents = _related_incidents(store, [r.iri for r in against + ordered("made")], timeout)
    reader.names.update(reports.labels(store, set(incidents) - set(reader.names)))
    display = english or reader.names.get(iri) or reports.shorten(iri)
    return ActorDossier(iri, display, kinds, [reader.link(c) for c in countries], dict(names), in_sources, against,
                        ordered("made"), ordered("denied"), affiliation_rows, ordered("described"),
                        [reader.link(i) for i in incidents], _corroboration(against, reader),
                        network_svg(display, href(iri), affiliation_rows),
                        [(g["relation"], reader.link(g["who"]), int(g["n"]), g["who"]) for g in summaries])


def _affiliations(store: Store, iri: str, timeout: float | None) -> list[dict]:
    rows = _select(store, """SELECT ?node ?kind ?kindLabel ?direction ?other ?claim ?start ?end ?precision ?hostile WHERE {{
  VALUES ?actor {{ {actor} }}
  {{ ?actor skg:qualifiedAffiliation|skg:qualifiedHostility ?node . ?node skg:withActor ?other . BIND("to" AS ?direction) }}
  UNION
  {{ ?other skg:qualifiedAffiliation|skg:qualifiedHostility ?node . ?node skg:withActor ?actor . BIND("from" AS ?direction) }}
  OPTIONAL {{ ?node skg:affiliationKind|skg:hostilityKind ?kind .
              OPTIONAL {{ ?kind skos:prefLabel ?kindLabel . FILTER(LANGMATCHES(LANG(?kindLabel), "en")) }} }}
  OPTIONAL {{ ?node prov:wasDerivedFrom ?claim }}
  OPTIONAL {{ ?node skg:timeSpan ?span . OPTIONAL {{ ?span skg:startDate ?start }} OPTIONAL {{ ?span skg:endDate ?end }}
              OPTIONAL {{ ?span skg:startPrecision ?precision }} }}
  BIND(EXISTS {{ ?node a skg:Hostility }} || CONTAINS(STR(?kind), "conflict") AS ?hostile)
}} ORDER BY ?start ?other""", timeout, actor=[iri])
    by_node: dict[str, dict] = {}
    for r in rows:
        node = by_node.setdefault(r["node"], {
            "kind": r.get("kindLabel") or _local(r.get("kind", "affiliated")).replace("-", " "),
            "direction": r["direction"], "other": r["other"], "claims": [],
            "date": describe_span(r.get("start"), r.get("end"), r.get("precision")),
            "hostile": r.get("hostile") == "true"})
        if "claim" in r and r["claim"] not in node["claims"]:
            node["claims"].append(r["claim"])
    # Shortcuts without a qualified node (reference data: hostility, alliances) still count.
    seen = {(n["other"], n["direction"]) for n in by_node.values()}
    for r in _select(store, """SELECT DISTINCT ?p ?other ?direction WHERE {{
  VALUES ?actor {{ {actor} }}
  {{ ?actor ?p ?other . BIND("to" AS ?direction) }} UNION {{ ?other ?p ?actor . BIND("from" AS ?direction) }}
  VALUES ?p {{ skg:inConflictWith skg:alliedWith }}
}}""", timeout, actor=[iri]):
        if (r["other"], r["direction"]) in seen or (r["other"], "to") in seen and r["p"].endswith("With"):
            continue
        seen.add((r["other"], r["direction"]))
        hostile = r["p"].endswith("inConflictWith")
        by_node[f"{r['p']} {r['other']} {r['direction']}"] = {
            "kind": "in conflict with" if hostile else "allied with", "direction": r["direction"],
            "other": r["other"], "claims": [], "date": "", "hostile": hostile}
    return list(by_node.values())


def _related_incidents(store: Store, claims: list[str], timeout: float | None) -> list[str]:
    if not claims:
        return []
    rows = _select(store, """SELECT DISTINCT ?thing WHERE {{
  VALUES ?claim {{ {claims} }}
  ?claim skg:about ?about .
  {{ ?about skg:sameIncident ?thing }} UNION {{ ?about a/rdfs:subClassOf* skg:Occurrence . BIND(?about AS ?thing) }}
}} ORDER BY ?thing""", timeout, claims=claims)
    return [r["thing"] for r in rows]


def _corroboration(rows: list[ClaimRow], reader: ClaimReader) -> list[tuple[Link, int, list[Link]]]:
    """Per thing an allegation is about: how many distinct organisations make allegations about it."""
    by_about: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        f = reader.facts[row.iri]
        for about in f.about:
            for speaker, behalf, _ in f.speakers:
                by_about[about].add(behalf or speaker)
    return [(reader.link(a), len(who), [reader.link(w) for w in sorted(who)]) for a, who in sorted(by_about.items())]


def claim_dossier(store: Store, iri: str, href: Href, timeout: float | None = None) -> ClaimDossier | None:
    """Given a store, an IRI and a page-link function, return the claim's dossier (None when not a claim)."""
    is_claim = store.query(f"{PROLOGUE}ASK {{ {ox.NamedNode(iri)} skg:stance ?stance }}", timeout=timeout)
    if not is_claim.boolean:
        return None
    reader = ClaimReader(store, href, timeout)
    reader.read([iri])
    f = reader.facts[iri]
    denied_by = [d for d, _ in f.disputed_by]
    reader.read(denied_by)
    steps, technical = _chain(store, f, timeout)
    reader.names.update(reports.labels(store, {s.source for s in steps} | {s.target for s in steps}
                                       - set(reader.names)))
    row = reader.row(iri)
    return ClaimDossier(iri, row, f.allegation, chain_svg(steps, reader.link, iri), technical,
                        [reader.row(d, "denial") for d in sorted(set(denied_by))])


def _chain(store: Store, f: reports.ClaimFacts, timeout: float | None) -> tuple[list[ChainStep], list[tuple[str, str]]]:
    """Given a claim's facts, return its source chain (speaker → on behalf of → statement →
    reporting document → graph) and the technical details (raw IRIs, graph, file, SHA-256)."""
    steps = []
    for speaker, behalf, _ in f.speakers:
        steps.append(ChainStep(speaker, "said", f.iri))
        if behalf:
            steps.append(ChainStep(speaker, "on behalf of", behalf))
    for original in f.original:
        steps.append(ChainStep(f.iri, "stated in", original))
        for reporting in f.reported_in:
            steps.append(ChainStep(original, "reported in", reporting))
    if not f.original:
        for reporting in f.reported_in:
            steps.append(ChainStep(f.iri, "reported in", reporting))
    technical = [("Claim IRI", f.iri)]
    docs = f.reported_in + f.original
    for r in _select(store, """SELECT ?document ?sha ?from ?url WHERE {{
  VALUES ?document {{ {docs} }}
  OPTIONAL {{ ?document skg:sha256 ?sha }} OPTIONAL {{ ?document skg:retrievedFrom ?from }}
  OPTIONAL {{ ?document schema:url ?url }}
}}""", timeout, docs=docs) if docs else []:
        technical.append(("Document IRI", r["document"]))
        for key, what in (("sha", "SHA-256"), ("from", "Retrieved from"), ("url", "URL")):
            if key in r:
                technical.append((what, r[key]))
    for r in _select(store, """SELECT ?graph ?path ?sha WHERE {{
  VALUES ?claim {{ {claim} }}
  GRAPH ?graph {{ ?claim skg:stance ?stance }}
  OPTIONAL {{ ?graph prov:wasDerivedFrom ?file . ?file skg:filePath ?path . OPTIONAL {{ ?file skg:sha256 ?sha }} }}
}}""", timeout, claim=[f.iri]):
        if "path" in r:
            steps.append(ChainStep(f.reported_in[0] if f.reported_in else f.iri, "described in graph", r["graph"]))
        technical.append(("Graph", r["graph"]))
        if "path" in r:
            technical.append(("Loaded from file", r["path"] + (f" (SHA-256 {r['sha']})" if "sha" in r else "")))
    return steps, technical


def document_dossier(store: Store, iri: str, href: Href, timeout: float | None = None) -> DocumentDossier | None:
    """Given a store, an IRI and a page-link function, return the document's dossier (None when not a document)."""
    about = _select(store, """SELECT ?kind ?kindLabel ?date ?publisher ?author ?partOf ?part ?retracted ?sha ?from ?url WHERE {{
  VALUES ?doc {{ {doc} }}
  {{ ?doc a ?kind . ?kind rdfs:subClassOf* skg:Document .
     OPTIONAL {{ ?kind rdfs:label ?kindLabel . FILTER(LANGMATCHES(LANG(?kindLabel), "en")) }} }}
  UNION {{ ?doc a ?kind . FILTER(?kind = <https://schema.org/WebPageElement>) }}
  UNION {{ ?doc skg:datePublished ?date }} UNION {{ ?doc skg:publisher ?publisher }} UNION {{ ?doc skg:author ?author }}
  UNION {{ ?doc skg:partOfDocument ?partOf }} UNION {{ ?part skg:partOfDocument ?doc }}
  UNION {{ ?doc skg:retracted ?retracted }} UNION {{ ?doc skg:sha256 ?sha }} UNION {{ ?doc skg:retrievedFrom ?from }}
  UNION {{ ?doc schema:url ?url }}
}}""", timeout, doc=[iri])
    if not any("kind" in r for r in about):
        return None

    def every(key: str) -> list[str]:
        return list(dict.fromkeys(r[key] for r in about if key in r))

    kinds = every("kindLabel") or [_local(k) for k in every("kind")]
    parts = every("part")
    documents = [iri, *parts]
    entries = _select(store, """SELECT DISTINCT ?claim ?how WHERE {{
  VALUES ?doc {{ {docs} }}
  {{ ?claim skg:reportedIn ?doc . BIND("reported" AS ?how) }}
  UNION {{ ?claim skg:originallyStatedIn ?doc . BIND("original" AS ?how) }}
  UNION {{ ?claim skg:rejects ?doc . BIND("rejects" AS ?how) }}
  UNION {{ ?claim skg:basedOn ?doc . BIND("based" AS ?how) }}
}}""", timeout, docs=documents)
    cited = _select(store, """SELECT DISTINCT ?citing WHERE {{
  VALUES ?doc {{ {doc} }} {{ ?citing schema:citation ?doc }} UNION {{ ?citing skg:basedOn ?doc }}
}} ORDER BY ?citing""", timeout, doc=[iri])
    reader = ClaimReader(store, href, timeout)
    derived_claims = sorted({e["claim"] for e in entries if e["how"] in ("reported", "original")})
    rejecting = sorted({e["claim"] for e in entries if e["how"] == "rejects"})
    reader.read(derived_claims + rejecting, every("publisher") + every("author") + every("partOf") + parts
                + [c["citing"] for c in cited] + [iri])
    docs = set(documents)
    alone = set()
    for c in derived_claims:
        f = reader.facts[c]
        if any(d in docs for d in f.original) or not [d for d in f.reported_in if d not in docs]:
            alone.add(c)
    things = _select(store, """SELECT ?thing ?claim WHERE {{
  VALUES ?claim {{ {claims} }} ?thing prov:wasDerivedFrom ?claim .
}} ORDER BY ?thing""", timeout, claims=derived_claims) if derived_claims else []
    reader.names.update(reports.labels(store, {t["thing"] for t in things} - set(reader.names)))
    technical = [("Document IRI", iri)] + [(what, v) for key, what in (("sha", "SHA-256"), ("from", "Retrieved from"),
                                                                      ("url", "URL")) for v in every(key)]
    rows = sorted((reader.row(c, "derived") for c in derived_claims),
                  key=lambda r: (reader.facts[r.iri].stated_on, r.iri))
    return DocumentDossier(
        iri, reader.names.get(iri) or reports.shorten(iri), kinds,
        ", ".join(describe_span(d, d, "day") for d in every("date")),
        [reader.link(p) for p in every("publisher")], [reader.link(a) for a in every("author")],
        [reader.link(p) for p in every("partOf")], [reader.link(p) for p in parts],
        "true" in every("retracted"), rows, alone,
        [(reader.link(t["thing"]), reader.link(t["claim"])) for t in things],
        [reader.link(c["citing"]) for c in cited], [reader.row(c, "rejects") for c in rejecting], technical)


def _statement_spans(store: Store, claims: list[str], timeout: float | None) -> dict[str, tuple[str, str, str]]:
    if not claims:
        return {}
    rows = _select(store, """SELECT ?claim ?start ?end ?precision WHERE {{
  VALUES ?claim {{ {claims} }}
  ?claim skg:statementTime ?span .
  OPTIONAL {{ ?span skg:startDate ?start }} OPTIONAL {{ ?span skg:endDate ?end }}
  OPTIONAL {{ ?span skg:startPrecision ?precision }}
}}""", timeout, claims=claims)
    return {r["claim"]: (r.get("start", ""), r.get("end", ""), r.get("precision", "")) for r in rows}


def _count_labels(store: Store, claims: list[str],
                  timeout: float | None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Given claims, return the phrase of each count they assert, and which counts each asserts."""
    if not claims:
        return {}, {}
    rows = _select(store, """SELECT ?claim ?count ?minimum ?maximum ?qualifier ?outcome ?victims ?side ?proportion ?partOf
WHERE {{
  VALUES ?claim {{ {claims} }}
  ?claim skg:assertsCount ?count .
  OPTIONAL {{ ?count skg:minimum ?minimum }} OPTIONAL {{ ?count skg:maximum ?maximum }}
  OPTIONAL {{ ?count skg:qualifier ?qualifier }}
  OPTIONAL {{ ?count skg:outcome/skos:prefLabel ?outcome . FILTER(LANGMATCHES(LANG(?outcome), "en")) }}
  OPTIONAL {{ ?count skg:victimCategory/skos:prefLabel ?victims . FILTER(LANGMATCHES(LANG(?victims), "en")) }}
  OPTIONAL {{ ?count skg:victimSide/skos:prefLabel ?side . FILTER(LANGMATCHES(LANG(?side), "en")) }}
  OPTIONAL {{ ?count skg:proportion/skos:prefLabel ?proportion . FILTER(LANGMATCHES(LANG(?proportion), "en")) }}
  OPTIONAL {{ ?count skg:partOf ?partOf }}
}} ORDER BY ?claim BOUND(?partOf) ?count""", timeout, claims=claims)
    phrases: dict[str, str] = {}
    counts_of: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        count = r["count"]
        if count not in counts_of[r["claim"]]:
            counts_of[r["claim"]].append(count)
        if count in phrases:
            continue
        if "proportion" in r:
            phrase = f"{r['proportion']} of them {r.get('victims', '')}".strip()
        else:
            phrase = count_phrase(r.get("minimum", ""), r.get("maximum", ""), _local(r.get("qualifier", "")),
                                  r.get("outcome", ""), r.get("victims", ""))
        if "side" in r:
            phrase += f" (on the side of {r['side']})"
        phrases[count] = phrase
    return phrases, dict(counts_of)


# ---------------------------------------------------------------------------------------------
# Drawings: small SVG graphs drawn on the server, every node a link (no script needed)
# ---------------------------------------------------------------------------------------------
def _wrap(text: str, width: int, lines: int = 3) -> list[str]:
    """Given a label, return it on lines of at most `width` characters, broken between words.

    >>> _wrap("Coordination of Azawad Movements for the Defense of the People", 24)
    ['Coordination of Azawad', 'Movements for the', 'Defense of the People']
    """
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word if len(word) <= width else word[: width - 1] + "…")
    if len(out) > lines:
        out = out[: lines - 1] + [out[lines - 1] + " …" if len(out[lines - 1]) < width - 1 else out[lines - 1][:-2] + " …"]
    return out


def _box(x: float, y: float, w: float, link: Link, css: str) -> str:
    lines = _wrap(link.label, int(w / 7.2))
    height = 14 * len(lines) + 12
    text = "".join(f'<tspan x="{x + w / 2:.0f}" dy="{14 if i else 0}">{html.escape(line)}</tspan>'
                   for i, line in enumerate(lines))
    inner = (f'<rect x="{x:.0f}" y="{y - height / 2:.0f}" width="{w:.0f}" height="{height:.0f}" rx="6"/>'
             f'<text x="{x + w / 2:.0f}" y="{y - height / 2 + 17:.0f}" text-anchor="middle">{text}</text>')
    if link.href:
        return f'<a class="{css}" href="{html.escape(link.href)}">{inner}</a>'
    return f'<g class="{css}">{inner}</g>'


def chain_svg(steps: list[ChainStep], link: Callable[[str], Link], root: str) -> str:
    """Given a claim's chain steps, return an SVG: one linked box per node in columns by depth, one
    labelled arrow per step."""
    nodes = [root]
    for s in steps:
        for n in (s.source, s.target):
            if n not in nodes:
                nodes.append(n)
    depth = {root: 1}
    for _ in range(len(nodes)):
        for s in steps:
            if s.target == root:
                depth[s.source] = 0
            elif s.source in depth and s.target not in depth:
                depth[s.target] = depth[s.source] + 1
    for s in steps:
        if s.relation == "on behalf of":
            depth[s.target] = depth.get(s.source, 0)
    for n in nodes:
        depth.setdefault(n, 0)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        columns[depth[n]].append(n)
    col_w, box_w, row_h = 270, 170, 90
    width = col_w * len(columns) + 20
    height = row_h * max(len(c) for c in columns.values()) + 40
    pos = {n: (10 + col_w * d, 50 + row_h * i) for d, col in columns.items() for i, n in enumerate(col)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="group" aria-labelledby="chain-title">'
             '<title id="chain-title">Source chain of this claim</title>'
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>']
    for s in steps:
        (x1, y1), (x2, y2) = pos[s.source], pos[s.target]
        if x1 == x2:
            path = f"M{x1 + box_w / 2:.0f},{y1 + 24:.0f} L{x2 + box_w / 2:.0f},{y2 - 26:.0f}"
            lx, ly = x1 + box_w / 2 + 6, (y1 + y2) / 2
        else:
            path = f"M{x1 + box_w:.0f},{y1:.0f} L{x2 - 2:.0f},{y2:.0f}"
            lx, ly = x1 + box_w + 6, (y1 + y2) / 2 - 6
        parts.append(f'<g class="chain__edge"><path d="{path}" marker-end="url(#arrow)"/>'
                     f'<text x="{lx:.0f}" y="{ly:.0f}">{html.escape(s.relation)}</text></g>')
    for n in nodes:
        x, y = pos[n]
        parts.append(_box(x, y, box_w, link(n), "chain__node chain__node--root" if n == root else "chain__node"))
    parts.append("</svg>")
    return "".join(parts)


def network_svg(name: str, href: str, affiliations: list[Affiliation]) -> str:
    """Given an actor's name, page link and affiliations, return a small radial SVG network: the
    actor in the middle, each other actor around it, hostility drawn dashed and red."""
    others: dict[str, tuple[Link, list[Affiliation]]] = {}
    for a in affiliations:
        others.setdefault(a.other.href or a.other.label, (a.other, []))[1].append(a)
    if not others:
        return ""
    size = 300 + 45 * min(len(others), 6)
    radius, box_w = size / 2 - 80, 150
    centre = size / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network-mini" viewBox="0 0 {size} {size}" '
             f'width="{size}" height="{size}" role="group" aria-labelledby="network-title">'
             f'<title id="network-title">Affiliations of {html.escape(name)}</title>']
    placed = []
    for i, (other, links) in enumerate(others.values()):
        angle = 2 * math.pi * i / len(others) - math.pi / 2
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        hostile = all(a.hostile for a in links)
        kinds = "; ".join(dict.fromkeys(a.kind if a.direction == "to" else f"{a.kind} (reverse)" for a in links))
        parts.append(f'<g class="network-mini__edge{" network-mini__edge--hostile" if hostile else ""}">'
                     f'<line x1="{centre:.0f}" y1="{centre:.0f}" x2="{x:.0f}" y2="{y:.0f}"/>'
                     f'<text x="{(centre + x) / 2:.0f}" y="{(centre + y) / 2 - 4:.0f}" text-anchor="middle">'
                     f'{html.escape(kinds[:40])}</text></g>')
        placed.append((x, y, other))
    for x, y, other in placed:
        parts.append(_box(x - box_w / 2, y, box_w, other, "network-mini__node"))
    parts.append(_box(centre - box_w / 2, centre, box_w, Link(name, href), "network-mini__node network-mini__node--self"))
    parts.append("</svg>")
    return "".join(parts)

