"""Name search over actors, places, events and documents: an in-memory index of every name
(skos:prefLabel, rdfs:label, skos:altLabel, skg:nameInSource, …, in any language), accents and
case folded, answering word-prefix queries in milliseconds.

The index is built from one SPARQL query (`INDEX_QUERY`); the service keeps one per app and
rebuilds it when the store's write generation changes (sahelkg.web.refreshing).

>>> fold("Forces armées maliennes") == fold("FORCES ARMEES MALIENNES")
True
>>> index = SearchIndex.from_rows([("https://w3id.org/sahelkg/id/actor/fama", "actor", SKOS + "altLabel", "FAMa", "fr")])
>>> [hit.iri for hit in index.search("fam").hits]
['https://w3id.org/sahelkg/id/actor/fama']
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import Store
from sahelkg.web.refreshing import text_rows

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
# Kinds of things searched, in the order results of equal match quality are listed.
KINDS: dict[str, str] = {"actor": ns.SKG + "Actor", "place": ns.SKG + "Place", "event": ns.SKG + "Occurrence",
                         "document": ns.SKG + "Document"}
KIND_LABELS = {"actor": "Actor", "place": "Place", "event": "Event", "document": "Document"}
# Name properties, best first: the first one present (English preferred) is the display label.
NAME_PREDICATES = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name", SKOS + "altLabel", SCHEMA + "alternateName",
                   ns.SKG + "nameInSource", SKOS + "hiddenLabel")
DISPLAY_LANGUAGE = "en"

# One UNION branch per name property: twice as fast in Oxigraph as `VALUES ?p {…} ?thing ?p ?name`.
INDEX_QUERY = (
    "SELECT ?thing ?kind ?p ?name (LANG(?name) AS ?lang) WHERE {\n"
    "  VALUES (?root ?kind) { " + " ".join(f'(<{root}> "{kind}")' for kind, root in KINDS.items()) + " }\n"
    f"  ?class <{RDFS}subClassOf>* ?root .\n"
    "  ?thing a ?class .\n  "
    + "\n  UNION ".join(f"{{ ?thing <{p}> ?name BIND(<{p}> AS ?p) }}" for p in NAME_PREDICATES) + "\n"
    "  FILTER(isIRI(?thing) && isLiteral(?name))\n"
    "}")

Row = tuple[str, str, str, str, str]
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def _latin_table() -> dict[int, str]:
    """Latin letters with diacritics → without, for str.translate (the common case, in C)."""
    table = {}
    for code in range(0xC0, 0x250):
        plain = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        if plain != chr(code) and plain.isascii():
            table[code] = plain
    return table


_LATIN_PLAIN = _latin_table()  # thing IRI, kind, name predicate, name, language tag


def fold(text: str) -> str:
    """Given a name, return it without accents, case or punctuation, words separated by one space.

    >>> fold("Ségou  région, d'Ansongo")
    'segou region d ansongo'
    """
    if not text.isascii():
        text = text.translate(_LATIN_PLAIN)
        if not text.isascii():
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALPHANUMERIC.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class Hit:
    """One thing found: its IRI, kind, display label, and the name that matched when it differs."""

    iri: str
    kind: str
    label: str
    matched: str | None = None

    def to_dict(self, href: str) -> dict:
        return {"iri": self.iri, "href": href, "kind": self.kind, "kindLabel": KIND_LABELS[self.kind],
                "label": self.label, "matched": self.matched}


@dataclass(frozen=True)
class Found:
    """The best hits of a search, and how many things matched in all."""

    hits: list[Hit]
    total: int


@dataclass
class _Entry:
    iri: str
    kind: str
    names: list[tuple[int, str, str]] = field(default_factory=list)  # (rank, name, folded)
    label: str = ""


class SearchIndex:
    """Folded word → things whose names contain it, with word-prefix lookup by bisection."""

    def __init__(self, entries: list[_Entry]) -> None:
        order = {kind: position for position, kind in enumerate(KINDS)}
        for entry in entries:
            entry.label = min(entry.names)[1]
        # Entry ids follow kind order then label length: ascending ids are the tie-break order.
        entries.sort(key=lambda e: (order[e.kind], len(e.label), e.label))
        self._entries = entries
        self._labels = [e.label for e in entries]
        postings: dict[str, list[int]] = {}
        self._exact: dict[str, list[int]] = {}
        for number, entry in enumerate(entries):
            words: set[str] = set()
            for _, _, folded in entry.names:
                self._exact.setdefault(folded, []).append(number)
                words.update(folded.split())
            for word in words:
                listed = postings.get(word)
                if listed is None:
                    postings[word] = [number]
                else:
                    listed.append(number)  # ascending already: entries are visited in id order
        self._words = sorted(postings)
        self._postings = [array("I", postings[w]) for w in self._words]
        self.size = len(entries)

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> SearchIndex:
        """Given (thing, kind, predicate, name, language) rows, return the index over them."""
        order = {kind: position for position, kind in enumerate(KINDS)}
        ranks = {predicate: 2 * position for position, predicate in enumerate(NAME_PREDICATES)}
        entries: dict[str, _Entry] = {}
        for iri, kind, predicate, name, language in rows:
            if kind not in order:
                continue
            folded = fold(name)
            if not folded:
                continue
            entry = entries.get(iri)
            if entry is None:
                entry = entries[iri] = _Entry(iri, kind)
            elif order[kind] < order[entry.kind]:
                entry.kind = kind  # a thing of two kinds is listed under the first
            rank = ranks.get(predicate, 2 * len(NAME_PREDICATES)) + (language != DISPLAY_LANGUAGE)
            if all(n != name for _, n, _ in entry.names):
                entry.names.append((rank, name, folded))
        return cls(list(entries.values()))

    def _prefixed(self, word: str) -> list[array]:
        """Given a folded word, return the postings of every indexed word it starts."""
        start = bisect.bisect_left(self._words, word)
        end = bisect.bisect_left(self._words, word + "\U0010ffff", lo=start)
        return self._postings[start:end]

    def _matching(self, words: list[str]) -> Sequence[int]:
        """Given folded words, return the ids of things matching all of them, ascending."""
        postings = self._prefixed(words[0])
        if len(words) == 1 and len(postings) == 1:
            return postings[0]  # one indexed word: its postings are the answer, already sorted
        matched: set[int] = set().union(*postings)
        for word in words[1:]:
            if not matched:
                break
            matched &= set().union(*self._prefixed(word))
        return sorted(matched)

    def search(self, query: str, *, limit: int = 20, kinds: Iterable[str] | None = None) -> Found:
        """Given a query, return things every word of which starts a word of one of their names.

        Listed first: a name equal to the query, then a name starting with it, then the rest;
        within each, actors, places, events, documents, shorter labels first.
        """
        folded = fold(query)
        if not folded:
            return Found([], 0)
        words = sorted(set(folded.split()), key=len, reverse=True)  # longest word first: fewest matches
        ordered = self._matching(words)
        if kinds:
            wanted = set(kinds)
            ordered = [n for n in ordered if self._entries[n].kind in wanted]
        exact = set(self._exact.get(folded, ()))
        ranked = [n for n in ordered if n in exact] if exact else []
        # Checking every name costs time on broad queries; past this many, tie-break order alone decides.
        if len(ordered) <= 5000:
            starts = [n for n in ordered if n not in exact
                      and any(f.startswith(folded) for _, _, f in self._entries[n].names)]
            started = set(starts)
            ranked += starts + [n for n in ordered if n not in exact and n not in started]
        else:
            ranked += [n for n in ordered[:limit + len(ranked)] if n not in exact]
        return Found([self._hit(n, folded) for n in ranked[:limit]], len(ordered))

    def _hit(self, number: int, folded_query: str) -> Hit:
        entry = self._entries[number]
        label = self._labels[number]
        matched = None
        words = folded_query.split()
        if not all(any(w.startswith(q) for w in fold(label).split()) for q in words):
            matched = next((name for _, name, f in sorted(entry.names)
                            if all(any(w.startswith(q) for w in f.split()) for q in words)), None)
        return Hit(entry.iri, entry.kind, label, matched)


def index_rows(store: Store, timeout: float | None) -> list[Row]:
    """Given a store, return the rows of INDEX_QUERY that name something."""
    return [(r[0], r[1], r[2], r[3], r[4]) for r in text_rows(store, INDEX_QUERY, timeout)
            if len(r) == 5 and all(r[:4])]


def build(store: Store, timeout: float | None = None) -> SearchIndex:
    """Given a store, return a fresh index of every name in it."""
    return SearchIndex.from_rows(index_rows(store, timeout))


DETAILS_QUERY = """PREFIX skg: <https://w3id.org/sahelkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?typeLabel ?eventType ?placeName ?start ?end ?precision WHERE {
  VALUES ?thing { %s }
  OPTIONAL { ?thing a ?type . ?type rdfs:label ?typeLabel .
             FILTER(LANG(?typeLabel) = "en" && STRSTARTS(STR(?type), STR(skg:))) }
  OPTIONAL { ?thing (skg:eventType|skg:placeType)/skos:prefLabel ?eventType . FILTER(LANG(?eventType) = "en") }
  OPTIONAL { ?thing skg:country|skg:location|skg:withinPlace ?place .
             ?place skos:prefLabel ?placeName . FILTER(LANG(?placeName) = "en") }
  OPTIONAL { ?thing skg:timeSpan|skg:publicationTime ?span .
             OPTIONAL { ?span skg:startDate ?start } OPTIONAL { ?span skg:endDate ?end }
             OPTIONAL { ?span skg:startPrecision ?precision } }
}"""


def describe_hits(store: Store, iris: list[str], timeout: float | None = None) -> dict[str, str]:
    """Given a store and the IRIs of hits, return a one-line description of each (type, place, date)
    for the search page: "State armed force · Mali", "Attack · Ségou region · 2 January 2025"."""
    from sahelkg.web.dates import describe_span

    if not iris:
        return {}
    values = " ".join(str(ox.NamedNode(iri)) for iri in iris)  # NamedNode refuses what is not an IRI
    parts: dict[str, dict[str, list[str]]] = {iri: {"type": [], "place": [], "date": []} for iri in iris}
    for row in store.query(DETAILS_QUERY % values, timeout=timeout).rows:
        thing, type_label, event_type, place, start, end, precision = (
            None if t is None or isinstance(t, ox.Triple) else t.value for t in row)
        if thing not in parts:
            continue
        found = parts[thing]
        kind = event_type or type_label
        if kind and kind not in found["type"]:
            found["type"].append(kind)
        if place and place not in found["place"]:
            found["place"].append(place)
        date = describe_span(start, end, precision)
        if date and date not in found["date"]:
            found["date"].append(date)
    lines = {iri: " · ".join(", ".join(values) for values in (found["type"][:1], found["place"][:3], found["date"][:1])
                             if values)
             for iri, found in parts.items()}
    return {iri: line[:1].upper() + line[1:] for iri, line in lines.items()}
