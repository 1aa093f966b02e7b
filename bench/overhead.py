"""Per-request overhead: our service beside `oxigraph serve`, one client, keep-alive, cheap queries.

    .venv/bin/python bench/overhead.py --events 8000 --requests 2000 --runs 3
    .venv/bin/python bench/overhead.py --baseline-src /tmp/head     # also an older tree, side by side

The queries are so cheap that what is measured is the HTTP and dispatch cost of each server:
`ASK {}` with `Cache-Control: no-cache` (the result cache bypassed), `ASK {}` again and again
(our result cache answers), a point lookup of a different event each time (never cached), and
one saved query (`/queries/cq4-…`, uncached; `oxigraph serve` gets the same bound text). Each
server keeps its connection open (http.client), requests are sequential, and the windows of each
case alternate between servers so that background load falls on every server alike.

`--baseline-src DIR` starts a third server from DIR/src (e.g. `git archive HEAD src queries data
| tar -x -C DIR`), with uvloop hidden from it so that it runs as that tree did before uvloop was
a dependency. Writes bench/results/overhead.json and the "Per-request overhead" section of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402  (bench/run.py: servers, synthetic data, machine description)
import synthetic  # noqa: E402

RESULTS_JSON = ROOT / "bench" / "results" / "overhead.json"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
SECTION = "## Per-request overhead"
SAVED = "cq4-counts-by-perpetrator"
CLAIMANT = "https://w3id.org/sahelkg/id/actor/synthetic-7"
ACCEPT = "application/sparql-results+json"


class Target:
    """One server under test: where its query endpoint is and how a saved query is asked of it."""

    def __init__(self, name: str, server: run.Server, ours: bool):
        self.name, self.server, self.ours = name, server, ours
        parsed = urllib.parse.urlsplit(server.url)
        self.host, self.port, self.path = parsed.hostname or "127.0.0.1", parsed.port or 80, parsed.path
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def query_path(self, text: str) -> str:
        return self.path + "?" + urllib.parse.urlencode({"query": text})

    def saved_path(self, bound_text: str) -> str:
        if self.ours:
            return f"/queries/{SAVED}?" + urllib.parse.urlencode({"claimant": CLAIMANT})
        return self.query_path(bound_text)

    def get(self, path: str, headers: dict[str, str]) -> float:
        """Send one GET on the kept-alive connection; return its latency in seconds."""
        started = time.perf_counter()
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200 or not body:
            raise RuntimeError(f"{self.name}: GET {path[:80]} answered {response.status}: {body[:200]!r}")
        return elapsed

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def close(self) -> None:
        self.connection.close()


def cases(bound_saved: str) -> dict[str, Callable[[Target, int], tuple[str, dict[str, str]]]]:
    """Return case name -> function(target, request number) -> (path, headers)."""
    fresh = {"accept": ACCEPT, "cache-control": "no-cache"}
    repeat = {"accept": ACCEPT}
    return {
        "ASK {} uncached": lambda t, i: (t.query_path("ASK {}"), fresh),
        "ASK {} cached": lambda t, i: (t.query_path("ASK {}"), repeat),
        "point lookup (a new event each time)": lambda t, i: (t.query_path(
            f"SELECT ?p ?o WHERE {{ <https://w3id.org/sahelkg/id/event/synthetic-{i}> ?p ?o }}"), repeat),
        f"/queries/{SAVED} uncached": lambda t, i: (t.saved_path(bound_saved), fresh),
    }


def start_baseline(data: Path, source: Path, hide_uvloop: bool = True) -> run.Server:
    """Start the service from an older source tree, as it ran before uvloop was installed (or with
    uvloop, for a tree that already used it)."""
    hide = Path(tempfile.mkdtemp(prefix="overhead-hide-"))
    if hide_uvloop:
        (hide / "uvloop.py").write_text("raise ImportError('hidden by bench/overhead.py')\n")
    port = run.free_port()
    env = dict(os.environ, SAHELKG_QUERY_TIMEOUT="30", SAHELKG_MAX_RESULT_ROWS="1000000",
               PYTHONPATH=os.pathsep.join([str(source / "src"), str(hide)]),
               SAHELKG_QUERIES=str(source / "queries"))
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port), str(data)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    run.wait_ready(url, process)
    return run.Server("sahelkg (baseline)", url, process, time.monotonic() - started)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(targets: list[Target], bound_saved: str, requests: int, windows: int, warmup: int,
            first: int = 0) -> dict:
    """Run every case on every target in alternating windows; return latencies (ms) per case and target.

    Request numbers (the events looked up) start at `first`: a later run must not look up the
    events an earlier one did, or the result cache would answer them."""
    plan = cases(bound_saved)
    latencies: dict[str, dict[str, list[float]]] = {c: {t.name: [] for t in targets} for c in plan}
    loads: list[float] = []
    per_window = max(1, requests // windows)
    for make in plan.values():
        for target in targets:  # warm-up: connections, caches, the first miss of the cached case
            target.reconnect()
            for i in range(warmup):
                path, headers = make(target, 100_000_000 + first + i)
                target.get(path, headers)
    for window in range(windows):
        loads.append(load_average())
        start = first + window * per_window
        for case, make in plan.items():
            order = targets if window % 2 == 0 else list(reversed(targets))
            for target in order:
                # Servers close a connection idle for seconds (keep-alive timeout): a new one per
                # window, opened by one request that is not timed.
                target.reconnect()
                target.get(*make(target, 200_000_000 + start))
                for i in range(start, start + per_window):
                    path, headers = make(target, i)
                    latencies[case][target.name].append(target.get(path, headers) * 1000)
    loads.append(load_average())
    return {"latencies": latencies, "load_averages": loads, "requests_per_case": per_window * windows}


def summarise(latencies: dict[str, dict[str, list[float]]], reference: str) -> dict:
    summary: dict[str, dict] = {}
    for case, by_target in latencies.items():
        ref = statistics.median(by_target[reference])
        entry = {}
        for name, values in by_target.items():
            median = statistics.median(values)
            entry[name] = {"median_ms": round(median, 4), "p90_ms": round(pct(values, 90), 4), "n": len(values),
                           "ratio_to_oxigraph": round(median / ref, 3),
                           "extra_ms_vs_oxigraph": round(median - ref, 4)}
        summary[case] = entry
    return summary


def combine(runs: list[dict]) -> dict:
    """Given each run's summary, return the median of the runs' figures, case by case and server by server."""
    combined: dict[str, dict] = {}
    for case, entry in runs[0].items():
        combined[case] = {name: {field: round(statistics.median(run[case][name][field] for run in runs), 4)
                                 for field in ("median_ms", "p90_ms", "ratio_to_oxigraph", "extra_ms_vs_oxigraph")}
                          for name in entry}
    return combined


def markdown(report: dict) -> str:
    names = report["servers"]
    ours = [name for name in names if name != "oxigraph serve"]
    lines = [SECTION, "",
             "Generated by `bench/overhead.py` (one client, keep-alive, sequential GETs; windows of each case "
             "alternate between servers). The goal of issue 15 is about the uncached path: extra time per "
             "request ≤ +0.3 ms over `oxigraph serve`.", "",
             f"- Command: `{report['command']}`"]
    if report.get("baseline"):
        lines.append(f"- `sahelkg (baseline)`: {report['baseline']}, run from its own source tree"
                     + ("" if report.get("baseline_uvloop") else ", uvloop hidden"))
    lines += [f"- Machine: {report['machine']}; load average during the run: "
              + ", ".join(f"{v:.2f}" for v in report["load_averages"]),
              f"- Data: {report['events']:,} synthetic events ({report['triples']:,} triples); "
              f"{len(report['runs'])} runs of {report['requests_per_case']} requests per case and server; "
              "the table gives the median of the runs' medians (p90: median of the runs' p90s)", ""]
    for case in report["summary"]:
        lines.append(f"- Extra ms over `oxigraph serve`, {case}, run by run: " + "; ".join(
            f"{name} " + ", ".join(f"{run[case][name]['extra_ms_vs_oxigraph']:+.3f}" for run in report["runs"])
            for name in ours))
    lines += ["", "| case | " + " | ".join(f"{n} median / p90 ms" for n in names) + " | "
              + " | ".join(f"{n}: × oxigraph, extra ms" for n in ours) + " |",
              "|---|" + "---|" * (len(names) + len(ours))]
    for case, entry in report["summary"].items():
        cells = [f"{entry[n]['median_ms']:.3f} / {entry[n]['p90_ms']:.3f}" for n in names]
        cells += [f"{entry[n]['ratio_to_oxigraph']:.2f}×, {entry[n]['extra_ms_vs_oxigraph']:+.3f}" for n in ours]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULTS_MD) -> None:
    """Replace (or append) this benchmark's section of RESULTS.md, leaving every other section as it is."""
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find(SECTION + "\n")
    if start < 0:
        path.write_text(old.rstrip("\n") + "\n\n" + text)
        return
    following = old.find("\n## ", start + len(SECTION))
    rest = old[following + 1:] if following >= 0 else ""
    path.write_text(old[:start] + text + ("\n" + rest if rest else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=8000)
    parser.add_argument("--requests", type=int, default=2000, help="requests per case and server")
    parser.add_argument("--windows", type=int, default=4, help="windows per run (servers alternate)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="an older source tree (with src/ and queries/) to run beside the current one")
    parser.add_argument("--baseline-label", default="an older tree",
                        help="what the baseline is, for RESULTS.md (e.g. 'HEAD 78f6be7: h11, FastAPI routes')")
    parser.add_argument("--baseline-uvloop", action="store_true",
                        help="run the baseline tree with uvloop (for a tree from after uvloop became a dependency)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md and the JSON alone")
    args = parser.parse_args()
    if args.runs * args.requests > args.events:
        parser.error("every point lookup must be of a different event: --runs × --requests ≤ --events")
    run.OUT.mkdir(parents=True, exist_ok=True)
    data = run.OUT / f"overhead-events-{args.events}.nq"
    if not data.exists():
        with open(data, "w") as handle:
            handle.writelines(synthetic.generate(args.events, seed=42))
    triples = sum(1 for _ in open(data))
    bound_saved = run.saved_query(SAVED, claimant=CLAIMANT)
    servers: list[tuple[str, run.Server, bool]] = []
    try:
        servers.append(("oxigraph serve", run.start_oxigraph(data), False))
        servers.append(("sahelkg", run.start_ours(data, 0), True))
        if args.baseline_src:
            baseline = start_baseline(data, args.baseline_src.resolve(), hide_uvloop=not args.baseline_uvloop)
            servers.append(("sahelkg (baseline)", baseline, True))
        targets = [Target(name, server, ours) for name, server, ours in servers]
        measured = [measure(targets, bound_saved, args.requests, args.windows, args.warmup,
                            first=run_index * args.requests) for run_index in range(args.runs)]
        for target in targets:
            target.close()
    finally:
        for _, server, _ in servers:
            server.stop()
    report = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": run.machine(),
              "baseline": args.baseline_label if args.baseline_src else None,
              "baseline_uvloop": args.baseline_uvloop,
              "events": args.events, "triples": triples, "servers": [name for name, _, _ in servers],
              "load_averages": [load for run in measured for load in run["load_averages"]],
              "requests_per_case": measured[0]["requests_per_case"],
              "runs": [summarise(run["latencies"], "oxigraph serve") for run in measured]}
    report["summary"] = combine(report["runs"])
    text = markdown(report)
    print(text)
    if not args.no_write:
        RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_JSON.write_text(json.dumps(report, indent=2))
        write_section(text)


if __name__ == "__main__":
    main()
