"""The same app in front of external SPARQL stores: `oxigraph serve` and OpenLink Virtuoso.

The seed data is loaded into each store through our CLI (`sahelkg load --remote-query …`), then
the same questions are asked through our service and compared with the embedded store's answers.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from sahelkg.dataset import loading
from sahelkg.namespaces import CATALOG_GRAPH, sparql_prologue
from tests.service.conftest import start_oxigraph, start_server, start_virtuoso

SAHELKG = Path(sys.executable).parent / "sahelkg"
TOKEN = "remote-token"

# Questions over the seed data (the catalog graph is left out: it records load times).
QUESTIONS = {
    "triples per graph": f"""SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?g != <{CATALOG_GRAPH}> && STRSTARTS(STR(?g), "https://w3id.org/sahelkg/")) }} GROUP BY ?g ORDER BY ?g""",
    "who alleges what about whom": sparql_prologue(["skg"]) + """SELECT ?claim ?claimant ?accused WHERE {
        GRAPH ?g { ?claim skg:claimant ?claimant . OPTIONAL { ?claim skg:accusedActor ?accused } } }
        ORDER BY ?claim ?claimant ?accused""",
    "labels of actors": sparql_prologue(["skg", "skos"]) + """SELECT ?actor ?label WHERE {
        GRAPH ?g { ?actor a ?type ; skos:prefLabel ?label } FILTER(STRSTARTS(STR(?actor), "https://w3id.org/sahelkg/id/actor/")) }
        ORDER BY ?actor ?label""",
}


def _values(rows) -> list[tuple]:
    """Rows as comparable values: IRIs and literal lexical forms (stores differ on xsd:int vs integer)."""
    return [tuple(None if t is None else t.value for t in row) for row in rows]


@pytest.fixture(scope="module")
def expected(seed_store):
    return {name: _values(seed_store.query(text, union_default_graph=False).rows) for name, text in QUESTIONS.items()}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote_app(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(request.param)
    if request.param == "oxigraph":
        backend = start_oxigraph(directory, "--union-default-graph")  # as our default graph
        store_args = ["--remote-query", backend.url + "/query", "--remote-update", backend.url + "/update"]
        app_args = ["--remote-query", backend.url + "/query", "--remote-update", backend.url + "/update"]
    else:
        backend = start_virtuoso(directory)
        store_args = ["--remote-query", backend.url + "/sparql", "--remote-kind", "virtuoso"]
        app_args = ["--remote-virtuoso", backend.url]
    try:
        subprocess.run([str(SAHELKG), "load", *map(str, loading.seed_paths()), *store_args], check=True,
                       capture_output=True, timeout=300)
        app = start_server(*app_args, token=TOKEN)
    except BaseException:
        backend.stop()
        raise
    yield request.param, app
    app.stop()
    backend.stop()


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_the_app_answers_like_the_embedded_store(remote_app, expected, question):
    _, app = remote_app
    with app.client() as client:
        response = client.post("/sparql", content=QUESTIONS[question].encode(),
                               headers={"content-type": "application/sparql-query"})
    assert response.status_code == 200, response.text
    data = response.json()
    names = data["head"]["vars"]
    rows = [tuple(b.get(n, {}).get("value") for n in names) for b in data["results"]["bindings"]]
    # Same answers; order compared as sorted (stores order language-tagged literals differently).
    assert sorted(rows, key=repr) == sorted(expected[question], key=repr)
    assert rows, "the question has answers on the seed data"


def test_sparqlwrapper_client_through_the_app(remote_app):
    _, app = remote_app
    client = SPARQLWrapper(app.url + "/sparql")
    client.setQuery(QUESTIONS["triples per graph"])
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    assert len(bindings) >= 3


def test_graph_store_writes_reach_the_remote_store(remote_app):
    _, app = remote_app
    graph = "https://w3id.org/sahelkg/graph/test/remote-write"
    with app.client() as client:
        put = client.put("/store", params={"graph": graph}, content=b'<urn:s> <urn:p> "written through the app" .',
                         headers={**app.auth(), "content-type": "application/n-triples"})
        assert put.status_code in (201, 204), put.text
        got = client.get("/store", params={"graph": graph}, headers={"accept": "application/n-triples"})
        assert got.status_code == 200 and "written through the app" in got.text
        assert client.delete("/store", params={"graph": graph}, headers=app.auth()).status_code == 204
        assert client.get("/store", params={"graph": graph}).status_code == 404


def test_safety_checks_apply_in_front_of_remote_stores(remote_app):
    _, app = remote_app
    with app.client() as client:
        response = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert response.status_code == 403
        define = 'DEFINE get:soft "soft" SELECT * FROM <http://127.0.0.1:9/> { ?s ?p ?o }'
        response = client.get("/sparql", params={"query": define})
        assert response.status_code == 400


def test_a_remote_query_over_time_is_answered_with_503_in_time(remote_app):
    # We stop waiting and answer; the remote server's own limits decide when it stops working.
    _, app = remote_app
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"GRAPH ?g{i} {{ ?s{i} ?p{i} ?o{i} }}" for i in range(6)) + " }"
    started = time.monotonic()
    with app.client() as client:
        response = client.get("/sparql", params={"query": runaway, "timeout": "1"})
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("query-timeout")
    assert time.monotonic() - started < 1 + 1.5


def test_data_updates_through_the_app_reach_the_remote_store(remote_app):
    _, app = remote_app
    graph = "https://w3id.org/sahelkg/graph/test/remote-update"
    ask = f'ASK {{ GRAPH <{graph}> {{ <urn:s> <urn:p> "via update" }} }}'
    headers = {**app.auth(), "content-type": "application/sparql-update"}
    with app.client() as client:
        insert = f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:s> <urn:p> "via update" }} }}'
        inserted = client.post("/update", content=insert.encode(), headers=headers)
        assert inserted.status_code == 204, inserted.text
        assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
        deleted = client.post("/update", content=f"CLEAR GRAPH <{graph}>".encode(), headers=headers)
        assert deleted.status_code == 204, deleted.text
        assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False
        delete_where = f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        where = client.post("/update", content=delete_where.encode(), headers=headers)
        assert where.status_code == 501 and "WHERE" in where.json()["detail"]
