"""Stores reached over HTTP: any SPARQL 1.1 store (`RemoteStore`) and OpenLink Virtuoso."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from sahelkg.store.base import QueryResult, QuerySyntaxError, QueryTimeout, ResultTooLarge, Store, StoreError, materialise
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads
from sahelkg.store.encoded import rows as encoded_rows


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
        import socket
        from urllib.error import URLError

        from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED

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
        except TimeoutError as error:
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
            values = dict(zip(("s", "p", "o", "g"), row, strict=True))
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
