"""Time `sahelkg link incidents` on a store of N imported events (default 100 000).

    .venv/bin/python bench/link_incidents.py [EVENTS] [--years Y] [--no-write] [--out FILE]

Two synthetic ACLED exports (current 31-column layout, invented IDs ZZA…/ZZB…, fictional towns
with coordinates in three Sahel countries) of EVENTS/2 rows each are mapped by the ACLED importer
and written into an in-memory store holding the seed (no gate: bench/import_acled.py times that).
A third of file B's rows repeat a row of file A (same day, town and actors, coordinates moved
< 5 km): the true matches; the others fall where they fall (same-day events in nearby towns are
the false matches the scores must rank lower). Events are spread over Y years (default 5: ~55 events a day, about the density of
ACLED's Sahel coverage). Then `incidents.propose` runs: reading the store, blocking by day and
country, scoring; and (unless --no-write) the gate and the write of the candidate links.
Figures: seconds per phase, pairs compared, links proposed, true matches found. Written to --out
(default bench/results/link_incidents.json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.import_acled import seed_store  # noqa: E402
from sahelkg import gate  # noqa: E402
from sahelkg.importers.acled import COLUMNS, AcledImporter  # noqa: E402
from sahelkg.linking import incidents  # noqa: E402

COUNTRIES = (("Mali", "466", 13.0, 17.0, -9.0, -1.0), ("Burkina Faso", "854", 11.0, 14.5, -4.5, 1.5),
             ("Niger", "562", 13.0, 17.0, 1.0, 11.0))
ACTORS = (("Military Forces of Mali (2021-)", "State forces"), ("JNIM: Group for Support of Islam and Muslims", "Rebel group"),
          ("Islamic State (Greater Sahara)", "Rebel group"), ("Civilians (Mali)", "Civilians"))


def gazetteer(rng: random.Random) -> list[tuple[str, str, str, float, float]]:
    """Return fictional towns: (country, region, town, lat, lon), 8 regions × 25 towns per country."""
    towns = []
    for country, _, lat0, lat1, lon0, lon1 in COUNTRIES:
        for r in range(8):
            for t in range(25):
                towns.append((country, f"Benchregion {country[:3]} {r}", f"Benchtown {country[:3]} {r}-{t}",
                              rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)))
    return towns


def row(prefix: str, i: int, day: _dt.date, town: tuple, rng: random.Random, jitter: float = 0.0,
        actors: list[tuple[str, str]] | None = None) -> dict:
    country, region, location, lat, lon = town
    iso = next(c[1] for c in COUNTRIES if c[0] == country)
    (a1, i1), (a2, i2) = actors or rng.sample(ACTORS, 2)
    return {"event_id_cnty": f"{prefix}{i:07d}", "event_date": day.isoformat(), "year": str(day.year),
            "time_precision": "1" if i % 10 else "2", "disorder_type": "Political violence", "event_type": "Battles",
            "sub_event_type": "Armed clash", "actor1": a1, "assoc_actor_1": "", "inter1": i1, "actor2": a2,
            "assoc_actor_2": "", "inter2": i2, "interaction": f"{i1}-{i2}", "civilian_targeting": "", "iso": iso,
            "region": "Western Africa", "country": country, "admin1": region, "admin2": "", "admin3": "",
            "location": location, "latitude": f"{lat + rng.uniform(-jitter, jitter):.4f}",
            "longitude": f"{lon + rng.uniform(-jitter, jitter):.4f}", "geo_precision": "1",
            "source": "Synthetic", "source_scale": "National", "notes": f"Synthetic row {prefix}{i}, for timing.",
            "fatalities": "0", "tags": "", "timestamp": str(1706745600 + i)}


def write_files(directory: Path, events: int, years: int) -> tuple[Path, Path, int]:
    """Write the two exports; return their paths and how many rows of B repeat a row of A."""
    rng = random.Random(10)
    towns = gazetteer(rng)
    start, days = _dt.date(2020, 1, 1), 365 * years
    half = events // 2
    a_rows = [row("ZZA", i, start + _dt.timedelta(days=rng.randrange(days)), rng.choice(towns), rng)
              for i in range(half)]
    b_rows, repeats = [], 0
    for i in range(events - half):
        if i % 3 == 0 and i // 3 < len(a_rows):
            source = a_rows[i // 3]
            town = next(t for t in towns if t[2] == source["location"])
            actors = [(source["actor1"], source["inter1"]), (source["actor2"], source["inter2"])]
            b_rows.append(row("ZZB", i, _dt.date.fromisoformat(source["event_date"]), town, rng, jitter=0.03,
                              actors=actors))
            repeats += 1
        else:
            b_rows.append(row("ZZB", i, start + _dt.timedelta(days=rng.randrange(days)), rng.choice(towns), rng))
    paths = []
    for name, rows in (("a", a_rows), ("b", b_rows)):
        path = directory / f"acled-bench-{name}.csv"
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths[0], paths[1], repeats


def is_true_match(first: str, second: str) -> bool:
    """Given a pair's events (sorted), say whether B's row repeats A's: ZZB index = 3 × ZZA index."""
    a, b = first.rsplit("/", 1)[-1], second.rsplit("/", 1)[-1]
    return a.startswith("acled-zza") and b.startswith("acled-zzb") and int(b[9:]) == 3 * int(a[9:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", nargs="?", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "link_incidents.json")
    args = parser.parse_args(argv)
    figures: dict = {"events": args.events, "years": args.years, "python": platform.python_version(),
                     "load_average": os.getloadavg()[0], "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        a, b, repeats = write_files(Path(tmp), args.events, args.years)
        store = seed_store(None)
        started = time.perf_counter()
        for path in (a, b):
            _, change = AcledImporter().plan(store, path)
            assert change is not None
            store.apply(change)  # bench only: the import's gate is bench/import_acled.py's subject
        figures["import_seconds"] = round(time.perf_counter() - started, 1)
        print(f"imported {args.events:,} events in {figures['import_seconds']} s (no gate)", flush=True)

        started = time.perf_counter()
        facts = incidents.read_store(store)
        read = time.perf_counter()
        proposal = incidents.propose(store, facts=facts)
        proposed = time.perf_counter()
        true_scores = [p.score for p in proposal.pairs if is_true_match(p.first, p.second)]
        false_scores = [p.score for p in proposal.pairs if not is_true_match(p.first, p.second)]
        found = len(true_scores)
        figures.update(true_match_min_score=min(true_scores, default=None),
                       false_matches=len(false_scores),
                       false_matches_scoring_at_least_true_min=sum(1 for x in false_scores if x >= min(true_scores, default=2)))
        figures.update(read_seconds=round(read - started, 2), propose_seconds=round(proposed - read, 2),
                       events_read=proposal.events, pairs_compared=proposal.compared, pairs_matching=len(proposal.pairs),
                       pairs_refused=len(proposal.refused), links=len(proposal.links), true_matches=repeats,
                       true_matches_found=found, quads=len(proposal.change.additions))
        print(f"read the store in {read - started:.1f} s; blocked and scored {proposal.compared:,} pairs in "
              f"{proposed - read:.1f} s: {len(proposal.pairs):,} matching ({found:,} of {repeats:,} true repeats), "
              f"{len(proposal.refused):,} refused, {len(proposal.links):,} candidate links", flush=True)
        if not args.no_write:
            started = time.perf_counter()
            gate.commit(store, proposal.change)
            figures["gate_and_write_seconds"] = round(time.perf_counter() - started, 1)
            print(f"gate and write of {len(proposal.change.additions):,} quads: {figures['gate_and_write_seconds']} s",
                  flush=True)
        store.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
