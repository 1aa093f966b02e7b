"""The incident dossier: every source's account of one incident side by side.

An incident (`skg:Incident`, curation graph) gathers the events of several sources through
confirmed links (`?event skg:sameIncident ?incident`); a single `skg:Event` may be audited alone.
The dossier's main table lists each claim's figures (qualifier, bounds, outcome, status, whose
casualties) with two flags computed across claims: ranges of the same outcome that do not overlap,
and a victim status that sources dispute (civilians in one count, fighters in another). Further
tables: responsibility claims, acknowledgements, accusations (perpetrator or contributor; a
described-only accused is never shown as an identified actor), denials, rejections with their
grounds, characterisations, absences, dataset rows and the incident's links.

Like every audit it only queries the `Store` interface, so it runs on remote SPARQL stores too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.audit.reports import (
    AuditError,
    ClaimFacts,
    Report,
    Table,
    _claimants_text,
    _facts_iris,
    _iri_candidates,
    _local,
    claim_facts,
    labels,
    select,
)
from sahelkg.namespaces import shorten

VC = ns.VOCAB + "victim-category/"
CIVILIAN_STATUS = frozenset({VC + "civilians", VC + "women", VC + "children", VC + "men"})
# Statuses a source may give to people others call civilians; soldiers of a state are not among them.
FIGHTER_STATUS = frozenset({VC + "combatants", VC + "fighters", VC + "suspected-fighters"})
OPEN_LOWER = frozenset({"up-to", "at-most"})  # qualifiers whose count may omit the minimum
NO_NUMBER = frozenset({"unknown"})
DATASET_GRAPH = ns.GRAPH + "import/"

FIGURE_COLUMNS = ("source", "claim", "stance", "claimants", "event", "wording", "qualifier", "minimum", "maximum",
                  "outcome", "status", "whose casualties", "part of", "flags")


@dataclass
class Figure:
    """One count asserted by one claim, as the dossier shows it."""

    count: str
    claim: str
    source: str
    outcome: str = ""
    outcome_root: str = ""
    qualifier: str = ""
    minimum: int | None = None
    maximum: int | None = None
    wording: str = ""
    categories: set[str] = field(default_factory=set)
    sides: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    proportion: str = ""
    part_of: str = ""
    flags: list[str] = field(default_factory=list)

    @property
    def comparable(self) -> bool:
        """True for a whole count with a number: parts, proportions and unknowns are not compared."""
        return not self.part_of and not self.proportion and _local(self.qualifier) not in NO_NUMBER and \
            (self.minimum is not None or self.maximum is not None)

    def bounds(self) -> tuple[float, float]:
        """Return the count's range; a missing minimum is 0 and a missing maximum unbounded."""
        low = float(self.minimum) if self.minimum is not None else 0.0
        high = float(self.maximum) if self.maximum is not None else float("inf")
        return low, high


def short_incident(iri: str) -> str:
    """Given an incident's IRI, return incident:slug (whether or not the prefix is registered)."""
    base = ns.ID + "incident/"
    return "incident:" + iri[len(base):] if iri.startswith(base) else shorten(iri)


def resolve_subject(store, reference: str) -> tuple[str, str]:
    """Given an incident or event (IRI, incident:slug, event:slug or slug), return its IRI and kind."""
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for kind, class_iri in (("incident", ns.SKG + "Incident"), ("event", ns.SKG + "Event")):
        for candidate in _iri_candidates(reference, kind + "/"):
            # A direct lookup: a query joining ?node a ?class would scan every event of a large store.
            if next(iter(store.quads(candidate, rdf_type, ox.NamedNode(class_iri), None)), None) is not None:
                return candidate.value, kind
    raise AuditError(f"no incident or event {reference!r} in the store (give an IRI, incident:slug, event:slug "
                     "or a slug)", status=404)


def incident_dossier(store, reference: str) -> Report:
    """Given an incident or event, return its dossier: figures side by side, then one table per kind of statement."""
    iri, kind = resolve_subject(store, reference)
    subject = ox.NamedNode(iri)
    links = _links(store, iri) if kind == "incident" else []
    if kind == "incident":
        confirmed = select(store, """SELECT DISTINCT ?event WHERE {
          { ?event skg:sameIncident ?incident . }
          UNION { ?link skg:linkedIncident ?incident ; skg:linkedEvent ?event ; skg:linkStatus ls:confirmed . }
        } ORDER BY ?event""", incident=[subject])
        events = [r["event"].value for r in confirmed]
    else:
        events = [iri]
    about = [ox.NamedNode(e) for e in events] + ([subject] if kind == "incident" else [])
    direct = select(store, "SELECT DISTINCT ?claim WHERE { ?claim skg:about ?about ; skg:stance ?stance . }",
                    about=about)
    claims = {r["claim"].value for r in direct}
    claims |= _answering_claims(store, claims)
    facts = claim_facts(store, claims)
    graphs = _claim_graphs(store, claims)
    extra = _claim_extras(store, claims)
    figures = _figures(store, claims, graphs)
    _flag_figures(figures)
    event_info = _event_info(store, events)
    names = labels(store, _facts_iris(facts.values()) | set(events) | {iri} | _extra_iris(extra, figures)
                   | {link["event"] for link in links} | {link["linked by"] for link in links if link["linked by"]}
                   | {e["type"] for e in event_info.values() if e.get("type")})
    for f in facts.values():
        for agent, behalf, _ in f.speakers:
            names.setdefault(agent, shorten(agent))
            if behalf:
                names.setdefault(behalf, shorten(behalf))
    ordered = sorted(claims, key=lambda c: (facts[c].stated_on, c))

    def claimants(c: str) -> str:
        return _claimants_text(facts[c], names)

    def source(c: str) -> str:
        return _source_text(graphs.get(c, ""), facts[c])

    rows = []
    for fig in sorted(figures, key=lambda x: (facts[x.claim].stated_on, x.claim, bool(x.part_of), x.count)):
        f = facts[fig.claim]
        rows.append({
            "source": source(fig.claim), "claim": shorten(fig.claim), "stance": f.stance, "claimants": claimants(fig.claim),
            "event": "; ".join(names.get(a, shorten(a)) for a in f.about), "wording": fig.wording,
            "qualifier": _local(fig.qualifier), "minimum": "" if fig.minimum is None else str(fig.minimum),
            "maximum": "" if fig.maximum is None else str(fig.maximum), "outcome": _local(fig.outcome),
            "status": "; ".join(sorted(_local(c) for c in fig.categories)) +
                      (f" ({_local(fig.proportion)})" if fig.proportion else ""),
            "whose casualties": "; ".join(sorted(names.get(s, shorten(s)) for s in fig.sides | fig.groups)),
            "part of": shorten(fig.part_of) if fig.part_of else "", "flags": "; ".join(sorted(fig.flags))})
    sections = [
        _responsibility_table(ordered, facts, extra, names, claimants, source),
        _acknowledgement_table(ordered, facts, figures, claimants, source),
        _accusation_table(ordered, facts, extra, names, claimants, source),
        _denial_table(ordered, facts, names, claimants, source),
        _rejection_table(ordered, facts, extra, names, claimants, source),
        _characterisation_table(ordered, facts, extra, names, claimants, source),
        _absence_table(ordered, facts, extra, names, claimants, source),
        _event_table(events, event_info, graphs, facts, names),
    ]
    if kind == "incident":
        sections.append(Table("links", "Links from sources' events to this incident",
                              ("event", "status", "linked by", "when", "score", "reasons"),
                              [{**link, "event": names.get(link["event"], shorten(link["event"])),
                                "linked by": names.get(link["linked by"], shorten(link["linked by"]))}
                               if link["linked by"] else link for link in links]))
    disagreements = sum(1 for r in rows if "ranges do not overlap" in r["flags"])
    disputed = sum(1 for r in rows if "status disputed" in r["flags"])
    notes = [f"{len(events)} events from {len({graphs.get(c, '') for c in claims if graphs.get(c)})} sources; "
             f"{len(claims)} claims; {len(rows)} figures, {disagreements} with a range that another source's does "
             f"not overlap, {disputed} with a disputed victim status."]
    if kind == "event":
        linked = select(store, "SELECT ?incident WHERE { ?event skg:sameIncident ?incident . } ORDER BY ?incident",
                        event=[subject])
        notes += [f"This event is part of {short_incident(r['incident'].value)}: its dossier gathers every source."
                  for r in linked]
    notes.append("Figures are compared when they count the same outcome (or a narrower one) of the same people "
                 "(same victim side); parts, proportions and unknown counts are not compared.")
    title = f"Incident dossier: {names.get(iri, shorten(iri))}"
    return Report(kind="incident", title=title, subject=iri, columns=FIGURE_COLUMNS, rows=rows, notes=notes,
                  sections=sections)


# ---------------------------------------------------------------------------------------------
# Gathering
# ---------------------------------------------------------------------------------------------
def _answering_claims(store, claims: set[str]) -> set[str]:
    """Return the denials of these claims and the rejections of them or of the documents they rest on."""
    if not claims:
        return set()
    found = select(store, """SELECT DISTINCT ?answer WHERE {
      { ?answer skg:disputes ?claim . }
      UNION { ?answer skg:rejects ?claim . }
      UNION { ?claim skg:reportedIn|skg:originallyStatedIn|skg:basedOn ?document . ?answer skg:rejects ?document . }
      ?answer skg:stance ?stance .
    }""", claim=[ox.NamedNode(c) for c in claims])
    return {r["answer"].value for r in found} - claims


def _claim_graphs(store, claims: set[str]) -> dict[str, str]:
    found = select(store, "SELECT ?claim ?graph WHERE { GRAPH ?graph { ?claim skg:stance ?stance . } } ORDER BY ?graph",
                   claim=[ox.NamedNode(c) for c in claims])
    out: dict[str, str] = {}
    for r in found:
        out.setdefault(r["claim"].value, r["graph"].value)
    return out


def _claim_extras(store, claims: set[str]) -> dict[str, dict[str, list]]:
    """Return, per claim, the issue-10 statements claim_facts does not read (accusations by description,
    rejections, characterisations, absences, upstream sources)."""
    extra: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    bound = {"claim": [ox.NamedNode(c) for c in claims]}
    if not claims:
        return extra
    for r in select(store, """SELECT ?claim ?accusation ?actor ?description ?candidate ?certainty ?role ?act WHERE {
          ?claim skg:qualifiedAccusation ?accusation .
          OPTIONAL { ?accusation skg:accusedActor ?actor . }
          OPTIONAL { ?accusation skg:accusedDescription ?description . }
          OPTIONAL { ?accusation skg:candidateActor ?candidate . }
          OPTIONAL { ?accusation skg:identificationCertainty ?certainty . }
          OPTIONAL { ?accusation skg:allegedRole ?role . }
          OPTIONAL { ?accusation skg:contributingAct ?act . }
        } ORDER BY ?accusation""", **bound):
        extra[r["claim"].value]["accusations"].append({k: r[k].value for k in r if k != "claim"})
    for key, body in (
            ("rejects", "SELECT ?claim ?value WHERE { ?claim skg:rejects ?value . } ORDER BY ?value"),
            ("grounds", "SELECT ?claim ?value WHERE { ?claim skg:rejectionGrounds ?value . } ORDER BY ?value"),
            ("grounds wording", "SELECT ?claim ?value WHERE { ?claim skg:groundsWording ?value . } ORDER BY ?value"),
            ("characterises", "SELECT ?claim ?value WHERE { ?claim skg:characterisesAs ?value . } ORDER BY ?value"),
            ("characterisation wording",
             "SELECT ?claim ?value WHERE { ?claim skg:characterisationWording ?value . } ORDER BY ?value"),
            ("absences", "SELECT ?claim ?value WHERE { ?claim skg:absenceOf ?value . } ORDER BY ?value"),
            ("based on", "SELECT ?claim ?value WHERE { ?claim skg:basedOn ?value . } ORDER BY ?value")):
        for r in select(store, body, **bound):
            extra[r["claim"].value][key].append(r["value"].value)
    return extra


def _extra_iris(extra: dict[str, dict[str, list]], figures: list[Figure]) -> set[str]:
    iris: set[str] = set()
    for parts in extra.values():
        for a in parts.get("accusations", []):
            iris.update(a[k] for k in ("actor", "candidate", "certainty") if k in a)
        for key in ("rejects", "grounds", "characterises", "absences", "based on"):
            iris.update(parts.get(key, []))
    for fig in figures:
        iris |= fig.sides | fig.groups
    return iris


def _figures(store, claims: set[str], graphs: dict[str, str]) -> list[Figure]:
    if not claims:
        return []
    found = select(store, """SELECT ?claim ?count ?outcome ?root ?qualifier ?minimum ?maximum ?wording ?proportion ?partOf
                                    ?category ?side ?group WHERE {
      ?claim skg:assertsCount ?count .
      OPTIONAL { ?count skg:outcome ?outcome .
                 OPTIONAL { ?outcome skos:broader* ?root . FILTER NOT EXISTS { ?root skos:broader ?higher . } } }
      OPTIONAL { ?count skg:qualifier ?qualifier . }
      OPTIONAL { ?count skg:minimum ?minimum . }
      OPTIONAL { ?count skg:maximum ?maximum . }
      OPTIONAL { ?count skg:originalWording ?wording . }
      OPTIONAL { ?count skg:proportion ?proportion . }
      OPTIONAL { ?count skg:partOf ?partOf . }
      OPTIONAL { ?count skg:victimCategory ?category . }
      OPTIONAL { ?count skg:victimSide ?side . }
      OPTIONAL { ?count skg:victimGroup ?group . }
    }""", claim=[ox.NamedNode(c) for c in claims])
    figures: dict[tuple[str, str], Figure] = {}
    for r in found:
        key = (r["claim"].value, r["count"].value)
        fig = figures.get(key)
        if fig is None:
            fig = figures[key] = Figure(count=key[1], claim=key[0], source=graphs.get(key[0], ""))
        for name, attr in (("outcome", "outcome"), ("qualifier", "qualifier"), ("wording", "wording"),
                           ("proportion", "proportion"), ("partOf", "part_of")):
            if name in r:
                setattr(fig, attr, r[name].value)
        if "root" in r:
            fig.outcome_root = r["root"].value
        for name, attr in (("minimum", "minimum"), ("maximum", "maximum")):
            if name in r:
                try:
                    setattr(fig, attr, int(float(r[name].value)))
                except ValueError:
                    pass
        if "category" in r:
            fig.categories.add(r["category"].value)
        if "side" in r:
            fig.sides.add(r["side"].value)
        if "group" in r:
            fig.groups.add(r["group"].value)
    for fig in figures.values():
        fig.outcome_root = fig.outcome_root or fig.outcome
    return list(figures.values())


def _flag_figures(figures: list[Figure]) -> None:
    """Flag ranges of the same outcome and people that do not overlap, and victim statuses in dispute."""
    by_claim_counts = defaultdict(set)
    for fig in figures:
        by_claim_counts[fig.count].add(fig.claim)
    for a in figures:
        for b in figures:
            if a is b or a.count == b.count or a.claim == b.claim or a.outcome_root != b.outcome_root:
                continue
            if not (a.part_of or b.part_of or a.proportion or b.proportion):
                civilians_vs_fighters = (a.categories & CIVILIAN_STATUS and b.categories & FIGHTER_STATUS) or \
                                        (b.categories & CIVILIAN_STATUS and a.categories & FIGHTER_STATUS)
                if civilians_vs_fighters:
                    _add(a, f"status disputed ({shorten(b.claim)})")
            if a.comparable and b.comparable and a.sides == b.sides and _same_people(a, b):
                (a_low, a_high), (b_low, b_high) = a.bounds(), b.bounds()
                if a_high < b_low or b_high < a_low:
                    _add(a, f"ranges do not overlap ({shorten(b.claim)})")


def _same_people(a: Figure, b: Figure) -> bool:
    """True when two counts may count the same people: a status is missing or unknown, the statuses
    meet, or one calls civilians whom the other calls fighters (a disputed status)."""
    if not a.categories or not b.categories or VC + "unknown" in a.categories | b.categories:
        return True
    if a.categories & b.categories:
        return True
    return bool((a.categories & CIVILIAN_STATUS and b.categories & FIGHTER_STATUS) or
                (b.categories & CIVILIAN_STATUS and a.categories & FIGHTER_STATUS))


def _add(fig: Figure, flag: str) -> None:
    if flag not in fig.flags:
        fig.flags.append(flag)


def _event_info(store, events: list[str]) -> dict[str, dict[str, str]]:
    if not events:
        return {}
    found = select(store, """SELECT ?event ?graph ?type ?start ?end ?place WHERE {
      GRAPH ?graph { ?event a skg:Event . }
      OPTIONAL { ?event skg:eventType ?type . }
      OPTIONAL { ?event skg:timeSpan ?span . OPTIONAL { ?span skg:startDate ?start . } OPTIONAL { ?span skg:endDate ?end . } }
      OPTIONAL { ?event skg:location ?place . }
    } ORDER BY ?event ?graph ?type""", event=[ox.NamedNode(e) for e in events])
    info: dict[str, dict[str, str]] = {}
    for r in found:
        row = info.setdefault(r["event"].value, {})
        for key in ("graph", "type", "start", "end", "place"):
            if key in r:
                row.setdefault(key, r[key].value)
    return info


def _links(store, incident: str) -> list[dict[str, str]]:
    found = select(store, """SELECT ?link ?event ?status ?by ?when ?score ?reason WHERE {
      ?link skg:linkedIncident ?incident ; skg:linkedEvent ?event .
      OPTIONAL { ?link skg:linkStatus ?status . }
      OPTIONAL { ?link prov:wasAttributedTo ?by . }
      OPTIONAL { ?link prov:generatedAtTime ?when . }
      OPTIONAL { ?link skg:linkScore ?score . }
      OPTIONAL { ?link skg:linkReason ?reason . }
    } ORDER BY ?event ?link ?reason""", incident=[ox.NamedNode(incident)])
    links: dict[str, dict[str, str]] = {}
    reasons: dict[str, list[str]] = defaultdict(list)
    for r in found:
        link = r["link"].value
        links.setdefault(link, {"event": r["event"].value, "status": _local(r["status"].value) if "status" in r else "",
                                "linked by": r["by"].value if "by" in r else "",
                                "when": r["when"].value if "when" in r else "",
                                "score": r["score"].value if "score" in r else "", "reasons": ""})
        if "reason" in r and r["reason"].value not in reasons[link]:
            reasons[link].append(r["reason"].value)
    for link, row in links.items():
        row["reasons"] = "; ".join(reasons[link])
    return sorted(links.values(), key=lambda row: ({"confirmed": 0, "candidate": 1}.get(row["status"], 2), row["event"]))


# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------
def _source_text(graph: str, f: ClaimFacts) -> str:
    place = shorten(graph) if graph else "?"
    if graph.startswith(DATASET_GRAPH):
        place += " (dataset row)"
    return place + (f", {', '.join(shorten(d) for d in f.reported_in)}" if f.reported_in else "")


def accused_text(accusation: dict[str, str], names: dict[str, str]) -> str:
    """Given an accusation's fields, return how the accused is shown: a named actor, or the source's
    description with its candidate as a possibility (never as an identified actor)."""
    certainty = _local(accusation.get("certainty"))
    if "actor" in accusation and ("description" not in accusation or certainty in ("", "identified")):
        return names.get(accusation["actor"], shorten(accusation["actor"]))
    text = f"described as “{accusation.get('description', 'not named')}”"
    if "candidate" in accusation:
        text += f", possibly {names.get(accusation['candidate'], shorten(accusation['candidate']))}"
        if certainty:
            text += f" ({certainty})"
    return text


def _responsibility_table(ordered, facts, extra, names, claimants, source) -> Table:
    rows = []
    for c in ordered:
        if facts[c].stance != "claims-responsibility":
            continue
        acts = [accused_text(a, names) for a in extra[c].get("accusations", [])]
        rows.append({"claim": shorten(c), "claimants": claimants(c), "responsible": "; ".join(acts),
                     "date": facts[c].stated_on, "source": source(c)})
    return Table("responsibility", "Who claimed responsibility", ("claim", "claimants", "responsible", "date", "source"),
                 rows)


def _acknowledgement_table(ordered, facts, figures, claimants, source) -> Table:
    by_claim = defaultdict(list)
    for fig in figures:
        by_claim[fig.claim].append(fig.wording)
    rows = [{"claim": shorten(c), "claimants": claimants(c), "acknowledges": "; ".join(sorted(by_claim[c])),
             "date": facts[c].stated_on, "source": source(c)}
            for c in ordered if facts[c].stance == "acknowledges"]
    return Table("acknowledgements", "Losses acknowledged", ("claim", "claimants", "acknowledges", "date", "source"), rows)


def _accusation_table(ordered, facts, extra, names, claimants, source) -> Table:
    rows = []
    for c in ordered:
        if facts[c].stance not in ("accuses", "calls-for-investigation"):
            continue
        for a in extra[c].get("accusations", []):
            role = _local(a.get("role"))
            rows.append({"claim": shorten(c), "stance": facts[c].stance, "claimants": claimants(c),
                         "accused": accused_text(a, names), "role": role, "contributing act": a.get("act", ""),
                         "disputed by": "; ".join(sorted({shorten(d) for d, _ in facts[c].disputed_by})),
                         "date": facts[c].stated_on, "source": source(c)})
    return Table("accusations", "Who accused whom",
                 ("claim", "stance", "claimants", "accused", "role", "contributing act", "disputed by", "date", "source"),
                 rows)


def _denial_table(ordered, facts, names, claimants, source) -> Table:
    rows = [{"claim": shorten(c), "claimants": claimants(c),
             "disputes": "; ".join(shorten(d) for d in facts[c].disputes),
             "denies": "; ".join(names.get(a, shorten(a)) for a in facts[c].denied) or "the claim as a whole",
             "date": facts[c].stated_on, "source": source(c)}
            for c in ordered if facts[c].stance == "denies"]
    return Table("denials", "Denials", ("claim", "claimants", "disputes", "denies", "date", "source"), rows)


def _rejection_table(ordered, facts, extra, names, claimants, source) -> Table:
    rows = []
    for c in ordered:
        if facts[c].stance != "rejects":
            continue
        parts = extra[c]
        rows.append({"claim": shorten(c), "claimants": claimants(c),
                     "rejects": "; ".join(_named(t, names) for t in parts.get("rejects", [])),
                     "grounds": "; ".join(_local(g) for g in parts.get("grounds", [])),
                     "in their words": "; ".join(parts.get("grounds wording", [])),
                     "date": facts[c].stated_on, "source": source(c)})
    return Table("rejections", "Reports and evidence rejected",
                 ("claim", "claimants", "rejects", "grounds", "in their words", "date", "source"), rows)


def _named(iri: str, names: dict[str, str]) -> str:
    name = names.get(iri, shorten(iri))
    return name if name == shorten(iri) else f"{name} ({shorten(iri)})"


def _characterisation_table(ordered, facts, extra, names, claimants, source) -> Table:
    rows = [{"claim": shorten(c), "claimants": claimants(c),
             "calls it": "; ".join(names.get(t, shorten(t)) for t in extra[c].get("characterises", [])),
             "in their words": "; ".join(extra[c].get("characterisation wording", [])), "source": source(c)}
            for c in ordered if extra[c].get("characterises")]
    return Table("characterisations", "What each source calls it",
                 ("claim", "claimants", "calls it", "in their words", "source"), rows)


def _absence_table(ordered, facts, extra, names, claimants, source) -> Table:
    rows = [{"claim": shorten(c), "claimants": claimants(c),
             "states that": "; ".join(names.get(a, shorten(a)) for a in extra[c].get("absences", [])),
             "date": facts[c].stated_on, "source": source(c)}
            for c in ordered if facts[c].stance == "reports-absence"]
    return Table("absences", "What did not happen or was not given", ("claim", "claimants", "states that", "date",
                                                                       "source"), rows)


def _event_table(events, info, graphs, facts, names) -> Table:
    claims_of = defaultdict(list)
    for c, f in facts.items():
        for a in f.about:
            claims_of[a].append(c)
    rows = []
    for e in events:
        row = info.get(e, {})
        graph = row.get("graph", "")
        when = row.get("start", "") + (f" to {row['end']}" if row.get("end") and row.get("end") != row.get("start")
                                       else "")
        rows.append({"event": shorten(e), "name": names.get(e, shorten(e)),
                     "source": shorten(graph) + (" (dataset row)" if graph.startswith(DATASET_GRAPH) else ""),
                     "event type (the source's own)": names.get(row.get("type", ""), shorten(row.get("type", "")))
                     if row.get("type") else "",
                     "when": when, "where": shorten(row["place"]) if row.get("place") else "",
                     "claims": str(len(claims_of[e]))})
    return Table("events", "Each source's event", ("event", "name", "source", "event type (the source's own)", "when",
                                                   "where", "claims"), rows)


def dataset_rows(report: Report) -> list[dict[str, str]]:
    """Given a dossier, return the rows of its events table that are imported dataset rows."""
    return [r for r in report.section("events").rows if r["source"].endswith("(dataset row)")]


__all__ = ["incident_dossier", "resolve_subject", "accused_text", "dataset_rows"]
