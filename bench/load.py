"""Time `sahelkg load` and `sahelkg serve --load` against pyoxigraph's `bulk_load` alone, in memory and on disk.

    .venv/bin/python bench/load.py [TRIPLES] [--repeat N] [--only NAME,…] [--baseline-src DIR] [--out FILE]

The data follows the shapes (the gate must accept it): the seed's source graph
(data/sources/a000.trig) copied under new graph, document, claim, anchor, event… IRIs until the
copies hold about TRIPLES triples (default 1,500,000), written as one N-Quads file. On disk,
every figure loads that file into a copy of a store holding the seed (ontology/, data/); in memory
it loads the seed and then that file into a new store:

  bulk_load        a Python process: `pyoxigraph.Store([DIR]).bulk_load(path=…)` of each file
  store path       in-process, what `sahelkg load` does without the SHACL gate: hash the file,
                   `EmbeddedStore.stage_files` (the store bulk-loads it into its new graphs),
                   the catalog record from the store, `EmbeddedStore.publish`
  quad path        in-process, the path before: parse the file into quads (`loading.dataset_quads`,
                   catalog record included) and `EmbeddedStore.apply` them, without the gate
  gated            in-process, `gate.commit_files`: the store path, and beside the bulk load (a second
                   thread) the file's rows parsed and checked by the gate
  sahelkg load     the command, as a process: `sahelkg load FILE --store DIR` (memory: `--seed`)
  serve --load     `sahelkg serve --load FILE --store DIR` (memory: `--seed`), until /sparql answers;
                   its phases from the times of its stderr lines (SERVE_MARKS)

The in-process measures and `serve --load` also record their phases (seconds) under "phases" in the results.

The seed is loaded first because a change that includes the ontology is checked by pyshacl over
everything (about 200 s for 50,000 triples here), not by the bulk gate.

`--baseline-src DIR` (another tree's src/, e.g. `git archive HEAD src | tar -x -C DIR`) adds, before
each in-process measure and each command, the same measure run on that code, "NAME (baseline)"
(the in-process ones then both run in new processes).

Each is run --repeat times (default 3) in turn, so that the load of this shared machine falls on
all alike; medians and their ratios to bulk_load are printed and written to `--out` (default
bench/results/load.json).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.dataset import loading
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

BIN = Path(sys.executable).parent
SOURCE = ox.NamedNode(ns.SOURCE_GRAPH_PREFIX + "a000")
# Nodes that belong to one source: renamed in every copy. Actors, places, groups and objects are
# shared (the copies say the same about them).
LOCAL_KINDS = ("anchor", "claim", "timespan", "count", "event", "attribution", "document", "affiliation",
               "accusation", "participation", "involvement")
LOCAL_PREFIXES = tuple(f"{ns.ID}{kind}/" for kind in LOCAL_KINDS)


def replicate(triples: int, path: Path) -> int:
    """Given a size, write copies of the seed's source graph to an N-Quads file; return its quad count."""
    source = [q for q in loading.dataset_quads(loading.seed_paths()) if q.graph_name == SOURCE]
    copies = max(1, round(triples / len(source)))

    def renamed(term, suffix: str):
        if isinstance(term, ox.NamedNode) and term.value.startswith(LOCAL_PREFIXES):
            return ox.NamedNode(term.value + suffix)
        return term

    with open(path, "wb") as handle:
        for k in range(copies):
            suffix = f"-r{k}"
            graph = ox.NamedNode(SOURCE.value + suffix)
            quads = [ox.Quad(renamed(q.subject, suffix), q.predicate, renamed(q.object, suffix), graph) for q in source]
            handle.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    return copies * len(source)


def seed_files() -> list[Path]:
    return loading.collect_files(loading.seed_paths())


def bulk_load(data: Path, directory: Path | None) -> float:
    """Given the data file and a store directory holding the seed (None: memory, the seed loaded
    too), time pyoxigraph's bulk_load alone in a Python process."""
    code = ("import sys, time, pyoxigraph as ox; t = time.monotonic(); "
            "s = ox.Store(sys.argv[1]) if sys.argv[1] else ox.Store()\n"
            "for f in sys.argv[2:]:\n"
            "    g = ox.NamedNode('https://w3id.org/sahelkg/graph/ontology') if f.endswith('.ttl') else None\n"
            "    s.bulk_load(path=f, to_graph=g)\n"
            "s.flush() if sys.argv[1] else None")
    loaded = [data] if directory else [*seed_files(), data]
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code, str(directory or ""), *map(str, loaded)], check=True,
                   capture_output=True)
    return time.monotonic() - started


PHASES: dict[str, list[dict[str, float]]] = {}


class Clock:
    """Seconds spent in each phase of one in-process run."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.phases: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.phases[phase] = round(now - self.last, 3)
        self.last = now

    def total(self, key: str) -> float:
        PHASES.setdefault(key, []).append(self.phases)
        return time.monotonic() - self.started


def open_with_seed(directory: Path | None, clock: Clock) -> EmbeddedStore:
    store = EmbeddedStore(directory)
    if directory is None:
        store.apply(Change(additions=tuple(loading.dataset_quads(loading.seed_paths()))))
    clock.lap("open (memory: + seed)")
    return store


def store_path(data: Path, directory: Path | None) -> float:
    """Given the data file and a store directory holding the seed (None: memory, the seed loaded
    too), time what `sahelkg load` does without the gate, in this process."""
    clock = Clock()
    store = open_with_seed(directory, clock)
    files = loading.read_files([data])
    clock.lap("hash")
    staged = store.stage_files([(path, loading.file_format(path), None) for path in files.big])
    clock.lap("bulk load (stage)")
    loaded = [loading.BulkLoadedFile(path=path, sha256=files.big[path], graph_names=graphs,
                                     described=frozenset(loading.described_in_store(store, graphs)))
              for path, graphs in zip(files.big, staged.graphs_by_file, strict=True)]
    record = Change(additions=tuple(loading.catalog_quads(loaded)))
    clock.lap("catalog")
    store.publish(staged, record)
    clock.lap("publish")
    store.close()
    clock.lap("close (memory: freeing the store)")
    return clock.total(f"store path, {where_name(directory)}")


def quad_path(data: Path, directory: Path | None) -> float:
    """The path before this session: parse into quads (catalog included) and EmbeddedStore.apply, no gate."""
    clock = Clock()
    store = open_with_seed(directory, clock)
    parsed = loading.parse_all([data])
    clock.lap("parse")
    quads = (*parsed[0].quads, *loading.catalog_quads(parsed))
    clock.lap("catalog")
    store.apply(Change(additions=quads))
    store.close()
    clock.lap("write + close")
    return clock.total(f"quad path, {where_name(directory)}")


def gated(data: Path, directory: Path | None) -> float:
    """`gate.commit_files` in this process, with the phases of its gate measured apart."""
    clock = Clock()
    store = open_with_seed(directory, clock)
    lines: list[tuple[float, str]] = []
    receipt = gate.commit_files(store, loading.read_files([data]),
                                progress=lambda line: lines.append((time.monotonic(), line)))
    assert receipt is not None and receipt.report.conforms
    clock.lap("commit_files")
    store.close()
    clock.lap("close")
    marks = {line.split(" ")[0].rstrip(";"): at for at, line in lines}
    if {"bulk-loading", "checking", "conforms"} <= marks.keys():
        # Since session 6 the rows are read and checked while the store bulk-loads ("bulk-loaded"
        # marks the load's end); before, the three came one after the other.
        clock.phases["of which: from bulk-loading to checking (bulk load + rows before; rows now)"] = round(
            marks["checking"] - marks["bulk-loading"], 3)
        clock.phases["of which: gate"] = round(marks["conforms"] - marks["checking"], 3)
        if "bulk-loaded" in marks:
            clock.phases["of which: bulk load (beside the rows and gate)"] = round(
                marks["bulk-loaded"] - marks["bulk-loading"], 3)
    return clock.total(f"gated, {where_name(directory)}")


def where_name(directory: Path | None) -> str:
    return "disk" if directory else "memory"


def where_options(directory: Path | None) -> list[str]:
    return ["--store", str(directory)] if directory else ["--seed"]


def sahelkg_load(data: Path, directory: Path | None, env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    done = subprocess.run([str(BIN / "sahelkg"), "load", str(data), *where_options(directory)],
                          capture_output=True, text=True, env=env)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"sahelkg load failed:\n{done.stderr[-3000:]}")
    return elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_load(data: Path, directory: Path | None, env: dict[str, str] | None = None, label: str = "serve --load"
               ) -> float:
    """`sahelkg serve --load`, until /sparql answers; its phases from the times of its stderr lines."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([str(BIN / "sahelkg"), "serve", "--port", str(port), "--load", str(data),
                                *where_options(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, env=env)
    lines: list[tuple[float, str]] = []

    def read_stderr() -> None:
        for line in process.stderr or ():
            lines.append((time.monotonic(), line.strip()))

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        while True:
            if process.poll() is not None:
                reader.join(5)
                raise SystemExit("sahelkg serve ended: " + "\n".join(line for _, line in lines)[-3000:])
            try:
                if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    answered = time.monotonic()
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=60)
    PHASES.setdefault(f"{label}, {where_name(directory)}", []).append(serve_phases(started, lines, answered))
    return answered - started


# The first stderr line of each phase of `sahelkg serve --load` (cli/main.py, gate, uvicorn).
SERVE_MARKS = (("read files (hash)", "bulk-loading"), ("bulk load + rows", "checking"), ("gate", "conforms"),
               ("publish + close", "starting the SPARQL service"), ("keeper + app start-up", "Uvicorn running"))


def serve_phases(started: float, lines: list[tuple[float, str]], answered: float) -> dict[str, float]:
    """Given when `serve` started, its stderr lines with their times and when /sparql answered,
    return the seconds of each phase (SERVE_MARKS; what is missing is folded into the next)."""
    phases, last = {}, started
    for phase, mark in SERVE_MARKS:
        at = next((t for t, line in lines if mark in line), None)
        if at is not None:
            phases[phase], last = round(at - last, 3), at
    phases["first answer"] = round(answered - last, 3)
    return phases


MEASURES = {"bulk_load": bulk_load, "store path": store_path, "quad path": quad_path, "gated": gated,
            "sahelkg load": sahelkg_load, "serve --load": serve_load}
IN_PROCESS = ("store path", "quad path", "gated")


def in_new_process(name: str, source: Path, label: str):
    """Given an in-process measure, a tree's src/ and a label, a measure that runs it in a new
    process on that code (this script's `--measure`): side by side with an older sahelkg, both
    sides pay the same start-up."""
    def measure(data: Path, directory: Path | None) -> float:
        done = subprocess.run([sys.executable, __file__, "--measure", name, str(data), str(directory or "")],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(source)})
        if done.returncode != 0:
            raise SystemExit(f"{name} on {source} failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        PHASES.setdefault(f"{label}, {where_name(directory)}", []).append(result["phases"])
        return result["seconds"]
    return measure


def measure_once(argv: list[str]) -> None:
    """`--measure NAME DATA DIR` (DIR "" for memory): one in-process measure, printed as JSON."""
    name, data, directory = argv[0], Path(argv[1]), Path(argv[2]) if argv[2] else None
    seconds = MEASURES[name](data, directory)
    print(json.dumps({"seconds": seconds, "phases": PHASES[f"{name}, {where_name(directory)}"][-1]}))


def main(argv: list[str]) -> None:
    triples = int(argv[0]) if argv and argv[0].isdigit() else 1_500_000
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    only = argv[argv.index("--only") + 1].split(",") if "--only" in argv else list(MEASURES)
    if "--baseline-src" in argv:
        source = Path(argv[argv.index("--baseline-src") + 1]).resolve()
        for name in [n for n in only if n in IN_PROCESS]:
            MEASURES[f"{name} (baseline)"] = in_new_process(name, source, f"{name} (baseline)")
            MEASURES[name] = in_new_process(name, Path(__file__).resolve().parent.parent / "src", name)
            only.insert(only.index(name), f"{name} (baseline)")
        env = {**os.environ, "PYTHONPATH": str(source)}
        if "sahelkg load" in only:
            MEASURES["sahelkg load (baseline)"] = functools.partial(sahelkg_load, env=env)
            only.insert(only.index("sahelkg load"), "sahelkg load (baseline)")
        if "serve --load" in only:
            MEASURES["serve --load (baseline)"] = functools.partial(serve_load, env=env, label="serve --load (baseline)")
            only.insert(only.index("serve --load"), "serve --load (baseline)")
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path(__file__).parent / "results" / "load.json"
    runs: dict[str, list[float]] = {}
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sahelkg-load-bench-") as tmp:
        data = Path(tmp) / "replicas.nq"
        quads = replicate(triples, data)
        print(f"{quads:,} quads of source-graph copies in {data} ({data.stat().st_size:,} bytes)", flush=True)
        seeded = Path(tmp) / "seed-store"
        seed = EmbeddedStore(seeded)
        seed.apply(Change(additions=tuple(loading.dataset_quads(loading.seed_paths()))))
        seed.close()
        for run in range(repeat):
            for where in ("memory", "disk"):
                for name in only:
                    # A folder per measure: a stopped service's keeper may still be closing the last one.
                    directory = Path(tmp) / f"store-{run}-{only.index(name)}" if where == "disk" else None
                    if directory is not None:
                        shutil.copytree(seeded, directory)
                    seconds = MEASURES[name](data, directory)
                    if directory is not None:
                        shutil.rmtree(directory, ignore_errors=True)
                    runs.setdefault(f"{name}, {where}", []).append(seconds)
                    phased = name.split(" (")[0] in (*IN_PROCESS, "serve --load")
                    phases = PHASES.get(f"{name}, {where}", [{}])[-1] if phased else {}
                    print(f"run {run + 1}: {name}, {where}: {seconds:.1f} s (load {os.getloadavg()[0]:.1f}) {phases or ''}",
                          flush=True)
    medians = {key: statistics.median(values) for key, values in runs.items()}
    ratios = {key: value / medians[f"bulk_load, {key.split(', ')[1]}"] for key, value in medians.items()
              if f"bulk_load, {key.split(', ')[1]}" in medians}
    for key in medians:
        print(f"{key}: median {medians[key]:.1f} s" + (f", {ratios[key]:.2f}× bulk_load" if key in ratios else ""))
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
               "load average at start": load_at_start, "load average at end": os.getloadavg()}
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "command": "bench/load.py " + " ".join(argv),
                               "quads": quads, "machine": machine, "runs": runs, "medians": medians,
                               "ratios_to_bulk_load": ratios, "phases": PHASES}, indent=2) + "\n")
    print(f"figures written to {out}")


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
    elif sys.argv[1:2] == ["--measure"]:
        measure_once(sys.argv[2:])
    else:
        main(sys.argv[1:])
