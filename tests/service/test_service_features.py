"""Behaviour of /sparql, /update, /store and VoID beyond the W3C suites: negotiation, errors,
descriptions, write rights, atomic writes, persistence."""

from __future__ import annotations

import httpx
import pytest

from tests.service.conftest import start_server

EVENT = "https://w3id.org/sahelkg/id/event-1"
TOKEN = "feature-token"
SELECT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"


def _get(server, query, **headers):
    return httpx.get(server.url + "/sparql", params={"query": query}, headers=headers, timeout=30)


# -- content negotiation -------------------------------------------------------------------------
@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.9, application/sparql-results+xml;q=0.5", "text/csv"),
    ("text/*", "text/csv"),
    ("text/tab-separated-values, */*;q=0.1", "text/tab-separated-values"),
    ("application/json;q=0.2, application/sparql-results+json;q=0.1", "application/sparql-results+json"),
])
def test_select_results_follow_accept_with_q_values_and_wildcards(read_only_server, accept, expected):
    headers = {"accept": accept} if accept else {}
    response = _get(read_only_server, SELECT, **headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_unsatisfiable_accept_gives_406_naming_the_formats(read_only_server):
    response = _get(read_only_server, SELECT, accept="image/png")
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/sparql-results+json" in response.json()["detail"]


def test_format_parameter_overrides_accept(read_only_server):
    response = httpx.get(read_only_server.url + "/sparql", params={"query": SELECT, "format": "csv"},
                         headers={"accept": "application/sparql-results+xml"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[0] == "s,label"
    construct = httpx.get(read_only_server.url + "/sparql",
                          params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert construct.headers["content-type"].startswith("application/n-triples")


@pytest.mark.parametrize("accept,expected", [
    ("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"), ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-quads", "application/n-quads"), ("application/trig", "application/trig"),
])
def test_construct_results_in_every_rdf_format(read_only_server, accept, expected):
    response = _get(read_only_server, f"CONSTRUCT WHERE {{ <{EVENT}> ?p ?o }}", accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Event one" in response.text


def test_csv_and_tsv_write_terms_as_the_specs_say(read_only_server):
    csv = _get(read_only_server, SELECT, accept="text/csv").text
    assert '"Actor, one ""quoted"""' in csv
    tsv = _get(read_only_server, SELECT, accept="text/tab-separated-values").text
    assert tsv.splitlines()[0] == "?s\t?label"
    assert '"Event two"@en' in tsv and f"<{EVENT}>" in tsv


def test_ask_in_xml_and_json(read_only_server):
    assert _get(read_only_server, "ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}
    xml = _get(read_only_server, "ASK { ?s ?p 42 }", accept="application/sparql-results+xml").text
    assert "<boolean>false</boolean>" in xml


def test_syntax_errors_are_problems_with_line_and_column(read_only_server):
    response = _get(read_only_server, "SELECT *\nWHERE {\n  ?s ?p \n}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["line"] == 4 and problem["context"] == "}"
    assert "line 4, column" in problem["detail"]


def test_parameters_are_decoded_exactly_once(read_only_server):
    # %2525 decodes once to %25: the literal must stay "%25", not become "%".
    response = httpx.get(read_only_server.url + "/sparql?query=SELECT%20(%22%2525%22%20AS%20%3Fv)%20%7B%7D")
    assert response.json()["results"]["bindings"][0]["v"]["value"] == "%25"


def test_cors_is_open_for_reads(read_only_server):
    response = _get(read_only_server, "ASK {}", origin="https://example.org")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


# -- descriptions --------------------------------------------------------------------------------
def test_service_description_says_the_default_graph_is_the_union(read_only_server):
    response = httpx.get(read_only_server.url + "/sparql", headers={"accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert "UnionDefaultGraph" in response.text
    assert "https://w3id.org/sahelkg/graph/test/a" in response.text
    assert "SPARQL11Update" not in response.text  # read-only instance


def test_void_counts_triples_per_named_graph(read_only_server):
    response = httpx.get(read_only_server.url + "/.well-known/void", headers={"accept": "application/n-triples"})
    assert response.status_code == 200
    assert '<https://w3id.org/sahelkg/graph/test/a>' in response.text
    assert '"4"^^<http://www.w3.org/2001/XMLSchema#integer>' in response.text  # graph a: 4 triples


# -- write rights --------------------------------------------------------------------------------
def test_without_a_token_configured_writes_are_refused_and_say_why(read_only_server):
    update = httpx.post(read_only_server.url + "/update", content=b"CLEAR ALL",
                        headers={"content-type": "application/sparql-update", "authorization": "Bearer x"})
    assert update.status_code == 403 and "no write token is configured" in update.json()["detail"]
    put = httpx.put(read_only_server.url + "/store", params={"graph": "urn:g"}, content=b"<urn:a> <urn:b> <urn:c> .",
                    headers={"content-type": "application/n-triples"})
    assert put.status_code == 403


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    directory = tmp_path_factory.mktemp("store")
    server = start_server("--store", str(directory), token=TOKEN, env={"SAHELKG_WORKERS": "2"})
    yield server, directory
    server.stop()


def test_writes_need_the_right_bearer_token(writable):
    server, _ = writable
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}):
        response = httpx.post(server.url + "/update", content=b"CLEAR ALL",
                              headers={"content-type": "application/sparql-update", **headers})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_void_is_current_after_every_write(writable):
    server, _ = writable
    graph = "https://w3id.org/sahelkg/graph/test/void"
    with server.client() as client:
        def count():
            text = client.get("/.well-known/void", headers={"accept": "application/n-triples"}).text
            for line in text.splitlines():
                if graph in line:
                    subset = line.split()[0]
                    for other in text.splitlines():
                        if other.startswith(subset) and "void#triples" in other:
                            return int(other.split('"')[1])
            return 0
        assert count() == 0
        client.post("/update", content=f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1, 2, 3 }} }}".encode(),
                    headers={**server.auth(), "content-type": "application/sparql-update"}).raise_for_status()
        assert count() == 3
        client.post("/update", content=f"DELETE DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }}".encode(),
                    headers={**server.auth(), "content-type": "application/sparql-update"}).raise_for_status()
        assert count() == 2


def test_every_acknowledged_write_is_seen_by_the_next_query(writable):
    server, _ = writable
    graph = "https://w3id.org/sahelkg/graph/test/read-your-writes"
    with server.client() as client:
        for i in range(25):
            r = client.post("/update", content=f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:n> {i} }} }}".encode(),
                            headers={**server.auth(), "content-type": "application/sparql-update"})
            assert r.status_code == 204
            seen = client.get("/sparql", params={"query": f"ASK {{ GRAPH <{graph}> {{ <urn:a> <urn:n> {i} }} }}"})
            assert seen.json()["boolean"] is True, f"write {i} not visible"


def test_an_update_failing_midway_changes_nothing(writable):
    server, _ = writable
    graph = "https://w3id.org/sahelkg/graph/test/atomic"
    other = "https://w3id.org/sahelkg/graph/test/atomic-other"
    with server.client() as client:
        client.put("/store", params={"graph": graph}, content=b"<urn:a> <urn:b> <urn:c> .",
                   headers={**server.auth(), "content-type": "application/n-triples"}).raise_for_status()
        # The first two operations succeed, the third fails at run time (the graph exists by then).
        update = (f"DELETE DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }} ; "
                  f"INSERT DATA {{ GRAPH <{other}> {{ <urn:x> <urn:y> <urn:z> }} }} ; CREATE GRAPH <{other}>")
        failed = client.post("/update", content=update.encode(),
                             headers={**server.auth(), "content-type": "application/sparql-update"})
        assert failed.status_code == 400 and failed.headers["content-type"] == "application/problem+json"
        assert "already exists" in failed.json()["detail"]
        assert "<urn:c>" in client.get("/store", params={"graph": graph}, headers={"accept": "application/n-triples"}).text
        assert client.get("/store", params={"graph": other}).status_code == 404
        # A syntax error anywhere refuses the whole request before anything runs.
        broken = f"DELETE DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }} ; INSERT DATA {{ "
        bad = client.post("/update", content=broken.encode(),
                          headers={**server.auth(), "content-type": "application/sparql-update"})
        assert bad.status_code == 400
        assert "<urn:c>" in client.get("/store", params={"graph": graph}, headers={"accept": "application/n-triples"}).text


def test_acknowledged_writes_survive_a_restart(tmp_path):
    server = start_server("--store", str(tmp_path), token=TOKEN, env={"SAHELKG_WORKERS": "2"})
    graph = "https://w3id.org/sahelkg/graph/test/durable"
    try:
        for i in range(5):
            insert = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:n> {i} }} }}"
            r = httpx.post(server.url + "/update", content=insert.encode(),
                           headers={**server.auth(), "content-type": "application/sparql-update"})
            assert r.status_code == 204
    finally:
        server.process.kill()  # no clean shutdown: only what was acknowledged counts
        server.process.wait()
    again = start_server("--store", str(tmp_path), env={"SAHELKG_WORKERS": "2"})
    try:
        count_query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        response = httpx.get(again.url + "/sparql", params={"query": count_query})
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "5"
    finally:
        again.stop()
