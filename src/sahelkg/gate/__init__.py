"""The write gate: the one way to write to a store.

`commit(store, change)` validates the store as it would be after the change (restricted to the
focus nodes the change can affect), raises `ChangeRefused` with the report when a sh:Violation
would result, and otherwise applies the change with `store.apply` (all or nothing). Warnings and
infos do not refuse a change; they come back on the `Receipt`. Every writer (HTTP updates and
Graph Store writes, `sahelkg load`, imports, retractions, the crosswalk) calls it;
tests/gate/test_one_write_path.py fails when a module writes to a store any other way.

>>> import pyoxigraph as ox
>>> from sahelkg.store import EmbeddedStore
>>> from sahelkg.store.change import Change
>>> s = EmbeddedStore()
>>> count = ox.NamedNode("https://w3id.org/sahelkg/id/count/c")
>>> typed = ox.Quad(count, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
...                 ox.NamedNode("https://w3id.org/sahelkg/ontology#Count"), ox.NamedNode("urn:g"))
>>> try:
...     commit(s, Change(additions=(typed,)))
... except ChangeRefused as refused:
...     print(refused.report.conforms, s.triple_count())
False 0
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.dataset import loading
from sahelkg.gate import forked
from sahelkg.gate.after_change import StoreReader, store_rows
from sahelkg.gate.validation import ValidationReport, ValidationResult, check_change, touches_class_hierarchy
from sahelkg.progress import duration
from sahelkg.store import encoded
from sahelkg.store.change import Change
from sahelkg.store.embedded import EmbeddedStore, GraphsNotNew, StagedLoad, TriplesOutsideGraphs


class ChangeRefused(Exception):
    """The change would make the store break its SHACL shapes; nothing was written. `report` says why."""

    def __init__(self, report: ValidationReport):
        self.report = report
        violations = report.counts()["Violation"]
        super().__init__(f"the change would break the SHACL shapes ({violations} violation(s)); nothing was written")


@dataclass(frozen=True)
class Receipt:
    """What a commit applied: the change's quads added and removed, the graphs it touched, and the
    gate's report (warnings and infos only: a violation refuses the change)."""

    added: int
    removed: int
    graphs: tuple[str, ...]
    report: ValidationReport = field(default_factory=ValidationReport)
    #: How long the check took (seconds); 0.0 when the change needed none.
    check_seconds: float = 0.0

    @property
    def warnings(self) -> list[ValidationResult]:
        """Return the results that did not refuse the change (warnings, then infos)."""
        return [r for r in self.report.results if r.severity != "Violation"]


# Rates that set the progress estimates: 100k ACLED rows (7.15M quads) in memory, second session
# (bench/IMPORT.md): gate 17.5 s, write 20.9 s. An on-disk store writes more slowly.
CHECK_SECONDS_PER_QUAD = 17.5 / 7_153_393
WRITE_SECONDS_PER_QUAD = 20.9 / 7_153_393


#: From this many quads on, a change into an in-memory store is checked in a forked child (which
#: sees the store as it was) while this process writes it; a refusal removes what was written.
#: 100k ACLED rows: bench/IMPORT.md, seventh session.
BESIDE_MINIMUM = 200_000

#: N-Quads bytes per node the gate looks up, about (source graphs: ~210 bytes a quad, ~2 quads a lookup).
BYTES_PER_LOOKUP = 400


def _eta(quads: int, seconds_per_quad: float) -> str:
    return f"about {duration(quads * seconds_per_quad)}"


def check(store, change: Change) -> ValidationReport:
    """Given a store and a change, return the report `commit` would act on; nothing is written."""
    return check_change(store, change)


def commit(store, change: Change, *, progress: Callable[[str], None] | None = None) -> Receipt:
    """Given a store and a change, validate the change in the store's context and apply it, all or
    nothing; return a Receipt. Raises ChangeRefused (nothing written) when a violation would result.
    `progress` (optional) receives one line before validating and one before writing."""
    if change.is_empty():
        return Receipt(added=0, removed=0, graphs=())
    size = len(change.additions) + len(change.removals)
    started = time.monotonic()
    if _check_beside_write(store, size):
        receipt = _commit_beside(store, change, progress)
        if receipt is not None:
            return receipt
        started = time.monotonic()  # the child failed: check here, where its error shows
    if progress:
        progress(f"checking {len(change.additions):,} quads against the SHACL shapes"
                 f" (eta {_eta(size, CHECK_SECONDS_PER_QUAD)})")
    report = check_change(store, change)
    if not report.conforms:
        raise ChangeRefused(report)
    checked = time.monotonic() - started
    if progress:
        progress(f"conforms; writing {len(change.additions):,} quads (removing {len(change.removals):,};"
                 f" checked in {duration(checked)}; eta {_eta(size, WRITE_SECONDS_PER_QUAD)})")
    started = time.monotonic()
    store.apply(change)
    if progress:
        progress(f"written ({duration(time.monotonic() - started)})")
    return Receipt(added=len(change.additions), removed=len(change.removals), graphs=_graph_names(change.graphs()),
                   report=report, check_seconds=checked)


def _check_beside_write(store, size: int) -> bool:
    # On disk the check stays before the write: RocksDB's bulk loader keeps both cores busy itself,
    # and the check would lose its forked half (100k ACLED rows: 77.9 s beside, 70.8 s in turn).
    return (isinstance(store, EmbeddedStore) and store.path is None and size >= BESIDE_MINIMUM
            and forked.fork_is_safe())


class _CheckFailed(Exception):
    """The forked check ended without a report."""


def _commit_beside(store: EmbeddedStore, change: Change, progress: Callable[[str], None] | None) -> Receipt | None:
    """Given an in-memory store and a big change, check the change in a forked child (it sees the
    store as it was, and forks again for half the focus nodes) while this process bulk-loads the
    change's quads in new graphs; write the rest once the child says it conforms, or remove the new
    graphs and raise ChangeRefused. Return None, the store unchanged, when the child ended without
    a report (the caller checks the change itself, where the error shows)."""
    size = len(change.additions) + len(change.removals)
    started = time.monotonic()
    if progress:
        progress(f"checking {len(change.additions):,} quads against the SHACL shapes while writing them"
                 f" (eta {_eta(size, max(CHECK_SECONDS_PER_QUAD, WRITE_SECONDS_PER_QUAD))})")
    verdict: list[tuple[ValidationReport, float]] = []

    def judge(outcome: tuple[ValidationReport, float] | None) -> None:
        if outcome is None:
            raise _CheckFailed
        verdict.append(outcome)
        if not outcome[0].conforms:
            raise ChangeRefused(outcome[0])
        if progress:
            progress(f"conforms (checked in {duration(outcome[1])}); finishing the write")

    try:
        checking = forked.Forked(lambda: (check_change(store, change), time.monotonic() - started))
    except OSError:
        return None
    try:
        store.apply(change, verdict=lambda: judge(checking.result()))
    except _CheckFailed:
        return None
    finally:
        checking.cancel()  # the write failed before the verdict was asked for
    if progress:
        progress(f"written ({duration(time.monotonic() - started)} in all)")
    report, seconds = verdict[0]
    return Receipt(added=len(change.additions), removed=len(change.removals), graphs=_graph_names(change.graphs()),
                   report=report, check_seconds=seconds)


def commit_files(store, files: loading.FilesToLoad, *, progress: Callable[[str], None] | None = None
                 ) -> Receipt | None:
    """Given a store and files read for loading (`sahelkg load`, `serve --load`), commit their quads
    and their catalog record as one change through the gate; return the Receipt, or None when the
    store holds this load already (same files: its catalog record is written last). Raises
    loading.LoadError (a big file does not parse) or ChangeRefused; either way nothing is written.

    Small files are committed as one Change of quads. Big N-Quads files into an embedded store never
    become quad objects: the store bulk-loads them into their new graphs, unpublished
    (EmbeddedStore.stage_files); the gate validates their rows (in memory dumped from the new
    graphs; on disk parsed from the files and checked while the store loads them) together with
    the rest of the change (the catalog record that publishes them, the small files); `publish`
    writes that rest, all or nothing. A file that may add to a graph the store holds, or a store
    that cannot stage (remote), goes the first way."""
    if _holds_activity(store, files.activity()):
        return None
    parsed, big = list(files.parsed), list(files.big)
    if big and parsed and isinstance(store, EmbeddedStore) and store.path is None \
            and touches_class_hierarchy(Change(additions=tuple(q for item in parsed for q in item.quads))):
        # A change to the class hierarchy is validated in full (every quad as an object). In memory
        # nothing outlives a refused load, so the small files (the ontology) go first, on their own.
        first = commit_files(store, loading.FilesToLoad(parsed, {}, files.target_graph), progress=progress)
        second = commit_files(store, loading.FilesToLoad([], files.big, files.target_graph), progress=progress)
        done = [r for r in (first, second) if r is not None]
        return Receipt(added=sum(r.added for r in done), removed=0, graphs=tuple(g for r in done for g in r.graphs),
                       report=ValidationReport(results=[w for r in done for w in r.report.results])) if done else None
    staged = None
    if big and isinstance(store, EmbeddedStore):
        # The store's terms as they are before the load: the gate never looks up a new node in it.
        reader = _reader(store, big)
        if store.path is None:
            # In memory, dumping the new graphs is faster than parsing the files in Python
            # (bench/IMPORT.md, session 6), and a second thread gains nothing on a busy machine.
            staged = _stage(store, big, files.target_graph, progress)
            if staged is not None:
                graphs_of_file = dict(zip(big, staged.graphs_by_file, strict=True))
                try:
                    report, record, rows = _check_big_files(
                        store, files, reader, None, progress,
                        lambda path: list(store_rows(store, sorted(graphs_of_file[path], key=str))))
                except BaseException:
                    store.discard(staged)
                    raise
        else:
            with ThreadPoolExecutor(max_workers=1) as checking:
                # On disk, reading the new graphs back is 69 s at 1.5M: the files are parsed and
                # checked instead, while the store bulk-loads them (pyoxigraph releases the GIL);
                # staged quads the reader may meet are in the rows anyway. A file that names a held
                # graph is refused by the stage before it loads anything; the check then still
                # runs to its end (a thread cannot be stopped) before the quad path.
                checked = checking.submit(_check_big_files, store, files, reader, None, progress, _file_rows(files))
                try:
                    staged = _stage(store, big, files.target_graph, progress)
                    if staged is not None:
                        report, record, rows = checked.result()
                except BaseException:
                    if staged is not None:
                        store.discard(staged)
                    raise
    if staged is None:
        parsed += loading.parse_all(big, files.target_graph, progress)
        quads = [q for item in parsed for q in item.quads]
        return commit(store, Change(additions=(*quads, *loading.catalog_quads(parsed))),
                      progress=progress if len(quads) > 100_000 else None)
    try:
        if not report.conforms:
            raise ChangeRefused(report)
        store.publish(staged, record)
    except BaseException:
        store.discard(staged)
        raise
    return Receipt(added=rows + len(record.additions), removed=0,
                   graphs=_graph_names(staged.graphs | record.graphs()), report=report)


def commit_except_big_files(store: EmbeddedStore, files: loading.FilesToLoad, *,
                            progress: Callable[[str], None] | None = None) -> list[Path]:
    """Given an in-memory store and files read for loading (`serve --load`), commit them as
    `commit_files` would, except the big files' quads: those are checked from the files' text, as
    commit_files checks them, and only their catalog record is written. Return the big files, for
    the store's keeper to bulk-load (IsolatedStore `load_paths`): the web process never loads what
    the keeper loads again. Returns [] when everything was committed here (a big file that may add
    to a graph the store holds goes through commit_files). Raises ChangeRefused or loading.LoadError."""
    big = list(files.big)
    if not big or store.path is not None:
        commit_files(store, files, progress=progress)
        return []
    if files.parsed:  # the ontology first, on its own, as commit_files does in memory
        commit_files(store, loading.FilesToLoad(files.parsed, {}, files.target_graph), progress=progress)
    bulk = loading.FilesToLoad([], files.big, files.target_graph)
    if _holds_activity(store, bulk.activity()):
        return []
    try:
        held = {encoded.encode(g) for g in store.named_graphs()}
        report, record, _rows = _check_big_files(store, bulk, _reader(store, big), held, progress, _file_rows(bulk))
    except GraphsNotNew:
        commit_files(store, bulk, progress=progress)
        return []
    if not report.conforms:
        raise ChangeRefused(report)
    store.apply(record)  # the catalog record: the keeper loads the graphs it describes
    return big


def _reader(store: EmbeddedStore, big: list[Path]) -> StoreReader:
    reader = StoreReader(store)
    reader.expect_lookups(sum(f.stat().st_size for f in big) // BYTES_PER_LOOKUP)
    return reader


def _check_big_files(store: EmbeddedStore, files: loading.FilesToLoad, reader: StoreReader, held: set[str] | None,
                     progress: Callable[[str], None] | None, rows_of: Callable[[Path], list[tuple[str, str, str, str]]]
                     ) -> tuple[ValidationReport, Change, int]:
    """Given a store, files read for loading, a reader of the store before their big files load,
    and where each big file's rows come from: check the big files' quads and the rest of the load (their catalog
    record, the small files) against the shapes; return the report, the change that publishes them
    (the catalog record and the small files) and how many quads the big files hold. Raises
    GraphsNotNew when a big file writes to one of the `held` graphs (encoded names; None: the
    stage checks that), LoadError on bad syntax."""
    rows: list[tuple[str, str, str, str]] = []
    loaded = []
    for path in files.big:
        file_rows = rows_of(path)
        graphs = {row[3] for row in file_rows}
        if not all(g.startswith("<") for g in graphs):
            raise loading.LoadError(path, "has triples outside any GRAPH block; wrap them in a named graph "
                                          "or give a target graph")
        if held is not None and graphs & held:
            raise GraphsNotNew(f"{path} adds to a graph the store holds")
        names = frozenset(ox.NamedNode(g[1:-1]) for g in graphs)
        loaded.append(loading.BulkLoadedFile(path=path, sha256=files.big[path], graph_names=names,
                                             described=frozenset(loading.described_in_rows(file_rows, names))))
        rows += file_rows
    parsed = list(files.parsed)
    record = Change(additions=(*(q for item in parsed for q in item.quads), *loading.catalog_quads([*parsed, *loaded])))
    if progress:
        progress(f"checking {len(rows) + len(record.additions):,} quads against the SHACL shapes"
                 f" (eta {_eta(len(rows), CHECK_SECONDS_PER_QUAD)})")
    started = time.monotonic()
    report = check_change(store, Change(additions=encoded.EncodedQuads(rows + encoded.rows(record.additions))),
                          reader=reader)
    if progress and report.conforms:
        progress(f"conforms (checked in {duration(time.monotonic() - started)})")
    return report, record, len(rows)


def _file_rows(files: loading.FilesToLoad) -> Callable[[Path], list[tuple[str, str, str, str]]]:
    """Given files read for loading, return what reads a big one's rows from its text (LoadError on bad syntax)."""
    def rows_of(path: Path) -> list[tuple[str, str, str, str]]:
        try:
            return loading.bulk_loaded_rows([path], files.target_graph)
        except SyntaxError as error:  # our parser names file, line and column
            loading.parse_file(path, files.target_graph)
            raise loading.LoadError(path, str(error)) from None
    return rows_of


def _stage(store: EmbeddedStore, big: list[Path], target_graph: str | None,
           progress: Callable[[str], None] | None) -> StagedLoad | None:
    """Given big files, have the store bulk-load them unpublished; None when one may add to a graph
    the store holds (only a change can undo that). Raises LoadError."""
    graph = ox.NamedNode(target_graph) if target_graph else None
    if progress:
        progress(f"bulk-loading {len(big)} file(s) into new graphs")
    try:
        staged = store.stage_files([(f, loading.file_format(f), graph) for f in big], base_iri=ns.BASE)
        if progress:
            progress("bulk-loaded; publishing once the check ends")
        return staged
    except GraphsNotNew:
        return None
    except TriplesOutsideGraphs as error:
        raise loading.LoadError(error.path, "has triples outside any GRAPH block; wrap them in a named graph "
                                            "or give a target graph") from None
    except SyntaxError as error:  # the store is as it was; our parser names file, line and column
        for path in big:
            loading.parse_file(path, target_graph)
        raise loading.LoadError(big[0], str(error)) from None


def _holds_activity(store, activity) -> bool:
    return store.query(f"ASK {{ GRAPH <{ns.CATALOG_GRAPH}> {{ {activity} a <{ns.SKG}LoadActivity> }} }}").boolean


def commit_prepared(store, prepared) -> Receipt:
    """Given an IsolatedStore and a change its prepare_write returned, apply it; return a Receipt.

    The service computes an HTTP write in one of the store's query workers, on a snapshot as of
    the last write, and runs `check` there (sahelkg.sparql.write_plans.prepare): the change arrives
    here already validated, under the same write lock, so only the apply remains."""
    if not prepared.is_empty():
        store.apply_prepared(prepared)
    return Receipt(added=prepared.added, removed=prepared.removed, graphs=())


def _graph_names(graphs: Iterable) -> tuple[str, ...]:
    return tuple(sorted(getattr(g, "value", "") for g in graphs))


__all__ = ["ChangeRefused", "Receipt", "check", "commit", "commit_except_big_files", "commit_files",
           "commit_prepared"]
