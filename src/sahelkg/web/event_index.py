"""Every event's dates, point, type, places and actors, held in memory for the timeline and the map.

On 100k imported events, the views' SPARQL spent up to 1 s a page sorting the events' time spans
and joining the actor filter. This index is read from the store with a few whole-store queries
(the service keeps one per app and rebuilds it when the store's write generation moves on, see
web/refreshing.py); a view's filter is then set arithmetic over positions in an array sorted by
date, and every page can say how many events match, not only how many it draws.

What a filter means is the same as the views' SPARQL said before (one home now: `EventIndex.select`):
an actor is a participant of the event, involved in it, or claimant, accused, involved or candidate
accused of a claim about it; a country holds the event's place (skg:withinPlace*); an event type
is the event's or a broader one (skos:broader*); dates compare the span's start and end as text.

>>> index = EventIndex.from_rows(
...     occurrences=["e:1", "e:2", "e:3"],
...     spans=[("e:1", "2024-01-05", "", ""), ("e:2", "2024-02-01", "2024-02-29", "p:month")], labels=[],
...     geometries=[("e:1", "POINT(1 2)"), ("pl:a", "POINT(3 4)")], locations=[("e:2", "pl:a"), ("e:3", "pl:a")],
...     within=[("pl:a", "pl:country")], types=[("e:1", "t:attack")], broader=[("t:attack", "t:violence")],
...     type_labels=[("t:attack", "Attack")], actors=[("e:1", "a:x"), ("e:2", "a:x"), ("e:1", "a:y")])
>>> index.events  # latest first, undated last
['e:2', 'e:1', 'e:3']
>>> [index.events[p] for p in index.select(actor="a:x", start="2024-01-31")]
['e:2']
>>> [index.events[p] for p in index.select(event_type="t:violence")], index.points[2]
(['e:1'], (3.0, 4.0))
"""

from __future__ import annotations

import bisect
import re
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import Store
from sahelkg.web.refreshing import text_rows

_PROLOGUE = ns.sparql_prologue(["skg", "skos", "rdfs"]) + "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+(?:[eE]-?\d+)?)\s+(-?[\d.]+(?:[eE]-?\d+)?)\s*\)", re.IGNORECASE)

QUERIES = {
    "occurrences": "SELECT DISTINCT ?event WHERE { ?class rdfs:subClassOf* skg:Occurrence . ?event a ?class }",
    "labels": 'SELECT ?event ?label WHERE { ?event rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }',
    "spans": """SELECT ?event ?start ?end ?precision WHERE {
  ?event skg:timeSpan ?span . ?span skg:startDate ?start .
  OPTIONAL { ?span skg:endDate ?end } OPTIONAL { ?span skg:startPrecision ?precision } }""",
    "geometries": "SELECT ?thing ?wkt WHERE { ?thing geo:hasGeometry ?geometry . ?geometry geo:asWKT ?wkt }",
    "locations": "SELECT ?event ?place WHERE { ?event skg:location ?place }",
    # Direct links only (the closure is taken here): some stores refuse a path with both ends unbound.
    "within": "SELECT DISTINCT ?place ?within WHERE { ?place skg:withinPlace ?within }",
    "types": "SELECT ?event ?type WHERE { ?event skg:eventType ?type }",
    "broader": "SELECT DISTINCT ?type ?broader WHERE { ?type skos:broader ?broader }",
    # An event's actors: its own, and those of the claims about it (as the views' actor filter says).
    "actors": """SELECT ?event ?actor WHERE {
  { ?event skg:hadParticipant|skg:involves ?actor }
  UNION { ?claim skg:about ?event . ?claim skg:accused|skg:involves|skg:claimant ?actor }
  UNION { ?claim skg:about ?event . ?claim skg:qualifiedAccusation/skg:candidateActor ?actor }
  FILTER(isIRI(?actor)) }""",
}


def wkt_point(text: str) -> tuple[float, float] | None:
    """Given a WKT literal, return (longitude, latitude) of its POINT, or None.

    >>> wkt_point("POINT(-5.99 14.25)"), wkt_point("POINT(200 0)")
    ((-5.99, 14.25), None)
    """
    match = _POINT.search(text)
    if not match:
        return None
    lon, lat = float(match[1]), float(match[2])
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def _positions(values: Iterable[int]) -> array:
    return array("i", sorted(set(values)))


@dataclass(frozen=True)
class EventIndex:
    """Events (instances of skg:Occurrence and below) by position: latest start first, undated last."""

    events: list[str]
    starts: list[str]  # "" when the event has no time span
    ends: list[str]  # the span's end, or its start when it gives none
    precisions: list[str]  # the start's precision IRI, "" when not given
    labels: list[str]  # its English rdfs:label, "" when it has none
    points: list[tuple[float, float] | None]  # its own point, else its place's
    type_labels: list[str]  # "" when the type is not given
    # The map counts events per point and type: one small number per event (0: no point) names its
    # (point, type label) in `cell_keys` (at cell - 1), so counting 100k events is counting integers.
    cells: array
    cell_keys: list[tuple[tuple[float, float], str]]
    by_actor: dict[str, array]
    by_place: dict[str, array]  # a place and every place it lies within
    by_type: dict[str, array]  # an event type and every broader one
    dated: int  # positions below this have a start

    @classmethod
    def from_rows(cls, *, occurrences: Iterable[str], spans: Iterable[Sequence[str]], labels: Iterable[Sequence[str]],
                  geometries: Iterable[Sequence[str]], locations: Iterable[Sequence[str]],
                  within: Iterable[Sequence[str]], types: Iterable[Sequence[str]], broader: Iterable[Sequence[str]],
                  type_labels: Iterable[Sequence[str]], actors: Iterable[Sequence[str]]) -> EventIndex:
        """Given the rows of QUERIES (IRIs and lexical forms as text), return the index."""
        known = set(occurrences)
        span: dict[str, tuple[str, str, str]] = {}
        for event, start, end, precision in spans:
            # Of several spans, the earliest start (and one answer for every run).
            if event in known and (event not in span or (start, end, precision) < span[event]):
                span[event] = (start, end or start, precision)
        order = sorted(span, key=lambda e: (span[e][0], e), reverse=True) + sorted(known - span.keys())
        position = {e: i for i, e in enumerate(order)}
        interned: dict[str, str] = {}

        def intern(text: str) -> str:
            return interned.setdefault(text, text)

        starts = [intern(span[e][0]) if e in span else "" for e in order]
        ends = [intern(span[e][1]) if e in span else "" for e in order]
        precisions = [intern(span[e][2]) if e in span else "" for e in order]
        label_of: dict[str, str] = {}
        for event, label in labels:
            if event in position and (event not in label_of or label < label_of[event]):
                label_of[event] = label
        event_labels = [label_of.get(e, "") for e in order]
        del label_of

        wkts: dict[str, tuple[float, float]] = {}
        for thing, wkt in geometries:
            point = wkt_point(wkt)
            if point is not None and (thing not in wkts or point < wkts[thing]):
                wkts[thing] = point
        places: dict[int, list[str]] = defaultdict(list)
        for event, place in locations:
            if event in position:
                places[position[event]].append(place)
        points: list[tuple[float, float] | None] = [wkts.get(e) for e in order]
        for i, held in places.items():
            if points[i] is None:
                points[i] = next((wkts[p] for p in (held if len(held) == 1 else sorted(held)) if p in wkts), None)

        ancestors = _closure(within)
        by_place: dict[str, list[int]] = defaultdict(list)
        for i, held in places.items():
            for place in held:
                for key in (place, *ancestors.get(place, ())):
                    by_place[key].append(i)

        broader_of = _closure(broader)
        kind_labels = {kind: intern(label) for kind, label in type_labels}
        type_label = [""] * len(order)
        by_type: dict[str, list[int]] = defaultdict(list)
        for event, kind in types:
            at = position.get(event)
            if at is None:
                continue
            i = at
            kind_label = kind_labels.get(kind, "")
            if kind_label and (not type_label[i] or kind_label < type_label[i]):  # of several, one for every run
                type_label[i] = kind_label
            for key in (kind, *broader_of.get(kind, ())):
                by_type[key].append(i)

        by_actor: dict[str, list[int]] = defaultdict(list)
        for event, actor in actors:
            if event in position:
                by_actor[actor].append(position[event])
        cell_of: dict[tuple[tuple[float, float], str], int] = {}
        cells = array("i", (0 if point is None else cell_of.setdefault((point, kind), len(cell_of) + 1)
                            for point, kind in zip(points, type_label, strict=True)))
        return cls(events=order, starts=starts, ends=ends, precisions=precisions, labels=event_labels, points=points,
                   type_labels=type_label, cells=cells, cell_keys=list(cell_of),
                   by_actor={k: _positions(v) for k, v in by_actor.items()},
                   by_place={k: _positions(v) for k, v in by_place.items()},
                   by_type={k: _positions(v) for k, v in by_type.items()}, dated=len(span))

    def select(self, *, actor: str = "", country: str = "", event_type: str = "", event: str = "",
               start: str = "", end: str = "", dated_only: bool = False) -> list[int]:
        """Given filters (IRIs; dates as YYYY-MM-DD, `start` compared with the span's end and `end`
        with its start), return the matching positions, latest first."""
        chosen: set[int] | None = None
        for postings in ([self.by_actor.get(actor, array("i"))] if actor else []) + \
                ([self.by_place.get(country, array("i"))] if country else []) + \
                ([self.by_type.get(event_type, array("i"))] if event_type else []):
            chosen = set(postings) if chosen is None else chosen.intersection(postings)
        if event:
            found = self._position(event)
            chosen = ({found} if found is not None else set()) if chosen is None else chosen & {found}
        limit = self.dated if dated_only or start or end else len(self.events)
        positions: Sequence[int] = range(limit)
        if chosen is not None:
            ordered = sorted(chosen)
            positions = ordered[:bisect.bisect_left(ordered, limit)]
        if start or end:
            starts, ends = self.starts, self.ends
            positions = [p for p in positions if (not start or ends[p] >= start) and (not end or starts[p] <= end)]
        return list(positions)

    def _position(self, event: str) -> int | None:
        try:
            return self.events.index(event)
        except ValueError:
            return None


def _closure(links: Iterable[Sequence[str]]) -> dict[str, set[str]]:
    """Given (narrower, wider) links, return everything each one lies within, however far up.

    >>> sorted(_closure([("a", "b"), ("b", "c"), ("c", "a")])["a"])
    ['a', 'b', 'c']
    """
    direct: dict[str, set[str]] = defaultdict(set)
    for narrow, wide in links:
        direct[narrow].add(wide)
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(direct.get(node, ()))
        closure[start] = seen
    return closure


def _rows(store: Store, query: str, timeout: float | None) -> list[list[str]]:
    return text_rows(store, _PROLOGUE + query, timeout)


def build(store: Store, timeout: float | None = None, seconds: dict[str, float] | None = None) -> EventIndex:
    """Given a store, return a fresh index of its events (and put each step's seconds in `seconds`)."""
    clock = seconds if seconds is not None else {}
    rows: dict[str, list[list[str]]] = {}
    for name, query in QUERIES.items():
        started = time.perf_counter()
        rows[name] = _rows(store, query, timeout)
        clock[name] = time.perf_counter() - started
    started = time.perf_counter()
    kinds = sorted({r[1] for r in rows["types"] if r[1].startswith("http")})
    kind_labels = [row for start in range(0, len(kinds), 500) for row in _rows(store, f"""SELECT ?type ?label WHERE {{
  VALUES ?type {{ {" ".join(str(ox.NamedNode(k)) for k in kinds[start:start + 500])} }}
  ?type skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}""", timeout)]
    index = EventIndex.from_rows(occurrences=(r[0] for r in rows["occurrences"]), spans=rows["spans"],
                                 labels=rows["labels"], geometries=rows["geometries"], locations=rows["locations"],
                                 within=rows["within"], types=rows["types"], broader=rows["broader"],
                                 type_labels=kind_labels, actors=rows["actors"])
    clock["type labels and in memory"] = time.perf_counter() - started
    return index
