"""The W3C SPARQL 1.1 Protocol test suite, every request over HTTP against the running server.

Query and bad_* tests go to /sparql; update tests (and bad_update_*) to /update with the token.
Each test's ut:graphData files are loaded into the named graphs their labels say, first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.service.conftest import start_server, w3c_dir
from tests.service.w3c import load_manifest

MANIFEST = w3c_dir() / "sparql11-protocol" / "manifest.ttl"
CASES = load_manifest(MANIFEST) if MANIFEST.exists() else []
TOKEN = "w3c-protocol-token"


def test_protocol_manifest_is_present_and_complete():
    assert MANIFEST.exists(), (f"W3C SPARQL 1.1 Protocol manifest not found at {MANIFEST}: it ships in "
                               "tests/service/w3c-suite; SAHELKG_W3C_DIR overrides it")
    assert len(CASES) == 34


@pytest.fixture(scope="module")
def server():
    server = start_server(token=TOKEN, env={"SAHELKG_WORKERS": "2"})
    yield server
    server.stop()


def _endpoint(case_name: str, request) -> str:
    is_query = (request.headers.get("content-type", "").startswith("application/sparql-query")
                or "query=" in request.path or (request.body or b"").startswith(b"query="))
    if "update" in case_name and not is_query:
        return "/update"
    return "/sparql"


def _boolean(response) -> bool:
    media_type = response.headers["content-type"].split(";")[0]
    if media_type == "application/sparql-results+json":
        return response.json()["boolean"]
    assert media_type == "application/sparql-results+xml", media_type
    root = ET.fromstring(response.content)
    return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"},
}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_protocol(server, case):
    with server.client() as client:
        client.post("/update", content=b"DROP ALL",
                    headers={**server.auth(), "content-type": "application/sparql-update"}).raise_for_status()
        for file, graph in case.graph_data:
            data = (MANIFEST.parent / file.name).read_bytes()
            r = client.put("/store", params={"graph": graph}, content=data,
                           headers={**server.auth(), "content-type": "application/n-triples"})
            assert r.status_code in (201, 204), r.text
        for request in case.requests:
            endpoint = _endpoint(case.name, request)
            path = endpoint + request.path[len("/sparql/"):]
            headers = dict(request.headers)
            if endpoint == "/update":
                headers.update(server.auth())
            response = client.request(request.method, path, content=request.body, headers=headers)
            expected = request.expected
            assert expected.status_ok(response.status_code), (
                f"{case.name}: {request.method} {path} gave {response.status_code}, expected {expected.statuses}: "
                f"{response.text[:500]}")
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"
            if expected.format:
                assert response.headers["content-type"].split(";")[0] in FORMATS[expected.format]
            if expected.boolean is not None:
                assert _boolean(response) is expected.boolean, f"{case.name}: wrong boolean"
