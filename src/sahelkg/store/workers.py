"""Queries that can be stopped: the embedded store lives in a keeper process, queries run in
forked worker processes that are killed when they overrun.

Why processes: pyoxigraph releases the GIL but has no timeout or cancel API, so the only way to
stop a running query is to end the process running it. Design (measured costs in bench/RESULTS.md):

  app process (uvicorn)  --unix socket-->  keeper process (single thread, owns the Store)
        |                                      | os.fork() x N  (copy-on-write snapshot)
        +------------- unix socket ------------+-> worker processes: one query at a time

- The keeper applies every write (one at a time, so writes are serialised) and then bumps a
  generation number and forks N fresh workers; workers of older generations finish the query
  they are running on their snapshot and are then retired. A query always goes to a worker of
  the newest generation, so an acknowledged write is visible to the next query.
- With an on-disk store (RocksDB) the keeper writes every change to disk first and then to an
  in-memory mirror; workers fork from the mirror only, because a forked child must never touch
  RocksDB files its parent is writing (cost: the data is held in memory a second time).
- On timeout the app SIGKILLs the worker; the keeper reaps it and forks a replacement.
- Writes are prepared in a worker (its copy-on-write store is private): it turns the request into
  the exact Change (dry-running an update), runs the SHACL gate on it and exits; the keeper then
  applies the Change (`prepare_write`, `apply_prepared`; the code is sahelkg.web.write_plans).

>>> store = IsolatedStore(workers=2)
>>> store.query("ASK {}", timeout=5).boolean
True
>>> store.close()
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
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
    (see sahelkg.web.write_plans.problem_to_wire) to answer with."""

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


@dataclass
class _Worker:
    pid: int
    generation: int
    conn: Connection


class IsolatedStore(Store):
    """The embedded store behind killable worker processes; same interface as every Store.

    Start with a directory (on disk) or nothing (in memory), optionally files to load, or an
    existing in-memory EmbeddedStore whose content is copied in.
    """

    def __init__(self, *, path: str | os.PathLike | None = None, load_paths: tuple = (),
                 source: EmbeddedStore | None = None, workers: int = 3, start_timeout: float = 600.0,
                 prepare_writes: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.workers = max(1, workers)
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[int] = set()
        self._generation = 0
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
        spec = {"address": address, "path": str(self.path) if self.path else None,
                "load": [str(p) for p in load_paths], "dump": dump, "workers": self.workers,
                "writes": prepare_writes}
        env = dict(os.environ, SAHELKG_POOL_AUTHKEY=authkey.hex())
        self._keeper = subprocess.Popen([sys.executable, "-m", "sahelkg.store.workers", json.dumps(spec)], env=env)
        self._acceptor = threading.Thread(target=self._accept_loop, name="sahelkg-pool-accept", daemon=True)
        self._acceptor.start()
        deadline = time.monotonic() + start_timeout
        with self._cond:
            while self._control is None or not self._idle:
                if self._keeper.poll() is not None:
                    raise StoreError(f"the store keeper exited with status {self._keeper.returncode} while starting")
                if time.monotonic() > deadline:
                    raise StoreError("the store keeper did not start in time")
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
                    # to that write is read here: keep it, it is newer, not stale.
                    if generation >= self._generation:
                        self._idle.append(_Worker(pid, generation, conn))
                    else:
                        conn.close()
                self._cond.notify_all()

    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("the store is closed")
                stale = [w for w in self._idle if w.generation < self._generation]
                for w in stale:
                    self._idle.remove(w)
                    w.conn.close()
                if self._idle:
                    # Least recently used first: a worker just released may still be trimming memory.
                    worker = self._idle.pop(0)
                    self._busy.add(worker.pid)
                    return worker
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServiceBusy("every query worker is busy; try again shortly")
                if self._keeper.poll() is not None:
                    raise StoreError("the store keeper has stopped")
                self._cond.wait(min(remaining, 0.5))

    def _release(self, worker: _Worker, reusable: bool) -> None:
        with self._cond:
            self._busy.discard(worker.pid)
            if reusable and worker.generation >= self._generation and not self._closed:
                self._idle.append(worker)
                self._cond.notify()
            else:
                try:
                    worker.conn.close()
                except OSError:
                    pass

    def _kill(self, worker: _Worker) -> None:
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def call(self, message: tuple, timeout: float | None = None):
        """Given a worker request, run it on a free worker and return its reply (blocking).

        The worker is killed when it has not answered by the deadline (QueryTimeout).
        """
        timeout = 3600.0 if timeout is None else timeout
        deadline = time.monotonic() + timeout
        worker = self._acquire(deadline)
        reusable = False
        try:
            worker.conn.send(message)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._kill(worker)
                raise QueryTimeout(f"the query did not finish within {timeout:g} s and was stopped")
            reply = worker.conn.recv()
            reusable = message[0] not in _ONE_SHOT
        except (EOFError, OSError) as error:
            self._kill(worker)
            raise StoreError(f"a query worker failed: {error}") from error
        finally:
            self._release(worker, reusable)
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

    def _keeper_call(self, message: tuple):
        if self._control is None:
            raise StoreError("the store keeper is not connected")
        with self._control_lock:
            self._control.send(message)
            reply = self._control.recv()
        if reply[0] == "error":
            raise StoreError(reply[1])
        with self._cond:
            self._generation = max(self._generation, reply[1])
            for worker in [w for w in self._idle if w.generation < self._generation]:
                self._idle.remove(worker)
                worker.conn.close()
            self._cond.notify_all()
        return reply

    @property
    def generation(self) -> int:
        """Return the number of writes applied since start (VoID caches key on it)."""
        return self._generation

    # -- Store interface ------------------------------------------------------------------------
    def query_serialized(self, sparql: str, media_types: dict[str, str | None], *, default_graph_uris=None,
                         named_graph_uris=None, union_default_graph=True, timeout=None, base_iri=None,
                         max_rows=None) -> tuple[str, str, bytes]:
        """Given a query and the negotiated media type per result kind, return (kind, media type, body)."""
        options = {"default_graph_uris": default_graph_uris, "named_graph_uris": named_graph_uris,
                   "union_default_graph": union_default_graph, "base_iri": base_iri, "max_rows": max_rows}
        kind, media_type, body = self.call(("query", sparql, options, media_types), timeout)
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
        """Given a write request (see sahelkg.web.write_plans), return its validated change.

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


# ---------------------------------------------------------------------------------------------
# Keeper and worker processes
# ---------------------------------------------------------------------------------------------
def _keeper_main(spec: dict) -> None:
    authkey = bytes.fromhex(os.environ.pop("SAHELKG_POOL_AUTHKEY"))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app stops us with ("stop",)
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
        from sahelkg.web import write_plans

        write_plans.warm_up(store)  # imports and caches once here, inherited by every forked worker
    _trim_heap()  # the bulk loader's scratch memory would otherwise be inherited by every worker
    address = spec["address"]
    control = Client(address, family="AF_UNIX", authkey=authkey)
    control.send(("keeper", os.getpid()))
    generation = 0
    children: dict[int, int] = {}

    def fork_worker() -> None:
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _worker_main(store, address, authkey, generation)
            finally:
                os._exit(0)
        children[pid] = generation

    while True:
        while children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.pop(pid, None)
        while sum(1 for g in children.values() if g == generation) < spec["workers"]:
            fork_worker()
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
                _, removals, additions = message
                change = Change(additions=tuple(quads_from_nquads(additions)),
                                removals=tuple(quads_from_nquads(removals)))
                for target in targets:  # disk first: acknowledged means durable
                    target.apply(change)
                generation += 1
                # Fork the new generation before acknowledging: by the time the app retires the old
                # workers, new ones are (nearly) ready, so the queries right after a write do not
                # wait for forks.
                while sum(1 for g in children.values() if g == generation) < spec["workers"]:
                    fork_worker()
                control.send(("applied", generation))
            elif message[0] == "load":
                n = [target.load_file(message[1]) for target in targets][0]
                generation += 1
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


def _worker_main(store: EmbeddedStore, address: str, authkey: bytes, generation: int) -> None:
    from sahelkg.sparql import protocol

    conn = Client(address, family="AF_UNIX", authkey=authkey)
    conn.send(("hello", os.getpid(), generation))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        started = time.monotonic()
        try:
            reply = _handle(store, message, protocol)
        except SyntaxError as error:
            reply = ("error", "syntax", str(error))
        except ResultTooLarge as error:
            reply = ("error", "too_large", str(error))
        except NotAcceptable as error:
            reply = ("error", "not_acceptable", error.kind)
        except Exception as error:
            reply = ("error", "store", f"{type(error).__name__}: {error}")
        conn.send(reply)
        if message[0] in _ONE_SHOT:
            return  # this worker's store copy may now hold the update: never reuse it
        if time.monotonic() - started > 0.05:
            _trim_heap()  # give a big query's freed heap back, or idle workers hoard it


def _handle(store: EmbeddedStore, message: tuple, protocol):
    kind = message[0]
    if kind == "query":
        _, sparql, options, media_types = message
        max_rows = options.pop("max_rows", None)
        result_kind, media_type, body = protocol.write_answer(lambda: store.evaluate(sparql, **options),
                                                              media_types, max_rows)
        if media_type is None:
            raise NotAcceptable(result_kind)
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
        from sahelkg.web import write_plans

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
