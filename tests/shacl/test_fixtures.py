"""Every rule of shapes/sahelkg-shapes.ttl has an invalid fixture that breaks exactly that rule.

Each fixture under fixtures/invalid/ is validated together with fixtures/base.trig (which
conforms with no result at all); its '# expect:' lines list the exact results: severity, focus
node, source shape (and SPARQL constraint), and path.
"""

from __future__ import annotations

import pytest

from sahelkg import validation

from .conftest import BASE, FIXTURES, expected_results, parse_trig, result_keys

INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))


def test_base_fixture_conforms_with_no_result():
    report = validation.validate_quads(parse_trig(BASE))
    assert report.results == []


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_gives_exactly_its_expected_results(fixture):
    expected = expected_results(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    report = validation.validate_quads(parse_trig(BASE) + parse_trig(fixture))
    assert result_keys(report) == expected
    assert report.conforms == all(severity != "Violation" for severity, *_ in expected)
    assert all(r.message for r in report.results)
