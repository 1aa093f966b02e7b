"""Every term of the ontology is documented in the file itself, in PROV-O's manner."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS

from sahelkg import namespaces as ns
from sahelkg.dataset.ontology_docs import default_paths

ONTOLOGY = rdflib.URIRef(ns.ONTOLOGY)


def load() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(default_paths()["ontology"], format="turtle")
    return graph


GRAPH = load()
TERMS = sorted({s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                for s in GRAPH.subjects(RDF.type, kind) if str(s).startswith(ns.SKG)})


def test_the_ontology_has_terms():
    assert len(TERMS) > 100


def test_the_ontology_has_a_version_iri_and_version_info():
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in GRAPH
    assert GRAPH.value(ONTOLOGY, OWL.versionIRI) is not None
    assert GRAPH.value(ONTOLOGY, OWL.versionInfo) is not None


@pytest.mark.parametrize("term", TERMS, ids=lambda t: str(t)[len(ns.SKG):])
def test_each_term_has_english_label_definition_is_defined_by_and_example(term):
    assert any(label.language == "en" for label in GRAPH.objects(term, RDFS.label)), "no rdfs:label @en"
    assert GRAPH.value(term, SKOS.definition) is not None, "no skos:definition"
    assert GRAPH.value(term, RDFS.isDefinedBy) == ONTOLOGY, "no rdfs:isDefinedBy the ontology"
    assert GRAPH.value(term, SKOS.example) is not None, "no skos:example"


def test_examples_that_cite_the_seed_use_its_real_iris(seed_store):
    import re

    import pyoxigraph as ox

    store = seed_store.oxigraph
    minted = {prefix: iri for prefix, iri in ns.PREFIXES.items() if iri.startswith(ns.ID)}
    missing = []
    for term, example in sorted(GRAPH.subject_objects(SKOS.example)):
        # Names of seed nodes start with the source id (a000-…); other examples are hypothetical.
        for prefix, name in re.findall(r"\b([a-z]+):(a000[\w\-]*)", str(example)):
            if prefix in minted:
                node = ox.NamedNode(minted[prefix] + name)
                if not any(True for _ in store.quads_for_pattern(node, None, None)):
                    missing.append(f"{term}: {prefix}:{name}")
    assert not missing
