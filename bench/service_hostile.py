"""The service under hostile load (issue 14, items 1 and 2), side by side in one run:

    .venv/bin/python bench/service_hostile.py [--updates 3] [--slow-clients 2000] [--repeat 3]

1. point lookups (`SELECT ?p ?o { <actor> ?p ?o } LIMIT 5`) idle, then while updates of 1,500
   valid triples run back to back (each parsed, planned and validated in a worker process);
2. `ASK` over a new connection idle, then with N half-open connections held open, the server
   started with a 1,024 open-file limit (soft and hard).

Writes bench/results/service_hostile.json (medians and p99 per repeat, ratios) and prints a summary.
Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "service_hostile.json"
sys.path.insert(0, str(ROOT / "src"))
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict[str, str], preexec=None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port), *args],
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=preexec)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            if httpx.get(url + "/sparql", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def update_text(actors: list[str], round_: int) -> str:
    lines = [f'a:{actors[i % len(actors)].rsplit("/", 1)[1]} skos:altLabel "alias {round_}-{i}"@en .' for i in range(1500)]
    return ("PREFIX a: <https://w3id.org/sahelkg/id/actor/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "INSERT DATA { GRAPH <https://w3id.org/sahelkg/graph/reference> {\n" + "\n".join(lines) + "\n} }")


def lookups_during_updates(url: str, updates: int, round_base: int) -> dict:
    client = httpx.Client(base_url=url, timeout=120)
    query = ("SELECT DISTINCT ?a WHERE { ?a <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
             "FILTER(STRSTARTS(STR(?a), 'https://w3id.org/sahelkg/id/actor/')) } ORDER BY ?a")
    actors = [b["a"]["value"] for b in client.get("/sparql", params={"query": query}).json()["results"]["bindings"]]
    lookup = {"query": f"SELECT ?p ?o WHERE {{ <{actors[0]}> ?p ?o }} LIMIT 5"}

    def one() -> float:
        started = time.perf_counter()
        client.get("/sparql", params=lookup).raise_for_status()
        return time.perf_counter() - started

    idle = [one() for _ in range(200)]
    durations: list[float] = []

    def writer() -> None:
        with httpx.Client(base_url=url, timeout=600) as writes:
            for r in range(updates):
                started = time.perf_counter()
                writes.post("/update", content=update_text(actors, round_base + r).encode(), headers={
                    "authorization": f"Bearer {TOKEN}", "content-type": "application/sparql-update"}).raise_for_status()
                durations.append(time.perf_counter() - started)

    thread = threading.Thread(target=writer)
    thread.start()
    busy = []
    while thread.is_alive():
        busy.append(one())
    thread.join()
    return {"idle_p50_ms": statistics.median(idle) * 1e3, "idle_p99_ms": p99(idle) * 1e3,
            "busy_p50_ms": statistics.median(busy) * 1e3, "busy_p99_ms": p99(busy) * 1e3,
            "p99_ratio": p99(busy) / p99(idle), "lookups_during_updates": len(busy),
            "update_seconds": durations}


def ask_latency(port: int, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Connection: close\r\n\r\n")
            while sock.recv(65536):
                pass
        out.append(time.perf_counter() - started)
    return out


def connections(slow_clients: int) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    process, url = start([str(ROOT / "tests" / "service" / "data" / "small.trig")], {"SAHELKG_WORKERS": "2"},
                         preexec=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
    port = int(url.rsplit(":", 1)[1])
    held = []
    try:
        idle = ask_latency(port, 50)
        for _ in range(slow_clients):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(sock)
        loaded = ask_latency(port, 50)
    finally:
        for sock in held:
            sock.close()
        process.terminate()
        process.wait(30)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return {"idle_median_ms": statistics.median(idle) * 1e3, "loaded_median_ms": statistics.median(loaded) * 1e3,
            "median_ratio": statistics.median(loaded) / statistics.median(idle), "slow_clients": slow_clients}


def main() -> None:
    import pyoxigraph as ox

    from sahelkg.dataset import loading

    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--slow-clients", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    seed = ROOT / "bench" / "out" / "seed.nq"
    seed.parent.mkdir(parents=True, exist_ok=True)
    seed.write_bytes(ox.serialize(loading.dataset_quads(loading.seed_paths()), format=ox.RdfFormat.N_QUADS))
    process, url = start([str(seed)], {"SAHELKG_WRITE_TOKEN": TOKEN, "SAHELKG_WORKERS": "3"})
    try:
        writes = [lookups_during_updates(url, args.updates, r * args.updates) for r in range(args.repeat)]
    finally:
        process.terminate()
        process.wait(30)
    flood = [connections(args.slow_clients) for _ in range(args.repeat)]
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average": os.getloadavg()},
              "lookups_during_updates": writes, "ask_with_half_open_connections": flood,
              "median_p99_ratio_during_updates": statistics.median(w["p99_ratio"] for w in writes),
              "median_ratio_with_half_open_connections": statistics.median(f["median_ratio"] for f in flood)}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for w in writes:
        print(f"lookups: idle p50 {w['idle_p50_ms']:.1f} p99 {w['idle_p99_ms']:.1f} ms | during {args.updates} updates "
              f"p50 {w['busy_p50_ms']:.1f} p99 {w['busy_p99_ms']:.1f} ms | p99 ratio {w['p99_ratio']:.2f}")
    for f in flood:
        print(f"ASK on a new connection: idle {f['idle_median_ms']:.1f} ms, with {f['slow_clients']} half-open "
              f"{f['loaded_median_ms']:.1f} ms | ratio {f['median_ratio']:.2f}")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
