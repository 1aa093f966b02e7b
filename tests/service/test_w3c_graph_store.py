"""The W3C SPARQL 1.1 Graph Store Protocol manifests (direct and indirect identification),
run over HTTP against a writable instance (write token, `/gsp` mapped to `/store`)."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from tests.service.conftest import start_server, w3c_dir
from tests.service.w3c import load_manifest

MANIFEST = w3c_dir() / "sparql11-graph-store-protocol" / "manifest.ttl"
CASES = load_manifest(MANIFEST) if MANIFEST.exists() else []
TOKEN = "w3c-gsp-token"


def test_graph_store_manifests_are_present():
    assert MANIFEST.exists(), (f"W3C Graph Store Protocol manifests not found at {MANIFEST.parent}: they ship in "
                               "tests/service/w3c-suite; SAHELKG_W3C_DIR overrides it")
    assert len(CASES) == 14  # 13 listed + head_non_existing_direct, defined but unlisted


@pytest.fixture(scope="module")
def server():
    server = start_server(token=TOKEN, env={"SAHELKG_WORKERS": "2"})
    yield server
    server.stop()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_graph_store(server, case):
    variables: dict[str, str] = {}
    with server.client() as client:
        client.post("/update", content=b"DROP ALL",
                    headers={**server.auth(), "content-type": "application/sparql-update"}).raise_for_status()
        for request in case.requests:
            path = request.path
            for name, value in variables.items():
                path = path.replace(name, value)
            path = "/store" + path[len("/gsp"):]
            headers = dict(request.headers)
            if request.method not in ("GET", "HEAD"):
                headers.update(server.auth())
            response = client.request(request.method, path, content=request.body, headers=headers)
            expected = request.expected
            assert expected.status_ok(response.status_code), (
                f"{case.name}: {request.method} {path} gave {response.status_code}, expected {expected.statuses}: "
                f"{response.text[:300]}")
            if expected.location_var:
                variables[expected.location_var] = response.headers["location"]
            if expected.content_type:
                assert response.headers["content-type"].replace(" ", "").lower() == \
                    expected.content_type.replace(" ", "").lower()
            if expected.body is not None:
                got = Graph().parse(data=response.text, format="turtle")
                want = Graph().parse(data=expected.body, format="turtle")
                assert isomorphic(got, want), f"{case.name}: graph differs:\n{response.text}"
