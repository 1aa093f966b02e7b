"""SHACL validation: one change in the context of a store (the write gate), or a whole dataset.

  check_change(store, change)  validate the store *as it would be after* `change`, restricted to
                               the focus nodes the change can affect; the store is not touched.
  validate(view, focus)        the one entry to the engines: validate focus nodes on a view.
  validate_quads(quads)        validate a whole dataset (files, or everything in a store).
  validate_store(store)        validate everything in a store.

>>> from sahelkg.dataset import loading
>>> validate_quads(loading.dataset_quads(loading.seed_paths())).counts()
{'Violation': 0, 'Warning': 0, 'Info': 2}

Three engines give the same results (tests/shacl checks them against each other on every fixture
and on random changes): pyshacl on an rdflib working graph (sahelkg.gate.engine_pyshacl, the
reference), the shapes compiled to SPARQL and run by Oxigraph on the working set
(sahelkg.gate.engine_sparql), and the shapes compiled to Python over the view
(sahelkg.gate.engine_native, which runs each SHACL-SPARQL constraint's own query with Oxigraph).
Changes of BULK_THRESHOLD quads or more, and whole datasets, use the compiled Python engine; smaller
changes keep the reference engine (the SPARQL one from SPARQL_ENGINE_THRESHOLD working-set
triples on). Data the Python engine cannot judge exactly as SPARQL would (a date with a time
zone) raises engine_native.Unsupported, and the other engines answer instead.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pyoxigraph as ox

from sahelkg.gate import after_change, engine_native, engine_pyshacl, engine_sparql, source_integrity
from sahelkg.gate.engine_native import GraphView
from sahelkg.gate.report import ValidationReport, ValidationResult, result_order
from sahelkg.gate.shapes import RDF_TYPE, SUBCLASS_OF, shapes_graph, superclass_map
from sahelkg.store import encoded
from sahelkg.store.change import Change

__all__ = ["BULK_THRESHOLD", "RDF_TYPE", "SPARQL_ENGINE_THRESHOLD", "SUBCLASS_OF", "ValidationReport",
           "ValidationResult", "check_change", "result_order", "shapes_graph", "validate",
           "validate_quads", "validate_store"]

# Changes of at least this many quads are validated by the shapes compiled to Python. Below it,
# pyshacl on a working graph of a few hundred triples takes under 0.15 s and stays the reference
# engine for everyday writes.
BULK_THRESHOLD = 1_000
# Smaller changes whose working set has at least this many triples are validated by the shapes
# compiled to SPARQL in a temporary Oxigraph store instead of pyshacl. Measured on ACLED imports
# into the seed store: 130 triples 0.025 s (pyshacl) / 0.021 s (compiled); 830 triples 0.12 /
# 0.03 s; 7,300 triples 1.2 / 0.12 s; 21,600 triples 4.8 / 0.49 s.
SPARQL_ENGINE_THRESHOLD = 1_000
# From this many focus nodes on, a second process checks half of them (when the machine has two
# cores and this process runs no other Python thread, so that forking it is safe).
PARALLEL_FOCUS_NODES = 50_000
# Full validation: a second thread dumps the graphs while this one indexes them (_view_beside).
DUMP_BESIDE = True
ENGINES = ("native", "sparql", "pyshacl")


# ---------------------------------------------------------------------------------------------
# The write gate
# ---------------------------------------------------------------------------------------------

def check_change(store, change: Change, *, reader: after_change.StoreReader | None = None) -> ValidationReport:
    """Given a store and a change, return the SHACL report of the store as it would be after the
    change, restricted to the focus nodes the change can affect. The store is not modified.

    `report.conforms` is True when no result is a sh:Violation (warnings and infos pass).
    `reader` (gate.commit_files): the store as read before the change's graphs were bulk-loaded
    into it unpublished; the change then repeats their rows.

    >>> from sahelkg.store import EmbeddedStore
    >>> from sahelkg.dataset import loading
    >>> store = EmbeddedStore(); _ = store.load_quads(loading.dataset_quads(loading.seed_paths()))
    >>> g = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a000")
    >>> count = ox.NamedNode("https://w3id.org/sahelkg/id/count/a000-niono-killed")
    >>> minimum = ox.NamedNode("https://w3id.org/sahelkg/ontology#minimum")
    >>> bad = ox.Quad(count, minimum, ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), g)
    >>> old = next(iter(store.quads(count, minimum)))
    >>> check_change(store, Change(additions=(bad,), removals=(old,))).conforms
    False
    """
    if change.is_empty():
        return ValidationReport(results=[], focus_nodes=0)
    if touches_class_hierarchy(change):
        # The class hierarchy changes what every type means: validate everything, after the change.
        return validate_quads(_quads_after(store, change))
    with _collector_paused():
        # Rules the shapes cannot say (they read graphs): no source points into another, owns no incident.
        foreign = source_integrity.check_after(
            store, encoded.rows(change.additions), encoded.rows(change.removals))
        view, focus = after_change.after_change(store, change, reader)
        if view is None:
            return with_graph_rules(ValidationReport(results=[], focus_nodes=0), foreign)
        view.prefetch(focus)
        big = len(change.additions) + len(change.removals) >= BULK_THRESHOLD
        return with_graph_rules(validate(view, focus, engine="native" if big else None), foreign)


def with_graph_rules(report: ValidationReport, results: list[ValidationResult]) -> ValidationReport:
    """Given a report and results of the graph-level rules, return the report with them (sorted)."""
    if results:
        report.results = sorted(report.results + results, key=result_order)
    return report


def validate(view: GraphView, focus: Iterable[str], engine: str | None = None) -> ValidationReport:
    """Given a view and encoded focus nodes, return those nodes' SHACL results on the view, with
    labels. `engine` is native, sparql or pyshacl; None chooses by the size of the working set.
    The native engine hands data it cannot judge to the others."""
    focus = sorted(set(focus))
    if not focus:
        return ValidationReport(results=[], focus_nodes=0)
    sources = view.source_graphs(focus)
    report = None
    if engine == "native":
        try:
            report = _native(view, focus, sources)
        except engine_native.Unsupported:
            engine = None  # a value SPARQL and pyshacl judge, the Python checks do not
    if report is None:
        triples = after_change.pull(view, focus)
        if engine is None:
            engine = "sparql" if len(triples) >= SPARQL_ENGINE_THRESHOLD else "pyshacl"
        report = _on_working_set(triples, focus, view.subclass_pairs, sources, engine)
    by_text = {engine_native.plain(node): node for node in focus} if report.results else {}
    for index, result in enumerate(report.results):
        node = by_text.get(result.focus_node)
        if node is not None and node[0] != '"':
            report.results[index] = replace(result, focus_label=after_change.label(view, node))
    return report


def _native(view: GraphView, focus: list[str], sources: list[str]) -> ValidationReport:
    """Check the focus nodes with the compiled Python engine; with many of them, in two processes
    sharing the view (fork: the child reads the parent's index without copying it up front)."""
    def check(nodes: list[str]) -> ValidationReport:
        return engine_native.validate(view, nodes, subclass_pairs=view.subclass_pairs, source_graphs=sources)

    if len(focus) < PARALLEL_FOCUS_NODES or not _fork_is_safe():
        return check(focus)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(check(focus[1::2]).results, out)
            status = 0
        finally:
            os._exit(status)  # never return into the parent's code
    os.close(write_end)
    try:
        mine = check(focus[0::2])  # Unsupported: the caller falls back, once the child is reaped
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            received = pipe.read()
        _pid, status = os.waitpid(child, 0)
    theirs = pickle.loads(received) if status == 0 else check(focus[1::2]).results  # the child failed: do its half here
    return ValidationReport(results=sorted(mine.results + theirs, key=result_order), focus_nodes=len(focus))


def _fork_is_safe() -> bool:
    """Return True when a second process can help: two cores, fork, and no other Python thread
    (a forked child has only the forking thread; locks held by others would stay held)."""
    return (os.cpu_count() or 1) >= 2 and hasattr(os, "fork") and threading.active_count() == 1


def _on_working_set(triples: set[tuple[str, str, str]], focus: list[str], pairs: Iterable[tuple[str, str]],
                    sources: list[str], engine: str) -> ValidationReport:
    """Given the working set the shapes read from the focus nodes (encoded triples), return the
    focus nodes' results from pyshacl or from the shapes compiled to SPARQL."""
    wanted = {engine_native.plain(node) for node in focus}
    decode = encoded.decode
    if engine == "sparql":
        graph = ox.NamedNode(engine_sparql.WORKING_GRAPH)
        quads = [ox.Quad(decode(s), decode(p), decode(o), graph) for s, p, o in triples]
        report = engine_sparql.validate_working_set(quads, subclass_pairs=pairs,
                                                    source_graphs=[decode(g) for g in sources])
        return ValidationReport(results=[r for r in report.results if r.focus_node in wanted], focus_nodes=len(wanted))
    if engine != "pyshacl":
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    working = engine_pyshacl.WorkingGraph(superclass_map(pairs))
    for s, p, o in triples:
        working.add(decode(s), decode(p), decode(o))
    for source in sources:
        working.mark_source_graph(source[1:-1])
    return engine_pyshacl.run_shacl(working.graph, focus_nodes=sorted(wanted))


def touches_class_hierarchy(change: Change) -> bool:
    """Given a change, say whether it adds or removes an rdfs:subClassOf triple (then every node
    may be affected, and the change is validated in full)."""
    for quads in (change.additions, change.removals):
        if isinstance(quads, encoded.EncodedQuads):
            if f"<{SUBCLASS_OF}>" in {row[1] for row in quads.rows}:
                return True
        elif any(q.predicate.value == SUBCLASS_OF for q in quads):
            return True
    return False


def _quads_after(store, change: Change) -> Iterator[ox.Quad]:
    removed = set(change.removals)
    seen = set()
    for quad in store.quads():
        if quad not in removed:
            seen.add(quad)
            yield quad
    for quad in change.additions:
        if quad not in seen:
            yield quad


# ---------------------------------------------------------------------------------------------
# Whole datasets
# ---------------------------------------------------------------------------------------------

def validate_quads(quads: Iterable) -> ValidationReport:
    """Given every quad of a dataset (ontology graph included or not), return its full report
    (the compiled Python engine; pyshacl for data it cannot judge).

    >>> validate_quads([]).conforms
    True
    """
    quads = list(quads)
    with _collector_paused():
        rows = encoded.rows(quads)
        foreign = source_integrity.check_rows(rows)
        view, focus = engine_native.dataset_view(rows)
        try:
            return with_graph_rules(_native(view, focus, view.source_graphs(focus)), foreign)
        except engine_native.Unsupported:
            return with_graph_rules(engine_pyshacl.validate_quads(quads), foreign)


def validate_store(store, view_checks: Iterable[Callable[[engine_native.TripleView], list[ValidationResult]]] = ()
                   ) -> ValidationReport:
    """Given a Store, validate everything in it with the compiled Python engine (with the shapes
    compiled to SPARQL, run in the store, for data that engine cannot judge). `view_checks` run on
    the view of the whole store too, their results added (the command's anchor check)."""
    with _collector_paused():
        oxigraph = getattr(store, "oxigraph", None)
        if oxigraph is not None and DUMP_BESIDE:
            view, focus, foreign = _view_beside(oxigraph, lambda: source_integrity.check_store(store))
        elif oxigraph is not None:
            foreign = source_integrity.check_store(store)
            view, focus = engine_native.dataset_view_of_graphs(after_change.graph_texts(oxigraph))
        else:
            foreign = source_integrity.check_store(store)
            view, focus = engine_native.dataset_view(after_change.store_rows(store))
        beside = [result for check in view_checks for result in check(view)]
        try:
            report = with_graph_rules(_native(view, focus, view.source_graphs(focus)), foreign)
        except engine_native.Unsupported:
            report = with_graph_rules(engine_sparql.validate_store(store), foreign)
        report.results.extend(beside)  # after the SHACL results, as the command always printed them
        return report


_DONE = None  # what the reading thread queues after the last graph


def _view_beside(oxigraph: ox.Store, then: Callable[[], list[ValidationResult]]
                 ) -> tuple[engine_native.TripleView, list[str], list[ValidationResult]]:
    """Given a pyoxigraph store, return the view of every graph and its focus nodes, and what
    `then` returns. A second thread has Oxigraph write each graph's N-Triples (it releases the GIL
    meanwhile: the other core) while this one indexes the graphs already written; then it runs
    `then` (SPARQL queries) while this one finishes."""
    ready: queue.Queue = queue.Queue(maxsize=16)
    stop = threading.Event()
    outcome: dict[str, Any] = {}

    def read() -> None:
        try:
            for item in after_change.graph_texts(oxigraph):
                if stop.is_set():
                    return
                ready.put(item)
        except BaseException as error:  # handed to the indexing thread, which raises it
            outcome["error"] = error
            return
        finally:
            ready.put(_DONE)
        if stop.is_set():
            return
        try:
            outcome["then"] = then()
        except BaseException as error:
            outcome["error"] = error

    def written() -> Iterator[tuple[str, str]]:
        while (item := ready.get()) is not _DONE:
            yield item

    reader = threading.Thread(target=read, name="sahelkg-graph-dump", daemon=True)
    reader.start()
    try:
        view, focus = engine_native.dataset_view_of_graphs(written())
    except BaseException:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        raise
    reader.join()
    if "error" in outcome:
        raise outcome["error"]
    return view, focus, outcome["then"]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a validation builds millions of small dicts, lists and
    tuples that live until it ends, and each collection would walk them all."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
