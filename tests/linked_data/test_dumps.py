"""Dumps of the whole dataset with a VoID description, and the JSON-LD context."""

from __future__ import annotations

import json

import pyoxigraph as ox

from sahelkg.dataset import jsonld

VOID = "http://rdfs.org/ns/void#"


def test_the_trig_dump_holds_every_graph_and_a_void_description(server, dataset_file):
    with server.client() as client:
        response = client.get("/dump.trig")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/trig")
    quads = list(ox.parse(response.content, format=ox.RdfFormat.TRIG))
    void = [q for q in quads if q.graph_name.value == "https://w3id.org/sahelkg/graph/void"]
    data = [q for q in quads if q.graph_name.value != "https://w3id.org/sahelkg/graph/void"]
    stored = {q for q in ox.parse(dataset_file.read_bytes(), format=ox.RdfFormat.TRIG)}
    assert set(data) == stored
    [total] = [q.object.value for q in void if q.predicate.value == VOID + "triples"
               and q.subject.value == "https://w3id.org/sahelkg/dataset"]
    assert int(total) == len(data)
    dumps = {q.object.value for q in void if q.predicate.value == VOID + "dataDump"}
    assert dumps == {f"{server.url}/dump.{ext}" for ext in ("trig", "nq", "jsonld")}


def test_the_nquads_and_jsonld_dumps_carry_the_same_quads(server):
    with server.client() as client:
        nquads = set(ox.parse(client.get("/dump.nq").content, format=ox.RdfFormat.N_QUADS))
        document = client.get("/dump.jsonld").content
    from_jsonld = set(ox.parse(document, format=ox.RdfFormat.JSON_LD))

    def without_time(quads: set[ox.Quad]) -> set[ox.Quad]:
        return {q for q in quads if not q.predicate.value.endswith("/modified")}

    assert without_time(from_jsonld) == without_time(nquads)
    body = json.loads(document)
    actor = next(node for graph in body["@graph"] for node in graph.get("@graph", [])
                 if node["@id"] == "actor:fama" and "prefLabel" in node)
    assert actor["country"] == "place:mali"


def test_the_context_file_is_served_and_kept_in_docs(server):
    with server.client() as client:
        served = client.get("/context.jsonld").json()
    assert served == jsonld.context()
    assert json.loads(jsonld.CONTEXT_PATH.read_text()) == served


def test_the_context_names_every_property_of_the_ontology():
    import rdflib

    ontology = rdflib.Graph().parse(jsonld.CONTEXT_PATH.parents[1] / "ontology" / "sahelkg.ttl")
    owl = rdflib.OWL
    properties = {str(p) for kind in (owl.ObjectProperty, owl.DatatypeProperty) for p in ontology.subjects(rdflib.RDF.type, kind)}
    named = {iri for iri, _ in jsonld.TERMS.values()}
    assert sorted(properties - named) == []
