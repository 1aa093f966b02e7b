"""The seed dataset conforms; the only results are what an auditor should see."""

from __future__ import annotations

from sahelkg.gate import engine_pyshacl, validation

from .conftest import compiled_report, full_keys

CLAIM = "https://w3id.org/sahelkg/id/claim/"


def test_seed_dataset_conforms(seed_quads):
    report = validation.validate_quads(seed_quads)
    assert report.conforms
    assert report.counts() == {"Violation": 0, "Warning": 0, "Info": 2}


def test_seed_reports_the_two_disputed_allegations_as_info(seed_quads):
    report = validation.validate_quads(seed_quads)
    assert {(r.focus_node, r.path, r.source_shape) for r in report.by_severity("Info")} == {
        (CLAIM + "a000-s3-kal-akal-accuses", "^https://w3id.org/sahelkg/ontology#disputes",
         "https://w3id.org/sahelkg/ontology#AllegationShape-disputedBy"),
        (CLAIM + "a000-s4-csp-dpa-accuses", "^https://w3id.org/sahelkg/ontology#disputes",
         "https://w3id.org/sahelkg/ontology#AllegationShape-disputedBy"),
    }


def test_ontology_triples_are_not_validated_as_data(seed_quads):
    working = engine_pyshacl.build_working_graph(seed_quads)
    subclass = engine_pyshacl.rdflib.URIRef(validation.SUBCLASS_OF)
    assert not list(working.graph.triples((None, subclass, None)))


def test_subclass_instances_are_checked_by_the_superclass_shape(seed_quads):
    working = engine_pyshacl.build_working_graph(seed_quads)
    allegation = engine_pyshacl.rdflib.URIRef(CLAIM + "a000-s5-kel-ansar-denial")
    types = set(working.graph.objects(allegation, engine_pyshacl.RDF.type))
    assert engine_pyshacl.rdflib.URIRef("https://w3id.org/sahelkg/ontology#Claim") in types


def test_report_serialises_to_json_and_turtle(seed_quads):
    report = validation.validate_quads(seed_quads)
    assert '"conforms": true' in report.to_json()
    assert "sh:ValidationReport" in report.to_turtle()


def test_compiled_validator_agrees_with_pyshacl_on_the_seed(seed_quads):
    assert full_keys(compiled_report(seed_quads)) == full_keys(engine_pyshacl.validate_quads(seed_quads))
