"""The IRIs sahelkg mints, in one place.

Pattern (documented in docs/modelling.md):
  ontology terms      https://w3id.org/sahelkg/ontology#Term
  things we describe  https://w3id.org/sahelkg/id/{kind}/{slug}
  SKOS concepts       https://w3id.org/sahelkg/vocab/{scheme}/{concept}
  named graphs        https://w3id.org/sahelkg/graph/{name}
"""

from __future__ import annotations

import functools

BASE = "https://w3id.org/sahelkg/"
ONTOLOGY = BASE + "ontology"
SKG = ONTOLOGY + "#"
ID = BASE + "id/"
VOCAB = BASE + "vocab/"
GRAPH = BASE + "graph/"

ONTOLOGY_GRAPH = GRAPH + "ontology"
REFERENCE_GRAPH = GRAPH + "reference"
CATALOG_GRAPH = GRAPH + "catalog"
SOURCE_GRAPH_PREFIX = GRAPH + "source/"
# Curators' statements about the sources (incident links); not source graphs, no catalog record.
CURATION_GRAPH_PREFIX = GRAPH + "curation/"
INCIDENTS_GRAPH = CURATION_GRAPH_PREFIX + "incidents"
SHAPES = BASE + "shapes#"

PREFIXES: dict[str, str] = {
    "skg": SKG,
    "id": ID,
    "actor": ID + "actor/",
    "place": ID + "place/",
    "event": ID + "event/",
    "claim": ID + "claim/",
    "count": ID + "count/",
    "doc": ID + "document/",
    "affiliation": ID + "affiliation/",
    "accusation": ID + "accusation/",
    "involvement": ID + "involvement/",
    "attribution": ID + "attribution/",
    "participation": ID + "participation/",
    "timespan": ID + "timespan/",
    "anchor": ID + "anchor/",
    "group": ID + "group/",
    "object": ID + "object/",
    "graph": GRAPH,
    "vocab": VOCAB,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skgv": SHAPES,
    "vann": "http://purl.org/vocab/vann/",
}
_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def sparql_prologue(names: list[str] | None = None) -> str:
    """Given prefix names (all when None), return SPARQL PREFIX lines."""
    chosen = PREFIXES if names is None else {n: PREFIXES[n] for n in names}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in chosen.items())


@functools.lru_cache(maxsize=65536)
def shorten(iri: str, *, local_name: bool = False) -> str:
    """Given an IRI, return prefix:rest for the longest prefix of PREFIXES that covers it, else the IRI.

    With local_name, only a rest without '/' or '#' counts: a name that reads back the same in
    Turtle, SPARQL and JSON-LD keys.

    >>> shorten("https://w3id.org/sahelkg/id/actor/fama")
    'actor:fama'
    >>> shorten("https://w3id.org/sahelkg/graph/source/a000")
    'graph:source/a000'
    >>> shorten("https://w3id.org/sahelkg/graph/source/a000", local_name=True)
    'https://w3id.org/sahelkg/graph/source/a000'
    >>> shorten("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, base in _LONGEST_FIRST:
        if iri.startswith(base) and len(iri) > len(base):
            rest = iri[len(base):]
            if not local_name or ("/" not in rest and "#" not in rest):
                return f"{prefix}:{rest}"
    return iri
