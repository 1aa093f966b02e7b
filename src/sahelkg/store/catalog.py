"""Which graphs must be described in the catalog graph, and finding those that are not.

The rule, in one place: a graph read from a file — a source graph (`graph/source/…`, loaded by
`sahelkg load`; the shapes' skg:SourceGraphShape asks for its record) or an import graph
(`graph/import/…`, written by `sahelkg import`, described by `importers.describe.describe_import`)
— is published by its catalog record: `<graph> prov:wasGeneratedBy <activity>` in the catalog
graph. Such a graph holding triples without that record is the leftover of an interrupted write:
the embedded store removes it when it opens (`EmbeddedStore` on disk), so the same import or
load can run again.

Other graphs (ontology, reference, catalog, derived, user graphs written over HTTP, and the
curation graph of `sahelkg link incidents`, which no source owns) may be described by
`sahelkg load` too, but nothing requires it.

>>> needs_catalog_record("https://w3id.org/sahelkg/graph/import/acled-0123456789abcdef")
True
>>> needs_catalog_record("https://w3id.org/sahelkg/graph/reference")
False
>>> needs_catalog_record("https://w3id.org/sahelkg/graph/curation/incidents")
False
"""

from __future__ import annotations

import pyoxigraph as ox

from sahelkg import namespaces as ns

IMPORT_GRAPH_PREFIX = ns.GRAPH + "import/"
#: The triple that publishes a graph: `<graph> prov:wasGeneratedBy <activity>` in the catalog graph.
PUBLISHED_BY = ox.NamedNode("http://www.w3.org/ns/prov#wasGeneratedBy")
CATALOG = ox.NamedNode(ns.CATALOG_GRAPH)


def needs_catalog_record(graph_iri: str) -> bool:
    """Given a graph IRI, return True when the graph may hold triples only while the catalog describes it."""
    return graph_iri.startswith((ns.SOURCE_GRAPH_PREFIX, IMPORT_GRAPH_PREFIX))


def is_published(store: ox.Store, graph: ox.NamedNode) -> bool:
    """Given a pyoxigraph store and a graph, return True when the catalog graph holds its record."""
    return next(iter(store.quads_for_pattern(graph, PUBLISHED_BY, None, CATALOG)), None) is not None


def unpublished_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """Given a pyoxigraph store, return the graphs that need a catalog record and have none.

    >>> store = ox.Store()
    >>> g = ox.NamedNode(IMPORT_GRAPH_PREFIX + "acled-1")
    >>> store.add(ox.Quad(ox.NamedNode("http://ex/s"), ox.NamedNode("http://ex/p"), ox.Literal("o"), g))
    >>> [graph.value for graph in unpublished_graphs(store)] == [g.value]
    True
    >>> store.add(ox.Quad(g, PUBLISHED_BY, ox.NamedNode("http://ex/activity"), CATALOG))
    >>> unpublished_graphs(store)
    []
    """
    return [graph for graph in store.named_graphs()
            if isinstance(graph, ox.NamedNode) and needs_catalog_record(graph.value)
            and not is_published(store, graph)]
