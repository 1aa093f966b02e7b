"""One interface for the triple store: embedded Oxigraph, or a remote SPARQL 1.1 store.

Every module (loader, SHACL gate, audits, the HTTP service) talks to a `Store`:

>>> import pyoxigraph as ox
>>> from sahelkg.store.change import Change
>>> store = EmbeddedStore()
>>> g = ox.NamedNode("https://w3id.org/sahelkg/graph/demo")
>>> q = ox.Quad(ox.NamedNode("http://ex/s"), ox.NamedNode("http://ex/p"), ox.Literal("o"), g)
>>> store.apply(Change(additions=(q,)))
>>> store.triple_count(g)
1
>>> store.query("ASK { ?s ?p 'o' }").boolean
True

Implementations:
  EmbeddedStore  pyoxigraph, in memory or on disk (a directory); `sahelkg.store.embedded`.
  RemoteStore    any SPARQL 1.1 store given query/update URLs (SPARQLWrapper); `sahelkg.store.remote`.
  VirtuosoStore  RemoteStore adapter for OpenLink Virtuoso's quirks.
The interface and its errors are in `sahelkg.store.base`. The HTTP service wraps an EmbeddedStore
in `sahelkg.store.workers.IsolatedStore`, which runs each query in a killable worker process and
implements this same interface.

Default graph: with `union_default_graph=True` (the default) a query's default graph is the union
of the store's default graph and every named graph. `FROM`/`FROM NAMED` and the protocol's
`default-graph-uri`/`named-graph-uri` only ever select graphs already in the store: nothing is
fetched.
"""

from __future__ import annotations

from sahelkg.store.base import (
    EvaluationError,
    GraphName,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    Store,
    StoreError,
    Term,
    dataset_arguments,
    materialise,
    quads_from_nquads,
    quads_to_nquads,
    term_from_nt,
    term_to_nt,
)
from sahelkg.store.embedded import EmbeddedStore
from sahelkg.store.remote import RemoteStore, VirtuosoStore, _data_block

__all__ = [
    "EmbeddedStore", "EvaluationError", "GraphName", "QueryResult", "QuerySyntaxError", "QueryTimeout",
    "RemoteStore", "ResultTooLarge", "ServiceBusy", "Store", "StoreError", "Term", "VirtuosoStore",
    "_data_block", "dataset_arguments", "materialise", "quads_from_nquads", "quads_to_nquads", "term_from_nt",
    "term_to_nt",
]
