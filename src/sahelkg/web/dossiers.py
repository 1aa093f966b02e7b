"""Dossiers: what the graph says about one thing, arranged for a reader (first: the actor).

An actor's dossier lists its names in every language and as sources wrote them, then every
allegation against it and every claim it made, one row per claim: its date at the precision the
source gave, who made it (and for whom), what about, the counts as a reader says them ("32+
civilians killed (at least)"), the quotes grouped, the sources, and the denials, saying which
accused actors each denial covers and which it leaves undenied. The facts come from
`sahelkg.audit.reports.claim_facts`, the one place that gathers a claim's facts.

>>> count_phrase("32", "", "at-least", "killed", "civilians")
'32+ civilians killed (at least)'
>>> count_phrase("1001", "", "more-than", "dwellings burned", "")
'more than 1,000 dwellings burned'
>>> count_phrase("9", "9", "exact", "killed", "civilians")
'9 civilians killed'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.audit import reports
from sahelkg.store import Store
from sahelkg.web.dates import describe_span

VOCAB = ns.VOCAB
UNKNOWN_PRECISION = VOCAB + "date-precision/unknown"


def _number(text: str) -> str:
    return f"{int(text):,}" if text.lstrip("-").isdigit() else text


def count_phrase(minimum: str, maximum: str, qualifier: str, outcome: str, victims: str) -> str:
    """Given a count's bounds, qualifier (local name), outcome and victim category (labels),
    return it as a reader says it."""
    what = " ".join(part for part in (victims, outcome) if part)
    low, high = _number(minimum), _number(maximum) if maximum else ""
    if qualifier == "at-least":
        return f"{low}+ {what} (at least)"
    if qualifier == "more-than" and minimum.isdigit():
        return f"more than {_number(str(int(minimum) - 1))} {what}"
    if qualifier == "approximately":
        return f"about {low} {what}"
    if qualifier == "at-most":
        return f"up to {high or low} {what}"
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


def _texts(row: tuple) -> list[str]:
    return ["" if t is None or isinstance(t, ox.Triple) else t.value for t in row]


def _date(facts: reports.ClaimFacts, spans: dict[str, tuple[str, str, str]]) -> str:
    start, end, precision = spans.get(facts.iri, (facts.stated_on, "", facts.precision))
    if not end and precision == UNKNOWN_PRECISION:
        return f"{describe_span(start, None, 'day')} or later (date not given)" if start else ""
    return describe_span(start, end, precision)


def actor_dossier(store: Store, iri: str, href, timeout: float | None = None) -> ActorDossier | None:
    """Given a store, an IRI, and a function giving a page link for an IRI, return the actor's
    dossier (None when the IRI is not an actor)."""
    term = str(ox.NamedNode(iri))
    about_actor = store.query(f"""PREFIX skg: <{ns.SKG}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
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

    entries = reports.select(store, """SELECT DISTINCT ?claim ?relation WHERE {
      { ?claim skg:qualifiedAccusation/skg:accusedActor ?actor . BIND("against" AS ?relation) }
      UNION { ?claim skg:claimant ?actor . BIND("made" AS ?relation) }
      UNION { ?claim skg:deniedActor ?actor . BIND("denied" AS ?relation) }
    }""", actor=[ox.NamedNode(iri)])
    facts = reports.claim_facts(store, [e["claim"].value for e in entries])
    denial_facts = reports.claim_facts(store, {d for f in facts.values() for d, _ in f.disputed_by})
    every = list(facts.values()) + list(denial_facts.values())
    spans = _statement_spans(store, [f.iri for f in every], timeout)
    counts = _count_labels(store, [c["count"] for f in every for c in f.counts], timeout)
    names_of = reports.labels(store, reports._facts_iris(every) | {iri} | set(countries))

    def link(target: str) -> Link:
        return Link(names_of.get(target) or reports.shorten(target), href(target))

    def claim_row(f: reports.ClaimFacts, relation: str) -> ClaimRow:
        denials = []
        by_denial: dict[str, list[str]] = defaultdict(list)
        for denial, actor in f.disputed_by:
            by_denial[denial]
            if actor:
                by_denial[denial].append(actor)
        accused = [a for a, _ in f.accused]
        for denial, denied in by_denial.items():
            d = denial_facts.get(denial)
            denials.append(Denial(
                link(denial), [link(s) for s, _, _ in d.speakers] if d else [], [link(a) for a in denied],
                [link(a) for a in accused if denied and a not in denied],
                _date(d, spans) if d else "", [q for _, q in d.quotes] if d else []))
        return ClaimRow(
            f.iri, link(f.iri), relation, f.stance.replace("-", " "), _date(f, spans),
            [(link(s), link(b) if b else None) for s, b, _ in f.speakers],
            [(link(a), role.replace("-", " ")) for a, role in f.accused],
            [link(a) for a in f.about],
            [counts.get(c["count"], c["wording"]) for c in f.counts],
            [q for _, q in f.quotes], [link(d) for d in f.reported_in + f.original],
            denials, f.rests_on_retracted)

    def ordered(relation: str) -> list[ClaimRow]:
        chosen = sorted({e["claim"].value for e in entries if e["relation"].value == relation},
                        key=lambda c: (facts[c].stated_on, c))
        return [claim_row(facts[c], relation) for c in chosen]

    against = [r for r in ordered("against") if facts[r.iri].allegation]
    return ActorDossier(iri, names_of.get(iri) or reports.shorten(iri), kinds, [link(c) for c in countries],
                        dict(names), in_sources, against, ordered("made"), ordered("denied"))


def _statement_spans(store: Store, claims: list[str], timeout: float | None) -> dict[str, tuple[str, str, str]]:
    if not claims:
        return {}
    values = " ".join(str(ox.NamedNode(c)) for c in sorted(set(claims)))
    result = store.query(f"""PREFIX skg: <{ns.SKG}>
SELECT ?claim ?start ?end ?precision WHERE {{
  VALUES ?claim {{ {values} }}
  ?claim skg:statementTime ?span .
  OPTIONAL {{ ?span skg:startDate ?start }} OPTIONAL {{ ?span skg:endDate ?end }}
  OPTIONAL {{ ?span skg:startPrecision ?precision }}
}}""", timeout=timeout)
    return {claim: (start, end, precision) for claim, start, end, precision in map(_texts, result.rows)}


def _count_labels(store: Store, counts: list[str], timeout: float | None) -> dict[str, str]:
    if not counts:
        return {}
    values = " ".join(str(ox.NamedNode(c)) for c in sorted(set(counts)))
    result = store.query(f"""PREFIX skg: <{ns.SKG}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?count ?minimum ?maximum ?qualifier ?outcome ?victims WHERE {{
  VALUES ?count {{ {values} }}
  ?count skg:minimum ?minimum ; skg:qualifier ?qualifier ; skg:outcome ?outcomeConcept .
  ?outcomeConcept skos:prefLabel ?outcome . FILTER(LANG(?outcome) = "en")
  OPTIONAL {{ ?count skg:maximum ?maximum }}
  OPTIONAL {{ ?count skg:victimCategory/skos:prefLabel ?victims . FILTER(LANG(?victims) = "en") }}
}}""", timeout=timeout)
    phrases: dict[str, str] = {}
    for count, minimum, maximum, qualifier, outcome, victims in map(_texts, result.rows):
        phrases[count] = count_phrase(minimum, maximum, qualifier.rsplit("/", 1)[-1], outcome, victims)
    return phrases
