"""What the gate reads from the shapes' SPARQL queries, parsed once and remembered across runs.

The engines need facts about each SHACL-SPARQL constraint (its triple patterns, the triples
every answer needs from $this). rdflib's SPARQL parser takes 0.05–0.3 s per query, and with
some 40 constraints every new process (each `sahelkg load`, `import`, `author`, each test's
server) paid seconds before its first write. So: a query is parsed at most once per process
(`parsed`), and an analysis decorated with `remembered` is also kept in a small file in the
user's cache folder, keyed by the query text, the source of the function's module and rdflib's version,
so a changed query or a changed analysis is never answered from an old entry.

The file is a cache only: unreadable, unwritable or absent, it is rebuilt; concurrent
processes replace it atomically and at worst redo a parse.

>>> parsed("SELECT * WHERE { ?s ?p ?o }") is parsed("SELECT * WHERE { ?s ?p ?o }")
True
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import pickle
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import rdflib

T = TypeVar("T")
_lock = threading.Lock()
_entries: dict[str, Any] | None = None


def cache_folder() -> Path:
    """Return the folder of the analysis file: $SAHELKG_CACHE_DIR, else the XDG cache folder."""
    explicit = os.environ.get("SAHELKG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sahelkg"


def _cache_file() -> Path:
    return cache_folder() / f"query-analysis-rdflib-{rdflib.__version__}.pickle"


@functools.lru_cache(maxsize=1024)
def parsed(text: str) -> Any:
    """Given a SPARQL query text, return rdflib's prepared query (parsed once per process)."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


def _load() -> dict[str, Any]:
    global _entries
    if _entries is None:
        try:
            with open(_cache_file(), "rb") as handle:
                loaded = pickle.load(handle)
            _entries = loaded if isinstance(loaded, dict) else {}
        except Exception:  # a cache: missing, truncated or from elsewhere, start afresh
            _entries = {}
    return _entries


def _save(entries: dict[str, Any]) -> None:
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".query-analysis-")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(entries, out)
        os.replace(temporary, _cache_file())
    except OSError:
        pass  # read-only home, full disk: the analyses are simply recomputed next time


def remembered(function: Callable[[str], T]) -> Callable[[str], T]:
    """Decorate a pure function of a query text whose result pickles: remember it in-process and on disk.

    Every caller gets the same object: the function must return an immutable value (tuples)."""
    # The whole defining module: an edit to a helper the function calls also retires old entries.
    module = inspect.getmodule(function)
    version = hashlib.sha256(inspect.getsource(module if module is not None else function).encode()).hexdigest()[:16]
    prefix = f"{function.__module__}.{function.__qualname__}:{version}:"

    @functools.wraps(function)
    def wrapper(text: str) -> T:
        key = prefix + hashlib.sha256(text.encode()).hexdigest()
        with _lock:
            entries = _load()
            if key in entries:
                return entries[key]
        value = function(text)
        with _lock:
            entries = dict(_load())
            entries[key] = value
            global _entries
            _entries = entries
            _save(entries)
        return value

    return functools.lru_cache(maxsize=1024)(wrapper)
