"""Time the cross-source audits (issue 10) on a store of N imported ACLED events (default 100 000).

    .venv/bin/python bench/audits_100k.py [ROWS] [--repeat N] [--out FILE] [--keep DIR]

Rows are generated as bench/import_acled.py does, mapped by the ACLED importer and written into an
in-memory store holding the seed and the fictional Tarvo incident of tests/audit_cross_source (no
gate: that is bench/import_acled.py's subject). Each audit and saved query then runs once cold and
REPEAT times warm, in process; figures are the median and maximum of the warm runs. Target (issue
10): each new audit answers in under 1 s on 100k imported events. Written to --out (default
bench/results/audits_100k.json) and printed as a Markdown table. --keep DIR writes the built store to
DIR/audits-ROWS.nq the first time and later runs load that file (in Rust) into a fresh in-memory store
instead of mapping the rows again: the audits always run on an in-memory store, as the service's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.import_acled import seed_store, write_rows  # noqa: E402
from sahelkg.audit import reports  # noqa: E402
from sahelkg.importers.acled import AcledImporter  # noqa: E402
from sahelkg.sparql.saved_queries import load_queries  # noqa: E402

TARVO = Path(__file__).resolve().parents[1] / "tests" / "audit_cross_source" / "tarvo.trig"
INCIDENT = "https://w3id.org/sahelkg/id/incident/tarvo-2025-03-04"
AUDITS: tuple[tuple[str, str | None, str | None, dict[str, int]], ...] = (
    ("incident", INCIDENT, None, {}), ("incident", "event:a000-niono-vehicle-attack", None, {}),
    ("corroboration", None, None, {}), ("corroboration", None, None, {"offset": 100}),
    ("corroboration", None, None, {"min_lines": 2}), ("contested", None, None, {}), ("adversaries", None, None, {}),
    ("alleged", "actor:human-rights-watch", "actor:fama", {}), ("answers", None, None, {}), ("actor", "FAMa", None, {}))
QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
           ("cq1-accusations-of-event", {}), ("cq3-affiliates-of", {}), ("cq7-incident-figures", {"incident": INCIDENT}),
           ("cq8-responsibility-and-acknowledgements", {}), ("cq9-accusations-between-adversaries", {}),
           ("cq10-alleged-against-actor-and-affiliates", {"by": "actor:human-rights-watch", "against": "actor:fama"}),
           ("cq11-answers-by-actor-kind", {}), ("cq12-shared-upstream-sources", {}))


def kept_store(rows: int, keep: Path):
    """Given ROWS and a directory, return the in-memory store built once and kept there as N-Quads."""
    from sahelkg.store import EmbeddedStore

    path = keep / f"audits-{rows}.nq"
    if not path.is_file():
        keep.mkdir(parents=True, exist_ok=True)
        store = build_store(rows)
        partial = path.with_suffix(".partial")
        store.dump(str(partial))
        partial.replace(path)  # only a whole dump is ever reused
        return store
    started = time.perf_counter()
    store = EmbeddedStore()
    quads = store.load_file(path)
    print(f"{quads:,} quads loaded from {path} in {time.perf_counter() - started:.1f} s", flush=True)
    return store


def build_store(rows: int):
    """Return an in-memory store with the seed, the Tarvo incident and ROWS imported ACLED events."""
    store = seed_store(None)
    store.load_quads(ox.parse(path=str(TARVO), format=ox.RdfFormat.TRIG))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled-bench.csv"
        write_rows(path, rows)
        started = time.perf_counter()
        _, change = AcledImporter().plan(store, path)
        assert change is not None, "the generated rows must map"
        store.apply(change)
        print(f"{rows:,} rows mapped and written ({len(change.additions):,} quads) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return store


def timed(run, repeat: int) -> dict:
    t0 = time.perf_counter()
    answer = run()
    cold = time.perf_counter() - t0
    warm, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        warm.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time (this process's) varies less than wall time on a shared machine.
    return {"cold": cold, "median": statistics.median(warm), "max": max(warm), "cpu_median": statistics.median(cpu),
            "n": repeat, "rows": answer}


def baseline_module(path: Path):
    """Given an older src/sahelkg/audit/reports.py (e.g. from `git show`), return it loaded as a module."""
    spec = importlib.util.spec_from_file_location("baseline_reports", path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_reports"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "audits_100k.json"))
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="keep the built store in DIR (N-Quads) and reuse it in later runs")
    parser.add_argument("--baseline", metavar="REPORTS_PY", type=Path,
                        help="an older audit/reports.py: each audit runs with it and with this tree, interleaved, "
                             "and the two reports are compared "
                             "(e.g. git show HEAD:src/sahelkg/audit/reports.py > /tmp/old_reports.py)")
    args = parser.parse_args()
    baseline = baseline_module(args.baseline) if args.baseline else None
    store = kept_store(args.rows, args.keep) if args.keep else build_store(args.rows)
    results: dict = {"rows": args.rows, "repeat": args.repeat, "machine": platform.node(),
                     "load_average": os.getloadavg(), "audits": {}, "queries": {}}
    for kind, target, against, options in AUDITS:
        name = " ".join([kind, *filter(None, (target, against)), *(f"{k}={v}" for k, v in options.items())])
        results["audits"][name] = timed(
            lambda k=kind, t=target, a=against, o=options: len(reports.run_audit(store, k, t, a, **o).rows), args.repeat)
        print(f"audit {name}: {results['audits'][name]}", flush=True)
        if baseline is not None:
            results["audits"][f"{name} (baseline)"] = timed(
                lambda k=kind, t=target, a=against, o=options: len(baseline.run_audit(store, k, t, a, **o).rows),
                args.repeat)
            print(f"audit {name} (baseline): {results['audits'][f'{name} (baseline)']}", flush=True)
            same = (reports.run_audit(store, kind, target, against, **options).to_dict() ==
                    baseline.run_audit(store, kind, target, against, **options).to_dict())
            results["audits"][name]["same_as_baseline"] = same
            print(f"audit {name}: {'same report as the baseline' if same else 'REPORT DIFFERS from the baseline'}")
    saved = load_queries()
    for query, params in QUERIES:
        results["queries"][query] = timed(lambda q=query, p=params: len(saved[q].run(store, p).rows), args.repeat)
        print(f"query {query}: {results['queries'][query]}", flush=True)
    results["load_average_after"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{args.rows:,} imported events, load average {results['load_average']}\n")
    print("| audit or saved query | rows | cold (s) | warm median (s) | warm max (s) | CPU median (s) | under 1 s |")
    print("|---|---|---|---|---|---|---|")
    for table in ("audits", "queries"):
        for name, f in results[table].items():
            print(f"| {name} | {f['rows']} | {f['cold']:.3f} | {f['median']:.3f} | {f['max']:.3f} | "
                  f"{f['cpu_median']:.3f} | {'yes' if f['max'] < 1 else 'NO'} |")


if __name__ == "__main__":
    main()
