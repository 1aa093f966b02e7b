"""The `sahelkg` command: load, query, export, serve, and the subcommands other modules register.

Each module that adds a subcommand exposes `register(subcommands)`, which adds an argparse
parser whose `func(args) -> int` runs it; it is listed in COMMAND_MODULES below.

Exit codes, the same for every command (README, "Command line"):
  0  done
  1  refused: SHACL violations, malformed rows, an audit that finds what it was asked to refuse
  2  could not run as asked: usage error, missing or unreadable input, unusable store
  3  a bug: an unexpected error (SAHELKG_DEBUG=1 shows the traceback)
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import socket
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from sahelkg import namespaces as ns
from sahelkg.dataset import loading
from sahelkg.store import EmbeddedStore, RemoteStore

# Modules that add subcommands of their own (each has `register(subcommands)`).
COMMAND_MODULES: list[str] = ["sahelkg.dataset.ontology_docs", "sahelkg.cli.imports", "sahelkg.cli.audit",
                              "sahelkg.cli.link", "sahelkg.cli.validate", "sahelkg.cli.author"]

QUERY_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
EXPORT_FORMATS = {"trig": "TRIG", "nquads": "N_QUADS", "turtle": "TURTLE", "jsonld": "JSON_LD", "ntriples": "N_TRIPLES"}


EXIT_OK, EXIT_REFUSED, EXIT_CANNOT_RUN, EXIT_BUG = 0, 1, 2, 3

EMPTY_STORE_HINT = "use --seed, --store DIR, or load data first (sahelkg load FILES… --store DIR)"


class UsageError(Exception):
    """The user asked for something that cannot be done; the message says what to change."""


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that choose a store: an on-disk directory, or a remote SPARQL endpoint."""
    parser.add_argument("--store", metavar="DIR", default=os.environ.get("SAHELKG_STORE"),
                        help="on-disk embedded store directory (default: $SAHELKG_STORE; in memory when unset)")
    parser.add_argument("--remote-query", metavar="URL", help="query URL of an external SPARQL 1.1 store")
    parser.add_argument("--remote-update", metavar="URL", help="update URL of the external store")
    parser.add_argument("--remote-kind", choices=["generic", "virtuoso"], default="generic",
                        help="adapter for the external store's quirks")
    parser.add_argument("--remote-token", metavar="TOKEN", default=os.environ.get("SAHELKG_REMOTE_TOKEN"),
                        help="bearer token sent with updates (a `sahelkg serve` with SAHELKG_WRITE_TOKEN; "
                             "default: $SAHELKG_REMOTE_TOKEN)")
    parser.add_argument("--seed", action="store_true",
                        help="load the seed dataset (ontology/ and data/) into an in-memory store first")


def open_store(args: argparse.Namespace, *, purpose: str = "write"):
    """Given parsed store options, return a Store (remote, on disk, or in memory).

    purpose: "read" (the store must hold data; a store a server holds is read as a read-only
    snapshot), "check" (read, an empty store allowed), "write" (an existing store, or a new one
    filled by --seed), "load" (may create the store directory).
    """
    from sahelkg import store as stores

    if getattr(args, "remote_query", None):
        if args.remote_kind == "virtuoso":
            base = args.remote_query.rsplit("/sparql", 1)[0]
            return stores.VirtuosoStore(base)
        if getattr(args, "remote_token", None):
            return _BearerRemoteStore(args.remote_query, args.remote_update, token=args.remote_token)
        return stores.RemoteStore(args.remote_query, args.remote_update)
    seed = getattr(args, "seed", False)
    if getattr(args, "store", None):
        store = _open_directory(Path(args.store), purpose, seed)
    else:
        store = stores.EmbeddedStore()
        if purpose in ("write", "load") and not getattr(args, "dry_run", False):
            print("note: no --store DIR (or $SAHELKG_STORE) given: the store is in memory and nothing will be kept "
                  "when the command ends", file=sys.stderr)
    if seed:
        if isinstance(store, _SnapshotStore):
            raise UsageError(f"--seed cannot add to {args.store}: a server holds that store; leave out --seed")
        from sahelkg import gate
        from sahelkg.store.change import Change

        gate.commit(store, Change(additions=tuple(loading.dataset_quads(loading.seed_paths()))))
    # The first quad, not len(): counting a store on disk reads all of it.
    if purpose == "read" and next(iter(store.oxigraph.quads_for_pattern(None, None, None, None)), None) is None:
        store.close()
        where = f"the store {args.store}" if getattr(args, "store", None) else "the in-memory store (no --store given)"
        raise UsageError(f"{where} is empty: nothing to read; {EMPTY_STORE_HINT}")
    return store


def _open_directory(path: Path, purpose: str, seed: bool):
    """Given a store directory, return it opened; refuse a missing store unless it is to be created."""
    if not (path / "CURRENT").is_file():  # RocksDB's marker: no store lives here yet
        if path.exists() and not path.is_dir():
            raise UsageError(f"--store {path}: is a file, not a store directory")
        # What an interrupted first load leaves (RocksDB's own files) may be reused; other files may not.
        if path.is_dir() and any(not _ROCKSDB_FILE.match(entry.name) for entry in path.iterdir()):
            raise UsageError(f"--store {path}: the directory holds other files and no store; give the directory of a "
                             "store, or an empty or new one to `sahelkg load`")
        if purpose != "load" and not seed:
            raise UsageError(f"--store {path}: no store there (only `sahelkg load` creates one); create it with "
                             f"`sahelkg load FILES… --store {path}`, or add --seed to start it with the seed data")
    if not held_by_another_process(path):
        try:
            return EmbeddedStore(path)
        except OSError as error:
            if "lock" not in str(error).lower():
                raise UsageError(f"--store {path}: cannot be opened: {error}") from None
    # Another process (usually `sahelkg serve --store DIR`) holds RocksDB's LOCK.
    if purpose in ("read", "check"):
        print(f"note: {path} is held by another process (a running server?); reading a snapshot taken now",
              file=sys.stderr)
        return _SnapshotStore(path)
    raise UsageError(f"--store {path}: another process holds this store (a running `sahelkg serve --store {path}`?); "
                     "write through the server: --remote-query http://HOST:PORT/sparql --remote-update "
                     "http://HOST:PORT/update --remote-token TOKEN (its SAHELKG_WRITE_TOKEN), or stop it first")


_ROCKSDB_FILE = re.compile(r"^(LOCK|CURRENT|IDENTITY|LOG(\.old\.\d+)?|OPTIONS-\d+|MANIFEST-\d+|\d+\.(log|sst|blob))"
                           r"(\.dbtmp)?$")


def held_by_another_process(store_dir: Path) -> bool:
    """Given a store directory, return True when another process holds its RocksDB LOCK file.

    RocksDB locks LOCK with fcntl; taking and at once releasing the same lock tells whether
    someone holds it, without opening the store (which would fail, or log, in other code).
    """
    import fcntl

    lock = store_dir / "LOCK"
    if not lock.is_file():
        return False
    with open(lock, "rb+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN)
    return False


class _SnapshotStore(EmbeddedStore):
    """A read-only view of an on-disk store another process holds, as it was when opened."""

    def __init__(self, path: Path) -> None:
        import pyoxigraph as ox

        super().__init__()
        self.path = path
        self._store = ox.Store.read_only(str(path))

    def close(self) -> None:
        self._store = None  # nothing to flush: this view never writes


class _BearerRemoteStore(RemoteStore):
    """A remote store whose updates carry `Authorization: Bearer TOKEN` (a `sahelkg serve` with writes on)."""

    def __init__(self, query_url: str, update_url: str | None, *, token: str) -> None:
        super().__init__(query_url, update_url)
        self.token = token

    def _prepare_update(self, wrapper) -> None:
        wrapper.addCustomHttpHeader("Authorization", f"Bearer {self.token}")


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_load(args: argparse.Namespace) -> int:
    """Parse every file first (nothing is written if one fails), then commit them as one change
    through the SHACL gate: all of them or, when the shapes refuse them, none."""
    from sahelkg import gate

    files = loading.read_files(args.files, args.graph, _progress, bulk=not getattr(args, "remote_query", None))
    store = open_store(args, purpose="load")
    try:
        receipt = gate.commit_files(store, files, progress=_progress)
    except gate.ChangeRefused as refused:
        print(refused.report.to_text(), end="", file=sys.stderr)
        print(f"error: {refused}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if receipt is None:
        print("already loaded: these files were loaded into this store before; nothing changed")
        return 0
    print(f"loaded {receipt.added:,} quads from {len(loading.collect_files(args.files))} file(s)")
    return 0


def _read_query(args: argparse.Namespace) -> str:
    if getattr(args, "saved", None):
        from sahelkg.sparql.saved_queries import InvalidParameter, bind_saved

        try:
            return bind_saved(args.saved, args.param or [])
        except InvalidParameter as error:
            raise UsageError(str(error)) from error
    if args.file:
        with loading.open_regular_file(args.file) as handle:
            data = handle.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise loading.LoadError(args.file, f"not UTF-8 text (byte 0x{data[error.start]:02X} at byte {error.start})") from None
    if args.query is None:
        raise UsageError("give a query, or --file FILE")
    return args.query


def format_table(result) -> str:
    """Given a QueryResult, return it as a plain-text table of plain values: 3533, not
    "3533"^^xsd:integer; IRIs shortened to prefix:name where a known prefix covers them."""
    if result.kind == "boolean":
        return "true" if result.boolean else "false"
    headers = list(result.variables)
    rows = [[plain_value(t) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([line.rstrip(), "  ".join("-" * w for w in widths), *body, f"({len(rows)} rows)"])


def plain_value(term) -> str:
    """Given an RDF term (or None for unbound), return what a person reads in a table cell.

    >>> import pyoxigraph as ox
    >>> plain_value(ox.Literal("3533", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '3533'
    >>> plain_value(ox.NamedNode("https://w3id.org/sahelkg/id/actor/fama"))
    'actor:fama'
    """
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return ns.shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return _ONE_LINE.sub(lambda m: _ESCAPES[m.group()], term.value)  # one row stays one line
    return str(term)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ONE_LINE = re.compile("[\n\r\t]")


def cmd_query(args: argparse.Namespace) -> int:
    from sahelkg.sparql import protocol
    from sahelkg.store import QuerySyntaxError

    if args.param and not args.saved:
        raise UsageError("--param binds a saved query's parameter: use it with --saved NAME")
    text = _read_query(args)
    store = open_store(args, purpose="read")
    try:
        result = store.query(text)
    except (SyntaxError, QuerySyntaxError) as error:
        raise UsageError(_syntax_error_line(args, error)) from None
    finally:
        store.close()
    if result.kind == "graph":
        if args.format in QUERY_FORMATS:
            raise UsageError(f"--format {args.format} is for SELECT and ASK results; this query returns a graph "
                             f"(CONSTRUCT or DESCRIBE): use --format {', '.join(GRAPH_FORMATS)} (table prints Turtle)")
        sys.stdout.buffer.write(protocol.serialize(result, GRAPH_FORMATS.get(args.format, "text/turtle")))
    elif args.format in GRAPH_FORMATS:
        raise UsageError(f"--format {args.format} is for CONSTRUCT and DESCRIBE results; this query returns "
                         f"{'a boolean (ASK)' if result.kind == 'boolean' else 'a table (SELECT)'}: "
                         f"use --format table, {', '.join(QUERY_FORMATS)}")
    elif args.format == "table":
        print(format_table(result))
    else:
        sys.stdout.buffer.write(protocol.serialize(result, QUERY_FORMATS[args.format]))
    return 0


_SPARQL_POSITION = re.compile(r"error at (\d+):(\d+): ?")


def _syntax_error_line(args: argparse.Namespace, error: Exception) -> str:
    """Given the parser's error, return one line: where (query text, --file or saved query:line:column) and what."""
    message = str(error.args[0]) if error.args else str(error)
    source = (f"saved query {args.saved}" if getattr(args, "saved", None)
              else args.file if getattr(args, "file", None) else "query")
    match = _SPARQL_POSITION.search(message)
    if match:
        source += f":{match.group(1)}:{match.group(2)}"
        message = message[match.end():]
    message = " ".join(message.split())
    if len(message) > 160:  # the list of expected tokens runs to hundreds of characters
        message = message[:157] + "…"
    return f"{source}: SPARQL syntax error: {message}"


def cmd_export(args: argparse.Namespace) -> int:
    """Write one graph, or the whole dataset; a whole-dataset TriG, N-Quads or JSON-LD export
    carries the same VoID description as the service's /dump files."""
    import pyoxigraph as ox

    from sahelkg.dataset import dumps
    from sahelkg.web import pages

    store = open_store(args, purpose="read")
    dump_format = {"trig": "trig", "nquads": "nq", "jsonld": "jsonld"}.get(args.format)
    if args.graph is None and dump_format:
        data = dumps.dump_bytes(store, dump_format, base_url=args.endpoint, site=pages.Site())
    else:
        graph = ox.NamedNode(args.graph) if args.graph else None
        quads = list(store.quads(graph=graph))
        fmt = getattr(ox.RdfFormat, EXPORT_FORMATS[args.format])
        if not fmt.supports_datasets:
            quads = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        prefixes = {p: iri for p, iri in ns.PREFIXES.items() if p != "sh"}
        with_prefixes = args.format in ("trig", "turtle")
        data = ox.serialize(quads, format=fmt, prefixes=prefixes if with_prefixes else None) or b""
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    store.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Parse what is to be loaded first (errors name file:line:column), commit it through the gate, then serve it."""
    from sahelkg.config import Settings
    from sahelkg.web import app

    _check_port_free(args.host, args.port)  # before the seconds spent parsing, and before claiming to serve
    paths = [*(loading.seed_paths() if args.seed else []), *args.load]
    loading.collect_files(args.load)  # a missing or unreadable --load path: say so before anything starts
    if args.store and not paths and not (Path(args.store) / "CURRENT").is_file():
        raise UsageError(f"--store {args.store}: no store there; serving it would serve nothing. Create it with "
                         f"`sahelkg load FILES… --store {args.store}`, or add --seed or --load PATH")
    if args.store and held_by_another_process(Path(args.store)):
        raise UsageError(f"--store {args.store}: another process holds this store (another `sahelkg serve`?); "
                         "stop it, or serve a copy")
    remote = None
    if args.remote_query:
        remote = ({"kind": "virtuoso", "base_url": args.remote_query.rsplit("/sparql", 1)[0]}
                  if args.remote_kind == "virtuoso" else {"query_url": args.remote_query, "update_url": args.remote_update})
        if paths:
            raise UsageError("--seed/--load work on the embedded store; "
                             "load a remote store with `sahelkg load --remote-query URL`")
    source, keeper_loads = None, []
    if paths:
        from sahelkg import gate

        # Through the gate, like `sahelkg load`: the service starts only on data the shapes accept.
        # In memory, big files are checked from their text here and bulk-loaded once, by the keeper.
        files = loading.read_files(paths, progress=_progress)
        target = EmbeddedStore(args.store) if args.store else EmbeddedStore()
        try:
            if args.store:
                gate.commit_files(target, files, progress=_progress)
            else:
                keeper_loads = gate.commit_except_big_files(target, files, progress=_progress)
        except gate.ChangeRefused as refused:
            print(refused.report.to_text(), end="", file=sys.stderr)
            print(f"error: {refused}; the service was not started", file=sys.stderr)
            return 1
        finally:
            if args.store:
                target.close()
        source = None if args.store else target
    print(f"starting the SPARQL service on http://{args.host}:{args.port}/sparql", file=sys.stderr)
    app.serve(args.host, args.port, store_dir=args.store, load_paths=keeper_loads, settings=Settings.from_env(),
              remote=remote, source=source)
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Given the address to serve on, raise UsageError when another process already listens there."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is no conflict
        try:
            probe.bind(address)
        except OSError as error:
            raise UsageError(f"cannot serve on {host}:{port}: {error.strerror} (another `sahelkg serve`?); choose "
                             f"another port: --port {port + 10} (make serve PORT={port + 10})") from None


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one `error:` line like every other mistake (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CANNOT_RUN, f"error: {self.prog}: {message} (`{self.prog} --help` lists the options)\n")


def iri_argument(text: str) -> str:
    """Given an option's value, return it when it is an absolute IRI (argparse reports it otherwise)."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not an absolute IRI ({error})") from None
    if ":" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not an absolute IRI (no scheme, e.g. https:)")
    return text


def port_argument(text: str) -> int:
    """Given an option's value, return it as a TCP port number (argparse reports anything else)."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1–65535)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    parser = _ArgumentParser(prog="sahelkg",
                                     description="Conflict actors in the Sahel and the allegations made about them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="load RDF files into a store, all or nothing")
    p.add_argument("files", nargs="+", type=Path, help="RDF files or directories (.ttl .trig .nt .nq .jsonld .rdf)")
    p.add_argument("--graph", metavar="IRI", type=iri_argument, help="target graph for triples-only files")
    add_store_options(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("query", help="run a SPARQL query")
    p.add_argument("query", nargs="?", help="the query text")
    p.add_argument("--file", "-f", metavar="FILE", help="read the query from FILE")
    p.add_argument("--saved", metavar="NAME", help="run the saved query queries/NAME.rq")
    p.add_argument("--param", action="append", metavar="K=V", help="a saved query's parameter (repeatable)")
    p.add_argument("--format", choices=[*QUERY_FORMATS, "table", *GRAPH_FORMATS], default="table")
    add_store_options(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("export", help="write the dataset (or one graph) as RDF")
    p.add_argument("--format", choices=list(EXPORT_FORMATS), default="trig")
    p.add_argument("--graph", metavar="IRI", type=iri_argument, help="only this named graph")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--endpoint", metavar="URL", default="http://127.0.0.1:8000/",
                   help="where the service runs, for the VoID description's endpoint and dump links")
    add_store_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="serve SPARQL over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port_argument, default=8000)
    p.add_argument("--load", nargs="*", type=Path, default=[], metavar="PATH", help="RDF files or directories to load at start")
    add_store_options(p)
    p.set_defaults(func=cmd_serve)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (module docstring: 0 done, 1 refused,
    2 could not run as asked, 3 a bug). Every user mistake is one `error:` line, never a traceback."""
    from sahelkg.importers.report import ImportFailed
    from sahelkg.importers.rows import UnreadableFile
    from sahelkg.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except loading.LoadError as error:
        print(f"error: {error}\nnothing was loaded.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except UnreadableFile as error:
        print(f"error: {error}\nnothing was imported.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except ImportFailed as error:
        print(f"error: {error}\nnothing was imported.", file=sys.stderr)
        return EXIT_REFUSED
    except (UsageError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except BrokenPipeError:  # the reader went away (`| head`): not an error, and nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so in one line unless asked for the details
        if os.environ.get("SAHELKG_DEBUG"):
            traceback.print_exc()
        print(f"error: unexpected {type(error).__name__}: {error} (a bug; SAHELKG_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
