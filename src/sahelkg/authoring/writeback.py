"""Graph → sheet: a stored source graph written back in the sheet format.

The sheet leaves out whatever the builder derives (attribution and accusation nodes, anchors'
selectors, count bounds the wording implies, time spans the wording gives, default ids). What
the sheet has no key for is kept, exactly, as Turtle under `turtle:`: the writer builds the sheet
it wrote and puts there every triple of the graph the build did not produce, so
sheet → graph gives the graph back. `sheet_text` refuses (WritebackError) when the build would
produce a triple the graph does not hold.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import Any

import pyoxigraph as ox
import yaml  # type: ignore[import-untyped]

from sahelkg import namespaces as ns
from sahelkg.authoring import anchors, build, sheet, wording
from sahelkg.authoring.names import Reference, Unresolved, value

SKG, OA, PROV, SKOS = ns.SKG, build.OA, build.PROV, build.SKOS
RDF_TYPE, RDFS_LABEL = build.RDF_TYPE, build.RDFS_LABEL
SCHEMA = ns.PREFIXES["schema"]


class WritebackError(Exception):
    """The graph cannot be written as a sheet that rebuilds it; the message lists the triples."""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class _Writer:
    def __init__(self, quads: list[ox.Quad], reference: Reference, text: str | None):
        self.quads = quads
        self.ref = reference
        self.graph = quads[0].graph_name
        self.source = value(self.graph)[len(ns.SOURCE_GRAPH_PREFIX):]
        self.node: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.inverse: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for q in quads:
            self.node[value(q.subject)][q.predicate.value].append(q.object)
            self.inverse[value(q.object)][q.predicate.value].append(value(q.subject))
        self.main_doc = f"{ns.ID}document/{self.source}"
        self.keys: dict[str, str] = {}
        self.text = text
        self.language = self.first_value(self.main_doc, SKG + "language") or "en"
        self.publisher = self.first(self.main_doc, SKG + "publisher")
        self.ref_date = _dt.date.today()
        self.ref_precision = "day"

    # ---- reading the graph ----
    def objects(self, s: str, p: str) -> list[Any]:
        return self.node.get(s, {}).get(p, [])

    def first(self, s: str, p: str) -> str | None:
        values = self.objects(s, p)
        return values[0].value if values else None

    def first_value(self, s: str, p: str) -> str | None:
        return self.first(s, p)

    def typed(self, prefix: str, classes: set[str] | None = None) -> list[str]:
        out = []
        for s, props in self.node.items():
            if s.startswith(prefix) and RDF_TYPE in props:
                if classes is None or any(t.value in classes for t in props[RDF_TYPE]):
                    out.append(s)
        return sorted(out)

    # ---- writing values ----
    def key_for(self, iri: str) -> tuple[str, str | None]:
        """Return (sheet key, slug override) for a thing of this source."""
        slug = iri.rsplit("/", 1)[1]
        prefix = f"{self.source}-"
        return (slug[len(prefix):], None) if slug.startswith(prefix) else (slug, slug)

    def ref_value(self, iri: str) -> str:
        """How the sheet names a thing: its sheet key, a reference slug, or a prefixed IRI."""
        if iri in self.keys:
            return self.keys[iri]
        for kind in ("actor", "place"):
            if iri.startswith(f"{ns.ID}{kind}/"):
                slug = iri.rsplit("/", 1)[1]
                try:
                    if self.ref.resolve(kind, slug) == iri:
                        return slug
                except Unresolved:
                    pass
        return ns.shorten(iri) if ns.shorten(iri) != iri else _shorten_extra(iri)

    def concept_value(self, scheme: str, iri: str) -> str:
        local = iri.rsplit("/", 1)[1]
        try:
            if self.ref.concept(scheme, local) == iri:
                return local
        except Unresolved:
            pass
        return _shorten_extra(iri)

    def texts(self, s: str, p: str, out: dict, key: str, default_lang: str | None = None) -> None:
        """Write lang-tagged literals as key (the sheet's language) and key@lang (others)."""
        lang = default_lang or self.language
        by_lang: dict[str, list[str]] = defaultdict(list)
        for term in self.objects(s, p):
            if isinstance(term, ox.Literal) and term.language:
                by_lang[term.language].append(term.value)
        for language in sorted(by_lang, key=lambda x: (x != lang, x)):
            name = key if language == lang else f"{key}@{language}"
            values = sorted(by_lang[language])
            out[name] = values[0] if len(values) == 1 else values

    def many(self, s: str, p: str, out: dict, key: str, scheme: str | None = None, single: bool = False) -> None:
        values = sorted(self.ref_value(t.value) if scheme is None else self.concept_value(scheme, t.value)
                        for t in self.objects(s, p) if isinstance(t, ox.NamedNode))
        if values:
            out[key] = values[0] if (len(values) == 1 and single) or len(values) == 1 else values

    # ---- sections ----
    def run(self) -> dict[str, Any]:
        sheet_: dict[str, Any] = {"source": self.source}
        docs = [d for d in self.typed(f"{ns.ID}document/") if d != self.main_doc]
        times = self.typed(f"{ns.ID}timespan/", {SKG + "TimeSpan"})
        events = self.typed(f"{ns.ID}event/", {SKG + "Event", SKG + "EventPattern"})
        affiliations = self.typed(f"{ns.ID}affiliation/", {SKG + "Affiliation", SKG + "Hostility"})
        claims = self.typed(f"{ns.ID}claim/", {SKG + "Claim", SKG + "Allegation"})
        for group in (docs, times, events, affiliations, claims):
            for iri in group:
                self.keys[iri] = self.key_for(iri)[0]
        self.keys[self.main_doc] = self.source
        published = self.first(self.main_doc, SKG + "publicationTime")
        if published:
            start = self.first(published, SKG + "startDate")
            end = self.first(published, SKG + "endDate")
            if end or start:
                self.ref_date = _dt.date.fromisoformat(str(end or start))
                precision = self.first(published, SKG + "endPrecision")
                self.ref_precision = precision.rsplit("/", 1)[1] if precision else "day"
        sheet_["document"] = self.document(self.main_doc, main=True)
        if times:
            sheet_["times"] = {self.keys[t]: self.timespan(t, explicit=(t == published)) for t in times}
        if docs:
            sheet_["documents"] = {self.keys[d]: self.document(d) for d in docs}
        if events:
            sheet_["events"] = {self.keys[e]: self.event(e) for e in events}
        if affiliations:
            sheet_["affiliations"] = {self.keys[a]: self.affiliation(a) for a in affiliations}
        if claims:
            sheet_["statements"] = self.statements(claims)
        return {k: v for k, v in sheet_.items() if v}

    def with_slug(self, iri: str, out: dict) -> dict:
        slug = self.key_for(iri)[1]
        return {"slug": slug, **out} if slug else out

    def document(self, doc: str, main: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kinds = [t.value for t in self.objects(doc, RDF_TYPE)]
        if kinds:
            kind = kinds[0]
            out["kind"] = kind[len(SKG):] if kind.startswith(SKG) else _shorten_extra(kind)
        self.texts(doc, RDFS_LABEL, out, "label")
        self.texts(doc, SCHEMA + "headline", out, "headline")
        self.many(doc, SKG + "publisher", out, "publisher")
        self.many(doc, SKG + "author", out, "author")
        if main:
            if self.first(doc, SKG + "language"):
                out["language"] = self.first(doc, SKG + "language")
            if self.first(doc, SKG + "sha256"):
                out["text"] = self.first(doc, SKG + "sha256")
            if self.first(doc, SKG + "retrievedFrom"):
                out["retrieved-from"] = self.first(doc, SKG + "retrievedFrom")
            if self.first(doc, SKG + "retrievedOn"):
                out["retrieved-on"] = self.first(doc, SKG + "retrievedOn")
        span = self.first(doc, SKG + "publicationTime")
        if span:
            out["published"] = self.ref_value(span)
        self.many(doc, SCHEMA + "citation", out, "cites")
        self.many(doc, SKG + "partOfDocument", out, "part-of")
        self.texts(doc, SKG + "caption", out, "caption")
        if self.first(doc, SKG + "creditLine"):
            out["credit"] = self.first(doc, SKG + "creditLine")
        self.many(doc, SKG + "creditedTo", out, "credited-to")
        self.many(doc, SKG + "depicts", out, "depicts")
        created = self.first(doc, SKG + "creationTime")
        if created:
            out["created"] = self.ref_value(created)
        self.texts(doc, SKOS + "note", out, "note")
        return out if main else self.with_slug(doc, out)

    def timespan(self, span: str, explicit: bool) -> Any:
        def date(p: str) -> str | None:
            return self.first(span, SKG + p)

        def precision(p: str) -> str | None:
            value = self.first(span, SKG + p)
            return value.rsplit("/", 1)[1] if value else None

        said = [t.value for t in self.objects(span, SKG + "originalWording")]
        resolution = [t.value for t in self.objects(span, SKG + "dateResolution")]
        start, end = date("startDate"), date("endDate")
        if said and not explicit:
            try:
                reading = wording.read_date(said[0], self.ref_date, self.ref_precision)
            except wording.WordingError:
                reading = None
            if reading is not None and (
                    (reading.start.isoformat() if reading.start else None, reading.start_precision if reading.start
                     else None, reading.end.isoformat() if reading.end else None,
                     reading.end_precision if reading.end else None)
                    == (start, precision("startPrecision") if start else None, end,
                        precision("endPrecision") if end else None)):
                if resolution == ([reading.resolution] if reading.resolution else []):
                    return self.with_slug(span, {"wording": said[0]}) if self.key_for(span)[1] else said[0]
                if resolution:
                    return self.with_slug(span, {"wording": said[0], "resolution": resolution[0]})
        out: dict[str, Any] = {}
        if said:
            out["wording"] = said[0]
        if start:
            out["start"] = start
        if end:
            out["end"] = end
        sp, ep = precision("startPrecision"), precision("endPrecision")
        if start and end and sp == ep:
            out["precision"] = sp
        else:
            if start:
                out["start-precision"] = sp
            if end:
                out["end-precision"] = ep
        if resolution:
            out["resolution"] = resolution[0]
        return self.with_slug(span, out)

    def event(self, event: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if any(t.value == SKG + "EventPattern" for t in self.objects(event, RDF_TYPE)):
            out["pattern"] = True
        self.many(event, SKG + "eventType", out, "type", scheme="event-type")
        self.texts(event, RDFS_LABEL, out, "label")
        self.many(event, SKG + "location", out, "place")
        self.many(event, SKG + "locationPrecision", out, "precision", scheme="geo-precision")
        span = self.first(event, SKG + "timeSpan")
        if span:
            out["when"] = self.ref_value(span)
        self.many(event, SKG + "subEventOf", out, "sub-event-of")
        self.many(event, SKG + "routeOrigin", out, "route-from")
        self.many(event, SKG + "routeDestination", out, "route-to")
        participants = []
        for node in sorted(t.value for t in self.objects(event, SKG + "qualifiedParticipation")):
            who = self.first(node, SKG + "participant")
            if not who:
                continue
            part: dict[str, Any] = {"who": self.ref_value(who)}
            slug = node.rsplit("/", 1)[1]
            if slug != f"{event.rsplit('/', 1)[1]}-{who.rsplit('/', 1)[1]}":
                key, override = self.key_for(node)
                if override:
                    continue  # an id outside the source's prefix: kept in turtle:
                part = {"id": key, **part}
            role = self.first(node, SKG + "participantRole")
            if role:
                part["role"] = self.concept_value("role", role)
            self.texts(node, SKOS + "note", part, "note")
            participants.append(part)
        if participants:
            out["participants"] = participants
        self.many(event, PROV + "wasDerivedFrom", out, "derived-from")
        self.texts(event, SKOS + "note", out, "note")
        return self.with_slug(event, out)

    def affiliation(self, node: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        holders = self.inverse.get(node, {})
        actors = holders.get(SKG + "qualifiedAffiliation") or holders.get(SKG + "qualifiedHostility") or []
        actor = actors[0] if actors else None
        if actor:
            out["actor"] = self.ref_value(actor)
        kind = self.first(node, SKG + "affiliationKind") or self.first(node, SKG + "hostilityKind")
        if kind:
            scheme = "hostility-kind" if "/hostility-kind/" in kind else "affiliation-kind"
            out["kind"] = self.concept_value(scheme, kind)
        self.many(node, SKG + "withActor", out, "with")
        self.many(node, PROV + "wasDerivedFrom", out, "from")
        span = self.first(node, SKG + "timeSpan")
        if span:
            out["when"] = self.ref_value(span)
        self.texts(node, SKOS + "note", out, "note")
        return self.with_slug(node, out)

    def statements(self, claims: list[str]) -> list[dict[str, Any]]:
        groups: dict[tuple, list[dict[str, Any]]] = {}
        heads: dict[tuple, dict[str, Any]] = {}
        self.written_counts: set[str] = set()
        self.written_anchors: set[str] = set()
        for claim in claims:
            attribution = self.first(claim, SKG + "qualifiedClaimAttribution")
            head: dict[str, Any] = {}
            by = self.first(attribution, PROV + "agent") if attribution else None
            behalf = self.first(attribution, SKG + "onBehalfOf") if attribution else None
            if by:
                head["by"] = self.ref_value(by)
            if behalf:
                head["for"] = self.ref_value(behalf)
            role = self.first(attribution, PROV + "hadRole") if attribution else None
            default_role = "reporter" if by == self.publisher and not behalf else \
                "spokesperson" if behalf else "organisation-voice"
            if role and role.rsplit("/", 1)[1] != default_role:
                head["role"] = self.concept_value("role", role)
            certainty = self.first(attribution, SKG + "attributionCertainty") if attribution else None
            if certainty and certainty.rsplit("/", 1)[1] != "explicit":
                head["certainty"] = self.concept_value("attribution-certainty", certainty)
            span = self.first(claim, SKG + "statementTime")
            if span:
                head["when"] = self.ref_value(span)
            origin = self.first(claim, SKG + "originallyStatedIn")
            if origin:
                head["in"] = self.ref_value(origin)
            reported = self.first(claim, SKG + "reportedIn")
            if reported and reported != self.main_doc:
                head["reported-in"] = self.ref_value(reported)
            signature = tuple(sorted(head.items()))
            heads.setdefault(signature, head)
            groups.setdefault(signature, []).append(self.claim(claim))
        return [{**heads[s], "claims": groups[s]} for s in groups]

    def claim(self, claim: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.keys[claim]}
        if self.key_for(claim)[1]:
            out["slug"] = self.key_for(claim)[1]
        stance = self.first(claim, SKG + "stance")
        stance_local = stance.rsplit("/", 1)[1] if stance else ""
        if stance:
            out["stance"] = self.concept_value("stance", stance)
        kinds = [t.value[len(SKG):] for t in self.objects(claim, RDF_TYPE) if t.value.startswith(SKG)]
        default_kind = "Claim" if stance_local in build.CLAIM_STANCES else "Allegation"
        if kinds and kinds[0] != default_kind:
            out["type"] = kinds[0]
        abouts = sorted(t.value for t in self.objects(claim, SKG + "about"))
        rejected = sorted(t.value for t in self.objects(claim, SKG + "rejects"))
        if abouts and abouts != rejected:
            out["about"] = [self.ref_value(a) for a in abouts] if len(abouts) > 1 else self.ref_value(abouts[0])
        slug = claim.rsplit("/", 1)[1]
        for predicate, key, default_role, kind in ((SKG + "qualifiedAccusation", "accused", "perpetrator", "accusation"),
                                                  (SKG + "qualifiedInvolvement", "involved", "initiator", "involvement")):
            entries = []
            for node in sorted(t.value for t in self.objects(claim, predicate)):
                actor = self.first(node, SKG + ("accusedActor" if kind == "accusation" else "involvedActor"))
                entry: dict[str, Any] = {}
                node_slug = node.rsplit("/", 1)[1]
                described = [t for t in self.objects(node, SKG + "accusedDescription")]
                default = f"{slug}-{actor.rsplit('/', 1)[1]}" if actor else \
                    f"{slug}-{build.slugify(described[0].value) if described else ''}"
                if node_slug != default:
                    entry["id"] = self.key_for(node)[0]
                if actor:
                    entry["who"] = self.ref_value(actor)
                role = self.first(node, SKG + "allegedRole")
                if role and role.rsplit("/", 1)[1] != default_role:
                    entry["role"] = self.concept_value("role", role)
                if kind == "accusation":
                    self.texts(node, SKG + "accusedDescription", entry, "description")
                    self.texts(node, SKG + "contributingAct", entry, "contributing-act")
                    self.many(node, SKG + "candidateActor", entry, "candidate")
                    self.many(node, SKG + "identificationCertainty", entry, "certainty",
                              scheme="identification-certainty")
                entries.append(entry["who"] if list(entry) == ["who"] else entry)
            if entries:
                out[key] = entries
        self.many(claim, SKG + "deniedActor", out, "denies")
        self.many(claim, SKG + "disputes", out, "disputes")
        for predicate, key, scheme in (("allegedViolation", "violation", "violation"),
                                       ("rejectionGrounds", "grounds", "rejection-grounds"),
                                       ("absenceOf", "absence", "absence"),
                                       ("characterisesAs", "characterises-as", "event-type")):
            self.many(claim, SKG + predicate, out, key, scheme=scheme)
        self.many(claim, SKG + "rejects", out, "rejects")
        self.many(claim, SKG + "basedOn", out, "based-on")
        self.texts(claim, SKG + "groundsWording", out, "grounds-wording")
        self.texts(claim, SKG + "characterisationWording", out, "characterisation-wording")
        default_of = next((a for a in (abouts or rejected) if a.startswith(ns.ID + "event/")), None)
        counts = self.counts(claim, default_of)
        if counts:
            out["counts"] = counts
        quotes = self.quotes(claim, slug)
        if quotes:
            out["quotes"] = quotes
        self.texts(claim, SKOS + "note", out, "note")
        return out

    def counts(self, claim: str, default_of: str | None) -> list[Any]:
        asserted = sorted(t.value for t in self.objects(claim, SKG + "assertsCount"))
        asserted_set = set(asserted)
        out: list[Any] = []
        claim_key = self.keys[claim]

        def count(node: str, whole: str | None, whole_max: int | None, of_default: str | None) -> dict[str, Any]:
            self.written_counts.add(node)
            entry: dict[str, Any] = {}
            key, override = self.key_for(node)
            outcome = self.first(node, SKG + "outcome")
            outcome_local = outcome.rsplit("/", 1)[1] if outcome else ""
            if override or whole or key != f"{claim_key}-{outcome_local}":
                entry["id"] = key
            if override:
                entry["slug"] = override
            said = self.first(node, SKG + "originalWording")
            if said is not None:
                entry["wording"] = said
            if outcome and not whole:
                entry["outcome"] = self.concept_value("outcome", outcome)
            elif outcome and whole and outcome != self.first(whole, SKG + "outcome"):
                entry["outcome"] = self.concept_value("outcome", outcome)
            unit = self.first(node, SKG + "unit")
            if unit and unit.rsplit("/", 1)[1] != build.OUTCOME_UNITS.get(outcome_local, "persons"):
                entry["unit"] = self.concept_value("unit", unit)
            self.many(node, SKG + "victimCategory", entry, "victims", scheme="victim-category")
            self.many(node, SKG + "victimSide", entry, "side")
            self.many(node, SKG + "victimGroup", entry, "group")
            of = self.first(node, SKG + "countOf")
            if of and of != of_default:
                entry["of"] = self.ref_value(of)
            self.bounds(node, said, whole is not None, whole_max, entry)
            self.texts(node, SKOS + "note", entry, "note")
            maximum = self.first(node, SKG + "maximum")
            parts = [p for p in sorted(self.inverse.get(node, {}).get(SKG + "partOf", []))
                     if p in asserted_set and p not in self.written_counts]
            if parts:
                entry["parts"] = [count(p, node, int(maximum) if maximum else None, of or of_default) for p in parts]
            return entry

        before = set(self.written_counts)  # counts an earlier claim wrote: referred to by id
        for node in asserted:
            if node in self.written_counts and node not in before:
                continue  # written inside its whole just now
            whole = self.first(node, SKG + "partOf")
            if whole and whole in asserted_set and whole not in before:
                continue  # will be written inside its whole
            if node in before:
                out.append(self.key_for(node)[0])
                continue
            out.append(count(node, None, None, default_of))
        return out

    def bounds(self, node: str, said: str | None, in_whole: bool, whole_max: int | None, entry: dict) -> None:
        qualifier = self.first(node, SKG + "qualifier")
        actual = (qualifier.rsplit("/", 1)[1] if qualifier else None,
                  *(int(v) if v is not None else None for v in (self.first(node, SKG + "minimum"),
                                                               self.first(node, SKG + "maximum"),
                                                               self.first(node, SKG + "bestEstimate"))))
        proportion = self.first(node, SKG + "proportion")
        reading = None
        if said is not None:
            try:
                reading = wording.read_count(said, whole_max, in_whole=in_whole)
            except wording.WordingError:
                reading = None
        if reading is not None:
            word = "unspecified-plural" if reading.qualifier == "proportion" else reading.qualifier
            if (word, reading.minimum, reading.maximum, reading.estimate) == actual:
                if proportion and proportion.rsplit("/", 1)[1] != reading.proportion:
                    entry["proportion"] = self.concept_value("proportion", proportion)
                return
        if actual[0]:
            entry["qualifier"] = actual[0]
        for key, number in zip(("minimum", "maximum", "estimate"), actual[1:], strict=True):
            if number is not None:
                entry[key] = number
        if proportion:
            entry["proportion"] = self.concept_value("proportion", proportion)

    def quotes(self, claim: str, slug: str) -> list[Any]:
        if self.text is None:
            return []
        found = []
        for anchor in (t.value for t in self.objects(claim, SKG + "anchor")):
            exact = start = None
            for selector in self.objects(anchor, OA + "hasSelector"):
                if self.first(selector.value, OA + "exact") is not None:
                    exact = self.first(selector.value, OA + "exact")
                if self.first(selector.value, OA + "start") is not None:
                    start = int(self.first(selector.value, OA + "start") or 0)
            if exact is None:
                continue
            if start is None:
                positions = anchors.occurrences(self.text, exact)
                start = positions[0] if positions else -1
            found.append((start, exact, anchor))
        out: list[Any] = []
        for number, (start, exact, anchor) in enumerate(sorted(found), 1):
            entry: dict[str, Any] = {"text": exact}
            positions = anchors.occurrences(self.text, exact)
            if len(positions) > 1 and start in positions:
                entry["occurrence"] = positions.index(start) + 1
            elif start not in positions:
                entry["at"] = start
            if anchor not in self.written_anchors and anchor.rsplit("/", 1)[1] != f"{slug}-q{number}":
                entry["id"] = self.key_for(anchor)[0]
            self.written_anchors.add(anchor)
            out.append(exact if list(entry) == ["text"] else entry)
        return out


def _shorten_extra(iri: str) -> str:
    for prefix, base in sorted(build.EXTRA_PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base) and "/" not in iri[len(base):]:
            return f"{prefix}:{iri[len(base):]}"
    short = ns.shorten(iri)
    return short if short != iri else iri


def sheet_of(quads: list[ox.Quad], reference: Reference, text: str | None = None) -> dict[str, Any]:
    """Given a source graph's quads, return the sheet (a dict) that rebuilds them: keys for what
    the sheet expresses, `turtle:` for the rest."""
    if not quads:
        raise WritebackError("the graph is empty")
    writer = _Writer(quads, reference, text)
    if text is None:
        sha = writer.first(writer.main_doc, SKG + "sha256")
        path = anchors.find_text(sha) if sha else None
        writer.text = anchors.read_text(path) if path else None
    result = writer.run()
    built = build.build(_located(result), reference, text=None, sheet_dir=None, text_content=writer.text)
    wanted = {(q.subject, q.predicate, q.object) for q in quads}
    made = {(q.subject, q.predicate, q.object) for q in built.quads if q.graph_name == writer.graph}
    extra = made - wanted
    if extra:
        listed = "; ".join(f"{ns.shorten(value(s))} {ns.shorten(p.value)} {o}" for s, p, o in sorted(extra, key=str)[:8])
        raise WritebackError(f"the sheet would build {len(extra)} triple(s) the graph does not hold: {listed}")
    rest = wanted - made
    if rest:
        triples = [ox.Triple(s, p, o) for s, p, o in sorted(rest, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))]
        result["turtle"] = (ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=build.PREFIXES)
                            or b"").decode("utf-8")
        result["turtle"] = "\n".join(line.replace("\t", "    ").rstrip() for line in result["turtle"].splitlines()
                                     if not line.startswith("@prefix")).strip() + "\n"
    return result


def _located(value: Any) -> Any:
    """Turn plain dicts and lists into the sheet reader's located ones (line 0: built, not read)."""
    if isinstance(value, dict):
        out = sheet.Located({k: _located(v) for k, v in value.items()})
        out.line, out.key_lines = 0, {}
        return out
    if isinstance(value, list):
        items = sheet.LocatedList(_located(v) for v in value)
        items.line, items.item_lines = 0, [0] * len(value)
        return items
    return value if isinstance(value, (bool, int)) or value is None else str(value)


def dump(sheet_: dict[str, Any]) -> str:
    """Return a sheet dict as YAML text."""
    return yaml.dump(sheet_, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def sheet_text(quads: list[ox.Quad], reference: Reference, text: str | None = None) -> str:
    """Given a source graph's quads, return the sheet's text."""
    header = (f"# Sheet written back from graph/source/{value(quads[0].graph_name).rsplit('/', 1)[1]} "
              "by `sahelkg author sheet` (docs/authoring.md).\n") if quads else ""
    return header + dump(sheet_of(quads, reference, text))
