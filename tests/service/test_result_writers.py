"""Result writers: pyoxigraph writes solutions and booleans, and the row cap still holds exactly.

The writer's output is counted as it is written (a byte pattern per row); a literal that holds
the pattern only makes the count high, and then the query runs again to be counted exactly.
"""

from __future__ import annotations

import csv
import io

import httpx
import pyoxigraph as ox
import pytest

from sahelkg.sparql import protocol
from sahelkg.store import ResultTooLarge

CAP = 50  # SAHELKG_MAX_RESULT_ROWS of the read_only_server fixture


def grid(rows: int, value: str = "") -> str:
    """Given a row count, return a query with that many solutions (and a literal column `value`)."""
    tens, units = divmod(rows, 10)
    parts = []
    if tens:
        parts.append(f"{{ VALUES ?a {{ {' '.join(str(i) for i in range(tens))} }} "
                     f"VALUES ?b {{ {' '.join(str(i) for i in range(10))} }} }}")
    if units:
        parts.append(f"{{ VALUES ?a {{ {tens} }} VALUES ?b {{ {' '.join(str(i) for i in range(units))} }} }}")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'SELECT ?a ?b ?v WHERE {{ {" UNION ".join(parts)} BIND("{escaped}" AS ?v) }} ORDER BY ?a ?b'


def count_rows(media_type: str, body: bytes) -> int:
    """Given a results document, return how many solutions it holds (read by a real parser)."""
    if media_type == "text/csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    return len(list(ox.parse_query_results(body, format=results_format)))


# A literal holding every row mark: a JSON row start, a line break, an XML tag.
TRICKY = 'a},{"b"\r\n[{<result> \t'


@pytest.fixture(scope="module")
def empty_store() -> ox.Store:
    return ox.Store()


@pytest.mark.parametrize("media_type", protocol.RESULT_TYPES)
@pytest.mark.parametrize("value", ["plain", TRICKY])
def test_a_result_at_the_cap_is_written_whole(empty_store, media_type, value):
    runs = []

    def evaluate():
        runs.append(1)
        return empty_store.query(grid(CAP, value))

    kind, chosen, body = protocol.write_answer(evaluate, {"solutions": media_type}, max_rows=CAP)
    assert (kind, chosen) == ("solutions", media_type)
    assert count_rows(media_type, body) == CAP
    if media_type != "text/csv":  # pyoxigraph reads back what was written: the value survived
        values = {s["v"].value for s in ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media_type))}
        assert values == {value}
    # Only a literal holding a row mark that its format does not escape costs more runs: one to
    # count the solutions, one to write them.
    false_alarm = value == TRICKY and media_type in ("application/sparql-results+json", "text/csv")
    assert len(runs) == (3 if false_alarm else 1)
    assert body == empty_store.query(grid(CAP, value)).serialize(format=ox.QueryResultsFormat.from_media_type(media_type))


@pytest.mark.parametrize("media_type", protocol.RESULT_TYPES)
@pytest.mark.parametrize("value", ["plain", TRICKY])
def test_one_row_past_the_cap_is_refused(empty_store, media_type, value):
    with pytest.raises(ResultTooLarge):
        protocol.write_answer(lambda: empty_store.query(grid(CAP + 1, value)), {"solutions": media_type}, max_rows=CAP)


@pytest.mark.parametrize("media_type", protocol.RESULT_TYPES)
def test_without_a_cap_the_body_is_pyoxigraphs_own(empty_store, media_type):
    query = grid(137, TRICKY)
    _, _, body = protocol.write_answer(lambda: empty_store.query(query), {"solutions": media_type})
    expected = empty_store.query(query).serialize(format=ox.QueryResultsFormat.from_media_type(media_type))
    assert body == expected


def test_booleans_and_unacceptable_kinds(empty_store):
    kind, media_type, body = protocol.write_answer(lambda: empty_store.query("ASK {}"),
                                                   {"boolean": "application/sparql-results+xml"})
    assert kind == "boolean" and b"<boolean>true</boolean>" in body
    assert protocol.write_answer(lambda: empty_store.query("ASK {}"), {"solutions": "text/csv"}) == ("boolean", None, b"")


def test_graph_results_keep_the_cap(empty_store):
    construct = "CONSTRUCT { ?s <http://p> ?b } WHERE { VALUES ?s { <http://a> <http://b> } VALUES ?b { 1 2 3 } }"
    _, _, body = protocol.write_answer(lambda: empty_store.query(construct), {"graph": "application/n-triples"},
                                       max_rows=6)
    assert len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == 6
    with pytest.raises(ResultTooLarge):
        protocol.write_answer(lambda: empty_store.query(construct), {"graph": "text/turtle"}, max_rows=5)


# -- through the service -------------------------------------------------------------------------
def _ask(server, query: str, media_type: str) -> httpx.Response:
    return httpx.get(server.url + "/sparql", params={"query": query}, headers={"accept": media_type}, timeout=30)


@pytest.mark.parametrize("media_type", protocol.RESULT_TYPES)
def test_the_service_serves_the_cap_and_refuses_one_more(read_only_server, media_type):
    for value in ("plain", TRICKY):
        at_cap = _ask(read_only_server, grid(CAP, value), media_type)
        assert at_cap.status_code == 200, at_cap.text
        assert at_cap.headers["content-type"].split(";")[0] == media_type
        assert count_rows(media_type, at_cap.content) == CAP
        past = _ask(read_only_server, grid(CAP + 1, value), media_type)
        assert past.status_code == 400
        assert past.json()["type"].endswith("result-too-large") and str(CAP) in past.json()["detail"]
