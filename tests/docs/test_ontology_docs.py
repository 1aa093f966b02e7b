"""docs/ontology.md and docs/ontology.svg are generated from the ontology and must stay in step with it."""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET

import pytest
import rdflib
from rdflib import OWL, RDF, SKOS

from sahelkg import namespaces as ns
from sahelkg.cli import main as cli
from sahelkg.dataset import ontology_docs

PATHS = ontology_docs.default_paths()
MAIN_CLASSES = [name for name, *_ in ontology_docs.DIAGRAM_NODES]


@pytest.fixture(scope="module")
def ontology_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(PATHS["ontology"], format="turtle")
    return graph


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return ontology_docs.generate()


def declared_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(ns.SKG)}


def test_committed_ontology_md_is_up_to_date(generated):
    assert PATHS["markdown"].read_text(encoding="utf-8") == generated["markdown"], \
        "docs/ontology.md is out of date: run `sahelkg docs`"


def test_committed_ontology_svg_is_up_to_date(generated):
    assert PATHS["svg"].read_text(encoding="utf-8") == generated["svg"], \
        "docs/ontology.svg is out of date: run `sahelkg docs`"


def test_generation_is_deterministic(generated):
    assert ontology_docs.generate() == generated


def run_docs(*argv: str) -> int:
    """Run `sahelkg docs ARGV` through the subcommand's own parser (independent of other modules)."""
    parser = argparse.ArgumentParser(prog="sahelkg")
    ontology_docs.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["docs", *argv])
    return args.func(args)


def test_the_docs_subcommand_is_registered_with_the_cli():
    assert "sahelkg.dataset.ontology_docs" in cli.COMMAND_MODULES


def test_docs_check_exits_1_naming_the_stale_file(tmp_path, capsys):
    assert run_docs("--output-dir", str(tmp_path)) == 0
    assert run_docs("--check", "--output-dir", str(tmp_path)) == 0
    (tmp_path / "ontology.svg").write_text("<svg/>", encoding="utf-8")
    capsys.readouterr()
    assert run_docs("--check", "--output-dir", str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "ontology.svg" in err and "ontology.md" not in err


def test_every_class_and_property_has_an_entry(ontology_graph, generated):
    terms = declared_terms(ontology_graph)
    onto = ontology_docs.read_ontology(PATHS["ontology"])
    assert set(onto.terms()) == terms
    anchors = set(re.findall(r'<a id="([^"]+)"></a>\n\n#### skg:', generated["markdown"]))
    assert anchors == {str(t)[len(ns.SKG):] for t in terms}


def test_every_definition_and_example_appears_in_the_markdown(ontology_graph, generated):
    for term in declared_terms(ontology_graph):
        for definition in ontology_graph.objects(term, SKOS.definition):
            assert str(definition) in generated["markdown"], term
        for example in ontology_graph.objects(term, SKOS.example):
            assert f"```turtle\n{example}\n```" in generated["markdown"], term


def test_markdown_shows_title_version_and_namespace(generated):
    head = generated["markdown"][:1500]
    assert "sahelkg ontology" in head and "0.1.0" in head
    assert "<https://w3id.org/sahelkg/ontology/0.1.0>" in head
    assert f"<{ns.SKG}>" in head


def test_alignments_are_links_to_the_external_vocabularies(generated):
    md = generated["markdown"]
    assert "[prov:Agent](http://www.w3.org/ns/prov#Agent)" in md
    assert "[schema:Claim](https://schema.org/Claim)" in md
    assert "[sem:Event](http://semanticweb.cs.vu.nl/2009/11/sem/Event)" in md
    assert "[skos:hiddenLabel](http://www.w3.org/2004/02/skos/core#hiddenLabel)" in md
    assert "[oa:SpecificResource](http://www.w3.org/ns/oa#SpecificResource)" in md


def test_count_qualifier_normalisation_rules_are_shown(generated):
    vocab = rdflib.Dataset()
    vocab.parse(PATHS["vocabularies"], format="trig")
    qualifiers = {s for s, _, _, _ in vocab.quads((None, SKOS.inScheme, rdflib.URIRef(ns.VOCAB + "count-qualifier"), None))}
    notes = [str(o) for s, _, o, _ in vocab.quads((None, SKOS.scopeNote, None, None)) if s in qualifiers]
    assert notes
    section = generated["markdown"].split('<a id="scheme-count-qualifier"></a>')[1].split('<a id="scheme-')[0]
    assert "Normalisation rule" in section
    for note in notes:
        assert note.replace("|", "\\|") in section


def test_every_concept_scheme_is_listed(generated):
    vocab = rdflib.Dataset()
    vocab.parse(PATHS["vocabularies"], format="trig")
    schemes = {s for s, _, _, _ in vocab.quads((None, RDF.type, SKOS.ConceptScheme, None))}
    for scheme in schemes:
        assert f"<{scheme}>" in generated["markdown"]


def test_svg_parses_as_xml_and_shows_each_main_class(generated):
    root = ET.fromstring(generated["svg"])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {el.text for el in root.iter("{http://www.w3.org/2000/svg}text")}
    for name in MAIN_CLASSES:
        assert f"skg:{name}" in texts, name


def test_svg_draws_object_properties_between_main_classes(generated):
    labels = {el.text for el in ET.fromstring(generated["svg"]).iter("{http://www.w3.org/2000/svg}text")}
    for prop in ("claimant", "accused", "qualifiedAccusation", "qualifiedClaimAttribution", "assertsCount",
                 "countOf", "location", "qualifiedAffiliation", "withActor", "reportedIn", "derivedFromDocument"):
        assert prop in labels, prop
    _, arrows, subclass = ontology_docs.diagram_model(ontology_docs.read_ontology(PATHS["ontology"]))
    assert ("Claim", "Actor", ["accused", "claimant", "deniedActor", "involves"]) in arrows
    assert ("Allegation", "Claim") in subclass and ("EventPattern", "Occurrence") in subclass
