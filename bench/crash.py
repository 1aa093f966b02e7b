"""The long crash campaign: SIGKILL every write path at random moments, reopen, count.

    .venv/bin/python bench/crash.py [--kills 60] [--seed N] [--paths small,load,large,import,author]
                                    [--load-rows 600] [--import-rows 600] [--out bench/CRASH.md] [--work DIR]

The kills are shared out across the paths (small HTTP writes, large Graph Store DELETE/PUT/POST,
`sahelkg load`, `sahelkg import acled`, `sahelkg author add`). The harness is tests/crash/harness.py
(the CI version: tests/crash/test_crash.py).
Writes a table per path — kills, acknowledged, lost, partial, without provenance, failed opens,
re-runs — with every problem and the kill log, to --out. Exits 1 when a path lost, half-wrote or
orphaned anything, 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.crash.harness import PATHS, Campaign, Tally, make_inputs  # noqa: E402

RUNNABLE = ["small", "load", "large", "import", "author"]  # cheapest first: a campaign cut short still has most paths
NOT_RUN: dict[str, str] = {}
# ACLED rows: ~77 triples each. 260: ~20k triples per large HTTP write; 600: ~46k quads loaded or imported.
SIZES = {"http_rows": 260, "load_rows": 600, "import_rows": 600}


def share(kills: int, paths: list[str]) -> dict[str, int]:
    """Given a total, return kills per path, as even as can be (the first paths get the remainder)."""
    base, extra = divmod(kills, len(paths))
    return {path: base + (i < extra) for i, path in enumerate(paths)}


def git_state() -> str:
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    changed = len(run("status", "--porcelain", "--untracked-files=no").splitlines())
    return f"commit {run('rev-parse', '--short', 'HEAD')}" + (f" + {changed} uncommitted file(s)" if changed else "")


def cell(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def report(tallies: list[Tally], *, seed: int, command: str, started: str, seconds: float) -> str:
    rows = ["| path | kills | acknowledged | lost | partial | without provenance | failed opens | re-runs (failed) | s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for t in tallies:
        reruns = "—" if t.reruns is None else f"{t.reruns} ({t.failed_reruns})"
        rows.append(f"| {t.path} | {t.kills} | {t.acknowledged:,} | {t.lost} | {t.partial} | {cell(t.without_provenance)} "
                    f"| {t.failed_opens} | {reruns} | {t.seconds:.0f} |")
    for path in NOT_RUN:
        rows.append(f"| {path}: not run | | | | | | | | |")
    total = {name: sum(getattr(t, name) or 0 for t in tallies)
             for name in ("kills", "acknowledged", "lost", "partial", "without_provenance", "failed_opens", "reruns",
                          "failed_reruns")}
    rows.append(f"| **all** | **{total['kills']}** | {total['acknowledged']:,} | **{total['lost']}** | **{total['partial']}** "
                f"| **{total['without_provenance']}** | **{total['failed_opens']}** | {total['reruns']} "
                f"(**{total['failed_reruns']}**) | {seconds:.0f} |")
    verdict = "every path held" if all(t.ok() for t in tallies) else "NOT crash-safe: see the problems below"
    lines = [
        "# Crash campaign (issue 13)",
        "",
        f"`{command}` — {started}, {git_state()}, seed {seed} (`--seed {seed}` repeats the random draws), "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}.",
        "",
        f"Sizes: {SIZES['http_rows']} ACLED rows per large HTTP write (~20,000 triples), {SIZES['load_rows']} rows "
        f"(~{SIZES['load_rows'] * 77:,} quads) loaded as N-Quads by `sahelkg load`, {SIZES['import_rows']} rows "
        f"(~{SIZES['import_rows'] * 77:,} quads) imported by `sahelkg import acled`; each "
        "store starts from the seed loaded by `sahelkg load`. Kill moments (fraction drawn in [0, 1.15]): "
        "even-numbered kills at fraction × the write's unkilled duration; odd-numbered ones at fraction × the span "
        "from the beginning of one of its bursts of disk writes (seen live by watching the store's files) to the "
        "next burst or the end (see tests/crash/harness.py). Lost: acknowledged (HTTP 2xx / exit 0) before the "
        "kill and missing after. Partial: a write in part, a catalog record without its data, or another graph changed. Without "
        "provenance: data of a load or import without its catalog record. Re-runs: the killed command run "
        "again must succeed and leave one complete copy with one catalog record.",
        "",
        f"**Result: {verdict}.**",
        "",
        *rows,
        "",
    ]
    for path, why in NOT_RUN.items():
        lines += [f"- {path}: {why}"]
    for t in tallies:
        lines += ["", f"## {t.path}", ""]
        if t.problems:
            lines += ["Problems:", "", *(f"- {p}" for p in t.problems), ""]
        lines += ["Kills:", "", *(f"- {entry}" for entry in t.log)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=60, help="kills in all, shared out across the paths")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random draws (default: a random one)")
    parser.add_argument("--paths", default=",".join(RUNNABLE), help="comma-separated: " + ", ".join(RUNNABLE))
    parser.add_argument("--load-rows", type=int, default=SIZES["load_rows"], help="ACLED rows in the file `sahelkg load` loads")
    parser.add_argument("--import-rows", type=int, default=SIZES["import_rows"], help="ACLED rows `sahelkg import` imports")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "CRASH.md")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the stores under DIR (default: a temporary directory, removed at the end)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    SIZES.update(load_rows=args.load_rows, import_rows=args.import_rows)
    paths = [p for p in args.paths.split(",") if p]
    unknown = [p for p in paths if p not in RUNNABLE]
    if unknown:
        parser.error(f"unknown or not runnable path(s) {unknown}; choose from {RUNNABLE}")
    started = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/crash.py " + " ".join(argv)
    clock = time.monotonic()
    with contextlib.ExitStack() as stack:
        if args.work:  # kept: stores where something went wrong stay there to look at
            work = str(args.work / f"sahelkg-crash-{seed}")
        else:
            work = stack.enter_context(tempfile.TemporaryDirectory(prefix="sahelkg-crash-"))
        print(f"crash seed {seed}; working in {work}", flush=True)
        inputs = make_inputs(Path(work), **SIZES)
        campaign = Campaign(Path(work), seed, inputs, say=lambda line: print(line, flush=True))
        tallies = []
        for path, kills in share(args.kills, paths).items():
            tally = PATHS[path](campaign, kills)
            print(tally.explain(seed).splitlines()[1], flush=True)
            tallies.append(tally)
            # Written after every path: a campaign cut short still leaves its counts.
            args.out.write_text(report(tallies, seed=seed, command=command, started=started,
                                       seconds=time.monotonic() - clock))
    print(f"wrote {args.out}")
    return 0 if all(t.ok() for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
