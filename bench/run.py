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


MIXES = {"standard": query_mix, "repeated": repeated_mix, "lookups": lookup_mix}


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


def start_ours(data: Path, workers: int) -> Server:
    port = free_port()
    env = dict(os.environ, SAHELKG_QUERY_TIMEOUT="30", SAHELKG_MAX_RESULT_ROWS="1000000")
    if workers:
        env["SAHELKG_WORKERS"] = str(workers)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port), str(data)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    wait_ready(url, process)
    return Server("sahelkg", url, process, time.monotonic() - started)


def start_oxigraph(data: Path) -> Server:
    port = free_port()
    process = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph", "--timeout-s", "30"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base + "/query", process)
    started = time.monotonic()
    with open(data, "rb") as handle:
        httpx.post(base + "/store", content=handle, headers={"content-type": "application/n-quads"},
                   timeout=3600).raise_for_status()
    return Server("oxigraph serve", base + "/query", process, time.monotonic() - started)


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


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def lookups_under_runaway(server: Server, n_events: int, seconds: float = 6.0) -> dict:
    rng = random.Random(7)

    def measure(duration: float) -> list[float]:
        out = []
        end = time.monotonic() + duration
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < end:
                q = point_lookup(rng, n_events)
                t = time.monotonic()
                http.post(server.url, data={"query": q}, headers={"accept": "application/sparql-results+json"})
                out.append(time.monotonic() - t)
        return out

    idle = measure(seconds)
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
    busy = measure(seconds)
    runaway.join(seconds + 31)
    return {"idle_p99": pct(idle, 99), "busy_p99": pct(busy, 99), "idle_n": len(idle), "busy_n": len(busy),
            "runaway": outcome or {"status": "still running"}}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return (f"{cpu}, {os.cpu_count()} cores, {mem} MB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


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
                             "cache's case) or lookups (6 of 8 requests point lookups)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "command": " ".join([Path(sys.executable).name, *sys.argv]), "sizes": []}
    for n in args.events:
        data = OUT / f"events-{n}.nq"
        with open(data, "w") as handle:
            handle.writelines(synthetic.generate(n, seed=42))
        triples = sum(1 for _ in open(data))
        size = {"events": n, "triples": triples, "pyoxigraph_bulk_load": pyoxigraph_bulk_load(data), "servers": {}}
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
             f"- Machine: {results['machine']}", f"- Command: `{results['command']}`", ""]
    for size in results["sizes"]:
        servers = size["servers"]
        ours, oxi, rdf = servers.get("sahelkg"), servers.get("oxigraph serve"), servers.get("rdflib-endpoint")
        first = ours or oxi or rdf
        lines += [f"## {size['events']:,} events ({size['triples']:,} triples)", "",
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
    output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
