"""What every store offers (`Store`), its errors, and the materialised query result.

Implementations live in `sahelkg.store.embedded` (pyoxigraph) and `sahelkg.store.remote` (SPARQL
1.1 over HTTP); `sahelkg.store` re-exports the public names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import pyoxigraph as ox

from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class StoreError(Exception):
    """The store refused or failed an operation (not a bug in the caller's query)."""


class ResultTooLarge(StoreError):
    """A query produced more rows than the configured cap."""


class QueryTimeout(StoreError):
    """A query ran longer than its timeout and was stopped."""


class QuerySyntaxError(StoreError):
    """The query or update text does not parse; the message says where."""


class EvaluationError(StoreError):
    """The engine refused the operation while running it (e.g. CREATE of an existing graph)."""


class ServiceBusy(StoreError):
    """No worker became free before the request's deadline."""


@dataclass
class QueryResult:
    """The materialised answer of a query: a boolean, solutions, or triples.

    >>> QueryResult(kind="boolean", boolean=True).boolean
    True
    """

    kind: Literal["boolean", "solutions", "graph"]
    boolean: bool | None = None
    variables: tuple[str, ...] = ()
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "solutions" else len(self.triples)


def materialise(results, max_rows: int | None = None) -> QueryResult:
    """Given pyoxigraph query results, return a QueryResult; raise ResultTooLarge past max_rows."""
    if isinstance(results, ox.QueryBoolean):
        return QueryResult(kind="boolean", boolean=bool(results))
    if isinstance(results, ox.QuerySolutions):
        variables = results.variables
        names = tuple(v.value for v in variables)
        rows: list[tuple] = []
        for solution in results:
            if max_rows is not None and len(rows) >= max_rows:
                raise ResultTooLarge(f"the query returns more than {max_rows} solutions")
            rows.append(tuple(solution[v] for v in variables))
        return QueryResult(kind="solutions", variables=names, rows=rows)
    triples: list[ox.Triple] = []
    for triple in results:
        if max_rows is not None and len(triples) >= max_rows:
            raise ResultTooLarge(f"the query returns more than {max_rows} triples")
        triples.append(triple)
    return QueryResult(kind="graph", triples=triples)


def term_to_nt(term: Term | ox.DefaultGraph | None) -> str | None:
    """Given a term, return its N-Triples form (None for None and the default graph)."""
    if term is None or isinstance(term, ox.DefaultGraph):
        return None
    return str(term)


def term_from_nt(text: str | None) -> Term | None:
    """Given an N-Triples term (as from term_to_nt), return the pyoxigraph term."""
    if text is None:
        return None
    quad = next(iter(ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
    return quad.object


def quads_to_nquads(quads: Iterable[ox.Quad] | EncodedQuads) -> bytes:
    """Given quads, return them as N-Quads bytes (blank node labels preserved)."""
    if isinstance(quads, EncodedQuads):
        return quads.nquads()
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def quads_from_nquads(data: bytes) -> list[ox.Quad]:
    """Given N-Quads bytes, return the quads (blank node labels preserved)."""
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS)) if data else []


def _graph_list(uris: Iterable[str] | None) -> list[ox.NamedNode] | None:
    return None if uris is None else [ox.NamedNode(u) for u in uris]


def dataset_arguments(default_graph_uris, named_graph_uris, union_default_graph: bool,
                      sparql: str = "") -> dict:
    """Given protocol dataset parameters, return pyoxigraph query keyword arguments.

    When either list is given they alone make the dataset (SPARQL 1.1 Protocol §2.1.4) and
    override FROM/FROM NAMED in the query; otherwise FROM/FROM NAMED decide, and without them
    the union switch decides the default graph. (pyoxigraph's union flag would override FROM.)
    """
    from sahelkg.sparql.protocol import has_dataset_clause

    default, named = _graph_list(default_graph_uris), _graph_list(named_graph_uris)
    if default is None and named is None:
        return {"use_default_graph_as_union": union_default_graph and not has_dataset_clause(sparql)}
    return {"default_graph": default or [], "named_graphs": named or []}


class Store(ABC):
    """What every store offers. All methods are blocking; call them off the event loop."""

    @abstractmethod
    def query(self, sparql: str, *, default_graph_uris: list[str] | None = None,
              named_graph_uris: list[str] | None = None, union_default_graph: bool = True,
              timeout: float | None = None, base_iri: str | None = None,
              max_rows: int | None = None) -> QueryResult:
        """Given a SPARQL query, return its materialised result.

        >>> from sahelkg.store import EmbeddedStore
        >>> EmbeddedStore().query("SELECT (1 AS ?one) {}").rows[0][0].value
        '1'
        """

    @abstractmethod
    def apply(self, change: Change) -> None:
        """Given a Change, apply its removals then additions atomically (all or nothing).

        >>> from sahelkg.store import EmbeddedStore
        >>> s = EmbeddedStore(); q = ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"))
        >>> s.apply(Change(additions=(q,))); s.apply(Change(removals=(q,))); len(list(s.quads()))
        0
        """

    @abstractmethod
    def quads(self, subject: Term | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """Given a pattern (None matches anything), return the matching quads.

        >>> from sahelkg.store import EmbeddedStore
        >>> list(EmbeddedStore().quads(predicate=ox.NamedNode("http://b")))
        []
        """

    @abstractmethod
    def named_graphs(self) -> list[ox.NamedNode | ox.BlankNode]:
        """Return the names of the graphs in the store.

        >>> from sahelkg.store import EmbeddedStore
        >>> EmbeddedStore().named_graphs()
        []
        """

    @abstractmethod
    def triple_count(self, graph: GraphName | None = None) -> int:
        """Given a graph (None: the whole store), return how many triples it holds.

        >>> from sahelkg.store import EmbeddedStore
        >>> EmbeddedStore().triple_count()
        0
        """

    @abstractmethod
    def load_quads(self, quads: Iterable[ox.Quad]) -> int:
        """Given many quads, add them in bulk (no SHACL gate, not atomic); return how many were read.

        >>> from sahelkg.store import EmbeddedStore
        >>> EmbeddedStore().load_quads([ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"))])
        1
        """

    def graph_exists(self, graph: GraphName) -> bool:
        """Given a graph name, return True when the store knows it (the default graph always exists)."""
        if isinstance(graph, ox.DefaultGraph):
            return True
        return graph in set(self.named_graphs())

    def graph_counts(self) -> dict[str, int]:
        """Return the triple count of every named graph, keyed by graph IRI."""
        return {g.value: self.triple_count(g) for g in self.named_graphs() if isinstance(g, ox.NamedNode)}

    def close(self) -> None:  # noqa: B027 (optional: most stores hold nothing to release)
        """Release the store's resources (files, processes, connections)."""
