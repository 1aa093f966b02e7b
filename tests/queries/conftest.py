"""Fixtures for the saved-query and audit tests: the seed graph in an embedded store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.dataset import loading
from sahelkg.store import EmbeddedStore

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
def seed_store() -> EmbeddedStore:
    """The seed dataset (ontology and data/) in an in-memory store, loaded once."""
    store = EmbeddedStore()
    store.load_quads(loading.dataset_quads(loading.seed_paths()))
    return store


@pytest.fixture
def fresh_store() -> EmbeddedStore:
    """A seed store of its own, for tests that write."""
    store = EmbeddedStore()
    store.load_quads(loading.dataset_quads(loading.seed_paths()))
    return store


@pytest.fixture(scope="session")
def seed_nquads(tmp_path_factory):
    """The seed dataset (with its catalog graph) written to one N-Quads file, for servers to load."""
    path = tmp_path_factory.mktemp("seed") / "seed.nq"
    path.write_bytes(ox.serialize(list(loading.dataset_quads(loading.seed_paths())), format=ox.RdfFormat.N_QUADS))
    return path


@pytest.fixture(scope="session")
def seed_server(seed_nquads):
    """The real service (uvicorn, worker processes) serving the seed dataset, read-only."""
    from tests.service.conftest import start_server

    server = start_server(str(seed_nquads), env={"SAHELKG_WORKERS": "2"})
    yield server
    server.stop()
