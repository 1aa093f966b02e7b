"""The data behind the workbench's views: the actor network, the timeline and the map.

Each view is one function from a store and `Filters` (actor, country, dates, stance, event type)
to plain JSON-ready dicts, read with a few SPARQL queries. The pages (/network, /timeline, /map)
draw them with the vendored Cytoscape.js, vis-timeline and Leaflet; the same JSON is served at
/network.json, /timeline.json and /map.json.

>>> Filters.parse({"from": "2025", "to": "2025-01"}).span()
('2025-01-01', '2025-01-31')
>>> wkt_point("POINT(-5.99 14.25)")
(-5.99, 14.25)
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import Store
from sahelkg.web.dates import describe_span

# Only the prefixes used here: the store scans every query's text, so shorter is faster.
PROLOGUE = ns.sparql_prologue(["skg", "skos", "rdfs", "prov", "schema"]) + \
    "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
STANCES = ("accuses", "claims-responsibility", "acknowledges", "denies", "calls-for-investigation", "rejects")
LIMIT = 5000  # markers a map draws at most; the page says when there are more
TIMELINE_LIMIT = 2000  # items of each kind a timeline draws at most (vis-timeline slows down past that)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+(?:[eE]-?\d+)?)\s+(-?[\d.]+(?:[eE]-?\d+)?)\s*\)", re.IGNORECASE)


class FilterError(ValueError):
    """A filter value that cannot be used (says which and what to do)."""


def _date_bound(text: str, name: str, last: bool) -> str:
    match = _DATE.match(text)
    if not match:
        raise FilterError(f"{name}={text!r}: write a date as YYYY, YYYY-MM or YYYY-MM-DD.")
    year, month, day = int(match[1]), int(match[2] or (12 if last else 1)), match[3]
    if not 1 <= month <= 12:
        raise FilterError(f"{name}={text!r}: the month must be 01 to 12.")
    days = calendar.monthrange(year, month)[1]
    chosen = int(day) if day else (days if last else 1)
    if not 1 <= chosen <= days:
        raise FilterError(f"{name}={text!r}: that month has {days} days.")
    return f"{year:04d}-{month:02d}-{chosen:02d}"


def _thing(text: str, kind: str, name: str) -> str:
    """Given an IRI, a prefixed or a bare slug, return our IRI of that kind."""
    text = text.strip()
    if text.startswith(ns.BASE):
        iri = text
    elif text.startswith("/id/"):
        iri = ns.BASE + text[1:]
    else:
        iri = ns.ID + f"{kind}/" + text.split(":", 1)[-1]
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise FilterError(f"{name}={text!r} is not an IRI or a {kind} name such as fama.") from error
    return iri


@dataclass(frozen=True)
class Filters:
    """What a view shows: an actor, a country, a date range, stances (network), an event type."""

    actor: str = ""
    country: str = ""
    start: str = ""
    end: str = ""
    stances: tuple[str, ...] = ()
    event_type: str = ""
    event: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """Given query parameters (actor, country, from, to, stance, type, event), return the filters."""
        stances = tuple(s for s in (params.get("stance") or "").split(",") if s)
        for stance in stances:
            if stance not in STANCES:
                raise FilterError(f"stance={stance!r}: use one or more of {', '.join(STANCES)}, comma-separated.")
        event_type = params.get("type") or ""
        if event_type and not re.fullmatch(r"[a-z0-9-]+", event_type.rsplit("/", 1)[-1]):
            raise FilterError(f"type={event_type!r}: use an event type such as acled-attack.")
        return cls(actor=_thing(params["actor"], "actor", "actor") if params.get("actor") else "",
                   country=_thing(params["country"], "place", "country") if params.get("country") else "",
                   start=_date_bound(params["from"], "from", False) if params.get("from") else "",
                   end=_date_bound(params["to"], "to", True) if params.get("to") else "",
                   stances=stances,
                   event_type=(ns.VOCAB + "event-type/" + event_type.rsplit("/", 1)[-1]) if event_type else "",
                   event=_thing(params["event"], "event", "event") if params.get("event") else "")

    def span(self) -> tuple[str, str]:
        return self.start, self.end

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (for links and the page's form)."""
        def slug(iri: str, kind: str) -> str:
            return iri.removeprefix(ns.ID + kind + "/")

        out = {"actor": slug(self.actor, "actor"), "country": slug(self.country, "place"), "from": self.start,
               "to": self.end,
               "stance": ",".join(self.stances), "type": self.event_type.rsplit("/", 1)[-1] if self.event_type else "",
               "event": slug(self.event, "event")}
        return {k: v for k, v in out.items() if v}


def wkt_point(text: str) -> tuple[float, float] | None:
    """Given a WKT literal, return (longitude, latitude) of its POINT, or None."""
    match = _POINT.search(text)
    if not match:
        return None
    lon, lat = float(match[1]), float(match[2])
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def _texts(row: tuple) -> list[str]:
    return ["" if t is None or isinstance(t, ox.Triple) else t.value for t in row]


def _rows(store: Store, text: str, timeout: float | None) -> list[dict[str, str]]:
    result = store.query(PROLOGUE + text, timeout=timeout)
    return [{k: v for k, v in zip(result.variables, _texts(row), strict=True) if v} for row in result.rows]


def _term(iri: str) -> str:
    return str(ox.NamedNode(iri))


def _date_filter(var: str, filters: Filters) -> str:
    parts = []
    if filters.start:
        parts.append(f'STR(?{var}End) >= "{filters.start}"')
    if filters.end:
        parts.append(f'STR(?{var}) <= "{filters.end}"')
    return f"FILTER({' && '.join(parts)})" if parts else ""


def _event_filters(filters: Filters) -> str:
    """SPARQL patterns restricting ?event by the filters (?start, ?startEnd bound by the caller)."""
    parts = []
    if filters.event:
        parts.append(f"VALUES ?event {{ {_term(filters.event)} }}")
    if filters.actor:
        actor = _term(filters.actor)
        parts.append(f"""{{ ?event skg:hadParticipant {actor} }} UNION {{ ?event skg:involves {actor} }}
  UNION {{ ?claim0 skg:about ?event . {{ ?claim0 skg:accused|skg:involves|skg:claimant {actor} }}
           UNION {{ ?claim0 skg:qualifiedAccusation/skg:candidateActor {actor} }} }}""")
    if filters.country:
        parts.append(f"?event skg:location/skg:withinPlace* {_term(filters.country)} .")
    if filters.event_type:
        parts.append(f"?event skg:eventType/skos:broader* {_term(filters.event_type)} .")
    return "\n  ".join(parts)


def _occurrence_classes(store: Store, timeout: float | None) -> str:
    """The classes whose instances are events (skg:Occurrence and below), as VALUES terms: matching
    `?event a ?class` against a few classes is much cheaper than a path per event."""
    rows = _rows(store, "SELECT DISTINCT ?class WHERE { ?class rdfs:subClassOf* skg:Occurrence }", timeout)
    return " ".join(_term(r["class"]) for r in rows if r["class"].startswith("http")) or _term(ns.SKG + "Occurrence")


def _details(store: Store, events: list[str], query: str, timeout: float | None) -> dict[str, dict[str, str]]:
    """Given events and a query with an `{events}` VALUES placeholder, return each event's first row."""
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(events), 1000):
        values = " ".join(_term(e) for e in events[start:start + 1000])
        for r in _rows(store, query.format(events=values), timeout):
            found.setdefault(r["event"], r)
    return found


# ---------------------------------------------------------------------------------------------
# Network: actors, affiliations (by kind), hostility, and accusations (claimant → accused)
# ---------------------------------------------------------------------------------------------
def network(store: Store, filters: Filters, timeout: float | None = None) -> dict:
    """Given a store and filters, return {nodes, edges}: actors, their affiliations and hostilities
    (reference and source graphs), and accusation edges from a claim's organisation to the accused,
    counted per stance."""
    stances = filters.stances or STANCES
    stance_values = " ".join(_term(ns.VOCAB + "stance/" + s) for s in stances)
    date_filter = ""
    if filters.start or filters.end:
        date_filter = _date_filter("stated", Filters(start=filters.start, end=filters.end)).replace(
            "?statedEnd", "?stated")
    relations = _rows(store, """SELECT DISTINCT ?a ?b ?p ?kindLabel ?hostile WHERE {
  { ?p rdfs:subPropertyOf+ skg:affiliatedWith . ?a ?p ?b . BIND(false AS ?hostile) }
  UNION { VALUES ?p { skg:alliedWith } ?a ?p ?b . BIND(false AS ?hostile) }
  UNION { VALUES ?p { skg:inConflictWith } ?a ?p ?b . BIND(true AS ?hostile) }
  OPTIONAL { ?p rdfs:label ?kindLabel . FILTER(LANGMATCHES(LANG(?kindLabel), "en")) }
  FILTER(isIRI(?a) && isIRI(?b) && ?a != ?b)
}""", timeout)
    accusations = _rows(store, f"""SELECT ?who ?accused ?stance (COUNT(DISTINCT ?claim) AS ?claims) WHERE {{
  VALUES ?stance {{ {stance_values} }}
  ?claim skg:stance ?stance ; skg:accused ?accused ; skg:qualifiedClaimAttribution ?attribution .
  ?attribution prov:agent ?agent .
  OPTIONAL {{ ?attribution skg:onBehalfOf ?organisation }}
  BIND(COALESCE(?organisation, ?agent) AS ?who)
  {"OPTIONAL { ?claim skg:statedOn ?stated }" if date_filter else ""}
  {date_filter}
  FILTER(?who != ?accused)
}} GROUP BY ?who ?accused ?stance""", timeout)
    edges: list[dict] = []
    seen: set[tuple[str, str, str]] = set()
    for r in relations:
        hostile = r.get("hostile") == "true"
        kind = "hostility" if hostile else "affiliation"
        pair = (r["a"], r["b"]) if not hostile else tuple(sorted((r["a"], r["b"])))
        key = (pair[0], pair[1], r["p"])
        if key in seen:
            continue  # symmetric relations are stored both ways: draw one edge
        seen.add(key)
        label = r.get("kindLabel") or re.sub(r"(?<!^)([A-Z])", r" \1", r["p"].rsplit("#", 1)[-1]).lower()
        edges.append({"source": pair[0], "target": pair[1], "type": kind, "label": label})
    for r in accusations:
        stance = r["stance"].rsplit("/", 1)[-1]
        edges.append({"source": r["who"], "target": r["accused"], "type": "accusation", "stance": stance,
                      "label": f"{stance.replace('-', ' ')} ×{r['claims']}" if r["claims"] != "1"
                      else stance.replace("-", " "), "claims": int(r["claims"])})
    if filters.actor:
        edges = [e for e in edges if filters.actor in (e["source"], e["target"])]
    actors = sorted({e["source"] for e in edges} | {e["target"] for e in edges})
    info = _actor_info(store, actors, timeout)
    if filters.country:
        keep = {a for a in actors if filters.country in info.get(a, {}).get("countries", ())}
        edges = [e for e in edges if e["source"] in keep or e["target"] in keep]
        actors = sorted({e["source"] for e in edges} | {e["target"] for e in edges})
    nodes = [{"id": a, "label": info.get(a, {}).get("label") or ns.shorten(a),
              "kind": info.get(a, {}).get("kind", "actor")} for a in actors]
    for i, e in enumerate(edges):
        e["id"] = f"e{i}"
    return {"nodes": nodes, "edges": edges, "truncated": False, "limit": 0, "filters": filters.as_params()}


# Node colours by the actor's kind: the first class in this order that the actor belongs to.
ACTOR_KINDS = (("StateArmedForce", "state force"), ("StateBackedMilitia", "state-backed militia"),
               ("PrivateMilitaryCompany", "private military company"), ("NonStateArmedGroup", "armed group"),
               ("Government", "government"), ("InternationalMission", "international mission"),
               ("NewsOrganisation", "news organisation"), ("CivilSocietyOrganisation", "civil society"),
               ("CommunalGroup", "communal group"), ("Person", "person"), ("Organisation", "organisation"))


def _actor_info(store: Store, actors: list[str], timeout: float | None) -> dict[str, dict]:
    info: dict[str, dict] = defaultdict(lambda: {"countries": set()})
    for start in range(0, len(actors), 500):
        chunk = " ".join(_term(a) for a in actors[start:start + 500])
        for r in _rows(store, f"""SELECT ?actor ?label ?class ?country WHERE {{
  VALUES ?actor {{ {chunk} }}
  {{ ?actor skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
  UNION {{ ?actor a ?type . ?type rdfs:subClassOf* ?class . FILTER(STRSTARTS(STR(?class), STR(skg:))) }}
  UNION {{ ?actor skg:country ?country }}
}}""", timeout):
            entry = info[r["actor"]]
            if "label" in r:
                entry["label"] = r["label"]
            if "country" in r:
                entry["countries"].add(r["country"])
            if "class" in r:
                entry.setdefault("classes", set()).add(r["class"].rsplit("#", 1)[-1])
    for entry in info.values():
        classes = entry.pop("classes", set())
        entry["kind"] = next((name for cls, name in ACTOR_KINDS if cls in classes), "actor")
    return info


# ---------------------------------------------------------------------------------------------
# Timeline: events (with their time spans at their precision) and statements (claims)
# ---------------------------------------------------------------------------------------------
def timeline(store: Store, filters: Filters, timeout: float | None = None, limit: int = TIMELINE_LIMIT) -> dict:
    """Given a store and filters, return {items, groups, total}: events and claims with a start,
    an end when the source gave a span, and the date as a reader says it."""
    # Two steps: the latest `limit` things with a time span by date (two variables, no tie-break: the
    # sort of 100k rows stays cheap), then the details of those that are events.
    dated = bool(filters.start or filters.end)
    chosen = _rows(store, f"""SELECT ?event ?start {"?startEnd" if dated else ""} WHERE {{
  ?event skg:timeSpan ?span .
  ?span skg:startDate ?start .
  {"OPTIONAL { ?span skg:endDate ?end } BIND(COALESCE(?end, ?start) AS ?startEnd)" if dated else ""}
  {_event_filters(filters)}
  {_date_filter("start", filters)}
}} ORDER BY DESC(?start) LIMIT {limit + 1}""", timeout)
    details = _details(store, [r["event"] for r in chosen[:limit]], """SELECT ?event ?label ?precision ?startEnd WHERE {{
  VALUES ?event {{ {events} }}
  FILTER EXISTS {{ ?event a/rdfs:subClassOf* skg:Occurrence }}
  OPTIONAL {{ ?event rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?event skg:timeSpan ?span . ?span skg:startDate ?start .
              OPTIONAL {{ ?span skg:startPrecision ?precision }} OPTIONAL {{ ?span skg:endDate ?end }} }}
  BIND(COALESCE(?end, ?start) AS ?startEnd)
}}""", timeout)
    events = [{**r, **details[r["event"]]} for r in reversed(chosen[:limit]) if r["event"] in details]
    if len(chosen) > limit:
        events.append({})  # marks the list as truncated below
    claim_filters = []
    if filters.actor:
        actor = _term(filters.actor)
        claim_filters.append(f"{{ ?claim skg:claimant|skg:accused|skg:involves {actor} }} "
                             f"UNION {{ ?claim skg:qualifiedClaimAttribution/skg:onBehalfOf {actor} }}")
    if filters.country:
        claim_filters.append(f"?claim skg:about/skg:location/skg:withinPlace* {_term(filters.country)} .")
    if filters.event:
        claim_filters.append(f"?claim skg:about {_term(filters.event)} .")
    # Statements by sources (dataset rows' claims carry no statement time: their rows are the events).
    claims = _rows(store, f"""SELECT DISTINCT ?claim ?stance ?start ?startEnd ?precision WHERE {{
  ?claim skg:statementTime ?span .
  ?span skg:startDate ?start .
  ?claim skg:stance ?stance .
  OPTIONAL {{ ?span skg:endDate ?end }} OPTIONAL {{ ?span skg:startPrecision ?precision }}
  BIND(COALESCE(?end, ?start) AS ?startEnd)
  {" ".join(claim_filters)}
  {_date_filter("start", filters)}
}} ORDER BY ?start ?claim LIMIT {limit + 1}""", timeout)
    items = []
    for r in events[:limit]:
        if r:
            items.append(_item(r["event"], r.get("label") or ns.shorten(r["event"]), r, "events"))
    # Who speaks, for the chosen claims only (a second step: joined above, it ran over every claim).
    speakers = _details(store, [r["claim"] for r in claims[:limit]], """SELECT ?event ?who WHERE {{
  VALUES ?event {{ {events} }}
  ?event skg:qualifiedClaimAttribution ?a . ?a prov:agent ?agent . OPTIONAL {{ ?a skg:onBehalfOf ?org }}
  BIND(COALESCE(?org, ?agent) AS ?whoIri) ?whoIri skos:prefLabel ?who . FILTER(LANGMATCHES(LANG(?who), "en"))
}}""", timeout)
    claims = [{**r, **speakers.get(r["claim"], {})} for r in claims]
    by_claim: dict[str, dict] = {}
    for r in claims[:limit]:
        if r["claim"] in by_claim:
            continue
        stance = r["stance"].rsplit("/", 1)[-1].replace("-", " ")
        by_claim[r["claim"]] = _item(r["claim"], f"{r.get('who', 'A source')} {stance}", r, "statements")
    items.extend(by_claim.values())
    return {"items": items, "groups": [{"id": "events", "content": "Events"},
                                       {"id": "statements", "content": "Statements"}],
            "truncated": len(events) > limit or len(claims) > limit, "limit": limit,
            "filters": filters.as_params()}


def _item(iri: str, label: str, r: dict[str, str], group: str) -> dict:
    start, end = r["start"][:10], r.get("startEnd", r["start"])[:10]
    item = {"id": iri, "content": label, "start": start, "group": group,
            "when": describe_span(start, end, r.get("precision", "")),
            "precision": r.get("precision", "").rsplit("/", 1)[-1]}
    if end != start:
        item["end"] = end
    return item


# ---------------------------------------------------------------------------------------------
# Map: events at the points of their geometry (their own, or their place's)
# ---------------------------------------------------------------------------------------------
def map_points(store: Store, filters: Filters, timeout: float | None = None, limit: int = LIMIT) -> dict:
    """Given a store and filters, return {points, types, total}: each event with a point geometry
    (its own geo:hasGeometry, else its place's), its label, date and event type."""
    classes = _occurrence_classes(store, timeout)
    dated = bool(filters.start or filters.end)
    located = _rows(store, f"""SELECT ?event ?wkt WHERE {{
  VALUES ?class {{ {classes} }}
  ?event a ?class .
  {{ ?event geo:hasGeometry/geo:asWKT ?wkt }}
  UNION {{ FILTER NOT EXISTS {{ ?event geo:hasGeometry ?own }} ?event skg:location/geo:hasGeometry/geo:asWKT ?wkt }}
  {"?event skg:timeSpan ?span . ?span skg:startDate ?start . OPTIONAL { ?span skg:endDate ?end }" if dated else ""}
  {"BIND(COALESCE(?end, ?start) AS ?startEnd)" if dated else ""}
  {_event_filters(filters)}
  {_date_filter("start", filters)}
}} LIMIT {limit * 2}""", timeout)
    details = _details(store, list(dict.fromkeys(r["event"] for r in located))[:limit + 1], """
SELECT ?event ?label ?typeLabel ?start ?startEnd ?precision WHERE {{
  VALUES ?event {{ {events} }}
  OPTIONAL {{ ?event rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?event skg:eventType/skos:prefLabel ?typeLabel . FILTER(LANGMATCHES(LANG(?typeLabel), "en")) }}
  OPTIONAL {{ ?event skg:timeSpan ?span . ?span skg:startDate ?start .
              OPTIONAL {{ ?span skg:endDate ?end }} OPTIONAL {{ ?span skg:startPrecision ?precision }} }}
  BIND(COALESCE(?end, ?start) AS ?startEnd)
}}""", timeout)
    rows = [{**r, **details.get(r["event"], {})} for r in located if r["event"] in details]
    points: dict[str, dict] = {}
    for r in rows:
        if r["event"] in points:
            continue
        point = wkt_point(r["wkt"])
        if point is None:
            continue
        start = r.get("start", "")[:10]
        points[r["event"]] = {"id": r["event"], "label": r.get("label") or ns.shorten(r["event"]),
                              "lon": point[0], "lat": point[1], "type": r.get("typeLabel", "event type not given"),
                              "when": describe_span(start, r.get("startEnd", start)[:10], r.get("precision", ""))}
        if len(points) > limit:
            break
    chosen = list(points.values())[:limit]
    return {"points": chosen, "types": sorted({p["type"] for p in chosen}), "truncated": len(points) > limit,
            "limit": limit, "filters": filters.as_params()}


def filter_choices(store: Store, timeout: float | None = None, actors: int = 400) -> dict[str, list[tuple[str, str]]]:
    """Given a store, return the choices a view's filter form offers: (value, label) of countries,
    event types, and actors named in the reference graph (any other actor can be typed by name)."""
    countries = _rows(store, """SELECT DISTINCT ?c ?label WHERE {
  ?c skg:placeType <https://w3id.org/sahelkg/vocab/place-type/country> ; skos:prefLabel ?label .
  FILTER(LANGMATCHES(LANG(?label), "en")) } ORDER BY ?label""", timeout)
    types = _rows(store, """SELECT DISTINCT ?t ?label WHERE {
  ?t skos:inScheme <https://w3id.org/sahelkg/vocab/event-type> ; skos:prefLabel ?label .
  FILTER(LANGMATCHES(LANG(?label), "en")) } ORDER BY ?label""", timeout)
    named = _rows(store, f"""SELECT DISTINCT ?a ?label WHERE {{
  GRAPH <{ns.GRAPH}reference> {{ ?a skos:prefLabel ?label . ?a a ?type }}
  ?type rdfs:subClassOf* skg:Actor . FILTER(LANGMATCHES(LANG(?label), "en"))
}} ORDER BY ?label LIMIT {actors}""", timeout)
    return {"countries": [(r["c"].rsplit("/", 1)[-1], r["label"]) for r in countries],
            "types": [(r["t"].rsplit("/", 1)[-1], r["label"]) for r in types],
            "actors": [(r["a"].rsplit("/", 1)[-1], r["label"]) for r in named]}
