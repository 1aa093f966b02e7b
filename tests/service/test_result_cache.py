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


def insert(client, server, subject: str, predicate: str = "http://www.w3.org/2000/01/rdf-schema#label") -> None:
    update = f"INSERT DATA {{ GRAPH <http://example.org/cache> {{ <http://example.org/{subject}> " \
             f"<{predicate}> \"{subject}\" }} }}"
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


# Slow enough (well over workers.FOOTPRINT_AFTER) that its worker works out the predicates it reads.
SLOW_LABELS = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/cache> { ?s "
               "<http://www.w3.org/2000/01/rdf-schema#label> ?o } "
               + " ".join(f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(6)) + " }")


def write_other(client, server, subject: str) -> None:
    insert(client, server, subject, "http://example.org/other")


def test_an_answer_outlives_writes_to_predicates_it_does_not_read_and_no_others(server):
    with server.client() as client:
        url = "/sparql?query=" + quote(SLOW_LABELS)
        first = client.get(url, headers=JSON)  # a text seen once: no footprint asked for
        write_other(client, server, "unrelated-0")
        for _ in range(3):  # asked again: its worker reports the predicates it reads; then stored
            settled = client.get(url, headers=JSON)  # under the generation of the last rdfs:label write
        assert settled.headers["x-cache"] == "hit"
        write_other(client, server, "unrelated-1")
        kept = client.get(url, headers=JSON)
        assert kept.headers["x-cache"] == "hit", "a write to another predicate dropped the answer"
        assert kept.content == settled.content == first.content
        assert client.get(url, headers={**JSON, "If-None-Match": kept.headers["etag"]}).status_code == 304
        insert(client, server, "label-after")  # a write to rdfs:label: the answer must change
        after = client.get(url, headers=JSON)
        assert after.headers["x-cache"] == "miss"
        assert count(after) == count(kept) + 10 ** 6
        assert client.get(url, headers={**JSON, "If-None-Match": kept.headers["etag"]}).status_code == 200
        # A query that reads every predicate is dropped by any write.
        every = "/sparql?query=" + quote(SLOW_LABELS.replace("<http://www.w3.org/2000/01/rdf-schema#label>", "?p"))
        for _ in range(3):
            before = client.get(every, headers=JSON)
        assert before.headers["x-cache"] == "hit"
        write_other(client, server, "unrelated-2")
        changed = client.get(every, headers=JSON)
        assert changed.headers["x-cache"] == "miss" and count(changed) == count(before) + 10 ** 6
