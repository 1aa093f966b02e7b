"""The cross-source audits over HTTP on the real service (JSON, Markdown, CSV and HTML), the incident's own
page, and the same audits from the command line against that service."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from sahelkg.audit import reports as audit
from sahelkg.cli import main as cli
from tests.audit_cross_source.conftest import INCIDENT


class _Cells(HTMLParser):
    """Collects the text of table cells and of h1/h2 headings."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.headings: list[str] = []
        self._into: list[str] | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "h1", "h2"):
            self._into, self._text = (self.cells if tag == "td" else self.headings), ""

    def handle_endtag(self, tag):
        if tag in ("td", "h1", "h2") and self._into is not None:
            self._into.append(" ".join(self._text.split()))
            self._into = None

    def handle_data(self, data):
        if self._into is not None:
            self._text += data


def parsed(text: str) -> _Cells:
    cells = _Cells()
    cells.feed(text)
    return cells


def test_the_dossier_as_json_equals_the_in_memory_one(tarvo_server, tarvo_store):
    with tarvo_server.client() as client:
        by_query = client.get("/audit/incident", params={"incident": "incident:tarvo-2025-03-04"})
        by_path = client.get("/audit/incident/tarvo-2025-03-04")
    assert by_query.status_code == 200 and by_query.headers["content-type"] == "application/json"
    assert by_query.json() == by_path.json() == audit.run_audit(tarvo_store, "incident", INCIDENT).to_dict()
    flags = [r["flags"] for r in by_query.json()["rows"]]
    assert sum("ranges do not overlap" in f for f in flags) == 3 and sum("status disputed" in f for f in flags) == 3


def test_the_dossier_page_in_the_workbench_layout(tarvo_server):
    with tarvo_server.client() as client:
        page = client.get("/audit/incident", params={"incident": INCIDENT}, headers={"Accept": "text/html"})
        own = client.get("/id/incident/tarvo-2025-03-04", headers={"Accept": "text/html"})
    for response in (page, own):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        assert 'class="site-header"' in response.text  # the base layout
        assert "script-src" not in response.headers["content-security-policy"]
        html = parsed(response.text)
        assert html.headings[:3] == ["Incident dossier: Killings in Tarvo, 4 March 2025 (fictional)",
                                     "Figures side by side (6)", "Who claimed responsibility (2)"]
        assert "described as “armed men on motorbikes”, possibly Tarvo Liberation Front (TLF) (possible)" in html.cells
        assert html.cells.count("ranges do not overlap (claim:acled-fx-1); status disputed "
                                "(claim:fx-courier-army-operation)") == 2
    assert '<a href="/id/claim/fx-courier-army-operation">claim:fx-courier-army-operation</a>' in page.text


@pytest.mark.parametrize(("path", "params", "first_line"), [
    ("/audit/adversaries", {}, "# Accusations between adversaries"),
    ("/audit/answers", {}, "# Denials and rejections by kind of actor"),
    ("/audit/alleged", {"by": "ORW", "against": "actor:osm-army"},
     "# What Osmara Rights Watch (ORW) alleged against Osmaran Army (OSA) and its affiliates"),
    ("/audit/incident", {"incident": "tarvo-2025-03-04"}, "# Incident dossier: Killings in Tarvo, 4 March 2025 (fictional)"),
])
def test_every_new_audit_as_markdown(tarvo_server, path, params, first_line):
    with tarvo_server.client() as client:
        response = client.get(path, params=params, headers={"Accept": "text/markdown"})
    assert response.status_code == 200 and response.text.splitlines()[0] == first_line


def test_the_new_audits_as_csv_and_html_tables(tarvo_server):
    with tarvo_server.client() as client:
        answers = client.get("/audit/answers", params={"format": "csv"})
        corroboration = client.get("/audit/corroboration", headers={"Accept": "text/html"})
        adversaries = client.get("/audit/adversaries", params={"format": "html"})
    assert answers.text.splitlines()[1:] == [
        "armed group,Tarvo Liberation Front (TLF),rejects,claim:fx-courier-tlf-rejects-video,"
        "Army video of the Tarvo operation (fictional) (doc:fx-army-video),fabricated,2025-03-07",
        "communal group,Kel Ansar,denies,claim:a000-s5-kel-ansar-denial,claim:a000-s3-kal-akal-accuses; "
        "claim:a000-s4-csp-dpa-accuses; denies Malian Armed Forces (FAMa),,2025-01-02 or later (date not given)",
        "government,Government of Osmara,rejects,claim:fx-courier-government-rejects,"
        "ORW statement on Tarvo (fictional) (doc:fx-orw-statement),biased,2025-03-07",
        "state armed force,Osmaran Army (OSA),denies,claim:fx-courier-army-denies,"
        "claim:fx-courier-residents-accuse; denies Osmaran Army (OSA),,2025-03-07"]
    cells = parsed(corroboration.text).cells
    assert cells[:6] == ["Killings in Tarvo, 4 March 2025 (fictional)", "Osmaran Army (OSA)", "perpetrator", "4",
                         "Osmara Rights Watch (ORW); Osmaran Army (OSA); Tarvo Liberation Front (TLF); "
                         "Tarvo Residents' Association", "3"]
    assert parsed(adversaries.text).cells.count("Tarvo Liberation Front (TLF)") == 1


def test_bad_requests_are_clear_problems(tarvo_server):
    with tarvo_server.client() as client:
        unknown = client.get("/audit/incident", params={"incident": "nowhere"})
        missing = client.get("/audit/incident")
        no_actor = client.get("/audit/alleged", params={"by": "ORW", "against": "nobody-at-all"})
    assert unknown.status_code == 404 and "no incident or event 'nowhere'" in unknown.json()["detail"]
    assert missing.status_code == 400 and "parameter 'incident'" in missing.json()["detail"]
    assert no_actor.status_code == 404 and "no actor is called 'nobody-at-all'" in no_actor.json()["detail"]


def test_the_command_line_runs_each_audit_against_the_service(tarvo_server, capsys):
    remote = ["--remote-query", tarvo_server.url + "/sparql"]
    assert cli.main(["audit", "incident", "incident:tarvo-2025-03-04", "--format", "json", *remote]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [r["claim"] for r in body["rows"]][-1] == "claim:acled-fx-1"
    assert cli.main(["audit", "alleged", "ORW", "Osmaran Army", "--format", "csv", *remote]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["Osmaran Army (OSA)", "the actor itself", "perpetrator"],
        ["Tarvo Self-Defence Militia", "auxiliary of the actor", "contributor"]]
    assert cli.main(["audit", "adversaries", *remote]) == 0
    assert "| Tarvo Liberation Front (TLF) | Osmaran Army (OSA) | perpetrator |" in capsys.readouterr().out
    assert cli.main(["audit", "answers", "--format", "json", *remote]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 4
    assert cli.main(["audit", "incident", "nowhere", *remote]) == 2
    assert "no incident or event 'nowhere'" in capsys.readouterr().err
