"""`/author`: the authoring page — paste a text, select spans to make claims, see the sheet and the
gate's findings as you type, save with the write token (docs/authoring.md, issue 11 §3).

  GET  /author         the page
  POST /author/check   {sheet, text} → {problems: [{line, message}], conforms, results, quads}
  POST /author/save    {sheet, text} with `Authorization: Bearer TOKEN` → {graph, added, claims}

Saving sends the built source graph (with its catalog record and reference additions) as one
SPARQL INSERT DATA through the same gated write path as /update.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sahelkg import namespaces as ns
from sahelkg.authoring import build, names, publish, sheet
from sahelkg.problems import Problem
from sahelkg.web import layout
from sahelkg.web.routes.common import (
    commit_write,
    read_body,
    request_timeout,
    require_write_access,
    run_blocking,
    settings_of,
    store_of,
)
from sahelkg.web.routes.linked_data import site_of

router = APIRouter(tags=["authoring"])
_SHEET_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["sheet"], "properties": {
        "sheet": {"type": "string", "description": "the sheet (YAML, docs/authoring.md)"},
        "text": {"type": "string", "description": "the document's text, exactly as published"}}}}}}}

STARTER = """source: b001
document: {kind: news-article, label: "", publisher: "", language: en, published: ""}
new-actors: {}
events: {}
statements:
"""


@functools.cache
def _context() -> tuple[ox.Quad, ...]:
    return tuple(publish.context_quads())


def _reference(store) -> names.Reference:
    quads = list(store.quads(None, None, None, ox.NamedNode(ns.REFERENCE_GRAPH)))
    return names.Reference.from_quads(quads or names.reference_quads_from_files())


async def _input(request: Request) -> tuple[str, str]:
    body = await read_body(request, settings_of(request))
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise Problem(400, "Malformed JSON", "Send {\"sheet\": \"…\", \"text\": \"…\"} as JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("sheet"), str) or not isinstance(data.get("text", ""), str):
        raise Problem(400, "Malformed request", "Send {\"sheet\": \"…\", \"text\": \"…\"}: two strings.")
    return data["sheet"], data.get("text", "")


def _build(store, sheet_text: str, text: str) -> tuple[build.Built | None, list[dict[str, Any]]]:
    try:
        built = build.build(sheet.parse(sheet_text), _reference(store), text_content=text or None)
    except sheet.SheetError as error:
        return None, [{"line": p.line, "message": p.message} for p in error.problems]
    return built, []


def _check(store, sheet_text: str, text: str) -> dict[str, Any]:
    built, problems = _build(store, sheet_text, text)
    if built is None:
        return {"problems": problems, "conforms": False, "results": [], "quads": 0}
    report = publish.check(built, Path(f"{built.source}.yaml"), context=list(_context()),
                           sheet_bytes=sheet_text.encode("utf-8"))
    results = [{"severity": r.severity, "focus": ns.shorten(r.focus_node), "path": ns.shorten(r.path or ""),
                "message": r.message} for r in report.results]
    return {"problems": [], "conforms": report.conforms, "results": results, "quads": len(built.quads),
            "graph": built.graph}


@router.get("/author", summary="The authoring page", include_in_schema=False)
async def author_page(request: Request) -> Response:
    """Return the page where a text becomes a sheet, checked as it is written."""
    return layout.page(request, "author.html", title="Add a source", starter=STARTER)


@router.post("/author/check", summary="Build a sheet and run the gate on it (nothing stored)",
             openapi_extra=_SHEET_BODY)
async def author_check(request: Request) -> Response:
    """Given {sheet, text}, return the sheet's problems (with lines) or the gate's findings."""
    sheet_text, text = await _input(request)
    result = await run_blocking(request, _check, store_of(request), sheet_text, text)
    return JSONResponse(result)


_SAVE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or wrong write token"}, 403: {"description": "Writes are disabled"},
    409: {"description": "The store already holds this source"},
    422: {"description": "The sheet has problems (each with its line), or the gate refused the graph"}}


@router.post("/author/save", summary="Add a sheet's source graph through the gate (write token)",
             openapi_extra=_SHEET_BODY, responses=_SAVE_ERRORS)
async def author_save(request: Request) -> Response:
    """Given {sheet, text} and the write token, add the source graph, all or nothing."""
    require_write_access(request)
    sheet_text, text = await _input(request)
    store = store_of(request)
    built, problems = await run_blocking(request, _build, store, sheet_text, text)
    if built is None:
        raise Problem(422, "Sheet has problems", "; ".join(f"line {p['line']}: {p['message']}" for p in problems),
                      kind="sheet-problems")
    if await run_blocking(request, store.graph_exists, ox.NamedNode(built.graph)):
        raise Problem(409, "Source exists", f"The store already holds {ns.shorten(built.graph)}; choose another "
                      "source id, or retract the old one first.", kind="source-exists")
    change = publish.change_for(built, Path(f"{built.source}.yaml"), sheet_text.encode("utf-8"))
    data = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in change.additions)
    settings = settings_of(request)
    write = {"kind": "update", "text": f"INSERT DATA {{ {data} }}", "using": [], "using_named": [],
             "base_iri": settings.base_iri}
    _, added = await commit_write(request, write, request_timeout(None, settings))
    claims = sorted({q.subject.value for q in built.quads if q.predicate.value == build.RDF_TYPE
                     and q.object.value in (ns.SKG + "Claim", ns.SKG + "Allegation")})
    accused = sorted({q.object.value for q in built.quads if q.predicate.value == ns.SKG + "accused"})
    site = site_of(request)
    return JSONResponse({"graph": built.graph, "added": added, "claims": claims,
                         "accused": [{"iri": a, "href": layout.web_href(site, a)} for a in accused]})
