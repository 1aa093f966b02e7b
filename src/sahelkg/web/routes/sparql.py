"""`/sparql`: SPARQL 1.1 Protocol queries, and the service description when there is no query."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sahelkg.sparql import protocol
from sahelkg.web.routes.common import answer_query, check_text_length, read_body, run_blocking, settings_of, store_of
from sahelkg.store import StoreError

router = APIRouter()

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMAT_IRIS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
    "application/n-quads": "http://www.w3.org/ns/formats/N-Quads",
    "application/trig": "http://www.w3.org/ns/formats/TriG",
}


@router.api_route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=True)
@router.api_route("/sparql/", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql(request: Request) -> Response:
    """Answer a SPARQL query (GET, POST form, POST direct) or describe the service."""
    settings = settings_of(request)
    body = await read_body(request, settings) if request.method == "POST" else b""
    operation = protocol.read_operation(
        method=request.method, url_query=request.url.query, content_type=request.headers.get("content-type"),
        body=body, field_name="query", direct_type="application/sparql-query",
        dataset_names=("default-graph-uri", "named-graph-uri"))
    if operation is None:
        return await service_description(request)
    text = operation.text
    check_text_length(text, settings, "query")
    protocol.check_query_safety(text, settings.service_allow_list)
    return await answer_query(request, text, format_param=operation.first("format"),
                              timeout_param=operation.first("timeout"),
                              default_graph_uris=operation.default_graph_uris,
                              named_graph_uris=operation.named_graph_uris)


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
    for media_type, iri in _FORMAT_IRIS.items():
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
    body = ox.serialize(triples, format=protocol._RDF_FORMATS[media_type])
    return Response(body, media_type=protocol.content_type_header(media_type), headers={"Vary": "Accept"})
