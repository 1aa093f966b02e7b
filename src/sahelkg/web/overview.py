"""What the graph holds, for the landing page: counts of actors, events, claims, documents and
places, the same per country, and the most recent source documents. Each figure is one SPARQL
query (listed on the page so a reader can rerun it), and the whole is cached per write generation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import Store
from sahelkg.web.dates import describe_span

PROLOGUE = ns.sparql_prologue(["skg", "rdfs", "skos"])
COUNTRY = "https://w3id.org/sahelkg/vocab/place-type/country"
# (key, heading, class whose instances, subclasses included, are counted)
COUNTED: tuple[tuple[str, str, str], ...] = (
    ("actors", "Actors", "skg:Actor"),
    ("events", "Incidents and events", "skg:Occurrence"),
    ("claims", "Claims (any stance)", "skg:Claim"),
    ("allegations", "Allegations", "skg:Allegation"),
    ("documents", "Source documents", "skg:Document"),
    ("places", "Places", "skg:Place"),
)

_COUNTED_VALUES = " ".join(f'("{key}" {cls})' for key, _, cls in COUNTED)
COUNTS_QUERY = PROLOGUE + f"""SELECT ?kind (COUNT(DISTINCT ?thing) AS ?count) WHERE {{
  VALUES (?kind ?root) {{ {_COUNTED_VALUES} }}
  ?class rdfs:subClassOf* ?root .
  ?thing a ?class .
}} GROUP BY ?kind"""

# Places first (few), then what is located in them: ten times faster than paths from each event.
BY_COUNTRY_QUERY = PROLOGUE + f"""SELECT ?country ?name ?events ?actors ?claims WHERE {{
  ?country skg:placeType <{COUNTRY}> .
  OPTIONAL {{ ?country skos:prefLabel ?name . FILTER(LANGMATCHES(LANG(?name), "en")) }}
  OPTIONAL {{ SELECT ?country (COUNT(DISTINCT ?event) AS ?events) WHERE {{
      ?country skg:placeType <{COUNTRY}> . ?place skg:withinPlace* ?country . ?event skg:location ?place .
    }} GROUP BY ?country }}
  OPTIONAL {{ SELECT ?country (COUNT(DISTINCT ?actor) AS ?actors) WHERE {{
      ?country skg:placeType <{COUNTRY}> . ?actor skg:country ?country .
    }} GROUP BY ?country }}
  OPTIONAL {{ SELECT ?country (COUNT(DISTINCT ?claim) AS ?claims) WHERE {{
      ?country skg:placeType <{COUNTRY}> . ?place skg:withinPlace* ?country . ?event skg:location ?place .
      ?claim skg:about ?event .
    }} GROUP BY ?country }}
}} ORDER BY DESC(?events) DESC(?claims) ?name"""

# Top-level documents only: a dataset's row records and an article's photographs are parts of one.
RECENT_QUERY = PROLOGUE + """SELECT ?document ?label ?class ?start ?end ?precision WHERE {
  ?class rdfs:subClassOf* skg:Document .
  ?document a ?class .
  FILTER NOT EXISTS { ?document skg:partOfDocument ?whole }
  OPTIONAL { ?document rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?document skg:publicationTime ?span .
             OPTIONAL { ?span skg:startDate ?start } OPTIONAL { ?span skg:endDate ?end }
             OPTIONAL { ?span skg:startPrecision ?precision } }
  OPTIONAL { ?document skg:datePublished ?published }
  BIND(COALESCE(?start, ?published) AS ?sortDate)
} ORDER BY DESC(?sortDate) ?document LIMIT 40"""
RECENT_LIMIT = 8


@dataclass
class CountryRow:
    iri: str
    name: str
    events: int
    actors: int
    claims: int


@dataclass
class RecentDocument:
    iri: str
    label: str
    kind: str
    date: str


@dataclass
class Overview:
    """The landing page's figures."""

    counts: dict[str, int]
    countries: list[CountryRow]
    recent: list[RecentDocument]
    queries: dict[str, str] = field(default_factory=dict)

    def to_dict(self, href) -> dict:
        return {"counts": self.counts,
                "byCountry": [{"country": c.iri, "href": href(c.iri), "name": c.name, "events": c.events,
                               "actors": c.actors, "claims": c.claims} for c in self.countries],
                "recentSources": [{"document": d.iri, "href": href(d.iri), "label": d.label, "type": d.kind,
                                   "date": d.date} for d in self.recent],
                "queries": self.queries}


def _texts(row: tuple) -> list[str | None]:
    """Given a result row, return each term's lexical value (None for an unbound one)."""
    return [None if term is None or isinstance(term, ox.Triple) else term.value for term in row]


def _words(name: str) -> str:
    """Given a class name, return it as words: 'PublicStatement' → 'Public statement'."""
    words = re.findall(r"[A-Z][a-z]*|[a-z]+|[0-9]+", name)
    return " ".join([words[0]] + [w.lower() for w in words[1:]]) if words else name


def compute(store: Store, timeout: float | None = None) -> Overview:
    """Given a store, run the overview's queries and return its figures (blocking)."""
    counts = {key: 0 for key, _, _ in COUNTED}
    for kind, count in map(_texts, store.query(COUNTS_QUERY, timeout=timeout).rows):
        if kind is not None:
            counts[kind] = int(count or 0)
    countries = []
    for country, name, events, actors, claims in map(_texts, store.query(BY_COUNTRY_QUERY, timeout=timeout).rows):
        if country is not None:
            countries.append(CountryRow(country, name or country.rsplit("/", 1)[-1], int(events or 0),
                                        int(actors or 0), int(claims or 0)))
    recent: list[RecentDocument] = []
    seen: set[str] = set()
    for document, label, cls, start, end, precision in map(_texts, store.query(RECENT_QUERY, timeout=timeout).rows):
        if document is None or document in seen or len(recent) >= RECENT_LIMIT:
            continue
        seen.add(document)
        kind = _words(cls.removeprefix(ns.SKG)) if cls and cls.startswith(ns.SKG) else "Document"
        recent.append(RecentDocument(document, label or document, kind, describe_span(start, end, precision)))
    return Overview(counts, countries, recent,
                    {"counts": COUNTS_QUERY, "byCountry": BY_COUNTRY_QUERY, "recentSources": RECENT_QUERY})


def headings() -> list[tuple[str, str]]:
    """Return (key, heading) of each count, in display order."""
    return [(key, heading) for key, heading, _ in COUNTED]
