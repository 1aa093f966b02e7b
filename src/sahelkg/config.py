"""Settings of the SPARQL service, in one immutable object.

Every limit has a safe default; `Settings.from_env()` reads `SAHELKG_*` variables so
`sahelkg serve` and the tests configure the service the same way.

>>> Settings().query_timeout
30.0
>>> Settings(write_token="s3cret").writes_enabled
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sahelkg.namespaces import BASE


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Limits, switches and secrets of one running service."""

    # Seconds a query may run before its worker process is killed; a request may ask for less.
    query_timeout: float = 30.0
    # Largest request body accepted (bytes), longest query or update text (characters).
    max_body_bytes: int = 10 * 1024 * 1024
    max_query_chars: int = 100_000
    # Largest number of solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) returned.
    max_result_rows: int = 100_000
    # SERVICE endpoints a query may call; empty means SERVICE is refused.
    service_allow_list: tuple[str, ...] = ()
    # Bearer token that enables /update and Graph Store writes; None means read-only.
    write_token: str | None = None
    # When True the default graph of a query is the union of every graph in the store.
    union_default_graph: bool = True
    # Base IRI for relative IRIs in queries and updates, and for direct graph identification.
    base_iri: str = BASE
    # Query worker processes (embedded store); each runs one query at a time. More workers than
    # cores keeps point lookups from queueing behind long queries (copy-on-write: cheap in memory).
    workers: int = field(default_factory=lambda: max(4, 2 * (os.cpu_count() or 1) + 2))
    # Host header values the service may name in absolute URLs; empty: the address and port it was
    # reached on, and the localhost forms of that port. Any other Host is treated as the first allowed.
    allowed_hosts: tuple[str, ...] = ()
    # Open connections kept at most; past it the oldest connections without a request running are
    # closed. 0: derived from the open-file limit (raised to its hard limit at start).
    max_connections: int = 0
    # Seconds a client has to send a request's headers (and, by `read_body`, its body) once it
    # connected or its previous response ended: half-open and slow clients are then disconnected.
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    # Seconds a write may take to be parsed, planned and validated in its worker process.
    write_timeout: float = 300.0
    # Bytes of serialised query results kept between identical queries (0: no cache); every
    # write invalidates them (sahelkg.web.result_cache).
    result_cache_bytes: int = 64 * 1024 * 1024
    # How query workers see the embedded store: "forked" (copy-on-write in-memory snapshots, re-forked
    # on every write) or "shared" (one RocksDB store, read-only snapshots; sahelkg.store.workers).
    worker_store: str = "forked"
    # Forked workers: MiB of pages the workers together may hold of their own (un-shared from the
    # store, or allocated); past it, workers retire and fresh forks replace them
    # (sahelkg.store.workers.PRIVATE_MIB).
    worker_private_mib: float = 96.0

    @property
    def writes_enabled(self) -> bool:
        """Return True when a write token is configured."""
        return bool(self.write_token)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Given an environment (default os.environ), return settings read from SAHELKG_* variables."""
        env = os.environ if environ is None else environ
        values: dict = {}
        numeric = {
            "SAHELKG_QUERY_TIMEOUT": ("query_timeout", float),
            "SAHELKG_MAX_BODY_BYTES": ("max_body_bytes", int),
            "SAHELKG_MAX_QUERY_CHARS": ("max_query_chars", int),
            "SAHELKG_MAX_RESULT_ROWS": ("max_result_rows", int),
            "SAHELKG_WORKERS": ("workers", int),
            "SAHELKG_RESULT_CACHE_BYTES": ("result_cache_bytes", int),
            "SAHELKG_MAX_CONNECTIONS": ("max_connections", int),
            "SAHELKG_HEADER_TIMEOUT": ("header_timeout", float),
            "SAHELKG_BODY_TIMEOUT": ("body_timeout", float),
            "SAHELKG_WORKER_PRIVATE_MIB": ("worker_private_mib", float),
        }
        for var, (name, kind) in numeric.items():
            if env.get(var):
                values[name] = kind(env[var])
        if env.get("SAHELKG_SERVICE_ALLOW_LIST"):
            values["service_allow_list"] = tuple(env["SAHELKG_SERVICE_ALLOW_LIST"].split())
        if env.get("SAHELKG_ALLOWED_HOSTS"):
            values["allowed_hosts"] = tuple(env["SAHELKG_ALLOWED_HOSTS"].lower().split())
        if env.get("SAHELKG_WRITE_TOKEN"):
            values["write_token"] = env["SAHELKG_WRITE_TOKEN"]
        if env.get("SAHELKG_UNION_DEFAULT_GRAPH"):
            values["union_default_graph"] = env["SAHELKG_UNION_DEFAULT_GRAPH"].lower() in ("1", "true", "yes")
        if env.get("SAHELKG_WORKER_STORE"):
            values["worker_store"] = env["SAHELKG_WORKER_STORE"]
        if env.get("SAHELKG_BASE_IRI"):
            values["base_iri"] = env["SAHELKG_BASE_IRI"]
        values.update(overrides)
        return cls(**values)
