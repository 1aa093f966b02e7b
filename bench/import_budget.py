"""Side by side: the ACLED import (bench/import_acled.py) with an older tree's code and with this one.

    .venv/bin/python bench/import_budget.py OLD_TREE [--sizes 20000,100000] [--repeat 3] [--cold] [--out FILE]

OLD_TREE is an extracted earlier version of the repository (e.g. `git archive ed3b3f0 | tar -x -C
DIR`), whose own src/, shapes, ontology and data are used. For each size, the runs alternate
old, new, old, new, … (--repeat of each), every run in its own process with PYTHONPATH at that
tree's src/, all of them through this tree's bench/import_acled.py: the mapping is timed by the same
code; an older tree is gated then written (check_change, then EmbeddedStore.apply), this one
commits as an import does (since the seventh session the gate checks while the store writes:
`gate` is then the check's own time and there is no `write` apart, `total` is what to compare). Each process first gates a 200-row
import (`--warm`: the old tree parses the shapes' SPARQL in every process, the new one keeps
those analyses in ~/.cache/sahelkg), so the gate figure is the import's own work; that one-time
work is recorded as `warmup` (`--cold` leaves it inside the gate, as a user's command has it).
Load average is recorded beside every run (the machine is shared: ratios of interleaved runs
hold, absolute times do not). Medians of mapping, gate, write and total per tree, the new/old
ratios, quads and focus nodes go to --out (default bench/results/import_budget.json), rewritten
after every run so a partial series is kept.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW_TREE = HERE.parent
PHASES = ("mapping", "gate", "write", "total")


def run_once(tree: Path, rows: int, warm: bool = True) -> dict:
    """Given a tree and a number of rows, run one in-memory import bench in a fresh process with
    that tree's code; return its figures with the load average before and after."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        env = {**os.environ, "PYTHONPATH": str(tree / "src")}
        # Proves which tree's code ran: the bench imports sahelkg from PYTHONPATH, not the editable install.
        where = subprocess.run([sys.executable, "-c", "import sahelkg; print(sahelkg.__file__)"], env=env,
                               capture_output=True, text=True, check=True, cwd=tree).stdout.strip()
        if not where.startswith(str(tree / "src")):
            raise SystemExit(f"{tree}: sahelkg imported from {where}, not from the tree")
        load_before = os.getloadavg()
        started = time.perf_counter()
        finished = subprocess.run([sys.executable, str(HERE / "import_acled.py"), str(rows), "--out", str(out),
                                   *(["--warm"] if warm else [])],
                                  env=env, cwd=tree, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if finished.returncode != 0:
            raise SystemExit(f"{tree}: import bench failed:\n{finished.stderr[-3000:]}")
        figures = json.loads(out.read_text())["runs"][-1]
    figures.update(process=elapsed, load_before=load_before, load_after=os.getloadavg(), code=where)
    return figures


def summary(runs: list[dict]) -> dict:
    """Given the runs of one size, return per-tree medians and the new/old ratios."""
    medians: dict[str, dict[str, float]] = {}
    for tree in ("old", "new"):
        mine = [run for run in runs if run["tree"] == tree]
        if mine:
            medians[tree] = {key: statistics.median(run[key] for run in mine)
                             for key in (*PHASES, "quads", "focus_nodes") if all(key in run for run in mine)}
    if len(medians) == 2:
        medians["new/old"] = {key: medians["new"][key] / medians["old"][key]
                              for key in (*PHASES, "quads", "focus_nodes") if key in medians["new"] and key in medians["old"]}
    return medians


def main(argv: list[str]) -> None:
    if not argv or argv[0].startswith("--"):
        raise SystemExit(__doc__)
    old = Path(argv[0]).resolve()
    sizes = [int(size) for size in argv[argv.index("--sizes") + 1].split(",")] if "--sizes" in argv else [20_000, 100_000]
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else HERE / "results" / "import_budget.json"
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "command": "bench/import_budget.py " + " ".join(argv), "old": str(old), "new": str(NEW_TREE),
                    "sizes": {}}
    for rows in sizes:
        runs: list[dict] = []
        for _ in range(repeat):
            for tree_name, tree in (("old", old), ("new", NEW_TREE)):
                figures = run_once(tree, rows, warm="--cold" not in argv) | {"tree": tree_name}
                runs.append(figures)
                print(f"[{rows:,} rows, {tree_name}] " + ", ".join(f"{key} {figures[key]:.1f} s" for key in PHASES
                                                                   if key in figures)
                      + (f" (warm-up {figures['warmup']:.1f} s)" if "warmup" in figures else "")
                      + f"; {figures['quads']:,} quads, {figures['focus_nodes']:,} focus nodes; load "
                      + "/".join(f"{value:.2f}" for value in figures["load_before"]), flush=True)
                result["sizes"][str(rows)] = {"runs": runs, "medians": summary(runs)}
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(result, indent=2) + "\n")
        ratios = result["sizes"][str(rows)]["medians"].get("new/old", {})
        print(f"[{rows:,} rows] medians new/old: " + ", ".join(f"{key} {value:.3f}" for key, value in ratios.items()),
              flush=True)
    print(f"figures written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
