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
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from operator import itemgetter

import pyoxigraph as ox

from sahelkg.gate import after_change, engine_native, engine_pyshacl, engine_sparql, forked, source_integrity
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
# Full validation: other threads dump the graphs while this one indexes them (_view_beside): two
# when a core is idle (_dump_threads).
DUMP_BESIDE = True
DUMP_THREADS = 2
# Meanwhile a thread whose dump has returned waits at most this long (seconds) for the GIL the
# indexing thread holds (Python's default, 5 ms, is most of a graph's ~8 ms dump). Reading 1.45M
# quads with two threads, 0.5 ms against 5 ms: 0.71–1.22× the time, median 0.86× (six pairs, load 2–5).
DUMP_SWITCH_INTERVAL = 0.0005
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
        # The view dies when _check_incrementally returns, before the collector resumes: it would
        # otherwise walk the view's millions of objects once more (2 s at 100k ACLED rows).
        return _check_incrementally(store, change, reader)


def _check_incrementally(store, change: Change, reader: after_change.StoreReader | None) -> ValidationReport:
    """check_change of a change that leaves the class hierarchy alone."""
    # Rules the shapes cannot say (they read graphs): no source points into another, owns no incident.
    foreign = source_integrity.check_after(store, encoded.rows(change.additions), encoded.rows(change.removals))
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

    if len(focus) < PARALLEL_FOCUS_NODES or not forked.fork_is_safe():
        return check(focus)
    try:
        theirs = forked.Forked(lambda: check(focus[1::2]).results)
    except OSError:  # no second process to be had: all of it here
        return check(focus)
    try:
        mine = check(focus[0::2])  # Unsupported: the caller falls back, once the child is stopped
    except BaseException:
        theirs.cancel()
        raise
    their_results = theirs.result()
    if their_results is None:  # the child failed: do its half here
        their_results = check(focus[1::2]).results
    return ValidationReport(results=sorted(mine.results + their_results, key=result_order), focus_nodes=len(focus))


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
            if f"<{SUBCLASS_OF}>" in map(_PREDICATE, quads.rows):  # in C: an import has millions of rows
                return True
        elif any(q.predicate.value == SUBCLASS_OF for q in quads):
            return True
    return False


_PREDICATE = itemgetter(1)


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
        if oxigraph is not None:
            # The graph-level rules read each graph's triples as the view indexes them (no SPARQL).
            rules = source_integrity.GraphRules()
            if DUMP_BESIDE:
                view, focus = _view_beside(oxigraph, rules.add)
            else:
                view, focus = engine_native.dataset_view_of_triples(
                    _split_graphs(after_change.graph_texts(oxigraph), rules.add))
            foreign = rules.results()
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


def _split_graphs(graphs: Iterable[tuple[str, str]], each_graph: Callable[[str, list[list[str]]], None]
                  ) -> Iterator[tuple[str, list[list[str]]]]:
    """Given graphs as (encoded name, N-Triples as Oxigraph writes them), yield each non-empty one
    as (name, its triples' terms), handed to `each_graph` first."""
    for name, text in graphs:
        if text:
            triples = list(engine_native.ntriples_terms(text))
            each_graph(name, triples)
            yield name, triples


_DONE = None  # what a reading thread queues after its last graph


def _dump_threads() -> int:
    """Return how many threads dump graphs: DUMP_THREADS unless the machine is already busier than
    its cores (one-minute load average), then one. Reading 1.45M quads from disk took 9.8 / 12.0 s
    with two threads and 15.5 / 17.4 s with one at load ~2; at load ~4, 24.8 s with two and 18.3 s
    with one (medians of two): there more runnable threads only slow the indexing one."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0  # not on Windows
    return DUMP_THREADS if load <= (os.cpu_count() or 1) else 1


def _view_beside(oxigraph: ox.Store, each_graph: Callable[[str, list[list[str]]], None]
                 ) -> tuple[engine_native.TripleView, list[str]]:
    """Given a pyoxigraph store, return the view of every graph and its focus nodes; each graph's
    triples are handed to `each_graph` too. _dump_threads() threads have Oxigraph write the graphs'
    N-Triples (taking turns: it releases the GIL meanwhile, so they use the other core) while this
    one splits and indexes the graphs already written, in the store's order of graphs."""
    graphs = [ox.DefaultGraph(), *oxigraph.named_graphs()]
    readers = max(1, min(_dump_threads(), len(graphs)))
    queues: list[queue.Queue] = [queue.Queue(maxsize=8) for _ in range(readers)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def read(turn: int) -> None:
        try:
            for item in after_change.graph_texts(oxigraph, graphs[turn::readers]):
                if stop.is_set():
                    return
                queues[turn].put(item)
        except BaseException as error:  # handed to the indexing thread, which raises it
            errors.append(error)
        finally:
            queues[turn].put(_DONE)

    def written() -> Iterator[tuple[str, str]]:
        for index in range(len(graphs)):
            item = queues[index % readers].get()
            if item is _DONE:  # that reader failed: stop the others (below) and raise its error
                raise errors[0] if errors else RuntimeError("a graph dump ended early")
            yield item

    threads = [threading.Thread(target=read, args=(turn,), name="sahelkg-graph-dump", daemon=True)
               for turn in range(readers)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, DUMP_SWITCH_INTERVAL))
    for thread in threads:
        thread.start()
    try:
        view, focus = engine_native.dataset_view_of_triples(_split_graphs(written(), each_graph))
    except BaseException:
        stop.set()
        while any(thread.is_alive() for thread in threads):  # unblock readers waiting on a full queue
            for waiting in queues:
                try:
                    waiting.get_nowait()
                except queue.Empty:
                    pass
            time.sleep(0.01)
        raise
    finally:
        sys.setswitchinterval(interval)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return view, focus


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
