"""`sahelkg author …`: from a sheet (docs/authoring.md) to a gated source graph, and back.

    sahelkg author check SHEET                  every problem at once, each with its sheet line
    sahelkg author build SHEET [--text FILE] [-o OUT.trig]   the source graph, checked by the gate
    sahelkg author add SHEET --store DIR        written through the gate, all or nothing
    sahelkg author sheet GRAPH --store DIR      a stored source graph written back as a sheet

Exit codes: 0 done (warnings allowed), 1 refused (sheet problems or gate violations; nothing
written), 2 could not run as asked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.cli.main import EXIT_OK, EXIT_REFUSED, UsageError, add_store_options, open_store


def register(subcommands) -> None:
    """Add `sahelkg author` and its subcommands."""
    parser = subcommands.add_parser("author", help="write a source graph from a sheet (YAML), check it, add it",
                                    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="author", required=True, metavar="ACTION")
    for name, text in (("check", "report every problem of a sheet, with its line (nothing written)"),
                       ("build", "build the source graph (TriG) and run the gate on it (nothing stored)"),
                       ("add", "add the sheet's source graph to a store through the gate, all or nothing")):
        p = sub.add_parser(name, help=text)
        p.add_argument("sheet", type=Path, help="the sheet (YAML)")
        p.add_argument("--text", type=Path, metavar="FILE", help="the document's text (default: found by its SHA-256)")
        if name == "build":
            p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the TriG to FILE (default: stdout)")
        if name == "add":
            add_store_options(p)
        p.set_defaults(func=cmd_author)
    p = sub.add_parser("sheet", help="write a stored source graph back as a sheet")
    p.add_argument("graph", help="source id (a000), graph:source/a000 or the graph IRI")
    p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    add_store_options(p)
    p.set_defaults(func=cmd_sheet)


def _built(args: argparse.Namespace, reference_quads=None):
    from sahelkg.authoring import build, names, sheet

    path: Path = args.sheet
    if not path.is_file():
        raise UsageError(f"{path}: no such sheet")
    if args.text is not None and not args.text.is_file():
        raise UsageError(f"--text {args.text}: no such file")
    try:
        parsed = sheet.parse(path.read_text(encoding="utf-8"))
        reference = names.Reference.from_quads(reference_quads if reference_quads is not None
                                               else names.reference_quads_from_files())
        return build.build(parsed, reference, text=args.text, sheet_dir=path.parent)
    except sheet.SheetError as error:
        for problem in error.problems:
            print(problem.render(str(path)), file=sys.stderr)
        print(f"error: {len(error.problems)} problem(s) in {path}; nothing was built", file=sys.stderr)
        return None
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _print_report(report) -> None:
    if report.results:
        print(report.to_text(), end="", file=sys.stderr)


def cmd_author(args: argparse.Namespace) -> int:
    """Run `author check|build|add`."""
    from sahelkg import gate
    from sahelkg.authoring import names, publish

    if args.author == "add":
        store = open_store(args, purpose="write")
        try:
            built = _built(args, names.reference_quads_from_store(store) or None)
            if built is None:
                return EXIT_REFUSED
            if publish.holds_exactly(store, built):
                # A re-run of an add that committed (killed after its commit point, say): nothing to do.
                print(f"already added: the store holds {ns.shorten(built.graph)} exactly as this sheet builds it; "
                      "nothing changed")
                return EXIT_OK
            if publish.already_holds(store, built):
                print(f"error: the store already holds {ns.shorten(built.graph)}, not as this sheet builds it; retract it first "
                      f"(sahelkg audit retract doc:{built.source}) to replace it", file=sys.stderr)
                return EXIT_REFUSED
            receipt = gate.commit(store, publish.change_for(built, args.sheet))
        except gate.ChangeRefused as refused:
            _print_report(refused.report)
            print(f"error: {refused}", file=sys.stderr)
            return EXIT_REFUSED
        finally:
            store.close()
        _print_report(receipt.report)
        print(f"added {ns.shorten(built.graph)}: {receipt.added:,} quads")
        return EXIT_OK
    built = _built(args)
    if built is None:
        return EXIT_REFUSED
    report = publish.check(built, args.sheet)
    if args.author == "build":
        text = _trig(built)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    _print_report(report)
    counts = report.counts()
    verdict = "conforms" if report.conforms else "does not conform"
    print(f"{args.sheet}: {len(built.quads):,} quads; the gate: {verdict} ({counts['Violation']} violation(s), "
          f"{counts['Warning']} warning(s))", file=sys.stderr)
    return EXIT_OK if report.conforms else EXIT_REFUSED


def _trig(built) -> str:
    from sahelkg.authoring.build import PREFIXES

    return (ox.serialize(built.quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b"").decode("utf-8")


def cmd_sheet(args: argparse.Namespace) -> int:
    """Run `author sheet GRAPH`: write the source graph back as a sheet."""
    from sahelkg.authoring import writeback

    graph = args.graph
    if graph.startswith("graph:"):
        graph = ns.GRAPH + graph[len("graph:"):]
    elif not graph.startswith("http"):
        graph = ns.SOURCE_GRAPH_PREFIX + graph
    store = open_store(args, purpose="read")
    try:
        quads = list(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        if not quads:
            raise UsageError(f"the store holds no graph {graph}")
        from sahelkg.authoring import names

        text = writeback.sheet_text(quads, names.Reference.from_quads(names.reference_quads_from_store(store)))
    finally:
        store.close()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
