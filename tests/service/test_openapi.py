"""Issue 14, service item 8: the OpenAPI document matches the service. Schemathesis runs every
check against the real server (a few examples per operation, bounded in time) and finds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import start_server

TOKEN = "openapi-token"
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def served(seed_nquads):
    server = start_server(str(seed_nquads), token=TOKEN, env={"SAHELKG_WORKERS": "3"})
    yield server
    server.stop()


def test_the_document_lists_what_the_service_does(served):
    spec = httpx.get(served.url + "/openapi.json").json()
    operations = [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    assert set(spec["paths"]["/sparql"]) == {"get", "post"}
    assert set(spec["paths"]["/update"]) == {"post"}
    assert "path" not in [p["name"] for p in spec["paths"]["/store"]["get"]["parameters"]]
    timeout = next(p for p in spec["paths"]["/sparql"]["get"]["parameters"] if p["name"] == "timeout")
    assert timeout["schema"] == {"type": "number", "exclusiveMinimum": 0}
    for path in ("/sparql", "/.well-known/void", "/ontology", "/context.jsonld"):
        assert "application/json" not in spec["paths"][path]["get"]["responses"]["200"]["content"], path
    for method, path, op in operations:
        for code in ("400", "404", "406"):
            assert code in op["responses"], (method, path, code)
    assert httpx.get(served.url + "/queries/cq1-accusations-of-event", params={"timeout": "0.0"}).status_code == 400


def test_schemathesis_with_every_check_finds_no_failure(served, tmp_path):
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
               served.url + "/openapi.json", "--checks", "all", "--max-examples", "2",
               "--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color", "--seed", "14",
               "-H", f"Authorization: Bearer {TOKEN}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert "0 failures" in summary or "passed" in summary, summary
