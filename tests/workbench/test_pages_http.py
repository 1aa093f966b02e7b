"""The workbench over HTTP on a real server: content negotiation, the search index following
writes, bad input refused with a clear problem, the static files, and the page policy."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.service.conftest import Server, start_server

TOKEN = "workbench-test-token"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def server(seed_nquads) -> Iterator[Server]:
    running = start_server(str(seed_nquads), env={"SAHELKG_WORKERS": "2"}, token=TOKEN)
    yield running
    running.stop()


def test_landing_negotiates_html_and_json(server):
    with server.client() as client:
        html = client.get("/", headers={"Accept": BROWSER_ACCEPT})
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in html.headers["content-security-policy"]
        assert "unsafe-inline" not in html.headers["content-security-policy"]
        data = client.get("/", headers={"Accept": "application/json"}).json()
        assert data["counts"]["actors"] > 0 and data["byCountry"] and data["recentSources"]
        assert client.get("/", params={"format": "json"}).headers["content-type"].startswith("application/json")
        assert client.get("/", headers={"Accept": "image/png"}).status_code == 406


def test_the_index_follows_a_write(server):
    alias = "Zzqx Brigade"
    with server.client() as client:
        assert client.get("/search.json", params={"q": "zzqx"}).json()["total"] == 0
        update = ('PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n'
                  'INSERT DATA { GRAPH <https://w3id.org/sahelkg/graph/reference> {\n'
                  f'  <https://w3id.org/sahelkg/id/actor/fama> skos:altLabel "{alias}"@en }} }}')
        written = client.post("/update", data={"update": update}, headers=server.auth())
        assert written.status_code in (200, 204), written.text
        found = client.get("/search.json", params={"q": "zzqx brig"}).json()
        assert [hit["href"] for hit in found["results"]] == ["/id/actor/fama"]
        assert found["results"][0]["matched"] == alias
        landing = client.get("/", headers={"Accept": "application/json"}).json()
        assert landing["counts"]["actors"] > 0


@pytest.mark.parametrize(("params", "kind"), [
    ({"q": "x" * 201}, "search-too-long"),
    ({"q": "mali", "kind": "weapon"}, "unknown-kind"),
    ({"q": "mali", "limit": "0"}, "bad-limit"),
    ({"q": "mali", "limit": "many"}, "bad-limit"),
])
def test_bad_search_input_is_a_problem_saying_what_to_do(server, params, kind):
    response = httpx.get(server.url + "/search.json", params=params)
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"].endswith(kind) and problem["detail"]


def test_search_page_describes_each_hit(server):
    found = httpx.get(server.url + "/search", params={"q": "mali", "format": "json"}).json()
    details = {hit["href"]: hit["detail"] for hit in found["results"]}
    assert details["/id/actor/fama"] == "State armed force · Mali"
    assert details["/id/place/mali"] == "Country"
    assert details["/id/event/a000-coup-2020"] == "Coup · Mali · 2020"


def test_search_page_escapes_what_it_echoes(server):
    response = httpx.get(server.url + "/search", params={"q": "<script>alert(1)</script>"},
                         headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "&lt;script&gt;" in response.text


def test_sparql_shows_the_editor_to_browsers_only(server):
    browser = httpx.get(server.url + "/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert browser.headers["content-type"].startswith("text/html") and 'id="yasgui"' in browser.text
    for accept in ("text/turtle", "application/ld+json", "*/*"):
        response = httpx.get(server.url + "/sparql", headers={"Accept": accept})
        assert not response.headers["content-type"].startswith("text/html"), accept
    asked = httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, headers={"Accept": BROWSER_ACCEPT})
    assert asked.status_code == 200 and not asked.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/", "/static/nothing.js",
                                  "/static/..%2Flayout.py"])
def test_static_serves_nothing_outside_its_folder(server, path):
    response = httpx.get(server.url + path)
    assert response.status_code == 404
    assert "import" not in response.text


def test_static_files_are_cached_by_version(server):
    page = httpx.get(server.url + "/query", headers={"Accept": BROWSER_ACCEPT}).text
    assert "/static/js/query.js?v=" in page
    vendored = httpx.get(server.url + "/static/vendor/leaflet@1.9.4/dist/leaflet.css")
    assert vendored.status_code == 200 and "immutable" in vendored.headers["cache-control"]
    assert httpx.get(server.url + "/favicon.ico").headers["content-type"].startswith("image/svg+xml")


def test_docs_use_no_cdn(server):
    page = httpx.get(server.url + "/docs").text
    assert "cdn." not in page and "/static/vendor/swagger-ui-dist@" in page
    assert httpx.get(server.url + "/redoc").status_code == 404
