"""Helpers for the saved-query and audit tests: compact result rows (the seed stores: tests/conftest.py)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

SHORT = {
    "https://w3id.org/sahelkg/id/": "",
    "https://w3id.org/sahelkg/vocab/": "",
    "https://w3id.org/sahelkg/graph/": "graph:",
    "https://w3id.org/sahelkg/ontology#": "skg:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
}


def short(term) -> str | None:
    """Given a result term, return a compact form: 'actor/fama', 'stance/accuses', or a literal's value."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        for base, prefix in SHORT.items():
            if term.value.startswith(base):
                return prefix + term.value[len(base):]
        return term.value
    return term.value


def rows(result, *columns: str) -> list[tuple]:
    """Given a QueryResult and column names, return the rows as tuples of compact values."""
    index = [result.variables.index(c) for c in columns]
    return [tuple(short(row[i]) for i in index) for row in result.rows]


@pytest.fixture(scope="session")
def seed_server(seed_nquads):
    """The real service (uvicorn, worker processes) serving the seed dataset, read-only."""
    from tests.service.conftest import start_server

    server = start_server(str(seed_nquads), env={"SAHELKG_WORKERS": "2"})
    yield server
    server.stop()
