"""Counts (whose casualties, ACLED's 0 as unknown), dataset flags and tags, and GeoSPARQL points of
imported rows, on the exact ACLED and UCDP column layouts (tests/importers/data/*_issue10.csv)."""

from __future__ import annotations

import pytest

from sahelkg.importers.acled import import_acled
from sahelkg.importers.ucdp import import_ucdp

from .conftest import DATA, ask, select

ID = "https://w3id.org/sahelkg/id/"
VOCAB = "https://w3id.org/sahelkg/vocab/"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"


@pytest.fixture(scope="module")
def imported():
    """The seed, the issue-10 ACLED rows, then the good UCDP rows (the third is malformed: skipped)."""
    from sahelkg.dataset import loading
    from sahelkg.store import EmbeddedStore

    store = EmbeddedStore()
    store.load_quads(loading.dataset_quads(loading.seed_paths()))
    import_acled(store, DATA / "acled_issue10.csv")
    report = import_ucdp(store, DATA / "ucdp_issue10.csv", version="25.1", on_bad_row="skip")
    assert [(e.line, e.column) for e in report.skipped] == [(4, "low")]
    return store


def test_acled_zero_fatalities_is_unknown_with_no_bounds_and_a_note(imported):
    rows = select(imported, """SELECT ?count ?qualifier ?min ?max ?wording ?note WHERE {
        ?count skg:countOf ?event ; skg:qualifier ?qualifier ; skg:originalWording ?wording ; skos:note ?note .
        OPTIONAL { ?count skg:minimum ?min } OPTIONAL { ?count skg:maximum ?max }
        FILTER(?event IN (event:acled-mli90012, event:acled-ner90010)) } ORDER BY ?count""")
    note = "ACLED codes 0 when no fatality is reported: the number is unknown, not 'at least 0'."
    assert rows == [
        (ID + "count/acled-mli90012-fatalities", VOCAB + "count-qualifier/unknown", None, None, "fatalities: 0", note),
        (ID + "count/acled-ner90010-fatalities", VOCAB + "count-qualifier/unknown", None, None, "fatalities: 0", note)]
    # A count above 0 stays 'at least N'.
    assert select(imported, "SELECT ?q ?min WHERE { count:acled-mli90011-fatalities skg:qualifier ?q ; skg:minimum ?min }") \
        == [(VOCAB + "count-qualifier/at-least", "4")]
    # ACLED has no injury column: no other count than fatalities.
    assert select(imported, """SELECT DISTINCT ?outcome WHERE { ?c skg:countOf ?e ; skg:outcome ?outcome .
        FILTER(STRSTARTS(STR(?e), "https://w3id.org/sahelkg/id/event/acled-")) }""") == [(VOCAB + "outcome/fatalities",)]


def test_ucdp_parts_say_whose_deaths_they_count(imported):
    rows = select(imported, """SELECT ?part ?n ?category ?side ?group WHERE {
        ?part skg:partOf ?whole ; skg:minimum ?n ; skg:maximum ?n ; skg:victimCategory ?category .
        OPTIONAL { ?part skg:victimSide ?side } OPTIONAL { ?part skg:victimGroup ?group }
        FILTER(?whole IN (count:ucdp-test-mli-2025-20-deaths, count:ucdp-test-mli-2025-21-deaths)) } ORDER BY ?part""")
    vc = VOCAB + "victim-category/"
    assert rows == [
        (ID + "count/ucdp-test-mli-2025-20-deaths-a", "3", vc + "combatants", ID + "actor/fama", None),
        (ID + "count/ucdp-test-mli-2025-20-deaths-b", "5", vc + "combatants", ID + "actor/jnim", None),
        (ID + "count/ucdp-test-mli-2025-20-deaths-civilians", "1", vc + "civilians", None, None),
        (ID + "count/ucdp-test-mli-2025-20-deaths-unknown", "2", vc + "unknown", None, None),
        # Side B of one-sided violence is 'Civilians', a population group: whose deaths, not a party.
        (ID + "count/ucdp-test-mli-2025-21-deaths-b", "1", vc + "civilians", None, ID + "actor/civilians"),
        (ID + "count/ucdp-test-mli-2025-21-deaths-civilians", "6", vc + "civilians", None, None),
    ]
    # Low/best/high stay a range on the whole.
    assert select(imported, """SELECT ?min ?best ?max WHERE { count:ucdp-test-mli-2025-20-deaths skg:minimum ?min ;
        skg:bestEstimate ?best ; skg:maximum ?max }""") == [("11", "11", "15")]


def test_ucdp_code_status_and_event_clarity_are_dataset_flags(imported):
    rows = select(imported, """SELECT ?event ?flag WHERE { ?event skg:datasetFlag ?flag } ORDER BY ?event ?flag""")
    flag = VOCAB + "dataset-flag/ucdp-"
    assert rows == [
        (ID + "event/ucdp-test-mli-2025-20", flag + "code-status-check"),
        (ID + "event/ucdp-test-mli-2025-20", flag + "event-clarity-low"),
        (ID + "event/ucdp-test-mli-2025-21", flag + "code-status-clear"),
        (ID + "event/ucdp-test-mli-2025-21", flag + "event-clarity-high"),
    ]
    # Which check: kept in the record's notes; 'Clear' and the clarity need no note.
    notes = select(imported, """SELECT ?record ?note WHERE { ?record skos:note ?note .
        FILTER(?record IN (doc:ucdp-test-mli-2025-20, doc:ucdp-test-mli-2025-21)
               && (STRSTARTS(?note, "code_status") || STRSTARTS(?note, "event_clarity"))) }""")
    assert notes == [(ID + "document/ucdp-test-mli-2025-20", "code_status: Check deaths")]


def test_acled_tags_are_one_dataset_tag_each(imported):
    assert select(imported, "SELECT ?tag WHERE { event:acled-ner90010 skg:datasetTag ?tag } ORDER BY ?tag") == [
        ("local administrators",), ("women targeted: girls",)]
    assert not ask(imported, "ASK { event:acled-mli90011 skg:datasetTag ?tag }")
    assert not ask(imported, 'ASK { doc:acled-ner90010 skos:note ?n FILTER(STRSTARTS(?n, "tags")) }')


def test_a_created_place_has_the_first_rows_point_and_an_event_its_own_only_elsewhere(imported):
    # What incident linking reads: the event's place and the place's point.
    places = select(imported, """SELECT ?event ?place ?geometry ?wkt (DATATYPE(?wkt) AS ?type) WHERE {
        ?event skg:location ?place . ?place <http://www.opengis.net/ont/geosparql#hasGeometry> ?geometry .
        ?geometry a <http://www.opengis.net/ont/geosparql#Geometry> ; <http://www.opengis.net/ont/geosparql#asWKT> ?wkt .
        FILTER(STRSTARTS(STR(?event), "https://w3id.org/sahelkg/id/event/acled-")
               || STRSTARTS(STR(?event), "https://w3id.org/sahelkg/id/event/ucdp-")) } ORDER BY ?event""")
    kobatest = (ID + "place/kobatest", ID + "geometry/kobatest", "POINT(-3.5505 14.1002)", WKT)
    assert places == [(ID + "event/acled-mli90011", *kobatest), (ID + "event/acled-mli90012", *kobatest),
                      (ID + "event/acled-ner90010", ID + "place/testougou", ID + "geometry/testougou",
                       "POINT(1.2034 14.5012)", WKT),
                      (ID + "event/ucdp-test-mli-2025-20", *kobatest), (ID + "event/ucdp-test-mli-2025-21", *kobatest)]
    # Only the row whose point is not its place's has a point of its own.
    own = select(imported, """SELECT ?event ?geometry ?wkt WHERE { ?event a skg:Event ;
        <http://www.opengis.net/ont/geosparql#hasGeometry> ?geometry .
        ?geometry a <http://www.opengis.net/ont/geosparql#Geometry> ; <http://www.opengis.net/ont/geosparql#asWKT> ?wkt }""")
    assert own == [(ID + "event/ucdp-test-mli-2025-20", ID + "geometry/ucdp-test-mli-2025-20", "POINT(-3.5405 14.1102)")]


def test_a_row_at_a_gazetteer_place_with_another_point_keeps_its_own(store):
    """The seed's Niono has an approximate point; ACLED's row gives a more precise one."""
    [(niono,)] = select(store, """SELECT ?wkt WHERE { place:niono
        <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt }""")
    import_acled(store, DATA / "acled.csv")
    assert niono != "POINT(-5.9929 14.2526)"
    assert select(store, """SELECT ?wkt WHERE { event:acled-mli90001
        <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt }""") == [
        ("POINT(-5.9929 14.2526)",)]
    # The gazetteer's point is left as it is.
    assert select(store, """SELECT ?wkt WHERE { place:niono
        <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt }""") == [
        (niono,)]


def test_a_revised_row_replaces_its_point(store, tmp_path):
    def write(name: str, point: str, timestamp: str):
        text = (DATA / "acled.csv").read_text().replace("14.2526,-5.9929", point).replace("1736208000", timestamp)
        (tmp_path / name).write_text(text)
        return tmp_path / name

    import_acled(store, write("first.csv", "14.2600,-5.9800", "1736208000"))
    assert ask(store, """ASK { event:acled-mli90001 <http://www.opengis.net/ont/geosparql#hasGeometry>/
                              <http://www.opengis.net/ont/geosparql#asWKT> ?w FILTER(STR(?w) = "POINT(-5.9800 14.2600)") }""")
    report = import_acled(store, write("moved.csv", "14.3000,-6.0000", "1736300000"))
    assert report.revised == ["MLI90001"]
    assert select(store, """SELECT ?wkt WHERE { event:acled-mli90001
        <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt }""") == [
        ("POINT(-6.0000 14.3000)",)]
    assert not ask(store, """ASK { ?g <http://www.opengis.net/ont/geosparql#asWKT> ?w
                                  FILTER(STR(?w) = "POINT(-5.9800 14.2600)") }""")
