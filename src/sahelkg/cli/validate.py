"""`sahelkg validate`: check files, a store, or files against a store with the SHACL shapes.

  sahelkg validate FILES…             the files as a dataset (with the catalog the loader would write)
  sahelkg validate --store DIR         everything in the store (the gate's engine: shapes compiled to Python)
  sahelkg validate FILES… --store DIR  the files as a change to the store (the write gate's answer)

Exit codes: 0 conforms (warnings and infos allowed), 1 violations, 2 the input could not be read
(or no store at DIR: validate never creates one).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Iterator
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.authoring import anchors
from sahelkg.cli import main as cli
from sahelkg.dataset import loading
from sahelkg.gate import engine_native, validation
from sahelkg.gate.engine_native import TripleView
from sahelkg.store import encoded
from sahelkg.store.change import Change


def register(subcommands) -> None:
    """Add the `validate` subcommand."""
    p = subcommands.add_parser(
        "validate", help="check files or a store against the SHACL shapes (exit 0 conforms, 1 violations, 2 unreadable)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", type=Path, help="RDF files or directories; with a store, validated as a change to it")
    p.add_argument("--format", choices=["text", "turtle", "json"], default="text", help="report format (default: text)")
    p.add_argument("--graph", metavar="IRI", type=cli.iri_argument, help="target graph for triples-only files")
    p.add_argument("--engine", choices=["auto", "native", "sparql", "pyshacl"], default="auto",
                   help="whole-store validation: the shapes compiled to Python, as the write gate runs them "
                        "(auto, native: fastest), compiled to SPARQL and run in the store (needs the ontology "
                        "graph), or pyshacl (the reference; slow on big stores)")
    cli.add_store_options(p)
    p.set_defaults(func=cmd_validate)


def _has_store(args: argparse.Namespace) -> bool:
    return bool(args.store or args.remote_query or args.seed)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate, print the report in the chosen format, and return the exit code."""
    try:
        quads = list(loading.dataset_quads(args.files, args.graph)) if args.files else None
    except loading.LoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if quads is not None and not _has_store(args):
        report = validation.validate_quads(quads)
        report.results.extend(anchors.check_anchors(quads))
    elif _has_store(args):
        # The whole store must hold data; files are checked as a change, to an empty store too.
        store = cli.open_store(args, purpose="read" if quads is None else "check")
        try:
            if quads is None:
                report = _validate_whole_store(store, args.engine, anchors_too=not args.remote_query)
            else:
                report = validation.check_change(store, Change(additions=tuple(quads)))
                report.results.extend(anchors.check_anchors(quads))
        finally:
            store.close()
    else:
        raise cli.UsageError("give FILES to validate, or a store (--store DIR, --seed, --remote-query URL)")
    if args.format == "json":
        print(report.to_json())
    elif args.format == "turtle":
        print(report.to_turtle())
    else:
        print(report.to_text(), end="")
    return 0 if report.conforms else 1


def _validate_whole_store(store, engine: str, anchors_too: bool):
    """Given an open store, return its full report, with the anchor check when `anchors_too`."""
    from sahelkg.gate import engine_pyshacl, engine_sparql, source_integrity

    # The graph-level rules (sahelkg.gate.source_integrity) run beside whichever SHACL engine is chosen.
    if engine == "pyshacl":
        report = validation.with_graph_rules(engine_pyshacl.validate_quads(store.quads()),
                                             source_integrity.check_store(store))
    elif engine == "sparql":
        try:
            report = engine_sparql.validate_store(store)
        except ValueError:  # no ontology graph in the store
            raise cli.UsageError("--engine sparql needs the ontology graph in the store "
                                 "(sahelkg load ontology/sahelkg.ttl)") from None
        report = validation.with_graph_rules(report, source_integrity.check_store(store))
    else:
        # The anchors are read from the view the validation builds anyway.
        return validation.validate_store(store, view_checks=[_anchors_of_view] if anchors_too else [])
    if anchors_too:
        report.results.extend(anchors.check_anchors(_anchor_quads(store.oxigraph)))
    return report


def _anchors_of_view(view: TripleView) -> list:
    """Given the view of a whole store, check its anchors: their
    triples, their selectors' and their documents' skg:sha256, not every quad as Python objects."""
    rdf_type = engine_native.RDF_TYPE
    read_of_anchors = {encoded.iri(p) for p in anchors.ANCHOR_PREDICATES} | {rdf_type}
    read_of_documents = {encoded.iri(ns.SKG + "sha256"), rdf_type}
    has_selector, has_source = encoded.iri(anchors.OA + "hasSelector"), encoded.iri(anchors.OA + "hasSource")
    plain = engine_native.plain
    nodes: dict[str, dict[str, list[str]]] = {}

    def keep(node: str, predicates: Collection[str]) -> dict[str, list[str]]:
        triples = view.node(node)
        read = {p[1:-1]: [o[1:-1] if o[0] == "<" else plain(o) for o in objects]
                for p, objects in triples.items() if p in predicates}
        nodes.setdefault(plain(node), {}).update(read)
        return triples

    documents: dict[str, None] = {}  # each read once, however many anchors point at it
    for node in view.nodes_of_type(encoded.iri(anchors.OA + "SpecificResource")):
        triples = keep(node, read_of_anchors)
        for selector in triples.get(has_selector, ()):
            keep(selector, read_of_anchors)
        documents.update(dict.fromkeys(triples.get(has_source, ())))
    for document in documents:
        keep(document, read_of_documents)
    return anchors.check_anchor_nodes(nodes)


def _anchor_quads(oxigraph: ox.Store) -> Iterator[ox.Quad]:
    """Given a store, yield the quads check_anchors reads (anchors, their selectors, documents'
    hashes): not every quad of a big store as Python objects."""
    yield from oxigraph.quads_for_pattern(None, ox.NamedNode(anchors.RDF_TYPE),
                                          ox.NamedNode(anchors.OA + "SpecificResource"), None)
    for predicate in anchors.ANCHOR_PREDICATES:
        yield from oxigraph.quads_for_pattern(None, ox.NamedNode(predicate), None, None)
    yield from oxigraph.quads_for_pattern(None, ox.NamedNode(ns.SKG + "sha256"), None, None)
