"""The incident dossier in a real browser (Chromium), on the shared multi-source fixtures
(tests/fixtures/incidents, fictional): every source's figure side by side with the non-overlap and
disputed-status flags, the sections, links to each source's claims; no console error or failed
request, no serious or critical axe-core violation, a screenshot. Expected figures come from the
audit itself (tested exactly in tests/audit_cross_source) and from SPARQL written here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.browser.conftest import _visit
from tests.browser.test_workbench import assert_accessible, sparql_rows
from tests.service.conftest import Server, start_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "incidents"
INCIDENT = "https://w3id.org/sahelkg/id/incident/kerela-market-2025-03-14"


@pytest.fixture(scope="module")
def incidents_server(tmp_path_factory, seed_quads) -> Iterator[Server]:
    """The service holding the seed and the three fictional multi-source incidents."""
    quads = list(seed_quads)
    for path in sorted(FIXTURES.glob("*.trig")):
        quads += ox.parse(path=str(path), format=ox.RdfFormat.TRIG)
    dump = tmp_path_factory.mktemp("browser-incidents") / "incidents.nq"
    ox.serialize(quads, str(dump), format=ox.RdfFormat.N_QUADS)
    server = start_server(str(dump), env={"SAHELKG_WORKERS": "2", "SAHELKG_PUBLIC_BASE": ""})
    yield server
    server.stop()


@pytest.fixture
def visit_incidents(browser, incidents_server):
    yield from _visit(browser, incidents_server, "incidents")


def test_the_incident_dossier_sets_every_source_figure_side_by_side(visit_incidents):
    visit = visit_incidents
    visit.goto("/id/incident/kerela-market-2025-03-14")
    page = visit.page
    assert page.locator("main h1").inner_text().strip()
    figures = page.locator("section[aria-labelledby=figures-title] tbody tr")
    # One row per count any claim about the incident's events asserts (SPARQL written here).
    expected = sparql_rows(visit.base_url, f"""SELECT (COUNT(DISTINCT ?count) AS ?n) WHERE {{
        ?event skg:sameIncident <{INCIDENT}> . ?claim skg:about ?event ; skg:assertsCount ?count }}""")
    assert figures.count() == int(expected[0]["n"]["value"]) > 4
    text = page.locator("section[aria-labelledby=figures-title]").inner_text()
    for wording in ("at least 52 civilians", "neutralised 40 terrorists", "No civilian was harmed"):
        assert wording in text, wording
    flagged = page.locator("section[aria-labelledby=figures-title] td.warning")
    assert flagged.count() >= 3
    assert "ranges do not overlap" in flagged.first.inner_text()
    assert page.locator("td.warning", has_text="status disputed").count() >= 1
    # Each source's claims are links to their own dossiers.
    assert page.locator("a[href='/id/claim/fx-kerela-fat-s1-operation']").count() >= 1
    for section in ("rejections", "characterisations", "accusations", "links"):
        assert page.locator(f"section[aria-labelledby={section}-title] tbody tr").count() >= 1, section
    visit.screenshot("dossier-incident")
    assert_accessible(visit)
    visit.assert_clean()
