"""Every write goes through the SHACL gate (sahelkg.gate.commit): a change that would
break the shapes is refused with 422 and the report, and nothing changes."""

from __future__ import annotations

import pytest

from tests.service.conftest import start_server

TOKEN = "gate-token"
COUNT = "https://w3id.org/sahelkg/id/count/a000-niono-killed"
MINIMUM = "https://w3id.org/sahelkg/ontology#minimum"
SOURCE = "https://w3id.org/sahelkg/graph/source/a000"


@pytest.fixture(scope="module")
def gated(seed_nquads):
    server = start_server(str(seed_nquads), token=TOKEN, env={"SAHELKG_WORKERS": "2"})
    yield server
    server.stop()


def _minimum(client) -> str:
    response = client.get("/sparql", params={"query": f"SELECT ?m WHERE {{ GRAPH <{SOURCE}> {{ <{COUNT}> <{MINIMUM}> ?m }} }}"})
    return response.json()["results"]["bindings"][0]["m"]["value"]


def _update(client, server, text):
    return client.post("/update", content=text.encode(), headers={**server.auth(), "content-type": "application/sparql-update"})


def test_an_update_that_breaks_the_shapes_is_refused_with_the_report_and_nothing_changes(gated):
    with gated.client() as client:
        old = _minimum(client)
        response = _update(client, gated, f"""
            DELETE {{ GRAPH <{SOURCE}> {{ <{COUNT}> <{MINIMUM}> ?m }} }}
            INSERT {{ GRAPH <{SOURCE}> {{ <{COUNT}> <{MINIMUM}> 12 }} }}
            WHERE {{ GRAPH <{SOURCE}> {{ <{COUNT}> <{MINIMUM}> ?m }} }}""")
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["report"]["conforms"] is False
        assert _minimum(client) == old


def test_a_graph_store_post_that_breaks_the_shapes_is_refused(gated):
    with gated.client() as client:
        before = client.get("/store", params={"graph": SOURCE}, headers={"accept": "application/n-triples"}).text
        bad = f'<{COUNT}> <{MINIMUM}> "many" .\n'.encode()
        response = client.post("/store", params={"graph": SOURCE}, content=bad,
                              headers={**gated.auth(), "content-type": "application/n-triples"})
        assert response.status_code == 422, response.text
        after = client.get("/store", params={"graph": SOURCE}, headers={"accept": "application/n-triples"}).text
        assert sorted(before.splitlines()) == sorted(after.splitlines())


def test_a_conforming_change_passes_the_gate(gated):
    graph = "https://w3id.org/sahelkg/graph/test/notes"
    with gated.client() as client:
        comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
        response = _update(client, gated, f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:note:1> {comment} "checked" }} }}')
        assert response.status_code == 204, response.text
        ask = client.get("/sparql", params={"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p \"checked\" }} }}"})
        assert ask.json()["boolean"] is True
