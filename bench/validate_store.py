"""Time full validation of a 1.5M-triple store: `validation.validate_store` in process and
`sahelkg validate --store DIR` as a command, on a store that conforms and on one that does not.

    .venv/bin/python bench/validate_store.py [--triples N] [--events N] [--repeat N]
        [--baseline SRC] [--workdir DIR] [--out FILE]

Two datasets, each the seed plus one N-Quads file loaded with its catalog record
(`loading.dataset_quads`, as `sahelkg load` writes it):
  conforming   copies of the seed's source graph under new IRIs (bench/load.py's `replicate`),
               about --triples triples (default 1,500,000): what a researcher's store looks like;
  synthetic    `bench/synthetic.py` events (--events, default 80,000; seed 42), which do not follow
               the shapes: hundreds of thousands of results, the result-heavy case.
Both are written once to --workdir (default /tmp/sahelkg-validate-bench) as an N-Quads dump and an
on-disk store, and reused by later runs.

Measures, each in a fresh process, --repeat times (default 3) in turn:
  in process, memory   the dump bulk-loaded into an in-memory store, then `validate_store` timed
  in process, disk     the on-disk store opened, then `validate_store` timed (process_cpu_seconds:
                       the whole child's CPU time, the store's load or opening included)
  command, disk        `sahelkg validate --store DIR --format json` (wall clock, Python start included;
                       the digest is of the printed results, in their order; cpu_seconds: the
                       command's CPU time, its forked children included)
  memory, one process  as "memory", without the second process that checks half the focus nodes
                       (validation.PARALLEL_FOCUS_NODES): what forking costs or saves on this machine
With `--baseline SRC` (a `src` folder of another version, e.g. `git archive HEAD src | tar -x -C
/tmp/head`), every measure also runs with that code first on PYTHONPATH, in the same rounds, and
the results are compared (same result keys, or not). Medians go to --out (default
bench/results/validate_1.5M.json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
BIN = Path(sys.executable).parent

# Run in a child process: time validate_store on a store (memory: the dump loaded first) and print
# the figure, the number of results and a digest of their keys as one JSON line.
CHILD = """
import hashlib, json, sys, time
import pyoxigraph as ox
from sahelkg.gate import validation
from sahelkg.store import EmbeddedStore
where, path = sys.argv[1], sys.argv[2]
if where.endswith("one process"):  # no second process for half the focus nodes
    validation.PARALLEL_FOCUS_NODES = 10**12
if where.startswith("memory"):
    store = EmbeddedStore()
    store.oxigraph.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
else:
    store = EmbeddedStore(path)
started = time.perf_counter()
report = validation.validate_store(store)
seconds = time.perf_counter() - started
keys = sorted(repr(r.key()) for r in report.results)
print(json.dumps({"seconds": seconds, "results": len(keys), "conforms": report.conforms,
                  "digest": hashlib.sha256("\\n".join(keys).encode()).hexdigest()[:16]}))
"""


def prepare(workdir: Path, triples: int, events: int) -> dict[str, tuple[Path, Path]]:
    """Given a folder and the sizes, write each dataset's dump and on-disk store there (once)."""
    import load
    import pyoxigraph as ox
    import synthetic

    from sahelkg.dataset import loading
    from sahelkg.store import EmbeddedStore

    workdir.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in ("conforming", "synthetic"):
        dump, directory = workdir / f"{name}.nq", workdir / f"{name}-store"
        out[name] = (dump, directory)
        if dump.exists() and directory.exists():
            continue
        data = workdir / f"{name}-data.nq"
        if name == "conforming":
            load.replicate(triples - 60_000, data)  # the seed holds about 60,000 triples
        else:
            data.write_text("".join(synthetic.generate(events, seed=42)), encoding="utf-8")
        store = EmbeddedStore(directory)
        store.load_quads(loading.dataset_quads(loading.seed_paths()))
        store.load_quads(loading.dataset_quads([data]))
        dump.write_bytes(store.oxigraph.dump(format=ox.RdfFormat.N_QUADS) or b"")
        print(f"{name}: {store.triple_count():,} quads in {directory}", flush=True)
        store.close()
        data.unlink()
    return out


def version_env(src: Path | None) -> dict[str, str]:
    """Return the environment that runs the code of `src` (None: this tree), with this tree's held
    texts: another tree's resource root has no ../shared/seed, and its anchors would all be unverifiable."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
        seed = ROOT.parent / "shared" / "seed"
        if seed.is_dir():
            env.setdefault("SAHELKG_SEED_DIR", str(seed))
    return env


def children_cpu() -> float:
    """Return the CPU seconds (user + system) of the finished child processes so far (their own
    children included): a figure the other work on a shared machine inflates less than the wall clock."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_child(src: Path | None, where: str, dump: Path, directory: Path) -> dict:
    env = version_env(src)
    cpu = children_cpu()
    done = subprocess.run([sys.executable, "-c", CHILD, where, str(dump if where.startswith("memory") else directory)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"validate_store failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "process_cpu_seconds": children_cpu() - cpu}


def run_command(src: Path | None, directory: Path) -> dict:
    env = version_env(src)
    started, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([str(BIN / "sahelkg"), "validate", "--store", str(directory), "--format", "json"],
                          capture_output=True, text=True, env=env)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"sahelkg validate failed:\n{done.stderr[-3000:]}")
    results = json.loads(done.stdout)["results"]  # the printed order, anchor check included
    return {"seconds": seconds, "cpu_seconds": cpu, "conforms": done.returncode == 0, "results": len(results),
            "digest": hashlib.sha256(json.dumps(results, sort_keys=True).encode()).hexdigest()[:16]}


def write_figures(args: argparse.Namespace, argv: list[str] | None, quads: dict, runs: dict, loads: list) -> dict:
    """Write the medians so far (after every measurement: a run cut short keeps its figures); return them."""
    medians = {key: statistics.median(f["seconds"] for f in figures) for key, figures in runs.items()}
    cpu_medians = {key: statistics.median(f["cpu_seconds"] for f in figures)
                   for key, figures in runs.items() if "cpu_seconds" in figures[0]}
    same = {}
    if args.baseline is not None:
        for key, figures in runs.items():
            if key.endswith("current") and "digest" in figures[0]:
                before = runs[key.replace("current", "baseline")]
                same[key.rsplit(", ", 1)[0]] = {f.get("digest") for f in figures} == {f.get("digest") for f in before}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    args.out.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "bench/validate_store.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "quads": quads, "machine": machine, "load_averages": loads, "runs": runs, "medians": medians, "cpu_medians": cpu_medians,
        "same_results_as_baseline": same}, indent=2) + "\n")
    return medians


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_500_000)
    parser.add_argument("--events", type=int, default=80_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a src folder of the version to compare with")
    parser.add_argument("--only", default="conforming,synthetic", help="datasets to run, comma-separated")
    parser.add_argument("--measures", default="memory,disk,command", help="measures to run, comma-separated")
    parser.add_argument("--synthetic-measures", default="memory", help="measures to run on the synthetic dataset")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sahelkg-validate-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "validate_1.5M.json")
    args = parser.parse_args(argv)
    datasets = prepare(args.workdir, args.triples, args.events)
    versions: dict[str, Path | None] = {"current": None}
    if args.baseline is not None:
        versions = {"baseline": args.baseline.resolve(), **versions}
    for src in versions.values():  # fill each version's cache of query analyses (sahelkg.gate.query_analysis) first
        env = dict(os.environ, **({"PYTHONPATH": str(src)} if src else {}))
        subprocess.run([sys.executable, "-c", "from sahelkg.gate import engine_native; engine_native.compiled_shapes()"],
                       check=True, env=env)
    quads = {}
    for name, (dump, _directory) in datasets.items():
        with open(dump, "rb") as handle:
            quads[name] = sum(1 for _ in handle)
    runs: dict[str, list[dict]] = {}
    medians: dict[str, float] = {}
    loads = [os.getloadavg()]
    for round_ in range(args.repeat):
        for name in args.only.split(","):
            dump, directory = datasets[name]
            for measure in (args.synthetic_measures if name == "synthetic" else args.measures).split(","):
                for version, src in versions.items():
                    if measure == "command":
                        figure = run_command(src, directory)
                    else:
                        figure = run_child(src, measure, dump, directory)
                    key = f"{name}, {measure}, {version}"
                    runs.setdefault(key, []).append(figure)
                    print(f"round {round_ + 1}: {key}: {figure} (load {os.getloadavg()[0]:.1f})", flush=True)
                    loads.append(os.getloadavg())
                    medians = write_figures(args, argv, quads, runs, loads)
    for key, value in medians.items():
        print(f"{key}: median {value:.1f} s")
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
