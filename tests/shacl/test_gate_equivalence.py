"""The gate returns what full validation returns: random changes to the seed dataset, and to the
seed dataset plus synthetic ACLED-like events (bench/synthetic.py: shared actors accused by many
allegations, most of it breaking the shapes).

For a random change (valid or not), with A the focus nodes the gate says the change can affect:
  - the gate's results equal full pyshacl validation of the changed dataset restricted to A;
  - outside A, full validation gives the same results before and after the change (so A is
    not missing anything);
  - the gate's verdict is full validation's verdict on A (on the whole dataset when it conformed
    before the change);
  - the validators compiled to SPARQL and to Python return full pyshacl validation's results exactly;
  - the gate gives the same report whichever engine validates the change (pyshacl, the compiled
    validator in a temporary store, or the shapes compiled to Python, which big changes use).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from sahelkg import namespaces as ns
from sahelkg.gate import validation
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

from .conftest import affected_focus, compiled_report, full_keys, gate_engine, gate_results, native_report, reference_report

XSD = "http://www.w3.org/2001/XMLSchema#"
SKG = ns.SKG
RDF_TYPE = ox.NamedNode(validation.RDF_TYPE)
NEW_SOURCE = ox.NamedNode(ns.SOURCE_GRAPH_PREFIX + "z999")
# Predicates the shapes read, so that random additions often matter.
PREDICATES = [ox.NamedNode(SKG + p) for p in (
    "minimum", "maximum", "bestEstimate", "qualifier", "partOf", "partsMutuallyExclusive", "unit", "outcome",
    "stance", "claimant", "accused", "deniedActor", "disputes", "about", "reportedIn", "statedOn",
    "startDate", "endDate", "timeSpan", "eventType", "anchor", "withActor", "accusedActor", "allegedRole",
    "participantRole", "qualifiedAffiliation", "datePublished")] + [RDF_TYPE]
CLASSES = [ox.NamedNode(SKG + c) for c in (
    "Claim", "Allegation", "Count", "Event", "EventPattern", "Place", "Person", "TimeSpan", "Accusation",
    "Document", "SourceGraph")]


def _key(r):
    return tuple(x or "" for x in (r.severity, r.focus_node, r.source_shape, r.source_constraint, r.path, r.value))


class World:
    """The seed dataset in a store, its full report, and term pools to draw changes from."""

    def __init__(self, quads: list[ox.Quad]):
        self.quads = quads
        self.store = EmbeddedStore()
        self.store.load_quads(quads)
        self.before = reference_report(quads)
        data = [q for q in quads if q.graph_name != ox.NamedNode(ns.ONTOLOGY_GRAPH)]
        self.mutable = [q for q in data if q.graph_name.value.startswith(ns.SOURCE_GRAPH_PREFIX)
                        or q.graph_name.value == ns.CATALOG_GRAPH or q.predicate == RDF_TYPE]
        self.nodes = sorted({q.subject for q in data if isinstance(q.subject, ox.NamedNode)}, key=str)
        self.graphs = sorted({q.graph_name for q in data}, key=str) + [NEW_SOURCE]


@pytest.fixture(scope="module")
def world(seed_quads) -> World:
    return World(seed_quads)


@pytest.fixture(scope="module")
def synthetic_world(seed_quads) -> World:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import synthetic

    events = "".join(synthetic.generate(20, seed=7)).encode()
    return World(seed_quads + list(ox.parse(events, format=ox.RdfFormat.N_QUADS)))


def literals():
    return st.one_of(
        st.integers(min_value=-3, max_value=60).map(lambda n: ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))),
        st.dates(min_value=__import__("datetime").date(2019, 12, 25), max_value=__import__("datetime").date(2025, 1, 20))
          .map(lambda d: ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date"))),
        st.sampled_from([ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")), ox.Literal("plain"),
                         ox.Literal("tagged", language="en")]),
    )


@st.composite
def changes(draw, world: World) -> Change:
    removals, additions = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["remove", "replace-object", "add", "retype", "blank", "copy"]))
        if kind in ("remove", "replace-object"):
            quad = draw(st.sampled_from(world.mutable))
            removals.append(quad)
            if kind == "replace-object":
                obj = draw(st.one_of(st.sampled_from(world.nodes), literals()))
                additions.append(ox.Quad(quad.subject, quad.predicate, obj, quad.graph_name))
        elif kind == "add":
            subject = draw(st.sampled_from(world.nodes))
            predicate = draw(st.sampled_from(PREDICATES))
            obj = draw(st.one_of(st.sampled_from(world.nodes), st.sampled_from(CLASSES), literals()))
            additions.append(ox.Quad(subject, predicate, obj, draw(st.sampled_from(world.graphs))))
        elif kind == "copy":  # a triple the store holds, added to another graph too (maybe a new source graph)
            quad = draw(st.sampled_from(world.mutable))
            additions.append(ox.Quad(quad.subject, quad.predicate, quad.object, draw(st.sampled_from(world.graphs))))
        elif kind == "retype":
            subject = draw(st.sampled_from(world.nodes))
            additions.append(ox.Quad(subject, RDF_TYPE, draw(st.sampled_from(CLASSES)), draw(st.sampled_from(world.graphs))))
        else:  # a new blank node, typed, linked from an existing node
            blank, graph = ox.BlankNode(), draw(st.sampled_from(world.graphs))
            additions.append(ox.Quad(blank, RDF_TYPE, draw(st.sampled_from(CLASSES)), graph))
            additions.append(ox.Quad(draw(st.sampled_from(world.nodes)), draw(st.sampled_from(PREDICATES)), blank, graph))
    return Change(additions=tuple(additions), removals=tuple(removals))


def after(quads: list[ox.Quad], change: Change) -> list[ox.Quad]:
    removed = set(change.removals)
    kept = [q for q in quads if q not in removed]
    present = set(kept)
    return kept + [q for q in dict.fromkeys(change.additions) if q not in present]


def shacl_only(report):
    """Given a gate report, return it without the graph-level rules of source_integrity, which no
    SHACL engine says (tests/gate/test_source_integrity.py tests them)."""
    from sahelkg.gate import source_integrity

    graph_rules = {source_integrity.SHAPE, source_integrity.CURATED_SHAPE}
    report.results = [r for r in report.results if r.source_shape not in graph_rules]
    return report


def check_equivalence(world: World, change: Change) -> None:
    """Given a world and a change, assert the gate and both full validators agree."""
    affected = affected_focus(world.store, change)
    with gate_engine("pyshacl"):
        gate = shacl_only(validation.check_change(world.store, change))
    with gate_engine("sparql"):
        compiled_gate = shacl_only(validation.check_change(world.store, change))
    with gate_engine("native"):
        native_gate = shacl_only(validation.check_change(world.store, change))
    for other in (compiled_gate, native_gate):
        assert gate_results(other) == gate_results(gate)
        assert (other.conforms, other.focus_nodes) == (gate.conforms, gate.focus_nodes)
    full = reference_report(after(world.quads, change))

    assert sorted(map(_key, gate.results)) == sorted(_key(r) for r in full.results if r.focus_node in affected)
    assert sorted(_key(r) for r in full.results if r.focus_node not in affected) == \
        sorted(_key(r) for r in world.before.results if r.focus_node not in affected)
    assert gate.conforms == all(r.severity != "Violation" for r in full.results if r.focus_node in affected)
    if world.before.conforms:
        assert gate.conforms == full.conforms
    # The validators compiled to SPARQL and to Python agree with pyshacl on the changed dataset too.
    assert full_keys(compiled_report(after(world.quads, change))) == full_keys(full)
    assert full_keys(native_report(after(world.quads, change))) == full_keys(full)
    event("refused" if not gate.conforms else "accepted")
    event(f"{len(affected)} affected focus nodes" if len(affected) < 5 else "5+ affected focus nodes")
    assert world.store.triple_count() == len(set((q.subject, q.predicate, q.object, q.graph_name) for q in world.quads))


SETTINGS = dict(deadline=None, derandomize=True, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(max_examples=30, **SETTINGS)
@given(data=st.data())
def test_gate_equals_full_validation_on_random_changes_to_the_seed(world, data):
    check_equivalence(world, data.draw(changes(world)))


@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_gate_equals_full_validation_on_random_changes_to_synthetic_events(synthetic_world, data):
    check_equivalence(synthetic_world, data.draw(changes(synthetic_world)))


@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_gate_equals_full_validation_when_the_gate_scans_the_store_first(world, data, monkeypatch):
    """Big changes to a small store: the gate reads every subject and object of the store
    once instead of looking nodes up one by one; the answers must not change."""
    from sahelkg.gate import after_change

    def scan_always(reader, count):
        return original(reader, 10**12)

    original = after_change.StoreReader.expect_lookups
    monkeypatch.setattr(after_change.StoreReader, "expect_lookups", scan_always)
    check_equivalence(world, data.draw(changes(world)))
