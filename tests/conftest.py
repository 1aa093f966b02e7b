"""Fixtures every test folder shares: the seed dataset (ontology, vocabularies, reference data and
the seed article, with its catalog graph) as quads and in stores. Parsed once per test run."""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg.dataset import loading
from sahelkg.store import EmbeddedStore


@functools.cache
def seed_dataset() -> tuple[ox.Quad, ...]:
    """Return the seed dataset's quads, parsed on first use (also for helpers that are not fixtures)."""
    return tuple(loading.dataset_quads(loading.seed_paths()))


def seed_embedded_store() -> EmbeddedStore:
    """Return a new in-memory store holding the seed dataset."""
    store = EmbeddedStore()
    store.load_quads(seed_dataset())
    return store


@pytest.fixture(scope="session")
def seed_quads() -> list[ox.Quad]:
    """The seed dataset's quads (a new list: callers may extend it)."""
    return list(seed_dataset())


@pytest.fixture(scope="session")
def seed_store() -> EmbeddedStore:
    """The seed dataset in one in-memory store shared by the whole run: for tests that only read."""
    return seed_embedded_store()


@pytest.fixture
def fresh_store() -> EmbeddedStore:
    """A seed store of the test's own, for tests that write."""
    return seed_embedded_store()


@pytest.fixture(scope="session")
def seed_nquads(tmp_path_factory) -> Path:
    """The seed dataset written to one N-Quads file, for servers and commands to load."""
    path = tmp_path_factory.mktemp("seed") / "seed.nq"
    path.write_bytes(ox.serialize(seed_dataset(), format=ox.RdfFormat.N_QUADS))
    return path
