"""Issue 14, service items 3, 4, 5, 7 and 9: stored XSS, the Host header, deep nesting, tokens in the
access log and SPARQLWrapper's format names, each against the real server over loopback HTTP."""

from __future__ import annotations

import json

import httpx
import pytest
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.service.conftest import start_server

TOKEN = "hostile-token"
ACTOR = "https://w3id.org/sahelkg/id/actor/fama"
PLANTED = "https://w3id.org/sahelkg/id/actor/xss-test"
REFERENCE = "https://w3id.org/sahelkg/graph/reference"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
EVIL = "evil.example"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, seed_nquads):
    """The seed, plus a javascript: link loaded at start (files loaded at start bypass the gate,
    as data written before the shapes refused such links would), writable, logging its accesses."""
    directory = tmp_path_factory.mktemp("hostile")
    planted = directory / "planted.trig"
    planted.write_text(f"<{REFERENCE}> {{ <{PLANTED}> <{SEE_ALSO}> <javascript:alert(document.domain)> ; "
                       f"<http://www.w3.org/2004/02/skos/core#prefLabel> \"Planted\"@en . }}\n")
    log = directory / "server.log"
    server = start_server(str(seed_nquads), str(planted), "--log-level", "info", token=TOKEN, log=log,
                          env={"SAHELKG_WORKERS": "2"})
    yield server, log
    server.stop()


def _update(client: httpx.Client, server, text: str, **params) -> httpx.Response:
    return client.post("/update", params=params, content=text.encode(),
                       headers={**server.auth(), "content-type": "application/sparql-update"})


# -- 3. stored XSS ------------------------------------------------------------------------------------
def test_the_gate_refuses_a_javascript_link_and_nothing_changes(hostile):
    server, _ = hostile
    with server.client() as client:
        response = _update(client, server, f"INSERT DATA {{ GRAPH <{REFERENCE}> {{ <{ACTOR}> <{SEE_ALSO}> "
                                           "<javascript:alert(document.domain)> } }")
        assert response.status_code == 422, response.text
        shapes = {r["source_shape"] for r in response.json()["report"]["results"]}
        assert any(s.endswith("WebLinkShape") for s in shapes), shapes
        ask = client.get("/sparql", params={"query": f"ASK {{ <{ACTOR}> <{SEE_ALSO}> ?o }}"})
        assert ask.json()["boolean"] is False
        # A web link passes the same shape.
        ok = _update(client, server, f"INSERT DATA {{ GRAPH <{REFERENCE}> {{ <{ACTOR}> <{SEE_ALSO}> "
                                     "<https://en.wikipedia.org/wiki/Malian_Armed_Forces> } }")
        assert ok.status_code == 204, ok.text


def test_pages_link_only_web_iris_and_carry_a_content_security_policy(hostile):
    server, _ = hostile
    with server.client() as client:
        page = client.get("/id/actor/xss-test", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "javascript:alert" in page.text  # shown, as text …
        assert 'href="javascript' not in page.text.lower()  # … never as a link
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        for path in ("/ontology", "/queries", "/id/actor/fama", "/audit/actor/fama"):
            response = client.get(path, headers={"accept": "text/html"}, params={"format": "html"}
                                  if path.startswith("/audit") else None)
            if response.headers.get("content-type", "").startswith("text/html"):
                assert "default-src 'none'" in response.headers["content-security-policy"], path


# -- 4. the Host header ---------------------------------------------------------------------------
def test_a_host_outside_the_allow_list_never_appears_in_a_response(hostile):
    server, _ = hostile
    evil = {"host": EVIL}
    with server.client() as client:
        responses = [
            client.get("/id/actor/fama", headers={**evil, "accept": "text/turtle"}),
            client.get("/id/actor/fama", headers={**evil, "accept": "text/html"}),
            client.get("/dump.nq", headers=evil),
            client.get("/.well-known/void", headers=evil),
            client.get("/sparql", headers=evil),
            client.get("/queries", headers={**evil, "accept": "application/json"}),
            client.get("/ontology", headers={**evil, "accept": "text/html"}),
            client.post("/store", content=b"<urn:a> <urn:b> <urn:c> .",
                        headers={**evil, **server.auth(), "content-type": "application/n-triples"}),
        ]
        for response in responses:
            assert response.status_code < 500, response.text
            seen = " ".join(f"{k}: {v}" for k, v in response.headers.items()) + response.text
            assert EVIL not in seen, (response.request.url, response.status_code)
        # The GSP Location names the host the service was reached on.
        assert responses[-1].headers["location"].startswith(server.url + "/store/")
        # An allowed Host is kept.
        local = client.get("/id/actor/fama", headers={"host": server.url.replace("http://127.0.0.1", "localhost"),
                                                        "accept": "text/turtle"})
        assert local.headers["content-location"].startswith(server.url.replace("http://127.0.0.1", "http://localhost"))


# -- 5. deep nesting ------------------------------------------------------------------------------
DEEP = 5000
NESTED_QUERIES = {
    "braces": "SELECT * WHERE " + "{" * DEEP + " ?s ?p ?o " + "}" * DEEP,
    "parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * DEEP + "1" + ")" * DEEP + ") }",
    "subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * DEEP + "{ ?s ?p ?o }" + " }" * DEEP,
    "optionals": "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL{?s?p?o " * DEEP + "}" * DEEP + " }",
}


@pytest.mark.parametrize("kind", sorted(NESTED_QUERIES))
def test_deeply_nested_queries_are_refused_with_400_before_the_engine(hostile, kind):
    server, _ = hostile
    text = NESTED_QUERIES[kind]
    with server.client() as client:
        for response in (client.post("/sparql", data={"query": text}),
                         client.post("/update", content=("INSERT { <urn:a> <urn:b> 1 } WHERE " + text.split("WHERE ", 1)[1])
                                     .encode(), headers={**server.auth(), "content-type": "application/sparql-update"})):
            assert response.status_code == 400, response.text[:300]
            problem = response.json()
            assert problem["type"].endswith("too-deeply-nested")
            assert "64 levels" in problem["detail"] and "line 1" in problem["detail"]
        # Every worker is alive: the next queries are answered at once.
        for _ in range(4):
            assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_nesting_within_the_limit_still_works_for_queries_and_updates(hostile):
    server, _ = hostile
    depth = 60
    with server.client() as client:
        query = "ASK " + "{" * depth + " ?s ?p ?o " + "}" * depth
        assert client.get("/sparql", params={"query": query}).json()["boolean"] is True
        update = ("INSERT { GRAPH <urn:nest> { <urn:a> <urn:b> 1 } } WHERE { FILTER(" + "(" * depth + "1 = 2"
                  + ")" * depth + ") }")
        assert _update(client, server, update).status_code == 204


def test_a_saved_query_parameter_cannot_nest_the_query(hostile):
    server, _ = hostile
    with server.client() as client:
        for value in ("{" * DEEP, "(" * DEEP + ")" * DEEP, "x" + "}" * DEEP):
            response = client.get("/queries/cq6-claims-by-claimant", params={"claimant": value})
            assert response.status_code == 400, response.text[:300]
            assert response.json()["type"].endswith("bad-parameter")
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# -- 7. credentials in the access log ---------------------------------------------------------------
def test_the_access_log_never_shows_write_query_strings_or_tokens(hostile):
    server, log = hostile
    with server.client() as client:
        assert _update(client, server, "INSERT DATA { GRAPH <urn:log> { <urn:a> <urn:b> 1 } }",
                       access_token="S3CRET-IN-UPDATE").status_code == 204
        client.post("/update", params={"access_token": "S3CRET-REFUSED"}, content=b"CLEAR ALL",
                    headers={"content-type": "application/sparql-update"})
        client.get("/sparql", params={"query": "ASK {}", "access_token": "S3CRET-IN-QUERY"})
        client.put("/store", params={"graph": "urn:log2", "token": "S3CRET-IN-STORE"},
                   content=b"<urn:a> <urn:b> <urn:c> .", headers={"content-type": "application/n-triples"})
        marker = client.get("/sparql", params={"query": "ASK { <urn:log-marker> ?p ?o }"})
        assert marker.status_code == 200
    text = ""
    for _ in range(50):  # the log is written by another process: wait until our last line is in
        text = log.read_text(errors="replace")
        if "log-marker" in text:
            break
        import time
        time.sleep(0.1)
    assert '"POST /update HTTP/1.1" 204' in text and '"POST /update HTTP/1.1" 401' in text
    assert "S3CRET" not in text
    assert "access_token=…" in text  # the read request is logged, its credential blanked


# -- 9. SPARQLWrapper and other clients' format names ------------------------------------------------
SELECT = "SELECT ?actor WHERE { ?actor a <https://w3id.org/sahelkg/ontology#StateArmedForce> } ORDER BY ?actor LIMIT 3"
CONSTRUCT = f"CONSTRUCT WHERE {{ <{ACTOR}> ?p ?o }}"


def test_sparqlwrapper_every_return_format(hostile):
    server, _ = hostile
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 3
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("result").length == 3
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().count("\n") == 4
    client.setReturnFormat(TSV)
    assert client.query().convert().decode().count("\n") == 4
    client.setQuery(CONSTRUCT)
    for fmt in (RDFXML, N3, TURTLE, XML, JSONLD):
        client.setReturnFormat(fmt)
        result = client.query()
        assert result.response.status == 200, fmt
        converted = result.convert()
        if hasattr(converted, "__len__") and not isinstance(converted, (bytes, str)):
            assert len(converted) > 3, fmt  # an rdflib graph (RDF/XML, XML) or JSON-LD list
        else:
            assert b"fama" in (converted if isinstance(converted, bytes) else converted.encode()), fmt


@pytest.mark.parametrize("fmt, kind, expected", [
    ("json", "select", "application/sparql-results+json"), ("xml", "select", "application/sparql-results+xml"),
    ("csv", "select", "text/csv"), ("tsv", "select", "text/tab-separated-values"),
    ("text", "select", "text/tab-separated-values"), ("application/sparql-results+json", "select",
                                                       "application/sparql-results+json"),
    ("rdf+xml", "construct", "application/rdf+xml"), ("n3", "construct", "text/turtle"),
    ("text", "construct", "application/n-triples"), ("json", "construct", "application/ld+json"),
    ("xml", "construct", "application/rdf+xml"), ("application/rdf+xml", "construct", "application/rdf+xml"),
])
def test_format_aliases(hostile, fmt, kind, expected):
    server, _ = hostile
    query = SELECT if kind == "select" else CONSTRUCT
    response = httpx.get(server.url + "/sparql", params={"query": query, "format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected


def test_an_unknown_format_falls_back_to_accept_and_application_json_means_sparql_json(hostile):
    server, _ = hostile
    unknown = httpx.get(server.url + "/sparql", params={"query": SELECT, "format": "no-such-format"},
                        headers={"accept": "text/csv"})
    assert unknown.status_code == 200 and unknown.headers["content-type"].startswith("text/csv")
    plain_json = httpx.get(server.url + "/sparql", params={"query": SELECT}, headers={"accept": "application/json"})
    assert plain_json.headers["content-type"] == "application/sparql-results+json"
    assert len(json.loads(plain_json.text)["results"]["bindings"]) == 3
