"""Memory per worker count: the query-worker designs of sahelkg.store.workers side by side.

    .venv/bin/python bench/worker_memory.py --events 8000 80000 --workers 2 6 12

For each size (bench/synthetic.py data) and design, start the real service (`python -m
sahelkg.web.app`) with 2, 6, 12 workers, run one fixed list of queries of the standard mix
(bench/run.py) from 4 HTTP clients and measure the PSS of the process tree after it; `oxigraph
serve` (in memory) runs the same list. Designs:
  forked      copy-on-write in-memory snapshots, re-forked on every write (SAHELKG_WORKER_STORE=forked)
  shared-shm  one RocksDB store in /dev/shm, workers read snapshots (SAHELKG_WORKER_STORE=shared);
              the store's tmpfs files are RAM, so they are added to its PSS
  shared-disk the same with the store on disk (`--store`); the OS page cache is not counted
With 6 workers it also times each query of the mix from one client (median), and, on an
IsolatedStore in this process, the cost of a one-quad write (`apply`) and the first read after it
(read-your-writes: the catch-up). Writes bench/results/worker_memory.json; the Markdown table for
bench/RESULTS.md ("Memory per worker count") is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import run as bench  # noqa: E402
import synthetic  # noqa: E402

DESIGNS = ("forked", "shared-shm", "shared-disk")
# `--baseline-src DIR`: the forked design as another tree's src/ runs it, beside this one's.
BASELINE = "forked (baseline)"
BASELINE_SRC: list[str] = []
RESULTS = ROOT / "bench" / "results" / "worker_memory.json"
# This run's own tmpfs folder: what is in it is this run's store, nobody else's.
SHM = Path("/dev/shm") / f"worker-memory-{os.getpid()}"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def data_file(n_events: int) -> Path:
    path = bench.OUT / f"events-{n_events}.nq"
    if not path.exists():
        bench.OUT.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            handle.writelines(synthetic.generate(n_events, seed=42))
    return path


def fixed_queries(n_events: int, count: int) -> list[tuple[str, str]]:
    """Return `count` (name, query) pairs drawn from the standard mix with a fixed seed."""
    mix = bench.query_mix(n_events)
    names = list(mix)
    rng = random.Random(42)
    picks = rng.choices(names, [mix[n][0] for n in names], k=count)
    return [(name, mix[name][1](rng)) for name in picks]


def run_fixed(url: str, queries: list[tuple[str, str]], clients: int) -> dict:
    """Run the list from `clients` threads (each takes the next query); return wall time and failures."""
    todo = list(reversed(queries))
    lock = threading.Lock()
    failures = [0]

    def client() -> None:
        with httpx.Client(timeout=600, headers={"accept": "application/sparql-results+json"}) as http:
            while True:
                with lock:
                    if not todo:
                        return
                    _, text = todo.pop()
                try:
                    ok = http.post(url, data={"query": text}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    with lock:
                        failures[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": time.monotonic() - started, "failed": failures[0]}


def latencies(url: str, n_events: int) -> dict[str, float]:
    """Given a server, return the median ms of each query of the mix, one client, after a warm-up."""
    mix = bench.query_mix(n_events)
    out = {}
    with httpx.Client(timeout=600, headers={"accept": "application/sparql-results+json"}) as http:
        for name, (_, make) in mix.items():
            rng = random.Random(5)
            times = []
            for i in range(21 if name == "point lookup" else 4 if n_events <= 10000 else 3):
                text = make(rng)
                t = time.monotonic()
                http.post(url, data={"query": text}).raise_for_status()
                if i:  # the first one warms caches
                    times.append(time.monotonic() - t)
            out[name] = statistics.median(times) * 1000
    return out


def start_service(data: Path, design: str, workers: int, scratch: Path) -> tuple[bench.Server, Path | None]:
    port = bench.free_port()
    # No result cache: the fixed list repeats queries, and every one must reach a worker.
    env = dict(os.environ, SAHELKG_QUERY_TIMEOUT="600", SAHELKG_MAX_RESULT_ROWS="1000000", SAHELKG_RESULT_CACHE_BYTES="0",
               SAHELKG_WORKERS=str(workers), SAHELKG_WORKER_STORE="shared" if design.startswith("shared") else "forked",
               SAHELKG_SHARED_MEMORY_DIR=str(SHM))
    if design == BASELINE:
        env["PYTHONPATH"] = os.pathsep.join([BASELINE_SRC[0], env.get("PYTHONPATH", "")])
    args = [sys.executable, "-m", "sahelkg.web.app", "--port", str(port)]
    store_dir = None
    if design == "shared-disk":
        store_dir = scratch / f"store-{port}"
        args += ["--store", str(store_dir)]
    started = time.monotonic()
    process = subprocess.Popen(args + [str(data)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    bench.wait_ready(url, process)
    return bench.Server(design, url, process, time.monotonic() - started), store_dir


def tmpfs_mb(folder: Path) -> float:
    """Given a folder in /dev/shm, return the MB its files hold (hard-linked files counted once)."""
    inodes = {f.stat().st_ino: f.stat().st_size for f in folder.rglob("*") if f.is_file()}
    return sum(inodes.values()) / 1024 / 1024


def measure_service(data: Path, n_events: int, design: str, workers: int, queries, with_latency: bool,
                    scratch: Path) -> dict:
    server, store_dir = start_service(data, design, workers, scratch)
    try:
        entry: dict = {"design": design, "workers": workers, "load_seconds": server.load_seconds,
                       "pss_mb_idle": bench.memory_mb(server.process.pid), "load_average": load_average()}
        if with_latency:
            entry["latency_ms"] = latencies(server.url, n_events)
        entry["mix"] = run_fixed(server.url, queries, clients=4)
        entry["pss_mb_after"] = bench.memory_mb(server.process.pid)
        entry["processes"] = len(bench.tree(server.process.pid))
        entry["tmpfs_mb"] = tmpfs_mb(SHM) if design == "shared-shm" else 0.0
        entry["memory_mb_after"] = entry["pss_mb_after"] + entry["tmpfs_mb"]
        entry["load_average_after"] = load_average()
        return entry
    finally:
        server.stop()
        if store_dir is not None:
            shutil.rmtree(store_dir, ignore_errors=True)


def measure_oxigraph(data: Path, n_events: int, queries) -> dict:
    server = bench.start_oxigraph(data)
    try:
        entry: dict = {"design": "oxigraph serve", "load_seconds": server.load_seconds,
                       "load_average": load_average(), "latency_ms": latencies(server.url, n_events)}
        entry["mix"] = run_fixed(server.url, queries, clients=4)
        entry["pss_mb_after"] = entry["memory_mb_after"] = bench.memory_mb(server.process.pid)
        return entry
    finally:
        server.stop()


def measure_writes(data: Path, design: str, scratch: Path, writes: int = 7) -> dict:
    """On an IsolatedStore with 6 workers: median ms of a one-quad write and of the first read after it."""
    import pyoxigraph as ox

    from sahelkg.store.change import Change
    from sahelkg.store.workers import IsolatedStore

    path = scratch / "writes-store" if design == "shared-disk" else None
    store = IsolatedStore(path=path, load_paths=(data,), workers=6,
                          worker_store="forked" if design == "forked" else "shared")
    try:
        probe = "SELECT ?o WHERE { GRAPH <urn:bench:writes> { <urn:bench:s> <urn:bench:p> ?o } }"
        store.query(probe, timeout=60)
        write_ms, first_read_ms, steady_ms = [], [], []
        for i in range(writes):
            quad = ox.Quad(ox.NamedNode("urn:bench:s"), ox.NamedNode("urn:bench:p"), ox.Literal(str(i)),
                           ox.NamedNode("urn:bench:writes"))
            t = time.monotonic()
            store.apply(Change(additions=(quad,)))
            write_ms.append((time.monotonic() - t) * 1000)
            t = time.monotonic()
            rows = store.query(probe, timeout=60).rows
            first_read_ms.append((time.monotonic() - t) * 1000)
            if len(rows) != i + 1:
                raise AssertionError(f"read-your-writes broken: {len(rows)} rows after {i + 1} writes")
            t = time.monotonic()
            store.query(probe, timeout=60)
            steady_ms.append((time.monotonic() - t) * 1000)
            time.sleep(1.5)  # idle workers catch up between writes (shared design)
        return {"design": design, "write_ms": statistics.median(write_ms),
                "first_read_after_write_ms": statistics.median(first_read_ms),
                "next_read_ms": statistics.median(steady_ms), "load_average": load_average()}
    finally:
        store.close()
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def measure_engines(data: Path, n_events: int, repeats: int = 3) -> dict:
    """In this process, no service: median ms of each standard-mix query on pyoxigraph's in-memory
    store, on a RocksDB store (read-write, in /dev/shm) and on a read-only checkpoint of it (what a
    shared worker opens), the three interleaved query by query. Separates the engine's cost from
    the service's (worker hops, snapshot reopening)."""
    import pyoxigraph as ox

    folder = SHM / "engines"
    folder.mkdir()
    memory = ox.Store()
    memory.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    disk = ox.Store(str(folder / "rw"))
    disk.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    disk.optimize()  # as the shared keeper does after its initial load
    disk.backup(str(folder / "checkpoint"))
    started = time.monotonic()
    checkpoint = ox.Store.read_only(str(folder / "checkpoint"))
    open_ms = (time.monotonic() - started) * 1000
    stores = {"in-memory": memory, "rocksdb read-write": disk, "rocksdb read-only checkpoint": checkpoint}
    out: dict = {"open_read_only_ms": open_ms, "load_average": load_average(), "median_ms": {}}
    for name, (_, make) in bench.query_mix(n_events).items():
        times: dict[str, list[float]] = {label: [] for label in stores}
        for i in range(repeats + 1):
            text = make(random.Random(5 + i))
            for label, store in stores.items():
                t = time.monotonic()
                for _ in store.query(text, use_default_graph_as_union=True):
                    pass
                if i:  # the first round warms caches
                    times[label].append((time.monotonic() - t) * 1000)
        out["median_ms"][name] = {label: statistics.median(v) for label, v in times.items()}
        print(f"  engines: {name}: " + ", ".join(f"{label} {v:.1f} ms" for label, v in out["median_ms"][name].items()),
              flush=True)
    out["load_average_after"] = load_average()
    del checkpoint, disk, memory
    shutil.rmtree(folder, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[8000, 80000])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 6, 12])
    parser.add_argument("--designs", nargs="+", choices=DESIGNS, default=list(DESIGNS))
    parser.add_argument("--queries", type=int, default=0, help="queries in the fixed mix (default: by size)")
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--baseline-src", default=None,
                        help="another tree's src/ (e.g. git archive HEAD src): its forked design runs beside")
    parser.add_argument("--no-engines", action="store_true", help="skip the in-process engine comparison")
    parser.add_argument("--engines-only", action="store_true",
                        help="only the in-process engine comparison (in-memory vs RocksDB vs read-only checkpoint)")
    args = parser.parse_args()
    if args.baseline_src:
        BASELINE_SRC.append(str(Path(args.baseline_src).resolve()))
    results: dict = {"machine": bench.machine(), "command": " ".join([Path(sys.executable).name, *sys.argv]),
                     "sizes": []}
    scratch = Path(tempfile.mkdtemp(prefix="worker-memory-", dir=str(ROOT / "bench" / "out")))
    SHM.mkdir()
    os.environ["SAHELKG_SHARED_MEMORY_DIR"] = str(SHM)  # for the in-process IsolatedStore too
    try:
        for n in args.events:
            data = data_file(n)
            triples = sum(1 for _ in open(data))
            count = args.queries or (160 if n <= 10000 else 48)
            queries = fixed_queries(n, count)
            size: dict = {"events": n, "triples": triples, "queries": count, "runs": []}
            print(f"{n} events, {triples} triples, {count} queries; load {load_average()}", flush=True)
            # Past the block cache a heavy query takes a minute on RocksDB: one measured round there.
            if not args.no_engines:
                size["engines"] = measure_engines(data, n, repeats=3 if triples < 1_000_000 else 1)
            if args.engines_only:
                results["sizes"].append(size)
                Path(args.output).write_text(json.dumps(results, indent=2))
                continue
            size["runs"].append(measure_oxigraph(data, n, queries))
            print("  oxigraph serve", json.dumps(size["runs"][-1]), flush=True)
            # Worker counts outermost: each design's runs fall in the same stretch of machine load.
            designs = [*args.designs, *([BASELINE] if args.baseline_src else [])]
            for workers in args.workers:
                for design in designs:
                    size["runs"].append(measure_service(data, n, design, workers, queries, workers == 6, scratch))
                    print(f"  {design} {workers}", json.dumps(size["runs"][-1]), flush=True)
            size["writes"] = [measure_writes(data, design, scratch) for design in args.designs]
            print("  writes", json.dumps(size["writes"]), flush=True)
            results["sizes"].append(size)
            Path(args.output).write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(SHM, ignore_errors=True)
    print(markdown(results))


def markdown(results: dict) -> str:
    commands = results.get("commands") or [results["command"]]
    lines = [f"- Machine: {results['machine']}", *(f"- Command: `{c}`" for c in commands), ""]
    for size in results["sizes"]:
        if "engines" in size:
            engines = size["engines"]
            labels = list(next(iter(engines["median_ms"].values())))
            lines += [f"### Engines in one process, {size['events']:,} events ({size['triples']:,} triples)", "",
                      f"Median ms per query (load {engines['load_average']} → {engines['load_average_after']}; "
                      f"opening the read-only checkpoint: {engines['open_read_only_ms']:.0f} ms):", "",
                      "| query | " + " | ".join(labels) + " | read-only / in-memory |", "|---|" + "---|" * (len(labels) + 1)]
            for name, row in engines["median_ms"].items():
                ratio = row[labels[-1]] / row[labels[0]] if row[labels[0]] else float("nan")
                lines.append(f"| {name} | " + " | ".join(f"{row[label]:.1f}" for label in labels) + f" | {ratio:.1f}× |")
            lines.append("")
        if not size["runs"]:
            continue
        oxi = next(r for r in size["runs"] if r["design"] == "oxigraph serve")
        lines += [f"### {size['events']:,} events ({size['triples']:,} triples), {size['queries']} queries, 4 clients",
                  "", f"`oxigraph serve` (in memory): {oxi['memory_mb_after']:.0f} MB PSS after the list, "
                  f"{oxi['mix']['seconds']:.1f} s (load {oxi['load_average']})", "",
                  "| design | workers | memory after, MB (PSS + tmpfs) | × oxigraph serve | idle PSS, MB | "
                  "list, s | processes | load avg |", "|---|---|---|---|---|---|---|---|"]
        for r in size["runs"]:
            if r["design"] == "oxigraph serve":
                continue
            lines.append(f"| {r['design']} | {r['workers']} | {r['memory_mb_after']:.0f} "
                         f"({r['pss_mb_after']:.0f} + {r['tmpfs_mb']:.0f}) | "
                         f"{r['memory_mb_after'] / oxi['memory_mb_after']:.2f}× | {r['pss_mb_idle']:.0f} | "
                         f"{r['mix']['seconds']:.1f} | {r['processes']} | {r['load_average']} |")
        with_latency = [r for r in size["runs"] if "latency_ms" in r]
        names = list(oxi["latency_ms"])
        lines += ["", "Median ms per query, one client (6 workers):", "",
                  "| query | " + " | ".join(r["design"] for r in with_latency) + " |",
                  "|---|" + "---|" * len(with_latency)]
        for name in names:
            lines.append(f"| {name} | " + " | ".join(f"{r['latency_ms'][name]:.1f}" for r in with_latency) + " |")
        lines += ["", "| design (6 workers, IsolatedStore) | one-quad write, ms | first read after it, ms | "
                  "next read, ms | load avg |", "|---|---|---|---|---|"]
        for w in size["writes"]:
            lines.append(f"| {w['design']} | {w['write_ms']:.1f} | {w['first_read_after_write_ms']:.1f} | "
                         f"{w['next_read_ms']:.1f} | {w['load_average']} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
