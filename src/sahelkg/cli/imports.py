"""`sahelkg import acled|ucdp FILE.csv`: the command-line face of the importers."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sahelkg.importers.report import stderr_progress
from sahelkg.importers.rows import check_csv_file


def cmd_import(args: argparse.Namespace) -> int:
    """Import one file all or nothing; print the report. Malformed rows (unless skipped) or a
    refusal by the SHACL gate exit 1; a missing or unreadable file exits 2 (both reported by cli.main)."""
    from sahelkg.cli.main import UsageError, open_store

    rejects = Path(args.rejects or f"{args.file}.rejects.csv")
    if args.on_bad_row == "skip" and not (rejects.parent.is_dir() and os.access(rejects.parent, os.W_OK)):
        # Checked first: the import must not be written and its skipped rows then lost.
        raise UsageError(f"{rejects}: cannot write the rejects file there (folder missing or read-only); "
                         "choose another with --rejects FILE")
    if args.dataset == "acled":
        from sahelkg.importers.acled import import_acled as run
    else:
        from sahelkg.importers.ucdp import import_ucdp as run
    check_csv_file(args.file)  # before the store opens: a missing file or a FIFO is named at once
    store = open_store(args, purpose="write")
    try:
        options = {"progress": None if args.quiet else stderr_progress, "dry_run": args.dry_run,
                   "on_bad_row": args.on_bad_row}
        if args.version:
            options["version"] = args.version
        report = run(store, Path(args.file), **options)
    finally:
        store.close()
    print(report.summary() + ("\n(dry run: nothing written)" if args.dry_run and not report.already_imported else ""))
    if report.skipped:
        report.write_rejects(rejects)
        print(f"skipped {len(report.skipped)} malformed rows; each with its line, column and reason in {rejects}",
              file=sys.stderr)
    return 0


def register(subcommands) -> None:
    """Add the `import` subcommand to the `sahelkg` command line."""
    from sahelkg.cli.main import add_store_options

    parser = subcommands.add_parser("import", help="import an ACLED or UCDP GED CSV file, all or nothing")
    parser.add_argument("dataset", choices=["acled", "ucdp"])
    parser.add_argument("file", help="the CSV file")
    parser.add_argument("--version", help="dataset version to record (UCDP: e.g. 25.1; ACLED: default newest timestamp)")
    parser.add_argument("--dry-run", action="store_true",
                        help="map every row and pass the result through the SHACL gate, write nothing")
    parser.add_argument("--on-bad-row", choices=["fail", "skip"], default="fail",
                        help="fail: a malformed row refuses the whole file (default); skip: import the good rows "
                             "and write the malformed ones to the rejects file")
    parser.add_argument("--rejects", metavar="FILE",
                        help="where --on-bad-row skip writes the skipped rows (default: FILE.rejects.csv)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_store_options(parser)
    parser.set_defaults(func=cmd_import)
