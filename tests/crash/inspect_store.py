"""Open an on-disk store after a crash, as any command would, and print what it holds as JSON.

    python -m tests.crash.inspect_store DIR [--digest GRAPH]... [--subjects PREFIX]

Runs in its own process so that a store that cannot be opened (an exception, or a panic that
ends the process) is counted as a failed open instead of ending the harness.
"""

from __future__ import annotations

import argparse
import json
import sys

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.store import EmbeddedStore
from tests.crash.harness import PROV, triples_digest

# A graph's catalog record: which load activity produced it from which file.
RECORDS = f"""
SELECT ?g (COUNT(DISTINCT ?activity) AS ?n) WHERE {{
  GRAPH <{ns.CATALOG_GRAPH}> {{
    ?g <{PROV}wasGeneratedBy> ?activity ; <{PROV}wasDerivedFrom> ?file .
    ?activity a <{ns.SKG}LoadActivity> .
    ?file <{ns.SKG}sha256> ?sha256 .
  }}
}} GROUP BY ?g"""


def _value(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    raise ValueError(f"expected a bound term, got {term!r}")


def inspect(directory: str, digests: list[str], subjects_prefix: str | None) -> dict:
    """Given a store directory, return its graphs, catalog records, digests of some graphs and
    triple counts of subjects under a prefix."""
    store = EmbeddedStore(directory)
    try:
        graphs = store.graph_counts()
        records = {_value(row[0]): int(_value(row[1])) for row in store.query(RECORDS).rows}
        digest = {}
        for graph in digests:
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph=ox.NamedNode(graph)))
            digest[graph] = triples_digest(triples)
        subjects: dict[str, int] = {}
        if subjects_prefix:
            query = ("SELECT ?s (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                     f"FILTER(STRSTARTS(STR(?s), {json.dumps(subjects_prefix)})) }} GROUP BY ?s")
            subjects = {_value(row[0]): int(_value(row[1])) for row in store.query(query).rows}
    finally:
        store.close()
    return {"opened": True, "graphs": graphs, "records": records, "digests": digest, "subjects": subjects}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--digest", action="append", default=[])
    parser.add_argument("--subjects")
    args = parser.parse_args(argv)
    try:
        result = inspect(args.directory, args.digest, args.subjects)
    except Exception as error:  # the store did not open or could not be read: that is the finding
        result = {"opened": False, "error": f"{type(error).__name__}: {error}"}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
