"""Memory growth of the service's process tree during the lookup-heavy mix, this tree beside an older one.

    .venv/bin/python bench/lookup_memory.py --baseline-src DIR [--events 8000] [--windows 4]

Issue 15 asks for growth ≤ 100 MB during `bench/run.py --mix lookups`; that bench runs one tree. This
one starts the current tree and the tree in DIR (DIR/src and DIR/queries, e.g. `git archive HEAD src
queries | tar -x -C DIR`; uvloop is not hidden) on the same data, runs the lookup mix (4 clients) on
each in alternating 10 s windows, and reports each tree's PSS before and after (bench/run.py's
`memory_mb`). Writes bench/results/lookup_memory.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import overhead  # noqa: E402  (starts a server from another source tree)
import run  # noqa: E402
import synthetic  # noqa: E402

RESULTS_JSON = ROOT / "bench" / "results" / "lookup_memory.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-src", type=Path, required=True)
    parser.add_argument("--events", type=int, default=8000)
    parser.add_argument("--windows", type=int, default=4, help="10 s windows per tree, alternating")
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    run.OUT.mkdir(parents=True, exist_ok=True)
    data = run.OUT / f"overhead-events-{args.events}.nq"
    if not data.exists():
        with open(data, "w") as handle:
            handle.writelines(synthetic.generate(args.events, seed=42))
    servers: dict[str, run.Server] = {}
    try:
        servers["sahelkg"] = run.start_ours(data, 0)
        servers["sahelkg (baseline)"] = overhead.start_baseline(data, args.baseline_src.resolve(), hide_uvloop=False)
        before = {name: run.memory_mb(server.process.pid) for name, server in servers.items()}
        mix = run.lookup_mix(args.events)
        completed = dict.fromkeys(servers, 0)
        loads = []
        for window in range(args.windows):
            order = list(servers.items()) if window % 2 == 0 else list(reversed(servers.items()))
            for name, server in order:
                loads.append(overhead.load_average())
                completed[name] += run.run_mix(server, mix, args.clients, 10, seed=2 + window)["completed"]
        after = {name: run.memory_mb(server.process.pid) for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    report = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": run.machine(),
              "load_averages": loads, "events": args.events,
              "servers": {name: {"pss_before_mb": round(before[name]), "pss_after_mb": round(after[name]),
                                 "growth_mb": round(after[name] - before[name]), "requests": completed[name]}
                          for name in servers}}
    print(json.dumps(report, indent=2))
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
