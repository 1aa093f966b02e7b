"""Imports pass through the SHACL gate, and the gate judges nested shapes as full validation does."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from sahelkg.gate import engine_pyshacl, validation
from sahelkg.importers.acled import AcledImporter
from sahelkg.importers.report import ImportFailed
from sahelkg.store.change import Change

from .conftest import DATA

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:not [ sh:in ( ex:bad ) ] ] ."""


@pytest.mark.parametrize("value, conforms", [("good", True), ("bad", False)])
def test_focus_node_validation_agrees_with_full_validation_under_sh_not(value, conforms):
    import pyshacl

    engine_pyshacl._install_top_level_focus()  # what every gate run installs
    data = rdflib.Graph().parse(data=f"@prefix ex: <http://ex/> . ex:n a ex:C ; ex:p ex:{value} .", format="turtle")
    shapes = rdflib.Graph().parse(data=SHAPES, format="turtle")
    full, *_ = pyshacl.validate(data, shacl_graph=shapes)
    focused, *_ = pyshacl.validate(data, shacl_graph=shapes, focus_nodes=[rdflib.URIRef("http://ex/n")])
    assert full is focused is conforms


def test_an_import_that_breaks_the_shapes_is_refused_whole(store):
    report, change = AcledImporter().plan(store, DATA / "acled.csv")
    # Make one participation name the perpetrator role: the gate must refuse the whole import.
    bad = next(q for q in change.additions if q.predicate.value.endswith("#participantRole"))
    tampered = [q for q in change.additions if q != bad]
    tampered.append(ox.Quad(bad.subject, bad.predicate, ox.NamedNode("https://w3id.org/sahelkg/vocab/role/perpetrator"),
                            bad.graph_name))
    before = store.triple_count()
    from sahelkg.importers.common import apply_import
    with pytest.raises(ImportFailed) as caught:
        apply_import(store, Change(additions=tuple(tampered)), DATA / "acled.csv")
    assert "perpetrator" in str(caught.value) and store.triple_count() == before
    assert validation.check_change(store, change).conforms
