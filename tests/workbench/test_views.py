"""The data behind the network, timeline and map views, on the seed (in memory): what each holds
is checked against SPARQL written here; filters narrow it; bad filter values say what to write."""

from __future__ import annotations

import pytest

from sahelkg.web import views

ID = "https://w3id.org/sahelkg/id/"
PREFIXES = """PREFIX skg: <https://w3id.org/sahelkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
"""


def count(store, body: str) -> int:
    result = store.query(PREFIXES + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {body} }}")
    return int(result.rows[0][0].value)


def test_the_network_draws_hostility_once_and_accusations_by_organisation(seed_store):
    data = views.network(seed_store, views.Filters())
    hostile = [e for e in data["edges"] if e["type"] == "hostility"]
    pairs = {frozenset((e["source"], e["target"])) for e in hostile}
    assert len(pairs) == len(hostile)  # a relation stored both ways is one edge
    assert frozenset((ID + "actor/fama", ID + "actor/jnim")) in pairs
    accusations = {(e["source"], e["target"]) for e in data["edges"] if e["type"] == "accusation"}
    # The spokesperson speaks for CSP-DPA: the edge starts at the organisation.
    assert (ID + "actor/csp-dpa", ID + "actor/wagner-group") in accusations
    assert (ID + "actor/mohamed-elmaouloud-ramadane", ID + "actor/wagner-group") not in accusations
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])


def test_the_network_filters_by_actor_and_stance(seed_store):
    data = views.network(seed_store, views.Filters.parse({"actor": "wagner-group", "stance": "denies"}))
    assert data["edges"] and all(ID + "actor/wagner-group" in (e["source"], e["target"]) for e in data["edges"])
    assert {e.get("stance") for e in data["edges"] if e["type"] == "accusation"} <= {"denies"}


def test_the_timeline_holds_every_dated_event_and_statement(seed_store):
    data = views.timeline(seed_store, views.Filters())
    events = count(seed_store, "?c rdfs:subClassOf* skg:Occurrence . ?x a ?c ; skg:timeSpan/skg:startDate ?d")
    statements = count(seed_store, "?x skg:stance ?s ; skg:statementTime/skg:startDate ?d")
    assert len(data["items"]) == events + statements
    hrw = [i for i in data["items"] if i["when"] == "December 2024"]
    assert hrw and all(i["start"] == "2024-12-01" and i["end"] == "2024-12-31" for i in hrw)


def test_the_timeline_filters_by_date(seed_store):
    data = views.timeline(seed_store, views.Filters.parse({"from": "2025-01", "to": "2025-01"}))
    assert data["items"]
    assert all(i.get("end", i["start"]) >= "2025-01-01" and i["start"] <= "2025-01-31" for i in data["items"])


def test_the_map_places_each_located_event_once(seed_store):
    data = views.map_points(seed_store, views.Filters())
    located = count(seed_store, """?c rdfs:subClassOf* skg:Occurrence . ?x a ?c .
        { ?x geo:hasGeometry/geo:asWKT ?w } UNION { ?x skg:location/geo:hasGeometry/geo:asWKT ?w }""")
    assert len(data["points"]) == located
    assert len({p["id"] for p in data["points"]}) == located
    assert all(-180 <= p["lon"] <= 180 and -90 <= p["lat"] <= 90 for p in data["points"])


@pytest.mark.parametrize(("params", "says"), [
    ({"from": "January"}, "YYYY"), ({"to": "2025-13"}, "month"), ({"from": "2025-02-30"}, "28 days"),
    ({"stance": "shouts"}, "accuses"), ({"actor": "a b"}, "not an IRI"), ({"type": "<x>"}, "event type"),
])
def test_bad_filters_say_what_to_write(params, says):
    with pytest.raises(views.FilterError, match=says):
        views.Filters.parse(params)
