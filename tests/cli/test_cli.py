"""The sahelkg command line, run as a user would run it (a real process, a real on-disk store)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def sahelkg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "sahelkg.cli.main", *args], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"sahelkg {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store")
    sahelkg("load", "ontology/sahelkg.ttl", "data", "--store", str(store))
    return store


def test_load_then_query_from_disk(seeded_store):
    out = sahelkg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?claim a <https://w3id.org/sahelkg/ontology#Allegation> }",
                  "--format", "json", "--store", str(seeded_store)).stdout
    n = int(json.loads(out)["results"]["bindings"][0]["n"]["value"])
    assert n == 8


def test_a_syntax_error_in_any_file_loads_nothing(tmp_path):
    store = tmp_path / "store"
    good = tmp_path / "good.trig"
    good.write_text("<https://w3id.org/sahelkg/graph/x> { <urn:a> <urn:b> <urn:c> . }\n")
    bad = tmp_path / "bad.trig"
    bad.write_text("<https://w3id.org/sahelkg/graph/y> {\n  <urn:a> <urn:b> \"open .\n}\n")
    result = sahelkg("load", str(good), str(bad), "--store", str(store), check=False)
    assert result.returncode == 2
    assert f"{bad}:2:19:" in result.stderr and "nothing was loaded" in result.stderr
    # Nothing was written: the store was not even created, and reading it says so.
    query = sahelkg("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--store", str(store), check=False)
    assert query.returncode == 2 and "no store there" in query.stderr


def test_triples_file_without_graph_is_refused_with_advice(tmp_path):
    plain = tmp_path / "plain.ttl"
    plain.write_text("<urn:a> <urn:b> <urn:c> .\n")
    result = sahelkg("load", str(plain), "--store", str(tmp_path / "s"), check=False)
    assert result.returncode == 2 and "--graph" in result.stderr


def test_loaded_graphs_have_provenance_in_the_catalog(seeded_store):
    out = sahelkg("query", """SELECT ?graph ?path ?sha WHERE { GRAPH <https://w3id.org/sahelkg/graph/catalog> {
        ?graph <http://www.w3.org/ns/prov#wasDerivedFrom> ?file ; <http://www.w3.org/ns/prov#wasGeneratedBy> ?activity .
        ?file <https://w3id.org/sahelkg/ontology#filePath> ?path ; <https://w3id.org/sahelkg/ontology#sha256> ?sha } }
        ORDER BY ?graph ?path""", "--format", "json", "--store", str(seeded_store)).stdout
    rows = [(b["graph"]["value"], b["path"]["value"]) for b in json.loads(out)["results"]["bindings"]]
    assert ("https://w3id.org/sahelkg/graph/source/a000", "data/sources/a000.trig") in rows
    assert ("https://w3id.org/sahelkg/graph/ontology", "ontology/sahelkg.ttl") in rows


@pytest.mark.parametrize("fmt,marker", [("csv", "claimant\n"), ("tsv", "?claimant\n"), ("xml", "<sparql"), ("table", "(2 rows)")])
def test_query_formats(seeded_store, fmt, marker):
    query = """SELECT DISTINCT ?claimant WHERE { ?c <https://w3id.org/sahelkg/ontology#deniedActor> ?a ;
               <https://w3id.org/sahelkg/ontology#claimant> ?claimant } ORDER BY ?claimant"""
    out = sahelkg("query", query, "--format", fmt, "--store", str(seeded_store)).stdout
    assert marker in out
    assert "kel-ansar" in out


def test_export_one_graph_as_turtle_round_trips(seeded_store, tmp_path):
    target = tmp_path / "reference.ttl"
    sahelkg("export", "--format", "turtle", "--graph", "https://w3id.org/sahelkg/graph/reference",
            "--output", str(target), "--store", str(seeded_store))
    import rdflib
    graph = rdflib.Graph().parse(target)
    assert (rdflib.URIRef("https://w3id.org/sahelkg/id/actor/fama"), rdflib.RDF.type,
            rdflib.URIRef("https://w3id.org/sahelkg/ontology#StateArmedForce")) in graph


def test_export_trig_keeps_every_graph(seeded_store):
    out = sahelkg("export", "--format", "nquads", "--store", str(seeded_store)).stdout
    graphs = {line.rsplit(" ", 2)[-2] for line in out.splitlines() if line}
    assert {"<https://w3id.org/sahelkg/graph/source/a000>", "<https://w3id.org/sahelkg/graph/reference>",
            "<https://w3id.org/sahelkg/graph/ontology>", "<https://w3id.org/sahelkg/graph/catalog>"} <= graphs


def test_whole_dataset_export_carries_a_void_description(seeded_store):
    import pyoxigraph as ox

    out = sahelkg("export", "--format", "nquads", "--store", str(seeded_store)).stdout
    quads = list(ox.parse(out.encode(), format=ox.RdfFormat.N_QUADS))
    void_graph = ox.NamedNode("https://w3id.org/sahelkg/graph/void")
    data = [q for q in quads if q.graph_name != void_graph]
    per_graph: dict[str, int] = {}
    for q in data:
        per_graph[q.graph_name.value] = per_graph.get(q.graph_name.value, 0) + 1
    void = ox.Store()
    void.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads if q.graph_name == void_graph)
    described = {r["g"].value: int(r["n"].value) for r in void.query(
        "SELECT ?g ?n WHERE { ?d <http://rdfs.org/ns/void#subset> ?s . "
        "?s <http://www.w3.org/ns/sparql-service-description#name> ?g ; <http://rdfs.org/ns/void#triples> ?n }")}
    assert described == per_graph
    assert "https://w3id.org/sahelkg/graph/source/a000" in described
