"""Linked-data pages: what the graph says about one IRI, built from SPARQL queries and shown
as plain server-rendered HTML, or as RDF.

Every section of a page is one SPARQL query; the page lists those queries and links each to
/sparql so a reader can rerun and edit it. `Site` maps our IRIs (https://w3id.org/sahelkg/…) to
where this service answers for them, so the same data can be served from another host.

>>> Site(public_base="https://kg.example.org/sahel/").public("https://w3id.org/sahelkg/id/actor/fama")
'https://kg.example.org/sahel/id/actor/fama'
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.dataset.site import Site
from sahelkg.store import QueryResult

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKG = ns.SKG
PROLOGUE = ns.sparql_prologue() + "PREFIX oa: <http://www.w3.org/ns/oa#>\n"


@dataclass
class Section:
    """One part of a page: a title, the query that filled it, and its rows."""

    title: str
    query: str
    variables: tuple[str, ...] = ()
    rows: list[dict] = field(default_factory=list)


Runner = Callable[[str], QueryResult]


def bind(query: str, iri: str) -> str:
    """Given a query using ?this, return it with ?this bound to the IRI (VALUES, never text splicing)."""
    term = str(ox.NamedNode(iri))  # refuses characters that are not allowed in IRIs
    head, _, tail = query.partition("WHERE {")
    return f"{PROLOGUE}{head}WHERE {{ VALUES ?this {{ {term} }}{tail}"


STATEMENTS = """SELECT ?p ?o ?g WHERE {
  GRAPH ?g { ?this ?p ?o }
} ORDER BY ?p ?o LIMIT 1000"""
DEFAULT_STATEMENTS = """SELECT ?p ?o WHERE {
  ?this ?p ?o
} ORDER BY ?p ?o LIMIT 1000"""
SECTION_LIMIT = 200
LINKS_IN = """SELECT ?s ?p ?g WHERE {
  GRAPH ?g { ?s ?p ?this }
} ORDER BY ?p ?s LIMIT 500"""

ACTOR_SECTIONS = [
    ("Affiliations", """SELECT ?affiliation ?kind ?direction ?other ?claim ?source ?quote WHERE {
  { ?this skg:qualifiedAffiliation ?affiliation . ?affiliation skg:withActor ?other . BIND("to" AS ?direction) }
  UNION
  { ?other skg:qualifiedAffiliation ?affiliation . ?affiliation skg:withActor ?this . BIND("from" AS ?direction) }
  ?affiliation skg:affiliationKind ?kind .
  FILTER NOT EXISTS { ?kind skos:inScheme <https://w3id.org/sahelkg/vocab/hostility-kind> }
  FILTER(?kind != <https://w3id.org/sahelkg/vocab/affiliation-kind/in-conflict-with>)
  OPTIONAL { ?affiliation prov:wasDerivedFrom ?claim .
             OPTIONAL { ?claim skg:reportedIn ?source }
             OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote } }
} ORDER BY ?kind ?other ?claim"""),
    # Hostility is its own section, never among the affiliations: "in conflict with X, according to Y".
    ("Hostilities (not affiliations)", """SELECT ?hostility ?kind ?direction ?other ?claim ?claimant ?source ?quote WHERE {
  { ?this skg:qualifiedHostility ?hostility . ?hostility skg:withActor ?other . BIND("to" AS ?direction) }
  UNION
  { ?other skg:qualifiedHostility ?hostility . ?hostility skg:withActor ?this . BIND("from" AS ?direction) }
  UNION
  { ?this skg:qualifiedAffiliation ?hostility . ?hostility skg:withActor ?other ;
          skg:affiliationKind <https://w3id.org/sahelkg/vocab/affiliation-kind/in-conflict-with> . BIND("to" AS ?direction) }
  UNION
  { ?other skg:qualifiedAffiliation ?hostility . ?hostility skg:withActor ?this ;
           skg:affiliationKind <https://w3id.org/sahelkg/vocab/affiliation-kind/in-conflict-with> . BIND("from" AS ?direction) }
  OPTIONAL { ?hostility skg:hostilityKind|skg:affiliationKind ?kind }
  OPTIONAL { ?hostility prov:wasDerivedFrom ?claim .
             OPTIONAL { ?claim skg:claimant ?claimant }
             OPTIONAL { ?claim skg:reportedIn ?source }
             OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote } }
} ORDER BY ?kind ?other ?claim ?claimant"""),
    ("Allegations against this actor", """SELECT ?claim ?stance ?role ?claimant ?about ?date ?source ?quote WHERE {
  ?claim skg:accused ?this ;
         skg:stance ?stance .
  OPTIONAL { ?claim skg:qualifiedAccusation ?accusation .
             ?accusation skg:accusedActor ?this ;
                         skg:allegedRole ?role }
  OPTIONAL { ?claim skg:claimant ?claimant }
  OPTIONAL { ?claim skg:about ?about }
  OPTIONAL { ?claim skg:statedOn ?date }
  OPTIONAL { ?claim skg:reportedIn ?source }
  OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote }
} ORDER BY ?date ?claim"""),
    ("Claims that name this actor as acting (not presented as harm)", """
SELECT ?claim ?stance ?role ?claimant ?about ?date ?source ?quote WHERE {
  ?claim skg:involves ?this ;
         skg:stance ?stance .
  OPTIONAL { ?claim skg:qualifiedInvolvement ?involvement .
             ?involvement skg:involvedActor ?this ;
                          skg:allegedRole ?role }
  OPTIONAL { ?claim skg:claimant ?claimant }
  OPTIONAL { ?claim skg:about ?about }
  OPTIONAL { ?claim skg:statedOn ?date }
  OPTIONAL { ?claim skg:reportedIn ?source }
  OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote }
} ORDER BY ?date ?claim"""),
    ("Claims that deny this actor's involvement", """SELECT ?claim ?claimant ?about ?date ?source ?quote WHERE {
  ?claim skg:deniedActor ?this .
  OPTIONAL { ?claim skg:claimant ?claimant }
  OPTIONAL { ?claim skg:about ?about }
  OPTIONAL { ?claim skg:statedOn ?date }
  OPTIONAL { ?claim skg:reportedIn ?source }
  OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote }
} ORDER BY ?date ?claim"""),
    ("Claims made by this actor", """SELECT ?claim ?stance ?about ?accused ?date ?source ?quote WHERE {
  ?claim skg:claimant ?this ;
         skg:stance ?stance .
  OPTIONAL { ?claim skg:about ?about }
  OPTIONAL { ?claim skg:accused ?accused }
  OPTIONAL { ?claim skg:statedOn ?date }
  OPTIONAL { ?claim skg:reportedIn ?source }
  OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote }
} ORDER BY ?date ?claim LIMIT 500"""),
    ("Events this actor took part in (non-perpetrator roles only)", """SELECT ?event ?role ?date WHERE {
  ?event skg:qualifiedParticipation ?participation .
  ?participation skg:participant ?this ;
                 skg:participantRole ?role .
  OPTIONAL { ?event skg:timeSpan/skg:startDate ?date }
} ORDER BY ?date ?event LIMIT 500"""),
]

CLAIM_SECTIONS = [
    ("Who says it", """SELECT ?claimant ?speaker ?onBehalfOf ?role ?certainty ?stance ?date WHERE {
  ?this skg:stance ?stance .
  OPTIONAL { ?this skg:claimant ?claimant }
  OPTIONAL { ?this skg:qualifiedClaimAttribution ?attribution .
             OPTIONAL { ?attribution prov:agent ?speaker }
             OPTIONAL { ?attribution skg:onBehalfOf ?onBehalfOf }
             OPTIONAL { ?attribution prov:hadRole ?role }
             OPTIONAL { ?attribution skg:attributionCertainty ?certainty } }
  OPTIONAL { ?this skg:statedOn ?date }
}"""),
    ("What it is about, and whom it holds responsible", """SELECT ?about ?accused ?role ?denied ?disputes ?disputedBy WHERE {
  { ?this skg:about ?about }
  UNION { ?this skg:qualifiedAccusation ?accusation . ?accusation skg:accusedActor ?accused ; skg:allegedRole ?role }
  UNION { ?this skg:qualifiedInvolvement ?involvement . ?involvement skg:involvedActor ?accused ; skg:allegedRole ?role }
  UNION { ?this skg:deniedActor ?denied }
  UNION { ?this skg:disputes ?disputes }
  UNION { ?disputedBy skg:disputes ?this }
}"""),
    ("Evidence chain: documents and anchoring quotes", """
SELECT ?link ?document ?publisher ?published ?sha256 ?retrievedFrom ?exact ?prefix ?suffix ?start ?end WHERE {
  { ?this skg:reportedIn ?document . BIND("reported in" AS ?link) }
  UNION
  { ?this skg:originallyStatedIn ?document . BIND("originally stated in" AS ?link) }
  UNION
  { ?this skg:anchor ?anchor . ?anchor oa:hasSource ?document . BIND("quoted from" AS ?link)
    OPTIONAL { ?anchor oa:hasSelector ?quote . ?quote oa:exact ?exact .
               OPTIONAL { ?quote oa:prefix ?prefix } OPTIONAL { ?quote oa:suffix ?suffix } }
    OPTIONAL { ?anchor oa:hasSelector ?position . ?position oa:start ?start ; oa:end ?end }
    OPTIONAL { ?anchor oa:hasSelector ?fragment . ?fragment a oa:FragmentSelector ; rdf:value ?exact } }
  OPTIONAL { ?document skg:publisher ?publisher }
  OPTIONAL { ?document skg:datePublished ?published }
  OPTIONAL { ?document skg:sha256 ?sha256 }
  OPTIONAL { ?document skg:retrievedFrom ?retrievedFrom }
} ORDER BY ?link ?start"""),
    ("Numbers it gives", """SELECT ?count ?outcome ?minimum ?maximum ?best ?qualifier ?wording ?partOf WHERE {
  ?this skg:assertsCount ?count .
  ?count skg:outcome ?outcome ; skg:minimum ?minimum .
  OPTIONAL { ?count skg:maximum ?maximum }
  OPTIONAL { ?count skg:bestEstimate ?best }
  OPTIONAL { ?count skg:qualifier ?qualifier }
  OPTIONAL { ?count skg:originalWording ?wording }
  OPTIONAL { ?count skg:partOf ?partOf }
} ORDER BY ?partOf ?count"""),
]

EVENT_SECTIONS = [
    ("Claims about this event", """SELECT ?claim ?stance ?claimant ?accused ?date ?source ?quote WHERE {
  ?claim skg:about ?this ;
         skg:stance ?stance .
  OPTIONAL { ?claim skg:claimant ?claimant }
  OPTIONAL { ?claim skg:accused ?accused }
  OPTIONAL { ?claim skg:statedOn ?date }
  OPTIONAL { ?claim skg:reportedIn ?source }
  OPTIONAL { ?claim skg:anchor/oa:hasSelector/oa:exact ?quote }
} ORDER BY ?date ?claim"""),
    ("Counts", """SELECT ?count ?outcome ?minimum ?maximum ?best ?wording ?claim WHERE {
  ?count skg:countOf ?this ;
         skg:outcome ?outcome ;
         skg:minimum ?minimum .
  OPTIONAL { ?count skg:maximum ?maximum }
  OPTIONAL { ?count skg:bestEstimate ?best }
  OPTIONAL { ?count skg:originalWording ?wording }
  OPTIONAL { ?claim skg:assertsCount ?count }
} ORDER BY ?count"""),
]

TYPE_QUERY = """SELECT ?type ?super WHERE {
  ?this a ?type .
  OPTIONAL { ?type rdfs:subClassOf* ?super }
}"""


def _value(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"iri": term.value}
    if isinstance(term, ox.BlankNode):
        return {"blank": term.value}
    return {"literal": term.value, "lang": term.language,
            "datatype": None if term.language else term.datatype.value}


def run_section(run: Runner, title: str, query: str, iri: str) -> Section:
    """Given a query runner, a titled query using ?this and an IRI, return the filled section."""
    text = bind(query, iri)
    result = run(text)
    section = Section(title, text, tuple(result.variables))
    for row in result.rows:
        section.rows.append({name: _value(term) for name, term in zip(result.variables, row, strict=True)})
    return section


def unsorted(query: str, limit: int = SECTION_LIMIT) -> str:
    """Given a section query, return it without its ORDER BY and with a LIMIT: the first rows found,
    so a thing with 100k links never has them all sorted.

    >>> unsorted("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?p ?s LIMIT 500", 10)
    'SELECT ?s WHERE { ?s ?p ?o } LIMIT 10'
    >>> unsorted("SELECT ?s WHERE { ?s ?p ?o } LIMIT 500", 10)
    'SELECT ?s WHERE { ?s ?p ?o } LIMIT 10'
    """
    text = re.sub(r"\s*LIMIT\s+\d+\s*$", "", query.rstrip())
    return re.sub(r"\}\s*ORDER BY[^{}]*$", "}", text) + f" LIMIT {limit}"


def page_sections(run: Runner, iri: str, bounded: bool = False) -> tuple[list[Section], set[str]]:
    """Given a query runner and an IRI, return the page's sections and the resource's types
    (with superclasses). The first section is the statements, the second the links in.
    bounded: each section unsorted and at most SECTION_LIMIT rows (the workbench's folded part)."""

    def section(title: str, query: str) -> Section:
        if not bounded:
            return run_section(run, title, query, iri)
        found = run_section(run, title, unsorted(query), iri)
        # The few rows kept are sorted here, by the columns in order, as the query would have.
        found.rows.sort(key=lambda row: [str(row.get(v) or "") for v in found.variables])
        return found

    types_section = run_section(run, "Types", TYPE_QUERY, iri)
    types = {row[k]["iri"] for row in types_section.rows for k in ("type", "super") if row.get(k) and "iri" in row[k]}
    sections = [section("Statements", STATEMENTS)]
    if not sections[0].rows:
        sections[0] = section("Statements", DEFAULT_STATEMENTS)
    sections.append(section("Links to this resource", LINKS_IN))
    extra = []
    if SKG + "Actor" in types:
        extra = ACTOR_SECTIONS
    elif SKG + "Claim" in types:
        extra = CLAIM_SECTIONS
    elif SKG + "Occurrence" in types:
        extra = EVENT_SECTIONS
    for title, query in extra:
        # Guard: an actor coded in 100k dataset rows would otherwise fill the page with every one.
        sections.append(section(title, query if "LIMIT" in query else query + f" LIMIT {SECTION_LIMIT}"))
    return sections, types


def labels_query(iris: set[str]) -> str:
    """Given IRIs, return the query that fetches their labels (English or untagged first)."""
    values = " ".join(str(ox.NamedNode(i)) for i in sorted(iris))
    return (PROLOGUE + "SELECT ?s ?label WHERE {\n  VALUES ?s { " + values + " }\n"
            "  ?s skos:prefLabel|rdfs:label ?label .\n  FILTER(LANG(?label) = \"en\" || LANG(?label) = \"\")\n}")


def fetch_labels(run: Runner, iris: set[str]) -> dict[str, str]:
    """Given IRIs, return a label for those that have one."""
    labels: dict[str, str] = {}
    iris = {i for i in iris if i}
    chunk = sorted(iris)
    for start in range(0, len(chunk), 300):
        result = run(labels_query(set(chunk[start:start + 300])))
        for subject, label in result.rows:
            if isinstance(subject, ox.NamedNode) and isinstance(label, ox.Literal):
                current = labels.get(subject.value)
                if current is None or (label.language == "en" and len(label.value) < len(current)):
                    labels[subject.value] = label.value
    return labels


def section_iris(sections: list[Section]) -> set[str]:
    """Return every IRI mentioned in the sections' rows."""
    found = set()
    for section in sections:
        for row in section.rows:
            for value in row.values():
                if value and "iri" in value:
                    found.add(value["iri"])
    return found


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------
STYLE = """body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}code,.iri{font-family:ui-monospace,monospace;font-size:.85em;color:#555}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;
text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:600}.lang{color:#888;font-size:.8em}
.types a{margin-right:.5rem}blockquote{margin:.2rem 0;padding-left:.6rem;border-left:3px solid #c90}
nav a{margin-right:1rem}.graph{font-size:.8em;color:#777}details{margin:.4rem 0}"""


def is_web_link(href: str) -> bool:
    """Given a link target, return True when a page may make it clickable: http(s) or site-relative.

    >>> [is_web_link(h) for h in ("https://a.example/", "/id/x", "javascript:alert(1)", "//evil.example/")]
    [True, True, False, False]
    """
    lowered = href.strip().lower()
    if lowered.startswith("/"):
        return not lowered.startswith("//")
    return lowered.startswith(("http://", "https://"))


class Renderer:
    """Turns sections into HTML, with links that stay inside the site."""

    def __init__(self, site: Site, labels: dict[str, str], sparql_url: str = "/sparql"):
        self.site, self.labels, self.sparql_url = site, labels, sparql_url

    def link(self, iri: str) -> str:
        label = self.labels.get(iri)
        text = html.escape(label) if label else f'<span class="iri">{html.escape(ns.shorten(iri))}</span>'
        href = self.site.href(iri)
        # Guard: only web links are followable; javascript:, data: and the like are shown as text.
        if not is_web_link(href):
            return text if label is None else f'{text} <span class="iri">{html.escape(iri)}</span>'
        return f'<a href="{html.escape(href)}">{text}</a>'

    def value(self, value: dict | None, *, quote: bool = False) -> str:
        if value is None:
            return ""
        if "iri" in value:
            return self.link(value["iri"])
        if "blank" in value:
            return f"<code>_:{html.escape(value['blank'])}</code>"
        text = html.escape(value["literal"])
        if quote:
            return f"<blockquote>{text}</blockquote>"
        if value.get("lang"):
            return f'{text} <span class="lang">@{html.escape(value["lang"])}</span>'
        return text

    def query_link(self, query: str) -> str:
        return f'{self.sparql_url}?query={urllib.parse.quote(query)}'

    def table(self, section: Section) -> str:
        if not section.rows:
            return "<p><em>None.</em></p>"
        columns = [v for v in section.variables if any(row.get(v) for row in section.rows)]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = []
        for row in section.rows:
            cells = "".join(f"<td>{self.value(row.get(c), quote=c in ('quote', 'exact'))}</td>" for c in columns)
            body.append(f"<tr>{cells}</tr>")
        return f"<table><tr>{head}</tr>{''.join(body)}</table>"

    def page(self, iri: str, sections: list[Section], types: set[str], alternates: list[tuple[str, str, str]]) -> str:
        shown = self.site.public(iri)
        title = self.labels.get(iri) or ns.shorten(iri)
        direct_types = [r["o"]["iri"] for r in sections[0].rows if r["p"]["iri"] == RDF_TYPE and "iri" in r["o"]]
        out = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)} · sahelkg</title>",
               f"<style>{STYLE}</style>"]
        for href, media_type, _ in alternates:
            out.append(f'<link rel="alternate" type="{media_type}" href="{html.escape(href)}">')
        out.append("</head><body>")
        out.append('<nav><a href="/ontology">ontology</a><a href="/queries">saved queries</a>'
                   '<a href="/sparql">SPARQL</a><a href="/dump.trig">dump</a></nav>')
        out.append(f"<h1>{html.escape(title)}</h1><p class=\"iri\">{html.escape(shown)}</p>")
        if direct_types:
            out.append('<p class="types">Type: ' + " ".join(self.link(t) for t in direct_types) + "</p>")
        out.append("<p>Also as: " + " · ".join(f'<a href="{html.escape(h)}">{html.escape(name)}</a>'
                                                for h, _, name in alternates) + "</p>")
        out.append(self.sections_html(sections))
        out.append("</body></html>")
        return "\n".join(out)

    def sections_html(self, sections: list[Section]) -> str:
        """Given a page's sections, return them as HTML: statements, each section, links in, and
        the queries behind them (also the folded part of the workbench's dossiers)."""
        out = []
        # Statements grouped by property, with the graph that says each.
        statements = sections[0]
        out.append("<h2>What the graph says</h2>")
        if statements.rows:
            out.append("<table><tr><th>property</th><th>value</th><th>graph</th></tr>")
            for row in statements.rows:
                graph = row.get("g")
                out.append(f"<tr><td>{self.link(row['p']['iri'])}</td><td>{self.value(row['o'])}</td>"
                           f"<td class=\"graph\">{self.value(graph) if graph else ''}</td></tr>")
            out.append("</table>")
        else:
            out.append("<p><em>No statements with this resource as subject.</em></p>")
        for section in sections[2:]:
            out.append(f"<h2>{html.escape(section.title)}</h2>")
            out.append(self.table(section))
        links_in = sections[1]
        out.append(f"<h2>{html.escape(links_in.title)}</h2>")
        out.append(self.table(links_in))
        out.append("<h2>How this page was made</h2><p>Each part of this page is one SPARQL query; run or edit it:</p><ul>")
        for section in sections:
            out.append(f'<li><a href="{html.escape(self.query_link(section.query))}">{html.escape(section.title)}</a></li>')
        out.append("</ul>")
        return "\n".join(out)


def describe_quads(store_quads: Callable, iri: str) -> list[ox.Quad]:
    """Given a quads(subject, predicate, object) function and an IRI, return its description:
    statements about it (with the blank nodes they lead to) and statements pointing at it."""
    node = ox.NamedNode(iri)
    out: list[ox.Quad] = []
    todo: list = [node]
    seen: set = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for quad in store_quads(subject, None, None, None):
            out.append(quad)
            if isinstance(quad.object, ox.BlankNode):
                todo.append(quad.object)
    out.extend(q for q in store_quads(None, None, node, None) if q.subject != node)
    return out
