"""Time one large replacing write (a Graph Store PUT: remove a graph's N triples, add N others) on an
on-disk store, three ways side by side, and write the medians to a file.

    .venv/bin/python bench/store_apply.py [TRIPLES] [--repeat N] [--out FILE]

  journal    EmbeddedStore.apply: the change written to a journal file (fsync, rename), then
             removed quad by quad and added in one transaction, then the journal removed (atomic
             across a crash: the next open replays the journal)
  update     one SPARQL update `DELETE DATA {…} ; INSERT DATA {…}` (one Oxigraph transaction;
             cannot name blank nodes, so it cannot serve every change)
  unguarded  the same removals and addition as `journal`, without the journal (what apply did
             before: a crash half-way leaves the graph half replaced)

Default: 20,000 triples, 5 repeats, bench/results/store_apply.json.

    .venv/bin/python bench/store_apply.py --import-rows ROWS [--repeat N] [--out FILE]

times instead the write of an ACLED import of ROWS synthetic rows (bench/import_acled.py) into an
in-memory store holding the seed, side by side: `EmbeddedStore.apply` now (bulk_load of the new
graph, catalog record last) and as it was (one `Store.load` transaction of the whole text).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads, decode

sys.path.insert(0, str(Path(__file__).parent))

G = ox.NamedNode("http://example.org/graph/put")
P = ox.NamedNode("http://example.org/value")


def version(tag: str, n: int) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(f"http://example.org/{tag}/{i}"), P, ox.Literal(f"{tag}-{i}"), G) for i in range(n)]


def data_block(quads: list[ox.Quad]) -> str:
    return "GRAPH " + str(G) + " { " + "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads) + " }"


def timed(way: str, n: int) -> float:
    old, new = version("old", n), version("new", n)
    with tempfile.TemporaryDirectory(prefix="sahelkg-apply-bench-", ignore_cleanup_errors=True) as tmp:
        store = EmbeddedStore(Path(tmp) / "store")
        store.apply(Change(additions=tuple(old)))
        started = time.perf_counter()
        if way == "journal":
            store.apply(Change(additions=tuple(new), removals=tuple(old)))
        elif way == "update":
            store.oxigraph.update(f"DELETE DATA {{ {data_block(old)} }} ;\nINSERT DATA {{ {data_block(new)} }}")
            store.oxigraph.flush()
        else:
            raw = store.oxigraph
            for quad in old:
                raw.remove(quad)
            raw.extend(new)
            raw.flush()
        elapsed = time.perf_counter() - started
        assert store.triple_count(G) == n
        store.close()
        raw = None  # the last reference to the Oxigraph store: RocksDB closes before the directory goes
    return elapsed


def import_write(way: str, rows: int, csv: Path) -> float:
    from import_acled import seed_store  # bench/ is on sys.path when this file runs

    from sahelkg.importers.acled import AcledImporter
    from sahelkg.store.encoded import ntriples

    store = seed_store(None)
    _, change = AcledImporter().plan(store, csv)
    assert change is not None and isinstance(change.additions, EncodedQuads)
    started = time.perf_counter()
    if way == "apply":
        store.apply(change)
    else:  # as before: the new graph's rows as one N-Triples text, one transaction
        graph = f"<{ns.GRAPH}import/"
        rows_new = [r for r in change.additions.rows if r[3].startswith(graph)]
        rest = [r for r in change.additions.rows if not r[3].startswith(graph)]
        store.oxigraph.load(ntriples(rows_new), format=ox.RdfFormat.N_TRIPLES, to_graph=decode(rows_new[0][3]),
                            lenient=True)
        store.oxigraph.extend(EncodedQuads(rest))
    return time.perf_counter() - started


def main_import(argv: list[str]) -> None:
    from import_acled import write_rows

    rows = int(argv[argv.index("--import-rows") + 1])
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    default = Path(__file__).parent / "results" / "store_apply_import.json"
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else default
    runs: dict[str, list[float]] = {"apply": [], "one transaction (before)": []}
    with tempfile.TemporaryDirectory(prefix="sahelkg-apply-bench-") as tmp:
        csv = Path(tmp) / "acled.csv"
        write_rows(csv, rows)
        for _ in range(repeat):
            for way in runs:
                runs[way].append(import_write(way, rows, csv))
    medians = {way: statistics.median(values) for way, values in runs.items()}
    for way, value in medians.items():
        print(f"{rows:,} rows, write {way}: median {value:.1f} s")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "command": "bench/store_apply.py " + " ".join(argv),
                               "rows": rows, "runs": runs, "medians": medians}, indent=2) + "\n")
    print(f"figures written to {out}")


def main(argv: list[str]) -> None:
    if "--import-rows" in argv:
        main_import(argv)
        return
    n = int(argv[0]) if argv and argv[0].isdigit() else 20_000
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path(__file__).parent / "results" / "store_apply.json"
    ways = ("journal", "update", "unguarded")
    runs: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(repeat):
        for way in ways:  # in turn: the machine's load falls on each alike
            runs[way].append(timed(way, n))
    medians = {way: statistics.median(values) for way, values in runs.items()}
    for way in ways:
        print(f"{way}: median {medians[way]:.2f} s ({medians[way] / medians['unguarded']:.2f}× unguarded)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "command": "bench/store_apply.py " + " ".join(argv),
                               "triples": n, "runs": runs, "medians": medians}, indent=2) + "\n")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
