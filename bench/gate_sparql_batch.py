"""Side by side in one process: the gate on one ACLED import with the SHACL-SPARQL constraints'
working set as before session 6 (every type of every node a query reads with `?x rdf:type ?t`,
one working set for all focus nodes) and as now (one type where any type will do, batches of
SPARQL_BATCH focus nodes).

    .venv/bin/python bench/gate_sparql_batch.py ROWS [--variants all/0,one/0,one/2000] [--repeat 3] [--out FILE]

A variant is TYPES/BATCH: TYPES `all` (before) or `one` (now), BATCH the focus nodes per working
set (0: one working set). ROWS synthetic rows (bench/import_acled.py) are mapped once into a change
on a store holding the seed; then `validation.check_change` runs on that change for each variant
in turn, --repeat rounds, interleaved. It times the whole gate and the SPARQL part
(`engine_native.run_sparql` in this process: the gate checks half the focus nodes in a forked
child) and checks that every run gives the same results. Medians, ratios to the first variant and
the load average go to --out (default bench/results/gate_sparql_batch.json).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from import_acled import planned_import, warm_up  # noqa: E402

from sahelkg.gate import engine_native, validation  # noqa: E402


def option(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv: list[str]) -> None:
    rows = int(argv[0])
    variants = option(argv, "--variants", "all/0,one/0,one/2000").split(",")
    repeat = int(option(argv, "--repeat", "3"))
    out = Path(option(argv, "--out", str(HERE / "results" / "gate_sparql_batch.json")))
    warm_up()
    sparql_seconds: list[float] = []
    run_sparql = engine_native.run_sparql

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return run_sparql(*args, **kwargs)
        finally:
            sparql_seconds.append(time.perf_counter() - started)

    engine_native.run_sparql = timed  # type: ignore[assignment]
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        store, change = planned_import(rows, Path(tmp))
        reference = None
        checks = [c for c in engine_native.compiled_shapes()[1].values() if isinstance(c, engine_native.SparqlCheck)]
        now = {c: (c.classes, c.any_type) for c in checks}
        for round_ in range(repeat):
            for variant in variants:
                types, batch = variant.split("/")
                engine_native.SPARQL_BATCH = int(batch) or 10**12
                for check in checks:  # before: a query asking for any type read every class of the node
                    classes, any_type = now[check] if types == "one" else (None if now[check][1] else now[check][0], False)
                    object.__setattr__(check, "classes", classes)
                    object.__setattr__(check, "any_type", any_type)
                sparql_seconds.clear()
                load = os.getloadavg()[0]
                started = time.perf_counter()
                report = validation.check_change(store, change)
                gate = time.perf_counter() - started
                results = sorted((r.focus_node, r.source_shape, r.path or "", r.value or "") for r in report.results)
                if reference is None:
                    reference = results
                assert results == reference, f"{variant}: results differ"
                runs.append({"variant": variant, "round": round_, "gate": gate, "run_sparql": sum(sparql_seconds),
                             "focus_nodes": report.focus_nodes, "load": load})
                print(f"[{rows:,} rows] {variant}: gate {gate:.1f} s, run_sparql (this process) "
                      f"{sum(sparql_seconds):.1f} s, load {load:.1f}", flush=True)
                summary = {}
                for v in variants:
                    mine = [r for r in runs if r["variant"] == v]
                    if mine:
                        summary[v] = {key: statistics.median(r[key] for r in mine) for key in ("gate", "run_sparql")}
                first = summary.get(variants[0])
                if first:
                    for figures in summary.values():
                        figures["gate_ratio"] = figures["gate"] / first["gate"]
                        figures["run_sparql_ratio"] = figures["run_sparql"] / first["run_sparql"]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps({"rows": rows, "quads": len(change.additions), "runs": runs,
                                           "medians": summary}, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
