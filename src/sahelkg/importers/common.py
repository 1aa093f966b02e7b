"""The import every dataset shares: plan it (`Importer.plan`), then gate and write it (`apply_import`).

An import reads a whole CSV file, maps every row to quads in one new import graph, works out
which stored rows it replaces, and applies the result as one `Change` through the SHACL gate.
A malformed row stops the import before anything is written, with the line number and column
at fault, unless the import is asked to skip malformed rows (they are then listed with their
line, column and reason in the report, which writes them to a rejects file). What the steps
use lives beside this module: `rows` (reading the CSV file and its cells), `names` (matching
actors and places), `dataset_actors` (data/dataset-actors.csv), `quads` (encoded terms, the
sink), `describe` (the import graph, records, events and claims), `report` (errors, the report).
"""

from __future__ import annotations

import datetime as _dt
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sahelkg.importers.describe import describe_import, export_document, import_graph, row_quads, stored_rows
from sahelkg.importers.names import Reference
from sahelkg.importers.quads import QuadSink, iri
from sahelkg.importers.report import ImportFailed, ImportReport, RowError
from sahelkg.importers.rows import file_sha256, read_rows, row_digester
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads

#: From this many quads on, the mapped rows leave the cycle collector's view (gc.freeze) when the
#: mapping ends: they live until the write, and the first collection would otherwise walk every
#: one of their tuples (about a second per 7.5 million; in a forked checker it also copies their pages).
FREEZE_MINIMUM = 1_000_000


def apply_import(store, change: Change, path: Path, progress: Callable[[str], None] | None = None,
                 write: bool = True) -> None:
    """Given an import's change, commit it through the SHACL gate (write False: only check it)."""
    from sahelkg import gate

    try:
        if write:
            gate.commit(store, change, progress=progress)
            return
        if progress:
            progress(f"checking {len(change.additions):,} quads against the SHACL shapes")
        report = gate.check(store, change)
        if not report.conforms:
            raise gate.ChangeRefused(report)
    except gate.ChangeRefused as refused:
        lines = refused.report.to_text().splitlines()
        if len(lines) > 60:  # the first results say what is wrong; thousands of lines would not
            lines = lines[:60] + [f"… ({len(lines) - 60} more lines of the validation report)"]
        text = "\n".join(lines)
        raise ImportFailed(path, message=f"{path}: the import would break the SHACL shapes; nothing was "
                                         f"written.\n{text}") from None


@dataclass
class Context:
    """What a row mapper needs: the store's indexes, the graph being written, the report."""

    ref: Reference
    sink: QuadSink
    report: ImportReport
    export: str
    path: Path


class Importer:
    """One external CSV format. Subclasses say how to check the header and map a row."""

    dataset = ""

    def check_header(self, header: list[str], report: ImportReport) -> None:
        """Given the header, raise RowError(1, …) when a required column is missing."""
        raise NotImplementedError

    def key(self, line: int, row: dict[str, str]) -> str:
        """Given a row, return its stable ID (kept across versions of the dataset)."""
        raise NotImplementedError

    def row_version(self, line: int, row: dict[str, str]) -> str:
        """Given a row, return its version (ACLED timestamp; UCDP dataset version or digest)."""
        raise NotImplementedError

    def is_older(self, incoming: str, stored: str) -> bool:
        """Given two row versions, return True when the incoming one predates the stored one."""
        return False

    def map_row(self, line: int, row: dict[str, str], digest: str, ctx: Context) -> None:
        """Given a row, add its quads to ctx.sink."""
        raise NotImplementedError

    def file_version(self, versions: list[str]) -> str:
        """Given every row's version, return the version that names the whole file."""
        return max(versions) if versions else ""

    def run(self, store, path: Path | str, *, version: str | None = None,
            progress: Callable[[str], None] | None = None, dry_run: bool = False,
            on_bad_row: str = "fail") -> ImportReport:
        """Given a store and a CSV file, import it all or nothing and return the report
        (on_bad_row "skip": malformed rows are left out and listed in report.skipped)."""
        report, change = self.plan(store, path, version=version, progress=progress, on_bad_row=on_bad_row)
        if change is not None:
            apply_import(store, change, Path(path), progress, write=not dry_run)
        return report

    def plan(self, store, path: Path | str, *, version: str | None = None,
             progress: Callable[[str], None] | None = None,
             on_bad_row: str = "fail") -> tuple[ImportReport, Change | None]:
        """Given a store and a CSV file, return the report and the Change an import would apply
        (None when there is nothing to write); the store is not touched. A malformed row fails the
        whole file (on_bad_row "fail") or is left out and listed in report.skipped ("skip")."""
        if on_bad_row not in ("fail", "skip"):
            raise ValueError(f"on_bad_row must be 'fail' or 'skip', not {on_bad_row!r}")
        skip = on_bad_row == "skip"
        path = Path(path)
        started = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        sha256 = file_sha256(path)
        graph = import_graph(self.dataset, sha256)
        report = ImportReport(self.dataset, str(path), sha256, graph)
        if any(g.value == graph for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
            report.already_imported = True
            return report, None
        ref = Reference.load(store)
        if not ref.notations:
            raise ImportFailed(path, message=f"{path}: the store holds no vocabularies (event types, precisions); "
                                             "load the seed data (data/, ontology/) first, or pass --seed")
        stored = stored_rows(store, self.dataset)
        header, rows = read_rows(path, progress, bad_row=report.skipped.append if skip else None)
        report.header = header
        try:
            self.check_header(header, report)
        except RowError as error:
            raise ImportFailed(path, [error]) from None
        sink = QuadSink(graph)
        row_digest = row_digester(header)
        ctx = Context(ref, sink, report, iri(export_document(self.dataset, sha256)), path)
        removals: list[ox.Quad] = []
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        versions: list[str] = []
        collecting = gc.isenabled()
        gc.disable()  # millions of small objects that live until the end: collection cycles only cost time
        try:
            for line, row in rows:
                report.rows += 1
                written = len(sink.rows)
                try:
                    key = self.key(line, row)
                    if key in seen:
                        raise RowError(line, None, f"repeats the row ID {key!r} of line {seen[key]}")
                    seen[key] = line
                    row_version = self.row_version(line, row)
                    digest = row_digest(row)
                    before = stored.get(key)
                    if before is not None and before.digest == digest:
                        versions.append(row_version)
                        report.unchanged.append(key)
                        continue
                    if before is not None and self.is_older(row_version, before.version):
                        versions.append(row_version)
                        report.stale.append(key)
                        continue
                    self.map_row(line, row, digest, ctx)
                    versions.append(row_version)
                    if before is None:
                        report.added.append(key)
                    else:
                        report.revised.append(key)
                        removals.extend(row_quads(store, before))
                except RowError as error:
                    error.cells = row
                    # A mapper checks every cell before it writes: a row that wrote quads and then
                    # failed cannot be left out cleanly, so the file fails whole.
                    if skip and len(sink.rows) == written:
                        report.skipped.append(error)
                        continue
                    errors.append(error)
                    if len(errors) >= 100:
                        break
        except RowError as error:  # raised by the CSV reader itself (wrong field count)
            errors.append(error)
        finally:
            if len(sink.rows) >= FREEZE_MINIMUM:
                gc.freeze()  # with everything else alive now: a one-shot import's objects, mostly
            if collecting:
                gc.enable()
        if errors:
            raise ImportFailed(path, errors)
        if progress:
            progress(f"mapped {report.rows:,} rows: {len(report.added):,} new, {len(report.revised):,} revised, "
                     f"{len(report.unchanged):,} unchanged" + (f", {len(report.skipped):,} skipped" if skip else ""))
        if not report.added and not report.revised:
            return report, None
        catalog = describe_import(sink, dataset=self.dataset, path=path, sha256=sha256,
                                  version=version or self.file_version(versions), rows=report.rows,
                                  started=started)
        # Every IRI here is a namespace plus a slug or hash, or a term read from the store.
        change = Change(additions=EncodedQuads(sink.rows + catalog, terms_checked=True), removals=tuple(removals))
        report.quads_added, report.quads_removed = len(change.additions), len(change.removals)
        return report, change
