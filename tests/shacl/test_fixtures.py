"""Every rule of shapes/sahelkg-shapes.ttl has an invalid fixture that breaks exactly that rule.

Each fixture under fixtures/invalid/ is validated together with fixtures/base.trig (which
conforms with no result at all); its '# expect:' lines list the exact results: severity, focus
node, source shape (and SPARQL constraint), and path. The validator compiled to SPARQL
(sahelkg.validation_sparql) must return pyshacl's results exactly on every fixture.
"""

from __future__ import annotations

import pytest

from sahelkg import validation

from .conftest import (BASE, FIXTURES, compiled_report, expected_results, full_keys, ontology_quads, parse_trig,
                       result_keys)

INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))


def test_base_fixture_conforms_with_no_result():
    report = validation.validate_quads(parse_trig(BASE))
    assert report.results == []
    assert compiled_report(ontology_quads() + parse_trig(BASE)).results == []


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_gives_exactly_its_expected_results(fixture):
    expected = expected_results(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    quads = ontology_quads() + parse_trig(BASE) + parse_trig(fixture)
    report = validation.validate_quads(quads)
    assert result_keys(report) == expected
    assert report.conforms == all(severity != "Violation" for severity, *_ in expected)
    assert all(r.message for r in report.results)
    # The validator compiled to SPARQL (run in Oxigraph) returns exactly pyshacl's results.
    assert full_keys(compiled_report(quads)) == full_keys(report)


def test_every_rule_of_the_shapes_has_an_invalid_fixture():
    """Every property shape, SPARQL constraint and node-level constraint is expected by a fixture."""
    from rdflib.namespace import SH

    shapes = validation.shapes_graph()
    rules = set()
    for shape in set(shapes.subjects(SH.targetClass)) | set(shapes.subjects(SH.targetObjectsOf)):
        rules |= {str(p) for p in shapes.objects(shape, SH.property)}
        rules |= {str(c) for c in shapes.objects(shape, SH.sparql)}
        if any((shape, p, None) in shapes for p in (SH.nodeKind, SH.pattern, SH["not"])):
            rules.add(str(shape))
    covered = {constraint or shape for fixture in INVALID
               for _severity, _focus, shape, constraint, _path in expected_results(fixture)}
    assert sorted(rules - covered) == []
