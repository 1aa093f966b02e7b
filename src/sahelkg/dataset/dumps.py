"""The whole dataset as one file, with a VoID description of its named graphs.

Used by `GET /dump.{trig,nq,jsonld}` and by `sahelkg export`.
"""

from __future__ import annotations

import datetime as _dt
import json

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg import rdf_formats
from sahelkg.dataset import jsonld
from sahelkg.dataset.site import Site

# The formats of a whole-dataset dump, by file extension (/dump.trig …) and media type.
DUMP_FORMATS = (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS, ox.RdfFormat.JSON_LD)
DUMP_TYPES = {f.file_extension: f.media_type for f in DUMP_FORMATS}
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOID_GRAPH = ns.GRAPH + "void"


def void_quads(counts: dict[str, int], *, base_url: str, site: Site) -> list[ox.Quad]:
    """Given triple counts per graph, return the VoID description (in graph/void) of the dataset."""
    graph = ox.NamedNode(site.public(VOID_GRAPH))
    dataset = ox.NamedNode(site.public(ns.BASE + "dataset"))
    out: list[ox.Quad] = []

    def add(s, p, o):
        out.append(ox.Quad(s, ox.NamedNode(p), o, graph))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(dataset, DCT + "title",
        ox.Literal("sahelkg: conflict actors in the Sahel and the allegations made about them", language="en"))
    add(dataset, DCT + "license", ox.NamedNode("https://creativecommons.org/licenses/by/4.0/"))
    add(dataset, DCT + "modified", ox.Literal(_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
                                              datatype=ox.NamedNode(XSD + "dateTime")))
    add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(base_url + "sparql"))
    for ext in DUMP_TYPES:
        add(dataset, VOID + "dataDump", ox.NamedNode(f"{base_url}dump.{ext}"))
    add(dataset, VOID + "uriSpace", ox.Literal(site.public(ns.ID)))
    add(dataset, VOID + "vocabulary", ox.NamedNode(site.public(ns.SKG)))
    add(dataset, VOID + "rootResource", ox.NamedNode(site.public(ns.ONTOLOGY)))
    add(dataset, VOID + "triples", integer(sum(counts.values())))
    for graph_iri, count in sorted(counts.items()):
        subset = ox.NamedNode(site.public(graph_iri))
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(subset, "http://www.w3.org/ns/sparql-service-description#name", ox.NamedNode(site.public(graph_iri)))
        add(subset, VOID + "triples", integer(count))
    return out


def dump_bytes(store, fmt: str, *, base_url: str, site: Site) -> bytes:
    """Given a store and 'trig' | 'nq' | 'jsonld', return the whole dataset plus its VoID graph."""
    quads = list(store.quads())
    counts: dict[str, int] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            counts[quad.graph_name.value] = counts.get(quad.graph_name.value, 0) + 1
    quads = [ox.Quad(site.rewrite(q.subject), q.predicate, site.rewrite(q.object), site.rewrite(q.graph_name))
             for q in quads] if site.public_base else quads
    quads += void_quads(counts, base_url=base_url, site=site)
    if fmt == "jsonld":
        return json.dumps(jsonld.compact(quads, context_ref=jsonld.context()["@context"], named_graphs=True),
                          ensure_ascii=False).encode()
    rdf_format = rdf_formats.by_extension(fmt, DUMP_FORMATS)
    if rdf_format is None:
        raise ValueError(f"unknown dump format {fmt!r}; use one of {', '.join(DUMP_TYPES)}")
    prefixes = {k: site.public(v) for k, v in ns.PREFIXES.items()} if fmt == "trig" else None
    return ox.serialize(quads, format=rdf_format, prefixes=prefixes) or b""
