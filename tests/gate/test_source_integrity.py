"""A source graph is removable as one unit (issue 10, item 14).

The store holds the seed and a second, fictional source (t-morvan) whose count and claim point at
the seed article's event, loaded past the gate as data from before the rule. Removing the seed's
graph through the gate is refused with the dangling references named; the same pointing is refused
when written through the gate; linking both sources' events to one incident is accepted.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg import gate
from sahelkg import namespaces as ns
from sahelkg.gate import source_integrity, validation
from sahelkg.store import EmbeddedStore, encoded
from sahelkg.store.change import Change

ID, SKG, VOCAB = ns.ID, ns.SKG, ns.VOCAB
A000 = ox.NamedNode(ns.SOURCE_GRAPH_PREFIX + "a000")
SEED_EVENT = f"{ID}event/a000-niono-vehicle-attack"


def source(name: str, body: str) -> str:
    """Given a source name and Turtle triples, return TriG: the source graph and its catalog record."""
    return f"""
<{ns.SOURCE_GRAPH_PREFIX}{name}> {{
<{ID}document/{name}> a <{SKG}NewsArticle> ; <http://www.w3.org/2000/01/rdf-schema#label> "Morvan Herald report"@en .
<{ID}actor/{name}-herald> a <{SKG}NewsOrganisation> ; <http://www.w3.org/2004/02/skos/core#prefLabel> "Morvan Herald"@en .
{body}
}}
<{ns.CATALOG_GRAPH}> {{
<{ns.SOURCE_GRAPH_PREFIX}{name}> a <{SKG}SourceGraph> ; <http://www.w3.org/ns/prov#wasGeneratedBy> <{ID}activity/{name}> ;
    <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}file/{name}> .
<{ID}activity/{name}> a <{SKG}LoadActivity> ; <http://www.w3.org/ns/prov#used> <{ID}file/{name}> .
<{ID}file/{name}> a <{SKG}DataFile> ; <{SKG}filePath> "tests/{name}.trig" ;
    <{SKG}sha256> "0000000000000000000000000000000000000000000000000000000000000000" .
}}"""


def count_and_claim(name: str, event: str) -> str:
    """Given a source name and an event IRI, return a count of that event and a claim about it."""
    return f"""
<{ID}count/{name}-killed> a <{SKG}Count> ; <{SKG}countOf> <{event}> ;
    <{SKG}outcome> <{VOCAB}outcome/killed> ; <{SKG}unit> <{VOCAB}unit/persons> ;
    <{SKG}qualifier> <{VOCAB}count-qualifier/exact> ; <{SKG}minimum> 9 ; <{SKG}maximum> 9 ;
    <{SKG}originalWording> "nine people"@en .
<{ID}claim/{name}-report> a <{SKG}Claim> ; <{SKG}stance> <{VOCAB}stance/reports> ;
    <{SKG}claimant> <{ID}actor/{name}-herald> ; <{SKG}reportedIn> <{ID}document/{name}> ;
    <{SKG}about> <{event}> ; <{SKG}statedOn> "2025-01-08"^^<http://www.w3.org/2001/XMLSchema#date> ;
    <{SKG}assertsCount> <{ID}count/{name}-killed> ."""


OWN_EVENT = f"""
<{ID}event/t-morvan-attack> a <{SKG}Event> ; <http://www.w3.org/2000/01/rdf-schema#label> "Attack on vehicles"@en ;
    <{SKG}eventType> <{VOCAB}event-type/acled-attack> ; <{SKG}location> <{ID}place/mali> ;
    <{SKG}timeSpan> <{ID}timespan/t-morvan-attack> .
<{ID}timespan/t-morvan-attack> a <{SKG}TimeSpan> ;
    <{SKG}startDate> "2025-01-02"^^<http://www.w3.org/2001/XMLSchema#date> ;
    <{SKG}endDate> "2025-01-02"^^<http://www.w3.org/2001/XMLSchema#date> ."""


# The gate's engines, by the thresholds that choose them (as in tests/shacl/conftest.py).
ENGINES = {"pyshacl": (float("inf"), float("inf")), "sparql": (0, float("inf")), "native": (float("inf"), 0)}


@pytest.fixture(params=sorted(ENGINES))
def engine(request, monkeypatch):
    """Run the test once with each of the gate's engines."""
    sparql_from, native_from = ENGINES[request.param]
    monkeypatch.setattr(validation, "SPARQL_ENGINE_THRESHOLD", sparql_from)
    monkeypatch.setattr(validation, "BULK_THRESHOLD", native_from)
    return request.param


def parsed(trig: str) -> list[ox.Quad]:
    return list(ox.parse(trig, format=ox.RdfFormat.TRIG))


MORVAN = parsed(source("t-morvan", count_and_claim("t-morvan", SEED_EVENT)))


@pytest.fixture(scope="module")
def legacy_quads(seed_quads) -> list[ox.Quad]:
    """The seed and a second source pointing at the seed's event (as before the rule)."""
    return [*seed_quads, *MORVAN]


@pytest.fixture()
def store(legacy_quads, engine) -> EmbeddedStore:
    s = EmbeddedStore()
    s.load_quads(legacy_quads)  # past the gate on purpose: the data predates the rule
    return s


def test_removing_a_source_graph_others_point_into_is_refused_naming_the_references(store):
    graph_quads = tuple(store.quads(graph=A000))
    assert any(q.subject.value == SEED_EVENT for q in graph_quads)
    before = len(store.oxigraph)
    with pytest.raises(gate.ChangeRefused) as refusal:
        gate.commit(store, Change(removals=graph_quads))
    assert len(store.oxigraph) == before
    violations = {(r.focus_node, r.path, r.value) for r in refusal.value.report.results if r.severity == "Violation"}
    assert (f"{ID}count/t-morvan-killed", SKG + "countOf", SEED_EVENT) in violations
    assert (f"{ID}claim/t-morvan-report", SKG + "about", SEED_EVENT) in violations
    # Nothing else of the second source dangles (its document, actor and place are its own or shared).
    assert {focus for focus, _path, _value in violations if "t-morvan" in focus} == {
        f"{ID}count/t-morvan-killed", f"{ID}claim/t-morvan-report"}
    text = refusal.value.report.to_text()
    assert SEED_EVENT.rsplit("/", 1)[1] in text and "t-morvan-killed" in text


def test_removing_the_source_nobody_points_into_is_accepted(store):
    removals = tuple(q for q in store.quads() if "t-morvan" in q.graph_name.value
                     or (q.graph_name.value == ns.CATALOG_GRAPH and "t-morvan" in q.subject.value))
    receipt = gate.commit(store, Change(removals=removals))
    assert receipt.removed == len(removals) and not any("t-morvan" in q.subject.value for q in store.quads())


def test_full_validation_reports_the_legacy_foreign_references(legacy_quads):
    store = EmbeddedStore()
    store.load_quads(legacy_quads)
    for report in (validation.validate_store(store), validation.validate_quads(legacy_quads)):
        foreign = {(r.focus_node, r.path, r.value) for r in report.results
                   if r.source_shape == source_integrity.SHAPE}
        assert foreign == {(f"{ID}count/t-morvan-killed", SKG + "countOf", SEED_EVENT),
                           (f"{ID}claim/t-morvan-report", SKG + "about", SEED_EVENT)}


@pytest.fixture()
def seed_only(seed_quads, engine) -> EmbeddedStore:
    s = EmbeddedStore()
    s.load_quads(seed_quads)
    return s


def test_a_source_pointing_at_another_sources_event_is_refused(seed_only):
    with pytest.raises(gate.ChangeRefused) as refusal:
        gate.commit(seed_only, Change(additions=tuple(MORVAN)))
    foreign = {(r.focus_node, r.path, r.value) for r in refusal.value.report.results
               if r.source_shape == source_integrity.SHAPE}
    assert foreign == {(f"{ID}count/t-morvan-killed", SKG + "countOf", SEED_EVENT),
                       (f"{ID}claim/t-morvan-report", SKG + "about", SEED_EVENT)}
    assert "IncidentLink" in refusal.value.report.results[0].message or any(
        "IncidentLink" in r.message for r in refusal.value.report.results)


def test_a_source_with_its_own_event_linked_to_an_incident_is_accepted(seed_only):
    own = parsed(source("t-morvan", OWN_EVENT + count_and_claim("t-morvan", f"{ID}event/t-morvan-attack")))
    assert gate.commit(seed_only, Change(additions=tuple(own))).report.conforms
    links = []
    for event, link in ((SEED_EVENT, "0123456789abcdef"), (f"{ID}event/t-morvan-attack", "fedcba9876543210")):
        links.append(f"""
<{ID}incident-link/{link}> a <{SKG}IncidentLink> ; <{SKG}linkedEvent> <{event}> ;
    <{SKG}linkedIncident> <{ID}incident/t-niono-2025-01-02> ; <{SKG}linkStatus> <{VOCAB}link-status/confirmed> ;
    <http://www.w3.org/ns/prov#wasAttributedTo> <{ID}actor/t-curator> ;
    <http://www.w3.org/ns/prov#generatedAtTime> "2026-12-01T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<{event}> <{SKG}sameIncident> <{ID}incident/t-niono-2025-01-02> .""")
    curation = parsed(f"""<{ns.INCIDENTS_GRAPH}> {{
<{ID}incident/t-niono-2025-01-02> a <{SKG}Incident> ; <http://www.w3.org/2000/01/rdf-schema#label> "Attack near Niono"@en .
{''.join(links)}
}}""")
    assert gate.commit(seed_only, Change(additions=tuple(curation))).report.conforms
    joined = seed_only.query(f"""SELECT ?other WHERE {{ <{SEED_EVENT}> <{SKG}sameIncident> ?i .
        ?other <{SKG}sameIncident> ?i FILTER (?other != <{SEED_EVENT}>) }}""").rows
    assert [row[0].value for row in joined] == [f"{ID}event/t-morvan-attack"]
    # The seed's graph is still removable as one unit apart from the links to its event, which
    # the curation graph holds: removing it alone is refused until the links go too.
    with pytest.raises(gate.ChangeRefused) as refusal:
        gate.commit(seed_only, Change(removals=tuple(seed_only.quads(graph=A000))))
    dangling = {(r.focus_node, r.path) for r in refusal.value.report.results if r.severity == "Violation"}
    assert (f"{ID}incident-link/0123456789abcdef", SKG + "linkedEvent") in dangling


def test_an_incident_in_a_source_graph_is_refused(seed_only):
    """No source owns the happening several describe: incidents live in the curation graph."""
    incident = f"""<{ID}incident/t-morvan-attack> a <{SKG}Incident> ;
        <http://www.w3.org/2000/01/rdf-schema#label> "Attack near Niono"@en ."""
    own = parsed(source("t-morvan", OWN_EVENT + incident))
    with pytest.raises(gate.ChangeRefused) as refusal:
        gate.commit(seed_only, Change(additions=tuple(own)))
    assert {(r.focus_node, r.source_shape, r.value) for r in refusal.value.report.results
            if r.severity == "Violation"} == {
        (f"{ID}incident/t-morvan-attack", source_integrity.CURATED_SHAPE, SKG + "Incident")}
    store = EmbeddedStore()
    store.load_quads([*parsed(source("t-morvan", incident))])
    assert [r.focus_node for r in validation.validate_store(store).results
            if r.source_shape == source_integrity.CURATED_SHAPE] == [f"{ID}incident/t-morvan-attack"]


def test_full_validation_reads_the_graph_rules_as_the_store_query_does(legacy_quads, monkeypatch):
    """The rules full validation computes from each graph's triples (source_integrity.GraphRules)
    give what the SPARQL over the store gives (check_store), on references of every kind: foreign
    (as subject and as object), to a node the graph types itself, to a node only a non-source graph
    types, an event IRI used as a class, and an incident in a source graph."""
    curated = f"""<{ID}incident/t-brin-attack> a <{SKG}Incident> ;
        <http://www.w3.org/2000/01/rdf-schema#label> "Attack near Niono"@en ."""
    odd = f"""<{SEED_EVENT}> a <{SKG}Event> ; <{SKG}sameIncident> <{ID}incident/t-brin-attack> .
<{ID}claim/t-morvan-report> <http://www.w3.org/2000/01/rdf-schema#comment> "seen"@en .
<{ID}document/t-brin> a <{SEED_EVENT}> ; <{SKG}about> <{ID}event/only-in-curation> ."""
    curation = parsed(f"""<{ns.INCIDENTS_GRAPH}> {{ <{ID}event/only-in-curation> a <{SKG}Event> . }}""")
    store = EmbeddedStore()
    store.load_quads([*legacy_quads, *parsed(source("t-brin", curated + odd)), *curation])
    expected = sorted(r.key() for r in source_integrity.check_store(store))
    graph_rules = {source_integrity.SHAPE, source_integrity.CURATED_SHAPE}
    assert [key[2] for key in expected].count(source_integrity.SHAPE) == 3  # t-morvan's two, t-brin's comment
    assert [key[2] for key in expected].count(source_integrity.CURATED_SHAPE) == 1
    for beside in (True, False):
        monkeypatch.setattr(validation, "DUMP_BESIDE", beside)
        report = validation.validate_store(store)
        assert sorted(r.key() for r in report.results if r.source_shape in graph_rules) == expected
    assert sorted(r.key() for r in source_integrity.check_rows(encoded.rows(store.quads()))) == expected
