"""Side-by-side benchmark: our service, `oxigraph serve` and rdflib-endpoint on the same data.

    .venv/bin/python bench/run.py --events 8000 80000 --duration 20 --clients 4

For each size: generate synthetic data (bench/synthetic.py), start each server on loopback, load
the data, run the query mix from N concurrent HTTP clients for a fixed time, then measure point
lookups idle and while a runaway query runs. Writes bench/RESULTS.md (and bench/out/*.json).
rdflib-endpoint runs only at the sizes given to --rdflib-events (it is orders slower to load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import synthetic  # noqa: E402

PREFIX = "PREFIX skg: <https://w3id.org/sahelkg/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ 1 2 3 4 5 6 7 8 9 10 }}" for i in range(10)) + " }"


def saved_query(name: str, **values: str) -> str:
    from sahelkg.sparql.saved_queries import parse_query_file

    return parse_query_file(ROOT / "queries" / f"{name}.rq").bind(values)


def point_lookup(rng: random.Random, n_events: int) -> str:
    """Return a query for every statement about one random synthetic event."""
    return f"SELECT ?p ?o WHERE {{ <https://w3id.org/sahelkg/id/event/synthetic-{rng.randrange(n_events)}> ?p ?o }}"


def query_mix(n_events: int) -> dict[str, tuple[float, callable]]:
    """Return name -> (weight, function(rng) -> query text)."""
    cq4 = saved_query("cq4-counts-by-perpetrator", claimant="https://w3id.org/sahelkg/id/actor/synthetic-7")
    return {
        "point lookup": (0.50, lambda rng: point_lookup(rng, n_events)),
        "cq4 counts by perpetrator (saved)": (0.10, lambda rng: cq4),
        "sum per actor and month": (0.10, lambda rng: PREFIX + """SELECT ?actor ?month (SUM(?min) AS ?killed) WHERE {
  ?allegation skg:claimant ?actor ; skg:about ?event ; skg:assertsCount ?count .
  ?count skg:minimum ?min .
  ?event skg:timeSpan/skg:startDate ?date .
  BIND(SUBSTR(STR(?date), 1, 7) AS ?month)
} GROUP BY ?actor ?month ORDER BY DESC(?killed) LIMIT 20"""),
        "optional-heavy": (0.15, lambda rng: PREFIX + f"""SELECT ?event ?place ?date ?min ?claimant ?accused WHERE {{
  ?event skg:location <https://w3id.org/sahelkg/id/place/synthetic-{rng.randrange(synthetic.PLACES)}> .
  OPTIONAL {{ ?event skg:location ?place }}
  OPTIONAL {{ ?event skg:timeSpan/skg:startDate ?date }}
  OPTIONAL {{ ?count skg:countOf ?event ; skg:minimum ?min }}
  OPTIONAL {{ ?allegation skg:about ?event ; skg:claimant ?claimant ;
               skg:qualifiedAccusation/skg:accusedActor ?accused }}
}} ORDER BY ?event"""),
        "regex filter": (0.15, lambda rng: PREFIX + f"""SELECT ?count ?wording WHERE {{
  ?count skg:originalWording ?wording .
  FILTER(REGEX(?wording, "^{rng.choice([3, 5, 8, 12])} people near {rng.choice(synthetic._NAMES[:6])}", "i"))
}} LIMIT 100"""),
    }


def repeated_mix(n_events: int) -> dict[str, tuple[float, callable]]:
    """Return the mix of a public research endpoint: the same heavy saved aggregate again and again."""
    standard = query_mix(n_events)
    return {"sum per actor and month (repeated)": (1.0, standard["sum per actor and month"][1])}


def lookup_mix(n_events: int) -> dict[str, tuple[float, callable]]:
    """Return a lookup-heavy mix: 6 of 8 requests are point lookups."""
    standard = query_mix(n_events)
    return {"point lookup": (0.75, standard["point lookup"][1]),
            "cq4 counts by perpetrator (saved)": (0.125, standard["cq4 counts by perpetrator (saved)"][1]),
            "optional-heavy": (0.125, standard["optional-heavy"][1])}


MIXES = {"standard": query_mix, "repeated": repeated_mix, "lookups": lookup_mix, "readwrite": query_mix}
# The reader + writer mix (issue 15): 16 readers on the standard mix, one writer, ~30 small writes a minute.
READWRITE_CLIENTS = 16
WRITES_PER_MINUTE = 30
WRITE_TOKEN = "bench-write-token"
# --no-cache: sahelkg runs without its result cache (every request evaluated, as oxigraph serve does).
NO_CACHE = False


# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def memory_mb(pid: int) -> float:
    """Proportional set size of a process tree (shared copy-on-write pages counted once), MB."""
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Server:
    def __init__(self, name: str, url: str, process: subprocess.Popen, load_seconds: float):
        self.name, self.url, self.process, self.load_seconds = name, url, process, load_seconds
        self.update_url: str | None = None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready")


def start_ours(data: Path, workers: int, worker_store: str | None = None, store_dir: Path | None = None,
               name: str = "sahelkg") -> Server:
    port = free_port()
    env = dict(os.environ, SAHELKG_QUERY_TIMEOUT="30", SAHELKG_MAX_RESULT_ROWS="1000000",
               SAHELKG_WRITE_TOKEN=WRITE_TOKEN)
    if workers:
        env["SAHELKG_WORKERS"] = str(workers)
    if worker_store:
        env["SAHELKG_WORKER_STORE"] = worker_store
    if NO_CACHE:
        env["SAHELKG_RESULT_CACHE_BYTES"] = "0"
    started = time.monotonic()
    store_args = ["--store", str(store_dir)] if store_dir is not None else []
    process = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port), *store_args, str(data)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    wait_ready(url, process)
    server = Server(name, url, process, time.monotonic() - started)
    server.update_url = f"http://127.0.0.1:{port}/update"
    return server


def start_oxigraph(data: Path, store_dir: Path | None = None) -> Server:
    port = free_port()
    location = ["--location", str(store_dir)] if store_dir is not None else []
    process = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", *location,
                                "--union-default-graph", "--timeout-s", "30"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base + "/query", process)
    started = time.monotonic()
    with open(data, "rb") as handle:
        httpx.post(base + "/store", content=handle, headers={"content-type": "application/n-quads"},
                   timeout=3600).raise_for_status()
    server = Server("oxigraph serve", base + "/query", process, time.monotonic() - started)
    server.update_url = base + "/update"
    return server


def start_rdflib(data: Path) -> Server:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([str(BIN / "rdflib-endpoint"), "serve", str(data), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_ready(url, process, timeout=3600)
    return Server("rdflib-endpoint", url, process, time.monotonic() - started)


def pyoxigraph_bulk_load(data: Path) -> float:
    code = ("import time, pyoxigraph as ox; t = time.monotonic(); s = ox.Store(); "
            f"s.bulk_load(path={str(data)!r}, format=ox.RdfFormat.N_QUADS); "
            "print(time.monotonic() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


# ---------------------------------------------------------------------------------------------
def run_mix(server: Server, mix, clients: int, duration: float, seed: int) -> dict:
    names = list(mix)
    weights = [mix[n][0] for n in names]
    latencies: dict[str, list[float]] = {n: [] for n in names}
    failures: dict[str, int] = {n: 0 for n in names}
    lock = threading.Lock()
    end = time.monotonic() + duration

    def client(k: int) -> None:
        rng = random.Random(seed + k)
        with httpx.Client(timeout=120, headers={"accept": "application/sparql-results+json"}) as http:
            while time.monotonic() < end:
                name = rng.choices(names, weights)[0]
                text = mix[name][1](rng)
                t = time.monotonic()
                try:
                    ok = http.post(server.url, data={"query": text}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.monotonic() - t
                with lock:
                    if ok:
                        latencies[name].append(elapsed)
                    else:
                        failures[name] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    done = sum(len(v) for v in latencies.values())
    return {"throughput": done / wall, "completed": done, "wall": wall, "latencies": latencies,
            "per_query": {n: {"n": len(v), "failed": failures[n], "p50": pct(v, 50), "p99": pct(v, 99)}
                          for n, v in latencies.items()}}


def merge(windows: list[dict]) -> dict:
    """Given the results of several measurement windows, return them combined."""
    wall = sum(w["wall"] for w in windows)
    done = sum(w["completed"] for w in windows)
    per_query = {}
    for name in windows[0]["per_query"]:
        lat = [x for w in windows for x in w["latencies"][name]]
        per_query[name] = {"n": len(lat), "failed": sum(w["per_query"][name]["failed"] for w in windows),
                           "p50": pct(lat, 50), "p99": pct(lat, 99)}
    return {"throughput": done / wall, "completed": done, "wall": wall, "per_query": per_query}


def run_readwrite(server: Server, mix, clients: int, duration: float, seed: int, writer: bool) -> dict:
    """Run the read mix for `duration` s, with one writer beside it when `writer`; return run_mix's
    result plus the writes' latencies and the process tree's peak PSS and process count."""
    stop = threading.Event()
    writes: list[float] = []
    write_failures: list[str] = []
    peak = {"pss_mb": 0.0, "processes": 0}

    def write_loop() -> None:
        interval = 60.0 / WRITES_PER_MINUTE
        headers = {"authorization": f"Bearer {WRITE_TOKEN}", "content-type": "application/sparql-update"}
        with httpx.Client(timeout=120) as http:
            i = 0
            while not stop.is_set():
                i += 1
                update = ("INSERT DATA { GRAPH <urn:bench:writes> { <urn:bench:writer> <urn:bench:wrote> "
                          f'"{seed}-{i}-{time.time_ns()}" }} }}')
                t = time.monotonic()
                try:
                    r = http.post(server.update_url, content=update, headers=headers)
                    ok = r.status_code in (200, 204)
                    if not ok:
                        write_failures.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as error:
                    ok = False
                    write_failures.append(type(error).__name__)
                if ok:
                    writes.append(time.monotonic() - t)
                stop.wait(max(0.0, interval - (time.monotonic() - t)))

    def sample() -> None:
        while not stop.wait(1.0):
            peak["pss_mb"] = max(peak["pss_mb"], memory_mb(server.process.pid))
            peak["processes"] = max(peak["processes"], len(tree(server.process.pid)))

    helpers = [threading.Thread(target=sample)] + ([threading.Thread(target=write_loop)] if writer else [])
    for t in helpers:
        t.start()
    try:
        result = run_mix(server, mix, clients, duration, seed)
    finally:
        stop.set()
        for t in helpers:
            t.join()
    result.update(writes=writes, write_failures=write_failures, peak=peak)
    return result


def merge_readwrite(windows: list[dict]) -> dict:
    """Given readwrite windows, return them merged (reads as `merge`, plus writes and peaks)."""
    merged = merge(windows)
    latencies = [x for w in windows for values in w["latencies"].values() for x in values]
    writes = [x for w in windows for x in w["writes"]]
    merged.update(read_p99=pct(latencies, 99), read_p50=pct(latencies, 50),
                  writes={"n": len(writes), "failed": sum(len(w["write_failures"]) for w in windows),
                          "p50": pct(writes, 50), "p99": pct(writes, 99),
                          "failures": [f for w in windows for f in w["write_failures"]][:5]},
                  peak_pss_mb=max(w["peak"]["pss_mb"] for w in windows),
                  peak_processes=max(w["peak"]["processes"] for w in windows),
                  window_throughputs=[w["throughput"] for w in windows])
    return merged


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def lookups_under_runaway(server: Server, n_events: int, seconds: float = 6.0) -> dict:
    rng = random.Random(7)

    failed = {"idle": 0, "busy": 0}

    def measure(duration: float, phase: str) -> list[float]:
        out = []
        end = time.monotonic() + duration
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < end:
                q = point_lookup(rng, n_events)
                t = time.monotonic()
                try:
                    http.post(server.url, data={"query": q}, headers={"accept": "application/sparql-results+json"})
                except httpx.HTTPError:  # a server that drops the connection under the runaway: counted
                    failed[phase] += 1
                    time.sleep(0.05)
                    continue
                out.append(time.monotonic() - t)
        return out

    idle = measure(seconds, "idle")
    outcome: dict = {}

    def run_away() -> None:
        t = time.monotonic()
        try:
            # sahelkg honours a lower per-request timeout; oxigraph serve ignores the parameter.
            r = httpx.post(server.url, data={"query": RUNAWAY, "timeout": str(seconds + 2)}, timeout=seconds + 30)
            outcome["status"] = r.status_code
        except httpx.HTTPError as error:
            outcome["status"] = type(error).__name__
        outcome["seconds"] = time.monotonic() - t

    runaway = threading.Thread(target=run_away, daemon=True)
    runaway.start()
    time.sleep(0.3)
    busy = measure(seconds, "busy")
    runaway.join(seconds + 31)
    return {"idle_p99": pct(idle, 99), "busy_p99": pct(busy, 99), "idle_n": len(idle), "busy_n": len(busy),
            "failed": failed, "runaway": outcome or {"status": "still running"}}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return (f"{cpu}, {os.cpu_count()} cores, {mem} MB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def data_file(n_events: int) -> Path:
    """Return the synthetic N-Quads file of `n_events` events (seed 42: the same file every time;
    160,000 events are the 3M-triple size), generating it once."""
    data = OUT / f"events-{n_events}.nq"
    if not data.exists():
        partial = data.with_suffix(".partial")
        with open(partial, "w") as handle:
            handle.writelines(synthetic.generate(n_events, seed=42))
        partial.rename(data)
    return data


def main_readwrite(args, results: dict) -> None:
    """The reader + writer mix: every server up at once, windows alternate between servers and
    between "readers only" and "readers + writer", so background load falls on all alike."""
    import shutil
    import tempfile

    for n in args.events:
        data = data_file(n)
        size: dict = {"events": n, "triples": sum(1 for _ in open(data)), "on_disk": args.on_disk, "servers": {}}
        print(f"{n} events, {size['triples']} triples; load {load_average()}", flush=True)
        mix = query_mix(n)
        scratch = Path(tempfile.mkdtemp(prefix="readwrite-", dir=str(OUT)))
        designs: list[str | None] = list(args.worker_stores or [None])
        if "oxigraph serve" in args.servers:
            designs.append("oxigraph serve")
        servers: dict[str, Server] = {}
        try:
            for design in designs:
                if design == "oxigraph serve":
                    server = start_oxigraph(data, scratch / "oxigraph" if args.on_disk else None)
                else:
                    server = start_ours(data, args.workers, design, scratch / f"sahelkg-{design}" if args.on_disk
                                        else None, name=f"sahelkg ({design})" if design else "sahelkg")
                name = server.name
                servers[name] = server
                size["servers"][name] = {"load_seconds": servers[name].load_seconds,
                                         "memory_mb": memory_mb(servers[name].process.pid)}
                print(f"  {name}: load {servers[name].load_seconds:.1f} s", flush=True)
            for server in servers.values():
                run_mix(server, mix, READWRITE_CLIENTS, min(5.0, args.duration), seed=1)  # warm-up
            rounds = max(1, int(args.duration // 10))
            windows: dict[str, dict[bool, list]] = {name: {False: [], True: []} for name in servers}
            for r in range(rounds):
                for name, server in servers.items():
                    for writer in ((False, True) if r % 2 == 0 else (True, False)):
                        window = run_readwrite(server, mix, READWRITE_CLIENTS, args.duration / rounds, 2 + r, writer)
                        window["load_average"] = load_average()
                        windows[name][writer].append(window)
                        print(f"  {name} round {r} writer={writer}: {window['throughput']:.1f} q/s, "
                              f"{len(window['writes'])} writes, load {window['load_average']}", flush=True)
            for name in servers:
                entry = size["servers"][name]
                entry["readers_only"] = merge_readwrite(windows[name][False])
                entry["with_writer"] = merge_readwrite(windows[name][True])
                entry["load_averages"] = [w["load_average"] for w in windows[name][False] + windows[name][True]]
        finally:
            for server in servers.values():
                server.stop()
            shutil.rmtree(scratch, ignore_errors=True)
        results["sizes"].append(size)
        (OUT / "readwrite.json").write_text(json.dumps(results, indent=2, default=str))
    write_readwrite_report(results, Path(args.output))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[8000, 80000])
    parser.add_argument("--rdflib-events", type=int, nargs="*", default=[8000])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--servers", nargs="+", default=["sahelkg", "oxigraph serve", "rdflib-endpoint"],
                        help="which servers to run (default: all three)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--workers", type=int, default=None, help="sahelkg query workers (default: Settings)")
    parser.add_argument("--mix", choices=sorted(MIXES), default="standard",
                        help="standard (default), repeated (one heavy aggregate again and again: the result "
                             "cache's case), lookups (6 of 8 requests point lookups) or readwrite (16 readers on "
                             "the standard mix, windows with and without one writer, ~30 small writes a minute)")
    parser.add_argument("--worker-stores", nargs="+", choices=["forked", "shared"], default=None,
                        help="readwrite: run sahelkg once per worker design, side by side (default: Settings)")
    parser.add_argument("--on-disk", action="store_true",
                        help="readwrite: every server keeps its store on disk (sahelkg --store, oxigraph --location)")
    parser.add_argument("--no-cache", action="store_true", help="sahelkg without its result cache")
    args = parser.parse_args()
    global NO_CACHE
    NO_CACHE = args.no_cache
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "command": " ".join([Path(sys.executable).name, *sys.argv]), "sizes": []}
    if args.mix == "readwrite":
        main_readwrite(args, results)
        return
    for n in args.events:
        data = data_file(n)
        triples = sum(1 for _ in open(data))
        size = {"events": n, "triples": triples, "pyoxigraph_bulk_load": pyoxigraph_bulk_load(data), "servers": {},
                "mix": args.mix, "no_cache": args.no_cache, "load_averages": [load_average()]}
        print(f"{n} events, {triples} triples; pyoxigraph bulk load {size['pyoxigraph_bulk_load']:.1f} s", flush=True)
        mix = MIXES[args.mix](n)
        # Default arguments bind this size's data file (the starters run inside this iteration).
        starters = [("sahelkg", lambda data=data: start_ours(data, args.workers)),
                    ("oxigraph serve", lambda data=data: start_oxigraph(data))]
        if n in args.rdflib_events:
            starters.append(("rdflib-endpoint", lambda data=data: start_rdflib(data)))
        starters = [(name, start) for name, start in starters if name in args.servers]
        servers: dict[str, Server] = {}
        try:
            # All servers stay up; measurement windows alternate between them so that background
            # load on a shared machine falls on every server alike.
            for name, start in starters:
                servers[name] = start()
                size["servers"][name] = {"load_seconds": servers[name].load_seconds,
                                         "memory_mb": memory_mb(servers[name].process.pid)}
                print(f"  {name}: load {servers[name].load_seconds:.1f} s", flush=True)
            for server in servers.values():
                run_mix(server, mix, args.clients, min(5.0, args.duration), seed=1)  # warm-up
            rounds = max(1, int(args.duration // 10))
            windows: dict[str, list] = {name: [] for name in servers}
            for r in range(rounds):
                for name, server in servers.items():
                    windows[name].append(run_mix(server, mix, args.clients, args.duration / rounds, seed=2 + r))
            for name, server in servers.items():
                entry = size["servers"][name]
                entry["mix"] = merge(windows[name])
                if name != "rdflib-endpoint":
                    entry["runaway"] = lookups_under_runaway(server, n)
                entry["memory_mb_after"] = memory_mb(server.process.pid)
                print(f"  {name}: {entry['mix']['throughput']:.1f} q/s, {entry['memory_mb_after']:.0f} MB", flush=True)
        finally:
            for server in servers.values():
                server.stop()
        size["load_averages"].append(load_average())
        results["sizes"].append(size)
        (OUT / (Path(args.output).stem + ".json")).write_text(json.dumps(results, indent=2, default=str))
    write_report(results, Path(args.output))


def _ms(value) -> str:
    return "—" if value is None else f"{value * 1000:.1f}"


def _ratio(a, b) -> str:
    return "—" if not a or not b else f"{a / b:.2f}×"


def _comparison_row(label: str, servers: tuple, get, fmt=lambda v: f"{v:.1f}") -> str:
    """Given a row label, the three servers' results (or None) and a getter, return a Markdown table row."""
    vals = [get(s) if s else None for s in servers]
    cells = [fmt(v) if v is not None else "—" for v in vals]
    return f"| {label} | {' | '.join(cells)} | {_ratio(vals[0], vals[1])} | {_ratio(vals[0], vals[2])} |"


def write_report(results: dict, output: Path) -> None:
    lines = ["# Benchmark results", "",
             "Generated by `bench/run.py`; numbers are from one run on this machine (not a CI gate).", "",
             f"- Machine: {results['machine']}",
             *(f"- Command: `{c}`" for c in results.get("commands") or [results["command"]]), ""]
    for size in results["sizes"]:
        servers = size["servers"]
        ours, oxi, rdf = servers.get("sahelkg"), servers.get("oxigraph serve"), servers.get("rdflib-endpoint")
        first = ours or oxi or rdf
        cache = "result cache off" if size.get("no_cache") else "result cache on (the default)"
        lines += [f"## {size['events']:,} events ({size['triples']:,} triples), {size.get('mix', 'standard')} mix, "
                  f"sahelkg {cache}", "", f"Load average at start → end: {' → '.join(size.get('load_averages', []))}", "",
                  "| | sahelkg | oxigraph serve | rdflib-endpoint | sahelkg / oxigraph | sahelkg / rdflib |",
                  "|---|---|---|---|---|---|"]
        trio = (ours, oxi, rdf)
        lines.append(_comparison_row("throughput, queries/s (mix)", trio, lambda s: s["mix"]["throughput"]))
        lines.append(_comparison_row("load time, s", trio, lambda s: s["load_seconds"]))
        lines.append(_comparison_row("memory after run, MB (PSS of process tree)", trio, lambda s: s["memory_mb_after"],
                                     fmt=lambda v: f"{v:.0f}"))
        bulk = size["pyoxigraph_bulk_load"]
        lines += ["", "pyoxigraph's own bulk load of the same file (`Store().bulk_load(path=…)`, in-process): "
                  f"{bulk:.1f} s (sahelkg load incl. process start / pyoxigraph: "
                  f"{_ratio(ours['load_seconds'] if ours else None, bulk)})", "",
                  "| query | sahelkg p50 / p99 ms | oxigraph p50 / p99 ms | rdflib p50 / p99 ms "
                  "| n (sahelkg / oxigraph / rdflib) |",
                  "|---|---|---|---|---|"]
        for q in first["mix"]["per_query"]:
            cells, counts = [], []
            for s in (ours, oxi, rdf):
                if s:
                    d = s["mix"]["per_query"][q]
                    cells.append(f"{_ms(d['p50'])} / {_ms(d['p99'])}")
                    counts.append(f"{d['n']}" + (f" ({d['failed']} failed)" if d["failed"] else ""))
                else:
                    cells.append("—")
                    counts.append("—")
            lines.append(f"| {q} | {' | '.join(cells)} | {' / '.join(counts)} |")
        lines += ["", "Point lookups while a runaway query runs (1 client; p99 ms idle → busy):", ""]
        for s, name in ((ours, "sahelkg"), (oxi, "oxigraph serve")):
            if s and "runaway" in s:
                r = s["runaway"]
                ra = r.get("runaway", {})
                ended = (f"runaway answered {ra.get('status')} after {ra['seconds']:.1f} s" if "seconds" in ra
                         else f"runaway {ra.get('status')}")
                lines.append(f"- {name}: {_ms(r['idle_p99'])} → {_ms(r['busy_p99'])} "
                             f"({_ratio(r['busy_p99'], r['idle_p99'])}); {ended}")
        lines.append("")
    notes = ROOT / "bench" / "NOTES.md"  # hand-written reading of the numbers, kept across runs
    if notes.exists():
        lines += ["", notes.read_text()]
    kept = [sections(output).get(title) for title in KEPT_SECTIONS]
    output.write_text("\n".join(lines) + "\n" + "".join("\n" + text for text in kept if text))


# Sections of bench/RESULTS.md written by other benches (overhead.py, worker_memory.py, the readwrite
# mix): a regenerated standard-mix report keeps them.
KEPT_SECTIONS = ("Per-request overhead", "Memory per worker count", "Reader + writer mix")


def sections(path: Path) -> dict[str, str]:
    """Given a Markdown file, return its "## title" sections by title (text from the heading on)."""
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    title = None
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("## "):
            title = line[3:].strip()
            out[title] = ""
        if title is not None:
            out[title] += line
    return out


def write_section(path: Path, title: str, text: str) -> None:
    """Replace the "## title" section of a Markdown file with `text` (appended when absent)."""
    current = path.read_text() if path.exists() else ""
    old = sections(path).get(title)
    path.write_text(current.replace(old, text) if old else current.rstrip("\n") + "\n\n" + text)


def write_readwrite_report(results: dict, output: Path) -> None:
    lines = ["## Reader + writer mix", "",
             f"Generated by `bench/run.py --mix readwrite` (issue 15: {READWRITE_CLIENTS} readers on the standard mix "
             f"+ 1 writer, ~{WRITES_PER_MINUTE} one-triple `INSERT DATA` a minute through /update; goal: the writer "
             "costs ≤ 20% of read throughput and ≤ 2× read p99). Every server is up at once; windows alternate "
             "between servers and between readers only / readers + writer.", "",
             f"- Machine: {results['machine']}",
             *(f"- Command: `{c}`" for c in results.get("commands") or [results["command"]]), ""]
    for size in results["sizes"]:
        lines += [f"### {size['events']:,} events ({size['triples']:,} triples), "
                  f"{'on disk' if size['on_disk'] else 'in memory'}", "",
                  "| server | read q/s, readers only → + writer | reads failed (timeout/busy), only / + writer | "
                  "throughput kept | read p99 s, only → + writer | "
                  "p99 ratio | writes (failed), p50 / p99 ms | peak PSS MB / processes | window q/s (only; + writer) | "
                  "load averages |", "|---|---|---|---|---|---|---|---|---|---|"]
        for name, s in size["servers"].items():
            a, b = s["readers_only"], s["with_writer"]
            w = b["writes"]
            lines.append(
                f"| {name} | {a['throughput']:.2f} → {b['throughput']:.2f} | "
                f"{sum(q['failed'] for q in a['per_query'].values())} / {sum(q['failed'] for q in b['per_query'].values())} | "
                f"{_ratio(b['throughput'], a['throughput'])} | "
                f"{a['read_p99'] or 0:.2f} → {b['read_p99'] or 0:.2f} | {_ratio(b['read_p99'], a['read_p99'])} | "
                f"{w['n']} ({w['failed']}), {_ms(w['p50'])} / {_ms(w['p99'])} | "
                f"{max(a['peak_pss_mb'], b['peak_pss_mb']):.0f} / {max(a['peak_processes'], b['peak_processes'])} | "
                f"{', '.join(f'{x:.2f}' for x in a['window_throughputs'])}; "
                f"{', '.join(f'{x:.2f}' for x in b['window_throughputs'])} | {'; '.join(s['load_averages'])} |")
        lines.append("")
    write_section(output, "Reader + writer mix", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
