"""`sahelkg link wikidata`: find Wikidata candidates for our actors and places.

For each actor and place in the store, one SPARQL query asks a Wikidata-compatible endpoint
(default: the public Wikidata Query Service) for items whose label or alias equals one of our
labels (same language), with their English label, instance-of classes, country (P17) and
GeoNames ID (P1566). Candidates are scored:

  +2  our preferred label is the item's label      +1  any other label/alias match
  +1  the item is an instance of a class we expect for this kind of thing
  +1  the item's country has our country's English label;  -2 when it names another country

The best candidate (score ≥ 2) is written to the crosswalk as `candidate`, never `verified`:
a person confirms it and changes the status. Rows already verified are left alone.

The class QIDs below are used only for scoring; they are well-known Wikidata classes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.linking.crosswalk import CrosswalkRow

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
WD = "http://www.wikidata.org/entity/"
USER_AGENT = "sahelkg/0.1 (https://w3id.org/sahelkg; entity reconciliation)"
# Expected Wikidata classes (instance of, or subclass of) per kind of local entity.
WIKIDATA_CLASSES = {
    "person": ("Q5",),                   # human
    "organisation": ("Q43229",),         # organization
    "country": ("Q6256", "Q3624078"),    # country, sovereign state
    "town": ("Q486972", "Q515"),         # human settlement, city
}
PT = ns.VOCAB + "place-type/"

ENTITIES = f"PREFIX pt: <{PT}>\n" + """SELECT ?entity ?kind ?label ?pref ?country WHERE {
  {
    ?entity a ?class .
    ?class rdfs:subClassOf* skg:Actor .
    BIND(IF(EXISTS { ?entity a skg:Person }, "person", "organisation") AS ?kind)
    OPTIONAL { ?entity skg:country/skos:prefLabel ?country FILTER(LANG(?country) = "en") }
  } UNION {
    ?entity a skg:Place .
    OPTIONAL { ?entity skg:placeType ?type }
    BIND(IF(?type = pt:country, "country", IF(?type = pt:town, "town", "place")) AS ?kind)
    OPTIONAL { ?entity skg:withinPlace ?within . ?within skg:placeType pt:country ;
               skos:prefLabel ?country FILTER(LANG(?country) = "en") }
  }
  { ?entity skos:prefLabel ?label . BIND(true AS ?pref) }
  UNION
  { ?entity skos:altLabel ?label . BIND(false AS ?pref) }
  FILTER(LANG(?label) != "")
} ORDER BY ?entity"""


@dataclass
class Entity:
    """One of our actors or places, with what reconciliation needs to know."""

    iri: str
    kind: str
    pref_labels: set[tuple[str, str]] = field(default_factory=set)
    alt_labels: set[tuple[str, str]] = field(default_factory=set)
    country: str | None = None

    @property
    def label(self) -> str:
        english = sorted(v for v, lang in self.pref_labels if lang == "en")
        return (english or sorted(v for v, _ in self.pref_labels) or [self.iri])[0]


@dataclass
class Candidate:
    """A Wikidata item that may be the same as one of our entities."""

    qid: str
    label: str = ""
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    geonames: str = ""


def entities_of(store) -> list[Entity]:
    """Given a store, return its actors and places with labels, kind and country."""
    found: dict[str, Entity] = {}
    result = store.query(ns.sparql_prologue() + ENTITIES)
    for iri, kind, label, pref, country in result.rows:
        entity = found.setdefault(iri.value, Entity(iri.value, kind.value))
        (entity.pref_labels if pref.value == "true" else entity.alt_labels).add((label.value, label.language))
        if country is not None:
            entity.country = country.value
    return list(found.values())


def _literal(value: str, lang: str) -> str:
    return str(ox.Literal(value, language=lang))


def candidate_query(entity: Entity) -> str:
    """Given an entity, return the SPARQL query that finds Wikidata items sharing one of its labels."""
    rows = [f"({_literal(v, lang)} true)" for v, lang in sorted(entity.pref_labels)]
    rows += [f"({_literal(v, lang)} false)" for v, lang in sorted(entity.alt_labels)]
    classes = " ".join(f"wd:{q}" for q in WIKIDATA_CLASSES.get(entity.kind, ()))
    class_block = (f"OPTIONAL {{ ?item wdt:P31/wdt:P279* ?class . VALUES ?class {{ {classes} }} }}"
                   if classes else "")
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?item ?ours ?theirs ?itemLabel ?countryLabel ?class ?geonames WHERE {{
  VALUES (?label ?ours) {{ {" ".join(rows)} }}
  {{ ?item rdfs:label ?label . BIND("label" AS ?theirs) }}
  UNION
  {{ ?item skos:altLabel ?label . BIND("alias" AS ?theirs) }}
  OPTIONAL {{ ?item rdfs:label ?itemLabel FILTER(LANG(?itemLabel) = "en") }}
  OPTIONAL {{ ?item wdt:P17 ?country . ?country rdfs:label ?countryLabel FILTER(LANG(?countryLabel) = "en") }}
  {class_block}
  OPTIONAL {{ ?item wdt:P1566 ?geonames }}
}} LIMIT 500"""


def http_runner(endpoint: str, *, timeout: float = 60.0) -> Callable[[str], list[dict]]:
    """Given an endpoint URL, return a function that runs a SELECT there and returns rows as dicts."""
    client = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT,
                                                    "Accept": "application/sparql-results+json"})

    def run(query: str) -> list[dict]:
        response = client.post(endpoint, data={"query": query})
        response.raise_for_status()
        solutions = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        if not isinstance(solutions, ox.QuerySolutions):
            raise httpx.DecodingError("the endpoint answered a SELECT query with a yes/no result", request=response.request)
        names = [v.value for v in solutions.variables]
        return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]

    return run


def score(entity: Entity, rows: list[dict]) -> list[Candidate]:
    """Given an entity and the endpoint's rows for it, return its candidates, best first."""
    by_item: dict[str, Candidate] = {}
    facts: dict[str, dict] = {}
    for row in rows:
        item = row["item"]
        if not item or not item.startswith(WD):
            continue
        qid = item[len(WD):]
        candidate = by_item.setdefault(qid, Candidate(qid))
        info = facts.setdefault(qid, {"label": 0, "type": False, "countries": set()})
        strength = 2 if row["ours"] == "true" and row["theirs"] == "label" else 1
        info["label"] = max(info["label"], strength)
        if row.get("itemLabel"):
            candidate.label = row["itemLabel"]
        if row.get("class"):
            info["type"] = True
        if row.get("countryLabel"):
            info["countries"].add(row["countryLabel"])
        if row.get("geonames"):
            candidate.geonames = row["geonames"]
    for qid, candidate in by_item.items():
        info = facts[qid]
        candidate.score = info["label"]
        candidate.reasons.append("preferred label = label" if info["label"] == 2 else "label/alias match")
        if info["type"]:
            candidate.score += 1
            candidate.reasons.append(f"instance of an expected class for a {entity.kind}")
        if entity.country and info["countries"]:
            if entity.country in info["countries"]:
                candidate.score += 1
                candidate.reasons.append(f"country {entity.country}")
            elif entity.kind != "country":
                candidate.score -= 2
                candidate.reasons.append(f"country {', '.join(sorted(info['countries']))}, not {entity.country}")
    return sorted(by_item.values(), key=lambda c: (-c.score, int(c.qid[1:])))


@dataclass
class ReconcileReport:
    """What reconciliation found: candidates written, entities without one, rows kept."""

    candidates: dict[str, Candidate] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    kept_verified: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"candidates: {len(self.candidates)}, no candidate: {len(self.unmatched)}, "
                 f"verified rows kept: {len(self.kept_verified)}"]
        lines += [f"  {iri} → {c.qid} ({c.label}; score {c.score}: {'; '.join(c.reasons)})"
                  for iri, c in sorted(self.candidates.items())]
        return "\n".join(lines)


def reconcile(store, run: Callable[[str], list[dict]], existing: Iterable[CrosswalkRow], *, endpoint: str,
              minimum_score: int = 2, today: _dt.date | None = None,
              progress: Callable[[str], None] | None = None) -> tuple[list[CrosswalkRow], ReconcileReport]:
    """Given a store, a query runner and the current crosswalk, return the updated rows and a report."""
    today = today or _dt.date.today()
    rows = {row.local_iri: row for row in existing}
    report = ReconcileReport()
    entities = entities_of(store)
    for index, entity in enumerate(entities, 1):
        if progress:
            progress(f"[{index}/{len(entities)}] {entity.label}")
        current = rows.get(entity.iri)
        if current is not None and current.status == "verified":
            report.kept_verified.append(entity.iri)
            continue
        candidates = [c for c in score(entity, run(candidate_query(entity))) if c.score >= minimum_score]
        kind = "actor" if entity.kind in ("person", "organisation") else "place"
        if not candidates:
            report.unmatched.append(entity.iri)
            if current is None:
                rows[entity.iri] = CrosswalkRow(entity.iri, kind, entity.label, status="candidate",
                                                verified_how="not verified; no candidate found yet",
                                                note="")
            continue
        best = candidates[0]
        report.candidates[entity.iri] = best
        others = ", ".join(f"{c.qid} ({c.score})" for c in candidates[1:4])
        rows[entity.iri] = CrosswalkRow(
            entity.iri, kind, entity.label, wikidata_qid=best.qid, geonames_id=best.geonames, status="candidate",
            verified_how=f"candidate from sahelkg link wikidata against {endpoint}: score {best.score} "
                         f"({'; '.join(best.reasons)}); a person must confirm",
            verified_on=today.isoformat(), note=f"other candidates: {others}" if others else "")
    return list(rows.values()), report
