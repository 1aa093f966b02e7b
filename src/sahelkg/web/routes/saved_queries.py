"""`/queries`: the saved queries of `queries/`, listed (JSON or HTML) and run with typed parameters.

The queries are read when this module is imported, so a malformed header stops the service at
start-up with `queries/FILE.rq:LINE: message`. Each query is its own route, documented in the
OpenAPI document with its parameters.
"""

from __future__ import annotations

import html
import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sahelkg.problems import Problem
from sahelkg.sparql import protocol
from sahelkg.sparql.saved_queries import InvalidParameter, SavedQuery, load_queries
from sahelkg.web.routes.common import answer_query

LISTING_TYPES = ("application/json", "text/html")
_OPENAPI_SCHEMAS = {
    "IRI": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "integer": {"type": "integer"},
}
# Service parameters every saved-query route accepts besides the query's own.
_SERVICE_PARAMETERS = ("format", "timeout")


def build_router(queries: dict[str, SavedQuery]) -> APIRouter:
    """Given saved queries by name, return a router listing them and running each."""
    router = APIRouter(tags=["saved queries"])

    @router.get("/queries", summary="List the saved queries",
                responses={200: {"content": {"application/json": {}, "text/html": {}}}})
    async def list_queries(request: Request) -> Response:
        """List every saved query with its parameters (JSON, or HTML for browsers)."""
        fmt = request.query_params.get("format")
        wanted = {"json": "application/json", "html": "text/html"}.get(fmt or "", fmt)
        media_type = wanted if wanted in LISTING_TYPES else (
            None if fmt else protocol.negotiate(request.headers.get("accept"), LISTING_TYPES))
        if media_type is None:
            raise Problem(406, "Not acceptable", f"The list is available as {', '.join(LISTING_TYPES)}.")
        base = str(request.base_url).rstrip("/")
        if media_type == "text/html":
            return Response(listing_html(queries.values(), base), media_type="text/html; charset=utf-8",
                            headers={"Vary": "Accept"})
        body = {"queries": [dict(q.to_dict(), url=f"{base}/queries/{q.name}") for q in queries.values()]}
        return Response(json.dumps(body, ensure_ascii=False, indent=2), media_type="application/json",
                        headers={"Vary": "Accept"})

    for query in queries.values():
        router.add_api_route(f"/queries/{query.name}", _runner(query), methods=["GET"], summary=query.title,
                             description=query.description, operation_id=f"saved_query_{query.name.replace('-', '_')}",
                             openapi_extra={"parameters": openapi_parameters(query)},
                             responses={200: {"content": {t: {} for t in protocol.RESULT_TYPES}}})
    return router


def openapi_parameters(query: SavedQuery) -> list[dict]:
    """Given a saved query, return its OpenAPI parameter objects (plus `format` and `timeout`)."""
    parameters = []
    for p in query.parameters:
        schema: dict[str, object] = dict(_OPENAPI_SCHEMAS[p.type])
        if p.default is not None:
            schema["default"] = int(p.default) if p.type == "integer" else p.default
        description = f"{p.description} ({p.type}" + (", required)" if p.required else ", optional)")
        parameters.append({"name": p.name, "in": "query", "required": p.required, "description": description,
                           "schema": schema})
        if not p.required:  # an empty value counts as omitted (what an HTML form sends)
            parameters[-1]["allowEmptyValue"] = True
    parameters.append({"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
                       "description": "result format instead of Accept: json, xml, csv or tsv"})
    parameters.append({"name": "timeout", "in": "query", "required": False, "schema": {"type": "number"},
                       "description": "seconds the query may run (lower than the service's limit)"})
    return parameters


def _runner(query: SavedQuery):
    async def run_saved_query(request: Request) -> Response:
        values = {}
        for name, value in request.query_params.multi_items():
            if name in _SERVICE_PARAMETERS:
                continue
            if name in values:
                raise Problem(400, "Bad parameter", f"parameter {name!r} is given more than once.",
                              kind="bad-parameter")
            values[name] = value
        try:
            text = query.bind(values)
        except InvalidParameter as error:
            raise Problem(400, "Bad parameter", f"{error}.", kind="bad-parameter", query=query.name) from error
        return await answer(request, text)

    run_saved_query.__doc__ = query.description
    return run_saved_query


async def answer(request: Request, text: str) -> Response:
    """Given a request and bound query text, run it on the app's store with /sparql's content negotiation."""
    return await answer_query(request, text, format_param=request.query_params.get("format"),
                              timeout_param=request.query_params.get("timeout"))


def listing_html(queries, base: str) -> str:
    """Given saved queries and the service's base URL, return an HTML page listing them."""
    e = html.escape
    items = []
    for q in queries:
        params = "".join(
            f"<li><code>{e(p.name)}</code> ({e(p.type)}, "
            f"{'required' if p.required else ('default ' + e(p.default)) if p.default else 'optional'})"
            f" {e(p.description)}</li>" for p in q.parameters) or "<li>none</li>"
        examples = "".join(f"<li><code>{e(x)}</code></li>" for x in q.examples)
        items.append(f'<section id="{e(q.name)}"><h2><a href="{e(base)}/queries/{e(q.name)}">{e(q.title)}</a></h2>'
                     f"<p>{e(q.description)}</p><p><code>{e(q.name)}</code></p>"
                     f"<h3>Parameters</h3><ul>{params}</ul><h3>Examples</h3><ul>{examples}</ul></section>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sahelkg saved queries</title>"
            "</head><body><h1>Saved queries</h1>" + "".join(items) + "</body></html>")


# Guard: read and check every saved query at import, so a broken file stops start-up, not a request.
QUERIES = load_queries()
router = build_router(QUERIES)
