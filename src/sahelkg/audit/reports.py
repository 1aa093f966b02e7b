"""Provenance audits: who claimed what, about whom, on what evidence.

Every audit runs SPARQL through the `Store` interface only, so it works on the embedded store and on
any remote SPARQL 1.1 store. Values (actor, claim, document) are bound as RDF terms in VALUES blocks.

>>> from sahelkg.dataset import loading
>>> from sahelkg.store import EmbeddedStore
>>> store = EmbeddedStore(); _ = store.load_quads(loading.dataset_quads(loading.seed_paths()))
>>> report = actor_ledger(store, "FAMa")
>>> report.rows[0]["claim"]
'claim:a000-s8-hrw-abuses'
>>> print(render(report, "markdown").splitlines()[0])
# Actor ledger: Malian Armed Forces (FAMa)

Audits: `actor_ledger`, `contested_claims`, `corroboration`, `source_chain`, `source_impact`;
`retraction_change` builds the write that marks a document retracted (apply it through the gate).
"""

from __future__ import annotations

import csv
import heapq
import html
import io
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.namespaces import shorten
from sahelkg.sparql.saved_queries import InvalidParameter, expand_iri, sparql_term
from sahelkg.store.change import Change

FORMATS = ("markdown", "csv", "json", "html")
PROLOGUE = """PREFIX skg: <https://w3id.org/sahelkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX stance: <https://w3id.org/sahelkg/vocab/stance/>
PREFIX ls: <https://w3id.org/sahelkg/vocab/link-status/>
PREFIX schema: <https://schema.org/>
"""
_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Za-z-]{2,8}$")


class AuditError(ValueError):
    """The audit cannot run as asked (unknown or ambiguous actor, claim or document).

    `status` is the HTTP status the service answers with: 404 for nothing found, 400 otherwise.
    """

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Table:
    """A further titled table of a report (the incident dossier has one per kind of statement)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the table as a JSON-ready dict."""
        return {"name": self.name, "title": self.title, "columns": list(self.columns), "rows": self.rows}


@dataclass(frozen=True)
class Page:
    """Which rows of a paged report are shown: at most `limit` (None: all) from `offset`, of `total`."""

    offset: int
    limit: int | None
    total: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, None on the last."""
        end = self.offset + self.limit if self.limit is not None else self.total
        return end if end < self.total else None

    @property
    def previous_offset(self) -> int | None:
        """The offset of the previous page, None on the first."""
        return max(0, self.offset - (self.limit or self.offset)) if self.offset > 0 else None

    def describe(self, shown: int) -> str:
        """Given how many rows are shown, say which ones: 'rows 101–200 of 6,680'."""
        if not shown:
            return f"no rows from offset {self.offset:,} (of {self.total:,})"
        return f"rows {self.offset + 1:,}–{self.offset + shown:,} of {self.total:,}"

    def to_dict(self) -> dict:
        """Return the page as a JSON-ready dict."""
        return {"offset": self.offset, "limit": self.limit, "total": self.total, "nextOffset": self.next_offset,
                "previousOffset": self.previous_offset}


@dataclass(kw_only=True)
class Report:
    """The result of an audit: a titled table, notes, further tables, and for a source chain its text and SVG."""

    kind: str
    title: str
    subject: str | None
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[Table] = field(default_factory=list)
    text: str | None = None
    svg: str | None = None
    page: Page | None = None  # set by paged audits (corroboration)

    def section(self, name: str) -> Table:
        """Given a section's name, return it (KeyError when the report has none of that name)."""
        for table in self.sections:
            if table.name == name:
                return table
        raise KeyError(name)

    def to_dict(self) -> dict:
        """Return the report as a JSON-ready dict."""
        body: dict[str, object] = {"audit": self.kind, "title": self.title, "subject": self.subject,
                                   "columns": list(self.columns), "rows": self.rows, "notes": self.notes}
        if self.sections:
            body["sections"] = [t.to_dict() for t in self.sections]
        if self.text is not None:
            body["text"] = self.text
        if self.svg is not None:
            body["svg"] = self.svg
        if self.page is not None:
            body["page"] = self.page.to_dict()
        return body


# ---------------------------------------------------------------------------------------------
# Small helpers: querying with bound values, short names, labels
# ---------------------------------------------------------------------------------------------
def select(store, body: str, **bound: Iterable) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    """Given a store, a query body `SELECT … WHERE { … }` and values per variable, return the solutions.

    The values are bound as RDF terms in one VALUES block per variable at the start of the WHERE group.
    """
    text = PROLOGUE + body
    where = re.search(r"\bWHERE\s*\{", text)
    blocks = "".join(_values_rows(name, terms) for name, terms in bound.items())
    if blocks:
        if where is None:
            raise ValueError("values can only be bound into a query with a WHERE group")
        text = text[:where.end()] + blocks + text[where.end():]
    result = store.query(text)
    return [{name: value for name, value in zip(result.variables, row, strict=True) if value is not None}
            for row in result.rows]


def _values_rows(name: str, terms: Iterable) -> str:
    terms = list(terms)
    if not terms:
        return f"\n  VALUES ?{name} {{ }}\n"
    # Each term was built by pyoxigraph; sparql_term writes its escaped N-Triples form, never raw text.
    rows = " ".join(f"({sparql_term(t)})" for t in terms)
    return f"\n  VALUES (?{name}) {{ {rows} }}\n"


def labels(store, iris: Iterable[str]) -> dict[str, str]:
    """Given IRIs, return a display name for each: English preferred label (with an acronym), else rdfs:label."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    found = select(store, """SELECT ?thing ?pref ?alt ?label WHERE {
      OPTIONAL { ?thing skos:prefLabel ?pref . FILTER(LANGMATCHES(LANG(?pref), "en")) }
      OPTIONAL { ?thing skos:altLabel ?alt . FILTER(LANGMATCHES(LANG(?alt), "en")) }
      OPTIONAL { ?thing rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }
    }""", thing=[ox.NamedNode(i) for i in iris])
    pref, alts, other = {}, defaultdict(set), {}
    for row in found:
        thing = row["thing"].value
        if "pref" in row:
            pref[thing] = row["pref"].value
        if "alt" in row:
            alts[thing].add(row["alt"].value)
        if "label" in row:
            other[thing] = row["label"].value
    return {iri: display_name(iri, pref.get(iri), alts[iri], other.get(iri)) for iri in iris}


def display_name(iri: str, pref: str | None, alts: Iterable[str], other: str | None) -> str:
    """Given an IRI and its English labels (preferred, alternatives, rdfs:label), return its display name:
    the preferred label with its shortest acronym, else the rdfs:label, else the short IRI."""
    if pref is None:  # no acronym without a preferred label: most dataset events
        return other or shorten(iri)
    name = pref or other or shorten(iri)
    acronyms = sorted((a for a in alts if _ACRONYM.match(a) and a.lower() != name.lower()), key=lambda a: (len(a), a))
    return f"{name} ({acronyms[0]})" if acronyms else name


def describe_date(day: str | None, precision: str | None) -> str:
    """Given a day and a date-precision IRI, return how the date should be read.

    >>> describe_date("2024-12-01", "https://w3id.org/sahelkg/vocab/date-precision/month")
    '2024-12'
    """
    if not day:
        return ""
    kind = (precision or "").rsplit("/", 1)[-1]
    return {"day": day, "month": day[:7], "year": day[:4], "week": f"week of {day}",
            "unknown": f"{day} or later (date not given)"}.get(kind, day)


def _local(iri: str | None) -> str:
    return (iri or "").rstrip("/").rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------------
# Resolving what the user names
# ---------------------------------------------------------------------------------------------
def resolve_actor(store, reference: str) -> str:
    """Given an actor IRI, `actor:slug`, slug, or a name (preferred, alternative or as in sources), return its IRI."""
    candidates = _iri_candidates(reference, "actor/")
    if candidates:
        found = select(store, "SELECT DISTINCT ?actor WHERE { ?actor a ?type . }", actor=candidates)
        if found:
            return found[0]["actor"].value
    rows = select(store, """SELECT DISTINCT ?actor WHERE {
      ?actor skos:prefLabel|skos:altLabel|skg:nameInSource ?name .
      FILTER(LCASE(STR(?name)) = LCASE(STR(?wanted)))
    } ORDER BY ?actor""", wanted=[ox.Literal(reference)])
    actors = [r["actor"].value for r in rows]
    if not actors:
        raise AuditError(f"no actor is called {reference!r} (give an IRI, actor:slug or a name)", status=404)
    if len(actors) > 1:
        raise AuditError(f"{reference!r} names {len(actors)} actors: {', '.join(shorten(a) for a in actors)}; "
                         "give one of these")
    return actors[0]


def resolve_node(store, reference: str, kind: str, class_iri: str) -> str:
    """Given an IRI, prefix:slug or slug, return the IRI of an existing node of the class (claims, documents)."""
    candidates = _iri_candidates(reference, kind)
    if candidates:
        found = select(store, """SELECT DISTINCT ?node WHERE { ?node a ?type . ?type rdfs:subClassOf* ?class . }""",
                       node=candidates, **{"class": [ox.NamedNode(class_iri)]})
        if found:
            return found[0]["node"].value
    raise AuditError(f"no {kind.rstrip('/')} {reference!r} in the store", status=404)


def _iri_candidates(reference: str, kind: str) -> list[ox.NamedNode]:
    out = []
    # kind:slug works for every kind of thing, whether or not the prefix is registered (incident:…).
    own = kind.rstrip("/") + ":"
    local = ns.ID + kind + reference[len(own):] if reference.startswith(own) else None
    for text in (expand_iri(reference), ns.ID + kind + reference, *([local] if local else [])):
        try:
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
                out.append(ox.NamedNode(text))
        except ValueError:
            continue
    return out


# ---------------------------------------------------------------------------------------------
# Facts about claims, gathered once per audit
# ---------------------------------------------------------------------------------------------
@dataclass
class ClaimFacts:
    """What the graph says about one claim, with IRIs as strings."""

    iri: str
    allegation: bool = False
    stance: str = ""
    stated_on: str = ""
    precision: str = ""
    speakers: list[tuple[str, str, str]] = field(default_factory=list)  # (agent, on behalf of, role)
    accused: list[tuple[str, str]] = field(default_factory=list)  # (actor, alleged role)
    about: list[str] = field(default_factory=list)
    counts: list[dict[str, str]] = field(default_factory=list)
    reported_in: list[str] = field(default_factory=list)
    original: list[str] = field(default_factory=list)
    quotes: list[tuple[int, str]] = field(default_factory=list)
    disputed_by: list[tuple[str, str]] = field(default_factory=list)  # (denial, denied actor or "")
    denied: list[str] = field(default_factory=list)
    disputes: list[str] = field(default_factory=list)
    retracted_docs: set[str] = field(default_factory=set)

    @property
    def rests_on_retracted(self) -> bool:
        """True when every document reporting the claim is retracted, or its original statement is."""
        reporting = set(self.reported_in)
        return bool(reporting and reporting <= self.retracted_docs) or \
            any(d in self.retracted_docs for d in self.original)


def claim_facts(store, claims: Iterable[str]) -> dict[str, ClaimFacts]:
    """Given claim IRIs, return their facts (one SPARQL query per kind of fact)."""
    claims = sorted(set(claims))
    facts = {c: ClaimFacts(c) for c in claims}
    if not claims:
        return facts
    bound = {"claim": [ox.NamedNode(c) for c in claims]}

    def each(body):
        return select(store, body, **bound)

    for r in each("""SELECT ?claim ?stance ?statedOn ?precision ?allegation WHERE {
          ?claim skg:stance ?stance .
          OPTIONAL { ?claim skg:statedOn ?statedOn . }
          OPTIONAL { ?claim skg:statementTime ?time . ?time skg:startPrecision ?precision . }
          BIND(EXISTS { ?claim a/rdfs:subClassOf* skg:Allegation } AS ?allegation)
        }"""):
        f = facts[r["claim"].value]
        f.stance = _local(r["stance"].value)
        f.stated_on = r["statedOn"].value if "statedOn" in r else ""
        f.precision = r["precision"].value if "precision" in r else ""
        f.allegation = r["allegation"].value == "true"
    for r in each("""SELECT ?claim ?agent ?behalf ?role WHERE {
          ?claim skg:qualifiedClaimAttribution ?attribution .
          ?attribution prov:agent ?agent .
          OPTIONAL { ?attribution skg:onBehalfOf ?behalf . }
          OPTIONAL { ?attribution prov:hadRole ?role . }
        } ORDER BY ?agent"""):
        facts[r["claim"].value].speakers.append(
            (r["agent"].value, r["behalf"].value if "behalf" in r else "", _local(r["role"].value) if "role" in r else ""))
    for r in each("""SELECT ?claim ?actor ?role WHERE {
          ?claim skg:qualifiedAccusation ?accusation .
          ?accusation skg:accusedActor ?actor .
          ?accusation skg:allegedRole ?role .
        } ORDER BY ?actor"""):
        facts[r["claim"].value].accused.append((r["actor"].value, _local(r["role"].value)))
    for r in each("SELECT ?claim ?about WHERE { ?claim skg:about ?about . } ORDER BY ?about"):
        facts[r["claim"].value].about.append(r["about"].value)
    for r in each("""SELECT ?claim ?count ?wording ?minimum ?maximum ?outcome ?victims ?partOf ?proportion WHERE {
          ?claim skg:assertsCount ?count .
          ?count skg:originalWording ?wording .
          OPTIONAL { ?count skg:minimum ?minimum . }
          ?count skg:outcome ?outcome .
          OPTIONAL { ?count skg:proportion ?proportion . }
          OPTIONAL { ?count skg:maximum ?maximum . }
          OPTIONAL { ?count skg:victimCategory ?victims . }
          OPTIONAL { ?count skg:partOf ?partOf . }
        } ORDER BY BOUND(?partOf) ?count"""):
        facts[r["claim"].value].counts.append({
            "count": r["count"].value, "wording": r["wording"].value,
            "minimum": r["minimum"].value if "minimum" in r else "",
            "proportion": _local(r["proportion"].value) if "proportion" in r else "",
            "maximum": r["maximum"].value if "maximum" in r else "", "outcome": _local(r["outcome"].value),
            "victims": _local(r["victims"].value) if "victims" in r else "",
            "partOf": r["partOf"].value if "partOf" in r else ""})
    for r in each("""SELECT ?claim ?document ?retracted WHERE {
          { ?claim skg:reportedIn ?document . BIND("reported" AS ?how) }
          UNION { ?claim skg:originallyStatedIn ?document . BIND("original" AS ?how) }
          BIND(EXISTS { ?document skg:retracted true } AS ?retracted)
        }"""):
        if r["retracted"].value == "true":
            facts[r["claim"].value].retracted_docs.add(r["document"].value)
    for r in each("SELECT ?claim ?document WHERE { ?claim skg:reportedIn ?document . } ORDER BY ?document"):
        facts[r["claim"].value].reported_in.append(r["document"].value)
    for r in each("SELECT ?claim ?document WHERE { ?claim skg:originallyStatedIn ?document . } ORDER BY ?document"):
        facts[r["claim"].value].original.append(r["document"].value)
    for r in each("""SELECT ?claim ?quote ?start WHERE {
          ?claim skg:anchor ?anchor .
          ?anchor oa:hasSelector ?selector .
          ?selector a oa:TextQuoteSelector .
          ?selector oa:exact ?quote .
          OPTIONAL { ?anchor oa:hasSelector ?position . ?position a oa:TextPositionSelector . ?position oa:start ?start . }
        }"""):
        start = int(r["start"].value) if "start" in r else 0
        facts[r["claim"].value].quotes.append((start, r["quote"].value))
    for r in each("""SELECT ?claim ?denial ?denied WHERE {
          ?denial skg:disputes ?claim .
          OPTIONAL { ?denial skg:deniedActor ?denied . }
        } ORDER BY ?denial ?denied"""):
        facts[r["claim"].value].disputed_by.append((r["denial"].value, r["denied"].value if "denied" in r else ""))
    for r in each("SELECT ?claim ?actor WHERE { ?claim skg:deniedActor ?actor . } ORDER BY ?actor"):
        facts[r["claim"].value].denied.append(r["actor"].value)
    for r in each("SELECT ?claim ?disputed WHERE { ?claim skg:disputes ?disputed . } ORDER BY ?disputed"):
        facts[r["claim"].value].disputes.append(r["disputed"].value)
    for f in facts.values():
        f.quotes = sorted(set(f.quotes))
    return facts


def _facts_iris(facts: Iterable[ClaimFacts]) -> set[str]:
    iris: set[str] = set()
    for f in facts:
        iris.update(a for s in f.speakers for a in s[:2] if a)
        iris.update(a for a, _ in f.accused)
        iris.update(f.about + f.reported_in + f.original + f.denied)
        iris.update(d for d, a in f.disputed_by)
        iris.update(a for _, a in f.disputed_by if a)
    return iris


def _claimants_text(f: ClaimFacts, names: dict[str, str]) -> str:
    parts = []
    for agent, behalf, role in f.speakers:
        text = names.get(agent, shorten(agent))
        if role:
            text += f" ({role})"
        if behalf:
            text += f" for {names.get(behalf, shorten(behalf))}"
        parts.append(text)
    return "; ".join(parts)


def _counts_text(f: ClaimFacts) -> str:
    parts = []
    for c in f.counts:
        if c.get("proportion"):
            bounds = c["proportion"]
        elif not c["minimum"] and not c["maximum"]:
            bounds = "unknown"
        elif not c["minimum"]:
            bounds = f"up to {c['maximum']}"
        else:
            bounds = c["minimum"] if c["minimum"] == c["maximum"] else f"{c['minimum']}–{c['maximum']}"
        what = c["outcome"] + (f" {c['victims']}" if c["victims"] else "")
        parts.append(f"“{c['wording']}” [{what}: {bounds}" + (f", part of {shorten(c['partOf'])}]"
                                                               if c["partOf"] else "]"))
    return "; ".join(parts)


def _disputed_text(f: ClaimFacts, names: dict[str, str], facts: dict[str, ClaimFacts] | None = None) -> str:
    by_denial: dict[str, list[str]] = defaultdict(list)
    for denial, actor in f.disputed_by:
        by_denial[denial]
        if actor:
            by_denial[denial].append(names.get(actor, shorten(actor)))
    parts = []
    for denial, actors in by_denial.items():
        who = ""
        if facts and denial in facts:
            who = _claimants_text(facts[denial], names) + ", "
        parts.append(f"{who}{shorten(denial)}" + (f" (denies {', '.join(actors)})" if actors else ""))
    return "; ".join(parts)


def _sources_text(f: ClaimFacts, names: dict[str, str]) -> str:
    parts = [f"reported in {shorten(d)}" for d in f.reported_in]
    parts += [f"original statement {shorten(d)}" for d in f.original]
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# The audits
# ---------------------------------------------------------------------------------------------
LEDGER_COLUMNS = ("date", "relation", "claim", "stance", "claimants", "about", "counts", "sources", "quotes",
                  "disputed by", "flags")


def actor_ledger(store, actor: str) -> Report:
    """Given an actor (IRI, actor:slug or name), return every allegation against it, every claim it
    made and every denial of its part, in date order."""
    iri = resolve_actor(store, actor)
    entries = select(store, """SELECT DISTINCT ?claim ?relation ?role WHERE {
      { ?claim skg:qualifiedAccusation ?accusation .
        ?accusation skg:accusedActor ?actor .
        ?accusation skg:allegedRole ?role .
        ?claim a/rdfs:subClassOf* skg:Allegation .
        BIND("accused" AS ?relation) }
      UNION { ?claim skg:claimant ?actor . BIND("claimant" AS ?relation) }
      UNION { ?claim skg:deniedActor ?actor . BIND("part denied" AS ?relation) }
      UNION { ?claim skg:qualifiedAccusation ?accusation .
        ?accusation skg:candidateActor ?actor .
        FILTER NOT EXISTS { ?accusation skg:accusedActor ?actor . }
        ?accusation skg:allegedRole ?role .
        BIND("candidate" AS ?relation) }
      UNION { ?claim skg:rejects ?document . ?document skg:publisher|skg:author ?actor .
        BIND("its document rejected" AS ?relation) }
    }""", actor=[ox.NamedNode(iri)])
    facts = claim_facts(store, [e["claim"].value for e in entries])
    denials = claim_facts(store, {d for f in facts.values() for d, _ in f.disputed_by})
    names = labels(store, _facts_iris(list(facts.values()) + list(denials.values())) | {iri})
    keyed: list[tuple[tuple[str, str, str], dict[str, str]]] = []  # (sort key, row)
    for e in entries:
        f = facts[e["claim"].value]
        relation = e["relation"].value
        if relation == "accused" and f.stance == "claims-responsibility":
            relation = f"responsibility claimed as {_local(e['role'].value)}"
        elif relation == "accused":
            relation = f"accused as {_local(e['role'].value)}"
        elif relation == "candidate":
            relation = f"possibly the {_local(e['role'].value)} described (not identified)"
        keyed.append(((f.stated_on, f.iri, relation), {
            "date": describe_date(f.stated_on, f.precision), "relation": relation, "claim": shorten(f.iri),
            "stance": f.stance, "claimants": _claimants_text(f, names),
            "about": "; ".join(names.get(a, shorten(a)) for a in f.about), "counts": _counts_text(f),
            "sources": _sources_text(f, names), "quotes": " | ".join(q for _, q in f.quotes),
            "disputed by": _disputed_text(f, names, denials),
            "flags": "RESTS ON RETRACTED SOURCE" if f.rests_on_retracted else ""}))
    rows = [row for _, row in sorted(keyed, key=lambda pair: pair[0])]
    return Report(kind="actor", title=f"Actor ledger: {names[iri]}", subject=iri, columns=LEDGER_COLUMNS, rows=rows,
                  notes=[f"{len(rows)} entries for {shorten(iri)}, in the order the claims were made."])


CONTESTED_COLUMNS = ("allegation", "claimants", "accused", "about", "allegation sources", "allegation quotes",
                     "denial", "denied by", "denies", "does not deny", "denial sources", "denial quotes", "flags",
                     "answer", "rejected target", "grounds")


def contested_claims(store) -> Report:
    """Return every claim that a denial disputes or a rejection targets (the claim itself, or a document it
    rests on or is reported in), side by side with the answer, with both sides' sources."""
    pairs = select(store, """SELECT DISTINCT ?allegation ?denial ?target WHERE {
      { ?denial skg:disputes ?allegation . }
      UNION { ?denial skg:rejects ?allegation . ?allegation skg:stance ?any . BIND(?allegation AS ?target) }
      UNION { ?denial skg:rejects ?target . FILTER NOT EXISTS { ?target skg:stance ?none . }
              OPTIONAL { ?allegation skg:reportedIn|skg:originallyStatedIn|skg:basedOn ?target .
                         ?allegation skg:stance ?some . } }
    } ORDER BY ?allegation ?denial ?target""")
    facts = claim_facts(store, {p[k].value for p in pairs for k in ("allegation", "denial") if k in p})
    grounds: dict[str, list[str]] = defaultdict(list)
    for r in select(store, "SELECT ?claim ?grounds WHERE { ?claim skg:rejectionGrounds ?grounds . } ORDER BY ?grounds",
                    claim=[p["denial"] for p in pairs]):
        grounds[r["claim"].value].append(_local(r["grounds"].value))
    names = labels(store, _facts_iris(facts.values()) | {p["target"].value for p in pairs if "target" in p})
    rows = []
    for p in pairs:
        d = facts[p["denial"].value]
        a = facts[p["allegation"].value] if "allegation" in p else ClaimFacts("")
        accused = [actor for actor, _ in a.accused]
        target = p["target"].value if "target" in p else ""
        rejection = "target" in p
        rows.append({
            "allegation": shorten(a.iri) if a.iri else "", "claimants": _claimants_text(a, names),
            "accused": "; ".join(f"{names[x]} ({role})" for x, role in a.accused),
            "about": "; ".join(names.get(x, shorten(x)) for x in a.about),
            "allegation sources": _sources_text(a, names), "allegation quotes": " | ".join(q for _, q in a.quotes),
            "denial": shorten(d.iri), "denied by": _claimants_text(d, names),
            "denies": "" if rejection else ("; ".join(names[x] for x in d.denied) or "the allegation as a whole"),
            "does not deny": "; ".join(names[x] for x in accused if x not in d.denied) if d.denied else "",
            "denial sources": _sources_text(d, names), "denial quotes": " | ".join(q for _, q in d.quotes),
            "flags": "; ".join(f"{shorten(c.iri)} RESTS ON RETRACTED SOURCE" for c in (a, d)
                               if c.iri and c.rests_on_retracted),
            "answer": d.stance or "denies",
            "rejected target": f"{names.get(target, shorten(target))} ({shorten(target)})" if target else "",
            "grounds": "; ".join(grounds.get(d.iri, []))})
    denials = sum(1 for r in rows if not r["rejected target"])
    return Report(kind="contested", title="Contested claims", subject=None, columns=CONTESTED_COLUMNS, rows=rows,
                  notes=[f"{denials} allegation–denial pairs; {len(rows) - denials} rejections of a claim or of the "
                         "evidence or report it rests on."])


CORROBORATION_COLUMNS = ("about", "accused", "alleged role", "independent claimants", "claimants",
                         "lines of evidence", "claim kinds", "statements", "allegations", "single claimant",
                         "single line of evidence", "disputed by", "rejected by")
# Claims that assert an actor's part in a harm: accusations, and an actor's claim of its own act.
CORROBORATING_STANCES = ("accuses", "claims-responsibility")
# Upstream links a claim or document rests on, followed transitively for independence.
UPSTREAM = "skg:basedOn|skg:originallyStatedIn|schema:citation"


def upstream_sources(store, claims: Iterable[str]) -> dict[str, set[str]]:
    """Given claims, return for each the documents and actors it rests on, followed transitively
    through skg:basedOn, skg:originallyStatedIn and schema:citation (the claim itself excluded)."""
    claims = sorted(set(claims))
    found: dict[str, set[str]] = {c: set() for c in claims}
    if not claims:
        return found
    for r in select(store, f"""SELECT DISTINCT ?claim ?source WHERE {{
      ?claim ({UPSTREAM})+ ?source . FILTER(isIRI(?source))
    }}""", claim=[ox.NamedNode(c) for c in claims]):
        found[r["claim"].value].add(r["source"].value)
    return found


def _reporting_publishers(store, claims: Iterable[str]) -> dict[str, set[str]]:
    claims = sorted(set(claims))
    found: dict[str, set[str]] = {c: set() for c in claims}
    if claims:
        for r in select(store, "SELECT ?claim ?publisher WHERE { ?claim skg:reportedIn ?document . "
                               "?document skg:publisher ?publisher . }", claim=[ox.NamedNode(c) for c in claims]):
            found[r["claim"].value].add(r["publisher"].value)
    return found


def lines_of_evidence(claims: Iterable[str], voice: dict[str, str], statement: dict[str, str],
                      upstream: dict[str, set[str]], publishers: dict[str, set[str]]) -> list[set[str]]:
    """Given claims with their voice (the organisation speaking), original statement, upstream sources and
    reporting documents' publishers, return the lines of evidence: groups of claims that are one voice,
    one statement, or share an upstream source other than a publisher of their reporting documents.

    >>> sorted(map(sorted, lines_of_evidence(["a", "b", "c"], {"a": "x", "b": "y", "c": "z"},
    ...     {"a": "a", "b": "b", "c": "c"}, {"a": {"doc:t"}, "b": {"doc:t"}, "c": set()}, {})))
    [['a', 'b'], ['c']]
    """
    claims = sorted(set(claims))
    parent = {c: c for c in claims}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for i, a in enumerate(claims):
        for b in claims[i + 1:]:
            shared = (upstream.get(a, set()) & upstream.get(b, set())) - publishers.get(a, set()) - publishers.get(b, set())
            if voice.get(a) == voice.get(b) or statement.get(a, a) == statement.get(b, b) or shared:
                parent[root(a)] = root(b)
    lines: dict[str, set[str]] = defaultdict(set)
    for c in claims:
        lines[root(c)].add(c)
    return list(lines.values())


CORROBORATION_PAGE = 100  # rows a page shows by default: a store of 100k dataset rows has tens of thousands of groups


def _paging(limit: int | None, offset: int, min_lines: int) -> None:
    if limit is not None and limit < 1:
        raise AuditError(f"limit must be 1 or more (or none for every row); got {limit}")
    if offset < 0:
        raise AuditError(f"offset must be 0 or more; got {offset}")
    if min_lines < 1:
        raise AuditError(f"min_lines must be 1 or more; got {min_lines}")


GroupKey = tuple[str, str, str]  # (incident or event, accused actor, alleged role)
_ONE_VOICE = (1, 1)  # lines of evidence and independent claimants of a group with one claim and one speaker


@dataclass
class _Group:
    """The claims that assert one actor's part in one incident, with their voices and statements."""

    voices: set[str] = field(default_factory=set)
    statements: set[str] = field(default_factory=set)
    allegations: set[str] = field(default_factory=set)
    kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _corroboration_groups(store, claims: Iterable[str]) -> tuple[dict[GroupKey, _Group], dict[str, str], dict[str, str]]:
    """Given claims, return their groups (all of each group's claims must be among them), each claim's
    voice and each claim's original statement (the claim itself when it has none)."""
    rows_in = select(store, """SELECT ?allegation ?stance ?about ?incident ?accused ?role ?agent ?behalf ?statement WHERE {
      ?allegation skg:stance ?stance .
      FILTER(?stance IN (stance:accuses, stance:claims-responsibility))
      ?allegation skg:about ?about .
      OPTIONAL { ?about skg:sameIncident ?incident . }
      ?allegation skg:qualifiedAccusation ?accusation .
      ?accusation skg:accusedActor ?accused .
      ?accusation skg:allegedRole ?role .
      ?allegation skg:qualifiedClaimAttribution ?attribution .
      ?attribution prov:agent ?agent .
      OPTIONAL { ?attribution skg:onBehalfOf ?behalf . }
      OPTIONAL { ?allegation skg:originallyStatedIn ?statement . }
    }""", allegation=[ox.NamedNode(c) for c in sorted(set(claims))])
    speaks_for = defaultdict(set)
    agents = {r["agent"] for r in rows_in if "behalf" not in r}
    for r in select(store, """SELECT ?person ?organisation WHERE {
      ?person skg:spokespersonFor|skg:leaderOf|skg:memberOf ?organisation . }""", person=sorted(agents, key=str)):
        speaks_for[r["person"].value].add(r["organisation"].value)
    groups: dict[GroupKey, _Group] = defaultdict(_Group)
    voice_of: dict[str, str] = {}
    statement_of: dict[str, str] = {}
    for r in rows_in:
        agent = r["agent"].value
        if "behalf" in r:
            voice = r["behalf"].value
        elif len(speaks_for.get(agent, ())) == 1:
            voice = next(iter(speaks_for[agent]))
        else:
            voice = agent
        about = r["incident"].value if "incident" in r else r["about"].value
        group = groups[(about, r["accused"].value, _local(r["role"].value))]
        claim = r["allegation"].value
        group.voices.add(voice)
        statement_of[claim] = r["statement"].value if "statement" in r else claim
        voice_of.setdefault(claim, voice)
        group.statements.add(statement_of[claim])
        group.allegations.add(claim)
        group.kinds[_local(r["stance"].value)].add(claim)
    return groups, voice_of, statement_of


def _decoded(text: str) -> str:
    """Given a label as `_group_keys` encodes it, return the label ('%' is %25, tab %09, newline %0A)."""
    if "%" not in text:
        return text
    return text.replace("%09", "\t").replace("%0A", "\n").replace("%25", "%")


# The patterns of a claim that asserts an actor's part in a harm: its event, accused actor, role, attribution.
_CLAIM_PATTERNS = {"stance": "?allegation skg:stance ?stance .",
                   "accusation": "?allegation skg:qualifiedAccusation ?accusation .",
                   "accused": "?accusation skg:accusedActor ?accused .", "role": "?accusation skg:allegedRole ?role .",
                   "attribution": "?allegation skg:qualifiedClaimAttribution ?attribution .",
                   "about": "?allegation skg:about ?event ."}
_EN_LABEL = 'OPTIONAL { ?event rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }'
# One line per claim and role, for `_group_keys`: event, accused, role, claim, attribution, "=" and the label.
_LINE = ('CONCAT(STR(?event), "\\t", STR(?accused), "\\t", STR(?role), "\\t", STR(?allegation), "\\t", '
         'STR(?attribution), "\\t", IF(BOUND(?label), CONCAT("=", '
         'REPLACE(REPLACE(REPLACE(?label, "%", "%25"), "\\t", "%09"), "\\n", "%0A")), ""))')


def _claim_rows(*first: str) -> str:
    """Given the names of the patterns whose variables are bound (none: every claim), return the claim
    patterns starting with them: Oxigraph joins in about the written order."""
    if not first:
        return ("VALUES ?stance { stance:accuses stance:claims-responsibility }\n      " +
                "\n      ".join(_CLAIM_PATTERNS.values()))
    order = [*first, *(name for name in _CLAIM_PATTERNS if name not in first)]
    return ("\n      ".join(_CLAIM_PATTERNS[name] for name in order) +
            "\n      FILTER(?stance IN (stance:accuses, stance:claims-responsibility))")


class _Plain(NamedTuple):
    """A one-claim group about a plain event, known by its event's label until a page shows it. Its
    fields come in the order groups of one size are ranked: event's name, accused's name, role."""

    label: str
    accused_name: str
    role: str
    accused: str
    role_iri: str


@dataclass
class _Known:
    """What few things have, read apart from the claims: the attributions' speakers, confirmed
    incidents, English preferred and alternative labels."""

    speakers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # attribution → "agent behalf"
    incidents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # event → incidents
    pref: dict[str, str] = field(default_factory=dict)
    alts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _known(store) -> _Known:
    known = _Known()
    for r in select(store, """SELECT ?attribution ?agent ?behalf WHERE {
          ?attribution prov:agent ?agent . OPTIONAL { ?attribution skg:onBehalfOf ?behalf . } }"""):
        known.speakers[r["attribution"].value].add(f"{r['agent'].value} {r['behalf'].value if 'behalf' in r else ''}")
    for r in select(store, "SELECT ?event ?incident WHERE { ?event skg:sameIncident ?incident . }"):
        known.incidents[r["event"].value].add(r["incident"].value)
    for r in select(store, """SELECT ?thing ?pref ?alt WHERE {
          { ?thing skos:prefLabel ?pref . FILTER(LANGMATCHES(LANG(?pref), "en")) }
          UNION { ?thing skos:altLabel ?alt . FILTER(LANGMATCHES(LANG(?alt), "en")) } }"""):
        if "pref" in r:
            known.pref[r["thing"].value] = r["pref"].value
        else:
            known.alts[r["thing"].value].add(r["alt"].value)
    return known


def _plain_groups(store, known: _Known) -> tuple[list[tuple[str, str, str]], set[tuple[str, str]], list[str]]:
    """Given what `_known` read, return the one-claim groups about plain events (named by their English
    rdfs:label alone: no preferred label, no confirmed incident) as (label, accused, role); the (accused, role)
    pairs whose other groups must be read claim by claim; and `_group_keys`' lines of the claims about
    the events that are not plain.

    One pass over every claim: per (accused, role), the store counts the plain events' rows (one per
    claim and speaker) and events and joins their labels into one string. Where every event has one
    row and a label of its own, each label is one group; otherwise (two claims or speakers about one
    event, an event with two labels or none, one label on two events) the pair is unsettled. Labels
    only: writing every event's IRI would cost as much again."""
    # One row per agent; an agent speaking on behalf of two organisations is two speakers: such
    # attributions (seldom any) are read claim by claim, as are events with a preferred label or incident.
    odd = sorted(a for a, said in known.speakers.items() if len(said) > len({s.split(" ")[0] for s in said}))
    odd_ones = f" || ?attribution IN ({', '.join(sparql_term(ox.NamedNode(a)) for a in odd)})" if odd else ""
    found = select(store, f"""SELECT ?accused ?role ?named (COUNT(*) AS ?rows) (COUNT(DISTINCT ?event) AS ?events)
          (COUNT(?label) AS ?labelled) (GROUP_CONCAT(?line; separator="\\n") AS ?lines) WHERE {{
      {_claim_rows()}
      ?attribution prov:agent ?agent .
      OPTIONAL {{ ?event skg:sameIncident ?incident . }} OPTIONAL {{ ?event skos:prefLabel ?pref . }}
      BIND(BOUND(?incident) || BOUND(?pref){odd_ones} AS ?named)
      {_EN_LABEL}
      BIND(IF(?named, {_LINE}, ?label) AS ?line)
    }} GROUP BY ?accused ?role ?named""")
    named = [r for r in found if r["named"].value == "true"]
    # A claim of an odd attribution may share its event with plain ones: its (accused, role) is unsettled.
    unsettled = {(r["accused"].value, r["role"].value) for r in named} if odd else set()
    by_role_name: dict[tuple[str, str], list] = defaultdict(list)  # roles of one local name make one group
    for r in found:
        if r["named"].value != "true":
            by_role_name[(r["accused"].value, _local(r["role"].value))].append(r)
    plain: list[tuple[str, str, str]] = []
    for (accused, _), rows in by_role_name.items():
        names = rows[0]["lines"].value.split("\n") if "lines" in rows[0] else []
        counts = {int(rows[0][n].value) for n in ("rows", "events", "labelled")} | {len(names), len(set(names))}
        if len(rows) == 1 and len(counts) == 1 and (accused, rows[0]["role"].value) not in unsettled:
            plain += [(name, accused, rows[0]["role"].value) for name in names]
        else:
            unsettled |= {(accused, r["role"].value) for r in rows}
    return plain, unsettled, [r["lines"].value for r in named if "lines" in r]


def _read_plain(store, shown: list[_Plain]) -> dict[_Plain, tuple[str, list[str]]]:
    """Given plain groups, return each one's event and claims, found through the event's label."""
    event_of: dict[_Plain, str] = {}
    claims: dict[_Plain, set[str]] = defaultdict(set)
    # Nearly every label is tagged "en" and found through the index; the rest ("en-GB" …) by a scan.
    for lookup, term in (("?event rdfs:label ?label .", lambda label: ox.Literal(label, language="en")),
                         ("?event rdfs:label ?tagged . "
                          'FILTER(STR(?tagged) = ?label && LANGMATCHES(LANG(?tagged), "en"))', ox.Literal)):
        wanted: dict[tuple[ox.NamedNode | ox.Literal, ...], _Plain] = {
            (term(p.label), ox.NamedNode(p.accused), ox.NamedNode(p.role_iri)): p for p in shown if p not in event_of}
        if not wanted:
            break
        values = " ".join(f"({' '.join(sparql_term(t) for t in key)})" for key in wanted)
        for r in select(store, f"""SELECT ?label ?accused ?role ?event ?allegation WHERE {{
          VALUES (?label ?accused ?role) {{ {values} }}
          {lookup}
          {_claim_rows("about")}
          ?attribution prov:agent ?agent .
        }}"""):
            plain = wanted[(r["label"], r["accused"], r["role"])]
            event_of[plain] = r["event"].value
            claims[plain].add(r["allegation"].value)
    return {p: (event, sorted(claims[p])) for p, event in event_of.items()}


def _group_keys(store, known: _Known, named_lines: list[str], unsettled: set[tuple[str, str]]
                ) -> tuple[dict[GroupKey, list[str]], set[GroupKey], dict[str, str]]:
    """Given what `_known` and `_plain_groups` read, return the groups read claim by claim: those about an
    incident or a thing with an English preferred label, and those of the unsettled (accused, role)
    pairs. For each its claims, then the groups with a single voice-claim pair (one claim and one
    speaker: one claimant and one line of evidence, nothing more to read), and the display name of
    every incident or event a group is about.

    Each claim's event, accused actor, role, attribution and the event's rdfs:label come as one line
    of a single string (one Python object instead of one per solution and term)."""
    texts = [(text, False) for text in named_lines]
    if unsettled:  # bound by the accused only (a role bound too costs more): the lines keep the pairs asked for
        texts += [(r["solutions"].value, True) for r in select(
            store, f"""SELECT (GROUP_CONCAT({_LINE}; separator="\\n") AS ?solutions) WHERE {{
              {_claim_rows("accused", "accusation")}
              {_EN_LABEL}
            }}""", accused=sorted({ox.NamedNode(a) for a, _ in unsettled}, key=str)) if "solutions" in r]
    first: dict[GroupKey, tuple[str, str]] = {}  # group → its first (claim, "agent on-behalf-of")
    more: dict[GroupKey, set[tuple[str, str]]] = {}  # groups with a second one
    other: dict[str, str] = {}  # an event's rdfs:label (with several, one line each: the last is kept)
    role_names: dict[str, str] = {}  # a handful of roles, named once
    for text, of_pairs in texts:
        for line in text.split("\n") if text else ():
            event, accused, role, claim, attribution, its_label = line.split("\t")
            if of_pairs and (accused, role) not in unsettled:
                continue
            if its_label:
                other[event] = _decoded(its_label[1:])
            role_name = role_names.get(role) or role_names.setdefault(role, _local(role))
            for about in known.incidents.get(event) or (event,):
                key = (about, accused, role_name)
                for speaker in known.speakers.get(attribution, ()):  # an attribution without an agent: no claimant
                    seen = first.setdefault(key, (claim, speaker))
                    if seen != (claim, speaker):
                        more.setdefault(key, {seen}).add((claim, speaker))
    abouts = {key[0] for key in first}
    names = labels(store, abouts & {i for found_incidents in known.incidents.values() for i in found_incidents})
    names.update({about: display_name(about, known.pref.get(about), known.alts.get(about, ()), other.get(about))
                  for about in abouts - names.keys()})
    claims_of = {key: sorted({claim for claim, _ in more[key]}) if key in more else [voice[0]]
                 for key, voice in first.items()}
    simple = first.keys() - more.keys()
    return claims_of, simple, names


def corroboration(store, *, limit: int | None = CORROBORATION_PAGE, offset: int = 0, min_lines: int = 1) -> Report:
    """Return, for each incident (or event or pattern) and each actor accused in a role, how many
    independent claimants and how many lines of evidence assert that part: accusations and
    responsibility claims alike.

    Independence: claimants count once per organisation; a person speaking on behalf of an
    organisation (or its spokesperson, leader or member) counts as that organisation. Lines of
    evidence: claims reporting one original statement, or resting on a shared upstream source
    (skg:basedOn, skg:originallyStatedIn, schema:citation, transitively), are one line. Events
    confirmed as one incident (skg:sameIncident) are counted together under the incident.

    Rows come most corroborated first (lines of evidence, then independent claimants, then by name),
    one page at a time: at most `limit` rows (None: all) from `offset`; `report.page` gives the total.
    `min_lines=2` keeps only the allegations corroborated by two or more independent lines of evidence.
    """
    _paging(limit, offset, min_lines)
    known = _known(store)
    # Most groups (every dataset row's) are one claim about a plain event: the store counts them and
    # gives their names; only those a page shows are read in full.
    plain_rows, unsettled, named_lines = _plain_groups(store, known)
    claims_of, simple, about_names = _group_keys(store, known, named_lines, unsettled)
    several = [k for k in claims_of if k not in simple]
    groups, voice_of, statement_of = _corroboration_groups(store, {c for k in several for c in claims_of[k]})
    # Independence is only a question where a group has two claims or more: read upstream chains for those.
    many = {a for k in several for a in groups[k].allegations if len(groups[k].allegations) > 1}
    upstream = upstream_sources(store, many)
    publishers = _reporting_publishers(store, many)
    lines = {k: lines_of_evidence(groups[k].allegations, voice_of, statement_of, upstream, publishers) for k in several}
    # A one-claim group is one claimant and one line of evidence: only the others get a size of their own.
    size = {k: (len(lines[k]), len(groups[k].voices)) for k in several}
    kept = [k for k in claims_of if size.get(k, _ONE_VOICE)[0] >= min_lines]
    kept_several = [k for k in several if size[k][0] >= min_lines]
    names = labels(store, {k[1] for k in kept} | {accused for _, accused, _ in plain_rows})  # the accused: a few actors
    names.update(about_names)
    # One line of evidence each: kept only when one is enough.
    plain = [_Plain(label, names[accused], _local(role), accused, role) for label, accused, role in plain_rows
             ] if min_lines == 1 else []

    def order(k: GroupKey) -> tuple[int, int, str, str, str]:
        lines_and_voices = size.get(k, _ONE_VOICE)
        return (-lines_and_voices[0], -lines_and_voices[1], names[k[0]], names[k[1]], k[2])

    page = Page(offset, limit, len(kept) + len(plain))
    end = None if limit is None else offset + limit
    # Only the rows up to the page's end are ordered (same order as sorting them all). Plain groups are
    # their own sort keys (compared in C); both lists are merged as (key, group).
    first_plain = sorted(plain) if end is None else heapq.nsmallest(end, plain)
    Ranked = Iterator[tuple[tuple[int, int, str, str, str], GroupKey | _Plain]]
    read_in_full: Ranked = ((order(k), k) for k in sorted(kept, key=order))
    by_name: Ranked = (((-1, -1, p.label, p.accused_name, p.role), p) for p in first_plain)
    shown_any = [k for _, k in itertools.islice(heapq.merge(read_in_full, by_name), offset, end)]
    read = _read_plain(store, [k for k in shown_any if isinstance(k, _Plain)])
    shown: list[GroupKey] = []
    for k in shown_any:
        if not isinstance(k, _Plain):
            shown.append(k)
            continue
        event, claims = read[k]
        key = (event, k.accused, k.role)
        names[event], claims_of[key] = k.label, claims
        simple.add(key)
        shown.append(key)
    # The page's one-claim groups, read in full now.
    extra, extra_voice, extra_statement = _corroboration_groups(
        store, {c for k in shown if k in simple for c in claims_of[k]})
    for k in shown:
        if k in simple:
            groups[k] = extra[k]
    voice_of.update(extra_voice)
    statement_of.update(extra_statement)
    page_claims = {a for k in shown for a in groups[k].allegations}
    disputed_by: dict[str, list[tuple[str, str]]] = defaultdict(list)
    # Denials are read in one query over every claim that has one (few), not per claim.
    for r in select(store, """SELECT ?claim ?denial ?denied WHERE {
          ?denial skg:disputes ?claim .
          OPTIONAL { ?denial skg:deniedActor ?denied . }
        } ORDER BY ?denial ?denied"""):
        if r["claim"].value in page_claims:
            disputed_by[r["claim"].value].append((r["denial"].value, r["denied"].value if "denied" in r else ""))
    rejections = _rejections_of(store, page_claims)
    names.update(labels(store, {v for k in shown for v in groups[k].voices} - set(names)))
    rows = []
    for about, accused, role in shown:
        g = groups[(about, accused, role)]
        disputes = sorted({(d, x) for a in g.allegations for d, x in disputed_by[a]})
        denial_text = "; ".join(f"{shorten(d)}" + (f" (denies {names.get(x) or shorten(x)})" if x else "")
                                for d, x in disputes if not x or x == accused)
        if disputes and not denial_text:
            denial_text = "; ".join(sorted({f"{shorten(d)} (does not deny this actor's part)" for d, _ in disputes}))
        n_lines, n_voices = size.get((about, accused, role), _ONE_VOICE)
        rejected = sorted({shorten(r) for a in g.allegations for r in rejections.get(a, ())})
        rows.append({
            "about": names[about], "accused": names[accused], "alleged role": role,
            "independent claimants": str(n_voices), "claimants": "; ".join(sorted(names[v] for v in g.voices)),
            "lines of evidence": str(n_lines),
            "claim kinds": "; ".join(f"{k} {len(v)}" for k, v in sorted(g.kinds.items())),
            "statements": "; ".join(sorted(shorten(s) for s in g.statements)),
            "allegations": "; ".join(sorted(shorten(a) for a in g.allegations)),
            "single claimant": "yes" if n_voices == 1 else "no",
            "single line of evidence": "yes" if n_lines == 1 else "no", "disputed by": denial_text,
            "rejected by": "; ".join(rejected)})
    simple_kept = len(kept) + len(plain) - len(kept_several)
    single = simple_kept + sum(1 for k in kept_several if size[k][1] == 1)
    one_line = simple_kept + sum(1 for k in kept_several if size[k][0] == 1)
    scope = "allegations" if min_lines == 1 else f"allegations with {min_lines} or more lines of evidence"
    notes = [f"{page.total} {scope} (incident or event, accused actor, role); {single} rest on a single "
             f"claimant, {one_line} on a single line of evidence.",
             "Independent claimants are distinct organisations: a spokesperson, leader or "
             "member counts as the organisation; two reports of one statement count once.",
             "Lines of evidence: claims that rest on a shared upstream source (skg:basedOn, "
             "skg:originallyStatedIn, schema:citation, followed transitively) are one line, as are claims "
             "of one voice. Accusations and responsibility claims both count."]
    if limit is not None and (offset or page.total > limit):
        notes.insert(0, f"Showing {page.describe(len(rows))}, most corroborated first.")
    return Report(kind="corroboration", title="Corroboration of allegations", subject=None,
                  columns=CORROBORATION_COLUMNS, rows=rows, notes=notes, page=page)


def _rejections_of(store, claims: Iterable[str]) -> dict[str, set[str]]:
    """Given claims, return the rejections that target each claim or a document it rests on or is reported in."""
    wanted = set(claims)
    found: dict[str, set[str]] = defaultdict(set)
    # Rejections are few: read them all, then only the claims that rest on what they target.
    targets: dict[str, set[str]] = defaultdict(set)
    for r in select(store, "SELECT ?rejection ?target WHERE { ?rejection skg:rejects ?target . }"):
        targets[r["target"].value].add(r["rejection"].value)
    for target, rejecting in targets.items():
        if target in wanted:
            found[target] |= rejecting
    if targets:
        for r in select(store, """SELECT DISTINCT ?claim ?target WHERE {
          ?claim skg:reportedIn|skg:originallyStatedIn|skg:basedOn ?target .
        }""", target=[ox.NamedNode(t) for t in sorted(targets)]):
            if r["claim"].value in wanted:
                found[r["claim"].value] |= targets[r["target"].value]
    return found


CHAIN_COLUMNS = ("step", "from", "relation", "to", "name", "details")


def source_chain(store, claim: str) -> Report:
    """Given a claim, return the PROV chain back from it: the documents that report it, the statement
    it reports, the speaker, the organisation, the affiliation that links them, and the graph's load."""
    iri = resolve_node(store, claim, "claim/", ns.SKG + "Claim")
    f = claim_facts(store, [iri])[iri]
    steps: list[tuple[str, str, str, str]] = []  # (from, relation, to, details)
    docs = select(store, """SELECT ?document ?type ?date ?publisher ?author ?sha ?retracted ?graph WHERE {
      OPTIONAL { ?document a ?type . FILTER(?type != skg:Document) }
      OPTIONAL { ?document skg:datePublished ?date . }
      OPTIONAL { ?document skg:publisher ?publisher . }
      OPTIONAL { ?document skg:author ?author . }
      OPTIONAL { ?document skg:sha256 ?sha . }
      OPTIONAL { ?document skg:retracted ?retracted . }
    }""", document=[ox.NamedNode(d) for d in f.reported_in + f.original])
    doc_info: dict[str, dict[str, str]] = defaultdict(dict)
    for r in docs:
        info = doc_info[r["document"].value]
        for key in ("type", "date", "publisher", "author", "sha", "retracted"):
            if key in r:
                info.setdefault(key, r[key].value)
    graphs = select(store, """SELECT ?graph ?file ?path ?sha WHERE {
      GRAPH ?graph { ?claim skg:stance ?stance . }
      OPTIONAL { ?graph prov:wasDerivedFrom ?file . ?file skg:filePath ?path . ?file skg:sha256 ?sha . }
    } ORDER BY ?graph ?path""", claim=[ox.NamedNode(iri)])
    affiliations = select(store, """SELECT ?person ?kind ?organisation ?basis WHERE {
      ?person skg:qualifiedAffiliation ?affiliation .
      ?affiliation skg:withActor ?organisation .
      ?affiliation skg:affiliationKind ?kind .
      OPTIONAL { ?affiliation prov:wasDerivedFrom ?basis . }
    } ORDER BY ?organisation""", person=[ox.NamedNode(a) for a, _, _ in f.speakers])

    def doc_details(d):
        info = doc_info.get(d, {})
        parts = [shorten(info["type"]) if info.get("type") else "document"]
        if info.get("date"):
            parts.append(f"published {info['date']}")
        if info.get("publisher"):
            parts.append(f"publisher {shorten(info['publisher'])}")
        if info.get("author") and info.get("author") != info.get("publisher"):
            parts.append(f"author {shorten(info['author'])}")
        if info.get("sha"):
            parts.append(f"sha256 {info['sha'][:12]}…")
        if info.get("retracted") == "true":
            parts.append("RETRACTED")
        return ", ".join(parts)

    for d in f.reported_in:
        steps.append((iri, "reported in", d, doc_details(d)))
    for g in graphs:
        if "path" in g:
            steps.append((f.reported_in[0] if f.reported_in else iri, "described in graph", g["graph"].value,
                          f"loaded from {g['path'].value} (sha256 {g['sha'].value[:12]}…)"))
    for d in f.original:
        steps.append((f.reported_in[0] if f.reported_in else iri, "reports the statement", d, doc_details(d)))
    origin = f.original[0] if f.original else (f.reported_in[0] if f.reported_in else iri)
    for agent, behalf, role in f.speakers:
        steps.append((origin, "made by", agent, f"role {role}" if role else ""))
        if behalf:
            steps.append((agent, "on behalf of", behalf, ""))
        for a in affiliations:
            if a["person"].value == agent:
                basis = f"per {shorten(a['basis'].value)}" if "basis" in a else "no claim recorded"
                steps.append((agent, _local(a["kind"].value).replace("-", " "), a["organisation"].value, basis))
    names = labels(store, {s[0] for s in steps} | {s[2] for s in steps} | {iri} | {a for a, _ in f.accused})
    names[iri] = f.stance + (": " + ", ".join(f"{names[a]} as {r}" for a, r in f.accused) if f.accused else "")
    rows = [{"step": str(i), "from": shorten(a), "relation": rel, "to": shorten(b),
             "name": names.get(b, shorten(b)), "details": det} for i, (a, rel, b, det) in enumerate(steps, start=1)]
    header = (f"{shorten(iri)}: {f.stance}" + (" (allegation)" if f.allegation else "") +
              (f", {', '.join(f'{names.get(a) or shorten(a)} as {r}' for a, r in f.accused)}" if f.accused else "") +
              f"; stated {describe_date(f.stated_on, f.precision)}")
    text = chain_text(iri, header, steps, names, f)
    notes = [header] + ([f"quote: “{q}” (character {s} of the reporting document)" for s, q in f.quotes])
    if f.rests_on_retracted:
        notes.append("RESTS ON RETRACTED SOURCE")
    return Report(kind="claim", title=f"Source chain of {shorten(iri)}", subject=iri, columns=CHAIN_COLUMNS, rows=rows,
                  notes=notes, text=text, svg=chain_svg(iri, steps, names))


def chain_text(root: str, header: str, steps, names, facts: ClaimFacts) -> str:
    """Given the chain's steps, return it as an indented tree of text."""
    children = defaultdict(list)
    for a, rel, b, det in steps:
        children[a].append((rel, b, det))
    lines = [header]
    seen = {root}

    def walk(node, depth):
        for rel, b, det in children.get(node, []):
            lines.append("  " * depth + f"└─ {rel} → {shorten(b)} “{names.get(b, shorten(b))}”" + (f" ({det})" if det else ""))
            if b not in seen:
                seen.add(b)
                walk(b, depth + 1)

    walk(root, 1)
    for start, quote in facts.quotes:
        lines.append(f"  quote @{start}: “{quote}”")
    return "\n".join(lines)


def chain_svg(root: str, steps, names) -> str:
    """Given the chain's steps, return a small SVG diagram: one box per node, one labelled arrow per step."""
    order = [root]
    for a, _, b, _ in steps:
        for node in (a, b):
            if node not in order:
                order.append(node)
    box_w, box_h, gap, left = 460, 44, 40, 20
    y = {node: 20 + i * (box_h + gap) for i, node in enumerate(order)}
    height = 40 + len(order) * (box_h + gap)
    e = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{box_w + 260}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>']
    for node in order:
        parts.append(f'<g class="node"><rect x="{left}" y="{y[node]}" width="{box_w}" height="{box_h}" rx="6" '
                     f'fill="#f4f4f4" stroke="#333"/>'
                     f'<text x="{left + 8}" y="{y[node] + 18}" font-weight="bold">{e(shorten(node))}</text>'
                     f'<text x="{left + 8}" y="{y[node] + 35}">{e(names.get(node, "")[:70])}</text></g>')
    for i, (a, rel, b, _) in enumerate(steps):
        x = left + box_w + 15 + (i % 4) * 45
        y1, y2 = y[a] + box_h / 2, y[b] + box_h / 2
        parts.append(f'<g class="edge"><path d="M{left + box_w},{y1} H{x} V{y2} H{left + box_w + 2}" fill="none" '
                     f'stroke="#555" marker-end="url(#arrow)"/>'
                     f'<text x="{x + 4}" y="{(y1 + y2) / 2}">{e(rel)}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)


IMPACT_COLUMNS = ("claim", "stance", "date", "how it rests on the source", "other reporting documents",
                  "derived", "rests on this source alone", "flags")


def source_impact(store, document: str) -> Report:
    """Given a source document, return everything derived from it: the claims it reports or originally
    states, what rests on those claims, and which claims would fall with it alone."""
    iri = resolve_node(store, document, "document/", ns.SKG + "Document")
    doc = ox.NamedNode(iri)
    parts = select(store, "SELECT ?part WHERE { ?part skg:partOfDocument ?document . } ORDER BY ?part", document=[doc])
    documents = [doc] + [p["part"] for p in parts]
    rows_in = select(store, """SELECT DISTINCT ?claim ?how WHERE {
      { ?claim skg:reportedIn ?document . BIND("reported in it" AS ?how) }
      UNION { ?claim skg:originallyStatedIn ?document . BIND("originally stated in it" AS ?how) }
    }""", document=documents)
    claims = sorted({r["claim"].value for r in rows_in})
    how = defaultdict(set)
    for r in rows_in:
        how[r["claim"].value].add(r["how"].value)
    facts = claim_facts(store, claims)
    derived = defaultdict(list)
    for r in select(store, "SELECT ?thing ?claim WHERE { ?thing prov:wasDerivedFrom ?claim . } ORDER BY ?thing",
                    claim=[ox.NamedNode(c) for c in claims]):
        derived[r["claim"].value].append(shorten(r["thing"].value))
    retracted = select(store, "SELECT ?document WHERE { ?document skg:retracted true }", document=[doc])
    is_retracted = bool(retracted)
    doc_set = {d.value for d in documents}
    keyed: list[tuple[tuple[str, str], dict[str, str]]] = []  # (sort key, row)
    for c in claims:
        f = facts[c]
        others = [d for d in f.reported_in if d not in doc_set]
        # A claim rests on the source alone when the source is its original statement (every report
        # of it derives from that), or when no other document reports it.
        alone = any(d in doc_set for d in f.original) or not others
        keyed.append(((f.stated_on, c), {
            "claim": shorten(c), "stance": f.stance, "date": describe_date(f.stated_on, f.precision),
            "how it rests on the source": "; ".join(sorted(how[c])),
            "other reporting documents": "; ".join(shorten(d) for d in others),
            "derived": "; ".join(derived[c]), "rests on this source alone": "yes" if alone else "no",
            "flags": "RESTS ON RETRACTED SOURCE" if f.rests_on_retracted else ""}))
    rows = [row for _, row in sorted(keyed, key=lambda pair: pair[0])]
    names = labels(store, [iri])
    alone_count = sum(1 for r in rows if r["rests on this source alone"] == "yes")
    notes = [f"{len(rows)} claims derive from {shorten(iri)}; {alone_count} rest on it alone."]
    if is_retracted:
        notes.insert(0, f"{shorten(iri)} IS RETRACTED: {sum(1 for r in rows if r['flags'])} claims are flagged.")
    return Report(kind="source", title=f"Source impact: {names[iri]}", subject=iri, columns=IMPACT_COLUMNS,
                  rows=rows, notes=notes)


# ---------------------------------------------------------------------------------------------
# Retraction: the change that marks a document retracted (apply it through the SHACL gate)
# ---------------------------------------------------------------------------------------------
def retraction_change(store, document: str, retracted: bool = True) -> Change:
    """Given a document, return the Change that sets `skg:retracted` on it, in the graph that describes it."""
    iri = resolve_node(store, document, "document/", ns.SKG + "Document")
    doc = ox.NamedNode(iri)
    where = select(store, "SELECT DISTINCT ?graph WHERE { GRAPH ?graph { ?document a ?type . } } ORDER BY ?graph",
                   document=[doc])
    if not where:
        raise AuditError(f"{shorten(iri)} is not described in any named graph")
    graph = where[0]["graph"]
    if not isinstance(graph, ox.NamedNode):
        raise AuditError(f"{shorten(iri)} is described outside a named graph")
    predicate = ox.NamedNode(ns.SKG + "retracted")
    boolean = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    removals = tuple(q for q in store.quads(doc, predicate, None, None))
    additions = (ox.Quad(doc, predicate, ox.Literal("true" if retracted else "false", datatype=boolean), graph),)
    if {(q.subject, q.predicate, q.object, q.graph_name) for q in removals} == \
            {(q.subject, q.predicate, q.object, q.graph_name) for q in additions}:
        return Change()
    return Change(removals=removals, additions=additions)


def retract(store, document: str, retracted: bool = True) -> Change:
    """Given a store and a document, commit the retraction through the SHACL gate; return the Change.

    A change the shapes refuse raises AuditError, and nothing is written.
    """
    from sahelkg import gate

    change = retraction_change(store, document, retracted)
    try:
        gate.commit(store, change)
    except gate.ChangeRefused as refused:
        raise AuditError(f"the retraction breaks the shapes; nothing was written: {refused.report.to_json()}") from None
    return change


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------
def render(report: Report, fmt: str = "markdown") -> str:
    """Given a report and a format (markdown, csv, json, html), return the text."""
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(report.columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(report.rows)
        return out.getvalue()
    if fmt == "html":
        return render_html(report)
    if fmt == "markdown":
        return render_markdown(report)
    raise AuditError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """Given a report, return it as Markdown: a title, notes, a table, and a chain's text."""
    lines = [f"# {report.title}", ""]
    lines += [f"- {n}" for n in report.notes] + ([""] if report.notes else [])
    if report.text:
        lines += ["```", report.text, "```", ""]
    lines += _md_table(report.columns, report.rows)
    for table in report.sections:
        lines += ["", f"## {table.title}", ""] + _md_table(table.columns, table.rows)
    return "\n".join(lines) + "\n"


def _md_table(columns: tuple[str, ...], rows: list[dict[str, str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(row.get(c, "")) for c in columns) + " |")
    return lines


def render_html(report: Report) -> str:
    """Given a report, return a small HTML page: title, notes, table, and a chain's text and SVG."""
    e = html.escape
    body = [f"<h1>{e(report.title)}</h1>"]
    if report.notes:
        body.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    if report.text:
        body.append(f"<pre>{e(report.text)}</pre>")
    if report.svg:
        body.append(report.svg)
    body.append(_html_table(report.columns, report.rows))
    for table in report.sections:
        body.append(f"<h2>{e(table.title)}</h2>" + _html_table(table.columns, table.rows))
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>' + e(report.title) +
            "</title><style>td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
            "table{border-collapse:collapse}.flagged{background:#fdd}</style></head><body>" + "".join(body) +
            "</body></html>")


def _html_table(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    e = html.escape
    out = ["<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr></thead><tbody>"]
    for row in rows:
        flagged = ' class="flagged"' if row.get("flags") else ""
        out.append(f"<tr{flagged}>" + "".join(f"<td>{e(row.get(c, ''))}</td>" for c in columns) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


AUDITS = ("actor", "contested", "corroboration", "claim", "source", "incident", "adversaries", "alleged", "answers",
          "crosswalk")


def run_audit(store, kind: str, target: str | None = None, against: str | None = None, *,
              limit: int | None = CORROBORATION_PAGE, offset: int = 0, min_lines: int = 1) -> Report:
    """Given a store, an audit name (one of AUDITS) and its target, return the report.

    `alleged` takes two: the organisation (target) and the actor it alleged against (against).
    `corroboration` is paged (limit, offset) and can keep only rows with `min_lines` lines of evidence.
    """
    from sahelkg.audit import cross_source, crosswalk, incidents  # they build on this module

    audits = {"actor": actor_ledger, "claim": source_chain, "source": source_impact,
              "incident": incidents.incident_dossier}
    if kind in audits:
        if not target:
            raise AuditError(f"the {kind} audit needs a target")
        return audits[kind](store, target)
    if kind == "alleged":
        if not target or not against:
            raise AuditError("the alleged audit needs an organisation (by) and an actor (against)")
        return cross_source.alleged_against(store, target, against)
    if kind == "corroboration":
        return corroboration(store, limit=limit, offset=offset, min_lines=min_lines)
    overall = {"contested": contested_claims,
               "adversaries": cross_source.adversary_accusations, "answers": cross_source.answers_by_actor_kind,
               "crosswalk": crosswalk.crosswalk}
    if kind in overall:
        return overall[kind](store)
    raise AuditError(f"unknown audit {kind!r}; use one of {', '.join(AUDITS)}")


__all__ = ["AUDITS", "CORROBORATION_PAGE", "AuditError", "Page", "Report", "Table", "actor_ledger", "contested_claims",
           "corroboration", "source_chain", "source_impact", "retraction_change", "retract", "render", "run_audit",
           "InvalidParameter"]
