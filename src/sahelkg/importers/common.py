"""What the ACLED and UCDP importers share: errors, the report, name matching and the write path.

An import reads a whole CSV file, maps every row to quads in one new import graph, works out
which stored rows it replaces, and applies the result as one `Change` (through the SHACL gate
when `sahelkg.gate.validation` is installed). A malformed row stops the import before anything is
written, with the line number and column at fault.

>>> normalise("Ségou  Région")
'segou region'
>>> slug("Military Forces of Mali (2021-)")
'military-forces-of-mali-2021'
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import gc
import hashlib
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sahelkg.store import encoded
from sahelkg import namespaces as ns
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads

# ---------------------------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------------------------
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
SKG = ns.SKG

# The mapping writes terms as N-Triples text (sahelkg.store.encoded): millions of pyoxigraph objects
# would cost more than the rest of the import. Code that queries the store uses ox terms.
iri = encoded.iri


class Namespace:
    """The encoded IRIs of one namespace by local name, each built once: `skg.about`."""

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self.__dict__[name] = encoded.iri(self._base + name)  # found directly next time
        return term


skg, prov, dct, skos, rdfs, rdf = (Namespace(SKG), Namespace(PROV), Namespace(DCT), Namespace(SKOS),
                                   Namespace(RDFS), Namespace(RDF))
oa, schema = Namespace(OA), Namespace(SCHEMA)
A = rdf.type


_XSD_INTEGER, _XSD_BOOLEAN = f"^^<{XSD}integer>", f"^^<{XSD}boolean>"
_XSD_DATE, _XSD_DATETIME = f"^^<{XSD}date>", f"^^<{XSD}dateTime>"


def lit(value, datatype: str | None = None, lang: str | None = None) -> str:
    """Given a Python value, return a typed literal, encoded (int → xsd:integer, date → xsd:date …)."""
    if lang:
        return encoded.literal(str(value), language=lang)
    if datatype:
        return encoded.literal(str(value), XSD + datatype)
    # Numbers, booleans and ISO dates need no escaping: written directly.
    if isinstance(value, bool):
        return ('"true"' if value else '"false"') + _XSD_BOOLEAN
    if isinstance(value, int):
        return f'"{value}"{_XSD_INTEGER}'
    if isinstance(value, _dt.datetime):
        return f'"{value.isoformat()}"{_XSD_DATETIME}'
    if isinstance(value, _dt.date):
        return f'"{value.isoformat()}"{_XSD_DATE}'
    return encoded.literal(str(value))


ROLE = ns.VOCAB + "role/"
DATASET_PUBLISHERS = {"acled": ns.ID + "actor/acled", "ucdp": ns.ID + "actor/ucdp"}
RFC7111 = "http://tools.ietf.org/rfc/rfc7111"


# ---------------------------------------------------------------------------------------------
# Errors and the report
# ---------------------------------------------------------------------------------------------
class RowError(Exception):
    """One cell could not be read: the line of the file, the column and what is wrong."""

    def __init__(self, line: int, column: str | None, message: str):
        self.line, self.column, self.message = line, column, message
        where = f"line {line}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


class ImportFailed(Exception):
    """The import wrote nothing; `errors` lists every row error found (first ones in the message)."""

    def __init__(self, path: Path | str, errors: list[RowError] | None = None, message: str | None = None):
        self.path, self.errors = str(path), errors or []
        lines = [f"{self.path}: {e}" for e in self.errors[:10]]
        if len(self.errors) > 10:
            lines.append(f"… and {len(self.errors) - 10} more")
        super().__init__(message or "\n".join(lines))


@dataclass
class ImportReport:
    """What an import did (or would do): rows added, revised, unchanged; actors and places created."""

    dataset: str
    path: str
    sha256: str
    graph: str
    rows: int = 0
    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    created_actors: list[tuple[str, str]] = field(default_factory=list)
    created_places: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    already_imported: bool = False
    quads_added: int = 0
    quads_removed: int = 0

    def summary(self) -> str:
        """Return the report as lines a person reads after `sahelkg import`."""
        if self.already_imported:
            return f"{self.path}: already imported into {self.graph} (same SHA-256); nothing changed."
        out = [f"{self.dataset.upper()} import of {self.path} ({self.rows} rows) into {self.graph}",
               f"  added {len(self.added)}, revised {len(self.revised)}, unchanged {len(self.unchanged)}"
               + (f", older than stored (kept stored) {len(self.stale)}" if self.stale else ""),
               f"  quads added {self.quads_added}, removed {self.quads_removed}"]
        if self.revised:
            out.append("  revised rows: " + ", ".join(self.revised[:50]) + (" …" if len(self.revised) > 50 else ""))
        if self.created_actors:
            out.append(f"  actors created ({len(self.created_actors)}), to review:")
            out += [f"    {iri_} {label!r}" for iri_, label in self.created_actors]
        if self.created_places:
            out.append(f"  places created ({len(self.created_places)}):")
            out += [f"    {iri_} {label!r}" for iri_, label in self.created_places]
        out += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Given a name, return it folded for matching: no accents, lower case, words only."""
    if text.isascii():  # nothing to decompose: most names, and every row ID
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text.replace("’", "'"))
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(_WORD.findall(text.replace("'", "")))


_WORD = re.compile(r"[a-z0-9]+")


def slug(text: str) -> str:
    """Given a name, return an IRI-safe slug."""
    return normalise(text).replace(" ", "-")[:80] or "unnamed"


def file_sha256(path: Path) -> str:
    """Given a file, return the SHA-256 of its bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_digest(row: dict[str, str]) -> str:
    """Given a CSV row, return the SHA-256 of its text as `column=value` lines in column-name order.

    This is the skg:sha256 of the row's record document: equal digests mean an unchanged row.
    """
    text = "\n".join(f"{k}={row[k]}" for k in sorted(row) if k is not None)
    return hashlib.sha256(text.encode()).hexdigest()


def read_rows(path: Path, progress: Callable[[str], None] | None = None,
              every: int = 10_000) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Given a CSV file, return its header and an iterator of (first line number, row).

    Line numbers count physical lines, so a quoted note spanning lines still points at the
    line where its row starts.
    """
    handle = open(path, newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        handle.close()
        raise ImportFailed(path, message=f"{path}: the file is empty (no header line)") from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with handle:
            start = reader.line_num + 1
            count = 0
            for values in reader:
                line = start
                start = reader.line_num + 1
                if not values or all(not v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise RowError(line, None, f"has {len(values)} fields, the header has {len(header)}"
                                   " (an unquoted comma or quote in a cell?)")
                count += 1
                if progress and count % every == 0:
                    progress(f"read {count:,} rows")
                yield line, {h: v.strip() for h, v in zip(header, values)}

    return header, rows()


MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], 1)}


def parse_date(text: str, line: int, column: str) -> _dt.date:
    """Given '2025-01-02' or '02 January 2025' (or '2 Jan 2025'), return the date."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return _dt.date.fromisoformat(value)
        match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})", value)
        if match:
            day, month, year = match.groups()
            number = MONTHS.get(month.lower()) or next(
                (n for name, n in MONTHS.items() if len(month) >= 3 and name.startswith(month.lower())), None)
            if number:
                return _dt.date(int(year), number, int(day))
    except ValueError as error:
        raise RowError(line, column, f"{value!r} is not a valid date ({error})") from None
    raise RowError(line, column, f"{value!r} is not a date; expected YYYY-MM-DD or 'dd Month yyyy'")


def parse_int(text: str, line: int, column: str, *, optional: bool = False) -> int | None:
    """Given a cell, return its non-negative integer (None when empty and optional)."""
    value = text.strip()
    if not value:
        if optional:
            return None
        raise RowError(line, column, "is empty; a whole number is required")
    try:
        number = float(value) if "." in value else int(value)
    except ValueError:
        raise RowError(line, column, f"{value!r} is not a whole number") from None
    if number != int(number) or number < 0:
        raise RowError(line, column, f"{value!r} is not a non-negative whole number")
    return int(number)


def parse_coordinate(text: str, line: int, column: str, bound: float) -> str | None:
    """Given a latitude or longitude cell, return it as a decimal string (None when empty)."""
    value = text.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowError(line, column, f"{value!r} is not a number") from None
    if not -bound <= number <= bound:
        raise RowError(line, column, f"{value} is outside -{bound}..{bound}")
    return value


def month_end(day: _dt.date) -> _dt.date:
    """Given a date, return the last day of its month."""
    following = day.replace(day=28) + _dt.timedelta(days=4)
    return following - _dt.timedelta(days=following.day)


# ---------------------------------------------------------------------------------------------
# What the store already knows: vocabularies, actors, places, imported rows
# ---------------------------------------------------------------------------------------------
def _select(store, text: str) -> list[tuple]:
    return store.query(ns.sparql_prologue() + text).rows


@dataclass
class Reference:
    """Indexes over the store used while mapping rows: concepts by notation, actors and places by name."""

    notations: dict[str, str]
    inter_labels: dict[str, str]
    inter_classes: dict[str, str]
    actor_names: dict[str, set[str]]
    place_names: dict[str, list[tuple[str, str | None]]]
    place_within: dict[str, set[str]]
    used_iris: set[str]
    # Names resolved without creating anything, kept until the next actor or place is created
    # (a new node can change what a name matches). Rows repeat the same names thousands of times.
    resolved: dict[tuple, object] = field(default_factory=dict)

    @classmethod
    def load(cls, store) -> "Reference":
        """Given a store holding the vocabularies and reference data, return the indexes."""
        notations: dict[str, str] = {}
        for concept, notation in _select(store, "SELECT ?c ?n WHERE { ?c skos:notation ?n ; skos:inScheme ?s }"):
            notations.setdefault(f"{concept.value.rsplit('/', 2)[-2]}|{notation.value}", concept.value)
        inter_labels, inter_classes = {}, {}
        for concept, notation, label, klass in _select(store, """
                SELECT ?c ?n ?l ?k WHERE { ?c skos:inScheme vocab:acled-inter ; skos:notation ?n ;
                  skos:prefLabel ?l . OPTIONAL { ?c skg:mapsToClass ?k } FILTER(LANG(?l) = "en") }"""):
            inter_labels[notation.value] = concept.value
            inter_labels[normalise(label.value).rstrip("s")] = concept.value
            if klass is not None:
                inter_classes[concept.value] = klass.value
        actor_names: dict[str, set[str]] = {}
        for actor, name in _select(store, """
                SELECT DISTINCT ?a ?n WHERE {
                  VALUES ?top { skg:Actor skg:PopulationGroup }
                  ?a a ?k . ?k rdfs:subClassOf* ?top .
                  ?a skos:prefLabel|skos:altLabel|skos:hiddenLabel|skg:nameInSource ?n }"""):
            actor_names.setdefault(normalise(name.value), set()).add(actor.value)
        place_names: dict[str, list[tuple[str, str | None]]] = {}
        for place, name, kind in _select(store, """
                SELECT DISTINCT ?p ?n ?t WHERE { ?p a skg:Place ;
                  skos:prefLabel|skos:altLabel|skos:hiddenLabel ?n . OPTIONAL { ?p skg:placeType ?t } }"""):
            entry = (place.value, kind.value if kind is not None else None)
            bucket = place_names.setdefault(normalise(name.value), [])
            if entry not in bucket:
                bucket.append(entry)
        place_within: dict[str, set[str]] = {}
        for place, outer in _select(store, "SELECT ?p ?o WHERE { ?p skg:withinPlace+ ?o }"):
            place_within.setdefault(place.value, set()).add(outer.value)
        used = {row[0].value for row in _select(store, "SELECT DISTINCT ?s WHERE { ?s a ?k }")
                if isinstance(row[0], ox.NamedNode)}
        return cls(notations, inter_labels, inter_classes, actor_names, place_names, place_within, used)

    def concept(self, scheme: str, notation: str) -> str | None:
        """Given a scheme name ('event-type', 'date-precision' …) and a notation, return the concept."""
        return self.notations.get(f"{scheme}|{notation}")

    def inter(self, value: str) -> str | None:
        """Given an ACLED inter cell, as a number or as text ('State forces'), return its concept."""
        value = value.strip()
        if not value:
            return None
        if value.isdigit():
            return self.inter_labels.get(str(int(value)))
        return self.inter_labels.get(normalise(value).rstrip("s"))

    def match_actor(self, *names: str) -> tuple[str | None, bool]:
        """Given candidate names, return (actor IRI, ambiguous): the first name matching exactly one actor."""
        ambiguous = False
        for name in names:
            found = self.actor_names.get(normalise(name), set())
            if len(found) == 1:
                return next(iter(found)), False
            ambiguous = ambiguous or len(found) > 1
        return None, ambiguous

    def match_place(self, name: str, *, types: tuple[str, ...] = (), within: str | None = None) -> str | None:
        """Given a place name, return the one gazetteer place of those types (inside `within`) it names."""
        keys = [normalise(name)]
        for suffix in (" region", " cercle"):
            keys.append(normalise(name) + suffix)
        for key in keys:
            found = []
            for place, kind in self.place_names.get(key, []):
                if types and kind not in types:
                    continue
                if within and place != within and within not in self.place_within.get(place, set()):
                    continue
                found.append(place)
            if len(set(found)) == 1:
                return found[0]
        return None

    def remember(self, key: tuple, resolve: Callable[[], object]):
        """Given a key and a function that matches names (creating nodes when none matches), return
        its result, from memory when the same key was resolved since the last node was created."""
        if key in self.resolved:
            return self.resolved[key]
        before = len(self.used_iris)
        result = resolve()
        if len(self.used_iris) == before:
            self.resolved[key] = result
        return result

    def add_actor(self, iri_: str, *names: str) -> None:
        """Record an actor created during this import so later rows match it."""
        self.resolved.clear()
        self.used_iris.add(iri_)
        for name in names:
            self.actor_names.setdefault(normalise(name), set()).add(iri_)

    def add_place(self, iri_: str, name: str, kind: str, within: set[str]) -> None:
        """Record a place created during this import so later rows match it."""
        self.resolved.clear()
        self.used_iris.add(iri_)
        self.place_names.setdefault(normalise(name), []).append((iri_, kind))
        self.place_within[iri_] = set(within)

    def fresh_iri(self, base: str, *fallbacks: str) -> str:
        """Given a preferred IRI and fallbacks, return the first not yet used by any typed node."""
        for candidate in (base, *fallbacks):
            if candidate not in self.used_iris:
                return candidate
        n = 2
        while f"{base}-{n}" in self.used_iris:
            n += 1
        return f"{base}-{n}"


@dataclass(frozen=True)
class StoredRow:
    """A row of an earlier import: its record node, graph, and what identifies its version."""

    record: str
    event: str
    graph: str
    version: str
    digest: str


def stored_rows(store, dataset: str) -> dict[str, StoredRow]:
    """Given a dataset name, return its rows already in the store, keyed by the dataset's row ID."""
    rows = _select(store, f"""
        SELECT ?record ?event ?g ?id ?version ?digest WHERE {{
          GRAPH ?g {{ ?event a skg:Event ; prov:wasDerivedFrom ?record .
                     ?record a skg:Document ; dcterms:identifier ?id ; dcterms:hasVersion ?version ;
                            skg:sha256 ?digest ; skg:publisher <{DATASET_PUBLISHERS[dataset]}> }} }}""")
    return {r[3].value: StoredRow(r[0].value, r[1].value, r[2].value, r[4].value, r[5].value) for r in rows}


def row_quads(store, row: StoredRow) -> list[ox.Quad]:
    """Given a stored row, return every quad it owns in its graph (record, event and their nodes)."""
    graph = ox.NamedNode(row.graph)
    owned = [ox.NamedNode(row.record), ox.NamedNode(row.event)]
    seen: set = set()
    out: list[ox.Quad] = []
    follow = {SKG + p for p in ("timeSpan", "qualifiedParticipation", "assertsCount", "qualifiedAccusation",
                                "anchor")}  # not the attribution: every row of a dataset shares it
    while owned:
        node = owned.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in store.quads(node, None, None, graph):
            out.append(quad)
            if quad.predicate.value in follow and isinstance(quad.object, (ox.NamedNode, ox.BlankNode)):
                owned.append(quad.object)
            if quad.predicate.value == OA + "hasSelector":
                owned.append(quad.object)
        # Claims and counts point at the event; they belong to the row too.
        for predicate in (SKG + "about", SKG + "countOf"):
            for quad in store.quads(None, ox.NamedNode(predicate), node, graph):
                owned.append(quad.subject)
    return out


# ---------------------------------------------------------------------------------------------
# Building quads
# ---------------------------------------------------------------------------------------------
class QuadSink:
    """Collects the quads of one graph as encoded terms (sahelkg.store.encoded): `add(subject, predicate, object)`."""

    def __init__(self, graph: str):
        self.graph = iri(graph)
        self.rows: list[tuple[str, str, str, str]] = []
        self._written: set[str] = set()
        rows, graph_term = self.rows, self.graph

        def add(subject: str, predicate: str, obj: str) -> None:
            rows.append((subject, predicate, obj, graph_term))

        self.add = add  # a closure, not a method: it runs millions of times per import

    def first_time(self, node: str) -> bool:
        """Given a node many rows share, return True the first time only (its quads are written once)."""
        if node in self._written:
            return False
        self._written.add(node)
        return True


def import_graph(dataset: str, sha256: str) -> str:
    """Given a dataset and file hash, return the import graph's IRI."""
    return f"{ns.GRAPH}import/{dataset}-{sha256[:16]}"


def export_document(dataset: str, sha256: str) -> str:
    """Given a dataset and file hash, return the IRI of the document standing for that export file."""
    return f"{ns.ID}document/{dataset}-export-{sha256[:16]}"


def describe_import(sink: QuadSink, *, dataset: str, path: Path, sha256: str, version: str,
                    rows: int, started: _dt.datetime) -> list[tuple[str, str, str, str]]:
    """Given an import, return the catalog quads (PROV, encoded) and add the export document to the import graph."""
    catalog = iri(ns.CATALOG_GRAPH)
    activity = iri(f"{ns.ID}activity/import-{dataset}-{sha256[:16]}")
    file_node = iri(f"{ns.ID}file/{sha256[:16]}")
    graph = sink.graph
    ended = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    out = []

    def add(s, p, o):
        out.append((s, p, o, catalog))

    add(activity, A, skg.LoadActivity)
    add(activity, rdfs.label, lit(f"{dataset.upper()} import of {path.name}", lang="en"))
    add(activity, prov.startedAtTime, lit(started))
    add(activity, prov.endedAtTime, lit(ended))
    add(activity, prov.used, file_node)
    add(file_node, A, skg.DataFile)
    add(file_node, skg.filePath, lit(str(path)))
    add(file_node, skg.sha256, lit(sha256))
    add(graph, A, skg.ImportGraph)
    add(graph, prov.wasGeneratedBy, activity)
    add(graph, prov.wasDerivedFrom, file_node)
    add(graph, skg.derivedFromDocument, iri(export_document(dataset, sha256)))
    add(graph, dct.hasVersion, lit(version))

    export = iri(export_document(dataset, sha256))
    publisher = iri(DATASET_PUBLISHERS[dataset])
    sink.add(export, A, skg.Document)
    sink.add(export, rdfs.label, lit(f"{dataset.upper()} export {path.name} (version {version}, {rows} rows)", lang="en"))
    sink.add(export, skg.publisher, publisher)
    sink.add(export, skg.sha256, lit(sha256))
    sink.add(export, skg.retrievedFrom, lit(path.name))
    sink.add(export, skg.retrievedOn, lit(started.date()))
    sink.add(export, dct.hasVersion, lit(version))
    sink.add(export, dct.format, lit("text/csv"))
    return out


def describe_record(sink: QuadSink, row: dict[str, str], *, record: str, label: str, dataset: str,
                    export: str, identifier: str, version: str, digest: str, source_column: str,
                    latitude: str | None, longitude: str | None, note_columns: tuple[str, ...]) -> None:
    """Write the record document of one dataset row: identity, version, hash, source, coordinates,
    and the columns we keep only as notes."""
    sink.add(record, A, skg.Document)
    sink.add(record, rdfs.label, lit(label, lang="en"))
    sink.add(record, skg.publisher, iri(ns.ID + f"actor/{dataset}"))
    sink.add(record, skg.partOfDocument, export)
    sink.add(record, dct.identifier, lit(identifier))
    sink.add(record, dct.hasVersion, lit(version))
    sink.add(record, skg.sha256, lit(digest))
    if row.get(source_column):
        sink.add(record, dct.source, lit(row[source_column]))
    if latitude and longitude:
        sink.add(record, schema.latitude, lit(latitude, "decimal"))
        sink.add(record, schema.longitude, lit(longitude, "decimal"))
    for column in note_columns:
        if row.get(column):
            sink.add(record, skos.note, lit(f"{column}: {row[column]}"))


def describe_event(sink: QuadSink, event: str, *, label: str, identifier: str, event_type: str,
                   place: str, precision: str, timespan: str, record: str,
                   description: str | None) -> None:
    """Write the core of one row's event: type, place and precision, time span, and the record it came from."""
    sink.add(event, A, skg.Event)
    sink.add(event, rdfs.label, lit(label, lang="en"))
    sink.add(event, dct.identifier, lit(identifier))
    sink.add(event, skg.eventType, iri(event_type))
    sink.add(event, skg.location, iri(place))
    sink.add(event, skg.locationPrecision, iri(precision))
    sink.add(event, skg.timeSpan, timespan)
    sink.add(event, prov.wasDerivedFrom, record)
    if description:
        sink.add(event, dct.description, lit(description, lang="en"))


def add_participation(sink: QuadSink, event: str, participation: str, actor: str, role: str,
                      wording: str, category: str | None = None) -> None:
    """Write a dataset-coded actor's part in an event: a participant in a dataset role, never a perpetrator."""
    sink.add(event, skg.qualifiedParticipation, participation)
    sink.add(event, skg.hadParticipant, iri(actor))
    sink.add(participation, A, skg.Participation)
    sink.add(participation, skg.participant, iri(actor))
    sink.add(participation, skg.participantRole, iri(ROLE + role))
    sink.add(participation, skg.originalWording, lit(wording, lang="en"))
    if category:
        sink.add(participation, dct.type, iri(category))


def add_fatality_count(sink: QuadSink, count: str, event: str, *, qualifier: str, minimum: int,
                       wording: str, maximum: int | None = None, best: int | None = None) -> None:
    """Write a dataset's fatality count of an event (outcome 'fatalities', in persons)."""
    sink.add(count, A, skg.Count)
    sink.add(count, skg.countOf, event)
    sink.add(count, skg.outcome, iri(ns.VOCAB + "outcome/fatalities"))
    sink.add(count, skg.unit, iri(ns.VOCAB + "unit/persons"))
    sink.add(count, skg.qualifier, iri(ns.VOCAB + f"count-qualifier/{qualifier}"))
    sink.add(count, skg.minimum, lit(minimum))
    if maximum is not None:
        sink.add(count, skg.maximum, lit(maximum))
    if best is not None:
        sink.add(count, skg.bestEstimate, lit(best))
    sink.add(count, skg.originalWording, lit(wording, lang="en"))


def dataset_claim(sink: QuadSink, *, dataset: str, row_id: str, event: str, record: str,
                  export: str, line: int, stated: _dt.date, counts: list[str],
                  key: str) -> str:
    """Add the claim by which the dataset's publisher reports an event and its counts; return it.

    The claim is anchored in the export file by an RFC 7111 row fragment (`row=N`).
    """
    claim = iri(f"{ns.ID}claim/{key}")
    attribution = iri(f"{ns.ID}attribution/{dataset}-dataset")
    anchor = iri(f"{ns.ID}anchor/{key}")
    selector = iri(f"{ns.ID}anchor/{key}-row")
    publisher = iri(DATASET_PUBLISHERS[dataset])
    sink.add(claim, A, skg.Claim)
    sink.add(claim, skg.stance, iri(ns.VOCAB + "stance/reports"))
    sink.add(claim, skg.claimant, publisher)
    sink.add(claim, skg.qualifiedClaimAttribution, attribution)
    sink.add(claim, skg.about, event)
    sink.add(claim, skg.statedOn, lit(stated))
    sink.add(claim, skg.reportedIn, record)
    sink.add(claim, skg.originallyStatedIn, export)
    sink.add(claim, skg.anchor, anchor)
    for count in counts:
        sink.add(claim, skg.assertsCount, count)
    if sink.first_time(attribution):  # every claim of the dataset shares it
        sink.add(attribution, A, skg.ClaimAttribution)
        sink.add(attribution, prov.agent, publisher)
        sink.add(attribution, prov.hadRole, iri(ROLE + "organisation-voice"))
        sink.add(attribution, skg.attributionCertainty, iri(ns.VOCAB + "attribution-certainty/explicit"))
    sink.add(anchor, A, oa.SpecificResource)
    sink.add(anchor, oa.hasSource, export)
    sink.add(anchor, oa.hasSelector, selector)
    sink.add(selector, A, oa.FragmentSelector)
    sink.add(selector, dct.conformsTo, iri(RFC7111))
    sink.add(selector, rdf.value, lit(f"row={line}"))
    return claim


def apply_import(store, change: Change, path: Path, progress: Callable[[str], None] | None = None,
                 write: bool = True) -> None:
    """Given an import's change, pass it through the SHACL gate and apply it (write False: only check)."""
    from sahelkg.gate.validation import check_change

    if progress:
        progress(f"checking {len(change.additions):,} quads against the SHACL shapes")
    report = check_change(store, change)
    if not report.conforms:
        lines = report.to_text().splitlines()
        if len(lines) > 60:  # the first results say what is wrong; thousands of lines would not
            lines = lines[:60] + [f"… ({len(lines) - 60} more lines of the validation report)"]
        text = "\n".join(lines)
        raise ImportFailed(path, message=f"{path}: the import would break the SHACL shapes; nothing was "
                                         f"written.\n{text}")
    if not write:
        return
    if progress:
        progress(f"conforms; writing {len(change.additions):,} quads (removing {len(change.removals):,})")
    store.apply(change)


def stderr_progress(message: str) -> None:
    """Print a progress line on standard error."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The import itself, shared by every dataset
# ---------------------------------------------------------------------------------------------
@dataclass
class Context:
    """What a row mapper needs: the store's indexes, the graph being written, the report."""

    ref: Reference
    sink: QuadSink
    report: ImportReport
    export: str
    path: Path


class Importer:
    """One external CSV format. Subclasses say how to check the header and map a row."""

    dataset = ""

    def check_header(self, header: list[str], report: ImportReport) -> None:
        """Given the header, raise RowError(1, …) when a required column is missing."""
        raise NotImplementedError

    def key(self, line: int, row: dict[str, str]) -> str:
        """Given a row, return its stable ID (kept across versions of the dataset)."""
        raise NotImplementedError

    def row_version(self, line: int, row: dict[str, str]) -> str:
        """Given a row, return its version (ACLED timestamp; UCDP dataset version or digest)."""
        raise NotImplementedError

    def is_older(self, incoming: str, stored: str) -> bool:
        """Given two row versions, return True when the incoming one predates the stored one."""
        return False

    def map_row(self, line: int, row: dict[str, str], digest: str, ctx: Context) -> None:
        """Given a row, add its quads to ctx.sink."""
        raise NotImplementedError

    def file_version(self, versions: list[str]) -> str:
        """Given every row's version, return the version that names the whole file."""
        return max(versions) if versions else ""

    def run(self, store, path: Path | str, *, version: str | None = None,
            progress: Callable[[str], None] | None = None, dry_run: bool = False) -> ImportReport:
        """Given a store and a CSV file, import it all or nothing and return the report."""
        report, change = self.plan(store, path, version=version, progress=progress)
        if change is not None:
            apply_import(store, change, Path(path), progress, write=not dry_run)
        return report

    def plan(self, store, path: Path | str, *, version: str | None = None,
             progress: Callable[[str], None] | None = None) -> tuple[ImportReport, Change | None]:
        """Given a store and a CSV file, return the report and the Change an import would apply
        (None when there is nothing to write); the store is not touched."""
        path = Path(path)
        started = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
        sha256 = file_sha256(path)
        graph = import_graph(self.dataset, sha256)
        report = ImportReport(self.dataset, str(path), sha256, graph)
        if any(g.value == graph for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
            report.already_imported = True
            return report, None
        ref = Reference.load(store)
        if not ref.notations:
            raise ImportFailed(path, message=f"{path}: the store holds no vocabularies (event types, precisions); "
                                             "load the seed data (data/, ontology/) first, or pass --seed")
        stored = stored_rows(store, self.dataset)
        header, rows = read_rows(path, progress)
        try:
            self.check_header(header, report)
        except RowError as error:
            raise ImportFailed(path, [error]) from None
        sink = QuadSink(graph)
        ctx = Context(ref, sink, report, iri(export_document(self.dataset, sha256)), path)
        removals: list[ox.Quad] = []
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        versions: list[str] = []
        collecting = gc.isenabled()
        gc.disable()  # millions of small objects that live until the end: collection cycles only cost time
        try:
            for line, row in rows:
                report.rows += 1
                try:
                    key = self.key(line, row)
                    if key in seen:
                        raise RowError(line, None, f"repeats the row ID {key!r} of line {seen[key]}")
                    seen[key] = line
                    row_version = self.row_version(line, row)
                    versions.append(row_version)
                    digest = row_digest(row)
                    before = stored.get(key)
                    if before is not None and before.digest == digest:
                        report.unchanged.append(key)
                        continue
                    if before is not None and self.is_older(row_version, before.version):
                        report.stale.append(key)
                        continue
                    self.map_row(line, row, digest, ctx)
                    if before is None:
                        report.added.append(key)
                    else:
                        report.revised.append(key)
                        removals.extend(row_quads(store, before))
                except RowError as error:
                    errors.append(error)
                    if len(errors) >= 100:
                        break
        except RowError as error:  # raised by the CSV reader itself (wrong field count)
            errors.append(error)
        finally:
            if collecting:
                gc.enable()
        if errors:
            raise ImportFailed(path, errors)
        if progress:
            progress(f"mapped {report.rows:,} rows: {len(report.added):,} new, {len(report.revised):,} revised, "
                     f"{len(report.unchanged):,} unchanged")
        if not report.added and not report.revised:
            return report, None
        catalog = describe_import(sink, dataset=self.dataset, path=path, sha256=sha256,
                                  version=version or self.file_version(versions), rows=report.rows,
                                  started=started)
        # Every IRI here is a namespace plus a slug or hash, or a term read from the store.
        change = Change(additions=EncodedQuads(sink.rows + catalog, terms_checked=True), removals=tuple(removals))
        report.quads_added, report.quads_removed = len(change.additions), len(change.removals)
        return report, change


def split_names(cell: str) -> list[str]:
    """Given a cell listing several actors separated by ';', return the names."""
    return [name.strip() for name in cell.split(";") if name.strip()]


def add_created_actor(ctx: Context, name: str, klass: str, dataset: str, *, note: str,
                      country: str | None = None) -> str:
    """Create an actor the store does not know, list it in the report, and return its IRI."""
    base = f"{ns.ID}actor/{slug(name)}"
    actor = ctx.ref.fresh_iri(base, f"{ns.ID}actor/{dataset}-{slug(name)}")
    node = iri(actor)
    ctx.sink.add(node, A, iri(klass))
    ctx.sink.add(node, skos.prefLabel, lit(name, lang="en"))
    ctx.sink.add(node, skg.nameInSource, lit(name, lang="en"))
    ctx.sink.add(node, skos.note, lit(note, lang="en"))
    if klass == SKG + "PopulationGroup":
        ctx.sink.add(node, skg.populationCategory, iri(ns.VOCAB + "victim-category/civilians"))
        ctx.sink.add(node, rdfs.label, lit(name, lang="en"))
    elif country:
        ctx.sink.add(node, skg.country, iri(country))
    ctx.ref.add_actor(actor, name)
    ctx.report.created_actors.append((actor, name))
    return actor


_PERIOD = re.compile(r"\s*\((\d{4})-(\d{4})?\)\s*$")
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")


def actor_candidates(name: str, ref: Reference) -> tuple[list[str], str | None]:
    """Given a dataset's actor name, return the names to try and the country its parenthesis names.

    'Military Forces of Mali (2021-)' also tries 'Military Forces of Mali'; 'Civilians (Mali)'
    tries 'Civilians' and gives Mali; 'JNIM: Group for Support of Islam and Muslims' tries 'JNIM'.
    A parenthesis that is neither a period nor a country ('Islamic State (Greater Sahara)') stays.
    """
    names = [name]
    country = None
    stripped = _PERIOD.sub("", name)
    match = _PAREN.search(stripped)
    if match:
        country = ref.match_place(match.group(1), types=(ns.VOCAB + "place-type/country",))
        if country:
            stripped = _PAREN.sub("", stripped)
    if country is None:
        named = re.search(r"\bof ([A-Z][\w' -]+)$", stripped)  # 'Military Forces of Burkina Faso'
        if named:
            country = ref.match_place(named.group(1), types=(ns.VOCAB + "place-type/country",))
    if stripped != name:
        names.append(stripped)
    if ":" in name:
        head, _, tail = name.partition(":")
        names += [head.strip(), tail.strip()]
    return names, country


def resolve_actor(ctx: Context, name: str, klass: str, dataset: str, note: Callable[[], str]) -> str:
    """Given a dataset's actor name, return the matching actor, creating it when none matches
    (with the note `note()` returns: built only then, most rows name known actors)."""
    return ctx.ref.remember(("actor", name), lambda: _resolve_actor(ctx, name, klass, dataset, note))


def _resolve_actor(ctx: Context, name: str, klass: str, dataset: str, note: Callable[[], str]) -> str:
    names, country = actor_candidates(name, ctx.ref)
    actor, ambiguous = ctx.ref.match_actor(*names)
    if actor:
        return actor
    if ambiguous:
        ctx.report.warnings.append(f"actor name {name!r} matches several actors; created a new one to review")
    return add_created_actor(ctx, name, klass, dataset, note=note(), country=country)


def resolve_places(ctx: Context, *, country: str, admin1: str, location: str, dataset: str,
                   latitude: str | None, longitude: str | None, admin2: str = "") -> tuple[str, str | None, str | None]:
    """Given a row's place names, return (place of the event, its region, its country), creating
    the ones the gazetteer lacks (country, then first-order region, then the named location)."""
    return ctx.ref.remember(("places", country, admin1, location), lambda: _resolve_places(
        ctx, country=country, admin1=admin1, location=location, dataset=dataset, latitude=latitude,
        longitude=longitude, admin2=admin2))


def _resolve_places(ctx: Context, *, country: str, admin1: str, location: str, dataset: str,
                    latitude: str | None, longitude: str | None, admin2: str) -> tuple[str, str | None, str | None]:
    ref = ctx.ref
    pt = ns.VOCAB + "place-type/"
    country_iri = None
    if country:
        country_iri = ref.match_place(country, types=(pt + "country",))
        if country_iri is None:
            country_iri = _create_place(ctx, country, pt + "country", set(), dataset)
    region_iri = None
    admin1 = re.sub(r"\s+(region|province|région)$", "", admin1.strip(), flags=re.I)
    if admin1:
        region_iri = ref.match_place(admin1, types=(pt + "region",), within=country_iri)
        if region_iri is None:
            region_iri = _create_place(ctx, admin1, pt + "region", {country_iri} - {None}, dataset,
                                       suffix="region")
    if not location:
        return region_iri or country_iri, region_iri, country_iri
    if region_iri and normalise(re.sub(r"\s+(region|province|région)$", "", location, flags=re.I)) == normalise(admin1):
        return region_iri, region_iri, country_iri
    if country_iri and normalise(location) == normalise(country):
        return country_iri, region_iri, country_iri
    place = ref.match_place(location, types=(pt + "town", pt + "district", pt + "camp", pt + "area"),
                            within=region_iri or country_iri)
    if place is None:
        place = _create_place(ctx, location, pt + "town", {region_iri, country_iri} - {None}, dataset,
                              latitude=latitude, longitude=longitude, admin2=admin2, region=admin1)
    return place, region_iri, country_iri


def _create_place(ctx: Context, name: str, kind: str, within: set[str], dataset: str, *, suffix: str = "",
                  latitude: str | None = None, longitude: str | None = None, admin2: str = "",
                  region: str = "") -> str:
    base = f"{ns.ID}place/{slug(name)}" + (f"-{suffix}" if suffix else "")
    fallbacks = [f"{ns.ID}place/{slug(name)}-{slug(region)}"] if region else []
    place = ctx.ref.fresh_iri(base, *fallbacks)
    node = iri(place)
    label = f"{name} region" if suffix == "region" else name
    ctx.sink.add(node, A, skg.Place)
    ctx.sink.add(node, skg.placeType, iri(kind))
    ctx.sink.add(node, skos.prefLabel, lit(label, lang="en"))
    if suffix:
        ctx.sink.add(node, skos.altLabel, lit(name, lang="en"))
    for outer in sorted(within):
        ctx.sink.add(node, skg.withinPlace, iri(outer))
    if latitude and longitude:
        ctx.sink.add(node, schema.latitude, lit(latitude, "decimal"))
        ctx.sink.add(node, schema.longitude, lit(longitude, "decimal"))
    if admin2:
        ctx.sink.add(node, skos.note, lit(f"Second-order division in {dataset.upper()}: {admin2}", lang="en"))
    ctx.sink.add(node, skos.note, lit(f"Created by the {dataset.upper()} import of {ctx.path.name}: "
                                          "no gazetteer entry matched this name.", lang="en"))
    ctx.ref.add_place(place, label, kind, within)
    if suffix:
        ctx.ref.add_place(place, name, kind, within)
    ctx.report.created_places.append((place, label))
    return place
