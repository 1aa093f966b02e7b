"""How an import, its rows and their events are described in RDF, and how stored rows are read back.

>>> import_graph("acled", "0123456789abcdef0123")
'https://w3id.org/sahelkg/graph/import/acled-0123456789abcdef'
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.importers.quads import (
    DATASET_PUBLISHERS,
    GEO,
    OA,
    RFC7111,
    ROLE,
    SKG,
    A,
    Encoded,
    QuadSink,
    dct,
    geo,
    iri,
    lit,
    lit_en,
    lit_int,
    oa,
    prov,
    rdf,
    rdfs,
    schema,
    skg,
    skos,
    wkt_point,
)
from sahelkg.store.encoded import literal


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
    rows = store.query(ns.sparql_prologue() + f"""
        SELECT ?record ?event ?g ?id ?version ?digest WHERE {{
          GRAPH ?g {{ ?event a skg:Event ; prov:wasDerivedFrom ?record .
                     ?record a skg:Document ; dcterms:identifier ?id ; dcterms:hasVersion ?version ;
                            skg:sha256 ?digest ; skg:publisher <{DATASET_PUBLISHERS[dataset]}> }} }}""").rows
    return {r[3].value: StoredRow(r[0].value, r[1].value, r[2].value, r[4].value, r[5].value) for r in rows}


def row_quads(store, row: StoredRow) -> list[ox.Quad]:
    """Given a stored row, return every quad it owns in its graph (record, event and their nodes)."""
    graph = ox.NamedNode(row.graph)
    owned: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(row.record), ox.NamedNode(row.event)]
    seen: set = set()
    out: list[ox.Quad] = []
    follow = {SKG + p for p in ("timeSpan", "qualifiedParticipation", "assertsCount", "qualifiedAccusation",
                                "anchor")} | {GEO + "hasGeometry"}  # not the attribution: every row of a dataset shares it
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
    ended = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
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


# Nodes every row of a dataset points at, encoded once.
_PUBLISHERS = {dataset: iri(publisher) for dataset, publisher in DATASET_PUBLISHERS.items()}
_ATTRIBUTIONS = {dataset: f"<{ns.ID}attribution/{dataset}-dataset>" for dataset in DATASET_PUBLISHERS}
_OUTCOME_FATALITIES, _UNIT_PERSONS = iri(ns.VOCAB + "outcome/fatalities"), iri(ns.VOCAB + "unit/persons")
_QUALIFIERS: Encoded[str] = Encoded(lambda qualifier: iri(f"{ns.VOCAB}count-qualifier/{qualifier}"))
_STANCE_ACCUSES, _STANCE_REPORTS = iri(ns.VOCAB + "stance/accuses"), iri(ns.VOCAB + "stance/reports")
_PERPETRATOR, _UNIDENTIFIED = iri(ROLE + "perpetrator"), iri(ns.VOCAB + "identification-certainty/unidentified")
_RFC7111 = iri(RFC7111)


def describe_record(sink: QuadSink, row: dict[str, str], *, record: str, label: str, dataset: str,
                    export: str, identifier: str, version: str, digest: str, source_column: str,
                    latitude: str | None, longitude: str | None, note_columns: tuple[str, ...]) -> None:
    """Write the record document of one dataset row: identity, version, hash, source, coordinates,
    and the columns we keep only as notes."""
    g, rows = sink.graph, sink.rows
    rows += ((record, A, skg.Document, g),
             (record, rdfs.label, lit_en(label), g),
             (record, skg.publisher, _PUBLISHERS[dataset], g),
             (record, skg.partOfDocument, export, g),
             (record, dct.identifier, literal(identifier), g),
             (record, dct.hasVersion, literal(version), g),
             (record, skg.sha256, f'"{digest}"', g))  # hexadecimal: nothing to escape
    if row.get(source_column):
        rows.append((record, dct.source, literal(row[source_column]), g))
    if latitude and longitude:
        rows += ((record, schema.latitude, sink.decimals[latitude], g),
                 (record, schema.longitude, sink.decimals[longitude], g))
    note = skos.note
    for column in note_columns:
        value = row.get(column)
        if value:
            rows.append((record, note, literal(f"{column}: {value}"), g))


def describe_event(sink: QuadSink, event: str, *, label: str, identifier: str, event_type: str,
                   place: str, precision: str, timespan: str, record: str,
                   description: str | None, key: str = "", latitude: str | None = None,
                   longitude: str | None = None) -> None:
    """Write the core of one row's event: type, place and precision, time span, the record it came
    from, and its own point (geometry/{key}) when given (rows whose place lacks their point)."""
    if latitude and longitude:
        add_geometry(sink, event, f"{ns.ID}geometry/{key}", latitude=latitude, longitude=longitude)
    g, iris = sink.graph, sink.iris
    sink.rows += ((event, A, skg.Event, g),
                  (event, rdfs.label, lit_en(label), g),
                  (event, dct.identifier, literal(identifier), g),
                  (event, skg.eventType, iris[event_type], g),
                  (event, skg.location, iris[place], g),
                  (event, skg.locationPrecision, iris[precision], g),
                  (event, skg.timeSpan, timespan, g),
                  (event, prov.wasDerivedFrom, record, g))
    if description:
        sink.rows.append((event, dct.description, lit_en(description), g))


def add_geometry(sink: QuadSink, node: str, geometry: str, *, latitude: str, longitude: str) -> None:
    """Write a GeoSPARQL point for a place or an event: node geo:hasGeometry geometry, its WKT."""
    geometry, g = iri(geometry), sink.graph
    sink.rows += ((node, geo.hasGeometry, geometry, g),
                  (geometry, A, geo.Geometry, g),
                  (geometry, geo.asWKT, wkt_point(longitude, latitude), g))


def add_participation(sink: QuadSink, event: str, participation: str, actor: str, role: str,
                      wording: str, category: str | None = None) -> None:
    """Write a dataset-coded actor's part in an event: a participant in a dataset role, never a perpetrator."""
    g, iris = sink.graph, sink.iris
    actor = iris[actor]
    sink.rows += ((event, skg.qualifiedParticipation, participation, g),
                  (event, skg.hadParticipant, actor, g),
                  (participation, A, skg.Participation, g),
                  (participation, skg.participant, actor, g),
                  (participation, skg.participantRole, iris[ROLE + role], g),
                  (participation, skg.originalWording, sink.texts_en[wording], g))
    if category:
        sink.rows.append((participation, dct.type, iris[category], g))


def add_fatality_count(sink: QuadSink, count: str, event: str, *, qualifier: str, minimum: int | None,
                       wording: str, maximum: int | None = None, best: int | None = None) -> None:
    """Write a dataset's fatality count of an event (outcome 'fatalities', in persons); qualifier
    'unknown' has no bounds."""
    g, rows = sink.graph, sink.rows
    rows += ((count, A, skg.Count, g),
             (count, skg.countOf, event, g),
             (count, skg.outcome, _OUTCOME_FATALITIES, g),
             (count, skg.unit, _UNIT_PERSONS, g),
             (count, skg.qualifier, _QUALIFIERS[qualifier], g))
    if minimum is not None:
        rows.append((count, skg.minimum, lit_int(minimum), g))
    if maximum is not None:
        rows.append((count, skg.maximum, lit_int(maximum), g))
    if best is not None:
        rows.append((count, skg.bestEstimate, lit_int(best), g))
    rows.append((count, skg.originalWording, sink.texts_en[wording], g))


@dataclass(frozen=True)
class CodedPerpetrator:
    """An actor a dataset's coding holds responsible: our actor, or only the dataset's words for it
    ('Unidentified Armed Group (Niger)'), which are never shown as an identified actor."""

    wording: str
    actor: str | None


def is_unidentified(name: str) -> bool:
    """Given a dataset's actor name, return True when it names no actor ('Unidentified Armed Group (Mali)').

    >>> is_unidentified("Unidentified Communal Militia (Burkina Faso)"), is_unidentified("JNIM")
    (True, False)
    """
    return name.strip().lower().startswith("unidentified ")


def dataset_claim(sink: QuadSink, *, dataset: str, row_id: str, event: str, record: str,
                  export: str, line: int, stated: _dt.date, counts: list[str],
                  key: str, perpetrators: tuple[CodedPerpetrator, ...] = (), rule: str = "") -> str:
    """Add the claim by which the dataset's publisher reports an event and its counts; return it.

    The one rule for dataset-coded responsibility: when the dataset's coding holds an actor
    responsible (ACLED 'Violence against civilians' actor 1, UCDP one-sided side A), the claim is
    the publisher's skg:Allegation accusing it as perpetrator (stance 'accuses', `rule` says why in
    a note); otherwise it is an skg:Claim that reports. The claim is anchored in the export file by
    an RFC 7111 row fragment (`row=N`).
    """
    claim, attribution = f"<{ns.ID}claim/{key}>", _ATTRIBUTIONS[dataset]
    anchor, selector = f"<{ns.ID}anchor/{key}>", f"<{ns.ID}anchor/{key}-row>"
    publisher = _PUBLISHERS[dataset]
    g, rows = sink.graph, sink.rows
    if perpetrators:
        rows += ((claim, A, skg.Allegation, g), (claim, skg.stance, _STANCE_ACCUSES, g))
        for n, perpetrator in enumerate(perpetrators, 1):
            accusation = f"<{ns.ID}accusation/{key}-perpetrator-{n}>"
            rows += ((claim, skg.qualifiedAccusation, accusation, g),
                     (accusation, A, skg.Accusation, g),
                     (accusation, skg.allegedRole, _PERPETRATOR, g))
            if perpetrator.actor is None:  # described only: no skg:accused shortcut
                rows += ((accusation, skg.accusedDescription, sink.texts_en[perpetrator.wording], g),
                         (accusation, skg.identificationCertainty, _UNIDENTIFIED, g))
            else:
                accused = sink.iris[perpetrator.actor]
                rows += ((claim, skg.accused, accused, g), (accusation, skg.accusedActor, accused, g))
        if rule:
            rows.append((claim, skos.note, sink.texts_en[rule], g))
    else:
        rows += ((claim, A, skg.Claim, g), (claim, skg.stance, _STANCE_REPORTS, g))
    rows += ((claim, skg.claimant, publisher, g),
             (claim, skg.qualifiedClaimAttribution, attribution, g),
             (claim, skg.about, event, g),
             (claim, skg.statedOn, sink.dates[stated], g),
             (claim, skg.reportedIn, record, g),
             (claim, skg.originallyStatedIn, export, g),
             (claim, skg.anchor, anchor, g))
    for count in counts:
        rows.append((claim, skg.assertsCount, count, g))
    if sink.first_time(attribution):  # every claim of the dataset shares it
        rows += ((attribution, A, skg.ClaimAttribution, g),
                 (attribution, prov.agent, publisher, g),
                 (attribution, prov.hadRole, iri(ROLE + "organisation-voice"), g),
                 (attribution, skg.attributionCertainty, iri(ns.VOCAB + "attribution-certainty/explicit"), g))
    rows += ((anchor, A, oa.SpecificResource, g),
             (anchor, oa.hasSource, export, g),
             (anchor, oa.hasSelector, selector, g),
             (selector, A, oa.FragmentSelector, g),
             (selector, dct.conformsTo, _RFC7111, g),
             (selector, rdf.value, f'"row={line}"', g))
    return claim
