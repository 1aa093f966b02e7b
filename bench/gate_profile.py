"""The write gate on one ACLED import, phase by phase, this tree beside an older one (interleaved).

    .venv/bin/python bench/gate_profile.py ROWS [--baseline OLD/src] [--repeat 3] [--out FILE]
    .venv/bin/python bench/gate_profile.py ROWS --profile FILE   # cProfile of one gate, in one process

Each run is a fresh process (this tree's src, or --baseline's) that gates a 200-row import to
warm up, maps ROWS synthetic rows (bench/import_acled.py: the same rows every time) into a change
against the seed store and times `validation.check_change` once on it, as an import runs it (in
the process that mapped the rows, its objects frozen out of the cycle collector, with two
processes from 50k focus nodes).
--baseline is an older tree's src, the tree unpacked whole (it reads its own shapes); a phase
whose function it lacks counts 0. Runs alternate between the trees, --repeat rounds; every run
must give the same results. Printed
and written to --out (default bench/results/gate_profile.json): wall and CPU seconds of the gate
and of its phases (the graph rules, finding the focus nodes, indexing the change, the engine in
this process and its SHACL-SPARQL part; "rest" is the gate minus the first three and
validation.validate), medians, the ratio to the baseline and the load average of each run.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
# (module, function) -> phase: the functions both trees have.
PHASES = {("source_integrity", "check_after"): "graph_rules", ("after_change", "affected_focus_nodes"): "focus_nodes",
          ("after_change", "AfterChange.__init__"): "index", ("validation", "validate"): "validate",
          ("engine_native", "validate"): "engine", ("engine_native", "run_sparql"): "run_sparql"}


def option(argv: list[str], name: str, default: str | None) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else default


def _timed_phases() -> dict[str, list[float]]:
    """Wrap the phases' functions (in this process) to add up their wall and CPU seconds (those
    the tree has)."""
    import importlib

    spent: dict[str, list[float]] = {}
    for (module_name, qualified), phase in PHASES.items():
        *outer, name = qualified.split(".")
        try:
            owner = importlib.import_module(f"sahelkg.gate.{module_name}")
            for part in outer:
                owner = getattr(owner, part)
            original = getattr(owner, name)
        except (ImportError, AttributeError):
            continue  # an older tree without this phase: it counts 0

        def timed(*args, _original=original, _phase=phase, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                figures = spent.setdefault(_phase, [0.0, 0.0])
                figures[0] += time.perf_counter() - wall
                figures[1] += time.process_time() - cpu

        setattr(owner, name, functools.wraps(original)(timed))
    return spent


def run_once(rows: int, profile: Path | None) -> dict:
    """Map the rows and gate them in this process; return its figures (and write a profile when asked)."""
    sys.path.insert(0, str(HERE))
    from import_acled import planned_import, warm_up

    from sahelkg.gate import validation

    warm_up()
    spent = _timed_phases()
    with tempfile.TemporaryDirectory() as tmp:
        store, change = planned_import(rows, Path(tmp))
    gc.freeze()  # as the importer does after a big mapping (importers.common): both trees alike
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        import cProfile

        validation.PARALLEL_FOCUS_NODES = 10**12  # one process: the profile sees the whole engine
        profiler = cProfile.Profile()
        report = profiler.runcall(validation.check_change, store, change)
        profiler.dump_stats(profile)
    else:
        report = validation.check_change(store, change)
    figures = {"gate": [time.perf_counter() - wall, time.process_time() - cpu],
               **{phase: spent.get(phase, [0.0, 0.0]) for phase in PHASES.values()}}
    figures["rest"] = [figures["gate"][i] - sum(figures[p][i] for p in ("graph_rules", "focus_nodes", "index", "validate"))
                       for i in (0, 1)]
    results = sorted((r.focus_node, r.source_shape, r.path or "", r.value or "") for r in report.results)
    return {"figures": {phase: [round(x, 3) for x in pair] for phase, pair in figures.items()},
            "focus_nodes": report.focus_nodes, "results": results, "load": load, "quads": len(change.additions)}


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    if argv[0] == "--run":  # a child: ROWS [PROFILE]
        print(json.dumps(run_once(int(argv[1]), Path(argv[2]) if len(argv) > 2 else None)))
        return
    rows = int(argv[0])
    baseline = option(argv, "--baseline", None)
    repeat = int(option(argv, "--repeat", "3") or 3)
    profile = option(argv, "--profile", None)
    out = Path(option(argv, "--out", str(HERE / "results" / "gate_profile.json")) or "")
    trees = {"this": str(SRC)} | ({"baseline": str(Path(baseline).resolve())} if baseline else {})
    runs: list[dict] = []
    if profile:
        print(json.dumps(_child(trees["this"], rows, [profile])["figures"], indent=1))
        return
    reference = None
    for round_ in range(repeat):
        for name, src in (reversed(trees.items()) if round_ % 2 else trees.items()):
            run = _child(src, rows, [])
            if reference is None:
                reference = run["results"]
            assert run.pop("results") == reference, f"{name}: results differ"
            runs.append({"tree": name, "round": round_, **run})
            phases = ", ".join(f"{p} {w:.2f}/{c:.2f}" for p, (w, c) in run["figures"].items())
            print(f"[{rows:,} rows, {run['quads']:,} quads] {name}: {phases} (wall/CPU s), load {run['load']:.1f}",
                  flush=True)
    medians = {name: {phase: [statistics.median(r["figures"][phase][i] for r in runs if r["tree"] == name)
                              for i in (0, 1)] for phase in runs[0]["figures"]} for name in trees}
    summary: dict = {"rows": rows, "runs": runs, "medians": medians}
    if baseline:
        summary["gate_ratio"] = {kind: medians["this"]["gate"][i] / medians["baseline"]["gate"][i]
                                 for i, kind in enumerate(("wall", "cpu"))}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=1))


def _child(src: str, rows: int, extra: list[str]) -> dict:
    """Run one gate in a fresh process on the tree at src; return its figures."""
    env = dict(os.environ, PYTHONPATH=src)
    done = subprocess.run([sys.executable, __file__, "--run", str(rows), *extra], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1:])
