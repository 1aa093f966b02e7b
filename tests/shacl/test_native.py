"""The shapes compiled to Python (sahelkg.gate.engine_native): it compiles every shape of the file,
refuses what it was not written for, and the gate falls back to another engine when the data
holds a value it cannot judge as SPARQL would. Its results are checked against pyshacl by
test_fixtures.py and test_gate_equivalence.py."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH

from sahelkg.gate import engine_native as validation_native
from sahelkg.gate import validation
from sahelkg.store.change import Change
from sahelkg.store.encoded import EncodedQuads, iri, literal

from .conftest import gate_engine, gate_results, reference_report

SKG = "https://w3id.org/sahelkg/ontology#"
ID = "https://w3id.org/sahelkg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
A000 = ox.NamedNode("https://w3id.org/sahelkg/graph/source/a000")


def test_every_shape_of_the_file_compiles_including_each_sparql_constraint():
    assert validation_native.available()
    shapes, constants = validation_native.compiled_shapes()
    g = validation.shapes_graph()
    targeted = set(g.subjects(SH.targetClass)) | set(g.subjects(SH.targetObjectsOf)) | set(g.subjects(SH.targetSubjectsOf))
    assert {s.name for s in shapes} == {str(s) for s in targeted}
    queries = [c for c in constants.values() if isinstance(c, validation_native.SparqlCheck)]
    assert {q.check.source_constraint for q in queries} == {str(c) for c in g.subjects(SH.select)}
    # Each runs its own text from the shapes file, not a copy.
    for query in queries:
        select = str(g.value(rdflib.URIRef(query.check.source_constraint), SH.select))
        assert select.replace("$this", "?this") in query.query


def test_an_edited_sparql_constraint_runs_with_its_new_meaning(monkeypatch, tmp_path):
    """Edit a SHACL-SPARQL query in the shapes file: the Python engine follows the edit as pyshacl
    does (there is no second copy of the rule to keep in step)."""
    from sahelkg.gate import shapes

    text = shapes.SHAPES_PATH.read_text(encoding="utf-8")
    assert text.count("FILTER (!BOUND(?maximum) || ?maximum != ?minimum)") == 1  # CountShape-exactBounds
    edited = tmp_path / "shapes.ttl"
    edited.write_text(text.replace("?maximum != ?minimum", "?maximum = ?minimum"), encoding="utf-8")
    constraint = SKG + "CountShape-exactBounds"
    count = ID + "count/t-exact"
    quads = [ox.Quad(ox.NamedNode(count), ox.NamedNode(p), o, A000) for p, o in (
        (validation.RDF_TYPE, ox.NamedNode(SKG + "Count")),
        (SKG + "qualifier", ox.NamedNode("https://w3id.org/sahelkg/vocab/count-qualifier/exact")),
        (SKG + "minimum", ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))),
        (SKG + "maximum", ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))))]

    def exact_bounds(report) -> list[tuple]:
        return sorted((r.focus_node, r.path, r.value) for r in report.results if r.source_constraint == constraint)

    def clear() -> None:
        for cached in (shapes.shapes_graph, shapes.reads, validation_native.compiled_shapes,
                       validation_native._plan_source, validation_native.inverse_predicates):
            cached.cache_clear()

    assert exact_bounds(validation_native.validate_quads(quads)) == []  # min = max: the rule as written holds
    monkeypatch.setattr(shapes, "SHAPES_PATH", edited)
    clear()
    try:
        native, reference = validation_native.validate_quads(quads), reference_report(quads)
    finally:
        monkeypatch.undo()
        clear()
    assert exact_bounds(native) == exact_bounds(reference) == [(count, SKG + "maximum", '"5"^^<' + XSD + 'integer>')]
    assert exact_bounds(validation_native.validate_quads(quads)) == []


def test_a_value_it_cannot_judge_sends_the_change_to_another_engine(seed_store, monkeypatch):
    """A date with a time zone: SPARQL compares it, the Python checks do not; the gate must still
    answer as pyshacl does (through the fallback), not accept or refuse on a guess."""
    claim = ox.NamedNode(ID + "claim/a000-s9-hrw-fama-wagner")
    (statement_time,) = [q.object for q in seed_store.quads(claim, ox.NamedNode(SKG + "statementTime"))]
    end_date = ox.NamedNode(SKG + "endDate")
    zoned = ox.Literal("2019-01-01Z", datatype=ox.NamedNode(XSD + "date"))
    change = Change(removals=tuple(seed_store.quads(statement_time, end_date)),
                    additions=(ox.Quad(statement_time, end_date, zoned, A000),))
    fallbacks = []
    original = validation_native.validate

    def recording_validate(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except validation_native.Unsupported as error:
            fallbacks.append(str(error))
            raise

    monkeypatch.setattr(validation_native, "validate", recording_validate)
    with gate_engine("native"):
        native = validation.check_change(seed_store, change)
    with gate_engine("pyshacl"):
        reference = validation.check_change(seed_store, change)
    assert fallbacks and "time zone" in fallbacks[0]
    assert gate_results(native) == gate_results(reference)
    assert not reference.conforms  # stated before the event it is about


def test_an_encoded_change_is_checked_without_parsing_it_into_quads(seed_store, monkeypatch):
    """The gate reads EncodedQuads rows as they are; a bad count among them is found."""
    count = iri(ID + "count/t-encoded")
    a000 = iri(A000.value)
    rows = [(count, iri(validation.RDF_TYPE), iri(SKG + "Count"), a000),
            (count, iri(SKG + "minimum"), literal("-4", XSD + "integer"), a000)]
    monkeypatch.setattr(EncodedQuads, "__iter__", lambda self: pytest.fail("the gate parsed the rows"))
    with gate_engine("native"):
        report = validation.check_change(seed_store, Change(additions=EncodedQuads(rows)))
    assert not report.conforms
    bad = {(r.focus_node, r.path, r.constraint_component.rsplit("#", 1)[-1]) for r in report.results}
    assert (ID + "count/t-encoded", SKG + "minimum", "MinInclusiveConstraintComponent") in bad
    assert (ID + "count/t-encoded", SKG + "countOf", "MinCountConstraintComponent") in bad


def test_many_focus_nodes_are_checked_in_two_processes_with_the_same_results(seed_store, monkeypatch):
    """The gate forks a second process for half the focus nodes of a big change: the merged
    report equals the one-process report (a change that breaks rules on several nodes)."""
    import os

    rows = []
    a000 = iri(A000.value)
    for n in range(40):
        count = iri(f"{ID}count/t-parallel-{n}")
        rows += [(count, iri(validation.RDF_TYPE), iri(SKG + "Count"), a000),
                 (count, iri(SKG + "minimum"), literal(str(n - 20), XSD + "integer"), a000)]
    change = Change(additions=EncodedQuads(rows))
    with gate_engine("native"):
        monkeypatch.setattr(validation, "PARALLEL_FOCUS_NODES", 10**9)
        serial = validation.check_change(seed_store, change)
        forks = []
        real_fork = os.fork

        def counting_fork():
            forks.append(1)
            return real_fork()

        monkeypatch.setattr(validation, "PARALLEL_FOCUS_NODES", 2)
        monkeypatch.setattr(validation.forked, "fork_is_safe", lambda: True)
        monkeypatch.setattr(os, "fork", counting_fork)
        parallel = validation.check_change(seed_store, change)
    assert forks == [1]
    assert not serial.conforms and len(serial.results) > 40
    assert gate_results(parallel) == gate_results(serial)
    assert parallel.focus_nodes == serial.focus_nodes == 41  # the counts and their source graph


def test_a_store_is_read_whole_for_full_validation_whatever_its_literals_hold():
    """validate_store reads each graph as N-Triples text split in bulk: literals holding ' .',
    quotes, line and paragraph separators, and a triple held by two graphs, give the results
    the same quads give when validated as quads."""
    from sahelkg.store import EmbeddedStore

    graph = ox.NamedNode("https://w3id.org/sahelkg/graph/source/t-text")
    other = ox.NamedNode("https://w3id.org/sahelkg/graph/source/t-text-2")
    count = ox.NamedNode(f"{ID}count/t-text")
    wording = ox.NamedNode(SKG + "originalWording")
    quads = [ox.Quad(count, ox.NamedNode(validation.RDF_TYPE), ox.NamedNode(SKG + "Count"), graph),
             ox.Quad(count, ox.NamedNode(validation.RDF_TYPE), ox.NamedNode(SKG + "Count"), other),
             ox.Quad(count, wording, ox.Literal('six " killed .\nat dawn \u2028 near . the well .', language="en"), graph),
             ox.Quad(count, ox.NamedNode(SKG + "minimum"), ox.Literal("-1", datatype=ox.NamedNode(XSD + "integer")), graph)]
    store = EmbeddedStore()
    store.load_quads(quads)
    report = validation.validate_store(store)
    expected = validation.validate_quads(quads)
    assert not report.conforms
    assert gate_results(report) == gate_results(expected)
    assert ("https://w3id.org/sahelkg/ontology#minimum", "MinInclusiveConstraintComponent") in {
        (r.path, r.constraint_component.rsplit("#", 1)[-1]) for r in report.results if r.focus_node == count.value}


def test_a_query_asking_only_whether_a_value_is_typed_reads_one_type_of_it():
    """ReferenceIntegrityShape-about asks `FILTER NOT EXISTS { ?value rdf:type ?type }`: the working
    set of the SHACL-SPARQL constraints holds one type of such a value, not every superclass of it,
    and the rule still tells a typed value from an untyped one."""
    constants = validation_native.compiled_shapes()[1]
    checks = {c.check.source_constraint: c for c in constants.values() if isinstance(c, validation_native.SparqlCheck)}
    about = checks[SKG + "ReferenceIntegrityShape-about"]
    assert about.any_type and about.classes == frozenset()
    assert not checks[SKG + "ClaimShape-statedBeforeOccurrence"].any_type  # names skg:Occurrence
    rdf_type, about_p = iri(validation.RDF_TYPE), iri(SKG + "about")
    claim, dangling = iri(ID + "claim/t-typed"), iri(ID + "claim/t-dangling")
    event, ghost = iri(ID + "event/t-typed"), iri(ID + "event/t-ghost")
    view = validation_native.TripleView([(claim, about_p, event), (event, rdf_type, iri(SKG + "Event")),
                                         (dangling, about_p, ghost), (claim, rdf_type, iri(SKG + "Claim")),
                                         (dangling, rdf_type, iri(SKG + "Claim"))])
    every_class = frozenset({SKG + "Event", SKG + "Occurrence", "http://www.w3.org/ns/prov#Activity"})
    lines = validation_native.working_set(view, [claim, dangling], about.levels,
                                          lambda node: every_class if node == event else frozenset(),
                                          about.classes, about.any_type)
    assert sorted(lines) == sorted([f"{claim} {about_p} {event} .\n", f"{event} {rdf_type} <{SKG}Event> .\n",
                                    f"{dangling} {about_p} {ghost} .\n"])
    report = validation_native.validate(view, [claim, dangling], subclass_pairs=[(SKG + "Event", SKG + "Occurrence")])
    flagged = [(r.focus_node, r.value) for r in report.results if r.source_constraint == about.check.source_constraint]
    assert flagged == [(ID + "claim/t-dangling", ID + "event/t-ghost")]


def test_sparql_constraints_checked_in_batches_give_the_results_of_one_working_set(monkeypatch):
    """run_sparql splits many focus nodes into batches, each with the working set its nodes read:
    every invalid fixture at once (their nodes share documents, actors, events) reports the same
    results whatever the batch size."""
    from .conftest import FIXTURES, full_keys, ontology_quads, parse_trig

    quads = ontology_quads() + parse_trig(FIXTURES / "base.trig")
    for fixture in sorted((FIXTURES / "invalid").glob("*.trig")):
        quads += parse_trig(fixture)
    whole = validation_native.validate_quads(quads)
    monkeypatch.setattr(validation_native, "SPARQL_BATCH", 3)
    batched = validation_native.validate_quads(quads)
    assert full_keys(batched) == full_keys(whole)
    assert len({r.source_constraint for r in whole.results if r.source_constraint}) >= 20
