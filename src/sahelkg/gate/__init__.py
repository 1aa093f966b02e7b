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
from dataclasses import dataclass, field

from sahelkg.gate.validation import ValidationReport, ValidationResult, check_change
from sahelkg.progress import duration
from sahelkg.store.change import Change


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

    @property
    def warnings(self) -> list[ValidationResult]:
        """Return the results that did not refuse the change (warnings, then infos)."""
        return [r for r in self.report.results if r.severity != "Violation"]


# Rates that set the progress estimates: 100k ACLED rows (7.15M quads) in memory, second session
# (bench/IMPORT.md): gate 17.5 s, write 20.9 s. An on-disk store writes more slowly.
CHECK_SECONDS_PER_QUAD = 17.5 / 7_153_393
WRITE_SECONDS_PER_QUAD = 20.9 / 7_153_393


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
    if progress:
        progress(f"checking {len(change.additions):,} quads against the SHACL shapes"
                 f" (eta {_eta(size, CHECK_SECONDS_PER_QUAD)})")
    report = check_change(store, change)
    if not report.conforms:
        raise ChangeRefused(report)
    if progress:
        progress(f"conforms; writing {len(change.additions):,} quads (removing {len(change.removals):,};"
                 f" checked in {duration(time.monotonic() - started)}; eta {_eta(size, WRITE_SECONDS_PER_QUAD)})")
    started = time.monotonic()
    store.apply(change)
    if progress:
        progress(f"written ({duration(time.monotonic() - started)})")
    return Receipt(added=len(change.additions), removed=len(change.removals), graphs=_graph_names(change.graphs()),
                   report=report)


def commit_prepared(store, prepared) -> Receipt:
    """Given an IsolatedStore and a change its prepare_write returned, apply it; return a Receipt.

    The service computes an HTTP write in one of the store's query workers, on a snapshot as of
    the last write, and runs `check` there (sahelkg.web.write_plans.prepare): the change arrives
    here already validated, under the same write lock, so only the apply remains."""
    if not prepared.is_empty():
        store.apply_prepared(prepared)
    return Receipt(added=prepared.added, removed=prepared.removed, graphs=())


def _graph_names(graphs: Iterable) -> tuple[str, ...]:
    return tuple(sorted(getattr(g, "value", "") for g in graphs))


__all__ = ["ChangeRefused", "Receipt", "check", "commit", "commit_prepared"]
