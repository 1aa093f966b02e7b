"""ACLED importer: each row an event with its own provenance, actors without responsibility,
fatalities claimed by ACLED, idempotent and all-or-nothing."""

from __future__ import annotations

import pytest

from sahelkg.importers.acled import AcledImporter, import_acled
from sahelkg.importers.report import ImportFailed

from .conftest import DATA, ask, select


def test_each_row_becomes_an_event_with_its_own_provenance(store):
    report = import_acled(store, DATA / "acled.csv")
    assert sorted(report.added) == ["BFA90003", "MLI90001", "MLI90002"]
    rows = select(store, """
        SELECT ?id ?version ?hash ?g ?filehash WHERE {
          GRAPH ?g { ?event a skg:Event ; prov:wasDerivedFrom ?record .
                     ?record dcterms:identifier ?id ; dcterms:hasVersion ?version ; skg:sha256 ?hash ;
                             skg:publisher actor:acled ; skg:partOfDocument ?export .
                     ?export skg:sha256 ?filehash }
        } ORDER BY ?id""")
    assert [r[0] for r in rows] == ["BFA90003", "MLI90001", "MLI90002"]
    assert rows[1][1] == "1736208000"
    assert all(len(r[2]) == 64 for r in rows)
    assert {r[3] for r in rows} == {report.graph}
    assert {r[4] for r in rows} == {report.sha256}
    assert ask(store, f"""ASK {{ GRAPH <https://w3id.org/sahelkg/graph/catalog> {{
        <{report.graph}> a skg:ImportGraph ; prov:wasGeneratedBy ?activity ; prov:wasDerivedFrom ?file .
        ?file skg:sha256 "{report.sha256}" }} }}""")


def test_actor1_and_actor2_are_participants_never_perpetrators(store):
    """Participation roles carry no responsibility; only ACLED's own claim on a 'Violence against
    civilians' row accuses actor 1 (tests/importers/test_dataset_claims.py)."""
    import_acled(store, DATA / "acled.csv")
    roles = select(store, """
        SELECT ?actor ?role WHERE { event:acled-mli90001 skg:qualifiedParticipation ?p .
          ?p skg:participant ?actor ; skg:participantRole ?role } ORDER BY ?role ?actor""")
    assert ("https://w3id.org/sahelkg/id/actor/fama", "https://w3id.org/sahelkg/vocab/role/acled-actor-1") in roles
    assert ("https://w3id.org/sahelkg/id/actor/wagner-group",
            "https://w3id.org/sahelkg/vocab/role/acled-associated-actor-1") in roles
    accused = select(store, """SELECT ?e ?who WHERE { ?claim skg:about ?e ; skg:accused ?who .
                                  FILTER(STRSTARTS(STR(?e), "https://w3id.org/sahelkg/id/event/acled-")) }""")
    assert accused == [("https://w3id.org/sahelkg/id/event/acled-mli90001", "https://w3id.org/sahelkg/id/actor/fama")]
    assert not ask(store, """ASK { ?p skg:participantRole role:perpetrator }""")


def test_fatalities_are_a_count_claimed_by_acled_and_attributed_to_no_side(store):
    import_acled(store, DATA / "acled.csv")
    rows = select(store, """
        SELECT ?count ?min ?qualifier ?claimant ?stance WHERE {
          ?count skg:outcome <https://w3id.org/sahelkg/vocab/outcome/fatalities> ;
              skg:minimum ?min ; skg:qualifier ?qualifier .
          ?claim skg:assertsCount ?count ; skg:claimant ?claimant ; skg:stance ?stance .
          FILTER NOT EXISTS { ?count skg:victimSide|skg:victimGroup ?anyone } } ORDER BY ?count""")
    stance = "https://w3id.org/sahelkg/vocab/stance/"
    assert rows == [
        ("https://w3id.org/sahelkg/id/count/acled-bfa90003-fatalities", "12",
         "https://w3id.org/sahelkg/vocab/count-qualifier/at-least", "https://w3id.org/sahelkg/id/actor/acled",
         stance + "reports"),
        # 'Violence against civilians': ACLED's claim accuses actor 1 (test_dataset_claims.py).
        ("https://w3id.org/sahelkg/id/count/acled-mli90001-fatalities", "9",
         "https://w3id.org/sahelkg/vocab/count-qualifier/at-least", "https://w3id.org/sahelkg/id/actor/acled",
         stance + "accuses")]


def test_associated_actors_separated_by_semicolons_each_take_part(store):
    report = import_acled(store, DATA / "acled.csv")
    names = select(store, """
        SELECT ?name WHERE { event:acled-mli90001 skg:qualifiedParticipation ?p .
          ?p skg:participantRole role:acled-associated-actor-2 ; skg:originalWording ?name } ORDER BY ?name""")
    assert names == [("Children (Mali)",), ("Women (Mali)",)]
    assert ("https://w3id.org/sahelkg/id/actor/women-mali", "Women (Mali)") in report.created_actors


def test_quoted_commas_and_doubled_quotes_in_notes_are_kept(store):
    import_acled(store, DATA / "acled.csv")
    [(notes,)] = select(store, "SELECT ?d WHERE { event:acled-bfa90003 dcterms:description ?d }")
    assert notes == 'Drone strike, reported "successful" by the army, on a base near Tin-Akoff.'


def test_inter_codes_as_text_and_as_numbers_mean_the_same_category(store):
    import_acled(store, DATA / "acled.csv")
    rows = select(store, """
        SELECT ?event ?type WHERE { ?event skg:qualifiedParticipation ?p .
          ?p skg:participant actor:fama ; <http://purl.org/dc/terms/type> ?type } ORDER BY ?event""")
    assert rows == [("https://w3id.org/sahelkg/id/event/acled-mli90001", "https://w3id.org/sahelkg/vocab/acled-inter/1"),
                    ("https://w3id.org/sahelkg/id/event/acled-mli90002", "https://w3id.org/sahelkg/vocab/acled-inter/1")]


def test_dates_in_both_formats_and_week_precision_becomes_a_span(store):
    import_acled(store, DATA / "acled.csv")
    rows = select(store, """
        SELECT ?event ?start ?end ?precision WHERE { ?event skg:timeSpan ?t .
          ?t skg:startDate ?start ; skg:endDate ?end ; skg:startPrecision ?precision .
          FILTER(STRSTARTS(STR(?event), "https://w3id.org/sahelkg/id/event/acled-")) } ORDER BY ?event""")
    dp = "https://w3id.org/sahelkg/vocab/date-precision/"
    assert rows == [
        ("https://w3id.org/sahelkg/id/event/acled-bfa90003", "2025-01-07", "2025-01-13", dp + "week"),
        ("https://w3id.org/sahelkg/id/event/acled-mli90001", "2025-01-02", "2025-01-02", dp + "day"),
        ("https://w3id.org/sahelkg/id/event/acled-mli90002", "2025-01-05", "2025-01-05", dp + "day"),
    ]


def test_event_types_and_places_map_to_our_scheme_and_gazetteer(store):
    report = import_acled(store, DATA / "acled.csv")
    rows = select(store, """SELECT ?type ?place ?precision WHERE {
        event:acled-mli90001 skg:eventType ?type ; skg:location ?place ; skg:locationPrecision ?precision }""")
    assert rows == [("https://w3id.org/sahelkg/vocab/event-type/acled-attack", "https://w3id.org/sahelkg/id/place/niono",
                     "https://w3id.org/sahelkg/vocab/geo-precision/near")]
    created = dict(report.created_places)
    assert created["https://w3id.org/sahelkg/id/place/boni"] == "Boni"
    assert ask(store, "ASK { place:boni skg:withinPlace place:mopti-region , place:mali }")


def test_actors_match_by_label_alias_or_name_in_source_and_new_ones_are_reported(store):
    report = import_acled(store, DATA / "acled.csv")
    assert ask(store, "ASK { event:acled-mli90002 skg:hadParticipant actor:jnim , actor:fama }")
    created = dict(report.created_actors)
    assert "https://w3id.org/sahelkg/id/actor/fama" not in created
    assert created["https://w3id.org/sahelkg/id/actor/military-forces-of-burkina-faso-2022"] == \
        "Military Forces of Burkina Faso (2022-)"
    assert ask(store, """ASK { actor:military-forces-of-burkina-faso-2022 a skg:StateArmedForce ;
                               skg:country place:burkina-faso }""")
    assert ask(store, "ASK { actor:civilians-mali a skg:PopulationGroup }")
    assert "Military Forces of Burkina Faso (2022-)" in report.summary()


def test_reimporting_the_same_file_changes_nothing(store):
    import_acled(store, DATA / "acled.csv")
    before = store.triple_count()
    again = import_acled(store, DATA / "acled.csv")
    assert again.already_imported and store.triple_count() == before


def test_the_same_rows_in_another_file_are_unchanged(store, tmp_path):
    import_acled(store, DATA / "acled.csv")
    before = store.triple_count()
    copy = tmp_path / "acled-copy.csv"
    copy.write_bytes((DATA / "acled.csv").read_bytes() + b"\n")
    report = import_acled(store, copy)
    assert sorted(report.unchanged) == ["BFA90003", "MLI90001", "MLI90002"] and not report.added
    assert store.triple_count() == before


def test_a_newer_version_replaces_revised_rows_and_reports_them(store):
    first = import_acled(store, DATA / "acled.csv")
    report = import_acled(store, DATA / "acled_v2.csv")
    assert report.revised == ["MLI90002"] and report.added == ["NER90004"]
    assert sorted(report.unchanged) == ["BFA90003", "MLI90001"]
    rows = select(store, """SELECT ?min ?g WHERE { GRAPH ?g { ?c skg:countOf event:acled-mli90002 ; skg:minimum ?min } }""")
    assert rows == [("3", report.graph)]
    # The unchanged rows stay where they were imported first.
    assert select(store, "SELECT ?g WHERE { GRAPH ?g { event:acled-mli90001 a skg:Event } }") == [(first.graph,)]
    assert len(select(store, "SELECT ?l WHERE { event:acled-mli90002 rdfs:label ?l }")) == 1


def test_an_older_file_does_not_overwrite_newer_rows(store):
    import_acled(store, DATA / "acled_v2.csv")
    report = import_acled(store, DATA / "acled.csv")
    assert report.stale == ["MLI90002"] and not report.revised
    assert select(store, "SELECT ?min WHERE { ?c skg:countOf event:acled-mli90002 ; skg:minimum ?min }") == [("3",)]


def _broken_copy(tmp_path, line: int, column: str, value: str):
    lines = (DATA / "acled.csv").read_text().splitlines()
    header = lines[0].split(",")
    import csv
    import io
    row = next(csv.reader(io.StringIO(lines[line - 1])))
    row[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    lines[line - 1] = out.getvalue()
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("column, value, message", [
    ("event_date", "31 Febuary 2025", "not a date"),
    ("fatalities", "nine", "not a whole number"),
    ("sub_event_type", "Ambush", "not an ACLED sub-event type"),
    ("inter1", "Aliens", "not an ACLED actor category"),
    ("latitude", "140.5", "outside"),
])
def test_a_malformed_row_names_line_and_column_and_nothing_is_written(store, tmp_path, column, value, message):
    path = _broken_copy(tmp_path, 3, column, value)
    before = store.triple_count()
    with pytest.raises(ImportFailed) as caught:
        import_acled(store, path)
    error = caught.value.errors[0]
    assert (error.line, error.column) == (3, column) and message in error.message
    assert f"line 3, column {column!r}" in str(caught.value)
    assert store.triple_count() == before


def test_line_numbers_count_physical_lines_when_a_note_spans_lines(store, tmp_path):
    text = (DATA / "acled.csv").read_text().replace("came under fire, killing", "came under fire,\nkilling")
    text = text.replace("2025-01-05,2025", "2025-13-05,2025")
    path = tmp_path / "multiline.csv"
    path.write_text(text)
    with pytest.raises(ImportFailed) as caught:
        import_acled(store, path)
    assert (caught.value.errors[0].line, caught.value.errors[0].column) == (4, "event_date")


def test_a_missing_required_column_is_reported_on_line_1(store, tmp_path):
    text = (DATA / "acled.csv").read_text().replace("fatalities,", "deaths,", 1)
    path = tmp_path / "renamed.csv"
    path.write_text(text)
    with pytest.raises(ImportFailed) as caught:
        import_acled(store, path)
    assert (caught.value.errors[0].line, caught.value.errors[0].column) == (1, "fatalities")


def test_a_legacy_layout_with_population_columns_imports(store):
    report = import_acled(store, DATA / "acled_legacy.csv")
    assert report.added == ["MLI80001"]
    assert any("older ACLED layout" in w for w in report.warnings)
    assert ask(store, """ASK { event:acled-mli80001 skg:eventType et:acled-other ;
                                skg:hadParticipant ?actor }""")


def test_progress_is_reported(store):
    lines: list[str] = []
    import_acled(store, DATA / "acled.csv", progress=lines.append)
    assert any(line.startswith("mapped 3 rows") for line in lines)
    checking = next(i for i, line in enumerate(lines) if line.startswith("checking ") and "SHACL" in line)
    writing = next(i for i, line in enumerate(lines) if line.startswith("conforms; writing "))
    assert checking < writing  # the gate runs before anything is written
    assert "eta about" in lines[checking] and "eta about" in lines[writing]
    assert lines[-1].startswith("written (")


def test_an_acled_event_joins_the_articles_allegation_about_the_same_incident(store):
    """The 2 January 2025 attack in the Ségou region: ACLED's row and the article's accusations."""
    import_acled(store, DATA / "acled.csv")
    rows = select(store, """
        SELECT ?acledEvent ?fatalities ?allegation ?claimant ?accused ?quote WHERE {
          ?acledEvent prov:wasDerivedFrom/skg:publisher actor:acled ;
                      skg:location/skg:withinPlace* ?region ;
                      skg:timeSpan/skg:startDate ?day .
          ?count skg:countOf ?acledEvent ; skg:minimum ?fatalities .
          ?articleEvent skg:location ?region ;
                        skg:timeSpan/skg:startDate ?day .
          FILTER(?articleEvent != ?acledEvent)
          ?allegation a skg:Allegation ;
                      skg:about ?articleEvent ;
                      skg:stance <https://w3id.org/sahelkg/vocab/stance/accuses> ;
                      skg:claimant ?claimant ;
                      skg:accused ?accused ;
                      skg:anchor/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?quote .
          FILTER(?region = place:segou-region && ?day = "2025-01-02"^^xsd:date)
        } ORDER BY ?allegation ?claimant ?accused ?quote""")
    assert {r[0] for r in rows} == {"https://w3id.org/sahelkg/id/event/acled-mli90001"}
    assert {r[1] for r in rows} == {"9"}
    assert {r[2] for r in rows} == {"https://w3id.org/sahelkg/id/claim/a000-s3-kal-akal-accuses",
                                    "https://w3id.org/sahelkg/id/claim/a000-s4-csp-dpa-accuses"}
    assert {r[4] for r in rows} == {"https://w3id.org/sahelkg/id/actor/fama", "https://w3id.org/sahelkg/id/actor/wagner-group"}
    assert "Both groups accused Malian forces and Russian mercenaries" in {r[5] for r in rows}


def test_progress_is_reported_while_reading_a_large_file(store, tmp_path):
    lines = (DATA / "acled.csv").read_text().splitlines()
    template = lines[2]  # MLI90002
    body = [template.replace("MLI90002", f"MLI{7000000 + i}", 1) for i in range(10_001)]
    path = tmp_path / "large.csv"
    path.write_text("\n".join([lines[0], *body]) + "\n")
    messages: list[str] = []
    report, change = AcledImporter().plan(store, path, progress=messages.append)
    assert any(m.startswith("read 10,000 rows: ") for m in messages) and len(report.added) == 10_001
    assert store.triple_count() < len(change.additions)  # planned, not written


def test_a_dry_run_checks_every_row_and_writes_nothing(tmp_path, capsys):
    from sahelkg.cli import main as cli

    assert cli.main(["import", "acled", str(DATA / "acled.csv"), "--seed", "--dry-run", "-q"]) == 0
    out = capsys.readouterr().out
    assert "added 3" in out and "dry run: nothing written" in out


def test_a_dry_run_also_runs_the_shacl_gate(tmp_path, capsys):
    """A row coded (timestamp) before the event it reports: ACLED's claim would be stated before the
    event began, which the shapes refuse; a dry run must say so, not only map the rows."""
    import csv

    from sahelkg.cli import main as cli

    with open(DATA / "acled.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["timestamp"] = "946684800"  # 1 January 2000
    path = tmp_path / "acled-early-timestamp.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert cli.main(["import", "acled", str(path), "--seed", "--dry-run", "-q"]) == 1
    captured = capsys.readouterr()
    assert "would break the SHACL shapes" in captured.err and "statedBeforeOccurrence" in captured.err
