"""Shared helpers for the SHACL tests: fixtures, the seed dataset, result keys."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg.resources import resource

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base.trig"
PREFIX_LINE = re.compile(r"@prefix\s+([\w-]*):\s*<([^>]*)>")
EXTRA_PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


def parse_trig(path: Path) -> list[ox.Quad]:
    """Given a TriG file, return its quads."""
    return list(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))


def prefixes_of(path: Path) -> dict[str, str]:
    """Given a Turtle/TriG file, return the prefixes it declares (plus rdf:)."""
    found = dict(EXTRA_PREFIXES)
    found.update(PREFIX_LINE.findall(path.read_text(encoding="utf-8")))
    return found


def expand(curie: str, prefixes: dict[str, str]) -> str | None:
    """Given a CURIE, <IRI>, ^CURIE (inverse path) or '-', return the full form used in reports."""
    if curie == "-":
        return None
    if curie.startswith("^"):
        return "^" + expand(curie[1:], prefixes)
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    prefix, local = curie.split(":", 1)
    return prefixes[prefix] + local


def expected_results(path: Path) -> set[tuple]:
    """Given a fixture, return its '# expect:' lines as (severity, focus, shape, constraint, path)."""
    prefixes = prefixes_of(path)
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# expect:"):
            continue
        severity, focus, shape, result_path = (part.strip() for part in line[len("# expect:"):].split("|"))
        shape_parts = shape.split()
        constraint = expand(shape_parts[1], prefixes) if len(shape_parts) > 1 else None
        out.add((severity, expand(focus, prefixes), expand(shape_parts[0], prefixes), constraint,
                 expand(result_path, prefixes)))
    return out


def result_keys(report) -> set[tuple]:
    """Given a report, return its results as (severity, focus, shape, constraint, path)."""
    return {(r.severity, r.focus_node, r.source_shape, r.source_constraint, r.path) for r in report.results}


def ontology_quads() -> list[ox.Quad]:
    """Return the ontology file's triples in the ontology graph (what `sahelkg load` stores)."""
    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/ontology")
    path = resource("ontology", "sahelkg.ttl")
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


def _blank(text: str | None) -> str:
    """Blank node labels differ between a store and the quads it was loaded from: compare them as one."""
    if text is None:
        return ""
    if text.startswith("_:") or not text.startswith(("http://", "https://", "urn:", '"')) and not text[:1].isdigit():
        return "_:blank"
    return text


def full_keys(report) -> list[tuple]:
    """Given a report, return every result's identifying fields, sorted (a multiset)."""
    return sorted((r.severity, _blank(r.focus_node), r.source_shape, r.source_constraint or "", r.path or "",
                   _blank(r.value), r.constraint_component or "") for r in report.results)


def compiled_report(quads: list[ox.Quad]):
    """Given quads, load them in a fresh store and return the compiled (SPARQL) validator's report."""
    from sahelkg.gate import engine_sparql as validation_sparql
    from sahelkg.store import EmbeddedStore

    store = EmbeddedStore()
    store.load_quads(quads)
    return validation_sparql.validate_store(store)


# The gate's three engines, by the thresholds that choose them: pyshacl on a working graph, the
# shapes compiled to SPARQL in a temporary store, the shapes compiled to Python (engine_native).
ENGINES = {"pyshacl": (float("inf"), float("inf")), "sparql": (0, float("inf")), "native": (float("inf"), 0)}


@contextmanager
def gate_engine(name: str):
    """Make check_change validate every change with the named engine (pyshacl, sparql or native)."""
    from sahelkg.gate import validation

    saved = validation.SPARQL_ENGINE_THRESHOLD, validation.BULK_THRESHOLD
    validation.SPARQL_ENGINE_THRESHOLD, validation.BULK_THRESHOLD = ENGINES[name]
    try:
        yield
    finally:
        validation.SPARQL_ENGINE_THRESHOLD, validation.BULK_THRESHOLD = saved


def native_report(quads: list[ox.Quad]):
    """Given quads, return the report of the shapes compiled to Python (sahelkg.gate.engine_native)."""
    from sahelkg.gate import engine_native as validation_native

    return validation_native.validate_quads(quads)


def gate_results(report) -> list[tuple]:
    """Given a gate report, return its results with everything they carry but the label, sorted."""
    return sorted((r.severity, r.focus_node, r.source_shape, r.source_constraint or "", r.path or "",
                   r.value or "", r.constraint_component or "", r.message) for r in report.results)


@pytest.fixture(params=sorted(ENGINES))
def engine(request):
    """Run the test once with each of the gate's engines."""
    with gate_engine(request.param):
        yield request.param



def affected_focus(store, change) -> set[str]:
    """Given a store and a change, return the focus nodes the gate says the change can affect, as
    reports name them."""
    from sahelkg.gate import after_change, engine_native

    return {engine_native.plain(node) for node in after_change.after_change(store, change)[1]}


def reference_report(quads):
    """Given every quad of a dataset, return pyshacl's full report (the reference engine)."""
    from sahelkg.gate import engine_pyshacl

    return engine_pyshacl.validate_quads(quads)
