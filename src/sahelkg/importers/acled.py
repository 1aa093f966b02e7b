"""ACLED event exports (CSV) → sahelkg events, each with its own provenance.

One row becomes:
  event:acled-{id}       skg:Event, its ACLED sub-event type (our SKOS scheme mirrors ACLED's),
                         place, location precision, time span, participations
  doc:acled-{id}         the row as a record document: ID, timestamp (dcterms:hasVersion),
                         SHA-256 of the row, part of the export file's document
  count:acled-{id}-fatalities
                         ACLED's fatality count: outcome vocab:outcome/fatalities, at least N
                         (ACLED codes conservatively); 0 means no fatality was reported, so it
                         is 'unknown' with no bounds, never 'at least 0'. ACLED has no column for
                         the injured, so no other count is made.
  claim:acled-{id}       ACLED's claim about the row, anchored at the row of the export (RFC 7111
                         fragment): for 'Violence against civilians', where ACLED codes actor 1 as
                         the perpetrator, an skg:Allegation by ACLED accusing actor 1 (stance
                         'accuses'; an 'Unidentified …' actor 1 is accused by description only);
                         otherwise a claim that reports (stance 'reports'). It asserts the count.
actor1/actor2 and the associated actors take part in the event in the roles
vocab:role/acled-actor-1 … /acled-associated-actor-2: outside 'Violence against civilians' ACLED's
order carries no direction, so no actor is made a perpetrator. The count is attributed to no side.
Actor names in data/dataset-actors.csv give the actor that table names. Coordinates become a created
place's GeoSPARQL point, and the event's own point where its place has none or another; `tags`
become one skg:datasetTag per tag on the event.

Accepted layouts: the current export's 31 columns; older exports without disorder_type,
civilian_targeting or tags, with legacy columns (data_id, event_id_no_cnty, iso3) and with
population columns (ignored). inter1/inter2 as codes (1–8) or text ('State forces');
event_date as YYYY-MM-DD or 'dd Month yyyy'.

Importing the test fixture (three rows) into the seed dataset, from the repository root:

>>> from sahelkg.dataset import loading
>>> from sahelkg.store import EmbeddedStore
>>> store = EmbeddedStore()
>>> store.load_quads(loading.dataset_quads(loading.seed_paths())) > 0
True
>>> report = AcledImporter().run(store, "tests/importers/data/acled.csv")
>>> report.rows, len(report.added), report.already_imported
(3, 3, False)
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache, partial

from sahelkg import namespaces as ns
from sahelkg.importers.common import Context, Importer
from sahelkg.importers.describe import (
    CodedPerpetrator,
    add_fatality_count,
    add_participation,
    dataset_claim,
    describe_event,
    describe_record,
    is_unidentified,
)
from sahelkg.importers.names import normalise, resolve_actor, resolve_places, slug
from sahelkg.importers.quads import SKG, A, dct, iri, lit_datetime, lit_en, prov, skg, skos
from sahelkg.importers.report import ImportReport, RowError
from sahelkg.importers.rows import month_end, parse_coordinate, parse_date, parse_int, split_names
from sahelkg.store.encoded import literal

COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
REQUIRED = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
            "actor2", "country", "location", "geo_precision", "fatalities", "timestamp")
LEGACY = ("data_id", "event_id_no_cnty", "iso3")
POPULATION = ("population_1km", "population_2km", "population_5km", "population_best")

TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
ACLED_RULE = "ACLED codes actor 1 of 'Violence against civilians' as the perpetrator."
# Columns kept only as notes on the record.
NOTE_COLUMNS = ("disorder_type", "interaction", "civilian_targeting", "source_scale", "admin2", "admin3")
# (actor column, participation role, the column of its ACLED actor category): ACLED's order.
SIDES = (("actor1", "acled-actor-1", "inter1"), ("assoc_actor_1", "acled-associated-actor-1", None),
         ("actor2", "acled-actor-2", "inter2"), ("assoc_actor_2", "acled-associated-actor-2", None))

# What every row of a kind writes the same way, encoded once.
DATE_PRECISIONS = {p: iri(f"{ns.VOCAB}date-precision/{p}") for p in TIME_PRECISION.values()}
DATE_RESOLUTIONS = {
    "week": lit_en("ACLED time_precision 2: the source gives the week; the span is the coded date ± 3 days."),
    "month": lit_en("ACLED time_precision 3: the source gives the month; the span is that month.")}
AT_LEAST_NOTE = lit_en("ACLED's fatality count: conservative, so stored as 'at least'; not attributed to any actor.")
UNKNOWN_NOTE = lit_en("ACLED codes 0 when no fatality is reported: the number is unknown, not 'at least 0'.")
_WEEK_HALF = _dt.timedelta(days=3)


class AcledImporter(Importer):
    """Imports an ACLED CSV export; see the module docstring for the mapping."""

    dataset = "acled"

    def check_header(self, header: list[str], report: ImportReport) -> None:
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise RowError(1, missing[0], "required ACLED column is missing from the header"
                           + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""))
        absent = [c for c in COLUMNS if c not in header and c not in REQUIRED]
        if absent:
            report.warnings.append("older ACLED layout: no column " + ", ".join(absent))
        unknown = [c for c in header if c not in COLUMNS + LEGACY + POPULATION]
        if unknown:
            report.warnings.append("columns not read: " + ", ".join(unknown))

    def key(self, line: int, row: dict[str, str]) -> str:
        value = row["event_id_cnty"]
        if not value:
            raise RowError(line, "event_id_cnty", "is empty; every ACLED row needs its event ID")
        return value

    def row_version(self, line: int, row: dict[str, str]) -> str:
        return str(parse_int(row["timestamp"], line, "timestamp"))

    def is_older(self, incoming: str, stored: str) -> bool:
        return int(incoming) < int(stored)

    def file_version(self, versions: list[str]) -> str:
        if not versions:
            return ""
        newest = max(int(v) for v in versions)
        return "timestamp " + _dt.datetime.fromtimestamp(newest, _dt.UTC).isoformat()

    def map_row(self, line: int, row: dict[str, str], digest: str, ctx: Context) -> None:
        ref, sink = ctx.ref, ctx.sink
        event_id = row["event_id_cnty"]
        key = f"acled-{slug(event_id)}"
        date = parse_date(row["event_date"], line, "event_date")
        precision = TIME_PRECISION.get(row["time_precision"].strip())
        if precision is None:
            raise RowError(line, "time_precision", f"{row['time_precision']!r} is not an ACLED time precision (1, 2 or 3)")
        event_type = ref.concept("event-type", "acled:" + row["event_type"])
        if event_type is None:
            raise RowError(line, "event_type", f"{row['event_type']!r} is not an ACLED event type")
        sub_type = ref.concept("event-type", "acled:" + row["sub_event_type"])
        if sub_type is None:
            raise RowError(line, "sub_event_type", f"{row['sub_event_type']!r} is not an ACLED sub-event type")
        geo = ref.concept("geo-precision", "acled:" + row["geo_precision"].strip())
        if geo is None:
            raise RowError(line, "geo_precision", f"{row['geo_precision']!r} is not an ACLED geo precision (1, 2 or 3)")
        fatalities = parse_int(row["fatalities"], line, "fatalities")
        timestamp = parse_int(row["timestamp"], line, "timestamp")
        latitude = parse_coordinate(row.get("latitude", ""), line, "latitude", 90)
        longitude = parse_coordinate(row.get("longitude", ""), line, "longitude", 180)
        inter = {}
        for column in ("inter1", "inter2"):
            cell = row.get(column, "").strip()
            if cell == "0":  # legacy exports code "no actor" as 0
                cell = ""
            inter[column] = ref.inter(cell) if cell else None
            if cell and inter[column] is None:
                raise RowError(line, column, f"{cell!r} is not an ACLED actor category (1–8 or its name)")
        if not row["actor1"]:
            raise RowError(line, "actor1", "is empty; every ACLED event has an actor 1")
        coded_responsibility = normalise(row["event_type"]) == "violence against civilians"

        event, record = f"<{ns.ID}event/{key}>", f"<{ns.ID}document/{key}>"
        timespan, count = f"<{ns.ID}timespan/{key}>", f"<{ns.ID}count/{key}-fatalities>"
        if not row["country"].strip():
            raise RowError(line, "country", "is empty; every ACLED event has a country")
        place, _, _ = resolve_places(ctx, country=row["country"], admin1=row.get("admin1", ""),
                                     location=row["location"], dataset="acled", latitude=latitude,
                                     longitude=longitude, admin2=row.get("admin2", ""))

        # The record: the row itself, with its identity, version and hash.
        g, rows = sink.graph, sink.rows
        stamped = _dt.datetime.fromtimestamp(timestamp, _dt.UTC)
        describe_record(sink, row, record=record, label=f"ACLED record {event_id}", dataset="acled",
                        export=ctx.export, identifier=event_id, version=str(timestamp), digest=digest,
                        source_column="source", latitude=latitude, longitude=longitude,
                        note_columns=NOTE_COLUMNS)
        rows.append((record, dct.modified, lit_datetime(stamped), g))
        for tag in split_names(row.get("tags", "")):  # free text, not a closed vocabulary; on the event
            rows.append((event, skg.datasetTag, literal(tag), g))

        # The event.
        label = f"{row['sub_event_type']} in {row['location']}, {row['country']}, {_spelled(date)} (ACLED {event_id})"
        own_latitude, own_longitude = ref.own_point(place, latitude, longitude)
        describe_event(sink, event, label=label, identifier=event_id, event_type=sub_type, place=place,
                       precision=geo, timespan=timespan, record=record, description=row.get("notes"),
                       key=key, latitude=own_latitude, longitude=own_longitude)

        dates = sink.dates
        start = end = dates[date]
        if precision == "week":
            start, end = dates[date - _WEEK_HALF], dates[date + _WEEK_HALF]
        elif precision == "month":
            start, end = dates[date.replace(day=1)], dates[month_end(date)]
        dp = DATE_PRECISIONS[precision]
        rows += ((timespan, A, skg.TimeSpan, g),
                 (timespan, skg.startDate, start, g),
                 (timespan, skg.endDate, end, g),
                 (timespan, skg.startPrecision, dp, g),
                 (timespan, skg.endPrecision, dp, g),
                 (timespan, skg.originalWording, sink.texts_en[row["event_date"]], g))
        if precision in DATE_RESOLUTIONS:
            rows.append((timespan, skg.dateResolution, DATE_RESOLUTIONS[precision], g))

        # Participants: ACLED's coded actors, in roles that carry no responsibility.
        n = 0
        perpetrators: list[CodedPerpetrator] = []
        file_name = ctx.path.name
        for column, role, inter_column in SIDES:
            names = split_names(row.get(column, ""))
            if not names:
                continue
            category = inter[inter_column] if inter_column else None
            klass = ref.inter_classes.get(category, SKG + "Actor") if category else SKG + "Actor"
            category_code = row.get(inter_column) if inter_column and category else None
            for name in names:
                actor = resolve_actor(ctx, name, klass, "acled",
                                      partial(_new_actor_note, file_name, column, name, category_code))
                n += 1
                add_participation(sink, event, f"<{ns.ID}participation/{key}-{n}>", actor, role, name, category)
                if coded_responsibility and column == "actor1":
                    perpetrators.append(CodedPerpetrator(name, None if is_unidentified(name) else actor))

        # ACLED's fatality count, claimed by ACLED and attributed to no side. Its 0 means "none
        # reported", not a count of none.
        if fatalities:
            add_fatality_count(sink, count, event, qualifier="at-least", minimum=fatalities,
                               wording=f"fatalities: {fatalities}")
            rows.append((count, skos.note, AT_LEAST_NOTE, g))
        else:
            add_fatality_count(sink, count, event, qualifier="unknown", minimum=None, wording="fatalities: 0")
            rows.append((count, skos.note, UNKNOWN_NOTE, g))
        claim = dataset_claim(sink, dataset="acled", row_id=event_id, event=event, record=record,
                              export=ctx.export, line=line, stated=stamped.date(), counts=[count], key=key,
                              perpetrators=tuple(perpetrators), rule=ACLED_RULE)
        rows.append((event, prov.wasDerivedFrom, claim, g))


@lru_cache(maxsize=4096)  # a file's rows repeat a few thousand dates at most
def _spelled(day: _dt.date) -> str:
    """Given a date, return it as the event's label writes it: '2 January 2025'."""
    return f"{day.day} {day:%B %Y}"


def _new_actor_note(file_name: str, column: str, name: str, category_code: str | None) -> str:
    """Return the note on an actor the import creates because no known actor has the name."""
    return (f"Created by the ACLED import of {file_name} from the {column} name {name!r}"
            + (f" (ACLED category {category_code})" if category_code is not None else "")
            + "; review and merge with an existing actor if it is the same.")


def import_acled(store, path, **options) -> ImportReport:
    """Given a store and an ACLED CSV file, import it all or nothing; return the report."""
    return AcledImporter().run(store, path, **options)
