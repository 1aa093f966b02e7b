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


def test_the_timeline_draws_the_latest_events_and_counts_the_others(seed_store):
    total = count(seed_store, "?c rdfs:subClassOf* skg:Occurrence . ?x a ?c ; skg:timeSpan/skg:startDate ?d")
    latest = seed_store.query(PREFIXES + """SELECT ?d WHERE { ?c rdfs:subClassOf* skg:Occurrence .
        ?x a ?c ; skg:timeSpan/skg:startDate ?d } ORDER BY DESC(?d) LIMIT 3""")
    data = views.timeline(seed_store, views.Filters(), limit=3)
    drawn = [i for i in data["items"] if i["group"] == "events"]
    assert data["truncated"] and data["total"]["events"] == total > 3 and data["shown"]["events"] == len(drawn) == 3
    assert sorted(i["start"] for i in drawn) == sorted(str(r[0].value)[:10] for r in latest.rows)
    assert sum(b["count"] for b in data["not_drawn"]) == total - 3
    assert all(b["start"] <= b["end"] <= min(i["start"] for i in drawn) for b in data["not_drawn"])


@pytest.mark.parametrize("view", ["timeline", "map"])
def test_a_cut_view_says_how_many_it_shows_of_how_many(seed_store, view):
    from sahelkg.web import layout

    data = views.timeline(seed_store, views.Filters(), limit=3) if view == "timeline" else \
        views.map_points(seed_store, views.Filters(), limit=2)
    for entry in data.get("items", data.get("points", [])):
        entry["href"] = "/id/x"
    html = layout.render(f"{view}.html", request_path=f"/{view}", title=view, view=view, data=data, config={},
                         filters={}, choices={"countries": [], "types": [], "actors": []}, stances=views.STANCES)
    if view == "timeline":
        assert f"3 of {data['total']['events']} events (the latest)" in html
        assert "narrow the filters" in html and f"counted per {data['not_drawn_unit']}" in html
    else:
        assert f"All {data['total']} matching events with coordinates are counted" in html
        assert "the latest 2 are listed" in html


def test_the_timeline_filters_by_actor_as_the_events_and_claims_say(seed_store):
    wagner = f"<{ID}actor/wagner-group>"
    expected = count(seed_store, f"""?c rdfs:subClassOf* skg:Occurrence . ?x a ?c ; skg:timeSpan/skg:startDate ?d .
        {{ ?x skg:hadParticipant|skg:involves {wagner} }}
        UNION {{ ?claim skg:about ?x . {{ ?claim skg:accused|skg:involves|skg:claimant {wagner} }}
                 UNION {{ ?claim skg:qualifiedAccusation/skg:candidateActor {wagner} }} }}""")
    data = views.timeline(seed_store, views.Filters.parse({"actor": "wagner-group"}))
    events = [i["id"] for i in data["items"] if i["group"] == "events"]
    assert len(events) == len(set(events)) == data["total"]["events"] == expected > 0


def test_the_map_counts_every_point_when_it_cannot_list_every_event(seed_store):
    located = count(seed_store, """?c rdfs:subClassOf* skg:Occurrence . ?x a ?c .
        { ?x geo:hasGeometry/geo:asWKT ?w } UNION { ?x skg:location/geo:hasGeometry/geo:asWKT ?w }""")
    data = views.map_points(seed_store, views.Filters(), limit=2)
    assert data["truncated"] and len(data["points"]) == 2 and data["total"] == located > 2
    assert sum(place["count"] for place in data["places"]) == located
    assert all(sum(place["types"].values()) == place["count"] for place in data["places"])
    assert len({(place["lon"], place["lat"]) for place in data["places"]}) == len(data["places"])


@pytest.mark.parametrize(("params", "says"), [
    ({"from": "January"}, "YYYY"), ({"to": "2025-13"}, "month"), ({"from": "2025-02-30"}, "28 days"),
    ({"stance": "shouts"}, "accuses"), ({"actor": "a b"}, "not an IRI"), ({"type": "<x>"}, "event type"),
])
def test_bad_filters_say_what_to_write(params, says):
    with pytest.raises(views.FilterError, match=says):
        views.Filters.parse(params)
