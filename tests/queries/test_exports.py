"""Exports: one nanopublication per allegation (TriG), and the claim layer as PROV-O read back by `prov`."""

from __future__ import annotations

import re
import warnings
from collections import Counter

import prov.model as pm
import pytest
import rdflib

from sahelkg.audit import exports as export
from sahelkg.resources import resource

SKG = rdflib.Namespace("https://w3id.org/sahelkg/ontology#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
NP = rdflib.Namespace("http://www.nanopub.org/nschema#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
CLAIM = rdflib.Namespace("https://w3id.org/sahelkg/id/claim/")
ACTOR = rdflib.Namespace("https://w3id.org/sahelkg/id/actor/")
DOC = rdflib.Namespace("https://w3id.org/sahelkg/id/document/")
SOURCE = resource("data", "sources", "a000.trig")


@pytest.fixture(scope="module")
def source_graph() -> rdflib.Dataset:
    """The seed article's graph read by rdflib, independently of the store."""
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(SOURCE, format="trig")
    return dataset


def test_a_nanopublication_has_head_assertion_provenance_and_pubinfo(seed_store):
    trig = export.nanopublication_trig(seed_store, "claim:a000-s4-csp-dpa-accuses", created="2026-01-01T00:00:00Z")
    dataset = rdflib.Dataset()
    dataset.parse(data=trig, format="trig")
    base = "https://w3id.org/sahelkg/np/a000-s4-csp-dpa-accuses"
    graphs = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    assert sorted(graphs) == [base + "#assertion", base + "#head", base + "#provenance", base + "#pubinfo"]
    head, assertion = graphs[base + "#head"], graphs[base + "#assertion"]
    provenance, pubinfo = graphs[base + "#provenance"], graphs[base + "#pubinfo"]
    np_node = rdflib.URIRef(base)
    assert set(head) == {(np_node, rdflib.RDF.type, NP.Nanopublication),
                         (np_node, NP.hasAssertion, rdflib.URIRef(base + "#assertion")),
                         (np_node, NP.hasProvenance, rdflib.URIRef(base + "#provenance")),
                         (np_node, NP.hasPublicationInfo, rdflib.URIRef(base + "#pubinfo"))}
    claim = CLAIM["a000-s4-csp-dpa-accuses"]
    accused = {(str(assertion.value(a, SKG.accusedActor)), str(assertion.value(a, SKG.allegedRole)))
               for a in assertion.objects(claim, SKG.qualifiedAccusation)}
    assert accused == {(str(ACTOR.fama), "https://w3id.org/sahelkg/vocab/role/perpetrator"),
                       (str(ACTOR["wagner-group"]), "https://w3id.org/sahelkg/vocab/role/perpetrator")}
    assert len(list(assertion.objects(claim, SKG.assertsCount))) == 3
    assert (claim, SKG.claimant, None) not in assertion  # who says it is provenance, not assertion
    attribution = provenance.value(claim, SKG.qualifiedClaimAttribution)
    assert provenance.value(attribution, PROV.agent) == ACTOR["mohamed-elmaouloud-ramadane"]
    assert provenance.value(attribution, SKG.onBehalfOf) == ACTOR["csp-dpa"]
    assert set(provenance.objects(rdflib.URIRef(base + "#assertion"), PROV.wasAttributedTo)) == {
        ACTOR["mohamed-elmaouloud-ramadane"], ACTOR["csp-dpa"]}
    assert provenance.value(rdflib.URIRef(base + "#assertion"), PROV.wasDerivedFrom) == DOC["a000-ramadane-statement"]
    quotes = {str(q) for q in provenance.objects(None, OA.exact)}
    assert "carried out the attack" in quotes
    assert pubinfo.value(np_node, PROV.generatedAtTime).toPython().isoformat() == "2026-01-01T00:00:00+00:00"
    assert pubinfo.value(np_node, PROV.wasDerivedFrom) == rdflib.URIRef("https://w3id.org/sahelkg/graph/source/a000")
    assert str(pubinfo.value(DOC.a000, SKG.sha256)) == "64bf1840e8f9890eb3b265269218fa3e79e231a7e4bb70e530233c2b9264337a"


def test_every_allegation_gets_one_nanopublication(seed_store):
    expected = set(re.findall(r"^claim:(\S+) a skg:Allegation ;", SOURCE.read_text(encoding="utf-8"), flags=re.M))
    dataset = rdflib.Dataset()
    dataset.parse(data=export.all_nanopublications_trig(seed_store, created="2026-01-01T00:00:00Z"), format="trig")
    heads = {str(s).rsplit("/", 1)[1] for s, _, _, _ in dataset.quads((None, rdflib.RDF.type, NP.Nanopublication, None))}
    assert heads == expected and len(expected) == 8


@pytest.fixture(scope="module")
def prov_document(seed_store) -> pm.ProvDocument:
    turtle = export.prov_o_turtle(seed_store).decode()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the reader warns about anything it cannot convert
        warnings.simplefilter("ignore", DeprecationWarning)
        return pm.ProvDocument.deserialize(content=turtle, format="rdf", rdf_format="turtle")


def test_prov_reads_back_one_qualified_attribution_per_claim(prov_document, source_graph):
    expected = set()
    for claim, attribution in source_graph.subject_objects(SKG.qualifiedClaimAttribution):
        agent = source_graph.value(attribution, PROV.agent)
        role = source_graph.value(attribution, PROV.hadRole)
        expected.add((str(claim), str(agent), str(role)))
    got = set()
    for record in prov_document.get_records(pm.ProvAttribution):
        if record.identifier is None:
            continue
        attrs = dict(record.formal_attributes)
        roles = [str(v.uri) for k, v in record.extra_attributes if k == pm.PROV_ROLE]
        got.add((attrs[pm.PROV_ATTR_ENTITY].uri, attrs[pm.PROV_ATTR_AGENT].uri, roles[0]))
    assert got == expected and len(expected) == 20


def test_prov_reads_back_the_delegations_and_quotations(prov_document, source_graph):
    delegations = {(dict(r.formal_attributes)[pm.PROV_ATTR_DELEGATE].uri,
                    dict(r.formal_attributes)[pm.PROV_ATTR_RESPONSIBLE].uri)
                   for r in prov_document.get_records(pm.ProvDelegation)}
    expected = {(str(source_graph.value(a, PROV.agent)), str(source_graph.value(a, SKG.onBehalfOf)))
                for a in source_graph.subjects(SKG.onBehalfOf, None)}
    assert delegations == expected == {(str(ACTOR["mohamed-elmaouloud-ramadane"]), str(ACTOR["csp-dpa"])),
                                       (str(ACTOR["kel-ansar-leader"]), str(ACTOR["kel-ansar"])),
                                       (str(ACTOR["abdolah-ag-mohamed"]), str(ACTOR["reuters"]))}
    quotations = {(dict(r.formal_attributes)[pm.PROV_ATTR_GENERATED_ENTITY].uri,
                   dict(r.formal_attributes)[pm.PROV_ATTR_USED_ENTITY].uri)
                  for r in prov_document.get_records(pm.ProvDerivation)
                  if (pm.PROV_TYPE, pm.PROV["Quotation"]) in set(r.extra_attributes)}
    assert quotations == {(str(c), str(d)) for c, d in source_graph.subject_objects(SKG.reportedIn)}
    derived_from_statements = {(dict(r.formal_attributes)[pm.PROV_ATTR_GENERATED_ENTITY].uri,
                                dict(r.formal_attributes)[pm.PROV_ATTR_USED_ENTITY].uri)
                               for r in prov_document.get_records(pm.ProvDerivation) if r.identifier is None}
    assert {(str(c), str(d)) for c, d in source_graph.subject_objects(SKG.originallyStatedIn)} <= derived_from_statements


def test_the_prov_document_survives_a_prov_json_round_trip(prov_document):
    again = pm.ProvDocument.deserialize(content=prov_document.serialize(format="json"), format="json")
    assert again == prov_document
    assert Counter(type(r).__name__ for r in again.get_records())["ProvAgent"] >= 9


def test_the_exports_from_the_command_line_and_over_http(capsys, tmp_path, seed_server):
    from sahelkg.cli import main as cli

    out = tmp_path / "claims.ttl"
    assert cli.main(["audit", "prov", "--seed", "-o", str(out)]) == 0
    graph = rdflib.Graph().parse(out, format="turtle")
    assert (CLAIM["a000-s4-csp-dpa-accuses"], PROV.wasQuotedFrom, DOC.a000) in graph
    assert cli.main(["audit", "nanopub", "a000-s3-kal-akal-accuses", "--seed"]) == 0
    assert b"np:hasAssertion" in capsys.readouterr().out.encode()
    with seed_server.client() as client:
        trig = client.get("/audit/claim/claim:a000-s9-hrw-fama-wagner/nanopub")
        turtle = client.get("/audit/prov")
    assert trig.headers["content-type"].startswith("application/trig")
    dataset = rdflib.Dataset()
    dataset.parse(data=trig.text, format="trig")
    assert len([g for g in dataset.graphs() if len(g)]) == 4
    assert (CLAIM["a000-s9-hrw-fama-wagner"], PROV.wasQuotedFrom, DOC.a000) in \
        rdflib.Graph().parse(data=turtle.text, format="turtle")


def test_the_exports_are_the_same_from_a_remote_store(seed_server, seed_store):
    from sahelkg.store import RemoteStore

    remote = RemoteStore(seed_server.url + "/sparql")
    assert set(export.prov_o(remote)) == set(export.prov_o(seed_store))
    created = "2026-01-01T00:00:00Z"
    assert set(export.nanopublication(remote, "a000-s9-hrw-fama-wagner", created=created)) == \
        set(export.nanopublication(seed_store, "a000-s9-hrw-fama-wagner", created=created))
