"""`/store`: SPARQL 1.1 Graph Store HTTP Protocol. Reads for everyone, writes with the token.

Graphs are named indirectly (`/store?graph=IRI`, `/store?default`) or directly (the request URL
`/store/some/path` is the graph IRI). `?default` is the store's own default graph, not the union.
A named graph exists while it holds triples.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from sahelkg import rdf_formats
from sahelkg.problems import Problem
from sahelkg.sparql import protocol, write_plans
from sahelkg.web.routes.common import (
    commit_write,
    read_body,
    require_write_access,
    run_blocking,
    settings_of,
    store_of,
    store_problem,
)

router = APIRouter()

_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


def _target(request: Request, path: str) -> ox.NamedNode | ox.DefaultGraph | None:
    """Given a GSP request, return the graph it names (None: the endpoint itself)."""
    params = protocol.parse_params(request.url.query)
    if path:
        if params:
            raise Problem(400, "Ambiguous graph", "Name the graph by URL path or by parameter, not both.")
        url = str(request.url.replace(query="", fragment=""))
        try:
            return ox.NamedNode(url)
        except ValueError as error:  # no graph can have this name: reading finds nothing, writing is refused
            if request.method in ("GET", "HEAD", "DELETE"):
                raise Problem(404, "No such graph", f"No graph can be named {url!r}.", kind="graph-not-found") from error
            raise Problem(400, "Bad graph IRI", f"{url!r} is not an IRI: {error}", kind="bad-graph-iri") from error
    if "default" in params and "graph" in params:
        raise Problem(400, "Ambiguous graph", "Use either ?default or ?graph=IRI.")
    if "default" in params:
        if params["default"] != [""]:
            raise Problem(400, "Bad default parameter", "`default` takes no value: /store?default.")
        return ox.DefaultGraph()
    graphs = params.get("graph")
    if graphs:
        if len(graphs) > 1:
            raise Problem(400, "More than one graph", "Name exactly one graph.")
        try:
            return ox.NamedNode(graphs[0])
        except ValueError as error:
            raise Problem(400, "Bad graph IRI", f"{graphs[0]!r} is not an IRI: {error}") from error
    return None


async def _body_parts(request: Request) -> list[tuple[bytes, str | None, str | None]]:
    """Given a write request, return its RDF parts as (bytes, media type, file name); parsed later, in a worker."""
    settings = settings_of(request)
    media_type, _ = protocol.media_type_of(request.headers.get("content-type"))
    if media_type == "multipart/form-data":
        request._body = await read_body(request, settings)  # enforce the cap; form() then reads _body
        form = await request.form()
        parts: list[tuple[bytes, str | None, str | None]] = []
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                part_type, _ = protocol.media_type_of(value.content_type)
                part_type = part_type if part_type != "application/octet-stream" else ""
                write_plans.rdf_format(part_type or None, value.filename)  # 415 now, before any work
                parts.append((await value.read(), part_type or None, value.filename))
        return parts
    write_plans.rdf_format(media_type)  # 415 before reading the body
    return [(await read_body(request, settings), media_type, None)]


@router.api_route("/store", methods=_METHODS, summary="A graph named by ?graph=IRI or ?default")
async def graph_store_endpoint(request: Request) -> Response:
    """Read or write the graph named by `?graph=IRI` or `?default` (POST without either creates a graph)."""
    return await graph_store(request, "")


@router.api_route("/store/{path:path}", methods=_METHODS, summary="A graph named by this URL")
async def graph_store(request: Request, path: str = "") -> Response:
    """Read or write one graph of the store."""
    graph = _target(request, path)
    store = store_of(request)
    method = request.method
    if method in ("GET", "HEAD"):
        if graph is None:
            raise Problem(400, "No graph named", "Use /store?graph=IRI, /store?default or /store/{path}.")
        media_type = protocol.negotiate(request.headers.get("accept"), protocol.GRAPH_TYPES,
                                        format_param=request.query_params.get("format"))
        if media_type is None:
            raise protocol.not_acceptable("graph")
        try:
            exists = await run_blocking(request, store.graph_exists, graph)
            if not exists:
                raise Problem(404, "No such graph", f"The store has no graph {graph}.", kind="graph-not-found")
            quads = await run_blocking(request, lambda: list(store.quads(graph=graph)))
        except Problem:
            raise
        except Exception as error:
            raise store_problem(error) from error
        if len(quads) > settings_of(request).max_result_rows:
            raise Problem(400, "Result too large", f"The graph has more than {settings_of(request).max_result_rows} "
                          "triples; query it with SPARQL and LIMIT/OFFSET instead.", kind="result-too-large")
        body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                            format=rdf_formats.written(media_type)) or b""
        headers = {"Vary": "Accept", "Content-Length": str(len(body))}
        return Response(b"" if method == "HEAD" else body, media_type=protocol.content_type_header(media_type),
                        headers=headers)

    require_write_access(request)
    timeout = settings_of(request).write_timeout
    if method == "POST" and graph is None:
        # Graph creation: the service mints the graph IRI and says where it is.
        graph = ox.NamedNode(str(request.url.replace(query="", fragment="")).rstrip("/") + "/" + uuid.uuid4().hex)
        parts = await _body_parts(request)
        await commit_write(request, {"kind": "graph", "method": "POST", "graph": str(graph), "parts": parts}, timeout)
        return Response(status_code=201, headers={"Location": graph.value})
    if graph is None:
        raise Problem(400, "No graph named", "Use /store?graph=IRI, /store?default or /store/{path}.")
    graph_text = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else str(graph)
    existed = await run_blocking(request, store.graph_exists, graph)
    if method == "DELETE":
        if not existed or (isinstance(graph, ox.DefaultGraph) and not await run_blocking(
                request, lambda: next(store.quads(graph=graph), None))):
            raise Problem(404, "No such graph", f"The store has no graph {graph}.", kind="graph-not-found")
        await commit_write(request, {"kind": "graph", "method": "DELETE", "graph": graph_text, "parts": []}, timeout)
        return Response(status_code=204)
    parts = await _body_parts(request)
    if method == "PUT":
        _, added = await commit_write(request, {"kind": "graph", "method": "PUT", "graph": graph_text,
                                                "parts": parts}, timeout)
        created = not existed and bool(added)
        return Response(status_code=201 if created else 204)
    if method == "POST":
        await commit_write(request, {"kind": "graph", "method": "POST", "graph": graph_text, "parts": parts}, timeout)
        return Response(status_code=204 if existed else 201)
    raise Problem(405, "Method not allowed", f"{method} is not part of the Graph Store Protocol.",
                  headers={"Allow": ", ".join(_METHODS)})
