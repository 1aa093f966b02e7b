"""Helpers for the seed tests: ASK and SELECT over the shared seed store (tests/conftest.py)."""

import pytest

from sahelkg.namespaces import sparql_prologue


@pytest.fixture(scope="session")
def ask(seed_store):
    def run(pattern: str) -> bool:
        return bool(seed_store.oxigraph.query(sparql_prologue() + "ASK {\n" + pattern + "\n}", use_default_graph_as_union=True))
    return run


@pytest.fixture(scope="session")
def select(seed_store):
    def run(query: str) -> list[dict]:
        solutions = seed_store.oxigraph.query(sparql_prologue() + query, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]
    return run
