"""Our IRIs dereference over real HTTP: content negotiation, alternates, useful HTML, base IRI."""

from __future__ import annotations

import html
import re
import urllib.parse

import pyoxigraph as ox
import pytest

FAMA = ox.NamedNode("https://w3id.org/sahelkg/id/actor/fama")
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
FORMATS = {
    "text/turtle": (ox.RdfFormat.TURTLE, "ttl"),
    "application/ld+json": (ox.RdfFormat.JSON_LD, "jsonld"),
    "application/n-triples": (ox.RdfFormat.N_TRIPLES, "nt"),
    "application/rdf+xml": (ox.RdfFormat.RDF_XML, "rdf"),
}


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_an_actor_iri_answers_in_each_rdf_format_with_links_to_the_others(server, media_type):
    with server.client() as client:
        response = client.get("/id/actor/fama", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    rdf_format, ext = FORMATS[media_type]
    assert response.headers["content-location"] == f"{server.url}/id/actor/fama.{ext}"
    assert "Accept" in response.headers["vary"]
    links = response.headers["link"]
    for other, (_, other_ext) in FORMATS.items():
        if other != media_type:
            assert f'<{server.url}/id/actor/fama.{other_ext}>; rel="alternate"; type="{other}"' in links
    assert f'<{server.url}/id/actor/fama.html>; rel="alternate"; type="text/html"' in links
    triples = {(t.subject, t.predicate, t.object) for t in ox.parse(response.content, format=rdf_format)}
    assert (FAMA, PREF_LABEL, ox.Literal("Malian Armed Forces", language="en")) in triples
    # Links in: the allegations that accuse the actor are part of its description.
    assert (ox.NamedNode("https://w3id.org/sahelkg/id/claim/a000-s4-csp-dpa-accuses"),
            ox.NamedNode("https://w3id.org/sahelkg/ontology#accused"), FAMA) in triples


def test_browsers_get_html_and_format_urls_always_return_their_format(server):
    with server.client() as client:
        page = client.get("/id/actor/fama", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        turtle = client.get("/id/actor/fama.ttl", headers={"Accept": "text/html"})
        head = client.head("/id/actor/fama.nt")
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-location"] == f"{server.url}/id/actor/fama.html"
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert head.status_code == 200 and head.headers["content-type"].startswith("application/n-triples")


def test_unknown_iris_are_404_and_unavailable_formats_406(server):
    with server.client() as client:
        assert client.get("/id/actor/no-such-actor").status_code == 404
        assert client.get("/id/actor/fama", headers={"Accept": "image/png"}).status_code == 406
        assert client.get("/id/actor/%3Cscript%3E").status_code == 404


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_an_actor_page_shows_affiliations_and_allegations_with_source_and_quote(server):
    with server.client() as client:
        page = client.get("/id/actor/fama", headers={"Accept": "text/html"}).text
    text = _text(page)
    assert "<h1>Malian Armed Forces</h1>" in page
    assert "Affiliations" in text and "Wagner Group" in text and "The group has been supporting Malian forces" in text
    assert "Allegations against this actor" in text
    assert "Both groups accused Malian forces and Russian mercenaries" in text
    assert "Claims that deny this actor's involvement" in text and "denied any involvement by Malian troops" in text
    assert 'href="/id/claim/a000-s4-csp-dpa-accuses"' in page
    assert 'href="/id/actor/wagner-group"' in page
    # ACLED's coded rows appear as participation, never as allegations.
    assert 'href="/id/event/acled-mli90001"' in page


def test_an_allegation_page_shows_its_evidence_chain(server):
    with server.client() as client:
        page = client.get("/id/claim/a000-s4-csp-dpa-accuses", headers={"Accept": "text/html"}).text
    text = _text(page)
    assert "Mohamed Elmaouloud Ramadane" in text and "spokesperson" in text
    assert "Evidence chain" in text
    assert 'href="/id/document/a000"' in page and 'href="/id/document/a000-ramadane-statement"' in page
    assert "64bf1840e8f9890eb3b265269218fa3e79e231a7e4bb70e530233c2b9264337a" in text
    assert "carried out the attack" in text
    assert 'href="/id/claim/a000-s5-kel-ansar-denial"' in page  # disputed by
    assert "perpetrator" in text


def test_every_page_section_links_to_a_query_that_runs_on_the_sparql_endpoint(server):
    with server.client() as client:
        page = client.get("/id/claim/a000-s4-csp-dpa-accuses", headers={"Accept": "text/html"}).text
        links = re.findall(r'href="(/sparql\?query=[^"]+)"', page)
        assert len(links) >= 5
        evidence = next(html.unescape(link) for link in links
                        if "oa:exact" in (query := urllib.parse.unquote(html.unescape(link))) and "reportedIn" in query)
        answer = client.get(evidence, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    values = {b.get("exact", {}).get("value") for b in answer.json()["results"]["bindings"]}
    assert "carried out the attack" in values


def test_concepts_graphs_and_the_ontology_dereference(server):
    with server.client() as client:
        concept = client.get("/vocab/role/acled-actor-1", headers={"Accept": "text/turtle"})
        scheme = client.get("/vocab/event-type", headers={"Accept": "text/html"})
        graph = client.get("/graph/source/a000", headers={"Accept": "text/html"})
        ontology = client.get("/ontology", headers={"Accept": "text/turtle"})
        ontology_page = client.get("/ontology", headers={"Accept": "text/html"})
        event = client.get("/id/event/acled-mli90001", headers={"Accept": "text/html"})
    assert "ACLED's actor order carries no direction" in concept.text
    assert 'href="/vocab/event-type/acled-attack"' in scheme.text
    assert graph.status_code == 200 and "derived from document" in _text(graph.text)
    triples = {(t.subject.value, t.object.value) for t in ox.parse(ontology.content, format=ox.RdfFormat.TURTLE)
               if t.predicate.value.endswith("#type")}
    assert ("https://w3id.org/sahelkg/ontology#Allegation", "http://www.w3.org/2002/07/owl#Class") in triples
    assert 'id="Allegation"' in ontology_page.text
    assert "Counts" in event.text and "Claims about this event" in event.text and 'href="/id/actor/acled"' in event.text


def test_a_public_base_serves_the_same_data_under_another_host(rebased_server):
    with rebased_server.client() as client:
        turtle = client.get("/id/actor/fama", headers={"Accept": "text/turtle"})
        page = client.get("/id/actor/fama", headers={"Accept": "text/html"})
    subjects = {t.subject.value for t in ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)}
    assert "https://kg.example.org/sahel/id/actor/fama" in subjects
    assert not any(s.startswith("https://w3id.org/sahelkg/") for s in subjects)
    assert turtle.headers["content-location"] == "https://kg.example.org/sahel/id/actor/fama.ttl"
    assert 'href="https://kg.example.org/sahel/id/actor/wagner-group"' in page.text
