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
    QuadSink,
    dct,
    geo,
    iri,
    lit,
    oa,
    prov,
    rdf,
    rdfs,
    schema,
    skg,
    skos,
    wkt_point,
)


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
                   description: str | None, key: str = "", latitude: str | None = None,
                   longitude: str | None = None) -> None:
    """Write the core of one row's event: type, place and precision, time span, the record it came
    from, and its own point (geometry/{key}) when given (rows whose place lacks their point)."""
    if latitude and longitude:
        add_geometry(sink, event, f"{ns.ID}geometry/{key}", latitude=latitude, longitude=longitude)
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


def add_geometry(sink: QuadSink, node: str, geometry: str, *, latitude: str, longitude: str) -> None:
    """Write a GeoSPARQL point for a place or an event: node geo:hasGeometry geometry, its WKT."""
    sink.add(node, geo.hasGeometry, iri(geometry))
    sink.add(iri(geometry), A, geo.Geometry)
    sink.add(iri(geometry), geo.asWKT, wkt_point(longitude, latitude))


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


def add_fatality_count(sink: QuadSink, count: str, event: str, *, qualifier: str, minimum: int | None,
                       wording: str, maximum: int | None = None, best: int | None = None) -> None:
    """Write a dataset's fatality count of an event (outcome 'fatalities', in persons); qualifier
    'unknown' has no bounds."""
    sink.add(count, A, skg.Count)
    sink.add(count, skg.countOf, event)
    sink.add(count, skg.outcome, iri(ns.VOCAB + "outcome/fatalities"))
    sink.add(count, skg.unit, iri(ns.VOCAB + "unit/persons"))
    sink.add(count, skg.qualifier, iri(ns.VOCAB + f"count-qualifier/{qualifier}"))
    if minimum is not None:
        sink.add(count, skg.minimum, lit(minimum))
    if maximum is not None:
        sink.add(count, skg.maximum, lit(maximum))
    if best is not None:
        sink.add(count, skg.bestEstimate, lit(best))
    sink.add(count, skg.originalWording, lit(wording, lang="en"))


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
    claim = iri(f"{ns.ID}claim/{key}")
    attribution = iri(f"{ns.ID}attribution/{dataset}-dataset")
    anchor = iri(f"{ns.ID}anchor/{key}")
    selector = iri(f"{ns.ID}anchor/{key}-row")
    publisher = iri(DATASET_PUBLISHERS[dataset])
    if perpetrators:
        sink.add(claim, A, skg.Allegation)
        sink.add(claim, skg.stance, iri(ns.VOCAB + "stance/accuses"))
        for n, perpetrator in enumerate(perpetrators, 1):
            accusation = iri(f"{ns.ID}accusation/{key}-perpetrator-{n}")
            sink.add(claim, skg.qualifiedAccusation, accusation)
            sink.add(accusation, A, skg.Accusation)
            sink.add(accusation, skg.allegedRole, iri(ROLE + "perpetrator"))
            if perpetrator.actor is None:  # described only: no skg:accused shortcut
                sink.add(accusation, skg.accusedDescription, lit(perpetrator.wording, lang="en"))
                sink.add(accusation, skg.identificationCertainty,
                         iri(ns.VOCAB + "identification-certainty/unidentified"))
            else:
                sink.add(claim, skg.accused, iri(perpetrator.actor))
                sink.add(accusation, skg.accusedActor, iri(perpetrator.actor))
        if rule:
            sink.add(claim, skos.note, lit(rule, lang="en"))
    else:
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
