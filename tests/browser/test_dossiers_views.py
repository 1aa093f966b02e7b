"""The dossiers (actor, claim, document, other things) and the views (network, timeline, map, and
the query editor's #defaultView result views) in a real browser (Chromium): key content, no console
error or failed request, a screenshot, no serious or critical axe-core violation. Expected figures
come from SPARQL queries written here, independently of the pages' own queries."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.test_workbench import assert_accessible, sparql_rows

ID = "https://w3id.org/sahelkg/id/"
GEO = "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"


def test_the_wagner_dossier_shows_four_allegations_counts_and_what_a_denial_leaves(visit):
    visit.goto("/id/actor/wagner-group")
    page = visit.page
    assert page.locator("main h1").inner_text() == "Wagner Group"
    allegations = page.locator("section[aria-labelledby=against-title] > ol > li.claim")
    expected = sparql_rows(visit.base_url, f"""SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {{
        ?claim a/rdfs:subClassOf* skg:Allegation ; skg:qualifiedAccusation/skg:accusedActor <{ID}actor/wagner-group> }}""")
    assert allegations.count() == int(expected[0]["n"]["value"]) == 4
    text = page.locator("main").inner_text()
    assert "32+ civilians killed (at least)" in text
    assert "December 2024" in text
    assert "does not deny the part of" in page.locator(".denial").first.inner_text()
    # The affiliation network is drawn on the server, every actor a link.
    assert page.locator("svg.network-mini a[href='/id/actor/fama']").count() == 1
    # Technical fields are folded away.
    assert not page.locator("details#technical").evaluate("d => d.open")
    assert page.locator("details#technical").inner_text().strip().startswith("Technical details")
    visit.screenshot("dossier-actor")
    assert_accessible(visit)
    visit.assert_clean()


def test_a_claim_dossier_puts_the_quote_first_and_draws_its_source_chain(visit):
    visit.goto("/id/claim/a000-s4-csp-dpa-accuses")
    page = visit.page
    headline = page.locator("main h1").inner_text()
    assert "accuses" in headline and "Wagner Group" in headline
    quote_top = page.locator(".quotes--lead").bounding_box()
    chain_top = page.locator("svg.chain").bounding_box()
    assert quote_top and chain_top and quote_top["y"] < chain_top["y"]
    assert "carried out the attack" in page.locator(".quotes--lead").inner_text()
    for target in ("/id/actor/mohamed-elmaouloud-ramadane", "/id/actor/csp-dpa", "/id/document/a000",
                   "/id/document/a000-ramadane-statement"):
        assert page.locator(f"svg.chain a[href='{target}']").count() == 1, target
    denials = page.locator("section[aria-labelledby=denials-heading] li.claim")
    expected = sparql_rows(visit.base_url, f"""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{
        ?d skg:disputes <{ID}claim/a000-s4-csp-dpa-accuses> }}""")
    assert denials.count() == int(expected[0]["n"]["value"]) >= 1
    # The SHA-256 is there, but folded away.
    sha = page.locator("details#technical", has_text="64bf1840e8f9")
    assert sha.count() == 1 and not sha.evaluate("d => d.open")
    visit.screenshot("dossier-claim")
    assert_accessible(visit)
    visit.assert_clean()


def test_a_document_dossier_lists_what_derives_from_it_and_what_rests_on_it_alone(visit):
    visit.goto("/id/document/a000")
    page = visit.page
    derived = sparql_rows(visit.base_url, f"""SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {{
        ?doc skg:partOfDocument? <{ID}document/a000> .
        {{ ?claim skg:reportedIn ?doc }} UNION {{ ?claim skg:originallyStatedIn ?doc }} }}""")
    rows = page.locator("section[aria-labelledby=derived-title] li.claim")
    assert rows.count() == int(derived[0]["n"]["value"]) > 0
    assert page.locator(".retraction").inner_text() == "Not retracted."
    assert page.locator("section[aria-labelledby=derived-title] .warning", has_text="alone").count() >= 1
    visit.screenshot("dossier-document")
    assert_accessible(visit)
    visit.assert_clean()


@pytest.mark.parametrize("path", ["/id/event/a000-niono-vehicle-attack", "/id/place/niono", "/vocab/stance"])
def test_other_things_get_the_layout_and_every_statement(visit, path):
    visit.goto(path)
    assert visit.page.locator("header.site-header").count() == 1
    assert visit.page.locator("main h1").count() == 1
    assert visit.page.locator(".generic table").count() >= 1
    visit.screenshot("thing-" + path.strip("/").replace("/", "-"))
    assert_accessible(visit)
    visit.assert_clean()


def test_the_network_draws_every_actor_and_relation(visit_each):
    visit = visit_each
    visit.goto("/network")
    canvas = visit.page.locator("#view-canvas[data-ready=true]")
    canvas.wait_for()
    data = httpx.get(visit.base_url + "/network.json").json()
    assert int(canvas.get_attribute("data-nodes")) == len(data["nodes"]) > 5
    assert int(canvas.get_attribute("data-edges")) == len(data["edges"])
    pairs = {(e["source"], e["target"], e["type"]) for e in data["edges"]}
    assert ({(f"{ID}actor/fama", f"{ID}actor/jnim", "hostility"), (f"{ID}actor/jnim", f"{ID}actor/fama", "hostility")}
            & pairs)
    assert (f"{ID}actor/csp-dpa", f"{ID}actor/wagner-group", "accusation") in pairs
    visit.screenshot("network")
    assert_accessible(visit, exclude=("#view-canvas",))
    visit.assert_clean()


def test_the_network_filters_by_actor(visit):
    visit.goto("/network?actor=wagner-group&stance=accuses")
    canvas = visit.page.locator("#view-canvas[data-ready=true]")
    canvas.wait_for()
    data = httpx.get(visit.base_url + "/network.json", params={"actor": "wagner-group", "stance": "accuses"}).json()
    assert all(f"{ID}actor/wagner-group" in (e["source"], e["target"]) for e in data["edges"])
    assert all(e.get("stance", "accuses") == "accuses" for e in data["edges"])
    assert int(canvas.get_attribute("data-nodes")) == len(data["nodes"]) >= 3
    visit.assert_clean()


def test_the_timeline_shows_events_and_statements_with_their_precision(visit_each):
    visit = visit_each
    visit.goto("/timeline")
    canvas = visit.page.locator("#view-canvas[data-ready=true]")
    canvas.wait_for()
    events = sparql_rows(visit.base_url, """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
        ?c rdfs:subClassOf* skg:Occurrence . ?e a ?c ; skg:timeSpan/skg:startDate ?d }""")
    statements = sparql_rows(visit.base_url, """SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {
        ?claim skg:stance ?s ; skg:statementTime/skg:startDate ?d }""")
    expected = int(events[0]["n"]["value"]) + int(statements[0]["n"]["value"])
    assert int(canvas.get_attribute("data-items")) == expected
    assert int(canvas.get_attribute("data-not-drawn")) == 0
    status = visit.page.locator("#view-status").inner_text()
    assert f"{int(events[0]['n']['value'])} events and {int(statements[0]['n']['value'])} statements" in status
    assert visit.page.locator(".vis-item").count() > 0
    assert "December 2024" in (visit.page.locator(".view-table").text_content() or "")
    visit.screenshot("timeline")
    assert_accessible(visit, exclude=("#view-canvas",))
    visit.assert_clean()


def test_the_map_clusters_every_located_event_with_counts_that_split_on_click(visit_each):
    visit = visit_each
    page = visit.page
    visit.goto("/map")
    canvas = page.locator("#view-canvas[data-basemap=ready]")
    canvas.wait_for()
    located = sparql_rows(visit.base_url, GEO + """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
        ?c rdfs:subClassOf* skg:Occurrence . ?e a ?c .
        { ?e geo:hasGeometry/geo:asWKT ?w } UNION { ?e skg:location/geo:hasGeometry/geo:asWKT ?w } }""")
    expected = int(located[0]["n"]["value"])
    assert int(canvas.get_attribute("data-markers")) == expected
    assert f"{expected:,} events with coordinates" in page.locator("#view-status").inner_text()
    # Every event is drawn once: in a cluster's count or as its own marker (the view holds them all).
    clusters = page.locator(".marker-cluster")
    counts = [int(text.replace(",", "")) for text in page.locator(".marker-cluster span").all_inner_texts()]
    singles = page.locator(".map-marker").count()
    assert clusters.count() >= 1 and all(n >= 2 for n in counts)
    assert sum(counts) + singles == expected
    assert page.locator(".leaflet-overlay-pane path").count() > 100  # the country outlines
    visit.screenshot("map")
    assert_accessible(visit, exclude=("#view-canvas",))
    # A click on the largest cluster zooms in or spreads it out: its events become markers.
    largest = counts.index(max(counts))
    clusters.nth(largest).click()
    page.wait_for_function(f"document.querySelectorAll('#view-canvas .map-marker').length > {singles}")
    link = page.locator(".leaflet-popup-content a[href^='/id/']")
    for _attempt in range(10):  # spread markers may still be moving: a click can miss until they settle
        page.locator("#view-canvas .map-marker").last.click(force=True)
        try:
            link.wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    assert link.inner_text()
    # Past 5,000 events the page draws points weighing the events there (the JSON's places):
    # drawn from this server's places alone, the clusters and points still count every event.
    total = page.evaluate("""async () => {
        const data = await (await fetch("/map.json")).json();
        const host = document.createElement("div");
        host.id = "places-map";
        host.style.height = "400px";
        document.body.appendChild(host);
        window.SahelkgViews.drawMap(host, {points: [], places: data.places, total: data.total, types: data.types});
        return data.total;
    }""")
    assert total == expected
    page.wait_for_function("""(expected) => {
        const number = (e) => Number(e.textContent.replace(/,/g, ""));
        const host = document.getElementById("places-map");
        const clusters = [...host.querySelectorAll(".marker-cluster span")].map(number);
        const many = [...host.querySelectorAll(".map-dot--many")].map(number);
        const ones = host.querySelectorAll(".map-dot:not(.map-dot--many)").length;
        return clusters.concat(many).reduce((a, b) => a + b, 0) + ones === expected;
    }""", arg=expected, timeout=5000)
    visit.assert_clean()


def test_a_bad_filter_is_a_clear_400(seed_server):
    response = httpx.get(seed_server.url + "/map.json", params={"from": "January"})
    assert response.status_code == 400
    assert "YYYY" in response.json()["detail"]


@pytest.mark.parametrize(("view", "selector", "attribute"), [
    ("Map", "#yasr-view[data-markers]", "data-markers"),
    ("Timeline", "#yasr-view[data-items]", "data-items"),
    ("Graph", "#yasr-view[data-nodes]", "data-nodes"),
])
def test_the_query_editor_draws_default_views(visit, view, selector, attribute):
    queries = {
        "Map": GEO + """SELECT ?event ?eventLabel ?wkt WHERE {
  ?event skg:location/geo:hasGeometry/geo:asWKT ?wkt . ?event rdfs:label ?eventLabel . FILTER(LANG(?eventLabel) = "en") }""",
        "Timeline": """SELECT ?event ?eventLabel ?date WHERE {
  ?event skg:timeSpan/skg:startDate ?date . ?event rdfs:label ?eventLabel . FILTER(LANG(?eventLabel) = "en") }""",
        "Graph": """SELECT ?actor ?other WHERE { ?actor skg:inConflictWith ?other }""",
    }
    body = queries[view]
    text = f"#defaultView:{view}\nPREFIX skg: <https://w3id.org/sahelkg/ontology#>\n" \
           f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n{body}"
    visit.goto("/query?" + httpx.QueryParams({"query": text}).__str__())
    visit.page.locator(".yasqe .CodeMirror").wait_for()
    visit.page.locator(".yasqe_queryButton").click()
    drawn = visit.page.locator(selector)
    drawn.wait_for()
    rows = sparql_rows(visit.base_url, GEO + body if view == "Map" else body)
    if view == "Graph":
        expected = len({r[k]["value"] for r in rows for k in ("actor", "other")})
    else:
        expected = len(rows)
    assert expected > 0
    assert int(drawn.get_attribute(attribute)) == expected
    visit.screenshot(f"query-view-{view.lower()}")
    visit.assert_clean()


@pytest.mark.parametrize("path", ["/audit/contested?format=html", "/audit/claim/a000-s4-csp-dpa-accuses?format=html"])
def test_audits_are_pages_of_the_workbench_with_links(visit, path):
    visit.goto(path)
    page = visit.page
    assert page.locator("header.site-header").count() == 1 and page.locator("main h1").count() == 1
    assert page.locator("main table a[href^='/id/claim/']").count() >= 1
    visit.screenshot("audit-" + path.split("?")[0].strip("/").split("/")[1])
    assert_accessible(visit)
    visit.assert_clean()


@pytest.mark.parametrize("path", ["/id/actor/fama", "/id/event/acled-mli90001", "/id/document/acled-mli90001"])
def test_dossiers_on_imported_rows(browser, imported_server, path):
    from tests.browser.conftest import _visit

    for visit in _visit(browser, imported_server, "imported"):
        visit.goto(path)
        assert visit.page.locator("main h1").count() == 1
        if path.endswith("fama"):
            # ACLED's coded perpetrator row is an allegation by ACLED, listed with the sources' ones.
            claimants = visit.page.locator("section[aria-labelledby=against-title]").inner_text()
            assert "ACLED" in claimants and "Human Rights Watch" in claimants
        visit.screenshot("imported-" + path.strip("/").replace("/", "-"))
        assert_accessible(visit)
        visit.assert_clean()
