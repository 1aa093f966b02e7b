"""Time an ACLED import of N synthetic rows (default 100 000): mapping, SHACL gate, and write.

    .venv/bin/python bench/import_acled.py [ROWS] [--no-gate] [--compare ROWS] [--cli] [--cli-only] [--disk]
        [--repeat N] [--warm] [--phases] [--sequential] [--out FILE]

The rows are generated in the current export's 31-column layout (invented IDs ZZZ…, a few
Malian locations and actors drawn in turn), written to a temporary CSV, and imported into an
in-memory store holding the seed dataset. Prints one line per phase: mapping, then the commit
as an import makes it (sahelkg.gate.commit: in memory, from gate.BESIDE_MINIMUM quads on, the
check runs in a forked child while this process writes; `gate` is the child's own time, `commit`
both together); `--sequential` checks, then writes (`gate`, `write`), as before the seventh
session; `--no-gate` only writes (EmbeddedStore.apply). `--compare ROWS` first imports a smaller file of ROWS rows once per gate
engine, into fresh stores (pyshacl on a working graph, the shapes compiled to SPARQL in a
temporary store, the shapes compiled to Python). `--cli` also times the whole
command a user runs, `sahelkg import acled FILE --seed --quiet`, as a separate process (Python
start and the seed load included). `--repeat N` runs the main import (and the command) N times
and also reports the median of each phase. `--warm` first gates a 200-row import in a separate
store, so the one-time work of a process (reading the shapes, compiling their checks) is timed
apart (`warmup`) and not inside the main import's gate. `--disk` imports into an on-disk store
instead (a temporary directory holding the seed), and `--cli` then runs `sahelkg import acled FILE --store DIR
--quiet`; `--cli-only` times only the command, and `--phases` (without --quiet) splits it by its
progress lines into start and mapping, gate, write and end. Every figure is also written to `--out` (default
bench/results/import_acled.json).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sahelkg import gate as write_gate
from sahelkg.dataset import loading
from sahelkg.importers.acled import COLUMNS, AcledImporter
from sahelkg.store import EmbeddedStore
from sahelkg.store.change import Change

PLACES = [("Segou", "Niono", "Niono", "14.25", "-5.99"), ("Mopti", "Douentza", "Boni", "15.04", "-1.97"),
          ("Kidal", "Tinessako", "Tinzaouaten", "19.95", "2.92"), ("Timbuktu", "Goundam", "Goundam", "16.41", "-3.67")]
PAIRS = [("Military Forces of Mali (2021-)", "State forces", "JNIM: Group for Support of Islam and Muslims", "Rebel group",
          "Battles", "Armed clash"),
         ("Islamic State (Greater Sahara)", "Rebel group", "Civilians (Mali)", "Civilians",
          "Violence against civilians", "Attack"),
         ("Military Forces of Mali (2021-)", "State forces", "Civilians (Mali)", "Civilians",
          "Explosions/Remote violence", "Air/drone strike")]


def write_rows(path: Path, rows: int) -> None:
    rng = random.Random(6)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for i in range(rows):
            admin1, admin2, location, lat, lon = PLACES[i % len(PLACES)]
            a1, i1, a2, i2, et, st = PAIRS[i % len(PAIRS)]
            writer.writerow({
                "event_id_cnty": f"ZZZ{i:07d}", "event_date": f"{1 + i % 28:02d} January 2024", "year": "2024",
                "time_precision": str(1 + i % 3), "disorder_type": "Political violence", "event_type": et,
                "sub_event_type": st, "actor1": a1, "assoc_actor_1": "Wagner Group" if i % 5 == 0 else "",
                "inter1": i1, "actor2": a2, "assoc_actor_2": "", "inter2": i2, "interaction": f"{i1}-{i2}",
                "civilian_targeting": "Civilian targeting" if i2 == "Civilians" else "", "iso": "466",
                "region": "Western Africa", "country": "Mali", "admin1": admin1, "admin2": admin2, "admin3": "",
                "location": location, "latitude": lat, "longitude": lon, "geo_precision": str(1 + i % 3),
                "source": "Synthetic", "source_scale": "National", "notes": f"Synthetic row {i}, for timing.",
                # timestamp: February 2024, after every event
                "fatalities": str(rng.randint(0, 12)), "tags": "", "timestamp": str(1706745600 + i)})


ENGINES = {"pyshacl": (float("inf"), float("inf")), "sparql": (0, float("inf")), "native": (float("inf"), 0)}


def seed_store(directory: Path | None) -> EmbeddedStore:
    """Given a directory (None: in memory), return a new store there holding the seed dataset."""
    store = EmbeddedStore(directory)
    store.load_quads(loading.dataset_quads(loading.seed_paths()))
    return store


def planned_import(rows: int, directory: Path) -> tuple[EmbeddedStore, Change]:
    """Given a number of rows and a scratch directory, write that many synthetic rows there and
    return an in-memory seed store and the import's change planned against it."""
    path = directory / "acled-bench.csv"
    write_rows(path, rows)
    store = seed_store(None)
    _, change = AcledImporter().plan(store, path)
    assert change is not None
    return store, change


def import_rows(rows: int, *, gate: bool = True, engine: str | None = None, disk: bool = False) -> dict:
    """Given a number of rows, generate them, import them into a fresh seed store (on disk: in a
    temporary directory), print the phases and return them (seconds)."""
    from sahelkg.gate import validation

    label = f"{rows:,} rows" + (f", gate forced to {engine}" if engine else "") + (", on disk" if disk else "")
    figures: dict = {"rows": rows, "engine": engine or "chosen by size", "store": "disk" if disk else "memory"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled-bench.csv"
        write_rows(path, rows)
        store = seed_store(Path(tmp) / "store" if disk else None)
        started, cpu_started = time.perf_counter(), time.process_time()
        report, change = AcledImporter().plan(store, path)
        mapped, cpu_mapped = time.perf_counter(), time.process_time()
        figures.update(quads=len(change.additions), mapping=mapped - started, mapping_cpu=cpu_mapped - cpu_started)
        print(f"[{label}] mapped {report.rows:,} rows to {len(change.additions):,} quads in {mapped - started:.1f} s",
              flush=True)
        if gate and not engine and hasattr(write_gate, "BESIDE_MINIMUM"):
            # As an import commits: in memory the gate checks while the store writes (gate.BESIDE_MINIMUM);
            # `--sequential` times the check, then the write. Code older than the seventh session
            # (bench/import_budget.py) goes the other way: the check, then EmbeddedStore.apply.
            receipt = write_gate.commit(store, change)
            done, cpu_done = time.perf_counter(), time.process_time()
            figures.update(gate=receipt.check_seconds, commit=done - mapped, commit_cpu=cpu_done - cpu_mapped,
                           focus_nodes=receipt.report.focus_nodes)
            overlapped = write_gate.BESIDE_MINIMUM <= len(change.additions) and not disk
            if not overlapped:
                figures["write"] = done - mapped - receipt.check_seconds
            print(f"[{label}] gate: {receipt.report.focus_nodes:,} focus nodes, conforms, checked in "
                  f"{receipt.check_seconds:.1f} s" + (" in a second process while this one wrote" if overlapped else "")
                  + f"; gate and write {done - mapped:.1f} s", flush=True)
        else:
            if gate:
                saved = validation.SPARQL_ENGINE_THRESHOLD, validation.BULK_THRESHOLD
                if engine:
                    validation.SPARQL_ENGINE_THRESHOLD, validation.BULK_THRESHOLD = ENGINES[engine]
                try:
                    verdict = validation.check_change(store, change)
                finally:
                    validation.SPARQL_ENGINE_THRESHOLD, validation.BULK_THRESHOLD = saved
                assert verdict.conforms, verdict.to_text()[:2000]
                checked, cpu_checked = time.perf_counter(), time.process_time()
                figures.update(gate=checked - mapped, gate_cpu=cpu_checked - cpu_mapped, focus_nodes=verdict.focus_nodes)
                print(f"[{label}] gate: {verdict.focus_nodes:,} focus nodes, conforms, in {checked - mapped:.1f} s "
                      f"({rows / (checked - mapped):,.0f} rows/s)", flush=True)
            else:
                checked, cpu_checked = mapped, cpu_mapped
            store.apply(change)
            done, cpu_done = time.perf_counter(), time.process_time()
            figures.update(write=done - checked, write_cpu=cpu_done - cpu_checked)
            print(f"[{label}] write (EmbeddedStore.apply) in {done - checked:.1f} s ({cpu_done - cpu_checked:.1f} s CPU)",
                  flush=True)
        store.close()
        # CPU seconds (this process's threads; not the forked checker's) beside wall ones.
        figures.update(total=done - started, total_cpu=cpu_done - cpu_started)
        print(f"[{label}] total import {done - started:.1f} s ({rows / (done - started):,.0f} rows/s)", flush=True)
    return figures


def import_with_cli(rows: int, disk: bool = False, phases: bool = False) -> dict:
    """Given a number of rows, time `sahelkg import acled FILE --seed --quiet` as a user runs it
    (disk: `sahelkg import acled FILE --store DIR --quiet`, DIR holding the seed). phases: without
    --quiet, each progress line is timed as it arrives, which splits the command into start +
    mapping (up to "mapped …"), gate (up to "conforms…"; in memory the store writes meanwhile and the
    line comes once both are done), write (up to "written") and the end (closing the store, the report, leaving Python)."""
    command = Path(sys.executable).parent / "sahelkg"
    marks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled-bench.csv"
        write_rows(path, rows)
        where = ["--store", str(Path(tmp) / "store")] if disk else ["--seed"]
        if disk:
            seed_store(Path(tmp) / "store").close()
        # CPU seconds of all the command's threads: under load, wall time is mostly a share of the CPU.
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with subprocess.Popen([str(command), "import", "acled", str(path), *where, *([] if phases else ["--quiet"])],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
            assert process.stderr is not None and process.stdout is not None
            errors = []
            for line in process.stderr:
                errors.append(line)
                for mark in ("mapped", "conforms", "written"):
                    if line.startswith(mark) and mark not in marks:
                        marks[mark] = time.perf_counter() - started
            process.stdout.read()
            returncode = process.wait()
        elapsed = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        size = sum(f.stat().st_size for f in (Path(tmp) / "store").rglob("*") if f.is_file()) if disk else None
    if returncode != 0:
        raise SystemExit("sahelkg import failed:\n" + "".join(errors))
    shown = "sahelkg import acled FILE " + ("--store DIR" if disk else "--seed") + ("" if phases else " --quiet")
    cpu = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    figures: dict = {"rows": rows, "command": shown, "total": elapsed, "store_bytes": size, "cpu": cpu,
                     "peak_rss_bytes": children.ru_maxrss * 1024, "load_average": os.getloadavg()}
    if len(marks) == 3:
        figures.update({"start and mapping": marks["mapped"], "gate": marks["conforms"] - marks["mapped"],
                        "write": marks["written"] - marks["conforms"], "end": elapsed - marks["written"]})
    print(f"[{rows:,} rows, command line] {shown}: {elapsed:.1f} s, {cpu:.1f} s CPU, "
          f"peak {children.ru_maxrss / 2**20:.2f} GB (Python start included"
          + (f"; store {size / 1e9:.2f} GB)" if size is not None else ", seed load included)")
          + ("".join(f"; {key} {figures[key]:.1f} s" for key in ("start and mapping", "gate", "write", "end")
                     if key in figures)), flush=True)
    return figures


def warm_up() -> float:
    """Gate a 200-row import in a store of its own (nothing written); return the seconds it took."""
    from sahelkg.gate import validation

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled-warm.csv"
        write_rows(path, 200)
        store = seed_store(None)
        _, change = AcledImporter().plan(store, path)
        assert validation.check_change(store, change).conforms
        store.close()
    elapsed = time.perf_counter() - started
    print(f"[warm-up] 200 rows mapped and gated in {elapsed:.1f} s (the process's one-time work)", flush=True)
    return elapsed


def main(argv: list[str]) -> None:
    rows = int(argv[0]) if argv and argv[0].isdigit() else 100_000
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path(__file__).parent / "results" / "import_acled.json"
    runs: list[dict] = []
    warmup = warm_up() if "--warm" in argv else None
    if "--compare" in argv:
        small = int(argv[argv.index("--compare") + 1])
        for engine in ENGINES:
            runs.append(import_rows(small, engine=engine))
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 1
    disk = "--disk" in argv
    cli_only = "--cli-only" in argv
    if "--sequential" in argv:  # the check, then the write, as before the seventh session
        write_gate.BESIDE_MINIMUM = sys.maxsize
    main_runs = [] if cli_only else [import_rows(rows, gate="--no-gate" not in argv, disk=disk) for _ in range(repeat)]
    if warmup is not None and main_runs:
        main_runs[0]["warmup"] = warmup
    phases = "--phases" in argv
    cli_runs = [import_with_cli(rows, disk, phases) for _ in range(repeat)] if "--cli" in argv or cli_only else []
    runs += main_runs + cli_runs
    medians = {}
    for name, group in (("import", main_runs), ("command", cli_runs)):
        for phase in ("mapping", "start and mapping", "gate", "write", "commit", "end", "total"):
            values = [run[phase] for run in group if phase in run]
            if values:
                medians[f"{name} {phase}"] = statistics.median(values)
    if repeat > 1:
        print("medians: " + ", ".join(f"{name} {value:.1f} s" for name, value in medians.items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    machine: dict[str, object] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    machine["load average at end"] = os.getloadavg()
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "command": "bench/import_acled.py " + " ".join(argv),
                               "machine": machine, "runs": runs,
                               "medians": medians}, indent=2) + "\n")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
