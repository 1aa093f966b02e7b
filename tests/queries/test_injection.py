"""Parameter values are bound as RDF terms: no value can change a saved query's shape."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.sparql.saved_queries import InvalidParameter, load_queries, parse_query_file, values_block

NASTY_STRINGS = [
    'Wagner Group"@en . } ?s ?p ?o . FILTER("x',
    'Wagner Group" } UNION { ?actor ?p ?o } #',
    "x' } ; DROP ALL ; #",
    "} } } SELECT * WHERE { ?s ?p ?o }",
    "# comment the rest away",
    "line one\n} UNION { ?actor ?p ?o }\n#",
    "\\u0022 } UNION { ?actor ?p ?o } #",       # a SPARQL \u escape of '"' written as text
    "\\\\u0022) } #",                           # escaped backslash before the escape
    "\\\"\\\\\"\" }",
    "<http://example.org/x> } #",
    "tab\tand\rreturn and \u2028 and NUL-free unicode é ü",
]

NASTY_IRIS = [
    "http://example.org/a> } UNION { ?s ?p ?o } #",
    "http://example.org/a>",
    'http://example.org/"quote',
    "http://example.org/a b",
    "http://example.org/{x}",
    "http://example.org/\nnewline",
    "actor:fama> ?p ?o } #",
    "not an iri",
    "\\u003E",
]


@pytest.fixture
def by_label(tmp_path):
    """A saved query that finds actors whose English name equals a string parameter."""
    path = tmp_path / "by-label.rq"
    path.write_text(
        "#+ title: Actors by English name\n"
        "#+ description: Finds actors whose English preferred name is exactly the given text.\n"
        "#+ param: label string required -- the name\n"
        "#+ example: GET /queries/by-label?label=Wagner%20Group\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?actor ?label WHERE {\n"
        "  ?actor skos:prefLabel ?name .\n"
        "  FILTER(STR(?name) = ?label)\n"
        "}\n"
        "ORDER BY ?actor\n", encoding="utf-8")
    return parse_query_file(path)


def test_a_plain_value_finds_the_actor(seed_store, by_label):
    result = by_label.run(seed_store, {"label": "Wagner Group"})
    assert [row[0].value for row in result.rows] == ["https://w3id.org/sahelkg/id/actor/wagner-group"]


@pytest.mark.parametrize("value", NASTY_STRINGS)
def test_a_hostile_string_stays_one_literal(seed_store, by_label, value):
    bound = by_label.bind({"label": value})
    block = values_block({"label": ox.Literal(value)})
    # The text outside the VALUES block is the file's query text, untouched …
    assert bound.replace(block, "", 1) == by_label.body
    # … and the engine reads the block back as exactly one term equal to the value.
    probe = ox.Store().query("SELECT ?label WHERE {" + block + "}")
    solutions = list(probe)
    assert len(solutions) == 1 and solutions[0]["label"] == ox.Literal(value)
    # Nothing matches, where a broken-out pattern would have returned rows.
    assert by_label.run(seed_store, {"label": value}).rows == []


@pytest.mark.parametrize("value", NASTY_IRIS)
def test_a_hostile_iri_is_refused_before_any_query_runs(value):
    query = load_queries()["cq1-accusations-of-event"]
    with pytest.raises(InvalidParameter, match="event"):
        query.bind({"event": value})


def test_an_iri_is_bound_as_an_iri_not_as_text(seed_store):
    query = load_queries()["cq2-disputed-allegations"]
    bound = query.bind({"accused": "https://w3id.org/sahelkg/id/actor/fama"})
    assert "VALUES (?accused) { (<https://w3id.org/sahelkg/id/actor/fama>) }" in bound
    assert bound.replace(values_block({"accused": ox.NamedNode("https://w3id.org/sahelkg/id/actor/fama")}), "", 1) \
        == query.body


@pytest.mark.parametrize(("kind", "value"), [
    ("date", "2025-13-01"), ("date", "2025-01-02T00:00:00"), ("date", '2025-01-02"^^<x>'), ("date", "yesterday"),
    ("integer", "1.5"), ("integer", "1 } #"), ("integer", "0x10"), ("integer", ""),
])
def test_a_value_of_the_wrong_type_is_refused(kind, value, tmp_path):
    path = tmp_path / "typed.rq"
    path.write_text(f"#+ title: t\n#+ description: d\n#+ param: v {kind} required -- v\n#+ example: e\n"
                    "SELECT ?v WHERE { } ORDER BY ?v\n", encoding="utf-8")
    query = parse_query_file(path)
    with pytest.raises(InvalidParameter, match="'v'"):
        query.bind({"v": value})


def test_typed_values_become_typed_literals(tmp_path):
    path = tmp_path / "typed.rq"
    path.write_text("#+ title: t\n#+ description: d\n#+ param: day date required -- d\n"
                    "#+ param: n integer default=3 -- n\n#+ example: e\nSELECT ?day ?n WHERE { }\n", encoding="utf-8")
    rows = list(ox.Store().query(parse_query_file(path).bind({"day": "2025-01-02", "n": "+07"})))
    assert rows[0]["day"] == ox.Literal("2025-01-02", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert rows[0]["n"] == ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def test_unknown_and_missing_parameters_are_refused(by_label):
    with pytest.raises(InvalidParameter, match="unknown parameter"):
        by_label.bind({"label": "x", "other": "y"})
    with pytest.raises(InvalidParameter, match="required"):
        by_label.bind({})


@pytest.mark.parametrize("iri", ["http://example.org/a#frag", "http://example.org/x?q=1&y=';DROP%20ALL",
                                 "urn:x:a(b)*c", "http://example.org/é/ü"])
def test_an_unusual_but_valid_iri_is_bound_exactly(iri):
    query = load_queries()["cq2-disputed-allegations"]
    bound = query.bind({"accused": iri})
    block = values_block({"accused": ox.NamedNode(iri)})
    assert bound.replace(block, "", 1) == query.body
    solutions = list(ox.Store().query("SELECT ?accused WHERE {" + block + "}"))
    assert [s["accused"] for s in solutions] == [ox.NamedNode(iri)]
