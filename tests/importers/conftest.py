"""Fixtures for the importer tests: a store holding the seed dataset, and the fixture CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelkg.store import EmbeddedStore

DATA = Path(__file__).parent / "data"
PREFIXES = """
PREFIX skg: <https://w3id.org/sahelkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX actor: <https://w3id.org/sahelkg/id/actor/>
PREFIX place: <https://w3id.org/sahelkg/id/place/>
PREFIX event: <https://w3id.org/sahelkg/id/event/>
PREFIX claim: <https://w3id.org/sahelkg/id/claim/>
PREFIX count: <https://w3id.org/sahelkg/id/count/>
PREFIX doc: <https://w3id.org/sahelkg/id/document/>
PREFIX role: <https://w3id.org/sahelkg/vocab/role/>
PREFIX et: <https://w3id.org/sahelkg/vocab/event-type/>
PREFIX dp: <https://w3id.org/sahelkg/vocab/date-precision/>
PREFIX gp: <https://w3id.org/sahelkg/vocab/geo-precision/>
"""

@pytest.fixture
def store(fresh_store: EmbeddedStore) -> EmbeddedStore:
    """A fresh in-memory store holding the seed dataset (tests/conftest.py's fresh_store)."""
    return fresh_store


def select(store, query: str) -> list[tuple]:
    """Run a SELECT with the test prefixes; return rows of plain values (IRIs and lexical forms)."""
    return [tuple(t.value if t is not None else None for t in row) for row in store.query(PREFIXES + query).rows]


def ask(store, query: str) -> bool:
    return store.query(PREFIXES + query).boolean
