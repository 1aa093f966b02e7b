"""Issue 14, service items 2 and 6: an update does not stall other requests (its parsing, planning
and SHACL gate run in a worker process), and the first concurrent writes after a start all succeed."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.service.conftest import REPO, start_server

TOKEN = "isolation-token"
REFERENCE = "https://w3id.org/sahelkg/graph/reference"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
TRIPLES_PER_UPDATE = 1500
UPDATES = 3


@pytest.fixture(scope="module")
def seeded(seed_nquads):
    server = start_server(str(seed_nquads), token=TOKEN, env={"SAHELKG_WORKERS": "3"})
    yield server
    server.stop()


def _actors(client: httpx.Client) -> list[str]:
    query = ("SELECT DISTINCT ?a WHERE { ?a <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
             "FILTER(STRSTARTS(STR(?a), 'https://w3id.org/sahelkg/id/actor/')) } ORDER BY ?a")
    return [b["a"]["value"] for b in client.get("/sparql", params={"query": query}).json()["results"]["bindings"]]


def _update_text(actors: list[str], round_: int) -> str:
    """1,500 valid triples (aliases of actors, so the gate validates every actor they touch)."""
    lines = [f'a:{actors[i % len(actors)].rsplit("/", 1)[1]} skos:altLabel "alias {round_}-{i}"@en .'
             for i in range(TRIPLES_PER_UPDATE)]
    return ("PREFIX a: <https://w3id.org/sahelkg/id/actor/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            f"INSERT DATA {{ GRAPH <{REFERENCE}> {{\n" + "\n".join(lines) + "\n} }")


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def test_point_lookups_keep_their_latency_while_big_updates_run_back_to_back(seeded):
    with seeded.client() as client:
        actors = _actors(client)
        assert len(actors) > 10
        lookup = {"query": f"SELECT ?p ?o WHERE {{ <{actors[0]}> ?p ?o }} LIMIT 5"}

        def one_lookup() -> float:
            started = time.perf_counter()
            client.get("/sparql", params=lookup).raise_for_status()
            return time.perf_counter() - started

        idle = [one_lookup() for _ in range(150)]
        statuses: list[int] = []

        def writer() -> None:
            with seeded.client() as writes:
                for round_ in range(UPDATES):
                    response = writes.post("/update", content=_update_text(actors, round_).encode(),
                                           headers={**seeded.auth(), "content-type": "application/sparql-update"})
                    statuses.append(response.status_code)

        thread = threading.Thread(target=writer)
        thread.start()
        busy: list[float] = []
        deadline = time.monotonic() + 240
        while thread.is_alive() and time.monotonic() < deadline:
            busy.append(one_lookup())
        thread.join(5)
        assert statuses == [204] * UPDATES
        assert len(busy) >= 50, "the updates finished before enough lookups were measured"
        idle_p99, busy_p99 = _p99(idle), _p99(busy)
        print(f"\npoint lookups: idle p50 {statistics.median(idle) * 1e3:.1f} ms p99 {idle_p99 * 1e3:.1f} ms; "
              f"during {UPDATES} updates of {TRIPLES_PER_UPDATE} triples: p50 {statistics.median(busy) * 1e3:.1f} ms "
              f"p99 {busy_p99 * 1e3:.1f} ms ({len(busy)} lookups); ratio {busy_p99 / idle_p99:.2f}")
        # 2× idle is the goal; 20 ms absorbs the scheduling noise of a shared 2-core machine. Before
        # the updates left the web process, p99 was the whole parse-and-validate time: seconds.
        assert busy_p99 <= 2 * idle_p99 + 0.020
        # Read-your-writes still holds: the last alias is visible to the next query.
        last = f'"alias {UPDATES - 1}-{TRIPLES_PER_UPDATE - 1}"@en'
        assert client.get("/sparql", params={"query": f"ASK {{ ?a <{ALT_LABEL}> {last} }}"}).json()["boolean"]


def test_a_refused_or_malformed_update_in_the_worker_gives_the_same_errors(seeded):
    with seeded.client() as client:
        headers = {**seeded.auth(), "content-type": "application/sparql-update"}
        malformed = client.post("/update", content=b"INSERT DATA { <urn:a> <urn:b> ", headers=headers)
        assert malformed.status_code == 400 and "line" in malformed.json()["detail"]
        bad = client.post("/update", headers=headers, content=(
            f"INSERT DATA {{ GRAPH <{REFERENCE}> {{ <https://w3id.org/sahelkg/id/actor/fama> "
            f"<http://www.w3.org/2004/02/skos/core#altLabel> 'no language' }} }}").encode())
        assert bad.status_code == 422 and bad.json()["report"]["results"]
        gsp = client.put("/store", params={"graph": "urn:isolation"}, content=b"<urn:a> <urn:b> ",
                         headers={**seeded.auth(), "content-type": "text/turtle"})
        assert gsp.status_code == 400 and gsp.json()["type"].endswith("malformed-rdf")


def test_the_first_concurrent_writes_after_a_start_all_succeed():
    data = REPO / "tests" / "service" / "data" / "small.trig"
    for attempt in range(2):  # two fresh starts: the race showed on some starts only
        server = start_server(str(data), token=TOKEN, env={"SAHELKG_WORKERS": "3"})
        try:
            def write(i: int, server=server, attempt=attempt) -> int:
                if i % 2:
                    return httpx.put(f"{server.url}/store", params={"graph": f"urn:first-{attempt}-{i}"},
                                     content=f"<urn:s> <urn:p> {i} .".encode(), timeout=120,
                                     headers={**server.auth(), "content-type": "text/turtle"}).status_code
                return httpx.post(f"{server.url}/update", timeout=120, headers={
                    **server.auth(), "content-type": "application/sparql-update"},
                    content=f"INSERT DATA {{ GRAPH <urn:first-{attempt}-{i}> {{ <urn:s> <urn:p> {i} }} }}".encode(),
                ).status_code

            with ThreadPoolExecutor(6) as pool:
                statuses = list(pool.map(write, range(6)))
            assert statuses == [204, 201, 204, 201, 204, 201]
            for i in range(6):
                ask = httpx.get(f"{server.url}/sparql", params={
                    "query": f"ASK {{ GRAPH <urn:first-{attempt}-{i}> {{ <urn:s> <urn:p> {i} }} }}"})
                assert ask.json()["boolean"] is True
        finally:
            server.stop()
