"""The data behind the workbench's views: the actor network, the timeline and the map.

Each view is one function from a store and `Filters` (actor, country, dates, stance, event type)
to plain JSON-ready dicts: the network is read with a few SPARQL queries, the timeline's and the
map's events are chosen and described from the store's event index (web/event_index.py). The pages (/network, /timeline, /map)
draw them with the vendored Cytoscape.js, vis-timeline and Leaflet; the same JSON is served at
/network.json, /timeline.json and /map.json.

>>> Filters.parse({"from": "2025", "to": "2025-01"}).span()
('2025-01-01', '2025-01-31')
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import Store
from sahelkg.web import event_index
from sahelkg.web.dates import describe_span
from sahelkg.web.event_index import EventIndex

# Only the prefixes used here: the store scans every query's text, so shorter is faster.
PROLOGUE = ns.sparql_prologue(["skg", "skos", "rdfs", "prov", "schema"]) + \
    "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
STANCES = ("accuses", "claims-responsibility", "acknowledges", "denies", "calls-for-investigation", "rejects")
LIMIT = 5000  # events a map draws one by one at most; past that it draws (and counts) their points
TIMELINE_LIMIT = 2000  # items of each kind a timeline draws at most (vis-timeline slows down past that)
NO_TYPE = "event type not given"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


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
def _select(index: EventIndex, filters: Filters, dated_only: bool) -> list[int]:
    return index.select(actor=filters.actor, country=filters.country, event_type=filters.event_type,
                        event=filters.event, start=filters.start, end=filters.end, dated_only=dated_only)


@lru_cache(maxsize=4096)
def _when(start: str, end: str, precision: str) -> str:
    """describe_span, remembered: thousands of drawn events share a few hundred dates."""
    return describe_span(start, end, precision)


def _span_row(index: EventIndex, position: int) -> dict[str, str]:
    row = {"start": index.starts[position], "startEnd": index.ends[position]}
    if index.precisions[position]:
        row["precision"] = index.precisions[position]
    return row


def not_drawn(starts: Mapping[str, int]) -> tuple[str, list[dict]]:
    """Given the start dates of events not drawn (with how many start then), return the unit and
    their counts per day (within three months), per month (within ten years) or per year:
    {start, end, count, when}.

    >>> not_drawn({"2024-01-05": 2, "2024-01-07T10:00:00": 1})[1][0]
    {'start': '2024-01-05', 'end': '2024-01-05', 'count': 2, 'when': '5 January 2024'}
    >>> unit, bins = not_drawn({"2020-03-01": 1, "2024-01-05": 1}); unit, [b["when"] for b in bins]
    ('month', ['March 2020', 'January 2024'])
    """
    by_day: Counter[str] = Counter()
    for start, n in starts.items():
        by_day[start[:10]] += n
    days = sorted(day for day in by_day if _DATE.match(day))
    if not days:
        return "day", []
    first, last = days[0], days[-1]
    span_days = (int(last[:4]) - int(first[:4])) * 366 + (int(last[5:7]) - int(first[5:7])) * 31
    width = 10 if span_days <= 92 else 7 if span_days <= 3660 else 4
    unit = {10: "day", 7: "month", 4: "year"}[width]
    counts: dict[str, int] = defaultdict(int)
    for day in days:
        counts[day[:width]] += by_day[day]
    bins = []
    for key, n in counts.items():
        start, end = _date_bound(key, "from", False), _date_bound(key, "to", True)
        bins.append({"start": start, "end": end, "count": n, "when": describe_span(start, end, unit)})
    return unit, bins


def timeline(store: Store, filters: Filters, timeout: float | None = None, limit: int = TIMELINE_LIMIT,
             index: EventIndex | None = None) -> dict:
    """Given a store and filters (and the store's event index, built here when not given), return
    {items, groups, total, shown, not_drawn}: the latest `limit` dated events and the first `limit`
    statements with a start, an end when the source gave a span, and the date as a reader says it;
    how many match in all; the events not drawn, counted per day, month or year."""
    index = index or event_index.build(store, timeout)
    matching = _select(index, filters, dated_only=True)
    drawn = matching[:limit]
    items = []
    for p in reversed(drawn):
        event = index.events[p]
        items.append(_item(event, index.labels[p] or ns.shorten(event), _span_row(index, p), "events"))
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
    statement_patterns = f"""?claim skg:statementTime ?span .
  ?span skg:startDate ?start .
  ?claim skg:stance ?stance .
  OPTIONAL {{ ?span skg:endDate ?end }} OPTIONAL {{ ?span skg:startPrecision ?precision }}
  BIND(COALESCE(?end, ?start) AS ?startEnd)
  {" ".join(claim_filters)}
  {_date_filter("start", filters)}"""
    claims = _rows(store, f"""SELECT DISTINCT ?claim ?stance ?start ?startEnd ?precision WHERE {{
  {statement_patterns}
}} ORDER BY ?start ?claim LIMIT {limit + 1}""", timeout)
    statements = len({r["claim"] for r in claims})
    if len(claims) > limit:  # cut by the LIMIT: count them all
        statements = int(_rows(store, f"SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {{ {statement_patterns} }}",
                               timeout)[0]["n"])
    # Who speaks, for the chosen claims only (a second step: joined above, it ran over every claim).
    speakers: dict[str, str] = {}
    chosen = list(dict.fromkeys(r["claim"] for r in claims))[:limit]
    for start in range(0, len(chosen), 1000):
        values = " ".join(_term(c) for c in chosen[start:start + 1000])
        for r in _rows(store, f"""SELECT ?claim ?who WHERE {{
  VALUES ?claim {{ {values} }}
  ?claim skg:qualifiedClaimAttribution ?a . ?a prov:agent ?agent . OPTIONAL {{ ?a skg:onBehalfOf ?org }}
  BIND(COALESCE(?org, ?agent) AS ?whoIri) ?whoIri skos:prefLabel ?who . FILTER(LANGMATCHES(LANG(?who), "en"))
}}""", timeout):
            speakers.setdefault(r["claim"], r["who"])
    by_claim: dict[str, dict] = {}
    for r in claims:
        if r["claim"] in by_claim or len(by_claim) >= limit:
            continue
        stance = r["stance"].rsplit("/", 1)[-1].replace("-", " ")
        by_claim[r["claim"]] = _item(r["claim"], f"{speakers.get(r['claim'], 'A source')} {stance}", r,
                                     "statements")
    items.extend(by_claim.values())
    unit, hidden = not_drawn(Counter(map(index.starts.__getitem__, matching[limit:])))
    return {"items": items, "groups": [{"id": "events", "content": "Events"},
                                       {"id": "statements", "content": "Statements"}],
            "total": {"events": len(matching), "statements": statements},
            "shown": {"events": len(drawn), "statements": len(by_claim)},
            "not_drawn": hidden, "not_drawn_unit": unit,
            "truncated": len(matching) > limit or statements > limit, "limit": limit,
            "filters": filters.as_params()}


def _item(iri: str, label: str, r: dict[str, str], group: str) -> dict:
    start, end = r["start"][:10], r.get("startEnd", r["start"])[:10]
    item = {"id": iri, "content": label, "start": start, "group": group,
            "when": _when(start, end, r.get("precision", "")),
            "precision": r.get("precision", "").rsplit("/", 1)[-1]}
    if end != start:
        item["end"] = end
    return item


# ---------------------------------------------------------------------------------------------
# Map: events at the points of their geometry (their own, or their place's), and per point
# ---------------------------------------------------------------------------------------------
def map_points(store: Store, filters: Filters, timeout: float | None = None, limit: int = LIMIT,
               index: EventIndex | None = None) -> dict:
    """Given a store and filters (and the store's event index, built here when not given), return
    {points, places, types, total}: the latest `limit` located events (label, point, date, event
    type), and every point where matching events lie with their number by event type, so a map
    can count all of them however many match."""
    index = index or event_index.build(store, timeout)
    matching = _select(index, filters, dated_only=False)
    located = list(compress(matching, map(index.cells.__getitem__, matching)))  # cell 0: no point
    listed = located[:limit]
    points = []
    for p in listed:
        event, (lon, lat) = index.events[p], index.points[p] or (0.0, 0.0)
        start, end = index.starts[p][:10], index.ends[p][:10]
        points.append({"id": event, "label": index.labels[p] or ns.shorten(event), "lon": lon, "lat": lat,
                       "type": index.type_labels[p] or NO_TYPE, "when": _when(start, end, index.precisions[p])})
    by_point: dict[tuple[float, float], dict[str, int]] = defaultdict(dict)
    for cell, n in Counter(map(index.cells.__getitem__, located)).items():
        point, type_label = index.cell_keys[cell - 1]
        by_point[point][type_label or NO_TYPE] = n
    places = [{"lon": lon, "lat": lat, "count": sum(types.values()), "types": dict(types)}
              for (lon, lat), types in sorted(by_point.items(), key=lambda item: -sum(item[1].values()))]
    return {"points": points, "places": places, "types": sorted({t for types in by_point.values() for t in types}),
            "total": len(located), "truncated": len(located) > limit, "limit": limit,
            "filters": filters.as_params()}


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
