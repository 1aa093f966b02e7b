"""`/sparql`: SPARQL 1.1 Protocol queries, and the service description when there is no query."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sahelkg import rdf_formats
from sahelkg.sparql import protocol
from sahelkg.store import StoreError
from sahelkg.web.routes import workbench
from sahelkg.web.routes.common import (
    answer_query,
    check_text_length,
    read_body,
    request_timeout,
    run_blocking,
    settings_of,
    store_of,
    url_query,
)

router = APIRouter()

SD = "http://www.w3.org/ns/sparql-service-description#"
# Every format a query result can be written in, by its W3C format IRI.
_FORMAT_IRIS = [ox.QueryResultsFormat.from_media_type(m).iri for m in protocol.RESULT_TYPES] + [  # type: ignore[union-attr]
    rdf_formats.format_iri(f) for f in rdf_formats.WRITTEN]


# PUT, DELETE and PATCH only ever answer 405 (read_operation says so, with Allow): not in the OpenAPI.
@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 query (or the service description)")
@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
@router.api_route("/sparql/", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql(request: Request) -> Response:
    """Answer a SPARQL query (GET, POST form, POST direct) or describe the service."""
    settings = settings_of(request)
    body = await read_body(request, settings) if request.method == "POST" else b""
    operation = protocol.read_operation(
        method=request.method, url_query=url_query(request), content_type=request.headers.get("content-type"),
        body=body, field_name="query", direct_type="application/sparql-query",
        dataset_names=("default-graph-uri", "named-graph-uri"))
    if operation is None:
        request_timeout(protocol.parse_params(url_query(request)).get("timeout", [None])[0], settings)  # 400 if bad
        if request.method == "GET" and workbench.wants_html(request):  # a browser: the query editor
            return await workbench.query_editor(request)
        return await service_description(request)
    text = operation.text
    check_text_length(text, settings, "query")

    def check_safety(text: str) -> None:
        protocol.check_query_safety(text, settings.service_allow_list)

    return await answer_query(request, text, format_param=operation.first("format"),
                              timeout_param=operation.first("timeout"),
                              default_graph_uris=operation.default_graph_uris,
                              named_graph_uris=operation.named_graph_uris, check=check_safety)


async def service_description(request: Request) -> Response:
    """Return the SPARQL service description, content-negotiated among RDF formats (Turtle default)."""
    settings = settings_of(request)
    endpoint = str(request.url.replace(query="", fragment="")).rstrip("?")
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name):
        return ox.NamedNode(SD + name)

    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
        ox.Triple(service, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(
            "The default graph of a query is the union of every graph in the store."
            if settings.union_default_graph else
            "The default graph of a query is the store's own default graph; name graphs with GRAPH or FROM.")),
    ]
    if settings.union_default_graph:
        triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")) if settings.service_allow_list
                   else ox.Triple(service, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                                  ox.Literal("SERVICE (federated query) is disabled: no endpoint is allow-listed.")))
    if settings.writes_enabled:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    for iri in _FORMAT_IRIS:
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)))
    try:
        graphs = await run_blocking(request, store_of(request).named_graphs)
    except StoreError:
        graphs = []
    for i, graph in enumerate(g for g in graphs if isinstance(g, ox.NamedNode)):
        named = ox.BlankNode(f"named{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), named), ox.Triple(named, sd("name"), graph)]
    media_type = protocol.negotiate(request.headers.get("accept"), protocol.GRAPH_TYPES,
                                    format_param=request.query_params.get("format")) or "text/turtle"
    body = ox.serialize(triples, format=rdf_formats.written(media_type))
    return Response(body, media_type=protocol.content_type_header(media_type), headers={"Vary": "Accept"})
