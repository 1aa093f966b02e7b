"""UCDP GED importer: precisions, low/best/high bounds, one-sided violence, revisions by relid."""

from __future__ import annotations

import pytest

from sahelkg.importers.report import ImportFailed
from sahelkg.importers.ucdp import import_ucdp

from .conftest import DATA, ask, select


def test_where_prec_and_date_prec_map_to_our_precision_concepts(store):
    import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    rows = select(store, """
        SELECT ?event ?place ?geo ?start ?end ?dp WHERE {
          ?event skg:location ?place ; skg:locationPrecision ?geo ;
                 skg:timeSpan [ skg:startDate ?start ; skg:endDate ?end ; skg:startPrecision ?dp ] .
          FILTER(STRSTARTS(STR(?event), "https://w3id.org/sahelkg/id/event/ucdp-")) } ORDER BY ?event""")
    gp, dp, place = ("https://w3id.org/sahelkg/vocab/geo-precision/", "https://w3id.org/sahelkg/vocab/date-precision/",
                     "https://w3id.org/sahelkg/id/place/")
    assert rows == [
        ("https://w3id.org/sahelkg/id/event/ucdp-test-bfa-2024-7", place + "sahel-region", gp + "region",
         "2024-11-10", "2024-11-16", dp + "week"),
        ("https://w3id.org/sahelkg/id/event/ucdp-test-mli-2025-1", place + "niono", gp + "exact",
         "2025-01-02", "2025-01-02", dp + "day"),
        ("https://w3id.org/sahelkg/id/event/ucdp-test-ner-2024-3", place + "niger", gp + "country",
         "2024-10-01", "2024-10-31", dp + "month"),
    ]


def test_low_best_high_become_bounds_and_estimate_with_exact_parts(store):
    import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    [total] = select(store, """SELECT ?min ?best ?max ?q WHERE { count:ucdp-test-bfa-2024-7-deaths
        skg:minimum ?min ; skg:bestEstimate ?best ; skg:maximum ?max ; skg:qualifier ?q }""")
    assert total == ("13", "13", "20", "https://w3id.org/sahelkg/vocab/count-qualifier/range")
    parts = select(store, """SELECT ?part ?n ?category WHERE { ?part skg:partOf count:ucdp-test-bfa-2024-7-deaths ;
        skg:minimum ?n ; skg:victimCategory ?category } ORDER BY ?part""")
    assert [(p[0].rsplit("/", 1)[1], p[1]) for p in parts] == [("ucdp-test-bfa-2024-7-deaths-a", "3"),
                                                               ("ucdp-test-bfa-2024-7-deaths-b", "10")]


def test_one_sided_violence_is_ucdps_allegation_against_side_a_and_other_types_accuse_nobody(store):
    import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    rows = select(store, """SELECT ?claim ?accused ?role WHERE { ?claim a skg:Allegation ; skg:claimant actor:ucdp ;
        skg:about ?event ; skg:qualifiedAccusation [ skg:accusedActor ?accused ; skg:allegedRole ?role ] }""")
    # 'Government of Mali' is the Malian Armed Forces by data/dataset-actors.csv.
    assert rows == [("https://w3id.org/sahelkg/id/claim/ucdp-test-mli-2025-1",
                     "https://w3id.org/sahelkg/id/actor/fama",
                     "https://w3id.org/sahelkg/vocab/role/perpetrator")]
    assert not ask(store, "ASK { ?c skg:about event:ucdp-test-bfa-2024-7 ; skg:accused ?a }")
    # One claim per row: the allegation itself asserts UCDP's counts.
    assert ask(store, "ASK { claim:ucdp-test-mli-2025-1 skg:assertsCount count:ucdp-test-mli-2025-1-deaths }")
    assert select(store, "SELECT ?c WHERE { ?c skg:claimant actor:ucdp ; skg:about event:ucdp-test-mli-2025-1 }") == [
        ("https://w3id.org/sahelkg/id/claim/ucdp-test-mli-2025-1",)]


def test_sides_are_participants_and_known_actors_are_matched(store):
    report = import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    assert ask(store, "ASK { event:ucdp-test-bfa-2024-7 skg:hadParticipant actor:jnim }")
    assert "https://w3id.org/sahelkg/id/actor/jnim" not in dict(report.created_actors)
    assert ask(store, "ASK { actor:government-of-burkina-faso a skg:Government }")


def test_legacy_estimate_column_names_are_read(store):
    report = import_ucdp(store, DATA / "ucdp_legacy.csv", version="19.1")
    assert report.added == ["TEST-MLI-2019-5"]
    assert any("best_est" in w for w in report.warnings)
    assert select(store, """SELECT ?min ?best ?max WHERE { count:ucdp-test-mli-2019-5-deaths
        skg:minimum ?min ; skg:bestEstimate ?best ; skg:maximum ?max }""") == [("4", "4", "6")]


def test_a_new_version_replaces_rows_whose_values_changed_by_relid(store):
    import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    again = import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    assert again.already_imported
    report = import_ucdp(store, DATA / "ucdp_v2.csv", version="25.1")
    assert report.revised == ["TEST-BFA-2024-7"] and report.added == ["TEST-MLI-2024-9"]
    assert select(store, "SELECT ?best WHERE { ?c skg:countOf event:ucdp-test-bfa-2024-7 ; skg:bestEstimate ?best }") \
        == [("15",)]
    assert select(store, "SELECT ?v WHERE { ?e dcterms:identifier 'TEST-BFA-2024-7' ; prov:wasDerivedFrom ?r . "
                         "?r dcterms:hasVersion ?v }") == [("25.1",)]
    assert ask(store, "ASK { event:ucdp-test-mli-2024-9 skg:location place:tinzaouaten }")


@pytest.mark.parametrize("column, value, message", [
    ("where_prec", "9", "not a UCDP where_prec"),
    ("date_prec", "0", "not a UCDP date_prec"),
    ("best", "30", "not in order"),
    ("date_end", "2024-11-01", "before date_start"),
])
def test_a_malformed_row_names_line_and_column_and_nothing_is_written(store, tmp_path, column, value, message):
    import csv
    with open(DATA / "ucdp.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[1][column] = value
    path = tmp_path / "broken.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    before = store.triple_count()
    with pytest.raises(ImportFailed) as caught:
        import_ucdp(store, path)
    assert (caught.value.errors[0].line, caught.value.errors[0].column) == (3, column)
    assert message in caught.value.errors[0].message
    assert store.triple_count() == before
