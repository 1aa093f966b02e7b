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
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

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
_Value = TypeVar("_Value")


def namespace(base: str) -> ModuleType:
    """Given a namespace IRI, return its encoded IRIs by local name, each built once: `skg.about`.

    A module object, not an instance of a class with __getattr__: Python reads a module's
    attributes by a fast path (a mapping reads these millions of times), and a module's own
    __getattr__ (PEP 562) builds a name the first time it is read.
    """
    space = ModuleType(f"{__name__}:{base}")

    def build(name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        term = space.__dict__[name] = encoded.iri(base + name)  # found directly next time
        return term

    space.__dict__["__getattr__"] = build
    return space


skg, prov, dct, skos, rdfs, rdf = (namespace(SKG), namespace(PROV), namespace(DCT), namespace(SKOS),
                                   namespace(RDFS), namespace(RDF))
oa, schema, geo = namespace(OA), namespace(SCHEMA), namespace(GEO)
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
        return lit_int(value)
    if isinstance(value, _dt.datetime):
        return lit_datetime(value)
    if isinstance(value, _dt.date):
        return lit_date(value)
    return encoded.literal(str(value))


# The literals a mapping writes most (millions in a big import), without lit's dispatch on the type.
def lit_en(text: str) -> str:
    """Given English text, return it as a literal tagged @en, encoded: what `lit(text, lang="en")` returns."""
    return encoded.literal(text) + "@en"


def lit_date(day: _dt.date) -> str:
    """Given a date (not a datetime), return its xsd:date literal, encoded."""
    return '"' + day.isoformat() + '"' + _XSD_DATE


def lit_datetime(moment: _dt.datetime) -> str:
    """Given a datetime, return its xsd:dateTime literal, encoded."""
    return '"' + moment.isoformat() + '"' + _XSD_DATETIME


def lit_int(number: int) -> str:
    """Given an int (not a bool), return its xsd:integer literal, encoded."""
    return f'"{number}"{_XSD_INTEGER}'


def wkt_point(longitude: str, latitude: str) -> str:
    """Given decimal coordinates, return a GeoSPARQL WKT point (longitude first), encoded.

    >>> wkt_point("-5.9929", "14.2526")
    '"POINT(-5.9929 14.2526)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>'
    """
    return f'"POINT({longitude} {latitude})"^^<{GEO}wktLiteral>'


ROLE = ns.VOCAB + "role/"
DATASET_PUBLISHERS = {"acled": ns.ID + "actor/acled", "ucdp": ns.ID + "actor/ucdp"}
RFC7111 = "http://tools.ietf.org/rfc/rfc7111"


class Encoded(dict[_Value, str]):
    """Encoded terms by value, each encoded on first use: `iris[actor]`. For values many rows
    repeat (actors, places, concepts, names, dates): one string for all of them, encoded once."""

    def __init__(self, encode: Callable[[_Value], str]):
        super().__init__()
        self._encode = encode

    def __missing__(self, value: _Value) -> str:
        term = self[value] = self._encode(value)
        return term


class QuadSink:
    """Collects the quads of one graph as encoded terms (sahelkg.store.encoded): `add(subject, predicate, object)`.

    The mappers of big files append to `rows` directly, several (s, p, o, `graph`) rows at a time
    (`sink.rows += (…)`): a call per quad costs more than the tuple. `iris`, `texts_en`, `dates` and
    `decimals` (coordinates) encode the values rows repeat, once per import.
    """

    def __init__(self, graph: str):
        self.graph = iri(graph)
        self.rows: list[tuple[str, str, str, str]] = []
        self._written: set[str] = set()
        self.iris: Encoded[str] = Encoded(iri)
        self.texts_en: Encoded[str] = Encoded(lit_en)
        self.dates: Encoded[_dt.date] = Encoded(lit_date)
        self.decimals: Encoded[str] = Encoded(lambda number: encoded.literal(number, XSD + "decimal"))
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
