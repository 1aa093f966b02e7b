"""`sahelkg link incidents`: which events of different sources describe one real-world incident.

Each source graph and each import graph mints its own `skg:Event`. This module proposes that
two of them are the same incident, and records what a person decides, in the curation graph
https://w3id.org/sahelkg/graph/curation/incidents (no source owns an incident, so removing a
source's graph removes only its own event):

  incident:{slug}        skg:Incident (label, place; never an event type)
  incident-link:{hash}   skg:IncidentLink: skg:linkedEvent, skg:linkedIncident, skg:linkStatus
                         (ls:candidate, ls:confirmed, ls:rejected), prov:wasAttributedTo,
                         prov:generatedAtTime, skg:linkScore and skg:linkReason (candidates)
  ?event skg:sameIncident ?incident      only for confirmed links

A pair of events from different graphs is scored on three things, each with its reason:
  time   the time spans must overlap; 1.0 for the same day, less the wider the spans
  place  the same place, one place within the other (skg:withinPlace+), or the distance between
         their points (the event's own coordinates when its location precision is exact or near,
         and the towns of its route); points farther apart than --km (default 25)
         refuse the pair whatever else agrees; weighted by the coarser location precision
  actors claims' accused and involved actors and the dataset-coded participants, in common
         (an actor an older import minted for a name data/dataset-actors.csv now maps counts as
         the table's actor)
Score = 0.4 time + 0.4 place + 0.2 actors (actors left out, and the rest scaled, when either
event names none). Pairs are only compared inside blocks: the same day, and the same country
when one event has no point, else grid cells 4 × --km wide (neighbours included), so a store of
100k events costs about as many comparisons as events share a day and a neighbourhood.

Re-running never proposes a pair a person rejected (nor puts the rejected event back with any
event of that incident), and never touches a confirmed link.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.store.catalog import IMPORT_GRAPH_PREFIX
from sahelkg.store.change import Change

CURATION_GRAPH = ns.INCIDENTS_GRAPH
INCIDENT = ns.ID + "incident/"
INCIDENT_LINK = ns.ID + "incident-link/"
LINK_STATUS = ns.VOCAB + "link-status/"
CANDIDATE, CONFIRMED, REJECTED = (LINK_STATUS + s for s in ("candidate", "confirmed", "rejected"))
TOOL = ns.ID + "actor/sahelkg-link-incidents"
GEO = "http://www.opengis.net/ont/geosparql#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKG = ns.SKG
GP = ns.VOCAB + "geo-precision/"
PT = ns.VOCAB + "place-type/"

DEFAULT_KM = 25.0
DEFAULT_MIN_SCORE = 0.5
#: Events whose time span is longer than this are too vague to link automatically.
DEFAULT_MAX_SPAN_DAYS = 31
WEIGHTS = {"time": 0.4, "place": 0.4, "actors": 0.2}
#: How much a place agreement counts, by the coarser location precision of the two events.
PRECISION_WEIGHT = {GP + "exact": 1.0, GP + "near": 0.9, GP + "district": 0.7, GP + "region": 0.5,
                    GP + "linear": 0.4, GP + "country": 0.2, GP + "international": 0.1}
UNKNOWN_PRECISION_WEIGHT = 0.3
#: Precisions at which an event's own coordinates say where it happened (coarser: a centroid).
POINT_PRECISIONS = {GP + "exact", GP + "near"}
#: Place types whose coordinates are a point rather than the centroid of an area.
POINT_PLACE_TYPES = {PT + "town", PT + "camp"}
EARTH_KM = 6371.0
KM_PER_DEGREE = 111.32  # of latitude; of longitude at the equator
#: Events with points are compared within this many times --km (farther pairs: never, not even reported).
REPORT_KM_FACTOR = 4
_WKT_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*$", re.I)


class LinkError(ValueError):
    """A decision names an event or incident the store does not hold, or a link that cannot change."""


# ---------------------------------------------------------------------------------------------
# What the store says about events, places and links
# ---------------------------------------------------------------------------------------------
@dataclass
class Place:
    """A gazetteer entry: its label, type, point (lat, lon) and every place it lies within."""

    iri: str
    label: str = ""
    kind: str = ""
    point: tuple[float, float] | None = None
    within: set[str] = field(default_factory=set)


@dataclass
class EventFacts:
    """What scoring needs to know about one event."""

    iri: str
    graph: str
    start: _dt.date | None = None
    end: _dt.date | None = None
    locations: set[str] = field(default_factory=set)
    precision: str | None = None
    points: list[tuple[float, float, str]] = field(default_factory=list)  # lat, lon, what it is
    actors: set[str] = field(default_factory=set)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1 if self.start and self.end else 0


@dataclass
class Link:
    """An skg:IncidentLink as stored."""

    iri: str
    event: str
    incident: str
    status: str
    score: Decimal | None = None


@dataclass
class LinkFacts:
    """The events, places and links read from a store."""

    events: dict[str, EventFacts]
    places: dict[str, Place]
    links: list[Link]


def _rows(store, query: str) -> list[tuple]:
    return store.query(ns.sparql_prologue() + f"PREFIX geo: <{GEO}>\n" + query).rows


def _value(term) -> str | None:
    return None if term is None else term.value


def _date(term) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(term.value[:10]) if term is not None else None
    except ValueError:
        return None


def parse_point(wkt: str) -> tuple[float, float] | None:
    """Given a WKT literal, return (latitude, longitude) of a POINT (WKT order is lon lat), else None.

    >>> parse_point("POINT(-5.99 14.25)")
    (14.25, -5.99)
    >>> parse_point("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT (2 3)")
    (3.0, 2.0)
    >>> parse_point("POLYGON((0 0, 1 1, 1 0, 0 0))") is None
    True
    """
    match = _WKT_POINT.match(wkt)
    if not match:
        return None
    lon, lat = float(match.group(1)), float(match.group(2))
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _number(term) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def read_places(store) -> dict[str, Place]:
    """Given a store, return every skg:Place with its label, type, point and containing places."""
    places: dict[str, Place] = {}
    for iri, label, kind in _rows(store, """SELECT ?p ?label ?kind WHERE { ?p a skg:Place .
            OPTIONAL { ?p skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
            OPTIONAL { ?p skg:placeType ?kind } }"""):
        place = places.setdefault(iri.value, Place(iri.value))
        place.label = place.label or _value(label) or ns.shorten(iri.value)
        place.kind = place.kind or _value(kind) or ""
    parents: dict[str, set[str]] = defaultdict(set)
    for inner, outer in _rows(store, "SELECT ?p ?q WHERE { ?p a skg:Place ; skg:withinPlace ?q }"):
        parents[inner.value].add(outer.value)
    for iri, wkt, lat, lon in _rows(store, """SELECT ?p ?wkt ?lat ?lon WHERE { ?p a skg:Place .
            { ?p geo:hasGeometry/geo:asWKT ?wkt } UNION { ?p schema:latitude ?lat ; schema:longitude ?lon } }"""):
        if iri.value not in places:
            continue
        point = parse_point(wkt.value) if wkt is not None else None
        if point is None and lat is not None and lon is not None:
            la, lo = _number(lat), _number(lon)
            point = (la, lo) if la is not None and lo is not None else None
        places[iri.value].point = places[iri.value].point or point
    for iri, place in places.items():  # transitive closure of skg:withinPlace, cycles tolerated
        seen: set[str] = set()
        todo = list(parents.get(iri, ()))
        while todo:
            outer = todo.pop()
            if outer not in seen and outer != iri:
                seen.add(outer)
                todo.extend(parents.get(outer, ()))
        place.within = seen
    return places


EVENTS = """SELECT ?e ?g ?start ?end ?location ?precision WHERE {
  GRAPH ?g { ?e a skg:Event ; skg:timeSpan ?span }
  FILTER(STRSTARTS(STR(?g), "%(source)s") || STRSTARTS(STR(?g), "%(import)s"))
  ?span skg:startDate ?start ; skg:endDate ?end .
  OPTIONAL { ?e skg:location ?location }
  OPTIONAL { ?e skg:locationPrecision ?precision }
}"""
# An event's own coordinates: on the event, or on the record it was read from (importers).
EVENT_POINTS = """SELECT ?e ?wkt ?lat ?lon WHERE { GRAPH ?g { ?e a skg:Event }
  { ?e geo:hasGeometry/geo:asWKT ?wkt }
  UNION { ?e prov:wasDerivedFrom ?record . ?record schema:latitude ?lat ; schema:longitude ?lon } }"""
ROUTES = """SELECT ?e ?place WHERE { GRAPH ?g { ?e a skg:Event } ?e skg:routeOrigin|skg:routeDestination ?place }"""
ACTORS = """SELECT DISTINCT ?e ?actor WHERE { GRAPH ?g { ?e a skg:Event }
  { ?claim skg:about ?e . ?claim skg:accused|skg:involves ?actor }
  UNION { ?e skg:hadParticipant ?actor } }"""
ACTOR_CLASSES = """SELECT DISTINCT ?class WHERE { ?class rdfs:subClassOf* skg:Actor }"""
LINKS = """SELECT ?link ?event ?incident ?status ?score WHERE { GRAPH <%s> {
  ?link a skg:IncidentLink ; skg:linkedEvent ?event ; skg:linkedIncident ?incident ; skg:linkStatus ?status .
  OPTIONAL { ?link skg:linkScore ?score } } }"""


def read_events(store, places: dict[str, Place]) -> dict[str, EventFacts]:
    """Given a store and its places, return the events of source and import graphs with their facts."""
    events: dict[str, EventFacts] = {}
    query = EVENTS % {"source": ns.SOURCE_GRAPH_PREFIX, "import": IMPORT_GRAPH_PREFIX}
    for iri, graph, start, end, location, precision in _rows(store, query):
        event = events.get(iri.value)
        if event is None:
            event = events[iri.value] = EventFacts(iri.value, graph.value, start=_date(start), end=_date(end))
        elif event.graph != graph.value:  # one event stated in two graphs: which source it is is unclear
            event.graph = min(event.graph, graph.value)
        if location is not None:
            event.locations.add(location.value)
        event.precision = event.precision or _value(precision)
    for iri, wkt, lat, lon in _rows(store, EVENT_POINTS):
        event = events.get(iri.value)
        if event is None or event.precision not in POINT_PRECISIONS:
            continue
        point = parse_point(wkt.value) if wkt is not None else None
        if point is None and lat is not None and lon is not None:
            la, lo = _number(lat), _number(lon)
            point = (la, lo) if la is not None and lo is not None else None
        if point is not None and all(p[:2] != point for p in event.points):
            where = ", ".join(sorted(places[x].label for x in event.locations if x in places))
            event.points.append((*point, f"its coordinates at {where}" if where else "its coordinates"))
    for event in events.values():  # a precise location's own point is where the event happened
        if event.precision in POINT_PRECISIONS and not event.points:
            for location in sorted(event.locations):
                place = places.get(location)
                if place and place.point and place.kind in POINT_PLACE_TYPES:
                    event.points.append((*place.point, place.label))
    for iri, place_iri in _rows(store, ROUTES):
        event, place = events.get(iri.value), places.get(place_iri.value)
        if event is not None and place is not None and place.point and place.kind in POINT_PLACE_TYPES:
            event.points.append((*place.point, f"its route through {place.label}"))
    actor_classes = {c.value for (c,) in _rows(store, ACTOR_CLASSES)}
    candidates: dict[str, set[str]] = defaultdict(set)
    for iri, actor in _rows(store, ACTORS):
        if iri.value in events and isinstance(actor, ox.NamedNode):
            candidates[actor.value].add(iri.value)
    if candidates:
        typed = _actors_of_class(store, actor_classes)
        aliases = dataset_actor_aliases()
        for actor, event_iris in candidates.items():
            if actor in typed:
                for iri in event_iris:
                    events[iri].actors.add(aliases.get(actor, actor))
    return events


def dataset_actor_aliases() -> dict[str, str]:
    """Return the actors an older import minted for a dataset name that data/dataset-actors.csv now maps.

    Imports made since the table exists use its actor already; this keeps older ones comparable.
    """
    from sahelkg.importers.dataset_actors import load_dataset_actors
    from sahelkg.importers.names import slug

    aliases = {}
    for row in load_dataset_actors().rows:
        minted = f"{ns.ID}actor/{slug(row.name)}"
        if minted != row.actor:
            aliases[minted] = row.actor
    return aliases


def _actors_of_class(store, classes: set[str]) -> set[str]:
    """Given the actor classes, return every node typed with one of them (skg:Actor, not population groups)."""
    values = " ".join(f"<{c}>" for c in sorted(classes))
    if not values:
        return set()
    return {a.value for (a,) in _rows(store, f"SELECT DISTINCT ?a WHERE {{ VALUES ?c {{ {values} }} ?a a ?c }}")}


def read_links(store) -> list[Link]:
    """Given a store, return the incident links of the curation graph."""
    return [Link(link.value, event.value, incident.value, status.value,
                 Decimal(score.value) if score is not None else None)
            for link, event, incident, status, score in _rows(store, LINKS % CURATION_GRAPH)]


def read_store(store) -> LinkFacts:
    """Given a store, return what proposing links needs from it."""
    places = read_places(store)
    return LinkFacts(read_events(store, places), places, read_links(store))


# ---------------------------------------------------------------------------------------------
# Scoring a pair
# ---------------------------------------------------------------------------------------------
@dataclass
class Pair:
    """Two events from different graphs, their score and why (or why they were refused)."""

    first: str
    second: str
    score: float
    reasons: list[str]
    refused: str | None = None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Given two (lat, lon) points, return the great-circle distance in km.

    >>> round(distance_km((14.25, -5.99), (13.43, -6.26)))
    96
    """
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _precision_weight(a: EventFacts, b: EventFacts) -> float:
    return min(PRECISION_WEIGHT.get(a.precision or "", UNKNOWN_PRECISION_WEIGHT),
               PRECISION_WEIGHT.get(b.precision or "", UNKNOWN_PRECISION_WEIGHT))


def _span_text(start: _dt.date, end: _dt.date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"


def score_time(a: EventFacts, b: EventFacts) -> tuple[float | None, str]:
    """Given two events, return (time score, reason); None when the spans do not overlap."""
    if not (a.start and a.end and b.start and b.end):
        return None, "a time span is missing"
    start, end = max(a.start, b.start), min(a.end, b.end)
    if start > end:
        return None, f"time spans do not overlap ({_span_text(a.start, a.end)} / {_span_text(b.start, b.end)})"
    widest = max(a.days, b.days)
    return max(0.2, 1.0 - (widest - 1) / 30), f"time spans overlap ({_span_text(start, end)})"


def score_place(a: EventFacts, b: EventFacts, places: dict[str, Place], km: float) -> tuple[float | None, str]:
    """Given two events, return (place score, reason); None when their places rule the pair out."""
    weight = _precision_weight(a, b)
    if a.points and b.points:
        d, pa, pb = min(((distance_km(p[:2], q[:2]), p, q) for p in a.points for q in b.points), key=lambda t: t[0])
        if d > km:
            return None, f"places {d:.0f} km apart (limit {km:g} km)"
        return weight * (1.0 - 0.5 * d / km), f"place within {max(d, 1.0):.0f} km ({pa[2]} / {pb[2]})"
    same = a.locations & b.locations
    if same:
        label = ", ".join(sorted(places[p].label if p in places else ns.shorten(p) for p in same))
        return weight, f"same place: {label}"
    for inner_event, outer_event in ((a, b), (b, a)):
        for inner in sorted(inner_event.locations):
            place = places.get(inner)
            for outer in sorted(outer_event.locations):
                if place is not None and outer in place.within:
                    outer_label = places[outer].label if outer in places else ns.shorten(outer)
                    return weight * 0.8, f"{place.label} is within {outer_label}"
    return None, "places neither the same, nor one within the other, nor with points to compare"


def score_actors(a: EventFacts, b: EventFacts) -> tuple[float | None, str]:
    """Given two events, return (actor score, reason); None when either names no actor."""
    if not a.actors or not b.actors:
        return None, ""
    common = a.actors & b.actors
    if not common:
        return 0.0, "no actor in common"
    names = ", ".join(sorted(ns.shorten(x).removeprefix("actor:") for x in common))
    return len(common) / min(len(a.actors), len(b.actors)), f"actor overlap: {names}"


def score_pair(a: EventFacts, b: EventFacts, places: dict[str, Place], km: float = DEFAULT_KM) -> Pair:
    """Given two events, return their Pair: score 0..1 with reasons, or the reason it is refused."""
    first, second = (a.iri, b.iri) if a.iri < b.iri else (b.iri, a.iri)
    place, place_reason = score_place(a, b, places, km)  # first: most compared pairs are too far apart
    if place is None:
        return Pair(first, second, 0.0, [], refused=place_reason)
    time, time_reason = score_time(a, b)
    if time is None:
        return Pair(first, second, 0.0, [place_reason], refused=time_reason)
    actors, actor_reason = score_actors(a, b)
    reasons = [time_reason, place_reason] + ([actor_reason] if actor_reason else [])
    if actors is None:
        total = (WEIGHTS["time"] * time + WEIGHTS["place"] * place) / (WEIGHTS["time"] + WEIGHTS["place"])
    else:
        total = WEIGHTS["time"] * time + WEIGHTS["place"] * place + WEIGHTS["actors"] * actors
    return Pair(first, second, round(total, 3), reasons)


# ---------------------------------------------------------------------------------------------
# Blocking: only events of the same day and country are compared
# ---------------------------------------------------------------------------------------------
def _country(event: EventFacts, places: dict[str, Place]) -> str:
    """Given an event, return the country (or outermost place) it lies in, for blocking."""
    for location in sorted(event.locations):
        place = places.get(location)
        if place is None:
            continue
        if place.kind == PT + "country":
            return place.iri
        countries = sorted(p for p in place.within if places.get(p, Place(p)).kind == PT + "country")
        if countries:
            return countries[0]
    return ""  # unknown: compared with every event of the day whose country is unknown


def candidate_pairs(events: Iterable[EventFacts], places: dict[str, Place], *, km: float = DEFAULT_KM,
                    max_span_days: int = DEFAULT_MAX_SPAN_DAYS) -> Iterable[tuple[EventFacts, EventFacts]]:
    """Given events, yield once each pair from different graphs that shares a day and either a
    country (when one of them has no point) or a neighbourhood of grid cells REPORT_KM_FACTOR × km wide
    (both have points: nearer pairs are always compared, across borders too; farther ones never)."""
    cell = REPORT_KM_FACTOR * km / KM_PER_DEGREE
    by_country: dict[tuple[_dt.date, str], list[EventFacts]] = defaultdict(list)
    vague: dict[tuple[_dt.date, str], list[EventFacts]] = defaultdict(list)
    grid: dict[tuple[_dt.date, int, int], list[EventFacts]] = defaultdict(list)
    reach: dict[str, int] = {}  # how many cells east and west an event's neighbourhood spans
    for event in events:
        if not event.start or not event.end or event.days > max_span_days:
            continue
        country = _country(event, places)
        cells = {(math.floor(lat / cell), math.floor(lon / cell)) for lat, lon, _ in event.points}
        if cells:
            widest = max(abs(lat) for lat, _, _ in event.points)
            reach[event.iri] = math.ceil(1 / math.cos(math.radians(min(widest + cell, 89.0))))
        day = event.start
        while day <= event.end:
            by_country[(day, country)].append(event)
            if cells:
                for y, x in cells:
                    grid[(day, y, x)].append(event)
            else:
                vague[(day, country)].append(event)
            day += _dt.timedelta(days=1)
    seen: set[tuple[str, str]] = set()

    def pairs(ours: list[EventFacts], theirs: list[EventFacts]) -> Iterable[tuple[EventFacts, EventFacts]]:
        for a in ours:
            for b in theirs:
                if a.graph != b.graph:
                    key = (a.iri, b.iri) if a.iri < b.iri else (b.iri, a.iri)
                    if key not in seen:
                        seen.add(key)
                        yield a, b

    for key, members in vague.items():
        yield from pairs(members, by_country[key])
    for (day, y, x), members in grid.items():
        r = max(reach[e.iri] for e in members)
        for dy in (-1, 0, 1):
            for dx in range(-r, r + 1):
                neighbours = grid.get((day, y + dy, x + dx))
                if neighbours:
                    yield from pairs(members, neighbours)


# ---------------------------------------------------------------------------------------------
# Proposing: from scored pairs to candidate links, respecting what people decided
# ---------------------------------------------------------------------------------------------
@dataclass
class NewLink:
    """A candidate link the proposal writes."""

    event: str
    incident: str
    score: float
    reasons: list[str]
    new_incident: bool = False


@dataclass
class Proposal:
    """What `link incidents` found and the change it writes."""

    pairs: list[Pair]
    links: list[NewLink]
    refused: list[Pair]
    skipped: list[tuple[Pair, str]]
    change: Change
    compared: int = 0
    events: int = 0

    def as_json(self) -> dict:
        return {
            "events": self.events, "compared": self.compared,
            "pairs": [{"score": p.score, "events": [p.first, p.second], "reasons": p.reasons} for p in self.pairs],
            "links": [{"event": x.event, "incident": x.incident, "score": x.score, "reasons": x.reasons,
                       "new_incident": x.new_incident} for x in self.links],
            "refused": [{"events": [p.first, p.second], "reason": p.refused, "reasons": p.reasons} for p in self.refused],
            "skipped": [{"events": [p.first, p.second], "score": p.score, "why": why} for p, why in self.skipped],
        }


def link_iri(event: str, incident: str) -> str:
    """Given an event and an incident, return the IRI of the link between them.

    >>> link_iri("https://w3id.org/sahelkg/id/event/a", "https://w3id.org/sahelkg/id/incident/b")[-16:]
    'e0ce15515c15d264'
    """
    return INCIDENT_LINK + hashlib.sha1(f"{event}\n{incident}".encode()).hexdigest()[:16]


def iri_slug(text: str) -> str:
    """Given a name, return it as an IRI part: ASCII words joined by hyphens ("place" when none)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40].strip("-") or "place"


def _incident_iri(first: EventFacts, second: EventFacts, places: dict[str, Place]) -> str:
    """Given the first two events of an incident, return its IRI: date, place, and a hash of both."""
    locations = sorted(first.locations | second.locations, key=lambda p: -len(places.get(p, Place(p)).within))
    place = places[locations[0]].label if locations and locations[0] in places else "unknown-place"
    day = max(d for d in (first.start, second.start) if d is not None)
    digest = hashlib.sha1("\n".join(sorted((first.iri, second.iri))).encode()).hexdigest()[:8]
    return f"{INCIDENT}{day.isoformat()}-{iri_slug(place)}-{digest}"


def propose(store, *, km: float = DEFAULT_KM, min_score: float = DEFAULT_MIN_SCORE,
            max_span_days: int = DEFAULT_MAX_SPAN_DAYS, now: _dt.datetime | None = None,
            facts: LinkFacts | None = None) -> Proposal:
    """Given a store, return the candidate links it lacks (not written: see `write`)."""
    facts = facts or read_store(store)
    events, places = facts.events, facts.places
    pairs, refused = [], []
    compared = 0
    for a, b in candidate_pairs(events.values(), places, km=km, max_span_days=max_span_days):
        compared += 1
        pair = score_pair(a, b, places, km)
        if pair.refused is not None:
            refused.append(pair)
        elif pair.score >= min_score:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    refused.sort(key=lambda p: (p.first, p.second))

    # What people and earlier runs decided.
    confirmed: dict[str, str] = {}
    proposed: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    members: dict[str, set[str]] = defaultdict(set)  # incident → every event ever linked to it
    rejected_from: dict[str, set[str]] = defaultdict(set)  # incident → events rejected from it
    existing: set[tuple[str, str]] = set()
    for link in facts.links:
        existing.add((link.event, link.incident))
        members[link.incident].add(link.event)
        if link.status == REJECTED:
            rejected_from[link.incident].add(link.event)
        elif link.status == CONFIRMED:
            confirmed[link.event] = link.incident
        else:
            proposed[link.event].append((link.score or Decimal(0), link.incident))
    # An event's incident: the confirmed one, else its best candidate.
    incident_of = {event: max(options)[1] for event, options in proposed.items()}
    incident_of.update(confirmed)
    rejected_pairs: set[tuple[str, str]] = set()
    for incident, gone in rejected_from.items():
        for r in gone:
            for other in members[incident]:
                if other != r:
                    rejected_pairs.add((min(r, other), max(r, other)))

    new_links: list[NewLink] = []
    skipped: list[tuple[Pair, str]] = []
    incident_graphs: dict[str, set[str]] = defaultdict(set)
    for event, incident in incident_of.items():
        if event in events:
            incident_graphs[incident].add(events[event].graph)
    created: dict[str, EventFacts] = {}
    for pair in pairs:
        if (pair.first, pair.second) in rejected_pairs:
            skipped.append((pair, "a person rejected this pair"))
            continue
        a, b = events[pair.first], events[pair.second]
        ia, ib = incident_of.get(a.iri), incident_of.get(b.iri)
        if ia and ib:
            if ia != ib:
                skipped.append((pair, f"already in different incidents ({ns.shorten(ia)}, {ns.shorten(ib)})"))
            continue
        if ia is None and ib is None:
            incident = _incident_iri(a, b, places)
            if (a.iri, incident) in existing or (b.iri, incident) in existing:
                skipped.append((pair, "a person rejected one of these events from this incident"))
                continue
            created[incident] = a
            for member in (a, b):
                incident_of[member.iri] = incident
                incident_graphs[incident].add(member.graph)
                new_links.append(NewLink(member.iri, incident, pair.score, pair.reasons, new_incident=True))
            continue
        incident = ia or ib or ""
        joining = b if ia else a
        if joining.iri in rejected_from.get(incident, set()) or (joining.iri, incident) in existing:
            skipped.append((pair, f"a person rejected {ns.shorten(joining.iri)} from {ns.shorten(incident)}"))
            continue
        if joining.graph in incident_graphs[incident]:
            skipped.append((pair, f"{ns.shorten(incident)} already holds an event of {ns.shorten(joining.graph)}"))
            continue
        incident_of[joining.iri] = incident
        incident_graphs[incident].add(joining.graph)
        new_links.append(NewLink(joining.iri, incident, pair.score, pair.reasons))
    now = now or _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    quads = _candidate_quads(new_links, created, events, places, store, now)
    return Proposal(pairs, new_links, refused, skipped, Change(additions=tuple(quads)), compared, len(events))


# ---------------------------------------------------------------------------------------------
# Quads
# ---------------------------------------------------------------------------------------------
def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=_n(XSD + datatype)) if datatype else ox.Literal(value)


def _quad(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
    return ox.Quad(_n(s), _n(p), o, _n(CURATION_GRAPH))


def _timestamp(now: _dt.datetime) -> ox.Literal:
    return _lit(now.astimezone(_dt.UTC).isoformat().replace("+00:00", "Z"), "dateTime")


def _agent_quads(store, agent: str, label: str) -> list[ox.Quad]:
    """Given an agent IRI, return its description when the store does not type it yet (no dangling reference)."""
    if store.query(f"ASK {{ <{agent}> a ?type }}").boolean:
        return []
    return [_quad(agent, RDF_TYPE, _n(PROV + ("SoftwareAgent" if agent == TOOL else "Agent"))),
            _quad(agent, RDFS + "label", _lit(label, lang="en"))]


def _link_quads(event: str, incident: str, status: str, agent: str, now: _dt.datetime) -> list[ox.Quad]:
    link = link_iri(event, incident)
    return [_quad(link, RDF_TYPE, _n(SKG + "IncidentLink")), _quad(link, SKG + "linkedEvent", _n(event)),
            _quad(link, SKG + "linkedIncident", _n(incident)), _quad(link, SKG + "linkStatus", _n(status)),
            _quad(link, PROV + "wasAttributedTo", _n(agent)), _quad(link, PROV + "generatedAtTime", _timestamp(now))]


def _candidate_quads(links: list[NewLink], created: dict[str, EventFacts], events: dict[str, EventFacts],
                     places: dict[str, Place], store, now: _dt.datetime) -> list[ox.Quad]:
    if not links:
        return []
    quads = _agent_quads(store, TOOL, "sahelkg link incidents (candidate links between events of different sources)")
    for incident, first in created.items():
        location = min(first.locations, key=lambda p: len(places.get(p, Place(p)).within), default=None)
        label = f"Incident of {first.start.isoformat() if first.start else 'unknown date'}"
        if location:
            label += f" in {places[location].label if location in places else ns.shorten(location)}"
        quads += [_quad(incident, RDF_TYPE, _n(SKG + "Incident")),
                  _quad(incident, RDFS + "label", _lit(f"{label} (proposed by sahelkg link incidents)", lang="en"))]
        if location:
            quads.append(_quad(incident, SKG + "location", _n(location)))
    for new in links:
        link = link_iri(new.event, new.incident)
        quads += _link_quads(new.event, new.incident, CANDIDATE, TOOL, now)
        quads.append(_quad(link, SKG + "linkScore", _lit(f"{new.score:.3f}", "decimal")))
        quads += [_quad(link, SKG + "linkReason", _lit(reason)) for reason in new.reasons]
    return quads


# ---------------------------------------------------------------------------------------------
# Decisions: confirm or reject one event's link to an incident
# ---------------------------------------------------------------------------------------------
def decide(store, event: str, incident: str, status: str, *, by: str, note: str | None = None,
           by_label: str | None = None, now: _dt.datetime | None = None) -> Change:
    """Given an event, an incident and CONFIRMED or REJECTED, return the change that records it.

    The link's earlier status, attribution and time are replaced; its score and reasons stay
    (why it was proposed). A confirmed link also states `?event skg:sameIncident ?incident`.
    """
    if status not in (CONFIRMED, REJECTED):
        raise LinkError(f"{status} is not a decision (confirmed or rejected)")
    graph = _n(CURATION_GRAPH)
    if not store.query(f"ASK {{ GRAPH ?g {{ <{event}> a <{SKG}Event> }} }}").boolean:
        raise LinkError(f"{ns.shorten(event)}: no skg:Event with this IRI in the store; "
                        "`sahelkg link incidents --format json` lists the events it linked")
    if not store.query(f"ASK {{ GRAPH <{CURATION_GRAPH}> {{ <{incident}> a <{SKG}Incident> }} }}").boolean:
        raise LinkError(f"{ns.shorten(incident)}: no skg:Incident with this IRI in the curation graph; "
                        "run `sahelkg link incidents` first and use an incident it proposed")
    if status == CONFIRMED:
        others = [x.incident for x in read_links(store)
                  if x.event == event and x.status == CONFIRMED and x.incident != incident]
        if others:
            raise LinkError(f"{ns.shorten(event)} is already confirmed as {expand_short(others[0])}: an event is one "
                            "incident; reject that link first if it was wrong")
    now = now or _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    link = link_iri(event, incident)
    replaced = {SKG + "linkStatus", PROV + "wasAttributedTo", PROV + "generatedAtTime", RDFS + "comment"}
    old = [q for q in store.quads(_n(link), None, None, graph) if q.predicate.value in replaced]
    old += list(store.quads(_n(event), _n(SKG + "sameIncident"), _n(incident), graph))
    # A person may also link an event the tool did not propose: then the whole link is new.
    new = _link_quads(event, incident, status, by, now)
    new += _agent_quads(store, by, by_label or ns.shorten(by).removeprefix("actor:"))
    if note:
        new.append(_quad(link, RDFS + "comment", _lit(note, lang="en")))
    if status == CONFIRMED:
        new.append(_quad(event, SKG + "sameIncident", _n(incident)))
    new_set = set(new)
    return Change(additions=tuple(q for q in new if next(iter(store.quads(q.subject, q.predicate, q.object, graph)), None)
                                  is None),
                  removals=tuple(q for q in old if q not in new_set))


def write(store, change: Change) -> gate.Receipt:
    """Given a proposal's or a decision's change, commit it through the SHACL gate (all or nothing)."""
    return gate.commit(store, change)


# ---------------------------------------------------------------------------------------------
# Command line: sahelkg link incidents [confirm|reject EVENT INCIDENT --by AGENT [--note TEXT]]
# ---------------------------------------------------------------------------------------------
def expand_iri(text: str) -> str:
    """Given an IRI or a prefixed name (event:…, incident:…, actor:…), return the full IRI.

    >>> expand_iri("incident:2025-01-02-x")
    'https://w3id.org/sahelkg/id/incident/2025-01-02-x'
    >>> expand_iri("event:a000-niono-vehicle-attack")
    'https://w3id.org/sahelkg/id/event/a000-niono-vehicle-attack'
    """
    prefix, _, rest = text.partition(":")
    extra = {"incident": INCIDENT, "incident-link": INCIDENT_LINK}
    if prefix in extra and not rest.startswith("//"):
        return extra[prefix] + rest
    if prefix in ns.PREFIXES and not rest.startswith("//"):
        return ns.PREFIXES[prefix] + rest
    return text


SHOWN_REFUSED = 50


def format_table(proposal: Proposal) -> str:
    """Given a proposal, return the table a person reads: score, the two events, reasons."""
    lines = [f"{proposal.events:,} events, {proposal.compared:,} pairs of different graphs compared (same day, "
             f"same country or neighbourhood): {len(proposal.pairs)} matching, {len(proposal.refused)} refused, "
             f"{len(proposal.links)} new candidate links"]
    if proposal.pairs:
        lines.append(f"{'score':>5}  event                                     event                                     reasons")
    for pair in proposal.pairs:
        lines.append(f"{pair.score:5.2f}  {ns.shorten(pair.first):<40}  {ns.shorten(pair.second):<40}  "
                     + "; ".join(pair.reasons))
    for pair in proposal.refused[:SHOWN_REFUSED]:
        lines.append(f"refused  {ns.shorten(pair.first)}  {ns.shorten(pair.second)}  {pair.refused}")
    if len(proposal.refused) > SHOWN_REFUSED:
        lines.append(f"… and {len(proposal.refused) - SHOWN_REFUSED:,} more refused pairs (--format json lists them)")
    for pair, why in proposal.skipped:
        lines.append(f"not proposed  {ns.shorten(pair.first)}  {ns.shorten(pair.second)}  {why}")
    for new in proposal.links:
        lines.append(f"candidate  {ns.shorten(new.event)} → {expand_short(new.incident)}")
    return "\n".join(lines)


def expand_short(iri: str) -> str:
    """Given an IRI, return it shortened, incident: and incident-link: included."""
    for prefix, base in (("incident-link", INCIDENT_LINK), ("incident", INCIDENT)):
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    return ns.shorten(iri)
