"""The RDF formats sahelkg reads and writes: one table, built on pyoxigraph's `RdfFormat`.

Media types, file extensions, display names and format IRIs come from pyoxigraph
(`RdfFormat.media_type`, `.file_extension`, `.name`, `.iri`, `.supports_datasets`,
`RdfFormat.from_media_type`); this module says which formats we offer, in which order, and
the little pyoxigraph does not know.

>>> by_extension("data/reference.trig").name
'TriG'
>>> by_media_type("application/x-turtle; charset=utf-8").media_type
'text/turtle'
>>> [f.file_extension for f in WRITTEN]
['ttl', 'nt', 'jsonld', 'rdf', 'nq', 'trig']
>>> by_extension("notes.txt") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

_F = ox.RdfFormat

# What we write (graph results, pages, dumps) and load from files, in order of preference:
# the first is the default when a client accepts anything.
WRITTEN: tuple[ox.RdfFormat, ...] = (_F.TURTLE, _F.N_TRIPLES, _F.JSON_LD, _F.RDF_XML, _F.N_QUADS, _F.TRIG)
# Formats of one graph (no N-Quads or TriG): a resource's page besides HTML.
GRAPH_FORMATS: tuple[ox.RdfFormat, ...] = (_F.TURTLE, _F.JSON_LD, _F.N_TRIPLES, _F.RDF_XML)
# What a Graph Store request body may be: one graph, N3 included.
GRAPH_BODY_FORMATS: tuple[ox.RdfFormat, ...] = (*GRAPH_FORMATS, _F.N3)
# Every format named here.
READ: tuple[ox.RdfFormat, ...] = (*WRITTEN, _F.N3)

# Only canonical extensions, plus .owl (RDF/XML ontologies): pyoxigraph also maps .txt, .json
# and .xml, which would make a directory load pick up files that are not RDF.
_BY_EXTENSION: dict[str, ox.RdfFormat] = {**{f.file_extension: f for f in READ}, "owl": _F.RDF_XML}
# pyoxigraph names JSON-LD by its newer IRI; SPARQL service descriptions use the W3C one.
_W3C_IRIS = {_F.JSON_LD: "http://www.w3.org/ns/formats/JSON-LD"}


def media_types(formats: Iterable[ox.RdfFormat] = WRITTEN) -> tuple[str, ...]:
    """Given formats, return their media types, in the same order."""
    return tuple(f.media_type for f in formats)


def by_media_type(media_type: str | None, formats: Iterable[ox.RdfFormat] = READ) -> ox.RdfFormat | None:
    """Given a media type (parameters and case ignored, common aliases such as
    application/x-turtle or text/plain known), return its format when it is one of `formats`."""
    if not media_type:
        return None
    found = _F.from_media_type(media_type.strip())
    return found if found is not None and found in tuple(formats) else None


def written(media_type: str) -> ox.RdfFormat:
    """Given the media type of a format we write (one negotiated from `media_types()`), return the format."""
    found = by_media_type(media_type, WRITTEN)
    if found is None:
        raise ValueError(f"not an RDF format sahelkg writes: {media_type!r}")
    return found


def by_extension(name: str, formats: Iterable[ox.RdfFormat] = READ) -> ox.RdfFormat | None:
    """Given a file name, path or bare extension ('ttl', '.ttl', 'a/b.ttl'), return its format
    when it is one of `formats`."""
    found = _BY_EXTENSION.get(name.rsplit(".", 1)[-1].lower())
    return found if found is not None and found in tuple(formats) else None


def by_extensions(formats: Iterable[ox.RdfFormat] = READ) -> dict[str, ox.RdfFormat]:
    """Given formats, return them by the file extensions (without the dot) that name them, sorted."""
    chosen = tuple(formats)
    return {ext: f for ext, f in sorted(_BY_EXTENSION.items()) if f in chosen}


def format_iri(fmt: ox.RdfFormat) -> str:
    """Given a format, return its IRI in the W3C formats namespace (for service descriptions)."""
    return _W3C_IRIS.get(fmt, fmt.iri)
