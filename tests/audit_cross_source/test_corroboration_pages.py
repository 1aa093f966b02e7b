"""Corroboration one page at a time: pages continue each other without overlap, the total is every
row, `min_lines` keeps the corroborated allegations; in memory, over HTTP (JSON and HTML links) and
from the command line."""

from __future__ import annotations

import json

import pytest

from sahelkg.audit import reports as audit
from sahelkg.cli import main as cli
from tests.audit_cross_source.test_http_cli_html import parsed


def _keys(rows: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(r["about"], r["accused"], r["alleged role"]) for r in rows]


@pytest.fixture(scope="module")
def every_row(tarvo_store) -> audit.Report:
    return audit.corroboration(tarvo_store, limit=None)


def test_pages_continue_each_other_and_add_up_to_every_row(tarvo_store, every_row):
    total = len(every_row.rows)
    assert total > 6 and every_row.page is not None and every_row.page.total == total
    pages = [audit.corroboration(tarvo_store, limit=4, offset=offset) for offset in range(0, total, 4)]
    assert [len(p.rows) for p in pages] == [min(4, total - offset) for offset in range(0, total, 4)]
    assert [row for p in pages for row in p.rows] == every_row.rows  # same rows, same order, none twice
    assert {p.page.total for p in pages if p.page} == {total}
    assert pages[0].page and (pages[0].page.previous_offset, pages[0].page.next_offset) == (None, 4)
    assert pages[-1].page and pages[-1].page.next_offset is None
    assert pages[0].notes[0] == f"Showing rows 1–4 of {total}, most corroborated first."
    # The default page holds every row of a small store, with no paging note.
    assert audit.corroboration(tarvo_store).rows == every_row.rows
    assert not audit.corroboration(tarvo_store).notes[0].startswith("Showing")


def test_most_corroborated_first_and_min_lines(tarvo_store, every_row):
    lines = [int(r["lines of evidence"]) for r in every_row.rows]
    assert lines == sorted(lines, reverse=True) and lines[0] >= 3
    corroborated = audit.corroboration(tarvo_store, limit=None, min_lines=2)
    assert corroborated.rows == [r for r in every_row.rows if int(r["lines of evidence"]) >= 2]
    assert 0 < len(corroborated.rows) < len(every_row.rows)
    assert corroborated.notes[0].startswith(f"{len(corroborated.rows)} allegations with 2 or more lines of evidence")
    past_the_end = audit.corroboration(tarvo_store, limit=5, offset=1000)
    assert past_the_end.rows == [] and past_the_end.page and past_the_end.page.total == len(every_row.rows)


@pytest.mark.parametrize(("options", "message"), [({"limit": 0}, "limit must be 1 or more"),
                                                  ({"offset": -1}, "offset must be 0 or more"),
                                                  ({"min_lines": 0}, "min_lines must be 1 or more")])
def test_bad_paging_is_refused(tarvo_store, options, message):
    with pytest.raises(audit.AuditError, match=message):
        audit.corroboration(tarvo_store, **options)


def test_pages_over_http_as_json_and_html(tarvo_server, every_row):
    total = len(every_row.rows)
    with tarvo_server.client() as client:
        second = client.get("/audit/corroboration", params={"limit": 3, "offset": 3})
        page = client.get("/audit/corroboration", params={"limit": 3, "offset": 3}, headers={"Accept": "text/html"})
        everything = client.get("/audit/corroboration", params={"limit": 0, "min_lines": 1})
        bad = client.get("/audit/corroboration", params={"min_lines": 0})
    assert second.status_code == 200
    body = second.json()
    assert _keys(body["rows"]) == _keys(every_row.rows[3:6])
    assert body["page"] == {"offset": 3, "limit": 3, "total": total, "nextOffset": 6, "previousOffset": 0}
    assert _keys(everything.json()["rows"]) == _keys(every_row.rows) and everything.json()["page"]["limit"] is None
    html = parsed(page.text)
    assert html.cells[0] == every_row.rows[3]["about"]
    assert f"rows 4–6 of {total}" in page.text
    assert 'href="/audit/corroboration?limit=3&amp;offset=0" rel="prev"' in page.text
    assert 'href="/audit/corroboration?limit=3&amp;offset=6" rel="next"' in page.text
    assert bad.status_code == 400 and "min_lines" in bad.json()["detail"]


def test_pages_from_the_command_line(tarvo_server, capsys, every_row):
    remote = ["--remote-query", tarvo_server.url + "/sparql"]
    assert cli.main(["audit", "corroboration", "--limit", "2", "--offset", "2", "--format", "json", *remote]) == 0
    body = json.loads(capsys.readouterr().out)
    assert _keys(body["rows"]) == _keys(every_row.rows[2:4]) and body["page"]["nextOffset"] == 4
    assert cli.main(["audit", "corroboration", "--min-lines", "2", "--limit", "0", "--format", "csv", *remote]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert len(lines) == sum(1 for r in every_row.rows if int(r["lines of evidence"]) >= 2)
    with pytest.raises(SystemExit):
        cli.main(["audit", "corroboration", "--offset", "-3", *remote])
    assert "is negative" in capsys.readouterr().err
