"""The gate reads the store only through SPARQL: on `oxigraph serve` behind RemoteStore it gives
the embedded store's answers, whichever engine checks the change."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.gate import validation
from sahelkg.store import EmbeddedStore, RemoteStore
from sahelkg.store.change import Change
from tests.service.conftest import start_oxigraph

from .conftest import ENGINES, full_keys, gate_engine

ID = "https://w3id.org/sahelkg/id/"
SKG = "https://w3id.org/sahelkg/ontology#"
A000 = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a000")
INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@pytest.fixture(scope="module")
def stores(seed_quads, tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"), "--union-default-graph")
    remote = RemoteStore(server.url + "/query", server.url + "/update")
    remote.load_quads(seed_quads)
    embedded = EmbeddedStore()
    embedded.load_quads(seed_quads)
    yield embedded, remote
    server.stop()


def changes(store) -> list[Change]:
    count = ox.NamedNode(ID + "count/a000-niono-killed")
    minimum = ox.NamedNode(SKG + "minimum")
    fama = ox.NamedNode(ID + "actor/fama")
    rdf_type = ox.NamedNode(validation.RDF_TYPE)
    return [
        Change(removals=tuple(store.quads(count, minimum)),
               additions=(ox.Quad(count, minimum, ox.Literal("12", datatype=INTEGER), A000),)),
        Change(removals=tuple(store.quads(fama, rdf_type)),
               additions=(ox.Quad(fama, rdf_type, ox.NamedNode(SKG + "Place"), A000),)),
        Change(additions=(ox.Quad(ox.NamedNode(ID + "claim/a000-s5-kel-ansar-denial"), ox.NamedNode(SKG + "deniedActor"),
                                  ox.NamedNode(ID + "actor/jnim"), A000),)),
    ]


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_the_gate_answers_the_same_on_a_remote_store(stores, engine):
    embedded, remote = stores
    with gate_engine(engine):
        for local_change, remote_change in zip(changes(embedded), changes(remote), strict=True):
            local = validation.check_change(embedded, local_change)
            far = validation.check_change(remote, remote_change)
            assert not local.conforms
            assert full_keys(far) == full_keys(local)
