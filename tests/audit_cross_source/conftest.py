"""The seed plus a fictional multi-source incident (tarvo.trig), in memory and behind a real server."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg.store import EmbeddedStore
from tests.conftest import seed_dataset

TARVO = Path(__file__).with_name("tarvo.trig")
INCIDENT = "https://w3id.org/sahelkg/id/incident/tarvo-2025-03-04"


def tarvo_quads() -> list[ox.Quad]:
    """Return the seed dataset and the Tarvo fixture's quads."""
    return list(seed_dataset()) + list(ox.parse(path=str(TARVO), format=ox.RdfFormat.TRIG))


@pytest.fixture(scope="module")
def tarvo_store() -> EmbeddedStore:
    """An in-memory store with the seed and the Tarvo incident, for tests that only read."""
    store = EmbeddedStore()
    store.load_quads(tarvo_quads())
    return store


@pytest.fixture(scope="module")
def tarvo_server(tmp_path_factory):
    """The real service (uvicorn) serving the seed and the Tarvo incident, read-only."""
    from tests.service.conftest import start_server

    path = tmp_path_factory.mktemp("tarvo") / "tarvo.nq"
    path.write_bytes(ox.serialize(tarvo_quads(), format=ox.RdfFormat.N_QUADS))
    server = start_server(str(path), env={"SAHELKG_WORKERS": "1"})
    yield server
    server.stop()
