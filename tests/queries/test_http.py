"""`/queries` over HTTP on the real service: listing, running, negotiation, errors, OpenAPI."""

from __future__ import annotations

import csv
import io

WAGNER = "https://w3id.org/sahelkg/id/actor/wagner-group"


def test_the_list_is_json_by_default_and_names_every_parameter(seed_server):
    with seed_server.client() as client:
        response = client.get("/queries")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    listed = {q["name"]: q for q in response.json()["queries"]}
    assert {"cq1-accusations-of-event", "cq2-disputed-allegations", "cq3-affiliates-of", "cq4-counts-by-perpetrator",
            "cq5-everything-about-actor", "cq6-claims-by-claimant", "cq7-incident-figures",
            "cq10-alleged-against-actor-and-affiliates"} <= set(listed)
    assert [p["name"] for p in listed["cq10-alleged-against-actor-and-affiliates"]["parameters"]] == ["by", "against"]
    assert listed["cq6-claims-by-claimant"]["parameters"] == [
        {"name": "claimant", "type": "IRI", "required": False, "default": None,
         "description": "only this claimant's claims (every claimant when omitted)"},
        {"name": "since", "type": "date", "required": False, "default": None,
         "description": "only claims stated on or after this day"}]
    assert listed["cq1-accusations-of-event"]["url"] == seed_server.url + "/queries/cq1-accusations-of-event"


def test_the_list_is_html_for_a_browser(seed_server):
    with seed_server.client() as client:
        response = client.get("/queries", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.headers["content-type"].startswith("text/html")
    assert '<a href="' + seed_server.url + '/queries/cq2-disputed-allegations">' in response.text
    assert "Disputed allegations and what exactly is denied" in response.text


def test_a_saved_query_runs_with_its_parameters_as_sparql_json(seed_server):
    with seed_server.client() as client:
        response = client.get("/queries/cq2-disputed-allegations", params={"accused": WAGNER})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    bindings = response.json()["results"]["bindings"]
    assert [(b["allegation"]["value"].rsplit("/", 1)[1], b["partDenied"]["value"]) for b in bindings] == [
        ("a000-s3-kal-akal-accuses", "false"), ("a000-s4-csp-dpa-accuses", "false")]


def test_a_saved_query_negotiates_like_sparql(seed_server):
    with seed_server.client() as client:
        as_csv = client.get("/queries/cq3-affiliates-of", headers={"Accept": "text/csv"})
        as_xml = client.get("/queries/cq3-affiliates-of", params={"format": "xml"})
        refused = client.get("/queries/cq3-affiliates-of", headers={"Accept": "image/png"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["groupName"], r["parentName"]) for r in table] == [
        ("Jama'at Nusrat al-Islam wal-Muslimin", "al-Qaeda"), ("Islamic State in the Greater Sahara", "Islamic State")]
    assert as_xml.headers["content-type"] == "application/sparql-results+xml"
    assert refused.status_code == 406


def test_invalid_values_get_400_with_a_message(seed_server):
    with seed_server.client() as client:
        bad_iri = client.get("/queries/cq2-disputed-allegations", params={"accused": "http://x/a> } UNION { ?s ?p ?o"})
        bad_date = client.get("/queries/cq6-claims-by-claimant", params={"since": "January 2025"})
        unknown = client.get("/queries/cq6-claims-by-claimant", params={"who": "x"})
        twice = client.get("/queries/cq6-claims-by-claimant?since=2025-01-01&since=2025-01-02")
        missing = client.get("/queries/no-such-query")
    assert bad_iri.status_code == 400 and "'accused' is not a valid IRI" in bad_iri.json()["detail"]
    assert bad_date.status_code == 400 and "'since' must be a date YYYY-MM-DD" in bad_date.json()["detail"]
    assert unknown.status_code == 400 and "unknown parameter(s) who" in unknown.json()["detail"]
    assert twice.status_code == 400 and "more than once" in twice.json()["detail"]
    assert missing.status_code == 404


def test_a_hostile_string_returns_no_rows_over_http(seed_server):
    with seed_server.client() as client:
        response = client.get("/queries/cq6-claims-by-claimant",
                              params={"claimant": WAGNER, "since": "2025-01-01"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.text.splitlines()[1:] == []


def test_each_saved_query_is_in_the_openapi_document_with_its_parameters(seed_server):
    with seed_server.client() as client:
        spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/queries/cq6-claims-by-claimant"]["get"]
    assert operation["summary"] == "Every claim made by each claimant, in date order"
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["since"]["schema"] == {"type": "string", "format": "date"} and params["since"]["required"] is False
    assert params["claimant"]["schema"] == {"type": "string", "format": "iri"}
    cq1 = {p["name"]: p for p in spec["paths"]["/queries/cq1-accusations-of-event"]["get"]["parameters"]}
    assert cq1["event"]["schema"]["default"] == "https://w3id.org/sahelkg/id/event/a000-niono-vehicle-attack"
    assert all(f"/queries/{name}" in spec["paths"] for name in
               ["cq1-accusations-of-event", "cq2-disputed-allegations", "cq3-affiliates-of",
                "cq4-counts-by-perpetrator", "cq5-everything-about-actor", "cq6-claims-by-claimant"])


def test_saved_queries_give_the_same_rows_on_a_remote_store(seed_server, seed_store):
    from sahelkg.sparql.saved_queries import load_queries
    from sahelkg.store import RemoteStore

    remote = RemoteStore(seed_server.url + "/sparql")
    # Values for the required parameters: the seed's own actors (the seed has no incident: no rows, still equal).
    required = {"by": "actor:human-rights-watch", "against": "actor:fama",
                "incident": "https://w3id.org/sahelkg/id/incident/none"}
    for query in load_queries().values():
        params = {p.name: required[p.name] for p in query.parameters if p.required}
        assert query.run(remote, params).rows == query.run(seed_store, params).rows, query.name
