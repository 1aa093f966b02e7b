"""Time the query workers' result writing: pyoxigraph's writers (protocol.write_answer) against
materialising every term and writing it in Python (materialise + protocol.serialize, the old way).

    .venv/bin/python bench/result_writers.py [--rows 1000,10000,100000] [--repeat 5] [--out FILE]

Both sides run the same SELECT on the same in-memory store, in this process (what a query worker
does between receiving a query and sending the body back), with the service's default row cap
(100,000): medians of --repeat runs per format and size, and their ratio, in one run. Writes
bench/results/result_writers.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from sahelkg.config import Settings
from sahelkg.sparql import protocol
from sahelkg.store import materialise

SKOS_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
COUNT = ox.NamedNode("https://w3id.org/sahelkg/ontology#minimum")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def build_store(actors: int) -> ox.Store:
    """Given a number of actors, return a store with a label and a count for each (3 terms a row)."""
    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/bench")
    quads = []
    for i in range(actors):
        actor = ox.NamedNode(f"https://w3id.org/sahelkg/id/actor/bench-{i}")
        quads.append(ox.Quad(actor, SKOS_LABEL, ox.Literal(f"Actor n°{i}, “quoted”", language="fr"), graph))
        quads.append(ox.Quad(actor, COUNT, ox.Literal(str(i), datatype=XSD_INTEGER), graph))
    store.bulk_extend(quads)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "result_writers.json"))
    args = parser.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    cap = Settings().max_result_rows
    store = build_store(max(sizes))
    rows = []
    for size in sizes:
        query = (f"SELECT ?actor ?label ?count WHERE {{ GRAPH ?g {{ ?actor <{SKOS_LABEL.value}> ?label ; "
                 f"<{COUNT.value}> ?count }} }} LIMIT {size}")
        for media_type in protocol.RESULT_TYPES:
            old, new = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                old_body = protocol.serialize(materialise(store.query(query), cap), media_type)
                old.append(time.perf_counter() - started)
                started = time.perf_counter()
                _, _, new_body = protocol.write_answer(lambda q=query: store.query(q), {"solutions": media_type}, cap)
                new.append(time.perf_counter() - started)
            old_median, new_median = statistics.median(old), statistics.median(new)
            rows.append({"rows": size, "media_type": media_type, "python_writer_s": round(old_median, 4),
                         "pyoxigraph_writer_s": round(new_median, 4), "speedup": round(old_median / new_median, 2),
                         "python_bytes": len(old_body), "pyoxigraph_bytes": len(new_body)})
    result = {"command": "bench/result_writers.py --rows " + args.rows + f" --repeat {args.repeat}",
              "machine": platform.platform(), "python": platform.python_version(), "pyoxigraph": ox.__version__,
              "row_cap": cap, "results": rows}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| rows | format | Python writer (s) | pyoxigraph writer (s) | speed-up |")
    print("|---:|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['rows']:,} | {r['media_type']} | {r['python_writer_s']:.4f} | {r['pyoxigraph_writer_s']:.4f} "
              f"| {r['speedup']:.2f}× |")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
