"""Query results kept in memory between identical requests, and their HTTP validators.

A public research endpoint answers the same saved queries again and again; each answer is
stored under everything that can change it — the query text, the dataset (default and named
graph IRIs, union default graph, base IRI), the negotiated media types, the row cap — and the
store's write generation. Every write moves the generation on, so a result computed before a
write is never served after it: the key is taken before the query runs, so a query racing a
write is stored under the older generation and never found again. Only stores that count their
writes (`generation`) are cached; a remote store, which other clients may write to without our
knowing, is not.

The cache is bounded in bytes and evicts the least recently used results. GET answers carry an
`ETag` (this process's boot id, the generation and the key's hash), so a client or proxy
revalidates with `If-None-Match` and gets 304 while nothing was written.

>>> cache = ResultCache(max_bytes=1000)
>>> key = cache.key("ASK {}", {"boolean": "application/sparql-results+json"}, ())
>>> _ = cache.put(key, 3, "boolean", "application/sparql-results+json", b'{"boolean":true}')
>>> cache.get(key, 3).body
b'{"boolean":true}'
>>> cache.get(key, 4) is None   # a write happened since: never the old result
True
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import NamedTuple

# Largest share of the cache one result may take: a single huge result must not flush the rest.
ENTRY_SHARE = 8
# Functions whose value changes from one evaluation to the next: such queries are never stored.
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def cacheable(text: str) -> bool:
    """Given a query text, return False when its answer may differ between two runs on the same data.

    >>> cacheable("SELECT * { ?s ?p ?o }"), cacheable("SELECT (NOW() AS ?t) {}"), cacheable("SELECT (struuid () AS ?u) {}")
    (True, False, False)
    """
    return _VOLATILE.search(text) is None


class CachedResult(NamedTuple):
    """One stored answer: result kind, media type, body, and its entity tag."""

    kind: str
    media_type: str
    body: bytes
    etag: str


class ResultCache:
    """A byte-bounded LRU map from (query key, write generation) to serialised results."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.boot_id = secrets.token_hex(4)  # ETags of an earlier run never match after a restart
        self._entries: OrderedDict[tuple[str, int], CachedResult] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(text: str, media_types: Mapping[str, str | None], dataset: tuple) -> str:
        """Given a query text, its negotiated media types and its dataset description, return the cache key."""
        digest = hashlib.sha256(text.encode())
        digest.update(b"\x00")
        digest.update(_media_part(tuple(media_types.items())))
        digest.update(repr(dataset).encode())
        digest.update(b"\x00")
        return digest.hexdigest()

    def etag(self, key: str, generation: int) -> str:
        """Given a key and a write generation, return the strong entity tag of that result."""
        return f'"{self.boot_id}-{generation}-{key[:20]}"'

    def get(self, key: str, generation: int) -> CachedResult | None:
        """Given a key and the store's current generation, return the stored result or None."""
        entry = self._entries.get((key, generation))
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end((key, generation))
        self.hits += 1
        return entry

    def put(self, key: str, generation: int, kind: str, media_type: str, body: bytes) -> CachedResult:
        """Given a key, the generation read before the query ran and its result, store and return it."""
        entry = CachedResult(kind, media_type, body, self.etag(key, generation))
        if self.max_bytes <= 0 or len(body) > self.max_bytes // ENTRY_SHARE:
            return entry
        old = self._entries.pop((key, generation), None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[(key, generation)] = entry
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
        return entry

    @property
    def size_bytes(self) -> int:
        """Return the bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


@functools.lru_cache(maxsize=256)
def _media_part(media_types: tuple[tuple[str, str | None], ...]) -> bytes:
    # Clients send the same few Accept headers: the negotiated types' part of the key is memoised.
    return repr(sorted(media_types)).encode() + b"\x00"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Given an If-None-Match header and an entity tag, return True when the client holds that tag.

    >>> etag_matches('"a", "b"', '"b"'), etag_matches('*', '"x"'), etag_matches('W/"b"', '"b"'), etag_matches(None, '"b"')
    (True, True, True, False)
    """
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2).
    return "*" in tags or etag in [t.removeprefix("W/") for t in tags]


def asks_fresh(cache_control: str | None, pragma: str | None) -> bool:
    """Given the request's Cache-Control and Pragma headers, return True when it refuses stored answers.

    >>> asks_fresh("no-cache", None), asks_fresh("max-age=60", None), asks_fresh(None, "no-cache"), asks_fresh(None, None)
    (True, False, True, False)
    """
    directives = {d.strip().split("=")[0].lower() for d in (cache_control or "").split(",")}
    return bool(directives & {"no-cache", "no-store"}) or (pragma or "").strip().lower() == "no-cache"
