"""What an HTTP write changes, computed next to a snapshot of the store and checked by the SHACL gate.

Parsing a 100 KB update with rdflib or validating a change with pyshacl takes seconds of Python
holding the GIL. With the embedded store this module therefore runs in a forked query worker
(`IsolatedStore.prepare_write`): the worker holds a copy-on-write snapshot of the store as of the
last write, turns the request into a `Change`, runs the gate on it and sends back the change as
N-Quads; the web process only relays bytes and the keeper applies them. With other stores (remote,
or a bare in-process one) the same functions run on a thread of the web process.

A request is a plain dict so it can cross a process boundary:
  {"kind": "update", "text": …, "using": [...], "using_named": [...], "base_iri": …}
  {"kind": "graph", "method": "PUT"|"POST"|"DELETE", "graph": N-Triples term or "DEFAULT",
   "parts": [(bytes, media type or None, file name or None), …]}

>>> from sahelkg.store import EmbeddedStore
>>> change = compute_change(EmbeddedStore(), {"kind": "graph", "method": "POST", "graph": "<http://g>",
...                         "parts": [(b"<http://s> <http://p> 1 .", "text/turtle", None)]})
>>> len(change.additions), len(change.removals)
(1, 0)
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph as ox

from sahelkg import rdf_formats
from sahelkg.problems import Problem, syntax_problem
from sahelkg.store.change import Change


def rdf_format(media_type: str | None, filename: str | None = None) -> ox.RdfFormat:
    """Given a body's media type (and a multipart file name), return its RDF format or refuse (415)."""
    fmt = rdf_formats.by_media_type(media_type, rdf_formats.GRAPH_BODY_FORMATS)
    if fmt is None and filename and "." in filename:
        fmt = rdf_formats.by_extension(filename, rdf_formats.GRAPH_BODY_FORMATS)
    if fmt is None:
        accepted = ", ".join(sorted(rdf_formats.media_types(rdf_formats.GRAPH_BODY_FORMATS)))
        raise Problem(415, "Unsupported RDF format", f"Send the graph as one of: {accepted} (got {media_type or 'none'}).")
    return fmt


def parse_graph(data: bytes, media_type: str | None, graph: ox.NamedNode | ox.DefaultGraph,
                filename: str | None = None) -> list[ox.Quad]:
    """Given a Graph Store body, return its triples as quads in `graph`, or refuse (400, 415)."""
    fmt = rdf_format(media_type, filename)
    if fmt == ox.RdfFormat.JSON_LD and data.lstrip()[:1] not in (b"{", b"["):
        # Oxigraph reads a bare JSON string or number as an empty graph: that is not a JSON-LD document.
        raise Problem(400, "Malformed RDF", "A JSON-LD body is a JSON object or array.", kind="malformed-rdf")
    try:
        triples = ox.parse(data, format=fmt, base_iri=graph.value if isinstance(graph, ox.NamedNode) else None,
                           without_named_graphs=True, rename_blank_nodes=True)
        return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples]
    except SyntaxError as error:
        raise Problem(400, "Malformed RDF", f"The request body does not parse as {fmt}: {error}",
                      kind="malformed-rdf") from error


def graph_term(text: str) -> ox.NamedNode | ox.DefaultGraph:
    """Given "DEFAULT" or an N-Triples IRI, return the graph it names."""
    return ox.DefaultGraph() if text == "DEFAULT" else ox.NamedNode(text[1:-1])


def compute_change(store: Any, request: dict, *, private: bool = False) -> Change:
    """Given a store (as of now) and a write request, return the Change it makes; raise Problem.

    `private`: the store is a worker's own snapshot, so an update may be dry-run on it (exact for
    every update); otherwise only data operations on named graphs are computed, in a scratch copy."""
    if request["kind"] == "graph":
        graph = graph_term(request["graph"])
        method = request["method"]
        if method == "DELETE":
            return Change(removals=tuple(store.quads(graph=graph)))
        new_quads = [q for data, media_type, filename in request["parts"]
                     for q in parse_graph(data, media_type, graph, filename)]
        if method == "PUT":
            keep = set(new_quads)
            return Change(additions=tuple(new_quads), removals=tuple(q for q in store.quads(graph=graph) if q not in keep))
        return Change(additions=tuple(new_quads))
    return update_change(store, request, private=private)


def update_change(store: Any, request: dict, *, private: bool = False) -> Change:
    """Given a store and an update request, return the Change the update makes (the store is left as it was)."""
    from sahelkg.sparql import protocol
    from sahelkg.store.updating import change_in_scratch_copy, plan_update
    from sahelkg.store.workers import dry_run

    text = request["text"]
    protocol.check_update_safety(text, ())  # Guard: updates never call out, allow-list or not.
    try:
        plan = data_update_plan(text, request.get("base_iri"))
    except SyntaxError as error:
        raise syntax_problem(str(error), text, "update") from error
    if plan is None:
        plan = plan_update(text, using_graph_uris=request.get("using") or None,
                           using_named_graph_uris=request.get("using_named") or None)
    if not private:  # exact only for data operations on named graphs
        return change_in_scratch_copy(store, plan, request.get("base_iri"))
    try:
        removals, additions = dry_run(store, plan.text, request.get("base_iri"), plan.patterns)
    except SyntaxError as error:
        raise syntax_problem(str(error), plan.text, "update") from error
    except Exception as error:
        raise Problem(400, "Update failed", f"{error}. Nothing was applied.", kind="update-failed") from error
    from sahelkg.store import quads_from_nquads

    added, removed = tuple(quads_from_nquads(additions)), tuple(quads_from_nquads(removals))
    # The dry run changed the store: put it back so the gate sees the store as it was before.
    store.apply(Change(additions=removed, removals=added))
    return Change(additions=added, removals=removed)


# Words that start or shape an update operation (outside strings, IRIs and comments).
_OPERATION_WORD = re.compile(r"(?i)(?<![\w:?$@\-])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH|WHERE|USING)"
                             r"(?![\w:\-])")
_DATA = re.compile(r"(?i)\s*DATA(?![\w:\-])")


def data_update_plan(text: str, base_iri: str | None) -> Any:
    """Given update text made only of INSERT DATA / DELETE DATA operations, return its UpdatePlan
    without rdflib (whose parser takes seconds to minutes on a 100 KB update); None for any other
    update. Raises SyntaxError (with Oxigraph's line and column) when the text does not parse.

    Every quad the update names comes from running it, each DELETE DATA turned into INSERT DATA,
    on an empty scratch store; the patterns are those plan_update would list for the same data.

    >>> text = "PREFIX e: <http://e/> INSERT DATA { e:s e:p 1 } ; DELETE DATA { GRAPH e:g { e:s e:p 2 } }"
    >>> data_update_plan(text, None).patterns
    [['<http://e/s>', '<http://e/p>', None, '<http://e/g>'], ['<http://e/s>', '<http://e/p>', None, 'DEFAULT']]
    >>> data_update_plan("DELETE WHERE { ?s ?p ?o }", None) is None
    True
    """
    from sahelkg.sparql import protocol
    from sahelkg.store import term_to_nt
    from sahelkg.store.updating import UpdatePlan

    code = protocol._code_regions(text, keep_iris=False)
    deletes = []
    words = list(_OPERATION_WORD.finditer(code))
    if not words:
        return None
    for match in words:
        word = match.group(1).upper()
        if word not in ("INSERT", "DELETE") or not _DATA.match(code, match.end()):
            return None
        if word == "DELETE":
            deletes.append(match.start())
    as_inserts = text
    for start in deletes:  # same length, so positions (and error columns) stay put
        as_inserts = as_inserts[:start] + "INSERT" + as_inserts[start + len("DELETE"):]
    scratch = ox.Store()
    scratch.update(as_inserts, base_iri=base_iri)
    patterns: dict[tuple, None] = {}
    for quad in scratch:
        subject = term_to_nt(quad.subject) if isinstance(quad.subject, ox.NamedNode) else None
        graph = "DEFAULT" if isinstance(quad.graph_name, ox.DefaultGraph) else term_to_nt(quad.graph_name)
        patterns[(subject, term_to_nt(quad.predicate), None, graph)] = None
    ordered = sorted(patterns, key=lambda p: tuple(x or "" for x in p))
    return UpdatePlan(text=text, patterns=[list(p) for p in ordered], graphs={p[3] for p in ordered if p[3]},
                      reads_where=False)


def refused(report: Any) -> Problem:
    """Given a non-conforming validation report, return the 422 problem carrying it."""
    return Problem(422, "Change refused by validation",
                   "The change would make the store break its SHACL shapes; nothing was applied.",
                   kind="validation-failed", report=json.loads(report.to_json()))


def prepare(store: Any, request: dict) -> tuple[bytes, bytes, int, int]:
    """Given a store snapshot that may be modified and a write request, return the validated change as
    (removals N-Quads, additions N-Quads, removed, added); raise Problem (422 when the gate refuses)."""
    from sahelkg import gate
    from sahelkg.store import quads_to_nquads

    change = compute_change(store, request, private=True)
    if change.is_empty():
        return b"", b"", 0, 0
    report = gate.check(store, change)
    if not report.conforms:
        raise refused(report)
    return quads_to_nquads(change.removals), quads_to_nquads(change.additions), len(change.removals), len(change.additions)


def warm_up(store: Any) -> None:
    """Run the write path once on a throwaway change so every lazy import and cache is ready
    (in the keeper before it forks workers, or in the web process at start-up)."""
    from sahelkg import gate
    from sahelkg.gate import validation
    from sahelkg.store.updating import plan_update

    plan_update("INSERT DATA { <urn:sahelkg:warm-up> <urn:sahelkg:warm-up> 1 }")
    validation.shapes_graph()
    probe = ox.Quad(ox.NamedNode("urn:sahelkg:warm-up"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode("https://w3id.org/sahelkg/ontology#Count"), ox.NamedNode("urn:sahelkg:warm-up"))
    gate.check(store, Change(additions=(probe,)))


def problem_to_wire(problem: Problem) -> dict:
    """Given a Problem, return a picklable dict from which `problem_from_wire` rebuilds it."""
    return {"status": problem.status, "title": problem.title, "detail": problem.detail, "kind": problem.kind,
            "headers": problem.headers, "extra": problem.extra}


def problem_from_wire(data: dict) -> Problem:
    """Given what `problem_to_wire` returned, return the Problem."""
    return Problem(data["status"], data["title"], data["detail"], kind=data["kind"], headers=data["headers"],
                   **data["extra"])
