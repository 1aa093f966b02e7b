"""From built quads to a gated change: the catalog record, the scratch store `author build` checks
in, and `author add`'s write (through `sahelkg.gate.commit`, like every other write)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

from sahelkg import gate
from sahelkg.authoring.build import Built
from sahelkg.dataset import loading
from sahelkg.gate import validation
from sahelkg.gate.validation import ValidationReport
from sahelkg.resources import resource
from sahelkg.store.change import Change


def change_for(built: Built, sheet_path: Path, sheet_bytes: bytes | None = None) -> Change:
    """Given a built sheet and the sheet's file (or its name and bytes), return the change that adds
    the source graph, its reference additions and the catalog record (the graph is published by it,
    derived from the sheet)."""
    digest = hashlib.sha256(sheet_path.read_bytes() if sheet_bytes is None else sheet_bytes).hexdigest()
    parsed = loading.ParsedFile(path=sheet_path, sha256=digest, quads=tuple(built.quads))
    return Change(additions=(*built.quads, *loading.catalog_quads([parsed])))


def context_quads() -> list[ox.Quad]:
    """Return what a source graph is checked against: the ontology, the reference graph and the
    vocabularies (not the other sources), with their catalog record."""
    paths = [resource("ontology", "sahelkg.ttl"), resource("data", "reference.trig"),
             resource("data", "vocabularies.trig")]
    return list(loading.dataset_quads(paths))


def check(built: Built, sheet_path: Path, store=None, context: list[ox.Quad] | None = None,
          sheet_bytes: bytes | None = None) -> ValidationReport:
    """Return the gate's report on adding the built sheet: to `store` when given (the write gate's
    answer), else to a dataset of the ontology, reference and vocabularies alone."""
    change = change_for(built, sheet_path, sheet_bytes)
    if store is not None:
        return gate.check(store, change)
    return validation.validate_quads([*(context if context is not None else context_quads()), *change.additions])


def already_holds(store, built: Built) -> bool:
    """Return True when the store already holds the sheet's source graph."""
    graph = ox.NamedNode(built.graph)
    return next(iter(store.oxigraph.quads_for_pattern(None, None, None, graph)), None) is not None


def holds_exactly(store, built: Built) -> bool:
    """Return True when the store's copy of the source graph is exactly what the sheet builds."""
    graph = ox.NamedNode(built.graph)
    held = set(store.oxigraph.quads_for_pattern(None, None, None, graph))
    return bool(held) and held == {q for q in built.quads if q.graph_name == graph}
