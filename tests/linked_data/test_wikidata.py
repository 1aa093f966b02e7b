"""`sahelkg link wikidata` against a real `oxigraph serve` holding a small Wikidata-shaped graph.

The items below are test fixtures: their QIDs (Q9000xx) and GeoNames IDs are made up for the test
and never written to data/crosswalk.csv.
"""

from __future__ import annotations

import datetime as _dt

import httpx
import pytest

from sahelkg.cli import main as cli
from sahelkg.linking.crosswalk import (
    CROSSWALK_PATH,
    CrosswalkError,
    CrosswalkRow,
    crosswalk_quads,
    load_crosswalk,
    read_crosswalk,
    write_crosswalk,
)
from sahelkg.linking.wikidata import http_runner, reconcile
from tests.service.conftest import start_oxigraph

WIKIDATA_FIXTURE = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
wd:Q43229 rdfs:label "organization"@en .
wd:Q900100 rdfs:label "private military company"@en ; wdt:P279 wd:Q43229 .
wd:Q900101 rdfs:label "militant group"@en ; wdt:P279 wd:Q43229 .
wd:Q900200 rdfs:label "Russia"@en ; wdt:P31 wd:Q6256 .
wd:Q900001 rdfs:label "Wagner Group"@en , "groupe Wagner"@fr ; skos:altLabel "PMC Wagner"@en ;
    wdt:P31 wd:Q900100 ; wdt:P17 wd:Q900200 .
wd:Q900002 rdfs:label "Wagner"@en ; wdt:P31 wd:Q5 .
wd:Q900003 rdfs:label "Mali"@en ; wdt:P31 wd:Q6256 ; wdt:P1566 "9000003" .
wd:Q900004 rdfs:label "Niono"@en ; wdt:P31 wd:Q486972 ; wdt:P17 wd:Q900003 ; wdt:P1566 "9000004" .
wd:Q900005 rdfs:label "Niono"@en ; wdt:P31 wd:Q486972 ; wdt:P17 wd:Q900006 .
wd:Q900006 rdfs:label "Senegal"@en ; wdt:P31 wd:Q6256 .
wd:Q900007 rdfs:label "JNIM"@en ; wdt:P31 wd:Q900101 .
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("wikidata"))
    response = httpx.post(server.url + "/store?default", content=WIKIDATA_FIXTURE.encode(),
                          headers={"Content-Type": "text/turtle"}, timeout=30)
    assert response.status_code in (200, 201, 204)
    yield server.url + "/query"
    server.process.terminate()
    server.process.wait(10)


FAMA = "https://w3id.org/sahelkg/id/actor/fama"
VERIFIED = CrosswalkRow(FAMA, "actor", "Malian Armed Forces", wikidata_qid="Q900099", status="verified",
                        verified_how="checked by hand (test)", verified_on="2026-11-25")


def test_reconciliation_finds_candidates_by_label_type_and_country(seed_store, endpoint):
    rows, report = reconcile(seed_store, http_runner(endpoint), [VERIFIED], endpoint=endpoint,
                             today=_dt.date(2026, 11, 25))
    by_iri = {row.local_iri: row for row in rows}
    wagner = by_iri["https://w3id.org/sahelkg/id/actor/wagner-group"]
    assert (wagner.wikidata_qid, wagner.status) == ("Q900001", "candidate")
    assert "country Russia" in wagner.verified_how and wagner.verified_on == "2026-11-25"
    niono = by_iri["https://w3id.org/sahelkg/id/place/niono"]
    assert (niono.wikidata_qid, niono.geonames_id) == ("Q900004", "9000004")  # not Q900005, in Senegal
    assert by_iri["https://w3id.org/sahelkg/id/place/mali"].wikidata_qid == "Q900003"
    assert by_iri["https://w3id.org/sahelkg/id/actor/jnim"].wikidata_qid == "Q900007"
    assert by_iri[FAMA] == VERIFIED and FAMA in report.kept_verified
    kal_akal = by_iri["https://w3id.org/sahelkg/id/actor/kal-akal"]
    assert kal_akal.wikidata_qid == "" and kal_akal.status == "candidate"
    assert not any(row.status == "verified" for row in rows if row.local_iri != FAMA)


def test_sahelkg_link_wikidata_writes_the_crosswalk_and_link_load_makes_links(endpoint, tmp_path, capsys, fresh_store):
    crosswalk = tmp_path / "crosswalk.csv"
    write_crosswalk([VERIFIED], crosswalk)
    assert cli.main(["link", "wikidata", "--endpoint", endpoint, "--crosswalk", str(crosswalk), "--seed", "-q"]) == 0
    assert "Q900001" in capsys.readouterr().out
    rows = {row.local_iri: row for row in read_crosswalk(crosswalk)}
    assert rows["https://w3id.org/sahelkg/id/actor/wagner-group"].wikidata_qid == "Q900001"
    store = fresh_store
    load_crosswalk(store, crosswalk)
    links = {(q.subject.value, q.predicate.value, q.object.value) for q in store.quads()
             if q.graph_name.value == "https://w3id.org/sahelkg/graph/crosswalk"}
    assert (FAMA, "http://www.w3.org/2002/07/owl#sameAs", "http://www.wikidata.org/entity/Q900099") in links
    assert ("https://w3id.org/sahelkg/id/place/niono", "http://www.w3.org/2004/02/skos/core#closeMatch",
            "https://sws.geonames.org/9000004/") in links


def test_an_unreachable_endpoint_leaves_the_crosswalk_alone(tmp_path, capsys):
    crosswalk = tmp_path / "crosswalk.csv"
    write_crosswalk([VERIFIED], crosswalk)
    before = crosswalk.read_bytes()
    assert cli.main(["link", "wikidata", "--endpoint", "http://127.0.0.1:9/sparql", "--crosswalk", str(crosswalk),
                     "--seed", "-q"]) == 1
    assert "did not answer" in capsys.readouterr().err and crosswalk.read_bytes() == before


def test_the_committed_crosswalk_invents_no_ids_and_names_only_known_things(seed_store):
    rows = read_crosswalk(CROSSWALK_PATH)
    known = {q.subject.value for q in seed_store.quads()}
    assert rows and all(row.local_iri in known for row in rows)
    for row in rows:
        assert row.status == "verified" or not row.wikidata_qid or row.verified_how.startswith("candidate from")
        assert not row.wikidata_qid.startswith("Q9000"), "test fixture QIDs must never reach data/"
    assert crosswalk_quads([r for r in rows if not (r.wikidata_qid or r.geonames_id)]) == []


def test_a_verified_row_without_an_id_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    write_crosswalk([CrosswalkRow(FAMA, "actor", "x", status="verified", verified_how="by hand", verified_on="2026-11-25")],
                    path)
    with pytest.raises(CrosswalkError, match=r":2: column 'status'"):
        read_crosswalk(path)


def test_the_federated_example_joins_our_crosswalk_with_wikidata_through_service(seed_store, endpoint, tmp_path,
                                                                                  fresh_store):
    """queries/examples/wikidata-federated.rq, with its SERVICE pointed at the local Wikidata-shaped endpoint."""
    from sahelkg.sparql.saved_queries import parse_query_file

    query = parse_query_file(CROSSWALK_PATH.parents[1] / "queries" / "examples" / "wikidata-federated.rq")
    rows, _ = reconcile(seed_store, http_runner(endpoint), [VERIFIED], endpoint=endpoint)
    path = tmp_path / "crosswalk.csv"
    write_crosswalk(rows, path)
    store = fresh_store
    load_crosswalk(store, path)
    text = query.bind({"entity": "https://w3id.org/sahelkg/id/place/niono"})
    assert "SERVICE <https://query.wikidata.org/sparql>" in text
    result = store.query(text.replace("https://query.wikidata.org/sparql", endpoint))
    answer = [tuple(t.value if t is not None else None for t in row) for row in result.rows]
    assert answer == [("https://w3id.org/sahelkg/id/place/niono", "Niono", "candidate",
                       "http://www.wikidata.org/entity/Q900004", "Niono", "Mali", "9000004")]
