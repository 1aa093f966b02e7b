"""Time the workbench on a store of N imported ACLED events (default 100 000): the search index
(its SPARQL query, its build, in-process searches) and the server time of each page over HTTP.

    .venv/bin/python bench/workbench.py [ROWS] [--repeat N] [--no-http] [--out FILE] [--baseline-src DIR]

Rows are generated as bench/import_acled.py does, mapped by the ACLED importer and written into
an in-memory store holding the seed (no gate: that is bench/import_acled.py's subject). The
index is then built from that store. With HTTP (the default) the store is dumped to N-Quads and a
real server (`python -m sahelkg.web.app FILE`) is started on it; each page is fetched once cold
(its caches empty: the search index and landing figures are built on that request) and then
REPEAT times warm. Figures: medians and p90 of warm requests, and the cold request alone. With
--baseline-src (the `src` folder of another checkout, e.g. a copy of HEAD's), a second server runs
that code on the same dump right after, for a before/after table from one run. Targets
(issue 12): search under 100 ms on 100k imported events; each page under 1 s there and under
200 ms on the seed (`--seed-only`). Written to
--out (default bench/results/workbench.json) and printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.import_acled import seed_store, write_rows  # noqa: E402
from sahelkg.importers.acled import AcledImporter  # noqa: E402
from sahelkg.web import event_index, search_index  # noqa: E402

SEARCHES = ("fama", "wagner", "niono", "attack boni", "zzz0012345", "a", "segou region", "tinza")
PAGES = (("landing (HTML)", "/", "text/html"), ("landing (JSON)", "/", "application/json"),
         ("search page 'niono'", "/search?q=niono", "text/html"), ("query editor", "/query", "text/html"),
         ("docs", "/docs", "text/html"),
         # Every page kind of the workbench (issue 12): dossiers, other things, views, audits index.
         ("actor dossier: fama (coded in most rows)", "/id/actor/fama", "text/html"),
         ("actor dossier: wagner-group", "/id/actor/wagner-group", "text/html"),
         ("claim dossier", "/id/claim/a000-s4-csp-dpa-accuses", "text/html"),
         ("document dossier: a000", "/id/document/a000", "text/html"),
         ("event page (seed)", "/id/event/a000-niono-vehicle-attack", "text/html"),
         ("place page: mali", "/id/place/mali", "text/html"),
         ("network", "/network", "text/html"), ("network (JSON)", "/network.json", "application/json"),
         ("network, one actor", "/network?actor=wagner-group", "text/html"),
         ("timeline", "/timeline", "text/html"), ("timeline, one actor", "/timeline?actor=wagner-group", "text/html"),
         ("map", "/map", "text/html"), ("map, one actor and a month", "/map?actor=fama&from=2024-01&to=2024-01",
                                        "text/html"),
         ("map (JSON)", "/map.json", "application/json"),
         ("timeline, one actor and a week", "/timeline?actor=wagner-group&from=2024-01-08&to=2024-01-14", "text/html"),
         ("audits index", "/audit", "text/html"))
IMPORTED_PAGES = (("event page (imported row)", "/id/event/acled-zzz0000001", "text/html"),)


def quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median": statistics.median(ordered), "p90": ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
            "max": ordered[-1], "n": len(ordered)}


def in_process(store, repeat: int) -> dict:
    started = time.perf_counter()
    rows = search_index.index_rows(store, None)
    queried = time.perf_counter()
    index = search_index.SearchIndex.from_rows(rows)
    built = time.perf_counter()
    print(f"index: {len(rows):,} name rows in {queried - started:.2f} s (SPARQL), "
          f"{index.size:,} things indexed in {built - queried:.2f} s", flush=True)
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    events = event_index.build(store, seconds=steps)
    event_index_s = time.perf_counter() - t0
    print(f"event index: {len(events.events):,} events in {event_index_s:.2f} s "
          f"({', '.join(f'{k} {v:.1f}' for k, v in steps.items())})", flush=True)
    searches = {}
    for text in SEARCHES:
        timings = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            found = index.search(text, limit=8)
            timings.append(time.perf_counter() - t0)
        searches[text] = {**quantiles(timings), "total": found.total}
    return {"name_rows": len(rows), "things": index.size, "sparql_s": queried - started, "build_s": built - queried,
            "event_index_s": event_index_s, "event_index_steps_s": steps, "events": len(events.events),
            "searches": searches}


def over_http(path: Path, repeat: int, imported: bool = True, source: str | None = None) -> dict:
    from tests.service.conftest import start_server

    started = time.perf_counter()
    env = {"SAHELKG_WORKERS": "2"}
    if source:  # that checkout's package first on the path (the installed one is editable: this one)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (source, os.environ.get("PYTHONPATH"))))
    server = start_server(str(path), env=env, wait=900)
    print(f"server ({source or 'this checkout'}) up in {time.perf_counter() - started:.1f} s", flush=True)
    figures: dict = {"pages": {}, "suggest": {}, "source": source or "this checkout",
                     "load_average_before": os.getloadavg()}
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            def timed(url: str, accept: str) -> float:
                t0 = time.perf_counter()
                response = client.get(url, headers={"Accept": accept})
                elapsed = time.perf_counter() - t0
                assert response.status_code == 200, (url, response.status_code, response.text[:300])
                return elapsed

            cold_search = timed("/search.json?q=fama", "application/json")
            figures["suggest_cold_s"] = cold_search
            print(f"first search (builds the index): {cold_search:.2f} s", flush=True)
            for text in SEARCHES:
                figures["suggest"][text] = quantiles([timed(f"/search.json?q={text}", "application/json")
                                                      for _ in range(repeat)])
            for name, url, accept in PAGES + (IMPORTED_PAGES if imported else ()):
                cold = timed(url, accept)
                figures["pages"][name] = {"cold_s": cold, **quantiles([timed(url, accept) for _ in range(repeat)])}
                print(f"{name}: cold {cold * 1000:.0f} ms, warm median "
                      f"{figures['pages'][name]['median'] * 1000:.1f} ms", flush=True)
    finally:
        server.stop()
    figures["load_average_after"] = os.getloadavg()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help="the seed alone, no imported rows (rows ignored)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "workbench.json"))
    parser.add_argument("--baseline-src", default=None, help="also time a server running the package in this folder")
    args = parser.parse_args()
    results: dict = {"rows": args.rows, "repeat": args.repeat, "machine": platform.platform(),
                     "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "acled.csv"
        write_rows(csv_path, 0 if args.seed_only else args.rows)
        store = seed_store(None)
        t0 = time.perf_counter()
        if args.seed_only:
            results["rows"] = 0
        else:
            _, change = AcledImporter().plan(store, csv_path)
            store.apply(change)
            del change
        results["quads"] = len(store.oxigraph)
        print(f"store: {args.rows:,} imported rows, {results['quads']:,} quads in {time.perf_counter() - t0:.1f} s",
              flush=True)
        results["in_process"] = in_process(store, args.repeat)
        if not args.no_http:
            dump = Path(tmp) / "dataset.nq"
            store.dump(str(dump), format=ox.RdfFormat.N_QUADS)
            store.close()
            del store
            results["http"] = over_http(dump, args.repeat, imported=not args.seed_only)
            if args.baseline_src:
                results["http_baseline"] = over_http(dump, args.repeat, imported=not args.seed_only,
                                                     source=args.baseline_src)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)


def print_table(results: dict) -> None:
    print(f"\n{results['rows']:,} imported ACLED rows, {results['quads']:,} quads; warm figures are medians "
          f"(p90) of {results['repeat']} requests\n")
    local = results["in_process"]
    print(f"index: SPARQL {local['sparql_s']:.2f} s + build {local['build_s']:.2f} s for {local['things']:,} things\n")
    http = results.get("http", {})
    print("| search | matches | in process | over HTTP (/search.json) |\n|---|---|---|---|")
    for text, figures in local["searches"].items():
        remote = http.get("suggest", {}).get(text)
        over = f"{remote['median'] * 1000:.1f} ms ({remote['p90'] * 1000:.1f})" if remote else "—"
        print(f"| `{text}` | {figures['total']:,} | {figures['median'] * 1000:.2f} ms ({figures['p90'] * 1000:.2f}) "
              f"| {over} |")
    if http:
        print(f"\nfirst search over HTTP (builds the index): {http['suggest_cold_s']:.2f} s\n")
        base = results.get("http_baseline", {}).get("pages", {})
        print("| page | cold | warm |" + (" baseline cold | baseline warm |" if base else "")
              + "\n|---|---|---|" + ("---|---|" if base else ""))
        for name, figures in http["pages"].items():
            row = f"| {name} | {figures['cold_s'] * 1000:.0f} ms | {figures['median'] * 1000:.1f} ms " \
                  f"({figures['p90'] * 1000:.1f}) |"
            if name in base:
                row += f" {base[name]['cold_s'] * 1000:.0f} ms | {base[name]['median'] * 1000:.1f} ms " \
                       f"({base[name]['p90'] * 1000:.1f}) |"
            print(row)
        for key in ("http", "http_baseline"):
            if key in results:
                print(f"\n{results[key]['source']}: load average {results[key]['load_average_before']} before, "
                      f"{results[key]['load_average_after']} after")


if __name__ == "__main__":
    main()
