"""The crosswalk: our actors and places matched to Wikidata and GeoNames.

data/crosswalk.csv has one row per local IRI:

  local_iri, kind, label, wikidata_qid, geonames_id, status, verified_how, verified_on, note

`status` is `verified` (a person checked the match) or `candidate` (found by
`sahelkg link wikidata`, or not matched yet: then both IDs are empty). Loaded as RDF in the graph
https://w3id.org/sahelkg/graph/crosswalk: a verified match becomes owl:sameAs (skos:exactMatch for
SKOS concepts), a candidate skos:closeMatch; a row without an ID says nothing.

>>> row = CrosswalkRow(local_iri="https://w3id.org/sahelkg/id/place/mali", kind="place", label="Mali",
...                    wikidata_qid="Q1", status="candidate")
>>> [q.predicate.value.rsplit("#", 1)[1] for q in crosswalk_quads([row])]
['closeMatch']
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pyoxigraph as ox

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.resources import resource
from sahelkg.store.change import Change

CROSSWALK_PATH = resource("data", "crosswalk.csv")
CROSSWALK_GRAPH = ns.GRAPH + "crosswalk"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
SKOS = "http://www.w3.org/2004/02/skos/core#"
STATUSES = ("verified", "candidate")
_QID = re.compile(r"^Q[1-9][0-9]*$")


class CrosswalkError(ValueError):
    """A crosswalk row is malformed; the message names the line and the column."""


@dataclass
class CrosswalkRow:
    """One local IRI and what it is matched to."""

    local_iri: str
    kind: str
    label: str
    wikidata_qid: str = ""
    geonames_id: str = ""
    status: str = "candidate"
    verified_how: str = ""
    verified_on: str = ""
    note: str = ""


COLUMNS = tuple(f.name for f in fields(CrosswalkRow))


def read_crosswalk(path: Path | str = CROSSWALK_PATH) -> list[CrosswalkRow]:
    """Given a crosswalk CSV, return its rows; raise CrosswalkError with line and column when wrong."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CrosswalkError(f"{path}:1: missing column {missing[0]!r}")
        for number, record in enumerate(reader, 2):
            row = CrosswalkRow(**{c: (record.get(c) or "").strip() for c in COLUMNS})
            if row.status not in STATUSES:
                raise CrosswalkError(f"{path}:{number}: column 'status': {row.status!r} is not verified or candidate")
            if row.wikidata_qid and not _QID.match(row.wikidata_qid):
                raise CrosswalkError(f"{path}:{number}: column 'wikidata_qid': {row.wikidata_qid!r} is not a QID")
            if row.geonames_id and not row.geonames_id.isdigit():
                raise CrosswalkError(f"{path}:{number}: column 'geonames_id': {row.geonames_id!r} is not a number")
            if row.status == "verified" and not (row.wikidata_qid or row.geonames_id):
                raise CrosswalkError(f"{path}:{number}: column 'status': a verified row needs an ID")
            if row.status == "verified" and not (row.verified_how and row.verified_on):
                raise CrosswalkError(f"{path}:{number}: column 'verified_how': say how and when it was verified")
            rows.append(row)
    return rows


def write_crosswalk(rows: Iterable[CrosswalkRow], path: Path | str = CROSSWALK_PATH) -> None:
    """Given rows, write the crosswalk CSV (sorted by kind, then IRI)."""
    ordered = sorted(rows, key=lambda r: (r.kind, r.local_iri))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in ordered:
            writer.writerow(asdict(row))


def crosswalk_quads(rows: Iterable[CrosswalkRow]) -> list[ox.Quad]:
    """Given rows, return their links in the crosswalk graph (verified: sameAs/exactMatch; candidate: closeMatch)."""
    graph = ox.NamedNode(CROSSWALK_GRAPH)
    out = []
    for row in rows:
        subject = ox.NamedNode(row.local_iri)
        if row.status == "verified":
            predicate = SKOS + "exactMatch" if row.kind == "concept" else OWL_SAME_AS
        else:
            predicate = SKOS + "closeMatch"
        targets = []
        if row.wikidata_qid:
            targets.append(WIKIDATA_ENTITY + row.wikidata_qid)
        if row.geonames_id:
            targets.append(f"{GEONAMES}{row.geonames_id}/")
        for target in targets:
            out.append(ox.Quad(subject, ox.NamedNode(predicate), ox.NamedNode(target), graph))
    return out


def load_crosswalk(store, path: Path | str = CROSSWALK_PATH) -> Change:
    """Given a store, replace its crosswalk graph with the CSV's links; return the change applied."""
    graph = ox.NamedNode(CROSSWALK_GRAPH)
    old = set(store.quads(None, None, None, graph))
    new = set(crosswalk_quads(read_crosswalk(path)))
    change = Change(additions=tuple(new - old), removals=tuple(old - new))
    try:
        gate.commit(store, change)
    except gate.ChangeRefused as refused:
        raise CrosswalkError(f"{path}: the crosswalk links break the SHACL shapes:\n{refused.report.to_text()}") from None
    return change
