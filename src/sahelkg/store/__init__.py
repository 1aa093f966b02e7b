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
  EmbeddedStore  pyoxigraph, in memory or on disk (a directory).
  RemoteStore    any SPARQL 1.1 store given query/update URLs (SPARQLWrapper).
  VirtuosoStore  RemoteStore adapter for OpenLink Virtuoso's quirks.
The HTTP service wraps an EmbeddedStore in `sahelkg.store.workers.IsolatedStore`, which runs each
query in a killable worker process and implements this same interface.

Default graph: with `union_default_graph=True` (the default) a query's default graph is the union
of the store's default graph and every named graph. `FROM`/`FROM NAMED` and the protocol's
`default-graph-uri`/`named-graph-uri` only ever select graphs already in the store: nothing is
fetched.
"""

from __future__ import annotations

import itertools
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter, not_
from pathlib import Path
from typing import Literal, Union

import pyoxigraph as ox

from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads, decode, nquads, ntriples
from sahelkg.store.encoded import rows as encoded_rows

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
GraphName = Union[ox.NamedNode, ox.BlankNode, ox.DefaultGraph]


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

        >>> EmbeddedStore().query("SELECT (1 AS ?one) {}").rows[0][0].value
        '1'
        """

    @abstractmethod
    def apply(self, change: Change) -> None:
        """Given a Change, apply its removals then additions atomically (all or nothing).

        >>> s = EmbeddedStore(); q = ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"))
        >>> s.apply(Change(additions=(q,))); s.apply(Change(removals=(q,))); len(list(s.quads()))
        0
        """

    @abstractmethod
    def quads(self, subject: Term | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """Given a pattern (None matches anything), return the matching quads.

        >>> list(EmbeddedStore().quads(predicate=ox.NamedNode("http://b")))
        []
        """

    @abstractmethod
    def named_graphs(self) -> list[ox.NamedNode | ox.BlankNode]:
        """Return the names of the graphs in the store.

        >>> EmbeddedStore().named_graphs()
        []
        """

    @abstractmethod
    def triple_count(self, graph: GraphName | None = None) -> int:
        """Given a graph (None: the whole store), return how many triples it holds.

        >>> EmbeddedStore().triple_count()
        0
        """

    @abstractmethod
    def load_quads(self, quads: Iterable[ox.Quad]) -> int:
        """Given many quads, add them in bulk (no SHACL gate, not atomic); return how many were read.

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

    def close(self) -> None:
        """Release the store's resources (files, processes, connections)."""


class EmbeddedStore(Store):
    """Oxigraph in this process: in memory (path None) or on disk in a directory.

    `SAHELKG_STORE` names the directory when `path` is not given and `from_env()` is used.
    Queries here cannot be stopped once started (pyoxigraph has no cancel API); the HTTP service
    therefore never calls `query` here directly but through `IsolatedStore`.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store: ox.Store | None = ox.Store(str(self.path))
        else:
            self._store = ox.Store()

    @classmethod
    def from_env(cls) -> "EmbeddedStore":
        """Return a store on disk at $SAHELKG_STORE, or in memory when it is unset."""
        return cls(os.environ.get("SAHELKG_STORE") or None)

    @property
    def oxigraph(self) -> ox.Store:
        """Return the underlying pyoxigraph Store (for bulk tools that need it)."""
        if self._store is None:
            raise StoreError("the store was closed")
        return self._store

    def query(self, sparql, *, default_graph_uris=None, named_graph_uris=None,
              union_default_graph=True, timeout=None, base_iri=None, max_rows=None) -> QueryResult:
        if timeout is not None:
            # Guard: an in-process pyoxigraph query cannot be interrupted; say so instead of pretending.
            raise StoreError("EmbeddedStore cannot enforce a timeout in-process; use sahelkg.store.workers.IsolatedStore")
        results = self.oxigraph.query(
            sparql, base_iri=base_iri,
            **dataset_arguments(default_graph_uris, named_graph_uris, union_default_graph, sparql))
        return materialise(results, max_rows)

    def apply(self, change: Change) -> None:
        store = self.oxigraph
        removed: list[ox.Quad] = []
        added: list[ox.Quad] = []
        loaded_graphs: list[ox.NamedNode] = []
        additions = change.additions
        new_graphs: set[str] = set()
        try:
            if isinstance(additions, EncodedQuads):
                # Rows in graphs new to the store are loaded from their text in one call; the
                # others (existing graphs, default graph, blank nodes) go quad by quad below.
                new_graphs, bulk, additions = _split_new_graphs(store, additions)
            for quad in change.removals:
                if quad in store:
                    store.remove(quad)
                    removed.append(quad)
            if new_graphs:
                loaded_graphs = [decode(g) for g in new_graphs]
                lenient = change.additions.terms_checked
                additions = EncodedQuads(_load_new_graphs(store, bulk, lenient) + additions.rows)
            if isinstance(additions, EncodedQuads):
                additions = _parsed(additions)
            fresh = [q for q in dict.fromkeys(additions) if q not in store]
            store.extend(fresh)  # one transaction
            added = fresh
            # A named graph exists exactly while it holds triples (GSP DELETE then GET gives 404).
            for graph in change.graphs():
                if not isinstance(graph, ox.DefaultGraph) and store.contains_named_graph(graph) \
                        and next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None:
                    store.remove_graph(graph)
            if self.path is not None:
                store.flush()
        except BaseException:
            # Roll back by hand: pyoxigraph has no multi-call transaction in Python.
            for graph in loaded_graphs:  # they did not exist before the change
                store.remove_graph(graph)
            for quad in added:
                store.remove(quad)
            store.extend(removed)
            raise

    def quads(self, subject=None, predicate=None, object=None, graph=None) -> Iterator[ox.Quad]:
        return iter(self.oxigraph.quads_for_pattern(subject, predicate, object, graph))

    def named_graphs(self):
        return list(self.oxigraph.named_graphs())

    def triple_count(self, graph=None) -> int:
        if graph is None:
            return len(self.oxigraph)
        return sum(1 for _ in self.oxigraph.quads_for_pattern(None, None, None, graph))

    def graph_counts(self) -> dict[str, int]:
        result = self.oxigraph.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        counts = {row[0].value: int(row[1].value) for row in result if isinstance(row[0], ox.NamedNode)}
        for g in self.named_graphs():
            if isinstance(g, ox.NamedNode):
                counts.setdefault(g.value, 0)
        return counts

    def graph_exists(self, graph) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return self.oxigraph.contains_named_graph(graph)

    def add_graph(self, graph: ox.NamedNode) -> None:
        """Given a graph name, record the (possibly empty) graph in the store."""
        self.oxigraph.add_graph(graph)

    def remove_graph(self, graph: ox.NamedNode) -> None:
        """Given a graph name, remove the graph and its triples."""
        self.oxigraph.remove_graph(graph)

    def load_quads(self, quads: Iterable[ox.Quad]) -> int:
        counter = _Counter(quads)
        self.oxigraph.bulk_extend(counter)
        if self.path is not None:
            self.oxigraph.flush()
        return counter.n

    def load_file(self, path: str | os.PathLike, *, graph: str | None = None) -> int:
        """Given an RDF file (format from its extension), bulk-load it; return how many quads were new.

        Triples go to `graph` when given, else to the default graph; quads keep their graph.
        """
        fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip(".")) or ox.RdfFormat.N_TRIPLES
        before = len(self.oxigraph)
        # Parsed and inserted in Rust: no Python object per quad (pyoxigraph's fastest path).
        self.oxigraph.bulk_load(path=str(path), format=fmt, to_graph=ox.NamedNode(graph) if graph else None)
        if self.path is not None:
            self.oxigraph.flush()
        return len(self.oxigraph) - before

    def dump(self, output, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """Given a binary file or path, write the whole store to it (N-Quads by default)."""
        self.oxigraph.dump(output, format=format)

    def close(self) -> None:
        if self._store is not None and self.path is not None:
            self._store.flush()
        self._store = None


def _split_new_graphs(store: ox.Store, additions: EncodedQuads) -> tuple[set[str], list, EncodedQuads]:
    """Given encoded additions, return the named graphs the store does not hold yet, their rows,
    and the other rows."""
    graphs = additions.graphs()
    new = {g for g in graphs if g.startswith("<") and not store.contains_named_graph(decode(g))}
    if not new:
        return new, [], additions
    if new == graphs:
        return new, additions.rows, EncodedQuads([])
    in_new = list(map(new.__contains__, map(itemgetter(3), additions.rows)))  # no Python loop: millions of rows
    return (new, list(itertools.compress(additions.rows, in_new)),
            EncodedQuads(list(itertools.compress(additions.rows, map(not_, in_new)))))


_LOAD_CHUNK = 100_000


def _has_blank_node(row: tuple[str, str, str, str]) -> bool:
    return row[0].startswith("_:") or row[2].startswith("_:")


def _load_new_graphs(store: ox.Store, rows: list, lenient: bool) -> list:
    """Given rows whose graphs the store does not hold, load them in one transaction (all or nothing;
    lenient: without checking IRIs and language tags again); return the rows with blank nodes, left
    out: loading would rename their blank nodes."""
    graphs = {row[3] for row in rows}
    # One graph (an import): N-Triples into that graph, a third less text than N-Quads to build
    # and parse (15 % faster on 1.4 million quads). Several graphs: N-Quads, still one call.
    single = decode(next(iter(graphs))) if len(graphs) == 1 else None
    serialise = nquads if single is None else ntriples
    held_back: list = []
    texts: list[bytes] = []
    for start in range(0, len(rows), _LOAD_CHUNK):  # chunks: no second copy of every row as a str
        chunk = rows[start:start + _LOAD_CHUNK]
        text = serialise(chunk)
        if b"_:" in text:  # a blank node, or "_:" inside a literal: look row by row
            blank = [row for row in chunk if _has_blank_node(row)]
            if blank:
                held_back.extend(blank)
                text = serialise([row for row in chunk if not _has_blank_node(row)])
        texts.append(text)
    # One call, one transaction. Bytes, not a file object: Oxigraph reads a file in small pieces,
    # each taking the GIL (measured 15 % slower on 2 million quads).
    document = b"".join(texts)
    texts.clear()
    try:
        if single is not None:
            store.load(document, format=ox.RdfFormat.N_TRIPLES, to_graph=single, lenient=lenient)
        else:
            store.load(document, format=ox.RdfFormat.N_QUADS, lenient=lenient)
    except SyntaxError as error:
        raise StoreError(f"the change's quads are not valid N-Quads, nothing was written: {error}") from error
    return held_back


def _parsed(additions: EncodedQuads) -> list[ox.Quad]:
    """Given encoded additions, return them as pyoxigraph quads."""
    try:
        return list(additions)
    except SyntaxError as error:
        raise StoreError(f"the change's quads are not valid N-Quads, nothing was written: {error}") from error


class _Counter:
    """An iterator that counts what passes through it."""

    def __init__(self, iterable):
        self._it = iter(iterable)
        self.n = 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._it)
        self.n += 1
        return item


class RemoteStore(Store):
    """Any SPARQL 1.1 store reached over HTTP: queries and updates through SPARQLWrapper.

    >>> RemoteStore("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update").query_url
    'http://127.0.0.1:7878/query'

    Notes: the remote store's own notion of the default graph applies (Oxigraph's `serve` keeps a
    separate default graph unless started with `--union-default-graph`; Virtuoso's default graph
    is the union of all graphs). A timed-out query is abandoned by us; stopping it on the remote
    side is up to that server's own limits. Blank-node quads can only be removed by clearing
    their whole graph (SPARQL cannot name a remote blank node). Every write goes through the
    update URL as one request (DELETE DATA/INSERT DATA); `graph_store_url` is recorded for
    callers that want it but is not used by this class.
    """

    #: Graphs the store keeps for itself and that we hide from named_graphs() / VoID.
    hidden_graph_prefixes: tuple[str, ...] = ()
    #: Quads per INSERT DATA request during load_quads.
    batch_size = 2000

    def __init__(self, query_url: str, update_url: str | None = None, graph_store_url: str | None = None,
                 *, user: str | None = None, password: str | None = None, timeout: float = 60.0) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.user = user
        self.password = password
        self.timeout = timeout

    # -- HTTP helpers -------------------------------------------------------------------------
    def _wrapper(self, url: str, timeout: float | None):
        from SPARQLWrapper import SPARQLWrapper

        wrapper = SPARQLWrapper(url)
        wrapper.setTimeout(int(max(1, round(timeout if timeout is not None else self.timeout))))
        if self.user:
            wrapper.setCredentials(self.user, self.password or "")
        return wrapper

    def _select(self, sparql: str, timeout: float | None = None) -> list[tuple]:
        return self.query(sparql, union_default_graph=False, timeout=timeout).rows

    def update(self, sparql_update: str, timeout: float | None = None) -> None:
        """Given a SPARQL update, send it to the update endpoint as one request."""
        from SPARQLWrapper import POST, URLENCODED

        if not self.update_url:
            raise StoreError("this remote store has no update URL: it is read-only")
        wrapper = self._wrapper(self.update_url, timeout)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setQuery(sparql_update)
        self._prepare_update(wrapper)
        try:
            wrapper.query()
        except Exception as error:  # SPARQLWrapper raises many types; report them uniformly
            raise StoreError(f"remote update failed: {error}") from error

    def _prepare_update(self, wrapper) -> None:
        """Hook for adapters (authentication schemes and the like)."""

    # -- Store interface ----------------------------------------------------------------------
    def query(self, sparql, *, default_graph_uris=None, named_graph_uris=None,
              union_default_graph=True, timeout=None, base_iri=None, max_rows=None) -> QueryResult:
        from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED
        from urllib.error import URLError
        import socket

        wrapper = self._wrapper(self.query_url, timeout)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setQuery(sparql)
        for uri in default_graph_uris or ():
            wrapper.addDefaultGraph(uri)
        for uri in named_graph_uris or ():
            wrapper.addNamedGraph(uri)
        graph_form = wrapper.queryType in ("CONSTRUCT", "DESCRIBE")
        wrapper.setReturnFormat(TURTLE if graph_form else JSON)
        if graph_form:
            wrapper.addCustomHttpHeader("Accept", "text/turtle, application/n-triples;q=0.9")
        try:
            response = wrapper.query().response
            body = response.read()
            content_type = response.headers.get("Content-Type", "")
        except (socket.timeout, TimeoutError) as error:
            raise QueryTimeout(f"the remote store did not answer within {timeout or self.timeout} s") from error
        except URLError as error:
            if isinstance(error.reason, (socket.timeout, TimeoutError)):
                raise QueryTimeout(f"the remote store did not answer within {timeout or self.timeout} s") from error
            raise StoreError(f"remote query failed: {error}") from error
        except Exception as error:
            from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

            if isinstance(error, QueryBadFormed):
                raise QuerySyntaxError(f"the remote store rejected the query: {error}") from error
            raise StoreError(f"remote query failed: {error}") from error
        if graph_form:
            fmt = ox.RdfFormat.from_media_type(content_type.split(";")[0].strip()) or ox.RdfFormat.TURTLE
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
            if max_rows is not None and len(triples) > max_rows:
                raise ResultTooLarge(f"the query returns more than {max_rows} triples")
            return QueryResult(kind="graph", triples=triples)
        return materialise(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON), max_rows)

    def apply(self, change: Change) -> None:
        if change.is_empty():
            return
        parts: list[str] = []
        plain_removals = [q for q in change.removals if not _has_blank(q)]
        blank_graphs = {q.graph_name for q in change.removals if _has_blank(q)}
        for graph in blank_graphs:
            # A remote blank node cannot be named: allowed only when the whole graph goes.
            wanted = sum(1 for q in change.removals if q.graph_name == graph)
            if isinstance(graph, ox.DefaultGraph) or wanted != self.triple_count(graph):
                raise StoreError("a remote store cannot remove some blank-node triples of a graph "
                                 "without removing the whole graph")
            parts.append(f"CLEAR SILENT GRAPH {graph}")
        plain_removals = [q for q in plain_removals if q.graph_name not in blank_graphs]
        if plain_removals:
            parts.append("DELETE DATA { " + _data_block(plain_removals) + " }")
        if change.additions:
            parts.append("INSERT DATA { " + _data_block(change.additions) + " }")
        self.update(" ;\n".join(parts))

    def quads(self, subject=None, predicate=None, object=None, graph=None) -> Iterator[ox.Quad]:
        def slot(term, var):
            return str(term) if term is not None else var

        s, p, o = slot(subject, "?s"), slot(predicate, "?p"), slot(object, "?o")
        if isinstance(graph, ox.DefaultGraph):
            raise StoreError("remote stores are read by named graph; their default graph is store-specific")
        g = slot(graph, "?g")
        rows = self._select(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        for row in rows:
            values = dict(zip(("s", "p", "o", "g"), row))
            gname = graph if graph is not None else values["g"]
            if graph is None and self._hidden(gname):
                continue
            yield ox.Quad(subject or values["s"], predicate or values["p"],
                          object if object is not None else values["o"], gname)

    def _hidden(self, graph) -> bool:
        return isinstance(graph, ox.NamedNode) and graph.value.startswith(self.hidden_graph_prefixes) \
            if self.hidden_graph_prefixes else False

    def named_graphs(self):
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [row[0] for row in rows if row[0] is not None and not self._hidden(row[0])]

    def triple_count(self, graph=None) -> int:
        if graph is None:
            where = "GRAPH ?g { ?s ?p ?o }"
        elif isinstance(graph, ox.DefaultGraph):
            raise StoreError("remote stores are read by named graph; their default graph is store-specific")
        else:
            where = f"GRAPH {graph} {{ ?s ?p ?o }}"
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        return int(rows[0][0].value) if rows else 0

    def graph_counts(self) -> dict[str, int]:
        rows = self._select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {row[0].value: int(row[1].value) for row in rows
                if isinstance(row[0], ox.NamedNode) and not self._hidden(row[0])}

    def load_quads(self, quads: Iterable[ox.Quad]) -> int:
        batch: list[ox.Quad] = []
        n = 0
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise StoreError("load quads into named graphs on a remote store (the default graph is store-specific)")
            batch.append(quad)
            n += 1
            if len(batch) >= self.batch_size:
                self.update("INSERT DATA { " + _data_block(batch) + " }")
                batch = []
        if batch:
            self.update("INSERT DATA { " + _data_block(batch) + " }")
        return n


class VirtuosoStore(RemoteStore):
    """OpenLink Virtuoso behind its /sparql endpoint; every Virtuoso quirk lives here.

    - Updates through the anonymous /sparql endpoint need `GRANT SPARQL_UPDATE TO "SPARQL"`; we
      instead send them to /sparql-auth with HTTP digest authentication (user `dba` by default).
    - Virtuoso keeps system graphs (virtrdf, DAV, LDP, …) that we hide from named_graphs()/VoID.
    - Its default graph is the union of all graphs, so `union_default_graph` is always on.

    >>> VirtuosoStore("http://127.0.0.1:8890").update_url
    'http://127.0.0.1:8890/sparql-auth'
    """

    hidden_graph_prefixes = (
        "http://www.openlinksw.com/", "http://www.w3.org/ns/ldp", "http://localhost:8890/",
        "http://www.w3.org/2002/07/owl", "urn:activitystreams-owl:map", "urn:core:services:sparql",
        "http://localhost/", "virtrdf:", "http://localuriqaserver/",
    )
    batch_size = 500

    def __init__(self, base_url: str, *, user: str = "dba", password: str = "dba", timeout: float = 60.0):
        base = base_url.rstrip("/")
        super().__init__(base + "/sparql", base + "/sparql-auth", base + "/sparql-graph-crud-auth",
                         user=user, password=password, timeout=timeout)

    def _wrapper(self, url, timeout):
        from SPARQLWrapper import DIGEST

        wrapper = super()._wrapper(url, timeout)
        if url == self.update_url:
            wrapper.setHTTPAuth(DIGEST)
        else:
            wrapper.setCredentials(None, None)  # the public endpoint needs no credentials
        return wrapper


def _has_blank(quad: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name))


def _data_block(quads: Iterable[ox.Quad] | EncodedQuads) -> str:
    """Given quads, return the body of an INSERT DATA / DELETE DATA block."""
    by_graph: dict[str, list[str]] = {}
    for subject, predicate, obj, graph in encoded_rows(quads):
        by_graph.setdefault(graph, []).append(f"{subject} {predicate} {obj} .")
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(f"GRAPH {graph} {{\n{body}\n}}" if graph else body)
    return "\n".join(parts)
