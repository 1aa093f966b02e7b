"""How importers write quads: encoded terms by namespace, typed literals, and the sink of one graph.

The mapping writes terms as N-Triples text (sahelkg.store.encoded): millions of pyoxigraph objects
would cost more than the rest of the import.

>>> lit(3)
'"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
>>> skg.about
'<https://w3id.org/sahelkg/ontology#about>'
"""

from __future__ import annotations

import datetime as _dt

from sahelkg import namespaces as ns
from sahelkg.store import encoded

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
GEO = "http://www.opengis.net/ont/geosparql#"
SKG = ns.SKG

iri = encoded.iri


class Namespace:
    """The encoded IRIs of one namespace by local name, each built once: `skg.about`."""

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self.__dict__[name] = encoded.iri(self._base + name)  # found directly next time
        return term


skg, prov, dct, skos, rdfs, rdf = (Namespace(SKG), Namespace(PROV), Namespace(DCT), Namespace(SKOS),
                                   Namespace(RDFS), Namespace(RDF))
oa, schema, geo = Namespace(OA), Namespace(SCHEMA), Namespace(GEO)
A = rdf.type


_XSD_INTEGER, _XSD_BOOLEAN = f"^^<{XSD}integer>", f"^^<{XSD}boolean>"
_XSD_DATE, _XSD_DATETIME = f"^^<{XSD}date>", f"^^<{XSD}dateTime>"


def lit(value, datatype: str | None = None, lang: str | None = None) -> str:
    """Given a Python value, return a typed literal, encoded (int → xsd:integer, date → xsd:date …)."""
    if lang:
        return encoded.literal(str(value), language=lang)
    if datatype:
        return encoded.literal(str(value), XSD + datatype)
    # Numbers, booleans and ISO dates need no escaping: written directly.
    if isinstance(value, bool):
        return ('"true"' if value else '"false"') + _XSD_BOOLEAN
    if isinstance(value, int):
        return f'"{value}"{_XSD_INTEGER}'
    if isinstance(value, _dt.datetime):
        return f'"{value.isoformat()}"{_XSD_DATETIME}'
    if isinstance(value, _dt.date):
        return f'"{value.isoformat()}"{_XSD_DATE}'
    return encoded.literal(str(value))


def wkt_point(longitude: str, latitude: str) -> str:
    """Given decimal coordinates, return a GeoSPARQL WKT point (longitude first), encoded.

    >>> wkt_point("-5.9929", "14.2526")
    '"POINT(-5.9929 14.2526)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>'
    """
    return f'"POINT({longitude} {latitude})"^^<{GEO}wktLiteral>'


ROLE = ns.VOCAB + "role/"
DATASET_PUBLISHERS = {"acled": ns.ID + "actor/acled", "ucdp": ns.ID + "actor/ucdp"}
RFC7111 = "http://tools.ietf.org/rfc/rfc7111"


class QuadSink:
    """Collects the quads of one graph as encoded terms (sahelkg.store.encoded): `add(subject, predicate, object)`."""

    def __init__(self, graph: str):
        self.graph = iri(graph)
        self.rows: list[tuple[str, str, str, str]] = []
        self._written: set[str] = set()
        rows, graph_term = self.rows, self.graph

        def add(subject: str, predicate: str, obj: str) -> None:
            rows.append((subject, predicate, obj, graph_term))

        self.add = add  # a closure, not a method: it runs millions of times per import

    def first_time(self, node: str) -> bool:
        """Given a node many rows share, return True the first time only (its quads are written once)."""
        if node in self._written:
            return False
        self._written.add(node)
        return True
