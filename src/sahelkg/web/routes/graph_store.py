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

from sahelkg.sparql import protocol
from sahelkg.web.routes.common import commit, read_body, require_write_access, run_blocking, settings_of, store_of, \
    store_problem
from sahelkg.store.change import Change
from sahelkg.problems import Problem

router = APIRouter()

_PARSE_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
                  "application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
                  "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
                  "text/n3": ox.RdfFormat.N3}
_EXTENSIONS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML,
               "jsonld": ox.RdfFormat.JSON_LD, "n3": ox.RdfFormat.N3}
_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


def _target(request: Request, path: str) -> ox.NamedNode | ox.DefaultGraph | None:
    """Given a GSP request, return the graph it names (None: the endpoint itself)."""
    params = protocol.parse_params(request.url.query)
    if path:
        if params:
            raise Problem(400, "Ambiguous graph", "Name the graph by URL path or by parameter, not both.")
        return ox.NamedNode(str(request.url.replace(query="", fragment="")))
    if "default" in params and "graph" in params:
        raise Problem(400, "Ambiguous graph", "Use either ?default or ?graph=IRI.")
    if "default" in params:
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


def _parse(data: bytes, media_type: str | None, graph, filename: str | None = None) -> list[ox.Quad]:
    fmt = _PARSE_FORMATS.get((media_type or "").lower())
    if fmt is None and filename and "." in filename:
        fmt = _EXTENSIONS.get(filename.rsplit(".", 1)[1].lower())
    if fmt is None:
        raise Problem(415, "Unsupported RDF format",
                      f"Send the graph as one of: {', '.join(sorted(_PARSE_FORMATS))} (got {media_type or 'none'}).")
    try:
        triples = ox.parse(data, format=fmt, base_iri=graph.value if isinstance(graph, ox.NamedNode) else None,
                           without_named_graphs=True, rename_blank_nodes=True)
        return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples]
    except SyntaxError as error:
        raise Problem(400, "Malformed RDF", f"The request body does not parse as {fmt}: {error}",
                      kind="malformed-rdf") from error


async def _body_quads(request: Request, graph) -> list[ox.Quad]:
    settings = settings_of(request)
    media_type, _ = protocol.media_type_of(request.headers.get("content-type"))
    if media_type == "multipart/form-data":
        request._body = await read_body(request, settings)  # enforce the cap; form() then reads _body
        form = await request.form()
        quads: list[ox.Quad] = []
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                part_type, _ = protocol.media_type_of(value.content_type)
                quads += _parse(data, part_type if part_type != "application/octet-stream" else None, graph,
                                value.filename)
        return quads
    return _parse(await read_body(request, settings), media_type, graph)


@router.api_route("/store", methods=_METHODS)
@router.api_route("/store/{path:path}", methods=_METHODS)
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
                            format=protocol._RDF_FORMATS[media_type]) or b""
        headers = {"Vary": "Accept", "Content-Length": str(len(body))}
        return Response(b"" if method == "HEAD" else body, media_type=protocol.content_type_header(media_type),
                        headers=headers)

    require_write_access(request)
    if method == "POST" and graph is None:
        # Graph creation: the service mints the graph IRI and says where it is.
        graph = ox.NamedNode(str(request.url.replace(query="", fragment="")).rstrip("/") + "/" + uuid.uuid4().hex)
        new_quads = await _body_quads(request, graph)
        await commit(request, lambda: Change(additions=tuple(new_quads)))
        return Response(status_code=201, headers={"Location": graph.value})
    if graph is None:
        raise Problem(400, "No graph named", "Use /store?graph=IRI, /store?default or /store/{path}.")
    existed = await run_blocking(request, store.graph_exists, graph)
    if method == "DELETE":
        if not existed or (isinstance(graph, ox.DefaultGraph) and not await run_blocking(
                request, lambda: next(store.quads(graph=graph), None))):
            raise Problem(404, "No such graph", f"The store has no graph {graph}.", kind="graph-not-found")
        await commit(request, lambda: Change(removals=tuple(store.quads(graph=graph))))
        return Response(status_code=204)
    new_quads = await _body_quads(request, graph)
    if method == "PUT":
        keep = set(new_quads)
        await commit(request, lambda: Change(additions=tuple(new_quads),
                                             removals=tuple(q for q in store.quads(graph=graph) if q not in keep)))
        created = not existed and bool(new_quads)
        return Response(status_code=201 if created else 204)
    if method == "POST":
        await commit(request, lambda: Change(additions=tuple(new_quads)))
        return Response(status_code=204 if existed else 201)
    raise Problem(405, "Method not allowed", f"{method} is not part of the Graph Store Protocol.",
                  headers={"Allow": ", ".join(_METHODS)})
