"""Fixtures for `sahelkg link incidents`: the seed plus the ACLED and UCDP fixture rows of data/."""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox

from sahelkg.importers.acled import import_acled
from sahelkg.importers.ucdp import import_ucdp
from sahelkg.store import EmbeddedStore
from tests.conftest import seed_embedded_store

DATA = Path(__file__).parent / "data"
ACLED = DATA / "acled.csv"
UCDP = DATA / "ucdp.csv"
EVENT = "https://w3id.org/sahelkg/id/event/"
SEED_ATTACK = EVENT + "a000-niono-vehicle-attack"
ACLED_ATTACK = EVENT + "acled-mli970001"
UCDP_ATTACK = EVENT + "ucdp-test-link-1"
FAR_SAME_DAY = EVENT + "ucdp-test-link-2"  # 100 km east of Niono, same day
MONTH_LATER = EVENT + "ucdp-test-link-3"  # Niono, a month later
CURATOR = "https://w3id.org/sahelkg/id/actor/test-curator"


def import_fixtures(store) -> None:
    """Given a store holding the seed, import the ACLED and UCDP fixture rows through the gate."""
    import_acled(store, ACLED)
    import_ucdp(store, UCDP, version="test")


@functools.cache
def fixture_quads() -> tuple[ox.Quad, ...]:
    """Return the seed plus the fixture rows as the importers wrote them (imported once per run)."""
    store = seed_embedded_store()
    import_fixtures(store)
    return tuple(store.quads())


def fixture_store(path: Path | None = None) -> EmbeddedStore:
    """Return a new store (in memory, or on disk at path) holding the seed and the imported fixture rows."""
    store = EmbeddedStore(path)
    store.load_quads(fixture_quads())
    return store

