"""From a SPARQL Update request to a Change, without touching the store.

`plan_update` parses the update (rdflib's parser only: rdflib never evaluates anything here),
refuses what the service does not do, applies the protocol's using-graph-uri /
using-named-graph-uri, and lists every quad pattern the update can change. The store then
dry-runs the update on a private copy and diffs those patterns (see querying.dry_run).

>>> plan = plan_update("INSERT DATA { GRAPH <http://g> { <http://s> <http://p> 1 } }")
>>> plan.patterns
[['<http://s>', '<http://p>', None, '<http://g>']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sahelkg.problems import Problem, syntax_problem
from sahelkg.sparql.protocol import _code_regions

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass
class UpdatePlan:
    """The text to run (with USING clauses added) and the patterns it may change."""

    text: str
    patterns: list[list[str | None]]
    #: Graphs (N-Triples names, or "DEFAULT") the update reads or writes; None: any graph.
    graphs: set[str] | None = None
    #: True when some operation evaluates a WHERE clause (it may read any graph).
    reads_where: bool = False


def _iri(term) -> str | None:
    """Given an rdflib term from a template, return a fixed IRI in N-Triples form, else None (any)."""
    from rdflib import URIRef

    if isinstance(term, URIRef) and _ABSOLUTE.match(str(term)):
        return f"<{term}>"
    return None  # variables, blank nodes, literals and relative IRIs match anything


def _graph(term) -> str | None:
    from rdflib import URIRef

    if term == "DEFAULT":
        return "DEFAULT"
    if isinstance(term, URIRef) and _ABSOLUTE.match(str(term)):
        return f"<{term}>"
    return None


def _template_patterns(clause, default_graph: str | None) -> list[list[str | None]]:
    patterns: list[list[str | None]] = []
    if clause is None:
        return patterns
    clause = dict(clause)
    for s, p, _ in clause.get("triples") or []:
        patterns.append([_iri(s), _iri(p), None, default_graph])
    for graph, triples in (clause.get("quads") or {}).items():
        for s, p, _ in triples:
            patterns.append([_iri(s), _iri(p), None, _graph(graph)])
    return patterns


def _graph_target(target) -> list[list[str | None]]:
    if target in ("ALL", "NAMED"):
        return [[None, None, None, None]]
    if target == "DEFAULT":
        return [[None, None, None, "DEFAULT"]]
    return [[None, None, None, _graph(target)]]


def plan_update(text: str, *, using_graph_uris: list[str] | None = None,
                using_named_graph_uris: list[str] | None = None) -> UpdatePlan:
    """Given update text and the protocol's USING parameters, return its UpdatePlan or raise Problem."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(text)).algebra
    except ParseException as error:
        raise syntax_problem(_oxigraph_syntax_message(text) or f"error at {error.lineno}:{error.col}: {error.msg}",
                             text, "update") from error
    except Exception as error:  # rdflib raises assorted errors for unknown prefixes and the like
        raise Problem(400, "Malformed update", str(error), kind="malformed-update") from error

    protocol_dataset = bool(using_graph_uris or using_named_graph_uris)
    patterns: list[list[str | None]] = []
    reads_where = False
    for compvalue in operations:
        name = compvalue.name
        op = dict(compvalue)  # rdflib's CompValue.get() returns the key itself when missing
        if name == "Load":
            raise Problem(403, "LOAD is disabled", "This service never fetches documents.", kind="load-refused")
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            if name == "DeleteWhere" and protocol_dataset:
                raise Problem(400, "Dataset conflict",
                              "DELETE WHERE cannot take using-graph-uri / using-named-graph-uri; write "
                              "DELETE { … } USING … WHERE { … } instead.", kind="dataset-conflict")
            patterns += _template_patterns(op, "DEFAULT")
            reads_where = reads_where or name == "DeleteWhere"
        elif name == "Modify":
            if protocol_dataset and (op.get("using") or op.get("withClause")):
                raise Problem(400, "Dataset conflict",
                              "The update has USING/WITH clauses and the request has using-graph-uri or "
                              "using-named-graph-uri parameters; give the dataset one way only.",
                              kind="dataset-conflict")
            reads_where = True
            default_graph = _graph(op.get("withClause")) if op.get("withClause") else "DEFAULT"
            patterns += _template_patterns(op.get("delete"), default_graph)
            patterns += _template_patterns(op.get("insert"), default_graph)
        elif name in ("Clear", "Drop"):
            patterns += _graph_target(op.get("graphiri"))
        elif name in ("Add", "Move", "Copy"):
            source, target = op["graph"]
            patterns += _graph_target(target)
            if name == "Move":
                patterns += _graph_target(source)
        elif name == "Create":
            pass  # graphs exist while they hold triples: CREATE changes nothing
        else:
            raise Problem(400, "Unsupported update operation", f"{name} is not supported.")
    if protocol_dataset:
        text = _inject_using(text, using_graph_uris or [], using_named_graph_uris or [])
    patterns = _dedupe(patterns)
    graphs = None if any(p[3] is None for p in patterns) else {p[3] for p in patterns if p[3] is not None}
    return UpdatePlan(text=text, patterns=patterns, graphs=graphs, reads_where=reads_where)


def change_in_scratch_copy(store, plan: UpdatePlan, base_iri: str | None):
    """Given a store without a dry run (a remote one) and an update that only reads and writes
    named graphs it names (no WHERE), copy those graphs into a scratch Oxigraph store, run the
    update there and return the Change it made. Raises Problem when that would not be exact.

    >>> from sahelkg.store import EmbeddedStore
    >>> plan = plan_update("INSERT DATA { GRAPH <http://g> { <http://s> <http://p> 1 } }")
    >>> len(change_in_scratch_copy(EmbeddedStore(), plan, None).additions)
    1
    """
    import pyoxigraph as ox

    from sahelkg.store.change import Change

    if plan.reads_where or plan.graphs is None or "DEFAULT" in plan.graphs:
        raise Problem(501, "Update not supported on this store",
                      "On a remote store, SPARQL Update is limited to INSERT DATA, DELETE DATA, CLEAR, DROP, "
                      "CREATE, ADD, COPY and MOVE on named graphs: anything with WHERE, the default graph or "
                      "ALL/NAMED cannot be validated before it is applied. Use the Graph Store Protocol, or "
                      "the embedded store.", kind="update-unsupported")
    scratch = ox.Store()
    for graph in plan.graphs:
        scratch.extend(store.quads(graph=ox.NamedNode(graph[1:-1])))
    before = set(scratch)
    try:
        scratch.update(plan.text, base_iri=base_iri)
    except SyntaxError as error:
        raise syntax_problem(str(error), plan.text, "update") from error
    except Exception as error:
        raise Problem(400, "Update failed", f"{error}. Nothing was applied.", kind="update-failed") from error
    after = set(scratch)
    return Change(additions=tuple(after - before), removals=tuple(before - after))


def _oxigraph_syntax_message(text: str) -> str | None:
    """Given update text rdflib cannot parse, return Oxigraph's message (it gives the position)."""
    import pyoxigraph as ox

    from sahelkg.sparql.protocol import check_update_safety

    try:
        check_update_safety(text, ())  # Guard: never run LOAD/SERVICE, even on a scratch store.
        ox.Store().update(text)  # an empty scratch store: only the parser's verdict matters
    except SyntaxError as error:
        return str(error)
    except Exception:
        return None
    return None


def _dedupe(patterns):
    if any(p == [None, None, None, None] for p in patterns):
        return [[None, None, None, None]]
    out = []
    for p in patterns:
        if p not in out:
            out.append(p)
    return out


def _inject_using(text: str, default: list[str], named: list[str]) -> str:
    """Given update text, add USING/USING NAMED before the WHERE of every DELETE/INSERT operation."""
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named]) + " "
    code = _code_regions(text, keep_iris=False)
    depth = 0
    positions = []
    for match in re.finditer(r"(?i)[{}]|(?<![\w:?$\-])(WHERE|DELETE|INSERT|DATA)(?![\w:\-])", code):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and token.upper() == "WHERE":
            before = code[:match.start()].rstrip()
            if not re.search(r"(?i)DELETE$", before):  # DELETE WHERE {…} takes no USING
                positions.append(match.start())
    for position in reversed(positions):
        text = text[:position] + clause + text[position:]
    return text
