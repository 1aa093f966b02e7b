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
from sahelkg.web import event_index, layout, overview, refreshing, search_index, views
from sahelkg.web.routes.common import run_blocking, settings_of, store_of, store_problem
from sahelkg.web.routes.linked_data import site_of

# Computed from the whole store, kept per app, started when the app starts (see web/refreshing.py).
COMPUTATIONS: dict[str, Callable[[Store, float | None], Any]] = {"overview": overview.compute,
                                                                 "search-index": search_index.build,
                                                                 "event-index": event_index.build}
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
              "pageBase": site.href(site.data_base), "basemap": layout.vendor_url("world-atlas", "countries-110m.json")}
    return layout.page(request, "query.html", title="Query editor", saved=SAVED_QUERIES, examples=EXAMPLES,
                       config=config, default_query=initial or default_query, max_rows=settings.max_result_rows,
                       inline_styles=True,  # YASGUI's column resizer and the timeline result view
                       timeout=f"{settings.query_timeout:g}")


@router.get("/query", summary="The SPARQL query editor (HTML)", responses={200: {"content": {"text/html": {}}}},
            operation_id="workbench_query_editor")
async def query_page(request: Request) -> Response:
    """The query editor (YASGUI) over /sparql, with the project's prefixes declared and the saved
    queries and worked examples in a menu; `?query=` opens it with that text."""
    return await query_editor(request)


# ---------------------------------------------------------------------------------------------
# Views: network, timeline, map (the page draws the JSON of the same path + .json)
# ---------------------------------------------------------------------------------------------
VIEWS: dict[str, tuple[str, Callable[..., dict]]] = {
    "network": ("Actor network", views.network), "timeline": ("Timeline", views.timeline),
    "map": ("Map of events", views.map_points)}


def _filters(request: Request) -> views.Filters:
    params = dict(request.query_params)
    params["stance"] = ",".join(request.query_params.getlist("stance"))  # the form sends one per box
    try:
        return views.Filters.parse(params)
    except views.FilterError as error:
        raise Problem(400, "Bad filter", f"{error} Leave the field empty to see everything.",
                      kind="bad-filter") from error


async def _view_data(request: Request, name: str, filters: views.Filters) -> dict:
    store = store_of(request)
    timeout = None if isinstance(store, EmbeddedStore) else settings_of(request).query_timeout
    # The timeline and the map choose their events in the app's event index (web/event_index.py).
    extra = {"index": await _computed(request, "event-index")} if name in ("timeline", "map") else {}
    try:
        data = await run_blocking(request, VIEWS[name][1], store, filters, timeout, **extra)
    except Exception as error:
        raise store_problem(error) from error
    site = site_of(request)
    for key in ("nodes", "items", "points"):
        for entry in data.get(key, []):
            entry["href"] = layout.web_href(site, entry["id"])
    return data


async def _view_page(request: Request, name: str) -> Response:
    filters = _filters(request)
    data = await _view_data(request, name, filters)
    store = store_of(request)
    timeout = None if isinstance(store, EmbeddedStore) else settings_of(request).query_timeout
    try:
        choices = await run_blocking(request, views.filter_choices, store, timeout)
    except Exception as error:
        raise store_problem(error) from error
    site = site_of(request)
    config = {"view": name, "data": f"/{name}.json", "filters": filters.as_params(),
              "basemap": layout.vendor_url("world-atlas", "countries-110m.json")}
    return layout.page(request, f"{name}.html", title=VIEWS[name][0], view=name, data=data, config=config,
                       filters=filters.as_params(), choices=choices, stances=views.STANCES,
                       inline_styles=name == "timeline",
                       href=lambda iri: layout.web_href(site, iri))


@router.get("/network", summary="The actor network (HTML)", responses=_HTML_RESPONSES, operation_id="workbench_network")
async def network_page(request: Request) -> Response:
    """Actors, their affiliations and hostilities, and who accuses whom; filter by actor, country,
    stance and date (`actor`, `country`, `stance`, `from`, `to`)."""
    return await _view_page(request, "network")


@router.get("/timeline", summary="The timeline of events and statements (HTML)", responses=_HTML_RESPONSES,
            operation_id="workbench_timeline")
async def timeline_page(request: Request) -> Response:
    """Events and statements on a timeline, date precision shown as ranges; filter by actor,
    country, event type and date."""
    return await _view_page(request, "timeline")


@router.get("/map", summary="The map of events (HTML)", responses=_HTML_RESPONSES, operation_id="workbench_map")
async def map_page(request: Request) -> Response:
    """Events at their places' coordinates on an offline basemap, coloured by event type; filter by
    actor, country, event type and date."""
    return await _view_page(request, "map")


@router.get("/network.json", summary="The actor network (JSON)", operation_id="workbench_network_json")
async def network_json(request: Request) -> Response:
    """{nodes: [{id, href, label, kind}], edges: [{source, target, type, label, stance?, claims?}]}."""
    return _json(await _view_data(request, "network", _filters(request)))


@router.get("/timeline.json", summary="The timeline (JSON)", operation_id="workbench_timeline_json")
async def timeline_json(request: Request) -> Response:
    """{items: [{id, href, content, start, end?, group, when, precision}], groups, total: {events, statements},
    shown: {events, statements}, not_drawn: [{start, end, count, when}], not_drawn_unit, truncated, limit}."""
    return _json(await _view_data(request, "timeline", _filters(request)))


@router.get("/map.json", summary="The map's events (JSON)", operation_id="workbench_map_json")
async def map_json(request: Request) -> Response:
    """{points: [{id, href, label, lon, lat, type, when}] (the latest `limit`), places: [{lon, lat, count,
    types: {type: count}}] (every matching event, by point), types, total, truncated, limit}."""
    return _json(await _view_data(request, "map", _filters(request)))


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
