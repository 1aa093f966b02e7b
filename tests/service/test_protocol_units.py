"""The protocol helpers on their own: negotiation, the safety scan, update planning."""

from __future__ import annotations

import pytest

from sahelkg.problems import Problem
from sahelkg.sparql.protocol import (
    GRAPH_TYPES,
    MAX_NESTING,
    RESULT_TYPES,
    check_nesting,
    check_query_safety,
    check_update_safety,
    has_dataset_clause,
    negotiate,
    safety_scan,
)
from sahelkg.store.updating import plan_update


@pytest.mark.parametrize("accept,expected", [
    ("text/csv;q=0, */*", "application/sparql-results+json"),
    ("text/csv;q=0", None),
    ("application/xml, text/*;q=0.3", "text/csv"),
    ("application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.9", "application/sparql-results+json"),
    ("APPLICATION/SPARQL-RESULTS+XML", "application/sparql-results+xml"),
])
def test_negotiation_prefers_highest_q_then_our_order(accept, expected):
    assert negotiate(accept, RESULT_TYPES) == expected


def test_format_parameter_names_a_short_name_or_a_media_type():
    assert negotiate("text/csv", RESULT_TYPES, format_param="json") == "application/sparql-results+json"
    assert negotiate(None, GRAPH_TYPES, format_param="application/trig") == "application/trig"
    assert negotiate(None, GRAPH_TYPES, format_param="csv") is None


@pytest.mark.parametrize("text", [
    "SELECT * { ?s <http://ex/service> ?o }",
    "PREFIX ex: <http://ex/> SELECT * { ?s ex:service ?service }",
    'SELECT * { ?s ?p "SERVICE <http://evil/> { }" }',
    "SELECT * { ?s ?p ?o } # LOAD <http://evil/>",
    "SELECT ?load ?define { ?load ?define ?o }",
])
def test_safety_scan_ignores_names_strings_and_comments(text):
    scan = safety_scan(text)
    assert scan.services == [] and not scan.problems and not scan.keywords


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o .SERVICE <http://evil/> { ?s ?p ?o } }",
    "SELECT * { SERVICE<http://evil/> { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://evil/> { ?s ?p ?o } }",
    "SELECT * { \u017fervice <http://evil/> { ?s ?p ?o } }",  # long s: the same letter to (?i)
    "SELECT * { SERVICE $endpoint { ?s ?p ?o } }",
    "PREFIX : <http://evil/> SELECT * { SERVICE :sparql { ?s ?p ?o } }",
])
def test_safety_scan_refuses_every_spelling_of_service(text):
    with pytest.raises(Problem) as error:
        check_query_safety(text, ("http://allowed/sparql",))
    assert error.value.status == 403


def test_nesting_counts_depth_not_brackets():
    check_nesting("ASK {" + "{ }" * 100 + "}")  # 101 brackets, two deep
    check_nesting("ASK " + "{" * MAX_NESTING + "}" * MAX_NESTING)
    with pytest.raises(Problem) as error:
        check_nesting("ASK " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1))
    assert error.value.kind == "too-deeply-nested"


def test_allow_listed_service_passes_and_load_never_does():
    check_query_safety("SELECT * { SERVICE <http://allowed/sparql> { ?s ?p ?o } }", ("http://allowed/sparql",))
    with pytest.raises(Problem):
        check_update_safety("LOAD <http://allowed/sparql>", ("http://allowed/sparql",))


def test_from_is_detected_outside_strings_only():
    assert has_dataset_clause("SELECT * FROM <urn:g> { ?s ?p ?o }")
    assert not has_dataset_clause('SELECT * { ?s ?p "FROM <urn:g>" }')
    assert not has_dataset_clause("SELECT ?from { ?from ?p ?o }")


def test_update_plan_lists_what_the_update_can_touch():
    plan = plan_update("""PREFIX ex: <http://ex/>
        WITH <http://g> DELETE { ?s ex:p ?o } INSERT { GRAPH ?g { ?s ex:q 1 } } WHERE { ?s ex:p ?o } ;
        CLEAR GRAPH <http://h>""")
    assert plan.patterns == [[None, "<http://ex/p>", None, "<http://g>"], [None, "<http://ex/q>", None, None],
                             [None, None, None, "<http://h>"]]


def test_protocol_using_parameters_are_added_before_where_and_conflicts_refused():
    plan = plan_update("INSERT { GRAPH <http://o> { ?s ?p ?o } } WHERE { ?s ?p ?o }", using_graph_uris=["http://d"],
                       using_named_graph_uris=["http://n"])
    assert "USING <http://d> USING NAMED <http://n> WHERE" in plan.text
    with pytest.raises(Problem) as error:
        plan_update("WITH <http://w> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", using_graph_uris=["http://d"])
    assert error.value.status == 400


def test_update_syntax_errors_say_where():
    with pytest.raises(Problem) as error:
        plan_update("INSERT DATA {\n  <http://a> <http://b> \n}")
    assert error.value.status == 400 and error.value.extra["line"] >= 2
