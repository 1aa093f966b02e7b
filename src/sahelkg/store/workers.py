"""Queries that can be stopped: the embedded store lives in a keeper process, queries run in
worker processes that are killed when they overrun.

Why processes: pyoxigraph releases the GIL but has no timeout or cancel API, so the only way to
stop a running query is to end the process running it. Two designs (`Settings.worker_store`,
SAHELKG_WORKER_STORE); measured side by side by bench/worker_memory.py, bench/RESULTS.md
"Memory per worker count".

"forked" (the default):

  app process (uvicorn)  --unix socket-->  keeper process (single thread, owns the Store)
        |                                      | os.fork() x N  (copy-on-write snapshot)
        +------------- unix socket ------------+-> worker processes: one query at a time

- The keeper applies every write (one at a time, so writes are serialised) and bumps a generation
  number. A small write (≤ REPLAY_BYTES of N-Quads) is then *replayed*: the app keeps it, and a
  worker behind the newest acknowledged generation applies the writes it missed, in order, before
  answering its next request (read-your-writes; replaying a write twice is harmless, each is a set
  of additions and removals). No fork, no copy. A big write or a load forks N new workers instead
  (the old ones finish their query and retire), as does a worker more than REPLAY_LOG_LENGTH
  writes behind.
- With an on-disk store (RocksDB) the keeper writes every change to disk first and then to an
  in-memory mirror; workers fork from the mirror only, because a forked child must never touch
  RocksDB files its parent is writing (cost: the data is held in memory a second time).
- On timeout the app SIGKILLs the worker; the keeper reaps it and forks a replacement. A request
  still running after LOWER_PRIORITY_AFTER has its worker reniced (+10), so the lookups beside a
  runaway keep their core; that worker retires after answering.
- Memory: reading Oxigraph's in-memory store writes to it, so a worker un-shares the pages it
  reads (a scan of 1.5M triples: ~420 of ~530 MB). Each worker measures the pages it holds of its
  own (its minor page faults, one getrusage call; past PRIVATE_FLOOR_MIB of growth the kernel's
  exact count) and reports it with its answer; the workers together may hold PRIVATE_MIB
  (SAHELKG_WORKER_PRIVATE_MIB). Past it, the worker that just answered retires (at once when it
  alone holds more) and the keeper forks a fresh one. The service so holds about one store
  whatever the number of workers, and on a small store a worker or two stay warm. The price: a
  query that scans much of a big store pays the copy-on-write faults again in each fresh worker
  (+0.25–0.4 s for a full scan at 1.5M).
- The most recently used idle worker takes the next query: its caches are warm, and the workers
  left idle keep their copy-on-write pages shared (bench/lookup_memory.py).
- Writes are prepared in a worker (its copy-on-write store is private): it turns the request into
  the exact Change (dry-running an update), runs the SHACL gate on it and exits; the keeper then
  applies the Change (`prepare_write`, `apply_prepared`; the code is sahelkg.sparql.write_plans).
  With writes on, the keeper forks one worker more than readers may use, so a write never waits
  for a reader to finish.

"shared": one RocksDB store, read through snapshots by long-lived workers:

  keeper (owns the read-write RocksDB store; /dev/shm for an in-memory store, else its directory)
    | after each write: a checkpoint snapshots/<generation> (hard links), then the acknowledgement
    +-- spawner (forked before the keeper opens RocksDB: no handle crosses a fork)
          +-- N workers, each `Store.read_only(snapshots/<g>)` opened after its fork

- Every request carries the newest acknowledged generation; a worker holding an older snapshot
  opens the newest before answering (read-your-writes), and idle workers catch up by themselves
  within a second. A worker holds a shared flock on its snapshot; the keeper deletes an old
  snapshot once it gets the exclusive lock (a killed worker's lock goes with it). A checkpoint,
  not the live directory: Oxigraph calls reading a store another process writes undefined.
- A write is applied once, by the keeper, and costs a checkpoint: no fork, no copy of the data.
- On timeout the app SIGKILLs the worker; the spawner forks a replacement.
- A write is prepared on a private writable copy of the worker's snapshot (hard links to its
  immutable table files, copies of the rest) in scratch-<pid>, removed after (or by the keeper
  when the worker was killed); the worker then exits as in the forked design.
- The folder in /dev/shm (SAHELKG_SHARED_MEMORY_DIR elsewhere) goes on close, and with the keeper
  when the app is killed.
- Cost: RocksDB reads are much slower than Oxigraph's in-memory store, which is why "forked" stays
  the default. The gap is the engine, not this design: in one process, no worker, no reopening
  (`bench/worker_memory.py --engines-only`), a heavy query on a RocksDB store is 5–8× the in-memory
  store's when the data fits RocksDB's block cache (40k–150k triples; read-write alike) and 26–36×
  at 1.5M (read-only checkpoint, load 15–19); opening a checkpoint costs 50–75 ms once per write,
  not per query. Oxigraph opens RocksDB with lz4 tables and the default small block cache, and
  pyoxigraph 0.5.13 exposes neither setting, so every block read past the cache is decompressed
  again. Nothing on this side of pyoxigraph closes that gap.

Measured (bench/worker_memory.py, 1.5M triples, PSS of the service's process tree after a fixed list
of 48 standard-mix queries from 4 clients, result cache off; `oxigraph serve` in memory: 686 MB):

  workers                          2          6          12
  forked, workers retire           662 MB     689 MB     710 MB   (0.97–1.04× oxigraph serve)
  forked, before (no retiring)   1,626 MB   2,584 MB   3,088 MB   (2.4–4.5×; same run, load 1.7–3.4)
  one-quad write: replayed 0.5 ms, first read after it 1.3 ms (re-forking 6 workers: 886 ms)
  heavy queries, one client, median: sum per actor and month 1.27 s (before 0.89), optional-heavy
  0.75 s (0.34): each ran in a fresh worker and paid its copy-on-write faults

Earlier (session 6, load 8–18), the shared design: 1,331 / 1,564 / 1,278 MB at 2 / 6 / 12 workers,
a one-quad write 9 ms, heavy queries 10.8× (sum per actor and month) and 13.5× (optional-heavy)
the forked design's.

>>> store = IsolatedStore(workers=2)
>>> store.query("ASK {}", timeout=5).boolean
True
>>> store.close()
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import pickle
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path

import pyoxigraph as ox

from sahelkg.store import (
    EmbeddedStore,
    EvaluationError,
    GraphName,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    Store,
    StoreError,
    materialise,
    quads_from_nquads,
    quads_to_nquads,
    term_from_nt,
    term_to_nt,
)
from sahelkg.store.change import Change


class WriteRefused(StoreError):
    """A write request was refused while being prepared in a worker; `problem` is the HTTP problem
    (see sahelkg.sparql.write_plans.problem_to_wire) to answer with."""

    def __init__(self, problem: dict):
        super().__init__(problem.get("detail") or problem.get("title") or "write refused")
        self.problem = problem


@dataclass(frozen=True)
class PreparedChange:
    """A validated change as N-Quads, ready for the keeper to apply (the web process never parses it)."""

    removals: bytes
    additions: bytes
    removed: int
    added: int

    def is_empty(self) -> bool:
        return not self.removed and not self.added


class NotAcceptable(StoreError):
    """No negotiated media type fits the kind of result the query produced."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


# Requests after which a worker exits: they may leave its private store copy changed.
_ONE_SHOT = ("prepare_write",)
# "forked": copy-on-write in-memory snapshots, re-forked on every write; "shared": every worker
# reads one RocksDB store through read-only snapshots (see the module's header).
WORKER_STORES = ("forked", "shared")
# Where a shared in-memory store keeps its RocksDB files: memory-backed, so scans stay off the disk.
SHARED_MEMORY_DIR = "/dev/shm"
# A file in every snapshot that its readers hold a shared flock on; the keeper deletes a snapshot
# only when it gets the exclusive lock (a killed reader's lock goes with it).
_HELD = "held.lock"


def _shared_root_parent(path: Path | None) -> str | None:
    """Given the on-disk store's directory (or None), return where the shared design's folder goes."""
    if path is not None:
        return str(path.resolve().parent)  # same file system as the store: snapshots are hard links
    override = os.environ.get("SAHELKG_SHARED_MEMORY_DIR") or SHARED_MEMORY_DIR
    return override if os.path.isdir(override) and os.access(override, os.W_OK) else None


# Replies larger than this are unpickled on a thread: doing it inline would hold the event loop.
_INLINE_REPLY_BYTES = 1 << 20
# Requests up to this size are sent on the non-blocking socket (the reply is read from it).
_NONBLOCKING_SEND_BYTES = 16 * 1024
# A worker that spent longer than this on a request gives its freed heap back to the system after
# answering (malloc_trim), or idle workers hoard it.
_TRIM_AFTER_SECONDS = 0.05
# Forked design: a write whose N-Quads (removals + additions) fit in this many bytes is replayed by
# each worker before its next request; a bigger one (and every load) forks new workers instead.
REPLAY_BYTES = 1 << 20
# Replayed writes the app keeps for workers that have not caught up (at most this many, and this
# many bytes of N-Quads); a worker further behind retires.
REPLAY_LOG_LENGTH = 256
REPLAY_LOG_BYTES = 32 << 20
# Forked design: MiB of pages the workers together may hold of their own (copy-on-write pages
# un-shared from the keeper's store, and their heaps). Past it, a worker that has just answered and
# holds more than PRIVATE_FLOOR_MIB retires, and the keeper forks a fresh one. Keeps the service's
# memory near one store whatever the number of workers, while a few workers that have read a small
# store stay warm (bench/lookup_memory.py).
PRIVATE_MIB = 96
PRIVATE_FLOOR_MIB = 8
# A request still running after this many seconds has its worker's priority lowered (nice 10), so
# that the short queries beside it keep their core; that worker retires once it has answered.
LOWER_PRIORITY_AFTER = 1.0
LOWER_PRIORITY_BY = 10
# A query asked a second time that took longer than this has the predicates it reads worked out by
# its worker (sahelkg.sparql.footprint; rdflib's parser, 2–70 ms): its cached answer then outlives
# writes to other predicates (`read_generation`). Cheaper queries, and texts seen once (lookups of
# ever new IRIs), are simply run again after any write.
FOOTPRINT_AFTER = 0.05
# Query texts whose footprint the app remembers, and texts it has seen once.
FOOTPRINTS_KEPT = 4096


class _ReplyReader:
    """Reads one reply off a worker's non-blocking socket as the event loop reports it readable.

    The framing is multiprocessing.Connection's (the worker sends with it): a 4-byte big-endian
    length, or -1 and an 8-byte length, then the pickled reply. Each wake-up does one read, so a
    large reply never holds the loop.
    """

    def __init__(self, fd: int, done: asyncio.Future) -> None:
        self.fd, self.done = fd, done
        self.received = bytearray()
        self.header, self.size = 0, -1  # lengths of the framing and of the pickled reply, once known

    def readable(self) -> None:
        if self.done.done():
            return
        # Small reads until the size is known: a read buffer past malloc's mmap threshold costs two syscalls.
        wanted = 1 << 16 if self.size < 0 else min(self.header + self.size - len(self.received), 1 << 20)
        try:
            data = os.read(self.fd, wanted)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self.done.set_exception(error)
            return
        if not data:
            self.done.set_exception(EOFError("the worker closed its connection"))
            return
        self.received += data
        if self.size < 0 and len(self.received) >= 4:
            size = int.from_bytes(self.received[:4], "big", signed=True)
            if size >= 0:
                self.size, self.header = size, 4
            elif len(self.received) >= 12:
                self.size, self.header = int.from_bytes(self.received[4:12], "big"), 12
        if self.size >= 0 and len(self.received) >= self.header + self.size:
            self.done.set_result(memoryview(self.received)[self.header:self.header + self.size])


def _timed_out(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"the query did not finish within {timeout:g} s and was stopped")


def _expire(done: asyncio.Future, timeout: float) -> None:
    if not done.done():
        done.set_exception(_timed_out(timeout))


class _RequestTimer:
    """One timer per request on the event loop (each one costs the hot path): after
    LOWER_PRIORITY_AFTER it lowers the worker's priority, then it waits out the rest of the timeout
    and expires the request."""

    def __init__(self, loop: asyncio.AbstractEventLoop, worker: _Worker, done: asyncio.Future, timeout: float,
                 lower: Callable[[_Worker], None]) -> None:
        self.loop, self.worker, self.done, self.timeout, self.lower = loop, worker, done, timeout, lower
        self.lower_after = LOWER_PRIORITY_AFTER
        self.handle = loop.call_later(min(self.lower_after, timeout), self._first)

    def _first(self) -> None:
        if self.timeout <= self.lower_after:
            _expire(self.done, self.timeout)
            return
        self.lower(self.worker)
        self.handle = self.loop.call_later(self.timeout - self.lower_after, _expire, self.done, self.timeout)

    def cancel(self) -> None:
        self.handle.cancel()


def _decoded(reply: tuple) -> tuple:
    """Given a worker's reply, return its values or raise the error it reports."""
    if reply[0] == "error":
        _, code, text = reply
        if code == "syntax":
            raise QuerySyntaxError(text)
        if code == "too_large":
            raise ResultTooLarge(text)
        if code == "not_acceptable":
            raise NotAcceptable(text)
        if code == "problem":
            raise WriteRefused(text)
        raise EvaluationError(text)
    return reply[1:]


@dataclass
class _Worker:
    pid: int
    generation: int
    conn: Connection
    # The event loop reads its socket non-blocking, `call` blocking: switched only when the caller changes.
    nonblocking: bool = False
    # Set once its priority was lowered during a long request: it retires after answering.
    lowered: bool = False

    def set_nonblocking(self, on: bool) -> None:
        if self.nonblocking != on:
            os.set_blocking(self.conn.fileno(), not on)
            self.nonblocking = on


class IsolatedStore(Store):
    """The embedded store behind killable worker processes; same interface as every Store.

    Start with a directory (on disk) or nothing (in memory), optionally files to load, or an
    existing in-memory EmbeddedStore whose content is copied in.
    """

    def __init__(self, *, path: str | os.PathLike | None = None, load_paths: tuple = (),
                 source: EmbeddedStore | None = None, workers: int = 3, start_timeout: float = 600.0,
                 prepare_writes: bool = False, worker_store: str = "forked",
                 private_mib: float = PRIVATE_MIB) -> None:
        if worker_store not in WORKER_STORES:
            raise StoreError(f"unknown worker store {worker_store!r}; use one of {', '.join(WORKER_STORES)}")
        self.path = Path(path) if path is not None else None
        self.workers = max(1, workers)
        self.private_mib = private_mib
        # Every live worker's last reported private MiB, by pid (PRIVATE_MIB).
        self._private: dict[int, float] = {}
        self.shared = worker_store == "shared"
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[int] = set()
        self._generation = 0
        # Forked design: the oldest generation a worker may hold (raised when the keeper re-forks),
        # and the replayed writes since then, by generation (N-Quads removals, additions).
        self._floor = 0
        self._log: dict[int, tuple[bytes, bytes]] = {}
        self._log_bytes = 0
        # Requests other than writes use at most `workers` workers: with writes on, the keeper forks
        # one more, so a write never waits behind readers.
        self._reading = 0
        # For read_generation: the last generation that wrote each predicate, the last one whose
        # predicates are not known (a load, a big write), and the predicates each query text reads.
        self._predicate_written: dict[str, int] = {}
        self._everything_written = 0
        self._footprints: OrderedDict[str, frozenset[str] | None] = OrderedDict()
        self._seen_once: OrderedDict[str, None] = OrderedDict()
        self._control: Connection | None = None
        self._control_lock = threading.Lock()
        self._closed = False
        authkey = secrets.token_bytes(32)
        self._dir = tempfile.mkdtemp(prefix="sahelkg-pool-")
        address = os.path.join(self._dir, "pool.sock")
        self._listener = Listener(address, family="AF_UNIX", authkey=authkey)
        dump = None
        if source is not None:
            if source.path is not None:
                source.close()  # Guard: two processes must never open one RocksDB directory.
                self.path = source.path
            else:
                dump = os.path.join(self._dir, "initial.nq")
                source.dump(dump)
        # Shared design: the snapshots (and an in-memory store's RocksDB files) live in `_root`, on
        # the store's own file system so that a snapshot is hard links, not a copy.
        self._root: str | None = None
        if self.shared:
            self._root = tempfile.mkdtemp(prefix="sahelkg-store-", dir=_shared_root_parent(self.path))
        spec = {"address": address, "path": str(self.path) if self.path else None,
                "load": [str(p) for p in load_paths], "dump": dump, "workers": self.workers,
                "writes": prepare_writes, "root": self._root, "private_mib": private_mib}
        env = dict(os.environ, SAHELKG_POOL_AUTHKEY=authkey.hex())
        self._keeper = subprocess.Popen([sys.executable, "-m", "sahelkg.store.workers", json.dumps(spec)], env=env)
        self._acceptor = threading.Thread(target=self._accept_loop, name="sahelkg-pool-accept", daemon=True)
        self._acceptor.start()
        deadline = time.monotonic() + start_timeout
        with self._cond:
            while self._control is None or not self._idle:
                problem = None
                if self._keeper.poll() is not None:
                    problem = f"the store keeper exited with status {self._keeper.returncode} while starting"
                elif time.monotonic() > deadline:
                    problem = "the store keeper did not start in time"
                if problem:
                    self._keeper.kill()
                    self._closed = True
                    for folder in (self._dir, self._root):
                        if folder is not None:
                            shutil.rmtree(folder, ignore_errors=True)
                    raise StoreError(problem)
                self._cond.wait(0.1)

    # -- plumbing -------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
                hello = conn.recv()
            except Exception:
                if self._closed:
                    return
                continue
            with self._cond:
                if hello[0] == "keeper":
                    self._control = conn
                else:
                    _, pid, generation = hello
                    # A worker forked right after a write may say hello before the keeper's reply
                    # to that write is read here: keep it, it is newer, not stale. Forked workers
                    # from the floor on replay the writes they missed; shared workers catch up
                    # themselves, so none is ever stale.
                    if self.shared or generation >= self._floor:
                        self._idle.append(_Worker(pid, generation, conn))
                    else:
                        conn.close()
                self._cond.notify_all()

    def _acquire(self, deadline: float, *, writing: bool = False) -> tuple[_Worker, tuple]:
        """Given a deadline, return an idle worker and what to send it first: the newest acknowledged
        generation and the writes it has to replay to reach it. Raises ServiceBusy after the deadline."""
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("the store is closed")
                stale = [] if self.shared else [w for w in self._idle if w.generation < self._floor]
                for w in stale:
                    self._idle.remove(w)
                    self._private.pop(w.pid, None)
                    w.conn.close()
                if self._idle and (writing or self._reading < self.workers):
                    # Most recently used first: its caches are warm (a round trip to a worker idle
                    # for a while took ~2× as long), and workers left idle keep their pages shared.
                    worker = self._idle.pop()
                    self._busy.add(worker.pid)
                    self._reading += not writing
                    missed = [] if self.shared else [self._log[g] for g in range(worker.generation + 1,
                                                                                 self._generation + 1)]
                    return worker, (self._generation, missed)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServiceBusy("every query worker is busy; try again shortly")
                if self._keeper.poll() is not None:
                    raise StoreError("the store keeper has stopped")
                self._cond.wait(min(remaining, 0.5))

    def _release(self, worker: _Worker, *, writing: bool, caught_up: int | None, private: float | None = None) -> None:
        """Given a worker back from a request, the generation it reached (None: it failed, was
        killed or retires) and the MiB it holds of its own (None: not measured), make it idle again
        or let it go."""
        with self._cond:
            self._busy.discard(worker.pid)
            self._reading -= not writing
            if private is not None:
                self._private[worker.pid] = private
            over_budget = (self._private.get(worker.pid, 0.0) > PRIVATE_FLOOR_MIB
                           and sum(self._private.values()) > self.private_mib)
            if (caught_up is not None and not worker.lowered and not over_budget
                    and (self.shared or caught_up >= self._floor) and not self._closed):
                # Next in line even while it trims its heap (~1 ms): the few workers in use stay the
                # same few, and workers left idle keep the copy-on-write store pages shared.
                # A worker forked after a write it has not been told of yet holds it already.
                worker.generation = max(worker.generation, caught_up)
                self._idle.append(worker)
            else:
                self._private.pop(worker.pid, None)
                try:
                    worker.conn.close()
                except OSError:
                    pass
            self._cond.notify_all()

    def _kill(self, worker: _Worker) -> None:
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    @staticmethod
    def _lower_priority(worker: _Worker) -> None:
        """Given a worker on a long request, lower its priority (it retires after answering)."""
        worker.lowered = True
        try:
            os.setpriority(os.PRIO_PROCESS, worker.pid, os.getpriority(os.PRIO_PROCESS, worker.pid) + LOWER_PRIORITY_BY)
        except (ProcessLookupError, PermissionError, AttributeError):  # gone, or not on this system
            pass

    def call(self, message: tuple, timeout: float | None = None):
        """Given a worker request, run it on a free worker and return its reply (blocking).

        The worker is killed when it has not answered by the deadline (QueryTimeout).
        """
        timeout = 3600.0 if timeout is None else timeout
        deadline = time.monotonic() + timeout
        writing = message[0] in _ONE_SHOT
        worker, catch_up = self._acquire(deadline, writing=writing)
        caught_up = private = None
        try:
            worker.set_nonblocking(False)
            worker.conn.send((*catch_up, message))
            if not worker.conn.poll(min(LOWER_PRIORITY_AFTER, max(0.0, deadline - time.monotonic()))):
                self._lower_priority(worker)
                if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    self._kill(worker)
                    raise _timed_out(timeout)
            reply, retiring, private = worker.conn.recv()
            caught_up = None if retiring else catch_up[0]
        except (EOFError, OSError) as error:
            self._kill(worker)
            raise StoreError(f"a query worker failed: {error}") from error
        finally:
            self._release(worker, writing=writing, caught_up=caught_up, private=private)
        return _decoded(reply)

    async def call_async(self, message: tuple, timeout: float | None = None):
        """`call` for an event loop: awaits the worker's reply without holding a thread (falls back
        to `call` on a thread when every worker is busy)."""
        loop = asyncio.get_running_loop()
        timeout = 3600.0 if timeout is None else timeout
        writing = message[0] in _ONE_SHOT
        try:
            # An idle worker now, or ServiceBusy at once.
            worker, catch_up = self._acquire(time.monotonic(), writing=writing)
        except ServiceBusy:
            return await loop.run_in_executor(None, self.call, message, timeout)
        caught_up = private = None
        fd = worker.conn.fileno()
        done: asyncio.Future = loop.create_future()
        reader = _ReplyReader(fd, done)
        try:
            request = pickle.dumps((*catch_up, message))  # what `Connection.send` would write
            # A small request fits the socket's empty buffer in one write, non-blocking or not.
            worker.set_nonblocking(len(request) <= _NONBLOCKING_SEND_BYTES)
            worker.conn.send_bytes(request)
            worker.set_nonblocking(True)
            loop.add_reader(fd, reader.readable)
            timer = _RequestTimer(loop, worker, done, timeout, self._lower_priority)
            try:
                pickled = await done
            finally:
                timer.cancel()
                loop.remove_reader(fd)
            if len(pickled) > _INLINE_REPLY_BYTES:
                reply, retiring, private = await loop.run_in_executor(None, pickle.loads, pickled)
            else:
                reply, retiring, private = pickle.loads(pickled)
            caught_up = None if retiring else catch_up[0]
        except (asyncio.CancelledError, QueryTimeout):
            self._kill(worker)  # overran, or the client went away: its query must not run on unseen
            raise
        except (EOFError, OSError) as error:
            self._kill(worker)
            raise StoreError(f"a query worker failed: {error}") from error
        finally:
            self._release(worker, writing=writing, caught_up=caught_up, private=private)
        return _decoded(reply)

    def _keeper_call(self, message: tuple):
        if self._control is None:
            raise StoreError("the store keeper is not connected")
        with self._control_lock:
            self._control.send(message)
            reply = self._control.recv()
        if reply[0] == "error":
            raise StoreError(reply[1])
        with self._cond:
            generation = reply[1]
            predicates = reply[3] if reply[0] == "applied" else None
            if predicates is None:
                self._everything_written = generation
            else:
                self._predicate_written.update(dict.fromkeys(predicates, generation))
            if reply[0] == "applied" and reply[2]:  # the workers replay it
                self._log[generation] = (message[1], message[2])
                self._log_bytes += len(message[1]) + len(message[2])
                while len(self._log) > REPLAY_LOG_LENGTH or self._log_bytes > REPLAY_LOG_BYTES:
                    oldest = next(iter(self._log))  # workers still before it retire
                    self._log_bytes -= sum(map(len, self._log.pop(oldest)))
                    self._floor = max(self._floor, oldest)
            else:  # the keeper forked workers of this generation: the others retire
                self._floor = max(self._floor, generation)
                self._log.clear()
                self._log_bytes = 0
            self._generation = max(self._generation, generation)
            for worker in [] if self.shared else [w for w in self._idle if w.generation < self._floor]:
                self._idle.remove(worker)
                self._private.pop(worker.pid, None)
                worker.conn.close()
            self._cond.notify_all()
        return reply

    @property
    def generation(self) -> int:
        """Return the number of writes applied since start (VoID caches key on it)."""
        return self._generation

    def read_generation(self, sparql: str) -> int:
        """Given a query text, return the generation of the last write that may have changed its
        answer: the last one to a predicate it reads (sahelkg.sparql.footprint), or to one not
        known; `generation` while its footprint is not known (before its second slow run)."""
        with self._cond:
            footprint = self._footprints.get(sparql)
            if footprint is None:
                return self._generation
            written = self._predicate_written
            return max(self._everything_written, max((written.get(p, 0) for p in footprint), default=0))

    def _footprint_options(self, sparql: str) -> dict:
        # Ask the worker for the footprint of a query asked again, while it is not known.
        if self.shared or sparql in self._footprints:
            return {}
        with self._cond:
            if sparql in self._seen_once:
                return {"footprint": True}
            self._seen_once[sparql] = None
            if len(self._seen_once) > FOOTPRINTS_KEPT:
                self._seen_once.popitem(last=False)
        return {}

    def _remember_footprint(self, sparql: str, rest: tuple) -> None:
        if rest:  # the worker worked it out (None: reads everything; not asked again either)
            with self._cond:
                self._footprints[sparql] = rest[0]
                while len(self._footprints) > FOOTPRINTS_KEPT:
                    self._footprints.popitem(last=False)

    # -- Store interface ------------------------------------------------------------------------
    def query_serialized(self, sparql: str, media_types: dict[str, str | None], *, default_graph_uris=None,
                         named_graph_uris=None, union_default_graph=True, timeout=None, base_iri=None,
                         max_rows=None) -> tuple[str, str, bytes]:
        """Given a query and the negotiated media type per result kind, return (kind, media type, body)."""
        options = {"default_graph_uris": default_graph_uris, "named_graph_uris": named_graph_uris,
                   "union_default_graph": union_default_graph, "base_iri": base_iri, "max_rows": max_rows,
                   **self._footprint_options(sparql)}
        kind, media_type, body, *rest = self.call(("query", sparql, options, media_types), timeout)
        self._remember_footprint(sparql, tuple(rest))
        return kind, media_type, body

    async def query_serialized_async(self, sparql: str, media_types: dict[str, str | None], *,
                                     default_graph_uris=None, named_graph_uris=None, union_default_graph=True,
                                     timeout=None, base_iri=None, max_rows=None) -> tuple[str, str, bytes]:
        """`query_serialized` for an event loop (no thread hop while a worker is free)."""
        options = {"default_graph_uris": default_graph_uris, "named_graph_uris": named_graph_uris,
                   "union_default_graph": union_default_graph, "base_iri": base_iri, "max_rows": max_rows,
                   **self._footprint_options(sparql)}
        kind, media_type, body, *rest = await self.call_async(("query", sparql, options, media_types), timeout)
        self._remember_footprint(sparql, tuple(rest))
        return kind, media_type, body

    def query(self, sparql, *, default_graph_uris=None, named_graph_uris=None, union_default_graph=True,
              timeout=None, base_iri=None, max_rows=None) -> QueryResult:
        kind, _, body = self.query_serialized(
            sparql, {"solutions": "application/sparql-results+json", "boolean": "application/sparql-results+json",
                     "graph": "application/n-triples"},
            default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris,
            union_default_graph=union_default_graph, timeout=timeout, base_iri=base_iri, max_rows=max_rows)
        if kind == "graph":
            return QueryResult(kind="graph", triples=[ox.Triple(q.subject, q.predicate, q.object)
                                                      for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])
        return materialise(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))

    def apply(self, change: Change) -> None:
        if change.is_empty():
            return
        self._keeper_call(("apply", quads_to_nquads(change.removals), quads_to_nquads(change.additions)))

    def quads(self, subject=None, predicate=None, object=None, graph=None):
        pattern = [term_to_nt(t) for t in (subject, predicate, object)]
        graph_arg = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else term_to_nt(graph)
        (body,) = self.call(("call", "quads", pattern + [graph_arg]))
        return iter(quads_from_nquads(body))

    def named_graphs(self):
        (names,) = self.call(("call", "named_graphs", []))
        return [term_from_nt(n) for n in names]

    def triple_count(self, graph=None) -> int:
        graph_arg = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else term_to_nt(graph)
        (n,) = self.call(("call", "triple_count", [graph_arg]))
        return n

    def graph_counts(self) -> dict[str, int]:
        (counts,) = self.call(("call", "graph_counts", []))
        return counts

    def graph_exists(self, graph) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        (exists,) = self.call(("call", "graph_exists", [term_to_nt(graph)]))
        return exists

    def load_quads(self, quads) -> int:
        path = os.path.join(self._dir, f"load-{secrets.token_hex(4)}.nq")
        with open(path, "wb") as handle:
            ox.serialize(quads, handle, format=ox.RdfFormat.N_QUADS)
        try:
            return self._keeper_call(("load", path))[2]
        finally:
            os.unlink(path)

    def prepare_write(self, request: dict, timeout: float | None) -> PreparedChange:
        """Given a write request (see sahelkg.sparql.write_plans), return its validated change.

        A worker of the newest generation computes the change on its snapshot and runs the SHACL
        gate there, then exits: the CPU-bound parsing and validation never run in the caller's
        process. Raises WriteRefused with the problem to answer (422 with the report, 400 …).
        """
        removals, additions, removed, added = self.call(("prepare_write", request), timeout)
        return PreparedChange(removals, additions, removed, added)

    def apply_prepared(self, prepared: PreparedChange) -> None:
        """Given a change from prepare_write (nothing written since), apply it atomically."""
        if not prepared.is_empty():
            self._keeper_call(("apply", prepared.removals, prepared.additions))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._control is not None:
                with self._control_lock:
                    self._control.send(("stop",))
            self._keeper.wait(timeout=30)
        except Exception:
            self._keeper.kill()
        with self._cond:
            for worker in self._idle:
                worker.conn.close()
            self._idle = []
            self._cond.notify_all()
        try:
            self._listener.close()
        except FileNotFoundError:  # the keeper removed the folder with its socket as it stopped
            pass
        shutil.rmtree(self._dir, ignore_errors=True)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Keeper and worker processes
# ---------------------------------------------------------------------------------------------
def _keeper_main(spec: dict) -> None:
    authkey = bytes.fromhex(os.environ.pop("SAHELKG_POOL_AUTHKEY"))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app stops us with ("stop",)
    if spec.get("root"):
        _shared_keeper_main(spec, authkey)
        return
    # Workers only ever see an in-memory store. With an on-disk store the keeper keeps an
    # in-memory mirror: a forked child must never touch RocksDB files its parent writes to.
    durable = EmbeddedStore(spec["path"]) if spec["path"] else None
    store = EmbeddedStore()
    if durable is not None:
        store.load_quads(durable.quads())
    targets = [s for s in (durable, store) if s is not None]
    for path in ([spec["dump"]] if spec.get("dump") else []) + spec["load"]:
        for target in targets:
            target.load_file(path)

    if spec.get("writes"):
        # Parsing an update recurses once per bracket level or more (rdflib's parser).
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
        from sahelkg.sparql import write_plans

        write_plans.warm_up(store)  # imports and caches once here, inherited by every forked worker
    from sahelkg.sparql import footprint, protocol  # noqa: F401  imported once here: its pages stay shared

    _trim_heap()  # the bulk loader's scratch memory would otherwise be inherited by every worker
    address = spec["address"]
    control = Client(address, family="AF_UNIX", authkey=authkey)
    control.send(("keeper", os.getpid()))
    # One more worker than readers may use when writes are on: a write never waits behind reads.
    wanted = spec["workers"] + (1 if spec.get("writes") else 0)
    generation = 0
    floor = 0  # workers forked before this generation are being retired by the app
    children: dict[int, int] = {}

    def fork_worker() -> None:
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _worker_main(store, address, authkey, generation, spec.get("private_mib", PRIVATE_MIB))
            finally:
                os._exit(0)
        children[pid] = generation

    def fork_missing() -> None:
        while sum(1 for g in children.values() if g >= floor) < wanted:
            fork_worker()

    while True:
        while children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.pop(pid, None)
        fork_missing()  # in place of workers that retired, failed or were killed
        if not control.poll(0.02):
            continue
        try:
            message = control.recv()
        except EOFError:
            break
        if message[0] == "stop":
            break
        try:
            if message[0] == "apply":
                change = _change_of(message)
                for target in targets:  # disk first: acknowledged means durable
                    target.apply(change)
                generation += 1
                replayed = len(message[1]) + len(message[2]) <= REPLAY_BYTES
                # The predicates a small write touched: cached answers that read none of them stay.
                predicates = sorted({q.predicate.value for q in (*change.additions, *change.removals)}) \
                    if replayed else None
                if not replayed:
                    # Fork the new generation before acknowledging: by the time the app retires the
                    # old workers, new ones are (nearly) ready, so the queries right after a big
                    # write do not wait for forks.
                    floor = generation
                    fork_missing()
                control.send(("applied", generation, replayed, predicates))
            elif message[0] == "load":
                n = [target.load_file(message[1]) for target in targets][0]
                generation += 1
                floor = generation
                fork_missing()
                control.send(("loaded", generation, n))
            else:
                control.send(("error", f"unknown keeper message {message[0]!r}"))
        except Exception as error:  # report, keep serving: the store is unchanged on failure
            control.send(("error", f"{type(error).__name__}: {error}"))
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    for target in targets:
        target.close()
    # The app may have been killed without closing us: its socket folder goes with the keeper.
    shutil.rmtree(os.path.dirname(spec["address"]), ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Shared design: one RocksDB store, read-only snapshots, long-lived workers
# ---------------------------------------------------------------------------------------------
def _shared_keeper_main(spec: dict, authkey: bytes) -> None:
    root = Path(spec["root"])
    snapshots = root / "snapshots"
    snapshots.mkdir()
    if spec.get("writes"):
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
        from sahelkg.sparql import write_plans

        write_plans.warm_up(EmbeddedStore())  # imports and caches once, inherited by every worker
    from sahelkg.sparql import protocol  # noqa: F401  imported once here: its pages stay shared

    # The workers' parent forks before any RocksDB handle exists in this process: a forked child
    # must never inherit one (RocksDB's threads and locks do not survive fork).
    lifeline_read, lifeline_write = os.pipe()
    spawner = os.fork()
    if spawner == 0:
        try:
            os.close(lifeline_write)
            _spawner_main(spec, authkey, lifeline_read)
        finally:
            os._exit(0)
    os.close(lifeline_read)
    store: EmbeddedStore | None = None
    try:
        store = EmbeddedStore(spec["path"] or root / "store")
        loads = ([spec["dump"]] if spec.get("dump") else []) + spec["load"]
        for path in loads:
            store.load_file(path)
        if loads:
            # Compact first: else the first snapshot pins the loaded files while compaction rewrites
            # them, and the folder holds the data twice (616 vs ~300 MB at 1.5M triples).
            store.oxigraph.optimize()
        generation = 0
        _publish_snapshot(store, snapshots, generation)
        _trim_heap()  # the bulk loader's scratch memory
        control = Client(spec["address"], family="AF_UNIX", authkey=authkey)
        control.send(("keeper", os.getpid()))
        while True:
            if not control.poll(0.25):
                _remove_unheld(snapshots, generation, root)
                if os.waitpid(spawner, os.WNOHANG)[0]:
                    break  # no more workers can be made: stop, the app reports it
                continue
            try:
                message = control.recv()
            except EOFError:
                break
            if message[0] == "stop":
                break
            try:
                if message[0] == "apply":
                    store.apply(_change_of(message))
                    generation += 1
                    _publish_snapshot(store, snapshots, generation)  # before the acknowledgement
                    control.send(("applied", generation, False, None))  # workers reopen, not replay
                elif message[0] == "load":
                    n = store.load_file(message[1])
                    generation += 1
                    _publish_snapshot(store, snapshots, generation)
                    control.send(("loaded", generation, n))
                else:
                    control.send(("error", f"unknown keeper message {message[0]!r}"))
            except Exception as error:  # report, keep serving: the store is unchanged on failure
                control.send(("error", f"{type(error).__name__}: {error}"))
            _remove_unheld(snapshots, generation, root)
    finally:
        os.close(lifeline_write)  # the spawner stops its workers and exits
        try:
            os.waitpid(spawner, 0)
        except ChildProcessError:
            pass
        if store is not None:
            store.close()
        # The app may have been killed without closing us: our folders go with the keeper.
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(os.path.dirname(spec["address"]), ignore_errors=True)


def _change_of(message: tuple) -> Change:
    """Given the app's ("apply", removals, additions) message (N-Quads), return the Change."""
    _, removals, additions = message
    return Change(additions=tuple(quads_from_nquads(additions)), removals=tuple(quads_from_nquads(removals)))


def _publish_snapshot(store: EmbeddedStore, snapshots: Path, generation: int) -> None:
    """Write a RocksDB checkpoint of the store as snapshots/<generation>, appearing all at once."""
    staging = snapshots / f".staging-{generation}"
    shutil.rmtree(staging, ignore_errors=True)
    store.oxigraph.backup(str(staging))  # hard links to the immutable files, plus a flush
    (staging / _HELD).touch()
    os.rename(staging, snapshots / str(generation))


def _remove_unheld(snapshots: Path, newest: int, root: Path) -> None:
    """Delete the snapshots older than `newest` no reader holds, and the write scratch copies of
    workers that are gone (killed at their timeout)."""
    import fcntl

    for entry in snapshots.iterdir():
        if not entry.name.isdigit() or int(entry.name) >= newest:
            continue
        try:
            fd = os.open(entry / _HELD, os.O_RDONLY)
        except OSError:
            shutil.rmtree(entry, ignore_errors=True)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(entry, ignore_errors=True)  # under the lock: a late reader sees it gone
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
    for entry in root.glob("scratch-*"):
        pid = int(entry.name.split("-", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)


def _spawner_main(spec: dict, authkey: bytes, lifeline: int) -> None:
    """Keep `workers` shared-design workers alive (replacing killed ones) until the keeper goes."""
    import select

    children: set[int] = set()
    while True:
        while children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.discard(pid)
        while len(children) < spec["workers"]:
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(lifeline)
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    _shared_worker_main(spec, authkey)
                finally:
                    os._exit(0)
            children.add(pid)
        if select.select([lifeline], [], [], 0.05)[0]:
            break  # the keeper closed its end: it is stopping or gone
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


class _Snapshot:
    """A read-only view of the newest published snapshot, held (flock) while open."""

    def __init__(self, snapshots: Path):
        import fcntl

        while True:
            generation = _newest_generation(snapshots)
            directory = snapshots / str(generation)
            try:
                fd = os.open(directory / _HELD, os.O_RDONLY)
            except FileNotFoundError:
                continue  # deleted between listing and opening: a newer one exists
            fcntl.flock(fd, fcntl.LOCK_SH)
            if os.fstat(fd).st_nlink == 0:  # deleted while we waited for the lock
                os.close(fd)
                continue
            break
        self.generation, self.directory, self._fd = generation, directory, fd
        self.store = _read_only_store(directory)

    def close(self) -> None:
        self.store.close()
        os.close(self._fd)


def _read_only_store(directory: Path) -> EmbeddedStore:
    """Given a snapshot directory, return an EmbeddedStore reading it (no journal, never flushed)."""
    return _bare_store(ox.Store.read_only(str(directory)))


def _bare_store(oxigraph: ox.Store) -> EmbeddedStore:
    """Given an open pyoxigraph store, return an EmbeddedStore over it without crash recovery: a
    snapshot is the keeper's store as it is, and recovery would drop graphs loaded without a
    catalog record (raw `python -m sahelkg.web.app FILES` loads)."""
    view = EmbeddedStore.__new__(EmbeddedStore)
    view.path, view.recovered, view._journal = None, [], None
    view._store = oxigraph
    return view


def _newest_generation(snapshots: Path) -> int:
    return max(int(n) for n in os.listdir(snapshots) if n.isdigit())


def _shared_worker_main(spec: dict, authkey: bytes) -> None:
    from sahelkg.sparql import protocol

    _keep_inherited_heap_shared()

    snapshots = Path(spec["root"]) / "snapshots"
    conn = Client(spec["address"], family="AF_UNIX", authkey=authkey)
    conn.send(("hello", os.getpid(), 0))
    snapshot: _Snapshot | None = None
    while True:
        try:
            if not conn.poll(1.0):
                # Idle: catch up now, off the next request's path, and let the keeper free the old one.
                if snapshot is not None and _newest_generation(snapshots) > snapshot.generation:
                    snapshot = _reopened(snapshot, snapshots)
                continue
            acknowledged, _, message = conn.recv()  # shared workers reopen instead of replaying
        except (EOFError, OSError):
            return
        started = time.monotonic()

        def answer(acknowledged: int = acknowledged, message: tuple = message) -> tuple:
            nonlocal snapshot
            if snapshot is None or snapshot.generation < acknowledged:
                snapshot = _reopened(snapshot, snapshots)
            if message[0] == "prepare_write":
                return _prepare_in_scratch(snapshot, Path(spec["root"]), message)
            return _handle(snapshot.store, message, protocol)

        conn.send((_reply(answer), message[0] in _ONE_SHOT, None))
        if message[0] in _ONE_SHOT:
            return  # the app never reuses it (the same rule as forked workers)
        if time.monotonic() - started > _TRIM_AFTER_SECONDS:
            _trim_heap()


def _reopened(snapshot: _Snapshot | None, snapshots: Path) -> _Snapshot:
    newer = _Snapshot(snapshots)  # open the new one before letting the old one go
    if snapshot is not None:
        snapshot.close()
    return newer


def _prepare_in_scratch(snapshot: _Snapshot, root: Path, message: tuple):
    """Prepare a write on a private writable copy of the snapshot: hard links to its immutable
    table files, copies of the rest (a read-only view cannot dry-run an update)."""
    scratch = root / f"scratch-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        for entry in snapshot.directory.iterdir():
            if entry.name == _HELD:
                continue
            if entry.suffix == ".sst":
                os.link(entry, scratch / entry.name)
            else:
                shutil.copy2(entry, scratch / entry.name)
        private = _bare_store(ox.Store(str(scratch)))
        try:
            from sahelkg.sparql import protocol

            return _handle(private, message, protocol)
        finally:
            private.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _keep_inherited_heap_shared() -> None:
    """In a freshly forked worker: move every inherited object out of the collector's reach. A full
    collection writes to each object it visits, which un-shares the copy-on-write pages of the
    parent's whole Python heap (20 MB in a fork of a process holding 150k triples); freezing is one
    list splice."""
    gc.freeze()


def _trim_heap() -> None:
    """Return freed heap memory to the system (glibc malloc_trim; a no-op elsewhere)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _graph_arg(text: str) -> GraphName:
    if text == "DEFAULT":
        return ox.DefaultGraph()
    graph = term_from_nt(text)
    if not isinstance(graph, ox.NamedNode | ox.BlankNode):
        raise ValueError(f"not a graph name: {text}")
    return graph


def _predicate_arg(text: str | None) -> ox.NamedNode | None:
    predicate = term_from_nt(text)
    if predicate is not None and not isinstance(predicate, ox.NamedNode):
        raise ValueError(f"not a predicate: {text}")
    return predicate


def _worker_main(store: EmbeddedStore, address: str, authkey: bytes, generation: int,
                 private_mib: float = PRIVATE_MIB) -> None:
    from sahelkg.sparql import protocol

    _keep_inherited_heap_shared()
    touched = _PagesTouched()

    conn = Client(address, family="AF_UNIX", authkey=authkey)
    conn.send(("hello", os.getpid(), generation))
    while True:
        try:
            _, missed, message = conn.recv()
        except (EOFError, OSError):
            return
        started = time.monotonic()
        try:
            for removals, additions in missed:  # the writes acknowledged since, in order
                store.apply(_change_of(("apply", removals, additions)))
        except Exception as error:  # this copy is no longer the keeper's: answer and retire
            conn.send((("error", "store", f"a query worker could not catch up: {error}"), True, None))
            return
        reply = _reply(_handle, store, message, protocol)
        # A prepared write may have left this copy changed: never reuse it. A worker holding more
        # than the workers' whole budget of its own makes way for a fresh fork at once (the app
        # weighs the others against the budget).
        private = touched.private_mib(time.monotonic() - started)
        retiring = message[0] in _ONE_SHOT or (private is not None and private > private_mib)
        conn.send((reply, retiring, private))
        if retiring:
            return
        if time.monotonic() - started > _TRIM_AFTER_SECONDS:
            _trim_heap()  # give a big query's freed heap back, or idle workers hoard it


class _PagesTouched:
    """Measures the pages a forked worker holds of its own: reading Oxigraph's in-memory store
    writes to it (a scan of 1.5M triples un-shares ~420 of its ~530 MiB), so without a limit every
    worker tends to a whole copy of the store. Its minor page faults (one getrusage call) bound the
    growth since the last exact count from above: each is a copy-on-write page un-shared from the
    keeper or a new page of its heap, perhaps freed since. Once that bound passes
    PRIVATE_FLOOR_MIB, the kernel's count of its private dirty pages after giving the freed heap
    back (smaps_rollup, ~3 ms at 150 MiB, ~12 ms at 550 MiB, so only then) is the exact figure."""

    # A request this quick cannot have faulted in much (a page fault costs ~1 µs or more): the
    # count is read after every slower one and every CHECK_EVERY-th (~10 µs on the hot path).
    QUICK_SECONDS = 0.002
    CHECK_EVERY = 32

    def __init__(self) -> None:
        self.exact = 0.0  # MiB held at the last exact count
        self.start = _minor_faults()  # faults then
        self.unchecked = 0

    def private_mib(self, seconds: float) -> float | None:
        """Given how long the request just answered took, return the MiB the worker holds of its
        own (an upper bound below PRIVATE_FLOOR_MIB of growth), or None when not measured."""
        self.unchecked += 1
        if seconds < self.QUICK_SECONDS and self.unchecked < self.CHECK_EVERY:
            return None
        self.unchecked = 0
        faults = _minor_faults()
        bound = self.exact + (faults - self.start) * _PAGE_BYTES / (1 << 20)
        if bound - self.exact <= PRIVATE_FLOOR_MIB:
            return bound
        _trim_heap()  # what the request freed is not held
        pages = _private_dirty_pages()
        if pages is None:
            return bound
        self.exact, self.start = pages * _PAGE_BYTES / (1 << 20), faults
        return self.exact


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _private_dirty_pages() -> int | None:
    try:
        with open("/proc/self/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1]) * 1024 // _PAGE_BYTES
    except OSError:
        pass
    return None


def _minor_faults() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _reply(answer: Callable[..., tuple], *args) -> tuple:
    """Given a worker's answer to compute (and its arguments), return it, or the error reply
    `_decoded` turns back into the exception."""
    try:
        return answer(*args)
    except SyntaxError as error:
        return ("error", "syntax", str(error))
    except ResultTooLarge as error:
        return ("error", "too_large", str(error))
    except NotAcceptable as error:
        return ("error", "not_acceptable", error.kind)
    except Exception as error:
        return ("error", "store", f"{type(error).__name__}: {error}")


def _handle(store: EmbeddedStore, message: tuple, protocol):
    kind = message[0]
    if kind == "query":
        _, sparql, options, media_types = message
        max_rows = options.pop("max_rows", None)
        wants_footprint = options.pop("footprint", False)
        started = time.monotonic()
        result_kind, media_type, body = protocol.write_answer(lambda: store.evaluate(sparql, **options),
                                                              media_types, max_rows)
        if media_type is None:
            raise NotAcceptable(result_kind)
        if wants_footprint and time.monotonic() - started > FOOTPRINT_AFTER:
            from sahelkg.sparql.footprint import predicates_read

            return ("ok", result_kind, media_type, body, predicates_read(sparql, options.get("base_iri")))
        return ("ok", result_kind, media_type, body)
    if kind == "call":
        _, name, args = message
        if name == "quads":
            s, p, o, g = args
            quads = store.quads(term_from_nt(s), _predicate_arg(p), term_from_nt(o), _graph_arg(g) if g else None)
            return ("ok", quads_to_nquads(quads))
        if name == "named_graphs":
            return ("ok", [term_to_nt(g) for g in store.named_graphs()])
        if name == "triple_count":
            return ("ok", store.triple_count(_graph_arg(args[0]) if args[0] else None))
        if name == "graph_counts":
            return ("ok", store.graph_counts())
        if name == "graph_exists":
            return ("ok", store.graph_exists(_graph_arg(args[0])))
        raise ValueError(name)
    if kind == "prepare_write":
        from sahelkg.problems import Problem
        from sahelkg.sparql import write_plans

        # Readers first: this worker exits after the write, and validating a big change would
        # otherwise take a core from the lookups waiting beside it (p99 2.2× idle → see bench).
        os.nice(10)

        try:
            return ("ok",) + write_plans.prepare(store, message[1])
        except Problem as problem:
            return ("error", "problem", write_plans.problem_to_wire(problem))
    raise ValueError(kind)


def dry_run(store: EmbeddedStore, update: str, base_iri: str | None, patterns: list) -> tuple[bytes, bytes]:
    """Given a store copy that may be modified, an update and every quad pattern the update can
    touch, apply it and return (removals, additions) as N-Quads.

    Exact because an update only changes quads that match one of its templates or the graphs
    its graph operations name; `sahelkg.store.updating.plan_update` lists those patterns.
    """
    def snapshot() -> set:
        seen: set = set()
        for s, p, o, g in patterns:
            graph = None if g is None else _graph_arg(g)
            seen.update(store.quads(term_from_nt(s), _predicate_arg(p), term_from_nt(o), graph))
        return seen

    before = snapshot()
    store.oxigraph.update(update, base_iri=base_iri)
    after = snapshot()
    return quads_to_nquads(before - after), quads_to_nquads(after - before)


if __name__ == "__main__":
    _keeper_main(json.loads(sys.argv[1]))
