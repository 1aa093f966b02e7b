"""SIGKILL a process while it makes one large write to an on-disk store, reopen, and check the write
is there entirely or not at all (and an import's catalog record exactly when its data is).

Used by tests/store/test_crash_safety.py (a few kills) and bench/store_crash.py (many).
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from sahelkg.store import EmbeddedStore
from sahelkg.store.catalog import is_published
from sahelkg.store.embedded import JOURNAL_NAME
from tests.store import writer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """What the kills of one mode left behind."""

    mode: str
    rows: int
    window: float = 0.0  # seconds the write takes when left to finish
    kills: int = 0
    whole: int = 0  # the write was there entirely
    absent: int = 0  # the write was not there at all
    partial: int = 0
    without_record: int = 0  # import data without its catalog record, or the record without data
    failed_opens: int = 0
    journal_left: int = 0  # a journal file still there after reopening
    notes: list[str] = field(default_factory=list)


def _run(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.store.writer", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _prepare(mode: str, directory: Path, rows: int) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    setup = _run(["setup", str(directory), str(rows), mode])
    _, error = setup.communicate(timeout=600)
    assert setup.returncode == 0, error


def _write(mode: str, directory: Path, rows: int, kill_after: float | None) -> tuple[bool, float]:
    """Run one write; kill it `kill_after` seconds after it says "ready" (None: let it finish).
    Return whether it finished, and the seconds from "ready" to its end."""
    process = _run([mode, str(directory), str(rows)])
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", process.stderr.read() if process.stderr else line
    ready = time.perf_counter()
    if kill_after is not None:
        time.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
    _, error = process.communicate(timeout=600)
    if kill_after is None:
        assert process.returncode == 0, error
    return process.returncode == 0, time.perf_counter() - ready


def judge(mode: str, directory: Path, rows: int, outcome: Outcome) -> None:
    """Given a store directory after a write (finished or killed), reopen it and count the result."""
    try:
        store = EmbeddedStore(directory)
    except Exception as error:  # counted, not raised: the campaign goes on
        outcome.failed_opens += 1
        outcome.notes.append(f"open failed: {error}")
        return
    try:
        outcome.journal_left += (directory / JOURNAL_NAME).exists()
        if mode == "replace":
            tags = [row[0].value.split("-")[0] for row in store.query(
                f"SELECT ?o WHERE {{ GRAPH {writer.GRAPH} {{ ?s ?p ?o }} }}").rows]
            old, new, size = tags.count("old"), tags.count("new"), rows + writer.BLANK
            state = "absent" if (old, new) == (size, 0) else "whole" if (old, new) == (0, size) else "partial"
            if state == "partial":
                outcome.notes.append(f"replace: {old} old and {new} new triples")
        elif mode == "import":
            graph = ox.NamedNode(writer.IMPORT_GRAPH)
            count = store.triple_count(graph)
            published = is_published(store.oxigraph, graph)
            state = "absent" if count == 0 else "whole" if count == rows else "partial"
            if (count > 0) != published:
                outcome.without_record += 1
                outcome.notes.append(f"import: {count} triples, catalog record {'present' if published else 'missing'}")
        else:
            graphs = [ox.NamedNode(g) for g in (writer.LOAD_GRAPHS if mode == "load" else writer.STAGED_GRAPHS)]
            counts = [store.triple_count(g) for g in graphs]
            per_graph = rows // len(graphs)
            state = "absent" if not any(counts) else "whole" if counts == [per_graph] * len(counts) else "partial"
            if state == "partial":
                outcome.notes.append(f"{mode}: {counts} triples per graph")
            if mode == "staged" and any((n > 0) != is_published(store.oxigraph, g) for n, g in zip(counts, graphs, strict=True)):
                outcome.without_record += 1
                outcome.notes.append(f"staged: {counts} triples, a catalog record missing or without data")
        setattr(outcome, state, getattr(outcome, state) + 1)
    finally:
        store.close()


def campaign(mode: str, kills: int, rows: int, seed: int = 13) -> Outcome:
    """Given a mode, a number of kills and a size, kill that many writes at random moments and count."""
    outcome = Outcome(mode, rows)
    draw = random.Random(f"{seed}-{mode}")
    with tempfile.TemporaryDirectory(prefix="sahelkg-crash-") as tmp:
        directory = Path(tmp) / "store"
        _prepare(mode, directory, rows)
        _, outcome.window = _write(mode, directory, rows, None)
        judge(mode, directory, rows, outcome)  # the finished write must be whole
        assert outcome.whole == 1, outcome.notes
        outcome.whole = 0
        for _ in range(kills):
            _prepare(mode, directory, rows)
            finished, _ = _write(mode, directory, rows, draw.uniform(0.0, outcome.window))
            outcome.kills += not finished
            judge(mode, directory, rows, outcome)
    return outcome
