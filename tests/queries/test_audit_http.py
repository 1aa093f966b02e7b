"""The audits over HTTP on the real service, on a remote store, and from the command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from sahelkg.audit import reports as audit
from sahelkg.cli import main as cli
from sahelkg.store import RemoteStore


def test_the_ledger_as_json_and_markdown(seed_server):
    with seed_server.client() as client:
        as_json = client.get("/audit/actor/FAMa")
        as_markdown = client.get("/audit/actor/actor:fama", headers={"Accept": "text/markdown"})
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    body = as_json.json()
    assert body["subject"] == "https://w3id.org/sahelkg/id/actor/fama"
    assert [r["claim"] for r in body["rows"]] == ["claim:a000-s8-hrw-abuses", "claim:a000-s9-hrw-fama-wagner",
                                                  "claim:a000-s3-kal-akal-accuses", "claim:a000-s5-kel-ansar-denial",
                                                  "claim:a000-s4-csp-dpa-accuses"]
    assert as_markdown.headers["content-type"].startswith("text/markdown")
    assert as_markdown.text.splitlines()[0] == "# Actor ledger: Malian Armed Forces (FAMa)"


def test_corroboration_as_csv_and_contested_as_html(seed_server):
    with seed_server.client() as client:
        as_csv = client.get("/audit/corroboration", params={"format": "csv"})
        as_html = client.get("/audit/contested", headers={"Accept": "text/html"})
    first = as_csv.text.splitlines()[1]
    assert first.startswith('"Attack on a vehicle travelling from Niono to a refugee camp in Mauritania, 2 January '
                            '2025",Malian Armed Forces (FAMa),perpetrator,2,')
    assert as_html.headers["content-type"].startswith("text/html") and as_html.text.count("<tr>") == 3


def test_the_chain_diagram_is_served_as_svg(seed_server):
    with seed_server.client() as client:
        response = client.get("/audit/claim/a000-s4-csp-dpa-accuses/diagram.svg")
        chain = client.get("/audit/claim/claim:a000-s4-csp-dpa-accuses")
    assert response.headers["content-type"] == "image/svg+xml"
    assert ET.fromstring(response.text).tag == "{http://www.w3.org/2000/svg}svg"
    assert [r["relation"] for r in chain.json()["rows"]][:1] == ["reported in"]


def test_unknown_targets_are_404(seed_server):
    with seed_server.client() as client:
        unknown = client.get("/audit/actor/nobody-at-all")
        no_claim = client.get("/audit/claim/a000-s99")
    assert unknown.status_code == 404 and "no actor is called 'nobody-at-all'" in unknown.json()["detail"]
    assert no_claim.status_code == 404


def test_a_retraction_needs_the_write_token(seed_server):
    with seed_server.client() as client:
        response = client.post("/audit/source/doc:a000/retraction")
    assert response.status_code == 403


@pytest.fixture(scope="module")
def writable_server(seed_nquads):
    from tests.service.conftest import start_server

    server = start_server(str(seed_nquads), env={"SAHELKG_WORKERS": "2"}, token="audit-secret")
    yield server
    server.stop()


def test_a_retraction_through_the_gate_shows_in_ledgers_and_saved_queries(writable_server):
    with writable_server.client() as client:
        anonymous = client.post("/audit/source/doc:hrw-report-2024-12/retraction")
        done = client.post("/audit/source/doc:hrw-report-2024-12/retraction", headers=writable_server.auth())
        again = client.post("/audit/source/doc:hrw-report-2024-12/retraction", headers=writable_server.auth())
        ledger = client.get("/audit/actor/FAMa").json()
        cq6 = client.get("/queries/cq6-claims-by-claimant", params={"claimant": "actor:human-rights-watch"}).json()
        undone = client.post("/audit/source/doc:hrw-report-2024-12/retraction", params={"retracted": "false"},
                             headers=writable_server.auth())
        after = client.get("/audit/actor/FAMa").json()
    assert anonymous.status_code == 401
    assert done.status_code == 200 and again.status_code == 204 and undone.status_code == 200
    assert [(r["claim"], r["flags"]) for r in ledger["rows"]][:3] == [
        ("claim:a000-s8-hrw-abuses", "RESTS ON RETRACTED SOURCE"),
        ("claim:a000-s9-hrw-fama-wagner", "RESTS ON RETRACTED SOURCE"), ("claim:a000-s3-kal-akal-accuses", "")]
    assert {b["restsOnRetracted"]["value"] for b in cq6["results"]["bindings"]} == {"true"}
    assert all(r["flags"] == "" for r in after["rows"])


@pytest.mark.parametrize(("kind", "target"), [("actor", "FAMa"), ("contested", None), ("corroboration", None),
                                              ("claim", "a000-s4-csp-dpa-accuses"), ("source", "doc:a000")])
def test_every_audit_gives_the_same_report_on_a_remote_store(seed_server, seed_store, kind, target):
    remote = RemoteStore(seed_server.url + "/sparql")
    assert audit.render(audit.run_audit(remote, kind, target), "json") == \
        audit.render(audit.run_audit(seed_store, kind, target), "json")


def test_the_audit_command_prints_markdown_by_default(capsys):
    assert cli.main(["audit", "corroboration", "--seed"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "# Corroboration of allegations"
    assert out.count("| 2 | Kal Akal; Strategic Framework for the Defence of the People of Azawad (CSP-DPA) |") == 2


def test_the_audit_command_writes_json_and_svg(capsys, tmp_path):
    svg = tmp_path / "chain.svg"
    assert cli.main(["audit", "claim", "a000-s3-kal-akal-accuses", "--seed", "--format", "json", "--svg", str(svg)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [r["to"] for r in body["rows"]][-1] == "actor:kal-akal"
    assert ET.fromstring(svg.read_text()).tag.endswith("svg")


def test_the_audit_command_names_a_bad_target(capsys):
    assert cli.main(["audit", "source", "doc:nothing", "--seed"]) == 2
    assert "no document 'doc:nothing' in the store" in capsys.readouterr().err


def test_retraction_from_the_command_line_on_a_store_on_disk(capsys, tmp_path, seed_nquads):
    store_dir = str(tmp_path / "store")
    assert cli.main(["load", str(seed_nquads), "--store", store_dir]) == 0
    assert cli.main(["audit", "retract", "doc:a000-kal-akal-statement", "--store", store_dir]) == 0
    assert cli.main(["audit", "actor", "Kal Akal", "--store", store_dir, "--format", "json"]) == 0
    out = capsys.readouterr().out
    ledger = json.loads(out[out.index("{"):])
    assert [(r["claim"], r["flags"]) for r in ledger["rows"]] == [
        ("claim:a000-s3-kal-akal-accuses", "RESTS ON RETRACTED SOURCE")]


def test_an_audit_is_bounded_by_the_query_timeout(seed_server):
    with seed_server.client() as client:
        response = client.get("/audit/corroboration", params={"timeout": "0.000001"})
        after = client.get("/audit/contested")
    assert response.status_code == 503 and response.json()["type"].endswith("/query-timeout")
    assert after.status_code == 200
