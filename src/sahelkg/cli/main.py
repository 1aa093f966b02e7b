"""The `sahelkg` command: load, query, export, serve, and the subcommands other modules register.

Each module that adds a subcommand exposes `register(subcommands)`, which adds an argparse
parser whose `func(args) -> int` runs it; it is listed in COMMAND_MODULES below.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from sahelkg.dataset import loading
from sahelkg import namespaces as ns

# Modules that add subcommands of their own (each has `register(subcommands)`).
COMMAND_MODULES: list[str] = ["sahelkg.dataset.ontology_docs", "sahelkg.cli.imports", "sahelkg.cli.audit", "sahelkg.linking.wikidata",
                              "sahelkg.cli.validate"]

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
    parser.add_argument("--seed", action="store_true",
                        help="load the seed dataset (ontology/ and data/) into an in-memory store first")


def open_store(args: argparse.Namespace):
    """Given parsed store options, return a Store (remote, on disk, or in memory)."""
    from sahelkg import store as stores

    if getattr(args, "remote_query", None):
        if args.remote_kind == "virtuoso":
            base = args.remote_query.rsplit("/sparql", 1)[0]
            return stores.VirtuosoStore(base)
        return stores.RemoteStore(args.remote_query, args.remote_update)
    store = stores.EmbeddedStore(args.store) if getattr(args, "store", None) else stores.EmbeddedStore()
    if getattr(args, "seed", False):
        store.load_quads(loading.dataset_quads(loading.seed_paths()))
    return store


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_load(args: argparse.Namespace) -> int:
    """Parse every file first (nothing is written if one fails), then load them in one go."""
    quads = list(loading.dataset_quads(args.files, args.graph, _progress))
    store = open_store(args)
    total = len(quads)
    written = 0
    chunk = 100_000
    for start in range(0, total, chunk):
        written += store.load_quads(quads[start:start + chunk])
        if total > chunk:
            _progress(f"loaded {min(start + chunk, total):,}/{total:,} quads")
    print(f"loaded {written:,} quads from {len(loading.collect_files(args.files))} file(s)")
    store.close()
    return 0


def _read_query(args: argparse.Namespace) -> str:
    if getattr(args, "saved", None):
        from sahelkg.sparql.saved_queries import InvalidParameter, bind_saved

        try:
            return bind_saved(args.saved, args.param or [])
        except InvalidParameter as error:
            raise UsageError(str(error)) from error
    if args.file:
        return Path(args.file).read_text(encoding="utf-8")
    if args.query is None:
        raise UsageError("give a query, or --file FILE")
    return args.query


def format_table(result) -> str:
    """Given a QueryResult, return it as a plain-text table."""
    from sahelkg.store import term_to_nt

    if result.kind == "boolean":
        return "true" if result.boolean else "false"
    headers = list(result.variables)
    rows = [[_short(term_to_nt(t)) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body, f"({len(rows)} rows)"])


def _short(nt: str | None) -> str:
    if nt is None:
        return ""
    for prefix, iri in ns.PREFIXES.items():
        if nt.startswith("<" + iri) and nt.endswith(">"):
            return f"{prefix}:{nt[len(iri) + 1:-1]}"
    return nt


def cmd_query(args: argparse.Namespace) -> int:
    from sahelkg.sparql import protocol

    text = _read_query(args)
    store = open_store(args)
    result = store.query(text)
    if result.kind == "graph":
        media = GRAPH_FORMATS.get(args.format, "text/turtle")
        sys.stdout.buffer.write(protocol.serialize(result, media))
    elif args.format == "table":
        print(format_table(result))
    else:
        sys.stdout.buffer.write(protocol.serialize(result, QUERY_FORMATS[args.format]))
    store.close()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write one graph, or the whole dataset; a whole-dataset TriG, N-Quads or JSON-LD export
    carries the same VoID description as the service's /dump files."""
    import pyoxigraph as ox

    from sahelkg.dataset import dumps
    from sahelkg.web import pages

    store = open_store(args)
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
        kwargs = {"prefixes": prefixes} if args.format in ("trig", "turtle") else {}
        data = ox.serialize(quads, format=fmt, **kwargs) or b""
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    store.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Parse what is to be loaded first (errors name file:line:column), then serve it."""
    import tempfile

    import pyoxigraph as ox

    from sahelkg.web import app
    from sahelkg.config import Settings

    paths = [*(loading.seed_paths() if args.seed else []), *args.load]
    remote = None
    if args.remote_query:
        remote = ({"kind": "virtuoso", "base_url": args.remote_query.rsplit("/sparql", 1)[0]}
                  if args.remote_kind == "virtuoso" else {"query_url": args.remote_query, "update_url": args.remote_update})
        if paths:
            raise UsageError("--seed/--load work on the embedded store; load a remote store with `sahelkg load --remote-query URL`")
    with tempfile.TemporaryDirectory(prefix="sahelkg-serve-") as workdir:
        load_paths = []
        if paths:
            dump = Path(workdir) / "load.nq"
            dump.write_bytes(ox.serialize(loading.dataset_quads(paths, progress=_progress), format=ox.RdfFormat.N_QUADS) or b"")
            load_paths.append(dump)
        print(f"serving SPARQL on http://{args.host}:{args.port}/sparql", file=sys.stderr)
        app.serve(args.host, args.port, store_dir=args.store, load_paths=load_paths,
                  settings=Settings.from_env(), remote=remote)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="sahelkg", description="Conflict actors in the Sahel and the allegations made about them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="load RDF files into a store, all or nothing")
    p.add_argument("files", nargs="+", type=Path, help="RDF files or directories (.ttl .trig .nt .nq .jsonld .rdf)")
    p.add_argument("--graph", metavar="IRI", help="target graph for triples-only files")
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
    p.add_argument("--graph", metavar="IRI", help="only this named graph")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--endpoint", metavar="URL", default="http://127.0.0.1:8000/",
                   help="where the service runs, for the VoID description's endpoint and dump links")
    add_store_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="serve SPARQL over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--load", nargs="*", type=Path, default=[], metavar="PATH", help="RDF files or directories to load at start")
    add_store_options(p)
    p.set_defaults(func=cmd_serve)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for input that could not be read)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except loading.LoadError as error:
        print(f"error: {error}\nnothing was loaded.", file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
