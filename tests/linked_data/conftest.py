"""A real server (uvicorn, free port) holding the seed dataset plus an ACLED import."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from sahelkg.importers.acled import AcledImporter
from sahelkg.store import EmbeddedStore
from tests.service.conftest import start_server

REPO = Path(__file__).resolve().parents[2]


def write_dataset(path: Path, seed_quads: list[ox.Quad]) -> Path:
    """Write the seed dataset and an ACLED import of the fixture rows to one TriG file."""
    store = EmbeddedStore()
    store.load_quads(seed_quads)
    _, change = AcledImporter().plan(store, REPO / "tests" / "importers" / "data" / "acled.csv")
    store.apply(change)
    store.dump(str(path), format=ox.RdfFormat.TRIG)
    return path


@pytest.fixture(scope="session")
def dataset_file(tmp_path_factory, seed_quads) -> Path:
    return write_dataset(tmp_path_factory.mktemp("ld") / "dataset.trig", seed_quads)


@pytest.fixture(scope="session")
def server(dataset_file):
    """The service on our own IRIs (no public base)."""
    running = start_server(str(dataset_file), env={"SAHELKG_WORKERS": "2", "SAHELKG_PUBLIC_BASE": ""})
    yield running
    running.stop()


@pytest.fixture(scope="session")
def rebased_server(dataset_file):
    """The same data served as if deployed at https://kg.example.org/sahel/."""
    running = start_server(str(dataset_file), env={"SAHELKG_WORKERS": "2",
                                                   "SAHELKG_PUBLIC_BASE": "https://kg.example.org/sahel/"})
    yield running
    running.stop()
