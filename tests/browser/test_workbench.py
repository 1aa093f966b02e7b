"""The workbench in a real browser (Chromium): landing page, search and typeahead, query editor,
offline API docs. Each page: no console error, no failed request, the key content present, a
screenshot, and no serious or critical axe-core violation."""

from __future__ import annotations

import httpx
import pytest

from sahelkg.sparql.saved_queries import load_queries

COUNT_QUERIES = {
    # Written here, independently of the page's own queries: instances of a class or its subclasses.
    "actors": "skg:Actor", "claims": "skg:Claim", "documents": "skg:Document", "places": "skg:Place",
}


def sparql_rows(base_url: str, query: str) -> list[dict]:
    prologue = ("PREFIX skg: <https://w3id.org/sahelkg/ontology#>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    response = httpx.post(base_url + "/sparql", data={"query": prologue + query},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    response.raise_for_status()
    return response.json()["results"]["bindings"]


def assert_accessible(visit, **kwargs) -> None:
    violations = visit.axe_violations(**kwargs)
    assert violations == [], violations


def test_landing_page_counts_match_sparql(visit_each):
    visit = visit_each
    visit.goto("/")
    for key, cls in COUNT_QUERIES.items():
        rows = sparql_rows(visit.base_url, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?c rdfs:subClassOf* {cls} . ?x a ?c }}")
        expected = int(rows[0]["n"]["value"])
        shown = visit.page.inner_text(f"[data-count={key}] .count__number").replace(",", "")
        assert int(shown) == expected, f"{key}: page shows {shown}, SPARQL counts {expected}"
        assert expected > 0
    mali = visit.page.locator("#by-country tbody tr", has_text="Mali").first
    events_in_mali = sparql_rows(visit.base_url, """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
        ?c rdfs:subClassOf* skg:Occurrence . ?e a ?c ;
        skg:location/skg:withinPlace* <https://w3id.org/sahelkg/id/place/mali> }""")
    assert mali.locator("td").first.inner_text() == events_in_mali[0]["n"]["value"]
    assert visit.page.locator(".recent li a").count() >= 3
    for link in ("/query", "/queries", "/dumps", "/docs"):
        assert visit.page.locator(f"main a[href='{link}']").count() >= 1, link
    visit.screenshot("landing")
    assert_accessible(visit)
    visit.assert_clean()


def test_landing_page_answers_json_to_json_clients(seed_server):
    response = httpx.get(seed_server.url + "/", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.json()["counts"]["actors"] > 0


def test_search_finds_fama_folded_and_its_link_works(visit_each):
    visit = visit_each
    visit.goto("/search?q=fama")
    first = visit.page.locator(".results li").first
    assert first.locator(".badge").inner_text() == "Actor"
    link = first.locator("a")
    assert link.inner_text() == "Malian Armed Forces"
    assert link.get_attribute("href") == "/id/actor/fama"
    visit.screenshot("search")
    assert_accessible(visit)
    link.click()
    visit.page.wait_for_load_state("networkidle")
    assert visit.page.url.endswith("/id/actor/fama")
    assert "Malian Armed Forces" in visit.page.content()
    visit.assert_clean()


def test_search_folds_accents_and_case(seed_server):
    for text in ("SEGOU", "ségou", "Segou"):
        response = httpx.get(seed_server.url + "/search.json", params={"q": text})
        labels = [hit["label"] for hit in response.json()["results"]]
        assert "Ségou region" in labels, (text, labels)


def test_search_finds_imported_events_and_their_records(imported_server):
    found = httpx.get(imported_server.url + "/search.json", params={"q": "mli90001"}).json()
    assert {hit["kind"] for hit in found["results"]} == {"event", "document"}
    event = next(hit for hit in found["results"] if hit["kind"] == "event")
    assert httpx.get(imported_server.url + event["href"], headers={"Accept": "text/html"}).status_code == 200
    actor = httpx.get(imported_server.url + "/search.json", params={"q": "military forces of mali"}).json()
    assert actor["results"][0]["href"] == "/id/actor/fama"


def test_typeahead_suggests_and_navigates(visit):
    visit.goto("/")
    box = visit.page.locator("#site-search-input")
    box.click()
    box.press_sequentially("wagn", delay=30)
    option = visit.page.locator("#site-search-suggestions [role=option]").first
    option.wait_for(state="visible")
    assert "Wagner Group" in option.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    visit.screenshot("typeahead")
    box.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    box.press("Enter")
    visit.page.wait_for_url("**/id/actor/wagner-group")
    visit.assert_clean()


@pytest.mark.parametrize("path", ["/query", "/sparql"])
def test_query_editor_runs_a_saved_query(visit, path):
    visit.goto(path)
    visit.page.locator(".yasqe .CodeMirror").wait_for()
    name = "cq2-disputed-allegations"
    visit.page.select_option("#query-menu", f"saved:{name}")
    editor_text = visit.page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert "skg:disputes" in editor_text
    visit.page.locator(".yasqe_queryButton").click()
    rows = visit.page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    expected = sparql_rows(visit.base_url, load_queries()[name].body)
    assert len(expected) > 0
    assert rows.count() == len(expected)
    assert visit.page.locator(".yasr_downloadIcon").count() == 1
    # Our IRIs in the table link to their pages on this service.
    assert visit.page.locator(".yasr table a[href='/id/actor/fama']").count() >= 1
    visit.screenshot("query-editor" if path == "/query" else "sparql-in-browser")
    assert_accessible(visit)
    visit.assert_clean()


def test_sparql_keeps_the_service_description_for_rdf_clients(seed_server):
    for accept in (None, "text/turtle", "*/*"):
        headers = {"Accept": accept} if accept else {}
        response = httpx.get(seed_server.url + "/sparql", headers=headers)
        assert response.headers["content-type"].startswith("text/turtle"), accept
        assert "sparql-service-description" in response.text


def test_docs_render_offline(visit):
    visit.goto("/docs")
    operations = visit.page.locator(".opblock")
    operations.first.wait_for()
    spec = httpx.get(visit.base_url + "/openapi.json").json()
    documented = sum(len([m for m in item if m in ("get", "put", "post", "delete", "patch", "head")])
                     for item in spec["paths"].values())
    assert operations.count() == documented
    assert visit.page.locator(".opblock-summary-path", has_text="/sparql").count() >= 1
    visit.screenshot("api-docs")
    assert_accessible(visit)
    visit.assert_clean()


@pytest.mark.parametrize("path", ["/audit", "/dumps"])
def test_index_pages(visit, path):
    visit.goto(path)
    assert visit.page.locator("main h1").count() == 1
    visit.screenshot(path.strip("/"))
    assert_accessible(visit)
    visit.assert_clean()
