"""`sahelkg audit …`: the provenance audits from the command line (Markdown by default).

    sahelkg audit actor FAMa --seed
    sahelkg audit corroboration --seed --format csv
    sahelkg audit corroboration --store var/store --min-lines 2 --limit 50 --offset 50
    sahelkg audit claim a000-s4-csp-dpa-accuses --seed --svg chain.svg
    sahelkg audit incident incident:SLUG --store var/store
    sahelkg audit alleged "Human Rights Watch" FAMa --seed
    sahelkg audit crosswalk --store var/store
    sahelkg audit retract doc:a000 --store var/store
    sahelkg audit nanopub claim:a000-s4-csp-dpa-accuses --seed     (all allegations when no claim is given)
    sahelkg audit prov --seed -o claims.prov.ttl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sahelkg.audit import reports as audit
from sahelkg.cli.main import UsageError, add_store_options, open_store

_TARGETS = {"actor": "actor IRI, actor:slug or name (preferred, alternative or as in sources)",
            "claim": "claim IRI, claim:slug or slug", "source": "document IRI, doc:slug or slug",
            "incident": "incident or event IRI, incident:slug, event:slug or slug",
            "alleged": "the organisation that made the allegations (IRI, actor:slug or name)"}


def register(subcommands) -> None:
    """Add `sahelkg audit` and its audits to the command line."""
    parser = subcommands.add_parser("audit", help="provenance audits: who claimed what, about whom, on what evidence")
    audits = parser.add_subparsers(dest="audit", required=True, metavar="AUDIT")
    helps = {"actor": "every allegation against an actor and every claim it made, in date order",
             "contested": "allegations that are denied or disputed, side by side with the denial",
             "corroboration": "independent claimants and lines of evidence per allegation, most corroborated first "
                              f"(a page of {audit.CORROBORATION_PAGE} rows unless --limit says otherwise)",
             "claim": "the source chain of one claim, as text (and SVG with --svg)",
             "source": "everything derived from a source document, and what rests on it alone",
             "incident": "every source's account of one incident (or event) side by side",
             "adversaries": "accusations by an actor against one it is in conflict with",
             "alleged": "what an organisation alleged against an actor and its affiliates, with counts",
             "answers": "denials and rejections grouped by the kind of actor that made them",
             "crosswalk": "dataset actor names mapped to our actors, and where ACLED/UCDP categories disagree with "
                          "our class for the actor"}
    for name, text in helps.items():
        p = audits.add_parser(name, help=text)
        if name in _TARGETS:
            p.add_argument("target", help=_TARGETS[name])
        if name == "alleged":
            p.add_argument("against", help="the actor alleged against (IRI, actor:slug or name); its affiliates too")
        p.add_argument("--format", choices=audit.FORMATS, default="markdown")
        p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
        if name == "claim":
            p.add_argument("--svg", metavar="FILE", help="also write the chain diagram as SVG to FILE")
        if name == "corroboration":
            p.add_argument("--limit", type=_page_size, default=audit.CORROBORATION_PAGE, metavar="N",
                           help=f"show at most N rows (default {audit.CORROBORATION_PAGE}; 0: every row)")
            p.add_argument("--offset", type=_count, default=0, metavar="N", help="skip the first N rows (default 0)")
            p.add_argument("--min-lines", type=_count, default=1, metavar="N",
                           help="only allegations with N or more independent lines of evidence (2: the corroborated "
                                "ones; default 1: every allegation)")
        add_store_options(p)
        p.set_defaults(func=cmd_audit)
    p = audits.add_parser("nanopub", help="export allegations as nanopublications (TriG): one claim, or all")
    p.add_argument("target", nargs="?", help=_TARGETS["claim"] + " (all allegations when omitted)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    add_store_options(p)
    p.set_defaults(func=cmd_export)
    p = audits.add_parser("prov", help="export the claim layer as PROV-O (Turtle)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    add_store_options(p)
    p.set_defaults(func=cmd_export)
    p = audits.add_parser("retract", help="mark a source document retracted (validated by the SHACL gate)")
    p.add_argument("target", help=_TARGETS["source"])
    p.add_argument("--undo", action="store_true", help="mark it not retracted")
    add_store_options(p)
    p.set_defaults(func=cmd_retract)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; give 0 or more")
    return value


def _page_size(text: str) -> int | None:
    return _count(text) or None  # 0: no limit


def cmd_audit(args: argparse.Namespace) -> int:
    """Run one audit and print (or write) it."""
    paging = {"limit": args.limit, "offset": args.offset, "min_lines": args.min_lines} \
        if args.audit == "corroboration" else {}
    store = open_store(args, purpose="read")
    try:
        report = audit.run_audit(store, args.audit, getattr(args, "target", None), getattr(args, "against", None),
                                 **paging)
    except audit.AuditError as error:
        raise UsageError(str(error)) from error
    finally:
        store.close()
    text = audit.render(report, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if getattr(args, "svg", None) and report.svg:
        Path(args.svg).write_text(report.svg, encoding="utf-8")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write nanopublications (TriG) or the PROV-O claim layer (Turtle)."""
    from sahelkg.audit import exports as export

    store = open_store(args, purpose="read")
    try:
        if args.audit == "prov":
            data = export.prov_o_turtle(store)
        elif args.target:
            data = export.nanopublication_trig(store, args.target)
        else:
            data = export.all_nanopublications_trig(store)
    except audit.AuditError as error:
        raise UsageError(str(error)) from error
    finally:
        store.close()
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_retract(args: argparse.Namespace) -> int:
    """Mark a document retracted (or not) after the SHACL gate accepts the change."""
    store = open_store(args, purpose="write")
    try:
        change = audit.retract(store, args.target, not args.undo)
    except audit.AuditError as error:
        raise UsageError(str(error)) from error
    finally:
        store.close()
    state = "not retracted" if args.undo else "retracted"
    print(f"{args.target}: {state}" + (" (no change)" if change.is_empty() else ""))
    return 0
