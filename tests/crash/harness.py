"""Crash-test harness: SIGKILL real `sahelkg` processes at random moments while they write, reopen
the store, and count what a crash cost.

Write paths (one runner each, all sharing one `Campaign`):
  small    `sahelkg serve --store DIR` taking a stream of small gated writes (SPARQL Update INSERT
           DATA and Graph Store POST, alternately, from several clients)
  large    the same server taking one Graph Store DELETE, PUT or POST of ~20,000 triples
  load     `sahelkg load FILE --store DIR`
  import   `sahelkg import acled FILE --store DIR`
  author   `sahelkg author add SHEET --store DIR` (a small sheet written by `write_author_sheet`)

After every kill the store is reopened in a fresh process (`inspect_store`, through
`sahelkg.store.EmbeddedStore`) and checked:
  lost                 a write acknowledged (HTTP 2xx, or exit status 0) before the kill is not there
  partial              a write is there in part (or its catalog record is there without its data,
                       or another graph changed)
  without provenance   data of a load or import is there without its catalog record
  failed opens         the store did not open (or the server did not start on it again)
Load and import are also run again after each kill; the re-run must succeed and leave exactly one
complete copy with one catalog record.

Kill moments: a fraction in [0, LATE] and a burst are drawn from a `random.Random` seeded with the
campaign's seed and the path's name (each path's draws are reproducible on their own). Even-numbered
kills come at fraction × the duration of the same write left to finish; odd-numbered ones at
fraction × the span from the beginning of one of its bursts of disk writes (seen live by watching
the store's files: `Watch`, `Timing`) to the next: on a shared machine run times vary too much to
aim by the clock.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from sahelkg import namespaces as ns

REPO = Path(__file__).resolve().parents[2]
SAHELKG = str(Path(sys.executable).parent / "sahelkg")
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# Times and dates that differ between two runs of the same load or import: left out of digests.
VOLATILE = frozenset({PROV + "startedAtTime", PROV + "endedAtTime", ns.SKG + "retrievedOn"})
TOKEN = "crash-test-token"
SMALL_GRAPH = ns.GRAPH + "test/crash-small"
BULK_GRAPH = ns.GRAPH + "test/crash-bulk"
LOAD_GRAPH = ns.GRAPH + "test/crash-load"
NOTE_PREFIX = ns.ID + "document/crash-note-"
NOTE_PUBLISHER = ns.ID + "actor/publisher-of-a000"  # an actor of the seed article
TRIPLES_PER_NOTE = 6
# Changes to a store's files this long after the previous one begin a new burst of writes.
QUIET = 1.0
# Kill moments are drawn in [0, LATE × the write's duration]: some land after the write finished,
# to check that what was acknowledged stays.
LATE = 1.15
ACLED_TEMPLATES = REPO / "tests" / "importers" / "data" / "acled.csv"


def triples_digest(triples: Iterable[ox.Triple]) -> dict:
    """Given triples, return their count and the SHA-256 of their sorted N-Triples lines (volatile
    times left out), so two stores can be compared without holding both.

    >>> a = ox.Triple(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"))
    >>> b = ox.Triple(ox.NamedNode("http://s"), ox.NamedNode(PROV + "endedAtTime"), ox.Literal("now"))
    >>> triples_digest([a, b])["count"], triples_digest([a, b])["sha256"] == triples_digest([a])["sha256"]
    (2, True)
    """
    lines = []
    count = 0
    for triple in triples:
        count += 1
        if triple.predicate.value not in VOLATILE:
            lines.append(str(triple))
    lines.sort()
    return {"count": count, "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest()}


def read_triples(path: Path) -> list[ox.Triple]:
    """Given an N-Triples or N-Quads file, return its triples (graph names dropped)."""
    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=fmt)]


# ---------------------------------------------------------------- tallies


@dataclass
class Tally:
    """What the kills of one write path found."""

    path: str
    kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    partial: int = 0
    without_provenance: int | None = None  # None: the path writes no catalog record
    failed_opens: int = 0
    reruns: int | None = None  # None: the path has no re-run
    failed_reruns: int | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return (self.kills > 0 and self.lost == 0 and self.partial == 0 and self.failed_opens == 0
                and not self.without_provenance and not self.failed_reruns and not self.problems)

    def explain(self, seed: int) -> str:
        """Return the counts, every problem and the kill log, with the seed that reproduces the draws."""
        counts = (f"{self.path}: kills {self.kills}, acknowledged {self.acknowledged}, lost {self.lost}, "
                  f"partial {self.partial}, without provenance {self.without_provenance}, failed opens "
                  f"{self.failed_opens}, re-runs {self.reruns} (failed {self.failed_reruns}), {self.seconds:.0f} s")
        return "\n".join([f"crash seed {seed} (SAHELKG_CRASH_SEED={seed} repeats the random draws)", counts,
                          *("problem: " + p for p in self.problems), *("log: " + line for line in self.log)])


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a command in a process group of its own (so SIGKILL reaches its children too)."""
    with open(log, "ab") as out:
        return subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **(env or {})})


def kill_group(process: subprocess.Popen) -> str | None:
    """SIGKILL a process group and wait until none of it is left; return a problem, or None."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return None
        time.sleep(0.05)
    return f"processes of group {process.pid} still alive 10 s after SIGKILL"


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process group cleanly (SIGTERM), or kill it after 30 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        pass
    kill_group(process)


def tail(path: Path, lines: int = 8) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def signature(directory: Path) -> tuple:
    """Given a store directory, return the sizes and times of its files (they change when it is written)."""
    try:  # RocksDB's own log (LOG*) is written at any time: left out
        return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(directory)
                            if not e.name.startswith("LOG")))
    except OSError:  # a file went away while listed
        return ()


class Watch:
    """Samples a store directory every few milliseconds from a thread and records when it changed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started = time.monotonic()
        self.changes: list[float] = []  # seconds after `started`
        self.bursts: list[float] = []  # when each burst of changes began (after QUIET seconds without any)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last = signature(self.directory)
        while not self._stop.wait(0.004):
            now = signature(self.directory)
            if now != last:
                moment = time.monotonic() - self.started
                if not self.changes or moment - self.changes[-1] > QUIET:
                    self.bursts.append(moment)
                self.changes.append(moment)
                last = now

    def wait_for_burst(self, number: int, running: Callable[[], bool]) -> float:
        """Wait until burst `number` (1-based) has begun, or the writer is done; return when it began
        (or now), in seconds after `started`."""
        while running() and len(self.bursts) < number:
            time.sleep(0.004)
        if number and len(self.bursts) >= number:
            return self.bursts[number - 1]
        return time.monotonic() - self.started

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return self.changes


@dataclass
class Timing:
    """How long a write takes left alone, and when it changed the store's files: bursts of
    changes, each beginning after QUIET seconds without any. A command's first burst is opening
    the store; the bursts after the quiet of parsing and validation are its writes."""

    duration: float
    bursts: list[float]  # when each burst began, seconds after the start
    first_write: int  # index of the first burst that writes (1 for a command: 0 opens the store)

    @classmethod
    def observed(cls, duration: float, changes: list[float], first_write: int) -> Timing:
        """Given a duration, the moments the files changed and which burst writes first, return the timing.

        >>> t = Timing.observed(10.0, [0.5, 0.6, 4.0, 4.1, 9.0, 12.0], first_write=1)
        >>> t.bursts, t.first_write
        ([0.5, 4.0, 9.0], 1)
        >>> Timing.observed(3.0, [0.2], first_write=1).first_write  # opened and wrote in one go
        0
        """
        bursts: list[float] = []
        for i, moment in enumerate(changes):
            if moment > duration:
                break
            if i == 0 or moment - changes[i - 1] > QUIET:
                bursts.append(moment)
        return cls(duration, bursts, min(first_write, max(len(bursts) - 1, 0)))

    def kill_moment(self, rng: random.Random, kill: int) -> tuple[str, float, int]:
        """Given the seeded draws and the kill's number, return the mode, a fraction and a burst:
        even kills come at fraction × the duration; odd kills at fraction × the time from the
        beginning of one of the write's bursts (watched live: run times vary too much on a shared
        machine to aim by the clock) to the next burst or the end."""
        fraction = rng.uniform(0, LATE)
        pick = rng.random()  # drawn always: the same draws whatever the bursts
        burst = self.first_write + int(pick * (len(self.bursts) - self.first_write)) if self.bursts else 0
        return ("anywhere" if kill % 2 == 0 or not self.bursts else f"in burst {burst + 1} of file changes"), fraction, burst

    def wait_and_kill_moment(self, mode: str, fraction: float, burst: int, watch: Watch,
                             running: Callable[[], bool]) -> float:
        """Sleep until the kill moment; return it in seconds after the watch started."""
        if mode == "anywhere":
            moment = fraction * self.duration
        else:
            span = (self.bursts[burst + 1] if burst + 1 < len(self.bursts) else self.duration) - self.bursts[burst]
            moment = watch.wait_for_burst(burst + 1, running) + fraction * span
        time.sleep(max(0.0, watch.started + moment - time.monotonic()))
        return moment

    def __str__(self) -> str:
        writes = ", ".join(f"{b:.2f}" for b in self.bursts[self.first_write:])
        return f"{self.duration:.2f} s, disk-write bursts from {writes} s"


class Server:
    """`sahelkg serve --store DIR` with a write token, in its own process group."""

    def __init__(self, store: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = spawn([SAHELKG, "serve", "--store", str(store), "--port", str(self.port)], log,
                             env={"SAHELKG_WRITE_TOKEN": TOKEN, "SAHELKG_WORKERS": "1"})

    def ready(self, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/sparql", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def kill(self) -> str | None:
        return kill_group(self.process)


def inspect(store: Path, *, digests: Iterable[str] = (), subjects: str | None = None) -> dict:
    """Open a store in a fresh process and return what it holds (see inspect_store); a store that
    does not open gives {"opened": False, "error": …}."""
    args = [sys.executable, "-m", "tests.crash.inspect_store", str(store)]
    for graph in digests:
        args += ["--digest", graph]
    if subjects:
        args += ["--subjects", subjects]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600)
    try:
        result: dict = json.loads(done.stdout)
        return result
    except json.JSONDecodeError:
        return {"opened": False, "error": f"exit status {done.returncode}: {done.stderr.strip()[-600:]}"}


# ---------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """The seed store every path starts from, and conforming data to write."""

    seed_store: Path  # ontology + data loaded by `sahelkg load`; copied before each use
    baseline: dict  # inspect() of seed_store
    old_nt: Path  # ~20,000 triples (an ACLED import graph) for the large HTTP writes
    new_nt: Path  # as many other triples for PUT and POST
    load_file: Path  # N-Quads into LOAD_GRAPH for `sahelkg load`
    import_csv: Path  # ACLED rows for `sahelkg import acled`


def write_acled_csv(path: Path, rows: int, prefix: str) -> None:
    """Write `rows` ACLED rows: the importer tests' fixture rows in turn, each with an ID of its own."""
    with open(ACLED_TEMPLATES, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        templates = list(reader)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for i in range(rows):
            writer.writerow({**templates[i % len(templates)], "event_id_cnty": f"{prefix}{i:06d}"})


_SEED_QUADS: list[ox.Quad] | None = None


def import_graph_triples(csv_path: Path) -> list[ox.Triple]:
    """Given an ACLED CSV, import it into a fresh in-memory seed store and return the import
    graph's triples: data the gate accepts, with its actors and places."""
    from sahelkg.dataset import loading
    from sahelkg.importers.acled import import_acled
    from sahelkg.store import EmbeddedStore

    global _SEED_QUADS
    if _SEED_QUADS is None:
        _SEED_QUADS = list(loading.dataset_quads(loading.seed_paths()))
    store = EmbeddedStore()
    store.load_quads(_SEED_QUADS)
    before = set(store.graph_counts())
    import_acled(store, csv_path)
    graphs = [g for g in store.graph_counts() if g not in before]
    if len(graphs) != 1:
        raise RuntimeError(f"importing {csv_path} made graphs {graphs}, expected one import graph")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph=ox.NamedNode(graphs[0]))]


def make_inputs(root: Path, *, http_rows: int, load_rows: int, import_rows: int) -> Inputs:
    """Build the seed store (with the real `sahelkg load`) and the data the paths write.

    ACLED rows map to about 77 triples each: 260 rows give ~20,000."""
    from sahelkg.dataset import loading

    root.mkdir(parents=True, exist_ok=True)
    seed_store = root / "seed-store"
    done = subprocess.run([SAHELKG, "load", *map(str, loading.seed_paths()), "--store", str(seed_store)],
                          cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`sahelkg load` of the seed failed (exit {done.returncode}): "
                           f"{(done.stdout + done.stderr)[-2000:]}")
    baseline = inspect(seed_store)
    if not baseline.get("opened"):
        raise RuntimeError(f"the seed store does not open: {baseline.get('error')}")
    files = {}
    for name, rows, prefix in (("old", http_rows, "ZCO"), ("new", http_rows, "ZCN"), ("load", load_rows, "ZCL")):
        csv_path = root / f"{name}.csv"
        write_acled_csv(csv_path, rows, prefix)
        triples = import_graph_triples(csv_path)
        if name == "load":
            graph = ox.NamedNode(LOAD_GRAPH)
            files[name] = root / "load.nq"
            files[name].write_bytes(ox.serialize([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples],
                                                 format=ox.RdfFormat.N_QUADS) or b"")
        else:
            files[name] = root / f"{name}.nt"
            files[name].write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    import_csv = root / "import.csv"
    write_acled_csv(import_csv, import_rows, "ZCI")
    return Inputs(seed_store, baseline, files["old"], files["new"], files["load"], import_csv)


# ---------------------------------------------------------------- the campaign


class Campaign:
    """One run of the harness: a working directory, a seed and the shared inputs."""

    def __init__(self, root: Path, seed: int, inputs: Inputs, say: Callable[[str], None] = print) -> None:
        self.root = root
        self.seed = seed
        self.inputs = inputs
        self.say = say
        self._dirs = itertools.count()

    def rng(self, path: str) -> random.Random:
        return random.Random(f"{self.seed}:{path}")

    def copy_of(self, store: Path, name: str) -> Path:
        """Return a fresh copy of a (closed) store directory."""
        target = self.root / f"{name}-{next(self._dirs)}"
        while target.exists():
            target = self.root / f"{name}-{next(self._dirs)}"
        shutil.copytree(store, target)
        return target


def other_graphs_changed(found: dict, expected: dict, ignore: Iterable[str]) -> list[str]:
    """Given two graph→count maps, return how they differ outside the `ignore`d graphs."""
    skip = set(ignore)
    names = (set(found) | set(expected)) - skip
    return [f"{g}: {found.get(g, 0):,} triples, expected {expected.get(g, 0):,}"
            for g in sorted(names) if found.get(g, 0) != expected.get(g, 0)]


# ---------------------------------------------------------------- small HTTP writes


def note_iri(i: int) -> str:
    return f"{NOTE_PREFIX}{i}"


def note_triples(i: int) -> str:
    """Given a write number, return N-Triples of one small document that conforms to the shapes."""
    s = f"<{note_iri(i)}>"
    return "\n".join([
        f"{s} <{RDF_TYPE}> <{ns.SKG}Document> .",
        f'{s} <{RDFS_LABEL}> "Crash-test note {i}"@en .',
        f'{s} <{ns.SKG}sha256> "{hashlib.sha256(str(i).encode()).hexdigest()}" .',
        f'{s} <{ns.SKG}datePublished> "2025-01-{1 + i % 28:02d}"^^<{XSD}date> .',
        f'{s} <{ns.SKG}language> "en"^^<{XSD}language> .',
        f"{s} <{ns.SKG}publisher> <{NOTE_PUBLISHER}> .",
    ]) + "\n"


def send_note(client: httpx.Client, i: int) -> httpx.Response:
    """Write note i: even numbers as a SPARQL Update, odd ones as a Graph Store POST."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if i % 2 == 0:
        body = f"INSERT DATA {{ GRAPH <{SMALL_GRAPH}> {{\n{note_triples(i)}}} }}"
        return client.post("/update", content=body.encode(), headers={**auth, "content-type": "application/sparql-update"})
    return client.post("/store", params={"graph": SMALL_GRAPH}, content=note_triples(i).encode(),
                       headers={**auth, "content-type": "application/n-triples"})


def small_writes(c: Campaign, kills: int, *, writers: int = 3, longest: float = 3.0) -> Tally:
    """Kill the server `kills` times while `writers` clients stream small writes into one store
    (the same directory throughout, restarted after each kill)."""
    started = time.monotonic()
    tally = Tally("small HTTP writes (/update INSERT DATA, /store POST)")
    rng = c.rng("small")
    store = c.copy_of(c.inputs.seed_store, "small")
    numbers = itertools.count()
    lock = threading.Lock()
    acknowledged: set[int] = set()
    lost: set[int] = set()
    partial: set[str] = set()
    for k in range(kills):
        server = Server(store, c.root / "small-server.log")
        if not server.ready():
            server.kill()
            tally.failed_opens += 1
            tally.problems.append(f"kill {k}: the server did not start on the store crashed before: "
                                  f"{tail(server.log)}")
            break
        delay = rng.uniform(0.0, longest)
        killed = threading.Event()
        first_ack = threading.Event()

        def stream(server: Server = server, killed: threading.Event = killed, first_ack: threading.Event = first_ack,
                   k: int = k) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                while not killed.is_set():
                    with lock:
                        i = next(numbers)
                    try:
                        response = send_note(client, i)
                    except httpx.HTTPError as error:
                        if not killed.is_set():
                            with lock:
                                tally.problems.append(f"kill {k}: write {i} failed before the kill: {error!r}")
                        return
                    with lock:
                        if response.is_success:
                            acknowledged.add(i)
                            first_ack.set()
                        elif not killed.is_set():
                            tally.problems.append(f"kill {k}: write {i} answered {response.status_code}: "
                                                  f"{response.text[:300]}")

        threads = [threading.Thread(target=stream) for _ in range(writers)]
        for thread in threads:
            thread.start()
        # The first write of a fresh server warms the gate up (seconds on a busy machine): the
        # random delay starts once writes flow.
        if not first_ack.wait(60):
            tally.problems.append(f"kill {k}: no write acknowledged within 60 s")
        time.sleep(delay)
        killed.set()
        problem = server.kill()
        for thread in threads:
            thread.join(60)
        tally.kills += 1
        if problem:
            tally.problems.append(f"kill {k}: {problem}")
        found = inspect(store, subjects=NOTE_PREFIX)
        if not found.get("opened"):
            tally.failed_opens += 1
            tally.problems.append(f"kill {k}: the store did not open: {found.get('error')}")
            break
        counts: dict[str, int] = found["subjects"]
        with lock:
            missing = {i for i in acknowledged if counts.get(note_iri(i), 0) == 0}
            halves = {s for s, n in counts.items() if n != TRIPLES_PER_NOTE}
            lost |= missing
            partial |= halves
            tally.log.append(f"kill {k} {delay:.2f} s after the first acknowledgement: {len(acknowledged)} acknowledged so far, "
                             f"{len(counts)} notes stored, {len(missing)} acknowledged missing, {len(halves)} partial")
        if missing:
            tally.problems.append(f"kill {k}: acknowledged writes missing: {sorted(missing)[:20]}")
        if halves:
            tally.problems.append(f"kill {k}: partial notes: " + ", ".join(f"{s} ({counts[s]} of {TRIPLES_PER_NOTE})"
                                                                           for s in sorted(halves)[:10]))
        c.say(tally.log[-1])
    tally.acknowledged, tally.lost, tally.partial = len(acknowledged), len(lost), len(partial)
    tally.seconds = time.monotonic() - started
    return tally


# ---------------------------------------------------------------- large HTTP writes


def timed_request(server: Server, method: str, body: bytes | None, outcome: dict) -> None:
    """Send one Graph Store request to BULK_GRAPH; put its status (or error) and duration in `outcome`."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/n-triples"}
    try:
        with httpx.Client(base_url=server.url, timeout=600) as client:
            response = client.request(method, "/store", params={"graph": BULK_GRAPH}, content=body, headers=headers)
        outcome.update(status=response.status_code, text=response.text[:300], seconds=time.monotonic() - started)
    except httpx.HTTPError as error:
        outcome.update(error=repr(error))


def watched_request(server: Server, store: Path, method: str, body: bytes | None) -> tuple[dict, Timing]:
    """Send one Graph Store request left to finish; return its outcome and timing."""
    outcome: dict = {}
    watch = Watch(store)
    timed_request(server, method, body, outcome)
    changes = watch.stop()
    return outcome, Timing.observed(outcome.get("seconds", 0.0), changes, first_write=0)


def large_writes(c: Campaign, kills: int) -> Tally:
    """Kill the server during Graph Store DELETE, PUT and POST (in a seeded order) of ~20,000 triples
    on a graph holding ~20,000 others; each kill on a fresh copy of the same store."""
    started = time.monotonic()
    tally = Tally("large HTTP writes (/store DELETE, PUT, POST of ~20k triples)")
    rng = c.rng("large")
    old, new = read_triples(c.inputs.old_nt), read_triples(c.inputs.new_nt)
    old_body, new_body = c.inputs.old_nt.read_bytes(), c.inputs.new_nt.read_bytes()
    template = c.copy_of(c.inputs.seed_store, "large-template")
    done = subprocess.run([SAHELKG, "load", str(c.inputs.old_nt), "--graph", BULK_GRAPH, "--store", str(template)],
                          cwd=REPO, capture_output=True, text=True)
    before = inspect(template, digests=[BULK_GRAPH])
    if done.returncode != 0 or before.get("digests", {}).get(BULK_GRAPH) != triples_digest(old):
        tally.problems.append(f"setup: `sahelkg load` of {len(old):,} triples into {BULK_GRAPH} failed: "
                              f"{done.stderr[-1000:]} {before.get('error', '')}")
        return tally
    # Each kind of request once, left to finish, on a copy: their durations and when they start
    # writing to disk are the windows the kills are drawn in. The PUT there replaces old + new by
    # old (the killed one replaces old by new: as many triples removed, fewer added).
    calibration = c.copy_of(template, "large-calibration")
    server = Server(calibration, c.root / "large-server.log")
    timings: dict[str, Timing] = {}
    if server.ready():
        for method, body in (("POST", new_body), ("PUT", old_body), ("DELETE", None)):
            result, timing = watched_request(server, calibration, method, body)
            if not 200 <= result.get("status", 0) < 300:
                tally.problems.append(f"setup: {method} answered {result}")
                break
            timings[method] = timing
    stop_group(server.process)
    if len(timings) != 3:
        tally.problems.append(f"setup: the calibration requests failed: {tail(server.log)}")
        return tally
    c.say("large: unkilled " + ", ".join(f"{m} {t}" for m, t in timings.items()))
    outcomes = {"DELETE": (None, triples_digest([])), "PUT": (new_body, triples_digest(new)),
                "POST": (new_body, triples_digest(set(old) | set(new)))}
    order = list(outcomes)
    rng.shuffle(order)
    for k in range(kills):
        method = order[k % len(order)]
        body, after = outcomes[method]
        store = c.copy_of(template, f"large-{method.lower()}")
        server = Server(store, c.root / "large-server.log")
        if not server.ready():  # on a copy of a clean store: not a crash's doing, but nothing to test
            server.kill()
            tally.problems.append(f"kill {k}: the server did not start on a clean store: {tail(server.log)}")
            continue
        mode, fraction, burst = timings[method].kill_moment(rng, k)
        outcome: dict = {}
        watch = Watch(store)
        sender = threading.Thread(target=timed_request, args=(server, method, body, outcome))
        sender.start()
        delay = timings[method].wait_and_kill_moment(mode, fraction, burst, watch, sender.is_alive)
        problem = server.kill()
        changes = watch.stop()
        sender.join(60)
        tally.kills += 1
        if problem:
            tally.problems.append(f"kill {k}: {problem}")
        acknowledged = 200 <= outcome.get("status", 0) < 300
        if acknowledged:
            tally.acknowledged += 1
        elif "status" in outcome:
            tally.problems.append(f"kill {k}: {method} answered {outcome['status']}: {outcome['text']}")
        found = inspect(store, digests=[BULK_GRAPH])
        if not found.get("opened"):
            tally.failed_opens += 1
            tally.problems.append(f"kill {k} ({method}): the store did not open: {found.get('error')}")
            continue
        digest = found["digests"][BULK_GRAPH]
        state = "old" if digest == before["digests"][BULK_GRAPH] else "new" if digest == after else "partial"
        others = other_graphs_changed(found["graphs"], before["graphs"], [BULK_GRAPH])
        line = (f"kill {k}: {method} ({timings[method]}) killed {mode}, fraction {fraction:.3f}: at {delay:.2f} s, "
                f"{disk_note(changes)}, {'acknowledged' if acknowledged else 'not acknowledged'}; "
                f"graph holds {digest['count']:,} triples: {state}")
        tally.log.append(line)
        c.say(line)
        if state == "partial" or others:
            tally.partial += 1
            tally.problems.append(f"kill {k} ({method}, {mode}, fraction {fraction:.3f}): {BULK_GRAPH} holds "
                                  f"{digest['count']:,} triples, neither the {before['digests'][BULK_GRAPH]['count']:,} "
                                  f"before nor the {after['count']:,} after" + (f"; other graphs changed: {others}"
                                                                                 if others else ""))
        elif acknowledged and state != "new":
            tally.lost += 1
            tally.problems.append(f"kill {k} ({method}): acknowledged, but the graph holds the old content")
        else:
            shutil.rmtree(store)  # kept only when something is wrong, to look at
    tally.seconds = time.monotonic() - started
    return tally


# ---------------------------------------------------------------- load and import commands


@dataclass
class CommandPath:
    """A write command killed at random: what it writes and how to recognise it."""

    name: str
    key: str  # a short name for directories, logs and random draws
    args: Callable[[Path], list[str]]  # the command, given the store directory
    graph: str | None  # the graph it writes (None: found from the reference run)


def running(process: subprocess.Popen) -> bool:
    return process.poll() is None


def run_to_end(args: list[str], log: Path, store: Path | None = None) -> tuple[int, Timing]:
    """Run a command left to finish; return its exit status and timing (disk writes seen when
    `store` is given)."""
    watch = Watch(store) if store is not None else None
    started = time.monotonic()
    status = spawn(args, log).wait()
    duration = time.monotonic() - started
    return status, Timing.observed(duration, watch.stop() if watch else [], first_write=1)


def disk_note(changes: list[float]) -> str:
    return f"store files changing from {changes[0]:.2f} s" if changes else "store files not changed yet"


def command_kills(c: Campaign, spec: CommandPath, kills: int) -> Tally:
    """Kill a write command `kills` times on fresh copies of the seed store, check, run it again."""
    started = time.monotonic()
    tally = Tally(spec.name, without_provenance=0, reruns=0, failed_reruns=0)
    rng = c.rng(spec.key)
    baseline = c.inputs.baseline
    log = c.root / f"{spec.key}.log"
    # The reference run: left to finish, it gives the window and the state a complete write leaves.
    reference = c.copy_of(c.inputs.seed_store, f"{spec.key}-reference")
    status, timing = run_to_end(spec.args(reference), log, reference)
    graph = spec.graph
    if graph is None:
        new = set(inspect(reference).get("graphs", {})) - set(baseline["graphs"])
        graph = next(iter(new), None) if len(new) == 1 else None
    expected = inspect(reference, digests=[graph] if graph else [])
    if status != 0 or graph is None or not expected.get("opened") or expected["records"].get(graph) != 1:
        tally.problems.append(f"setup: the reference run (exit {status}) did not leave one graph with one catalog "
                              f"record: graph {graph}, {expected.get('records')}; {tail(log)}")
        return tally
    complete = expected["digests"][graph]
    c.say(f"{spec.name}: reference run {timing}, {complete['count']:,} triples in {graph}")
    for k in range(kills):
        store = c.copy_of(c.inputs.seed_store, spec.key)
        problems_before = len(tally.problems)
        mode, fraction, burst = timing.kill_moment(rng, k)
        watch = Watch(store)
        process = spawn(spec.args(store), log)
        delay = timing.wait_and_kill_moment(mode, fraction, burst, watch, functools.partial(running, process))
        finished = process.poll()
        problem = kill_group(process)
        changes = watch.stop()
        tally.kills += 1
        if problem:
            tally.problems.append(f"kill {k}: {problem}")
        acknowledged = finished == 0
        tally.acknowledged += acknowledged
        found = inspect(store, digests=[graph])
        if not found.get("opened"):
            tally.failed_opens += 1
            tally.problems.append(f"kill {k} (fraction {fraction:.3f}): the store did not open: {found.get('error')}")
            continue
        digest = found["digests"][graph]
        records = found["records"].get(graph, 0)
        state = "absent" if digest["count"] == 0 else "complete" if digest == complete else "partial"
        catalog = ns.CATALOG_GRAPH
        catalog_expected = (baseline if state == "absent" else expected)["graphs"].get(catalog, 0)
        others = other_graphs_changed(found["graphs"], baseline["graphs"], [graph, catalog])
        line = (f"kill {k}: killed {mode}, fraction {fraction:.3f}: at {delay:.2f} s, {disk_note(changes)}, "
                f"{'finished first' if acknowledged else 'running'}; {graph} holds {digest['count']:,} of "
                f"{complete['count']:,} triples ({state}), catalog records {records}, catalog "
                f"{found['graphs'].get(catalog, 0):,} triples")
        if state == "partial" or others or (state == "absent" and records) \
                or found["graphs"].get(catalog, 0) != catalog_expected:
            tally.partial += 1
            tally.problems.append(f"{line}; catalog expected {catalog_expected:,} triples"
                                  + (f"; other graphs changed: {others}" if others else ""))
        if state != "absent" and records == 0:
            tally.without_provenance = (tally.without_provenance or 0) + 1
            tally.problems.append(f"kill {k} (fraction {fraction:.3f}): {graph} holds {digest['count']:,} triples "
                                  f"without a catalog record")
        if acknowledged and state != "complete":
            tally.lost += 1
            tally.problems.append(f"kill {k}: the command exited 0 before the kill but {graph} is {state}")
        # The re-run must finish and leave one complete copy with one catalog record.
        status, _ = run_to_end(spec.args(store), log)
        tally.reruns = (tally.reruns or 0) + 1
        again = inspect(store, digests=[graph])
        wrong = []
        if status != 0:
            wrong.append(f"exit status {status}: {tail(log, 4)}")
        if not again.get("opened"):
            wrong.append(f"the store did not open: {again.get('error')}")
        else:
            if again["digests"][graph] != complete:
                wrong.append(f"{graph} holds {again['digests'][graph]['count']:,} triples, not the complete "
                             f"{complete['count']:,}")
            if again["records"].get(graph, 0) != 1:
                wrong.append(f"{again['records'].get(graph, 0)} catalog records for {graph}")
            extra = other_graphs_changed(again["graphs"], expected["graphs"], [catalog])
            if extra:
                wrong.append(f"graphs differ from a single clean run: {extra}")
        line += f"; re-run {'ok' if not wrong else 'FAILED: ' + '; '.join(wrong)}"
        if wrong:
            tally.failed_reruns = (tally.failed_reruns or 0) + 1
            tally.problems.append(f"kill {k} (fraction {fraction:.3f}) re-run: " + "; ".join(wrong))
        if len(tally.problems) == problems_before:
            shutil.rmtree(store)  # kept only when something is wrong, to look at
        tally.log.append(line)
        c.say(line)
    tally.seconds = time.monotonic() - started
    return tally


def load_kills(c: Campaign, kills: int) -> Tally:
    """SIGKILL `sahelkg load FILE --store DIR` (FILE: N-Quads of an ACLED import graph, in LOAD_GRAPH)."""
    spec = CommandPath("sahelkg load FILE --store DIR", "load",
                       lambda store: [SAHELKG, "load", str(c.inputs.load_file), "--store", str(store)], LOAD_GRAPH)
    return command_kills(c, spec, kills)


def import_kills(c: Campaign, kills: int) -> Tally:
    """SIGKILL `sahelkg import acled FILE --store DIR`."""
    spec = CommandPath("sahelkg import acled FILE --store DIR", "import",
                       lambda store: [SAHELKG, "import", "acled", str(c.inputs.import_csv), "--store", str(store), "--quiet"],
                       None)
    return command_kills(c, spec, kills)


AUTHOR_TEXT = ("Nine herders were killed near the wells on Tuesday, March 4, according to the civil society group "
               "Kal Akal, which accused Malian forces of carrying out the attack.\n")


def write_author_sheet(root: Path) -> Path:
    """Write a small sheet (only reference actors: the reference graph stays as it is) and its text."""
    (root / "author-text.txt").write_text(AUTHOR_TEXT, encoding="utf-8")
    sheet = root / "author-sheet.yaml"
    sheet.write_text(
        "source: c900\n"
        "document: {kind: news-article, label: Crash-test article, publisher: kal-akal, language: en, "
        "text: author-text.txt, published: 'March 10, 2025'}\n"
        "events:\n  wells: {type: acled-attack, label: Attack near the wells, place: mali, when: 'on Tuesday, March 4'}\n"
        "statements:\n  - {by: kal-akal, when: 'March 10, 2025', claims: [{id: s1, stance: accuses, about: wells, "
        "accused: [Malian forces], quotes: ['accused Malian forces'], counts: [{wording: Nine herders, outcome: killed, "
        "victims: civilians}]}]}\n", encoding="utf-8")
    return sheet


def author_add_kills(c: Campaign, kills: int) -> Tally:
    """SIGKILL `sahelkg author add SHEET --store DIR` (a small sheet: one claim, its count and anchor)."""
    sheet = write_author_sheet(c.root)
    spec = CommandPath("sahelkg author add SHEET --store DIR", "author",
                       lambda store: [SAHELKG, "author", "add", str(sheet), "--store", str(store)],
                       ns.SOURCE_GRAPH_PREFIX + "c900")
    return command_kills(c, spec, kills)


# Every write path, by name: the runner and whether it can run today.
PATHS: dict[str, Callable[[Campaign, int], Tally]] = {
    "small": small_writes,
    "large": large_writes,
    "load": load_kills,
    "import": import_kills,
    "author": author_add_kills,
}
