"""The researcher's workbench in the browser: the landing page `/`, name search (`/search`, and
`/search.json` for the typeahead), the query editor `/query` (YASGUI, also shown for a browser GET
of `/sparql` without a query), offline API docs `/docs`, the audits and dumps index pages, and
the static files under `/static/`.

HTML is the default; `Accept: application/json` (or `?format=json`) gets the same content as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from sahelkg import namespaces as ns
from sahelkg.dataset.dumps import DUMP_TYPES
from sahelkg.problems import Problem
from sahelkg.resources import resource
from sahelkg.sparql import protocol
from sahelkg.sparql.saved_queries import HeaderError, SavedQuery, load_queries
from sahelkg.store import EmbeddedStore, Store
from sahelkg.web import layout, overview, refreshing, search_index
from sahelkg.web.routes.common import run_blocking, settings_of, store_of, store_problem
from sahelkg.web.routes.linked_data import site_of

# Computed from the whole store, kept per app, started when the app starts (see web/refreshing.py).
COMPUTATIONS: dict[str, Callable[[Store, float | None], Any]] = {"overview": overview.compute,
                                                                 "search-index": search_index.build}
router = APIRouter(tags=["workbench"], lifespan=refreshing.warm_up(COMPUTATIONS))

PAGE_TYPES = ("text/html", "application/json")
SEARCH_LIMIT = 50
SUGGEST_LIMIT = 8
MAX_SEARCH_CHARS = 200
DUMP_NAMES = {"trig": "TriG", "nq": "N-Quads", "jsonld": "JSON-LD"}
STARTER_QUERY = """SELECT ?actor ?name (COUNT(DISTINCT ?claim) AS ?allegations) WHERE {
  ?claim skg:stance <https://w3id.org/sahelkg/vocab/stance/accuses> ;
         skg:accused ?actor .
  OPTIONAL { ?actor skos:prefLabel ?name . FILTER(LANG(?name) = "en") }
}
GROUP BY ?actor ?name
ORDER BY DESC(?allegations)
LIMIT 100
"""
# The one <style> element YASGUI 4.6.2 writes (its table's column resizer); allowed by its hash.
YASGUI_STYLE_HASHES = ("zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=",)
_HTML_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {}, "application/json": {}}}}


def wants_html(request: Request) -> bool:
    """Given a request, say whether it prefers HTML over RDF and JSON (a browser, not a SPARQL client)."""
    if request.query_params.get("format"):
        return False
    offers = protocol.GRAPH_TYPES + ("application/json", "text/html")
    return protocol.negotiate(request.headers.get("accept"), offers) == "text/html"


def _negotiate_page(request: Request) -> str:
    fmt = (request.query_params.get("format") or "").lower()
    if fmt:
        if fmt not in ("html", "json"):
            raise Problem(406, "Not acceptable", f"format={fmt!r}: this page is available as html or json.")
        return "text/html" if fmt == "html" else "application/json"
    chosen = protocol.negotiate(request.headers.get("accept"), PAGE_TYPES)
    if chosen is None:
        raise Problem(406, "Not acceptable", "This page is available as text/html or application/json.")
    return chosen


def _json(content: Any) -> JSONResponse:
    return JSONResponse(content, headers={"Vary": "Accept"})


async def _computed(request: Request, name: str):
    """Given a request and a computation's name, return its current value (a problem if it fails)."""
    try:
        return await refreshing.refreshed(request, name, COMPUTATIONS[name]).get(request.app)
    except Problem:
        raise
    except Exception as error:
        raise store_problem(error) from error


# ---------------------------------------------------------------------------------------------
# Landing page
# ---------------------------------------------------------------------------------------------
@router.get("/", summary="What the graph holds (landing page)", responses=_HTML_RESPONSES,
            operation_id="workbench_landing")
async def landing(request: Request) -> Response:
    """Counts of actors, incidents, claims and sources, by country, and the most recent sources."""
    media_type = _negotiate_page(request)
    figures: overview.Overview = await _computed(request, "overview")
    site = site_of(request)

    def href(iri: str) -> str:
        return layout.web_href(site, iri)

    if media_type == "application/json":
        return _json(figures.to_dict(href))
    return layout.page(request, "landing.html", title="Conflict allegations in the Sahel", overview=figures,
                       headings=overview.headings(), href=href)


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------
async def _search(request: Request, text: str, limit: int, kind: str | None) -> tuple[search_index.Found, list[dict]]:
    if len(text) > MAX_SEARCH_CHARS:
        raise Problem(400, "Search text too long", f"The search text has {len(text)} characters; at most "
                      f"{MAX_SEARCH_CHARS} are searched. Use fewer words.", kind="search-too-long")
    if kind and kind not in search_index.KINDS:
        raise Problem(400, "Unknown kind", f"kind={kind!r}: use one of {', '.join(search_index.KINDS)}, or none.")
    index: search_index.SearchIndex = await _computed(request, "search-index")
    found = index.search(text, limit=limit, kinds=[kind] if kind else None)
    site = site_of(request)
    return found, [hit.to_dict(layout.web_href(site, hit.iri)) for hit in found.hits]


# How many results a search may return; FastAPI refuses other values with 400 before we run.
LIMIT = Query(default=None, ge=1, le=200, description="How many results, 1 to 200.")


def _limit(given: int | None, default: int) -> int:
    return default if given is None else given


@router.get("/search", summary="Search actors, places, events and documents by name", responses=_HTML_RESPONSES,
            operation_id="workbench_search")
async def search(request: Request, q: str = "", kind: str = "", limit: int | None = LIMIT) -> Response:
    """Find things by any of their names (labels in any language, aliases, names used in sources);
    accents and case are ignored, and every word matches the start of a word."""
    media_type = _negotiate_page(request)
    found, hits = await _search(request, q, _limit(limit, SEARCH_LIMIT), kind or None)
    store = store_of(request)
    timeout = None if isinstance(store, EmbeddedStore) else settings_of(request).query_timeout
    try:
        details = await run_blocking(request, search_index.describe_hits, store, [h["iri"] for h in hits], timeout)
    except Exception as error:
        raise store_problem(error) from error
    for hit in hits:
        hit["detail"] = details.get(hit["iri"], "")
    if media_type == "application/json":
        return _json({"q": q, "total": found.total, "results": hits})
    return layout.page(request, "search.html", title=f"Search: {q}" if q else "Search", query=q, found=found,
                       hits=hits, kind=kind, kinds=list(search_index.KIND_LABELS.items()))


@router.get("/search.json", summary="Search suggestions (JSON, for typeahead)", operation_id="workbench_suggest")
async def suggest(request: Request, q: str = "", kind: str = "", limit: int | None = LIMIT) -> Response:
    """The best matches for a partial name, as JSON: {q, total, results: [{iri, href, kind, label, matched}]}."""
    found, hits = await _search(request, q, _limit(limit, SUGGEST_LIMIT), kind or None)
    return _json({"q": q, "total": found.total, "results": hits})


# ---------------------------------------------------------------------------------------------
# Query editor
# ---------------------------------------------------------------------------------------------
def _menu_item(query: SavedQuery) -> dict[str, str]:
    return {"name": query.name, "title": query.title, "description": query.description, "text": query.text}


def _examples() -> list[SavedQuery]:
    try:
        return list(load_queries(resource("queries", "examples")).values())
    except (HeaderError, OSError):
        return []


SAVED_QUERIES = [_menu_item(q) for q in load_queries().values()]
EXAMPLES = [_menu_item(q) for q in _examples()]


def _prefixes_block() -> str:
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in ns.PREFIXES.items()) + "\n"


async def query_editor(request: Request) -> Response:
    """Return the query editor page (also what a browser gets for /sparql without a query)."""
    settings = settings_of(request)
    initial = request.query_params.get("query") if request.url.path.rstrip("/") == "/query" else None
    default_query = _prefixes_block() + STARTER_QUERY
    site = site_of(request)
    config = {"endpoint": "/sparql", "prefixes": ns.PREFIXES, "defaultQuery": default_query, "initialQuery": initial,
              "saved": SAVED_QUERIES, "examples": EXAMPLES, "dataBase": site.data_base,
              "pageBase": site.href(site.data_base)}
    return layout.page(request, "query.html", title="Query editor", saved=SAVED_QUERIES, examples=EXAMPLES,
                       config=config, default_query=initial or default_query, max_rows=settings.max_result_rows,
                       style_hashes=YASGUI_STYLE_HASHES,
                       timeout=f"{settings.query_timeout:g}")


@router.get("/query", summary="The SPARQL query editor (HTML)", responses={200: {"content": {"text/html": {}}}},
            operation_id="workbench_query_editor")
async def query_page(request: Request) -> Response:
    """The query editor (YASGUI) over /sparql, with the project's prefixes declared and the saved
    queries and worked examples in a menu; `?query=` opens it with that text."""
    return await query_editor(request)


# ---------------------------------------------------------------------------------------------
# API docs, audits and dumps index pages, static files
# ---------------------------------------------------------------------------------------------
@router.get("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    """Swagger UI from our vendored copy (no CDN), reading /openapi.json."""
    return layout.page(request, "docs.html", title="HTTP API", openapi_url=request.app.openapi_url or "/openapi.json")


@router.get("/audit", summary="The audit reports (index page)", responses={200: {"content": {"text/html": {}}}},
            operation_id="workbench_audits")
async def audits(request: Request) -> Response:
    """Links to every audit report."""
    return layout.page(request, "audits.html", title="Audits")


@router.get("/dumps", summary="The dataset dumps (index page)", responses={200: {"content": {"text/html": {}}}},
            operation_id="workbench_dumps")
async def dumps_page(request: Request) -> Response:
    """Links to the dumps of the whole dataset."""
    rows = [(DUMP_NAMES.get(ext, ext), f"/dump.{ext}", media) for ext, media in DUMP_TYPES.items()]
    return layout.page(request, "dumps.html", title="Dumps", dumps=rows)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that name no icon (the linked-data pages)."""
    return FileResponse(layout.STATIC / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{path:path}", include_in_schema=False)
async def static(request: Request, path: str) -> Response:
    return await layout.static_file(request, path)
