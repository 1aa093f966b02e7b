"""UCDP Georeferenced Event Dataset (GED) CSV → sahelkg events, each with its own provenance.

One row becomes:
  event:ucdp-{relid}    skg:Event typed with its UCDP type of violence (vocab:ucdp-violence),
                        place, where_prec → vocab:geo-precision, date_start/date_end with
                        date_prec → vocab:date-precision, side A and side B as participants
  doc:ucdp-{relid}      the row as a record: id, relid, dataset version, SHA-256 of the row
  count:ucdp-{relid}-deaths
                        low/best/high → minimum/bestEstimate/maximum (qualifier 'range'),
                        with deaths_a, deaths_b, deaths_civilians, deaths_unknown as exact parts:
                        deaths_a/deaths_b are combatants whose side (skg:victimSide) is side A/B
                        (skg:victimGroup when the side is a population group), deaths_civilians
                        civilians, deaths_unknown victims of unknown status
  claim:ucdp-{relid}    UCDP's claim about the row, asserting the counts: for one-sided violence
                        (type 3), where UCDP's coding holds side A responsible, an skg:Allegation
                        by UCDP accusing side A as perpetrator (stance 'accuses'); state-based
                        and non-state rows hold nobody responsible (stance 'reports').
code_status and event_clarity become skg:datasetFlag concepts (vocab/dataset-flag) on the event;
side names in data/dataset-actors.csv give the actor that table names; coordinates become a
created place's GeoSPARQL point, and the event's own point where its place has none or another.

Rows are identified across GED versions by `relid`; a row whose values changed replaces the
stored one. Older GED files name the estimates best_est/low_est/high_est.
"""

from __future__ import annotations

import re
from functools import partial

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
from sahelkg.importers.names import resolve_actor, resolve_places, slug
from sahelkg.importers.quads import SKG, A, iri, lit, lit_en, prov, skg, skos
from sahelkg.importers.report import ImportReport, RowError
from sahelkg.importers.rows import parse_coordinate, parse_date, parse_int

COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original",
    "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude",
    "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best",
    "high", "low", "gwnoa", "gwnob",
)
LEGACY_NAMES = {"best_est": "best", "low_est": "low", "high_est": "high"}
REQUIRED = ("id", "relid", "type_of_violence", "side_a", "side_b", "where_prec", "country",
            "date_prec", "date_start", "date_end", "best", "low", "high")
UCDP_EVENT_TYPES = {"1": "ucdp-state-based", "2": "ucdp-non-state", "3": "ucdp-one-sided"}
_PLACE_SUFFIX = re.compile(r"\s+(town|village|city|commune|department|province|district|cercle|area)$", re.I)


class UcdpImporter(Importer):
    """Imports a UCDP GED CSV file; see the module docstring for the mapping."""

    dataset = "ucdp"

    def __init__(self, version: str | None = None):
        self.version = version

    def check_header(self, header: list[str], report: ImportReport) -> None:
        names = {LEGACY_NAMES.get(h, h) for h in header}
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise RowError(1, missing[0], "required UCDP GED column is missing from the header"
                           + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""))
        if any(h in LEGACY_NAMES for h in header):
            report.warnings.append("older GED layout: best_est/low_est/high_est read as best/low/high")
        absent = [c for c in COLUMNS if c not in names and c not in REQUIRED]
        if absent:
            report.warnings.append("columns absent: " + ", ".join(absent))

    def key(self, line: int, row: dict[str, str]) -> str:
        if not row.get("relid"):
            raise RowError(line, "relid", "is empty; every GED row needs its relid")
        return row["relid"]

    def row_version(self, line: int, row: dict[str, str]) -> str:
        return self.version or ""

    def file_version(self, versions: list[str]) -> str:
        return self.version or "unversioned"

    def map_row(self, line: int, row: dict[str, str], digest: str, ctx: Context) -> None:
        for legacy, name in LEGACY_NAMES.items():
            if legacy in row and name not in row:
                row[name] = row[legacy]
        ref, sink = ctx.ref, ctx.sink
        relid = row["relid"]
        key = f"ucdp-{slug(relid)}"
        violence = row["type_of_violence"].strip()
        if violence not in ("1", "2", "3"):
            raise RowError(line, "type_of_violence", f"{violence!r} is not a UCDP type of violence (1, 2 or 3)")
        where = ref.concept("geo-precision", "ucdp:" + row["where_prec"].strip())
        if where is None:
            raise RowError(line, "where_prec", f"{row['where_prec']!r} is not a UCDP where_prec (1–7)")
        when = ref.concept("date-precision", "ucdp:" + row["date_prec"].strip())
        if when is None:
            raise RowError(line, "date_prec", f"{row['date_prec']!r} is not a UCDP date_prec (1–5)")
        start = parse_date(row["date_start"].split(" ")[0] if ":" in row["date_start"] else row["date_start"],
                           line, "date_start")
        end = parse_date(row["date_end"].split(" ")[0] if ":" in row["date_end"] else row["date_end"],
                         line, "date_end")
        if end < start:
            raise RowError(line, "date_end", f"{end} is before date_start {start}")
        best = parse_int(row["best"], line, "best_est" if "best_est" in row else "best")
        low = parse_int(row["low"], line, "low_est" if "low_est" in row else "low")
        high = parse_int(row["high"], line, "high_est" if "high_est" in row else "high")
        if low > high:
            raise RowError(line, "low_est" if "low_est" in row else "low",
                           f"low {low} is above high {high}; the bounds are out of order")
        if not low <= best <= high:
            raise RowError(line, "best", f"low {low}, best {best}, high {high} are not in order")
        parts = {c: parse_int(row.get(c, ""), line, c, optional=True)
                 for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")}
        flags = _flags(line, row)
        latitude = parse_coordinate(row.get("latitude", ""), line, "latitude", 90)
        longitude = parse_coordinate(row.get("longitude", ""), line, "longitude", 180)
        for column in ("side_a", "side_b"):
            if not row[column]:
                raise RowError(line, column, "is empty; every GED event has two sides")

        event, record = f"<{ns.ID}event/{key}>", f"<{ns.ID}document/{key}>"
        timespan, total = f"<{ns.ID}timespan/{key}>", f"<{ns.ID}count/{key}-deaths>"
        where_prec = int(row["where_prec"])
        location = _PLACE_SUFFIX.sub("", row.get("where_coordinates", "").split(";")[0].strip())
        admin1 = row.get("adm_1", "").strip()
        if where_prec >= 4 and admin1:
            location = admin1
        if where_prec >= 6:
            location = row["country"]
        if not row["country"].strip():
            raise RowError(line, "country", "is empty; every GED event has a country")
        place, _, _ = resolve_places(ctx, country=_country_name(row["country"]), admin1=admin1,
                                     location=location, dataset="ucdp", latitude=latitude,
                                     longitude=longitude, admin2=row.get("adm_2", ""))

        describe_record(sink, row, record=record, label=f"UCDP GED record {relid} (id {row['id']})", dataset="ucdp",
                        export=ctx.export, identifier=relid, version=self.file_version([]), digest=digest,
                        source_column="source_article", latitude=latitude, longitude=longitude,
                        note_columns=("id", "conflict_name", "dyad_name", "number_of_sources", "source_headline",
                                      "source_original", "where_description", "adm_2", "priogrid_gid"))
        g, rows, iris = sink.graph, sink.rows, sink.iris
        for flag in flags:  # on the event, as the ontology's example has it
            rows.append((event, skg.datasetFlag, iris[flag], g))
        if flags and flags[0].endswith("-check"):  # which check the flag does not say
            rows.append((record, skos.note, lit(f"code_status: {row['code_status']}"), g))

        label = (f"{row.get('dyad_name') or row['side_a'] + ' – ' + row['side_b']} in {location or row['country']}, "
                 f"{start.isoformat()}{'' if end == start else ' to ' + end.isoformat()} (UCDP {relid})")
        own_latitude, own_longitude = ref.own_point(place, latitude, longitude)
        describe_event(sink, event, label=label, identifier=relid,
                       event_type=f"{ns.VOCAB}event-type/{UCDP_EVENT_TYPES[violence]}", place=place,
                       precision=where, timespan=timespan, record=record,
                       description=row.get("where_description"), key=key, latitude=own_latitude,
                       longitude=own_longitude)

        rows += ((timespan, A, skg.TimeSpan, g),
                 (timespan, skg.startDate, sink.dates[start], g),
                 (timespan, skg.endDate, sink.dates[end], g),
                 (timespan, skg.startPrecision, iris[when], g),
                 (timespan, skg.endPrecision, iris[when], g),
                 (timespan, skg.originalWording, lit_en(f"{row['date_start']} – {row['date_end']}"), g))

        sides = {}
        for n, (column, role) in enumerate((("side_a", "ucdp-side-a"), ("side_b", "ucdp-side-b")), 1):
            name = row[column].strip()
            klass = _side_class(name, violence, column)
            actor = resolve_actor(ctx, name, klass, "ucdp", partial(_new_actor_note, ctx.path.name, column, name))
            sides[column] = actor
            add_participation(sink, event, f"<{ns.ID}participation/{key}-{n}>", actor, role, name)

        counts = [total]
        add_fatality_count(sink, total, event, qualifier="range", minimum=low, maximum=high, best=best,
                           wording=f"low {low}, best {best}, high {high}")
        if any(v for v in parts.values()):
            sink.add(total, skg.partsMutuallyExclusive, lit(True))
        categories = {"deaths_a": ("combatants", sides["side_a"]), "deaths_b": ("combatants", sides["side_b"]),
                      "deaths_civilians": ("civilians", None), "deaths_unknown": ("unknown", None)}
        for column, value in parts.items():
            if not value:
                continue
            part = iri(f"{ns.ID}count/{key}-{column.replace('_', '-')}")
            category, side = categories[column]
            counts.append(part)
            add_fatality_count(sink, part, event, qualifier="exact", minimum=value, maximum=value,
                               wording=f"{column}: {value}")
            if side in ref.population_groups:  # 'Civilians' as a side: a group of victims, not a party
                sink.add(part, skg.victimCategory, iri(f"{ns.VOCAB}victim-category/civilians"))
                sink.add(part, skg.victimGroup, iri(side))
            else:
                sink.add(part, skg.victimCategory, iri(f"{ns.VOCAB}victim-category/{category}"))
                if side:
                    sink.add(part, skg.victimSide, iri(side))
            sink.add(part, skg.partOf, total)

        perpetrators: tuple[CodedPerpetrator, ...] = ()
        if violence == "3":
            side_a = row["side_a"].strip()
            perpetrators = (CodedPerpetrator(side_a, None if is_unidentified(side_a) else sides["side_a"]),)
        claim = dataset_claim(sink, dataset="ucdp", row_id=relid, event=event, record=record, export=ctx.export,
                              line=line, stated=end, counts=counts, key=key, perpetrators=perpetrators,
                              rule="UCDP codes one-sided violence as carried out by side A.")
        sink.add(event, prov.wasDerivedFrom, claim)


FLAG = ns.VOCAB + "dataset-flag/ucdp-"


def _flags(line: int, row: dict[str, str]) -> list[str]:
    """Given a row, return its dataset-flag concepts: code_status first, then event_clarity.

    UCDP's codebook: code_status 'Clear' when the coding is settled, 'Check …' when something is
    to be checked; event_clarity 1 when the event is clearly reported, 2 when it is an aggregate
    or poorly specified.
    """
    flags = []
    status = row.get("code_status", "").strip()
    if status.lower() == "clear":
        flags.append(FLAG + "code-status-clear")
    elif status.lower().startswith("check"):
        flags.append(FLAG + "code-status-check")
    elif status:
        raise RowError(line, "code_status", f"{status!r} is not a UCDP code status ('Clear' or 'Check …')")
    clarity = row.get("event_clarity", "").strip()
    if clarity in ("1", "2"):
        flags.append(FLAG + ("event-clarity-high" if clarity == "1" else "event-clarity-low"))
    elif clarity:
        raise RowError(line, "event_clarity", f"{clarity!r} is not a UCDP event clarity (1 high, 2 low)")
    return flags


def _new_actor_note(file_name: str, column: str, name: str) -> str:
    """Return the note on an actor the import creates because no known actor has the name."""
    return (f"Created by the UCDP import of {file_name} from the {column} name {name!r}; "
            "review and merge with an existing actor if it is the same.")


def _country_name(text: str) -> str:
    """GED writes 'Mali' or 'Mali (Mali)'; return the country name."""
    return re.sub(r"\s*\(.*\)$", "", text.strip())


def _side_class(name: str, violence: str, column: str) -> str:
    if name.lower().startswith("government of"):
        return SKG + "Government"
    if name.lower() == "civilians":
        return SKG + "PopulationGroup"
    return SKG + "NonStateArmedGroup"


def import_ucdp(store, path, *, version: str | None = None, **options) -> ImportReport:
    """Given a store and a UCDP GED CSV file, import it all or nothing; return the report."""
    return UcdpImporter(version).run(store, path, version=version, **options)
