"""`sahelkg link …`: the command line of sahelkg.linking (Wikidata candidates, the crosswalk graph,
links between events of different sources that are one incident)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.cli.main import EXIT_CANNOT_RUN, EXIT_REFUSED, UsageError, add_store_options, open_store
from sahelkg.linking import incidents, wikidata
from sahelkg.linking.crosswalk import CROSSWALK_PATH, load_crosswalk, read_crosswalk, write_crosswalk


def cmd_incidents(args) -> int:
    """Propose candidate links, or record a person's decision on one."""
    words = list(args.decision or [])
    if words and (words[0] not in ("confirm", "reject") or len(words) != 3):
        raise UsageError("give no argument to propose links, or `confirm EVENT INCIDENT --by AGENT` or "
                         "`reject EVENT INCIDENT --by AGENT [--note TEXT]`")
    if words and not args.by:
        raise UsageError(f"{words[0]}: say who decides with --by AGENT (an IRI or actor:NAME)")
    if not (args.store or args.remote_query or args.seed):
        raise UsageError("link incidents needs a store: --store DIR (or $SAHELKG_STORE), --remote-query URL "
                         "--remote-update URL, or --seed to try it on the seed in memory")
    store = open_store(args, purpose="read" if args.dry_run and not words else "write")
    try:
        if words:
            event, incident = incidents.expand_iri(words[1]), incidents.expand_iri(words[2])
            agent = incidents.expand_iri(args.by) if ":" in args.by else ns.ID + "actor/" + incidents.iri_slug(args.by)
            status = incidents.CONFIRMED if words[0] == "confirm" else incidents.REJECTED
            try:
                change = incidents.decide(store, event, incident, status, by=agent, note=args.note,
                                          by_label=args.by if ":" not in args.by else None)
                incidents.write(store, change)
            except incidents.LinkError as error:
                print(f"error: {error}; nothing was changed.", file=sys.stderr)
                return EXIT_CANNOT_RUN
            except gate.ChangeRefused as refused:
                print(refused.report.to_text(), end="", file=sys.stderr)
                print(f"error: {refused}; nothing was changed.", file=sys.stderr)
                return EXIT_REFUSED
            print(f"{words[0]}ed: {incidents.expand_short(event)} → {incidents.expand_short(incident)} "
                  f"({incidents.expand_short(incidents.link_iri(event, incident))}, by {incidents.expand_short(agent)})")
            return 0
        proposal = incidents.propose(store, km=args.km, min_score=args.min_score, max_span_days=args.max_span_days)
        if proposal.change.additions and not args.dry_run:
            try:
                incidents.write(store, proposal.change)
            except gate.ChangeRefused as refused:
                print(refused.report.to_text(), end="", file=sys.stderr)
                print(f"error: {refused}; no link was written.", file=sys.stderr)
                return EXIT_REFUSED
    finally:
        store.close()
    if args.format == "json":
        print(json.dumps(proposal.as_json(), indent=2, ensure_ascii=False))
    else:
        print(incidents.format_table(proposal))
        if proposal.links and not args.dry_run:
            print(f"wrote {len(proposal.links)} candidate links to {incidents.CURATION_GRAPH}; review them with "
                  "`sahelkg link incidents confirm|reject EVENT INCIDENT --by AGENT`")
    return 0


def register_incidents(actions) -> None:
    """Add `incidents` to the `sahelkg link` actions."""
    p = actions.add_parser(
        "incidents", help="propose links between events of different sources that are one incident; confirm or reject",
        description="Without arguments: propose candidate links and write them to the curation graph. "
                    "`confirm EVENT INCIDENT --by AGENT` or `reject EVENT INCIDENT --by AGENT [--note TEXT]`: "
                    "record a person's decision (EVENT and INCIDENT as IRIs or event:…, incident:…).")
    p.add_argument("decision", nargs="*", metavar="confirm|reject EVENT INCIDENT",
                   help="record a decision instead of proposing")
    p.add_argument("--by", metavar="AGENT", help="who decides: an IRI, actor:NAME, or a name")
    p.add_argument("--note", metavar="TEXT", help="why (stored as the link's rdfs:comment)")
    p.add_argument("--km", type=float, default=incidents.DEFAULT_KM, help=f"farthest distance between two events' points "
                   f"(default {incidents.DEFAULT_KM:g})")
    p.add_argument("--min-score", type=float, default=incidents.DEFAULT_MIN_SCORE,
                   help=f"lowest score proposed (default {incidents.DEFAULT_MIN_SCORE})")
    p.add_argument("--max-span-days", type=int, default=incidents.DEFAULT_MAX_SPAN_DAYS,
                   help="events with a longer time span are not linked automatically")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--dry-run", action="store_true", help="show the proposal without writing it")
    add_store_options(p)
    p.set_defaults(func=cmd_incidents)


def cmd_wikidata(args) -> int:
    """Reconcile the store's actors and places against an endpoint and update the crosswalk CSV."""
    store = open_store(args)
    try:
        existing = read_crosswalk(args.crosswalk) if args.crosswalk.exists() else []
        rows, report = wikidata.reconcile(store, wikidata.http_runner(args.endpoint), existing,
                                          endpoint=args.endpoint, minimum_score=args.min_score,
                                          progress=None if args.quiet else lambda m: print(m, file=sys.stderr))
    except httpx.HTTPError as error:
        print(f"error: the endpoint {args.endpoint} did not answer: {error}\nthe crosswalk was not changed.",
              file=sys.stderr)
        return 1
    finally:
        store.close()
    write_crosswalk(rows, args.crosswalk)
    print(report.summary())
    print(f"wrote {args.crosswalk}: review the candidates and set status=verified for those you confirm.")
    return 0


def cmd_load(args) -> int:
    """Load the crosswalk CSV into the store's crosswalk graph."""
    store = open_store(args)
    try:
        change = load_crosswalk(store, args.crosswalk)
    finally:
        store.close()
    print(f"crosswalk graph: {len(change.additions)} links added, {len(change.removals)} removed")
    return 0


def register(subcommands) -> None:
    """Add `sahelkg link wikidata` and `sahelkg link load` to the command line."""
    link = subcommands.add_parser("link", help="match our actors and places with Wikidata; link events of "
                                               "different sources that are one incident")
    actions = link.add_subparsers(dest="link_command", required=True, metavar="ACTION")
    register_incidents(actions)
    p = actions.add_parser("wikidata", help="find Wikidata candidates and write them to the crosswalk")
    p.add_argument("--endpoint", default=wikidata.DEFAULT_ENDPOINT,
                   help=f"Wikidata-compatible SPARQL endpoint (default {wikidata.DEFAULT_ENDPOINT})")
    p.add_argument("--crosswalk", type=Path, default=CROSSWALK_PATH, help="crosswalk CSV to update")
    p.add_argument("--min-score", type=int, default=2, help="lowest score written as a candidate")
    p.add_argument("--quiet", "-q", action="store_true")
    add_store_options(p)
    p.set_defaults(func=cmd_wikidata)
    p = actions.add_parser("load", help="load the crosswalk CSV into the crosswalk graph (sameAs / closeMatch)")
    p.add_argument("--crosswalk", type=Path, default=CROSSWALK_PATH)
    add_store_options(p)
    p.set_defaults(func=cmd_load)
