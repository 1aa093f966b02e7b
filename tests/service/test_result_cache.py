"""The result cache, through the real server: repeated queries are answered from memory, GET
answers revalidate with ETag/If-None-Match, every write invalidates, `no-cache` bypasses it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import start_server

TOKEN = "cache-test-token"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/cache> { ?s ?p ?o } }"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(seed_nquads):
    server = start_server(str(seed_nquads), token=TOKEN, env={"SAHELKG_WORKERS": "2"})
    yield server
    server.stop()


def count(response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def insert(client, server, subject: str) -> None:
    update = f"INSERT DATA {{ GRAPH <http://example.org/cache> {{ <http://example.org/{subject}> " \
             f"<http://www.w3.org/2000/01/rdf-schema#label> \"{subject}\" }} }}"
    response = client.post("/update", content=update, headers={**server.auth(), "Content-Type": "application/sparql-update"})
    assert response.status_code in (200, 204), response.text


def test_repeated_query_is_a_hit_and_revalidates_with_304(server):
    with server.client() as client:
        url = "/sparql?query=" + quote(COUNT + " # repeat")
        first = client.get(url, headers=JSON)
        second = client.get(url, headers=JSON)
        assert first.status_code == second.status_code == 200
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        assert first.content == second.content
        assert first.headers["etag"] == second.headers["etag"]
        assert first.headers["cache-control"] == "no-cache"
        not_modified = client.get(url, headers={**JSON, "If-None-Match": first.headers["etag"]})
        assert not_modified.status_code == 304 and not_modified.content == b""
        # Another format is another entry: never the JSON body under a CSV request.
        csv = client.get(url, headers={"Accept": "text/csv"})
        assert csv.headers["x-cache"] == "miss" and csv.headers["content-type"].startswith("text/csv")


def test_a_write_then_a_read_never_sees_the_old_result(server):
    with server.client() as client:
        url = "/sparql?query=" + quote(COUNT)
        before = client.get(url, headers=JSON)
        assert client.get(url, headers=JSON).headers["x-cache"] == "hit"
        for i in range(3):
            insert(client, server, f"write-{i}")
            after = client.get(url, headers=JSON)
            assert after.headers["x-cache"] == "miss"
            assert count(after) == count(before) + 1
            # The client's copy from before the write is stale: a full answer, not 304.
            stale = client.get(url, headers={**JSON, "If-None-Match": before.headers["etag"]})
            assert stale.status_code == 200 and count(stale) == count(after)
            assert after.headers["etag"] != before.headers["etag"]
            before = after


def test_no_cache_requests_and_volatile_queries_are_evaluated_again(server):
    with server.client() as client:
        url = "/sparql?query=" + quote(COUNT + " # fresh")
        client.get(url, headers=JSON)
        forced = client.get(url, headers={**JSON, "Cache-Control": "no-cache"})
        assert forced.headers["x-cache"] == "miss"
        assert client.get(url, headers={**JSON, "Pragma": "no-cache"}).headers["x-cache"] == "miss"
        volatile = "/sparql?query=" + quote("SELECT (STRUUID() AS ?u) {}")
        first, second = client.get(volatile, headers=JSON), client.get(volatile, headers=JSON)
        assert "etag" not in first.headers
        assert first.json()["results"]["bindings"] != second.json()["results"]["bindings"]


def test_post_queries_share_the_cache_and_saved_queries_use_it(server):
    with server.client() as client:
        text = COUNT + " # post"
        first = client.post("/sparql", content=text, headers={**JSON, "Content-Type": "application/sparql-query"})
        second = client.post("/sparql", data={"query": text}, headers=JSON)
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        # cq2's only parameter is optional: the saved query runs as it is, twice.
        runs = [client.get("/queries/cq2-disputed-allegations", headers=JSON) for _ in range(2)]
        assert [r.status_code for r in runs] == [200, 200]
        assert [r.headers["x-cache"] for r in runs] == ["miss", "hit"]
        assert runs[0].content == runs[1].content
