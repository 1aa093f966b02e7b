"""Sheet → quads: everything mechanical derived from what a researcher writes.

IRIs follow docs/modelling.md (`id/{kind}/{source}-{local id}`), attributions, accusations,
involvements and anchors are minted per claim, time spans and count bounds are read from the
wording (sahelkg.authoring.wording), quotes are found in the text (sahelkg.authoring.anchors).
Every problem is collected with its sheet line; `build` raises SheetError listing all of them.
docs/authoring.md describes every key.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.authoring import anchors, wording
from sahelkg.authoring.names import Reference, Unresolved, fold
from sahelkg.authoring.sheet import Located, LocatedList, Problems, SheetError, as_list

P = ns.PREFIXES
RDF_TYPE = P["rdf"] + "type"
SKG, SKOS, PROV, OA, XSD = ns.SKG, P["skos"], P["prov"], P["oa"], P["xsd"]
RDFS_LABEL = P["rdfs"] + "label"
VOCAB = ns.VOCAB
EXTRA_PREFIXES = {"geo": "http://www.opengis.net/ont/geosparql#", "stance": VOCAB + "stance/",
                  "role": VOCAB + "role/", "q": VOCAB + "count-qualifier/", "outcome": VOCAB + "outcome/",
                  "unit": VOCAB + "unit/", "vc": VOCAB + "victim-category/", "dp": VOCAB + "date-precision/",
                  "gp": VOCAB + "geo-precision/", "pt": VOCAB + "place-type/", "ak": VOCAB + "affiliation-kind/",
                  "hk": VOCAB + "hostility-kind/", "ac": VOCAB + "attribution-certainty/",
                  "et": VOCAB + "event-type/", "viol": VOCAB + "violation/", "prop": VOCAB + "proportion/",
                  "abs": VOCAB + "absence/", "grounds": VOCAB + "rejection-grounds/",
                  "ic": VOCAB + "identification-certainty/"}
PREFIXES = {**P, **EXTRA_PREFIXES}

# Stances whose claims attribute harm are skg:Allegation; the others are plain skg:Claim (model §2).
CLAIM_STANCES = {"reports", "reports-absence"}
# The unit a count of an outcome is in, unless the sheet says otherwise.
OUTCOME_UNITS = {"dwellings-burned": "dwellings", "livestock-looted": "head-of-livestock"}
SYMMETRIC = {SKG + "inConflictWith", SKG + "alliedWith"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def slugify(text: str) -> str:
    """Return a slug for free text ('On Thursday, January 2' → 'on-thursday-january-2')."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:60] or "x"


def camel(kind: str) -> str:
    """Return a class local name from 'news-article' or 'NewsArticle'."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_ ]", kind)) if "-" in kind or " " in kind \
        else kind[:1].upper() + kind[1:]


@dataclass
class Built:
    """The result of building a sheet: the source graph's quads, reference additions, and facts
    the CLI reports (graph, document, text used)."""

    source: str
    quads: list[ox.Quad] = field(default_factory=list)
    text_path: Path | None = None

    @property
    def graph(self) -> str:
        return ns.SOURCE_GRAPH_PREFIX + self.source


class _Builder:
    def __init__(self, sheet: Located, reference: Reference, text_path: Path | None, sheet_dir: Path | None):
        self.sheet, self.ref, self.problems = sheet, reference, Problems()
        self.sheet_dir = sheet_dir
        self.given_text = text_path
        self.source = ""
        self.quads: list[ox.Quad] = []
        self.graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
        self.ref_graph = ox.NamedNode(ns.REFERENCE_GRAPH)
        self.local: dict[str, dict[str, str]] = {k: {} for k in ("doc", "time", "event", "claim", "count",
                                                                  "affiliation")}
        self.anchor_at: dict[tuple[str, int, int], str] = {}
        self.text: str | None = None
        self.text_path: Path | None = None
        self.ref_date = _dt.date.today()
        self.ref_precision = "day"
        self.language = "en"
        self.main_doc = ""
        self.publisher: str | None = None
        self.minted: set[str] = set()
        self.text_content: str | None = None

    # ---- terms ----
    def iri(self, kind: str, slug: str) -> str:
        return f"{ns.ID}{kind}/{slug}"

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str, graph: Any = None) -> None:
        obj = ox.NamedNode(o) if isinstance(o, str) else o
        self.quads.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, graph or self.graph))

    def text_lit(self, value: Any, lang: str | None = None) -> ox.Literal:
        return ox.Literal(str(value), language=lang or self.language)

    def typed(self, value: Any, datatype: str) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))

    def slug_of(self, key: str, entry: Any = None) -> str:
        if isinstance(entry, Located) and entry.get("slug"):
            return str(entry["slug"])
        return f"{self.source}-{key}"

    def curie(self, value: str) -> str | None:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in PREFIXES and " " not in value:
            return PREFIXES[prefix] + rest
        if value.startswith(("http://", "https://")):
            return value
        return None

    def concept(self, scheme: str, value: Any, line: int) -> str | None:
        try:
            return self.curie(str(value)) or self.ref.concept(scheme, str(value))
        except Unresolved as error:
            self.problems.add(line, str(error))
            return None

    def name(self, kind: str, value: Any, line: int) -> str | None:
        text = str(value)
        direct = self.curie(text)
        if direct:
            return direct
        try:
            return self.ref.resolve(kind, text)
        except Unresolved as error:
            self.problems.add(line, str(error))
            return None

    def thing(self, kinds: tuple[str, ...], value: Any, line: int, names: tuple[str, ...] = ()) -> str | None:
        """Resolve a reference to a sheet-local thing (by kind order), then a name, then a CURIE."""
        text = str(value)
        for kind in kinds:
            if text in self.local[kind]:
                return self.local[kind][text]
        direct = self.curie(text)
        if direct:
            return direct
        for kind in names:
            try:
                return self.ref.resolve(kind, text)
            except Unresolved:
                continue
        wanted = " or ".join([*(f"{k} id" for k in kinds), *(f"{k} name" for k in names)])
        self.problems.add(line, f"{text!r} is not a {wanted} of this sheet (nor a prefixed IRI such as event:x)")
        return None

    def labels(self, subject: str, entry: Located, key: str, predicate: str, graph: Any = None) -> None:
        for k, value in entry.items():
            if k == key or k.startswith(key + "@"):
                lang = k.partition("@")[2] or None
                for item in as_list(value):
                    self.add(subject, predicate, self.text_lit(item, lang), graph)

    def check_keys(self, entry: Any, allowed: set[str], what: str) -> bool:
        if not isinstance(entry, Located):
            self.problems.add(getattr(entry, "line", 0) or 1, f"{what} must be a mapping of keys")
            return False
        for key in entry:
            if key.partition("@")[0] not in allowed:
                self.problems.add(entry.line_of(key), f"unknown key {key!r} in {what}; known: {', '.join(sorted(allowed))}")
        return True

    # ---- sections ----
    def section(self, name: str) -> Located:
        """Return a mapping section of the sheet (empty when absent; a problem when not a mapping)."""
        value = self.sheet.get(name)
        if isinstance(value, Located):
            return value
        if value is not None:
            self.problems.add(self.sheet.line_of(name), f"{name}: must be a mapping of keys to entries")
        empty = Located()
        empty.line, empty.key_lines = self.sheet.line_of(name), {}
        return empty

    def run(self) -> Built:
        sheet = self.sheet
        self.check_keys(sheet, {"source", "document", "times", "documents", "events", "affiliations", "statements",
                                "new-actors", "new-places", "turtle"}, "the sheet")
        source = str(sheet.get("source") or "")
        if not SLUG.match(source):
            self.problems.add(sheet.line_of("source"), "source: must be a slug (lower-case letters, digits, '-'), "
                                                       "e.g. source: b017")
            raise SheetError(self.problems.found)
        self.source = source
        self.graph = ox.NamedNode(ns.SOURCE_GRAPH_PREFIX + source)
        self.main_doc = self.iri("document", source)
        self.local["doc"][source] = self.main_doc
        self.new_reference()
        self.register_ids()
        if "document" not in sheet:
            self.problems.add(1, "the sheet needs a document: section (kind, label, publisher, language, text)")
        else:
            self.document(sheet["document"])
        for key, entry in self.section("times").items():
            self.timespan(key, entry, sheet["times"].line_of(key))
        for key, entry in self.section("documents").items():
            self.other_document(key, entry)
        for key, entry in self.section("events").items():
            self.event(key, entry)
        for key, entry in self.section("affiliations").items():
            self.affiliation(key, entry)
        statements = sheet.get("statements") or LocatedList()
        if not isinstance(statements, LocatedList):
            self.problems.add(sheet.line_of("statements"), "statements: must be a list (- {by: …, claims: […]})")
            statements = LocatedList()
        for index, statement in enumerate(statements):
            self.statement(index + 1, statement)
        if sheet.get("turtle"):
            self.turtle(str(sheet["turtle"]), sheet.line_of("turtle"))
        self.problems.raise_if_any()
        return Built(source=source, quads=self.quads, text_path=self.text_path)

    def register_ids(self) -> None:
        """Register every local id first, so entries may refer to ones written later."""
        for section, kind, prefix in (("times", "time", "timespan"), ("documents", "doc", "document"),
                                      ("events", "event", "event"), ("affiliations", "affiliation", "affiliation")):
            for key, entry in self.section(section).items():
                self.local[kind][key] = self.iri(prefix, self.slug_of(key, entry))
        statements = self.sheet.get("statements")
        for s_index, statement in enumerate(statements if isinstance(statements, LocatedList) else []):
            if not isinstance(statement, Located):
                continue
            for c_index, claim in enumerate(statement.get("claims") or []):
                if isinstance(claim, Located):
                    key = str(claim.get("id") or f"s{s_index + 1}-{c_index + 1}")
                    if key in self.local["claim"]:
                        self.problems.add(claim.line_of("id"), f"claim id {key!r} is used twice")
                    self.local["claim"][key] = self.iri("claim", self.slug_of(key, claim))
                    for count in self._counts_in(claim.get("counts")):
                        if count.get("id"):
                            self.local["count"][str(count["id"])] = self.iri("count", self.slug_of(str(count["id"]), count))

    def _counts_in(self, counts: Any) -> list[Located]:
        out: list[Located] = []
        for count in as_list(counts):
            if isinstance(count, Located):
                out.append(count)
                out.extend(self._counts_in(count.get("parts")))
        return out

    def new_reference(self) -> None:
        for key, entry in self.section("new-actors").items():
            if not self.check_keys(entry, {"kind", "label", "alt", "names", "country", "note"}, f"new actor {key!r}"):
                continue
            iri = self.iri("actor", key)
            self.add(iri, RDF_TYPE, SKG + camel(str(entry.get("kind") or "Organisation")), self.ref_graph)
            self.labels(iri, entry, "label", SKOS + "prefLabel", self.ref_graph)
            for alt in as_list(entry.get("alt")):
                self.add(iri, SKOS + "altLabel", self.text_lit(alt), self.ref_graph)
            for name in as_list(entry.get("names")):
                self.add(iri, SKG + "nameInSource", self.text_lit(name), self.ref_graph)
            if entry.get("note"):
                self.add(iri, SKOS + "note", self.text_lit(entry["note"]), self.ref_graph)
            self.ref.add_name("actor", key, iri)
            for k in entry:
                if k.startswith("label") or k in ("alt", "names"):
                    for name in as_list(entry[k]):
                        self.ref.add_name("actor", str(name), iri)
        for key, entry in self.section("new-places").items():
            if not self.check_keys(entry, {"type", "label", "within", "note"}, f"new place {key!r}"):
                continue
            iri = self.iri("place", key)
            self.add(iri, RDF_TYPE, SKG + "Place", self.ref_graph)
            self.labels(iri, entry, "label", SKOS + "prefLabel", self.ref_graph)
            for k in entry:
                if k.startswith("label"):
                    for name in as_list(entry[k]):
                        self.ref.add_name("place", str(name), iri)
            self.ref.add_name("place", key, iri)
        # Countries and containing places may name places declared just above: second pass.
        for key, entry in self.section("new-actors").items():
            if isinstance(entry, Located) and entry.get("country"):
                place = self.name("place", entry["country"], entry.line_of("country"))
                if place:
                    self.add(self.iri("actor", key), SKG + "country", place, self.ref_graph)
        for key, entry in self.section("new-places").items():
            if not isinstance(entry, Located):
                continue
            iri = self.iri("place", key)
            if entry.get("type"):
                kind = self.concept("place-type", entry["type"], entry.line_of("type"))
                if kind:
                    self.add(iri, SKG + "placeType", kind, self.ref_graph)
            for within in as_list(entry.get("within")):
                place = self.name("place", within, entry.line_of("within"))
                if place:
                    self.add(iri, SKG + "withinPlace", place, self.ref_graph)
            if entry.get("note"):
                self.add(iri, SKOS + "note", self.text_lit(entry["note"]), self.ref_graph)

    def document(self, entry: Any) -> None:
        if not self.check_keys(entry, {"kind", "label", "publisher", "author", "language", "text", "retrieved-from",
                                       "retrieved-on", "published", "cites", "note", "headline"}, "document:"):
            return
        self.language = str(entry.get("language") or "en")
        doc = self.main_doc
        self.publisher = self.name("actor", entry["publisher"], entry.line_of("publisher")) \
            if entry.get("publisher") else None
        # The reference date is needed by every wording: read the publication span first.
        published = entry.get("published")
        if published is not None and str(published) in self.section("times"):
            times = self.sheet["times"]
            pre = times[str(published)]
            reading = self._explicit_or_read(pre, times.line_of(str(published)), first=True)
            if reading and (reading.end or reading.start):
                self.ref_date = reading.end or reading.start or self.ref_date
                self.ref_precision = reading.end_precision or "day"
        elif published is not None:
            try:
                reading = wording.read_date(str(published), _dt.date.today())
                self.ref_date = reading.end or self.ref_date
            except wording.WordingError as error:
                self.problems.add(entry.line_of("published"), str(error))
        self._document_common(doc, entry, "NewsArticle")
        if entry.get("language"):
            self.add(doc, SKG + "language", self.typed(entry["language"], "language"))
        self.attach_text(entry)
        if entry.get("retrieved-from"):
            self.add(doc, SKG + "retrievedFrom", ox.Literal(str(entry["retrieved-from"])))
        if entry.get("retrieved-on"):
            self.add(doc, SKG + "retrievedOn", self.typed(entry["retrieved-on"], "date"))

    def attach_text(self, entry: Located) -> None:
        given = str(entry.get("text") or "")
        line = entry.line_of("text")
        path: Path | None = None
        if self.text_content is not None:
            self.text = self.text_content
            digest = anchors.sha256_text(self.text)
            if re.fullmatch(r"[0-9a-f]{64}", given) and digest != given:
                self.problems.add(line, f"the text given has SHA-256 {digest}, not the sheet's {given}")
            self.add(self.main_doc, SKG + "sha256", ox.Literal(digest))
            return
        if self.given_text is not None:
            path = self.given_text
        elif given and not re.fullmatch(r"[0-9a-f]{64}", given):
            path = (self.sheet_dir or Path.cwd()) / given
            if not path.is_file():
                self.problems.add(line, f"text: {given} is not a file (give the text's SHA-256 or a path beside the sheet)")
                path = None
        elif given:
            path = anchors.find_text(given)
        if path is not None:
            self.text = anchors.read_text(path)
            self.text_path = path
            digest = anchors.sha256_text(self.text)
            if re.fullmatch(r"[0-9a-f]{64}", given) and digest != given:
                self.problems.add(line, f"the text given ({path}) has SHA-256 {digest}, not the sheet's {given}; "
                                        "give the right text, or correct text:")
            self.add(self.main_doc, SKG + "sha256", ox.Literal(digest))
        elif given:
            self.add(self.main_doc, SKG + "sha256", ox.Literal(given))

    def _document_common(self, doc: str, entry: Located, default_kind: str) -> None:
        self.add(doc, RDF_TYPE, SKG + camel(str(entry.get("kind") or default_kind))
                 if ":" not in str(entry.get("kind") or "") else self.curie(str(entry["kind"])) or SKG + default_kind)
        self.labels(doc, entry, "label", RDFS_LABEL)
        self.labels(doc, entry, "headline", P["schema"] + "headline")
        for key, predicate in (("publisher", "publisher"), ("author", "author")):
            for value in as_list(entry.get(key)):
                actor = self.name("actor", value, entry.line_of(key))
                if actor:
                    self.add(doc, SKG + predicate, actor)
        if entry.get("published") is not None:
            span = self.time_ref(entry["published"], entry.line_of("published"))
            if span:
                start, precision = self.span_start.get(span, (None, None))
                if start and precision != "unknown":
                    self.add(doc, SKG + "datePublished", self.typed(start, "date"))
                self.add(doc, SKG + "publicationTime", span)
        for cited in as_list(entry.get("cites")):
            target = self.thing(("doc",), cited, entry.line_of("cites"))
            if target:
                self.add(doc, P["schema"] + "citation", target)
        self.labels(doc, entry, "note", SKOS + "note")

    span_start: dict[str, tuple[str | None, str | None]]

    def other_document(self, key: str, entry: Any) -> None:
        if not self.check_keys(entry, {"kind", "label", "publisher", "author", "published", "cites", "note", "slug",
                                       "part-of", "caption", "credit", "credited-to", "depicts", "created",
                                       "headline"}, f"document {key!r}"):
            return
        doc = self.local["doc"][key]
        self._document_common(doc, entry, "Document")
        if entry.get("part-of"):
            parent = self.thing(("doc",), entry["part-of"], entry.line_of("part-of"))
            if parent:
                self.add(doc, SKG + "partOfDocument", parent)
        self.labels(doc, entry, "caption", SKG + "caption")
        if entry.get("credit"):
            self.add(doc, SKG + "creditLine", ox.Literal(str(entry["credit"])))
        for who in as_list(entry.get("credited-to")):
            actor = self.name("actor", who, entry.line_of("credited-to"))
            if actor:
                self.add(doc, SKG + "creditedTo", actor)
        for depicted in as_list(entry.get("depicts")):
            target = self.thing(("event",), depicted, entry.line_of("depicts"))
            if target:
                self.add(doc, SKG + "depicts", target)
        if entry.get("created") is not None:
            span = self.time_ref(entry["created"], entry.line_of("created"))
            if span:
                self.add(doc, SKG + "creationTime", span)

    # ---- time spans ----
    def _explicit_or_read(self, entry: Any, line: int, first: bool = False) -> wording.SpanReading | None:
        if isinstance(entry, Located):
            explicit = {k: entry.get(k) for k in ("start", "end")}
            precision = entry.get("precision")
            if explicit["start"] is not None or explicit["end"] is not None:
                try:
                    start = _dt.date.fromisoformat(str(explicit["start"])) if explicit["start"] is not None else None
                    end = _dt.date.fromisoformat(str(explicit["end"])) if explicit["end"] is not None else None
                except ValueError:
                    self.problems.add(line, "start:/end: are ISO dates (2025-01-02)")
                    return None
                return wording.SpanReading(start, str(entry.get("start-precision") or precision or "day")
                                           if start else None, end,
                                           str(entry.get("end-precision") or precision or "day") if end else None,
                                           None)
            text = entry.get("wording")
            if text is None:
                self.problems.add(line, "a time span needs wording: (as printed) or start:/end:")
                return None
        else:
            text = entry
        try:
            return wording.read_date(str(text), self.ref_date, self.ref_precision)
        except wording.WordingError as error:
            if not first:
                self.problems.add(line, str(error))
            return None

    def timespan(self, key: str, entry: Any, line: int, iri: str | None = None) -> str | None:
        if isinstance(entry, Located):
            self.check_keys(entry, {"wording", "start", "end", "precision", "start-precision", "end-precision",
                                    "resolution", "slug"}, f"time {key!r}")
        span = iri or self.local["time"][key]
        if span in self.minted:
            return span
        self.minted.add(span)
        reading = self._explicit_or_read(entry, line)
        if reading is None:
            return span
        self.add(span, RDF_TYPE, SKG + "TimeSpan")
        for bound, day, precision in (("start", reading.start, reading.start_precision),
                                      ("end", reading.end, reading.end_precision)):
            if day:
                self.add(span, f"{SKG}{bound}Date", self.typed(day.isoformat(), "date"))
                concept = self.concept("date-precision", precision, line)
                if concept:
                    self.add(span, f"{SKG}{bound}Precision", concept)
        self.span_start[span] = (reading.start.isoformat() if reading.start else None, reading.start_precision)
        text = entry.get("wording") if isinstance(entry, Located) else entry
        if text is not None:
            self.add(span, SKG + "originalWording", self.text_lit(text))
        resolution = entry.get("resolution") if isinstance(entry, Located) else None
        if resolution or reading.resolution:
            self.add(span, SKG + "dateResolution", self.text_lit(resolution or reading.resolution))
        return span

    def time_ref(self, value: Any, line: int) -> str | None:
        """A time value: a `times:` id, or wording (a span minted for it)."""
        text = str(value)
        if text in self.local["time"]:
            key = text
            return self.timespan(key, self.sheet["times"][key], self.sheet["times"].line_of(key))
        direct = self.curie(text)
        if direct:
            return direct
        span = self.iri("timespan", f"{self.source}-{slugify(text)}")
        return self.timespan(text, text, line, iri=span)

    # ---- events, affiliations ----
    def event(self, key: str, entry: Any) -> None:
        if not self.check_keys(entry, {"pattern", "type", "label", "place", "precision", "when", "sub-event-of",
                                       "route-from", "route-to", "participants", "derived-from", "note", "slug"},
                               f"event {key!r}"):
            return
        event = self.local["event"][key]
        self.add(event, RDF_TYPE, SKG + ("EventPattern" if entry.get("pattern") else "Event"))
        self.labels(event, entry, "label", RDFS_LABEL)
        if entry.get("type"):
            kind = self.concept("event-type", entry["type"], entry.line_of("type"))
            if kind:
                self.add(event, SKG + "eventType", kind)
        for place in as_list(entry.get("place")):
            iri = self.name("place", place, entry.line_of("place"))
            if iri:
                self.add(event, SKG + "location", iri)
        if entry.get("precision"):
            precision = self.concept("geo-precision", entry["precision"], entry.line_of("precision"))
            if precision:
                self.add(event, SKG + "locationPrecision", precision)
        if entry.get("when") is not None:
            span = self.time_ref(entry["when"], entry.line_of("when"))
            if span:
                self.add(event, SKG + "timeSpan", span)
        for parent in as_list(entry.get("sub-event-of")):
            target = self.thing(("event",), parent, entry.line_of("sub-event-of"))
            if target:
                self.add(event, SKG + "subEventOf", target)
        for key_, predicate in (("route-from", "routeOrigin"), ("route-to", "routeDestination")):
            if entry.get(key_):
                place = self.name("place", entry[key_], entry.line_of(key_))
                if place:
                    self.add(event, SKG + predicate, place)
        for index, part in enumerate(as_list(entry.get("participants"))):
            self.participant(event, part, entry["participants"].line_of(index) if isinstance(
                entry["participants"], LocatedList) else entry.line_of("participants"))
        for claim in as_list(entry.get("derived-from")):
            target = self.thing(("claim",), claim, entry.line_of("derived-from"))
            if target:
                self.add(event, PROV + "wasDerivedFrom", target)
        self.labels(event, entry, "note", SKOS + "note")

    def participant(self, event: str, part: Any, line: int) -> None:
        if not self.check_keys(part, {"who", "role", "id", "note"}, "a participant"):
            return
        who = self.name("actor", part.get("who"), part.line_of("who"))
        if not who:
            return
        slug = f"{self.source}-{part['id']}" if part.get("id") else \
            f"{event.rsplit('/', 1)[1]}-{who.rsplit('/', 1)[1]}"
        node = self.iri("participation", slug)
        self.add(node, RDF_TYPE, SKG + "Participation")
        self.add(node, SKG + "participant", who)
        if part.get("role"):
            role = self.concept("role", part["role"], part.line_of("role"))
            if role:
                self.add(node, SKG + "participantRole", role)
        self.labels(node, part, "note", SKOS + "note")
        self.add(event, SKG + "qualifiedParticipation", node)
        self.add(event, SKG + "hadParticipant", who)

    def affiliation(self, key: str, entry: Any) -> None:
        if not self.check_keys(entry, {"actor", "kind", "with", "from", "when", "note", "slug"},
                               f"affiliation {key!r}"):
            return
        node = self.local["affiliation"][key]
        actor = self.name("actor", entry.get("actor"), entry.line_of("actor"))
        other = self.name("actor", entry.get("with"), entry.line_of("with"))
        kind_text = str(entry.get("kind") or "")
        hostile = False
        try:
            kind = self.curie(kind_text) or self.ref.concept("affiliation-kind", kind_text)
        except Unresolved:
            try:
                kind, hostile = self.ref.concept("hostility-kind", kind_text), True
            except Unresolved as error:
                self.problems.add(entry.line_of("kind"), str(error))
                return
        hostile = hostile or kind.startswith(EXTRA_PREFIXES["hk"])
        self.add(node, RDF_TYPE, SKG + ("Hostility" if hostile else "Affiliation"))
        self.add(node, SKG + ("hostilityKind" if hostile else "affiliationKind"), kind)
        if other:
            self.add(node, SKG + "withActor", other)
        if actor:
            self.add(actor, SKG + ("qualifiedHostility" if hostile else "qualifiedAffiliation"), node)
            shortcut = self.ref.shortcuts.get(kind)
            if shortcut and other:
                self.add(actor, shortcut, other)
                if shortcut in SYMMETRIC:  # stored in both directions (skg:SymmetricRelationShape)
                    self.add(other, shortcut, actor)
        for claim in as_list(entry.get("from")):
            target = self.thing(("claim",), claim, entry.line_of("from"))
            if target:
                self.add(node, PROV + "wasDerivedFrom", target)
        if entry.get("when") is not None:
            span = self.time_ref(entry["when"], entry.line_of("when"))
            if span:
                self.add(node, SKG + "timeSpan", span)
        self.labels(node, entry, "note", SKOS + "note")

    # ---- statements and claims ----
    def statement(self, number: int, statement: Any) -> None:
        if not self.check_keys(statement, {"by", "for", "role", "certainty", "when", "in", "claims", "reported-in"},
                               f"statement {number}"):
            return
        line = statement.line
        by = self.name("actor", statement.get("by") or "", statement.line_of("by")) if statement.get("by") \
            else self.publisher
        if by is None and not statement.get("by"):
            self.problems.add(line, "the statement needs by: (who said it), or the document a publisher:")
            return
        behalf = self.name("actor", statement["for"], statement.line_of("for")) if statement.get("for") else None
        role_text = statement.get("role") or ("reporter" if by == self.publisher and not behalf
                                              else "spokesperson" if behalf else "organisation-voice")
        role = self.concept("role", role_text, statement.line_of("role"))
        certainty = self.concept("attribution-certainty", statement.get("certainty") or "explicit",
                                 statement.line_of("certainty"))
        span = self.time_ref(statement["when"], statement.line_of("when")) if statement.get("when") is not None \
            else None
        origin = self.thing(("doc",), statement["in"], statement.line_of("in")) if statement.get("in") else None
        reported = self.thing(("doc",), statement["reported-in"], statement.line_of("reported-in")) \
            if statement.get("reported-in") else self.main_doc
        claims = statement.get("claims")
        if not isinstance(claims, LocatedList) or not claims:
            self.problems.add(line, "the statement needs claims: (a list, at least one claim)")
            return
        for index, claim in enumerate(claims):
            self.claim(number, index + 1, claim, by, behalf, role, certainty, span, origin, reported)

    def claim(self, number: int, index: int, entry: Any, by: str | None, behalf: str | None, role: str | None,
              certainty: str | None, span: str | None, origin: str | None, reported: str | None) -> None:
        if not self.check_keys(entry, {"id", "slug", "stance", "type", "about", "accused", "involved", "counts",
                                       "quotes", "denies", "disputes", "violation", "note", "rejects", "grounds",
                                       "grounds-wording", "absence", "characterises-as", "characterisation-wording",
                                       "based-on"}, "a claim"):
            return
        key = str(entry.get("id") or f"s{number}-{index}")
        claim = self.local["claim"][key]
        slug = claim.rsplit("/", 1)[1]
        stance_text = str(entry.get("stance") or "")
        if not stance_text:
            self.problems.add(entry.line, "the claim needs stance: (accuses, denies, reports, …)")
        stance = self.concept("stance", stance_text, entry.line_of("stance")) if stance_text else None
        local_stance = stance.rsplit("/", 1)[1] if stance else ""
        kind = entry.get("type") or ("Claim" if local_stance in CLAIM_STANCES else "Allegation")
        self.add(claim, RDF_TYPE, SKG + camel(str(kind)))
        if stance:
            self.add(claim, SKG + "stance", stance)
        attribution = self.iri("attribution", slug)
        for who in (by, behalf):
            if who:
                self.add(claim, SKG + "claimant", who)
        self.add(claim, SKG + "qualifiedClaimAttribution", attribution)
        self.add(attribution, RDF_TYPE, SKG + "ClaimAttribution")
        if by:
            self.add(attribution, PROV + "agent", by)
        if behalf:
            self.add(attribution, SKG + "onBehalfOf", behalf)
        if role:
            self.add(attribution, PROV + "hadRole", role)
        if certainty:
            self.add(attribution, SKG + "attributionCertainty", certainty)
        # A rejection is about what it rejects unless the sheet says otherwise.
        about_values = as_list(entry.get("about") if entry.get("about") is not None else entry.get("rejects"))
        abouts = [self.thing(("event", "affiliation", "doc", "claim"), value, entry.line_of("about"),
                             names=("actor", "place")) for value in about_values]
        for target in abouts:
            if target:
                self.add(claim, SKG + "about", target)
        if span:
            start, _ = self.span_start.get(span, (None, None))
            if start:
                self.add(claim, SKG + "statedOn", self.typed(start, "date"))
            self.add(claim, SKG + "statementTime", span)
        if reported:
            self.add(claim, SKG + "reportedIn", reported)
        if origin:
            self.add(claim, SKG + "originallyStatedIn", origin)
        for index_, accused in enumerate(as_list(entry.get("accused"))):
            self.accused(claim, slug, accused, self._item_line(entry, "accused", index_))
        for index_, involved in enumerate(as_list(entry.get("involved"))):
            self.involved(claim, slug, involved, self._item_line(entry, "involved", index_))
        default_of = next((a for a in abouts if a and a.startswith(ns.ID + "event/")), None)
        for index_, count in enumerate(as_list(entry.get("counts"))):
            self.count(claim, f"{key}", count, self._item_line(entry, "counts", index_), default_of, None)
        for value in as_list(entry.get("denies")):
            actor = self.name("actor", value, entry.line_of("denies"))
            if actor:
                self.add(claim, SKG + "deniedActor", actor)
        for value in as_list(entry.get("disputes")):
            target = self.thing(("claim",), value, entry.line_of("disputes"))
            if target:
                self.add(claim, SKG + "disputes", target)
        for key_, predicate, scheme in (("violation", "allegedViolation", "violation"),
                                        ("grounds", "rejectionGrounds", "rejection-grounds"),
                                        ("absence", "absenceOf", "absence"),
                                        ("characterises-as", "characterisesAs", "event-type")):
            for value in as_list(entry.get(key_)):
                concept = self.concept(scheme, value, entry.line_of(key_))
                if concept:
                    self.add(claim, SKG + predicate, concept)
        for value in as_list(entry.get("rejects")):
            target = self.thing(("doc", "claim"), value, entry.line_of("rejects"))
            if target:
                self.add(claim, SKG + "rejects", target)
        for value in as_list(entry.get("based-on")):
            target = self.thing(("doc",), value, entry.line_of("based-on"), names=("actor",))
            if target:
                self.add(claim, SKG + "basedOn", target)
        self.labels(claim, entry, "grounds-wording", SKG + "groundsWording")
        self.labels(claim, entry, "characterisation-wording", SKG + "characterisationWording")
        self.labels(claim, entry, "note", SKOS + "note")
        for index_, quote in enumerate(as_list(entry.get("quotes"))):
            self.quote(claim, slug, index_ + 1, quote, self._item_line(entry, "quotes", index_), reported)

    def _item_line(self, entry: Located, key: str, index: int) -> int:
        value = entry.get(key)
        return value.line_of(index) if isinstance(value, LocatedList) else entry.line_of(key)

    def accused(self, claim: str, slug: str, value: Any, line: int) -> None:
        entry = value if isinstance(value, Located) else None
        if entry is not None and not self.check_keys(entry, {"who", "role", "id", "description", "candidate",
                                                             "certainty", "contributing-act"}, "an accused"):
            return
        who_text = entry.get("who") if entry is not None else value
        actor = self.name("actor", who_text, entry.line_of("who") if entry is not None else line) \
            if who_text else None
        if entry is not None and not who_text and not entry.get("description"):
            self.problems.add(line, "an accused needs who: (an actor) or description: (the source's words)")
            return
        tail = str(entry["id"]) if entry is not None and entry.get("id") else None
        node_slug = f"{self.source}-{tail}" if tail else \
            f"{slug}-{actor.rsplit('/', 1)[1] if actor else slugify(str(entry.get('description') if entry else ''))}"
        node = self.iri("accusation", node_slug)
        self.add(node, RDF_TYPE, SKG + "Accusation")
        if actor:
            self.add(node, SKG + "accusedActor", actor)
            self.add(claim, SKG + "accused", actor)
        role = self.concept("role", (entry.get("role") if entry is not None else None) or "perpetrator",
                            entry.line_of("role") if entry is not None else line)
        if role:
            self.add(node, SKG + "allegedRole", role)
        if entry is not None:
            self.labels(node, entry, "description", SKG + "accusedDescription")
            self.labels(node, entry, "contributing-act", SKG + "contributingAct")
            if entry.get("candidate"):
                candidate = self.name("actor", entry["candidate"], entry.line_of("candidate"))
                if candidate:
                    self.add(node, SKG + "candidateActor", candidate)
            if entry.get("certainty"):
                certainty = self.concept("identification-certainty", entry["certainty"], entry.line_of("certainty"))
                if certainty:
                    self.add(node, SKG + "identificationCertainty", certainty)
        self.add(claim, SKG + "qualifiedAccusation", node)

    def involved(self, claim: str, slug: str, value: Any, line: int) -> None:
        entry = value if isinstance(value, Located) else None
        if entry is not None and not self.check_keys(entry, {"who", "role", "id"}, "an involved actor"):
            return
        actor = self.name("actor", entry.get("who") if entry is not None else value,
                          entry.line_of("who") if entry is not None else line)
        if not actor:
            return
        tail = str(entry["id"]) if entry is not None and entry.get("id") else None
        node = self.iri("involvement", f"{self.source}-{tail}" if tail else f"{slug}-{actor.rsplit('/', 1)[1]}")
        self.add(node, RDF_TYPE, SKG + "Involvement")
        self.add(node, SKG + "involvedActor", actor)
        role = self.concept("role", (entry.get("role") if entry is not None else None) or "initiator",
                            entry.line_of("role") if entry is not None else line)
        if role:
            self.add(node, SKG + "allegedRole", role)
        self.add(claim, SKG + "involves", actor)
        self.add(claim, SKG + "qualifiedInvolvement", node)

    def count(self, claim: str, owner: str, value: Any, line: int, default_of: str | None,
              whole: tuple[str, int | None] | None) -> None:
        if not isinstance(value, Located):
            target = self.local["count"].get(str(value)) or self.curie(str(value))
            if target:
                self.add(claim, SKG + "assertsCount", target)
            else:
                self.problems.add(line, f"{value!r} is not the id of a count in this sheet; write the count as a "
                                        "mapping (wording:, outcome:, victims: …)")
            return
        entry = value
        if not self.check_keys(entry, {"id", "slug", "wording", "outcome", "unit", "victims", "side", "group", "of",
                                       "qualifier", "minimum", "maximum", "estimate", "proportion", "parts", "note"},
                               "a count"):
            return
        outcome_text = str(entry.get("outcome") or (whole and self._outcome_of.get(whole[0])) or "")
        if not outcome_text:
            self.problems.add(entry.line, "the count needs outcome: (killed, injured, displaced, …)")
            return
        victims_text = str(entry.get("victims") or "")
        tail = str(entry.get("id") or (f"{owner}-{slugify(victims_text or outcome_text)}" if whole
                                       else f"{owner}-{outcome_text}"))
        if not entry.get("id"):  # two parts of one category: number the later ones
            base, n = tail, 2
            while tail in self.local["count"]:
                tail, n = f"{base}-{n}", n + 1
        node = self.local["count"].get(tail) or self.iri("count", self.slug_of(tail, entry))
        self.local["count"][tail] = node
        self._outcome_of[node] = outcome_text
        self.add(node, RDF_TYPE, SKG + "Count")
        of = self.thing(("event",), entry["of"], entry.line_of("of")) if entry.get("of") else \
            (whole and self._of.get(whole[0])) or default_of
        if of:
            self._of[node] = of
            self.add(node, SKG + "countOf", of)
        else:
            self.problems.add(entry.line, "the count needs of: (the event it counts), or its claim an about: event")
        outcome = self.concept("outcome", outcome_text, entry.line_of("outcome"))
        if outcome:
            self.add(node, SKG + "outcome", outcome)
        unit = self.concept("unit", entry.get("unit") or OUTCOME_UNITS.get(outcome_text, "persons"),
                            entry.line_of("unit"))
        if unit:
            self.add(node, SKG + "unit", unit)
        text = entry.get("wording")
        reading: wording.CountReading | None = None
        if entry.get("qualifier"):
            reading = wording.CountReading(str(entry["qualifier"]), None, None)
        elif text is None:
            self.problems.add(entry.line, "the count needs wording: (the source's words, e.g. 'at least 32 civilians')")
        else:
            try:
                reading = wording.read_count(str(text), whole[1] if whole else None, in_whole=whole is not None)
            except wording.WordingError as error:
                self.problems.add(entry.line_of("wording"), str(error))
        for key_ in ("minimum", "maximum", "estimate"):
            if key_ in entry and not (isinstance(entry[key_], int) and not isinstance(entry[key_], bool)
                                      and entry[key_] >= 0):
                self.problems.add(entry.line_of(key_), f"{key_}: must be a whole number ≥ 0 (digits), not {entry[key_]!r}")
                return
        minimum = entry.get("minimum", reading.minimum if reading else None)
        maximum = entry.get("maximum", reading.maximum if reading else None)
        estimate = entry.get("estimate", reading.estimate if reading else None)
        proportion = entry.get("proportion") or (reading.proportion if reading else None)
        if reading:
            # A proportion ('mostly men') gives a magnitude but no number: an unspecified plural, unbounded.
            word = "unspecified-plural" if reading.qualifier == "proportion" else reading.qualifier
            qualifier = self.concept("count-qualifier", word,
                                     entry.line_of("qualifier") if entry.get("qualifier") else entry.line_of("wording"))
            if qualifier:
                self.add(node, SKG + "qualifier", qualifier)
        if text is not None:
            self.add(node, SKG + "originalWording", self.text_lit(text))
        for key_, number in (("minimum", minimum), ("maximum", maximum), ("bestEstimate", estimate)):
            if number is not None:
                self.add(node, SKG + key_, self.typed(int(number), "integer"))
        if proportion:
            concept = self.concept("proportion", proportion, entry.line_of("proportion"))
            if concept:
                self.add(node, SKG + "proportion", concept)
        if victims_text:
            victims = self.concept("victim-category", victims_text, entry.line_of("victims"))
            if victims:
                self.add(node, SKG + "victimCategory", victims)
        for side in as_list(entry.get("side")):
            actor = self.name("actor", side, entry.line_of("side"))
            if actor:
                self.add(node, SKG + "victimSide", actor)
        for group in as_list(entry.get("group")):
            actor = self.name("actor", group, entry.line_of("group"))
            if actor:
                self.add(node, SKG + "victimGroup", actor)
        if whole:
            self.add(node, SKG + "partOf", whole[0])
        self.labels(node, entry, "note", SKOS + "note")
        self.add(claim, SKG + "assertsCount", node)
        for index, part in enumerate(as_list(entry.get("parts"))):
            self.count(claim, tail, part, self._item_line(entry, "parts", index), of,
                       (node, int(maximum) if maximum is not None else None))

    _outcome_of: dict[str, str]
    _of: dict[str, str]

    def quote(self, claim: str, slug: str, number: int, value: Any, line: int, document: str | None) -> None:
        entry = value if isinstance(value, Located) else None
        if entry is not None and not self.check_keys(entry, {"text", "occurrence", "id", "at"}, "a quote"):
            return
        quote = str(entry.get("text") if entry is not None else value)
        if self.text is None:
            self.problems.add(line, "quotes need the document's text, which is not held: give --text FILE, put it in "
                                    "data/texts/{sha256}.txt, or leave quotes out (the claim is then unanchored)")
            return
        try:
            if entry is not None and entry.get("at") is not None:
                start = int(entry["at"])
                if self.text[start:start + len(quote)] != quote:
                    raise anchors.QuoteNotFound(f"quote {quote!r} is not at character {start}")
                end = start + len(quote)
            else:
                occurrence = int(entry["occurrence"]) if entry is not None and entry.get("occurrence") else None
                start, end = anchors.find_quote(self.text, quote, occurrence)
        except (anchors.QuoteNotFound, ValueError) as error:
            self.problems.add(line, str(error))
            return
        doc = document or self.main_doc
        node = self.anchor_at.get((doc, start, end))
        if node is None:
            tail = str(entry["id"]) if entry is not None and entry.get("id") else None
            node = self.iri("anchor", f"{self.source}-{tail}" if tail else f"{slug}-q{number}")
            self.anchor_at[(doc, start, end)] = node
            prefix, suffix = anchors.selectors(self.text, start, end)
            quote_node, position = node + "-quote", node + "-position"
            self.add(node, RDF_TYPE, OA + "SpecificResource")
            self.add(node, OA + "hasSource", doc)
            self.add(node, OA + "hasSelector", quote_node)
            self.add(node, OA + "hasSelector", position)
            self.add(quote_node, RDF_TYPE, OA + "TextQuoteSelector")
            self.add(quote_node, OA + "exact", ox.Literal(quote))
            self.add(quote_node, OA + "prefix", ox.Literal(prefix))
            self.add(quote_node, OA + "suffix", ox.Literal(suffix))
            self.add(position, RDF_TYPE, OA + "TextPositionSelector")
            self.add(position, OA + "start", self.typed(start, "integer"))
            self.add(position, OA + "end", self.typed(end, "integer"))
        self.add(claim, SKG + "anchor", node)

    def turtle(self, text: str, line: int) -> None:
        header = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
        try:
            triples = list(ox.parse(header + text, format=ox.RdfFormat.TURTLE))
        except SyntaxError as error:
            at = getattr(error, "lineno", None)
            where = line + (at - len(PREFIXES)) if at else line
            self.problems.add(where, f"turtle: cannot be read: {error}")
            return
        for t in triples:
            self.quads.append(ox.Quad(t.subject, t.predicate, t.object, self.graph))


def build(sheet: Located, reference: Reference, *, text: Path | None = None, sheet_dir: Path | None = None,
          text_content: str | None = None) -> Built:
    """Given a parsed sheet and the reference index, return the built quads; raise SheetError
    listing every problem (each with its sheet line). The document's text is `text_content`, else
    the file `text`, else what the sheet's text: names (a SHA-256 found in the text folders, or a path)."""
    builder = _Builder(sheet, reference, text, sheet_dir)
    builder.text_content = text_content
    builder.span_start, builder._outcome_of, builder._of = {}, {}, {}
    return builder.run()
