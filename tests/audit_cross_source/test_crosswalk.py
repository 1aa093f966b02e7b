"""`audit crosswalk`: where a dataset's actor category disagrees with our class for the actor (a fictional
state-backed militia of a fictional country that ACLED-style rows code as state forces; the UCDP government
side the table maps to an army), and the crosswalk table itself; in memory, from the CLI and over HTTP."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.audit import reports as audit
from sahelkg.cli import main as cli
from sahelkg.importers.dataset_actors import load_dataset_actors
from sahelkg.store import EmbeddedStore
from tests.audit_cross_source.test_http_cli_html import parsed
from tests.conftest import seed_dataset

ID = "https://w3id.org/sahelkg/id/"
SKG = "https://w3id.org/sahelkg/ontology#"
MILITIA = ID + "actor/testland-volunteers"
GOVERNMENT_OF_MALI = next(r.line for r in load_dataset_actors().rows if r.name == "Government of Mali")


def _militia_coded_as_state_forces() -> list[ox.Quad]:
    graph = ox.NamedNode(ID + "graph-test-crosswalk")
    militia = ox.NamedNode(MILITIA)
    quads = [ox.Quad(militia, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode(SKG + "StateBackedMilitia"), graph),
             ox.Quad(militia, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                     ox.Literal("Testland Volunteers", language="en"), graph)]
    for row in ("1", "2"):  # two imported rows code it as ACLED inter 1, "State forces"
        participation = ox.NamedNode(ID + f"participation/test-crosswalk-{row}")
        quads += [ox.Quad(participation, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(SKG + "Participation"), graph),
                  ox.Quad(participation, ox.NamedNode(SKG + "participant"), militia, graph),
                  ox.Quad(participation, ox.NamedNode("http://purl.org/dc/terms/type"),
                          ox.NamedNode("https://w3id.org/sahelkg/vocab/acled-inter/1"), graph)]
    return quads


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.load_quads(list(seed_dataset()) + _militia_coded_as_state_forces())
    return store


def test_disagreements_and_the_table(store):
    report = audit.run_audit(store, "crosswalk")
    assert [tuple(r.values()) for r in report.rows] == [
        ("ACLED", "Testland Volunteers", "State forces", "StateArmedForce", "StateBackedMilitia", "imported rows: 2"),
        ("UCDP", "Malian Armed Forces (FAMa)", "government", "Government", "StateArmedForce",
         f"dataset-actors.csv:{GOVERNMENT_OF_MALI}")]
    table = report.section("crosswalk").rows
    assert len(table) == len(load_dataset_actors().rows)
    assert {"dataset": "UCDP", "name in the dataset": "Government of Mali", "actor": "Malian Armed Forces (FAMa)",
            "actor IRI": "actor:fama"}.items() <= next(r for r in table if r["name in the dataset"] ==
                                                        "Government of Mali").items()
    assert report.notes[0].startswith("2 dataset categories disagree")


def test_the_command_line_prints_the_seed_s_disagreement(capsys):
    assert cli.main(["audit", "crosswalk", "--seed", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "dataset,actor,dataset category,the category means,our classes,where",
        f"UCDP,Malian Armed Forces (FAMa),government,Government,StateArmedForce,dataset-actors.csv:{GOVERNMENT_OF_MALI}"]


def test_the_crosswalk_over_http(tarvo_server):
    with tarvo_server.client() as client:
        as_json = client.get("/audit/crosswalk")
        page = client.get("/audit/crosswalk", headers={"Accept": "text/html"})
        listed = client.get("/audit", headers={"Accept": "text/html"})
    assert as_json.status_code == 200 and [r["actor"] for r in as_json.json()["rows"]] == ["Malian Armed Forces (FAMa)"]
    assert parsed(page.text).cells[:3] == ["UCDP", "Malian Armed Forces (FAMa)", "government"]
    assert 'href="/audit/crosswalk"' in listed.text
