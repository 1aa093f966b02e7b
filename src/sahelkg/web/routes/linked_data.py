"""Dereferenceable IRIs and dumps: /id/…, /vocab/…, /graph/…, /ontology, /dump.{trig,nq,jsonld},
/context.jsonld.

Content negotiation (documented in docs/linked-data.md). We answer a resource IRI directly with
200 and the negotiated representation, never with a 303 redirect: the IRIs name things, not
documents, but W3C "Cool URIs for the Semantic Web" §4.2 and httpRange-14 allow a 200 when the
response says which document it is. Every response therefore carries
  Content-Location: the document's own URL (…/id/actor/fama.ttl, .jsonld, .nt, .rdf, .html),
  Link:             rel="alternate" for each other format, rel="describedby" for this document,
  Vary: Accept.
The format-specific URLs always return their format, so a client that cannot send Accept can
still pick one. HTML is the default for */* and for a missing Accept header.

Base IRI: our IRIs are https://w3id.org/sahelkg/…; SAHELKG_PUBLIC_BASE (e.g.
https://kg.example.org/sahel/) serves the same data under another host: RDF responses and dumps
then use that base for every one of our IRIs, and pages link there.
"""

from __future__ import annotations

import json
import os
import re

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sahelkg import namespaces as ns
from sahelkg import rdf_formats
from sahelkg.dataset import jsonld
from sahelkg.dataset.dumps import DUMP_TYPES, dump_bytes
from sahelkg.problems import Problem
from sahelkg.sparql import protocol
from sahelkg.store import EmbeddedStore
from sahelkg.web import dossiers, layout, pages
from sahelkg.web.routes.audit import incident_view
from sahelkg.web.routes.common import run_blocking, settings_of, store_of, store_problem

router = APIRouter(tags=["linked data"])

# HTML, then the RDF formats of one graph (sahelkg.rdf_formats): media types, extensions, names.
PAGE_TYPES = ("text/html", *rdf_formats.media_types(rdf_formats.GRAPH_FORMATS))
EXTENSIONS = {"html": "text/html", **{f.file_extension: f.media_type for f in rdf_formats.GRAPH_FORMATS}}
EXTENSION_OF = {media: ext for ext, media in EXTENSIONS.items()}
FORMAT_NAMES = {"text/html": "HTML", **{f.media_type: f.name for f in rdf_formats.GRAPH_FORMATS}}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Guard: a path segment may only hold IRI-safe characters; anything else is not one of our IRIs.
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~%!$&'()*+,;=:@/-]+$")


def site_of(request: Request) -> pages.Site:
    """Given a request, return the site mapping (SAHELKG_PUBLIC_BASE, or links on this host)."""
    public = getattr(request.app.state, "public_base", None) or os.environ.get("SAHELKG_PUBLIC_BASE") or None
    if public and not public.endswith("/"):
        public += "/"
    return pages.Site(data_base=ns.BASE, public_base=public)


def _runner(request: Request):
    store = store_of(request)
    settings = settings_of(request)
    timeout = None if isinstance(store, EmbeddedStore) else settings.query_timeout

    def run(text: str):
        return store.query(text, timeout=timeout)

    return run


def _split_extension(path: str) -> tuple[str, str | None]:
    for ext in EXTENSIONS:
        if path.endswith("." + ext):
            return path[: -len(ext) - 1], EXTENSIONS[ext]
    return path, None


def _negotiate(request: Request, forced: str | None) -> str:
    if forced:
        return forced
    fmt = request.query_params.get("format")
    if fmt:
        wanted = {"html": "text/html", **{k: v for k, v in EXTENSIONS.items()}}.get(fmt.lower())
        wanted = wanted or protocol.negotiate(None, protocol.GRAPH_TYPES, format_param=fmt)
        if wanted not in PAGE_TYPES:
            raise Problem(406, "Not acceptable", f"format={fmt!r} is not one of {', '.join(EXTENSIONS)}.")
        return wanted
    chosen = protocol.negotiate(request.headers.get("accept"), PAGE_TYPES)
    if chosen is None:
        raise Problem(406, "Not acceptable", f"This resource is available as {', '.join(PAGE_TYPES)}.")
    return chosen


def _document_url(site: pages.Site, request: Request, path: str, media_type: str) -> str:
    base = site.public_base or str(request.base_url)
    return f"{base}{path}.{EXTENSION_OF[media_type]}"


def _headers(site: pages.Site, request: Request, path: str, media_type: str) -> dict[str, str]:
    links = [f'<{_document_url(site, request, path, media_type)}>; rel="describedby"; type="{media_type}"']
    for other in PAGE_TYPES:
        if other != media_type:
            links.append(f'<{_document_url(site, request, path, other)}>; rel="alternate"; type="{other}"')
    return {"Content-Location": _document_url(site, request, path, media_type), "Vary": "Accept",
            "Link": ", ".join(links)}


def _serialize(quads: list[ox.Quad], media_type: str, site: pages.Site) -> bytes:
    triples = list(dict.fromkeys(
        ox.Triple(site.rewrite(q.subject), q.predicate, site.rewrite(q.object)) for q in quads))
    if media_type == "application/ld+json":
        document = jsonld.compact([ox.Quad(t.subject, t.predicate, t.object) for t in triples],
                                  context_ref=jsonld.context()["@context"])
        return json.dumps(document, ensure_ascii=False, indent=2).encode()
    prefixes = {k: site.public(v) for k, v in ns.PREFIXES.items()} if media_type == "text/turtle" else None
    return ox.serialize(triples, format=rdf_formats.written(media_type), prefixes=prefixes) or b""


async def _resource(request: Request, path: str) -> Response:
    """Given a request for one of our paths, return the resource's page or RDF description."""
    path, forced = _split_extension(path.strip("/"))
    # Guard: only IRI-safe paths reach the store (no spaces, quotes, angle brackets, braces).
    if not path or not _SAFE_PATH.match(path) or ".." in path:
        raise Problem(404, "Not found", "No resource has this path.")
    site = site_of(request)
    iri = site.iri_for_path(path)
    media_type = _negotiate(request, forced)
    store = store_of(request)
    run = _runner(request)
    headers = _headers(site, request, path, media_type)
    try:
        if media_type == "text/html":
            timeout = None if isinstance(store, EmbeddedStore) else settings_of(request).query_timeout
            body = await run_blocking(request, _html_page, store, run, site, iri, path, request, timeout)
            headers["Content-Security-Policy"] = layout.NO_SCRIPT_POLICY
        else:
            quads = await run_blocking(request, pages.describe_quads, store.quads, iri)
            if not quads:
                raise Problem(404, "Not found", f"The graph says nothing about <{iri}>.")
            body = await run_blocking(request, _serialize, quads, media_type, site)
    except Problem:
        raise
    except Exception as error:
        raise store_problem(error) from error
    if body is None:
        raise Problem(404, "Not found", f"The graph says nothing about <{iri}>.")
    return Response(body, media_type=protocol.content_type_header(media_type), headers=headers)


# Which dossier a browser gets for a thing of each class (first match wins); others get the generic page.
DOSSIERS = ((ns.SKG + "Incident", "incident.html", incident_view),
            (ns.SKG + "Actor", "actor.html", dossiers.actor_dossier),
            (ns.SKG + "Claim", "claim.html", dossiers.claim_dossier),
            (ns.SKG + "Document", "document.html", dossiers.document_dossier))
LANGUAGE_NAMES = {"en": "English", "fr": "French", "ar": "Arabic", "ru": "Russian", "ff": "Fula", "tmh": "Tamasheq",
                  "bm": "Bambara", "ha": "Hausa", "son": "Songhay", "": "No language"}


def _html_page(store, run, site: pages.Site, iri: str, path: str, request: Request,
               timeout: float | None) -> bytes | None:
    """Given a store, a query runner, the site and an IRI, return its page in the workbench's layout:
    the dossier of an actor, claim or document, else every statement; the raw sections folded away."""
    sections, types = pages.page_sections(run, iri, bounded=True)
    if not sections[0].rows and not sections[1].rows:
        return None
    direct = [r["o"]["iri"] for r in sections[0].rows if r["p"]["iri"] == RDF_TYPE and "iri" in r["o"]]
    labels = pages.fetch_labels(run, pages.section_iris(sections) | {iri} | set(direct))
    alternates = [(_document_url(site, request, path, t), t, FORMAT_NAMES[t]) for t in PAGE_TYPES]
    renderer = pages.Renderer(site, labels)
    title = labels.get(iri) or ns.shorten(iri)

    def href(target: str) -> str:
        return layout.web_href(site, target)

    common = dict(iri=site.public(iri), alternates=alternates, sections_html=renderer.sections_html(sections),
                  href=href, request_path=request.url.path, allow_scripts=False, technical=[],
                  data_base=site.data_base)
    for cls, template, build in DOSSIERS:
        if cls in types:
            dossier = build(store, iri, href, timeout)
            if dossier is not None:
                technical = getattr(dossier, "technical", [])
                name = getattr(dossier, "name", "") or title
                return layout.render(template, title=name, dossier=dossier, language_names=LANGUAGE_NAMES,
                                     **{**common, "technical": technical}).encode()
    shown_types = [dossiers.Link(labels.get(t) or ns.shorten(t), href(t)) for t in direct]
    return layout.render("thing.html", title=title, types=shown_types, **common).encode()


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"], summary="A thing we describe (actor, event, claim …)")
async def thing(request: Request, path: str) -> Response:
    """Return what the graph says about https://w3id.org/sahelkg/id/{path}, negotiated."""
    return await _resource(request, "id/" + path)


@router.api_route("/vocab/{path:path}", methods=["GET", "HEAD"], summary="A SKOS concept or concept scheme")
async def concept(request: Request, path: str) -> Response:
    """Return what the graph says about https://w3id.org/sahelkg/vocab/{path}, negotiated."""
    return await _resource(request, "vocab/" + path)


@router.api_route("/graph/{path:path}", methods=["GET", "HEAD"], summary="A named graph's description")
async def graph(request: Request, path: str) -> Response:
    """Return the catalog's description of a named graph (its contents: /store?graph=IRI)."""
    return await _resource(request, "graph/" + path)


@router.api_route("/ontology", methods=["GET", "HEAD"], summary="The sahelkg ontology")
@router.api_route("/ontology.{ext}", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology(request: Request, ext: str | None = None) -> Response:
    """Return the ontology: every term as RDF, or an HTML page listing them (terms are /ontology#Term)."""
    if ext is not None and ext not in EXTENSIONS:
        raise Problem(404, "Not found", "The ontology is at /ontology(.html|.ttl|.jsonld|.nt|.rdf).")
    media_type = _negotiate(request, EXTENSIONS.get(ext) if ext else None)
    site = site_of(request)
    store = store_of(request)
    if media_type == "text/html":
        body = await run_blocking(request, _ontology_html, _runner(request), site)
    else:
        quads = await run_blocking(request, lambda: list(store.quads(None, None, None, ox.NamedNode(ns.ONTOLOGY_GRAPH))))
        if not quads:
            raise Problem(404, "Not found", "The ontology is not loaded in this store.")
        body = await run_blocking(request, _serialize, quads, media_type, site)
    return Response(body, media_type=protocol.content_type_header(media_type),
                    headers=_headers(site, request, "ontology", media_type))


ONTOLOGY_TERMS = """SELECT ?term ?kind ?label ?definition WHERE {
  GRAPH <https://w3id.org/sahelkg/graph/ontology> {
    ?term a ?kind ;
          rdfs:label ?label .
    OPTIONAL { ?term skos:definition ?definition }
    FILTER(STRSTARTS(STR(?term), "https://w3id.org/sahelkg/ontology#") && LANG(?label) = "en")
    FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty))
  }
} ORDER BY ?kind ?term"""


def _ontology_html(run, site: pages.Site) -> bytes:
    import html as _html
    import urllib.parse

    result = run(pages.PROLOGUE + ONTOLOGY_TERMS)
    rows = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sahelkg ontology</title>",
            f"<style>{pages.STYLE}</style></head><body>",
            '<nav><a href="/ontology.ttl">Turtle</a><a href="/ontology.jsonld">JSON-LD</a>'
            '<a href="/ontology.rdf">RDF/XML</a><a href="/ontology.nt">N-Triples</a></nav>',
            f"<h1>sahelkg ontology</h1><p class=\"iri\">{_html.escape(site.public(ns.ONTOLOGY))}</p>",
            "<table><tr><th>term</th><th>kind</th><th>definition</th></tr>"]
    for term, kind, label, definition in result.rows:
        local = term.value.split("#", 1)[1]
        rows.append(f'<tr id="{_html.escape(local)}"><td><a href="#{_html.escape(local)}">skg:{_html.escape(local)}</a>'
                    f" ({_html.escape(label.value)})</td><td>{_html.escape(kind.value.split('#')[1])}</td>"
                    f"<td>{_html.escape(definition.value) if definition else ''}</td></tr>")
    rows.append("</table><p>Made by <a href=\"/sparql?query=" + urllib.parse.quote(pages.PROLOGUE + ONTOLOGY_TERMS)
                + "\">this SPARQL query</a>.</p></body></html>")
    return "\n".join(rows).encode()


@router.get("/context.jsonld", summary="The JSON-LD context of sahelkg")
async def context_document() -> Response:
    """Return the JSON-LD context that makes our JSON-LD read as plain JSON."""
    return Response(json.dumps(jsonld.context(), indent=2, ensure_ascii=False), media_type="application/ld+json",
                    headers={"Access-Control-Allow-Origin": "*"})


# ---------------------------------------------------------------------------------------------
# Dumps
# ---------------------------------------------------------------------------------------------
@router.get("/dump.{fmt}", summary="The whole dataset, with a VoID description")
async def dump(request: Request, fmt: str) -> Response:
    """Return every named graph (TriG, N-Quads or JSON-LD) and a VoID graph describing them."""
    if fmt not in DUMP_TYPES:
        raise Problem(404, "Not found", "Dumps: /dump.trig, /dump.nq, /dump.jsonld.")
    site = site_of(request)
    base_url = site.public_base or str(request.base_url)
    try:
        body = await run_blocking(request, dump_bytes, store_of(request), fmt, base_url=base_url, site=site)
    except Exception as error:
        raise store_problem(error) from error
    return Response(body, media_type=protocol.content_type_header(DUMP_TYPES[fmt]),
                    headers={"Content-Disposition": f'attachment; filename="sahelkg.{fmt}"',
                             "Link": f'<{base_url}.well-known/void>; rel="describedby"'})
