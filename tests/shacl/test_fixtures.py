"""Every rule of shapes/sahelkg-shapes.ttl has an invalid fixture that breaks exactly that rule.

Each fixture under fixtures/invalid/ is validated together with fixtures/base.trig (which
conforms with no result at all); its '# expect:' lines list the exact results: severity, focus
node, source shape (and SPARQL constraint), and path. The validator compiled to SPARQL
(sahelkg.gate.engine_sparql) and the one compiled to Python (sahelkg.gate.engine_native) must return
pyshacl's results exactly on every fixture, and the write gate, given the fixture as a change to a
store holding the base, must report what full validation reports for the focus nodes it affects,
whichever engine validates it.
"""

from __future__ import annotations

import pytest

from sahelkg.gate import validation
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

from .conftest import (
    BASE,
    ENGINES,
    FIXTURES,
    affected_focus,
    compiled_report,
    expected_results,
    full_keys,
    gate_engine,
    gate_results,
    native_report,
    ontology_quads,
    parse_trig,
    reference_report,
    result_keys,
)

INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))


@pytest.fixture(scope="module")
def base_store() -> EmbeddedStore:
    """The ontology and the base fixture in a store (the gate never modifies it)."""
    store = EmbeddedStore()
    store.load_quads(ontology_quads() + parse_trig(BASE))
    return store


def test_base_fixture_conforms_with_no_result():
    report = reference_report(parse_trig(BASE))
    assert report.results == []
    assert compiled_report(ontology_quads() + parse_trig(BASE)).results == []
    assert native_report(ontology_quads() + parse_trig(BASE)).results == []
    assert store_report(ontology_quads() + parse_trig(BASE)).results == []


def store_report(quads):
    """Given quads, load them in a fresh store and return validate_store's SHACL results (the
    graph-level rules of sahelkg.gate.source_integrity left out: pyshacl does not run them)."""
    from sahelkg.gate import source_integrity

    store = EmbeddedStore()
    store.load_quads(quads)
    report = validation.validate_store(store)
    graph_rules = {r.key() for r in source_integrity.check_store(store)}
    return validation.ValidationReport([r for r in report.results if r.key() not in graph_rules])


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_gives_exactly_its_expected_results(fixture, base_store):
    expected = expected_results(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    quads = ontology_quads() + parse_trig(BASE) + parse_trig(fixture)
    report = reference_report(quads)
    assert result_keys(report) == expected
    assert report.conforms == all(severity != "Violation" for severity, *_ in expected)
    assert all(r.message for r in report.results)
    # The validator compiled to SPARQL (run in Oxigraph) returns exactly pyshacl's results.
    assert full_keys(compiled_report(quads)) == full_keys(report)
    # So does the one compiled to Python.
    assert full_keys(native_report(quads)) == full_keys(report)
    # And full validation of a store holding them (`sahelkg validate --store`: each graph read as
    # N-Triples text), beside the graph-level rules it adds.
    assert full_keys(store_report(quads)) == full_keys(report)
    # The fixture as a change to the base: every engine of the gate report full validation's results.
    change = Change(additions=tuple(parse_trig(fixture)))
    affected = affected_focus(base_store, change)
    expected_gate = gate_results(validation.ValidationReport([r for r in report.results if r.focus_node in affected]))
    for engine in ENGINES:
        with gate_engine(engine):
            assert gate_results(validation.check_change(base_store, change)) == expected_gate, engine


def test_a_source_graph_typed_by_a_subclass_of_source_graph_is_described(base_store):
    """skg:ImportGraph is a subclass of skg:SourceGraph: its type satisfies sh:hasValue skg:SourceGraph
    (pyshacl sees the superclass in its working copy; the compiled validator must see it too)."""
    import pyoxigraph as ox

    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/import/t-acled")
    catalog = ox.NamedNode("https://w3id.org/sahelkg/graph/catalog")
    catalogued = [q for q in parse_trig(BASE) if q.graph_name == catalog
                  and q.subject.value.endswith("source/t001") and q.predicate.value != validation.RDF_TYPE]
    change = Change(additions=tuple(
        [ox.Quad(graph, ox.NamedNode(validation.RDF_TYPE), ox.NamedNode("https://w3id.org/sahelkg/ontology#ImportGraph"),
                 catalog)]
        + [ox.Quad(graph, q.predicate, q.object, catalog) for q in catalogued]))
    quads = ontology_quads() + parse_trig(BASE) + list(change.additions)
    assert reference_report(quads).results == []
    assert compiled_report(quads).results == []
    assert native_report(quads).results == []
    for engine in ENGINES:
        with gate_engine(engine):
            assert validation.check_change(base_store, change).results == [], engine


def test_every_rule_of_the_shapes_has_an_invalid_fixture():
    """Every property shape, SPARQL constraint and node-level constraint is expected by a fixture."""
    from rdflib.namespace import SH

    shapes = validation.shapes_graph()
    rules = set()
    for shape in (set(shapes.subjects(SH.targetClass)) | set(shapes.subjects(SH.targetObjectsOf))
                  | set(shapes.subjects(SH.targetSubjectsOf))):
        rules |= {str(p) for p in shapes.objects(shape, SH.property)}
        rules |= {str(c) for c in shapes.objects(shape, SH.sparql)}
        if any((shape, p, None) in shapes for p in (SH.nodeKind, SH.pattern, SH["not"])):
            rules.add(str(shape))
    covered = {constraint or shape for fixture in INVALID
               for _severity, _focus, shape, constraint, _path in expected_results(fixture)}
    assert sorted(rules - covered) == []
