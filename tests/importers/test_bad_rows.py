"""`--on-bad-row fail|skip`: a malformed row refuses the whole file (default), or is left out and
written with its line, column and reason to a rejects CSV while the good rows are imported."""

from __future__ import annotations

import csv
import shutil

import pytest

from sahelkg.cli import main as cli
from sahelkg.importers.report import ImportFailed
from sahelkg.importers.ucdp import import_ucdp

from .conftest import DATA, ask, select

UCDP_HEADER = (DATA / "ucdp_issue10.csv").read_text().splitlines()[0].split(",")
BAD_LINE = (DATA / "ucdp_issue10.csv").read_text().splitlines()[3]


def test_by_default_one_malformed_row_refuses_the_file_naming_line_and_column(store):
    before = store.triple_count()
    with pytest.raises(ImportFailed) as caught:
        import_ucdp(store, DATA / "ucdp_issue10.csv", version="25.1")
    [error] = caught.value.errors
    assert (error.line, error.column, error.message) == (4, "low", "low 9 is above high 6; the bounds are out of order")
    assert store.triple_count() == before


def test_skip_imports_the_good_rows_and_writes_the_rejects_file(tmp_path, capsys):
    source = tmp_path / "ged.csv"
    shutil.copy(DATA / "ucdp_issue10.csv", source)
    assert cli.main(["import", "ucdp", str(source), "--seed", "--version", "25.1", "--on-bad-row", "skip", "-q"]) == 0
    captured = capsys.readouterr()
    rejects = tmp_path / "ged.csv.rejects.csv"  # the default: next to the input
    assert "added 2" in captured.out and "skipped 1 malformed rows" in captured.out
    assert f"skipped 1 malformed rows; each with its line, column and reason in {rejects}" in captured.err
    with open(rejects, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "column", "reason", *UCDP_HEADER]
    assert rows[1:] == [["4", "low", "low 9 is above high 6; the bounds are out of order",
                         *next(csv.reader([BAD_LINE]))]]
    # --rejects chooses the file.
    elsewhere = tmp_path / "rejected-rows.csv"
    assert cli.main(["import", "ucdp", str(source), "--seed", "--on-bad-row", "skip", "--rejects", str(elsewhere),
                     "--dry-run", "-q"]) == 0
    assert elsewhere.read_text() == rejects.read_text()


def test_skipped_rows_leave_nothing_and_re_importing_changes_nothing(store):
    before = store.triple_count()
    report = import_ucdp(store, DATA / "ucdp_issue10.csv", version="25.1", on_bad_row="skip")
    assert report.added == ["TEST-MLI-2025-20", "TEST-MLI-2025-21"] and report.rows == 3
    assert ask(store, "ASK { event:ucdp-test-mli-2025-20 a skg:Event . event:ucdp-test-mli-2025-21 a skg:Event }")
    assert not ask(store, 'ASK { ?s ?p "TEST-MLI-2025-22" }')
    assert not ask(store, "ASK { ?s ?p ?o FILTER(CONTAINS(STR(?s), 'test-mli-2025-22')) }")
    after = store.triple_count()
    assert after > before
    again = import_ucdp(store, DATA / "ucdp_issue10.csv", version="25.1", on_bad_row="skip")
    assert again.already_imported and store.triple_count() == after


def test_fail_on_the_command_line_exits_1_and_names_the_row(tmp_path, capsys):
    assert cli.main(["import", "ucdp", str(DATA / "ucdp_issue10.csv"), "--seed", "-q"]) == 1
    err = capsys.readouterr().err
    assert "line 4, column 'low': low 9 is above high 6" in err and "nothing was imported" in err


def test_skip_leaves_out_rows_of_every_kind_of_mistake(store, tmp_path):
    """A wrong field count (read by the CSV reader), a repeated row ID, a cell the mapper refuses."""
    lines = (DATA / "ucdp_issue10.csv").read_text().splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    short = ",".join(second.split(",")[:10])
    repeated = first.replace("Check deaths", "Clear")
    bad_clarity = second.replace("TEST-MLI-2025-21", "TEST-MLI-2025-23").replace(",Africa,1,", ",Africa,7,")
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([header, first, short, repeated, bad_clarity, second]) + "\n")
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    report = import_ucdp(store, path, version="25.1", on_bad_row="skip")
    assert [(e.line, e.column) for e in report.skipped] == [(3, None), (4, None), (5, "event_clarity")]
    assert report.added == ["TEST-MLI-2025-20", "TEST-MLI-2025-21"]
    assert "repeats the row ID 'TEST-MLI-2025-20' of line 2" in report.skipped[1].message
    assert "'7' is not a UCDP event clarity" in report.skipped[2].message
    report.write_rejects(rejects)
    written = list(csv.DictReader(open(rejects, newline="", encoding="utf-8")))
    assert [(r["line"], r["column"], r["relid"]) for r in written] == [
        ("3", "", ""), ("4", "", "TEST-MLI-2025-20"), ("5", "event_clarity", "TEST-MLI-2025-23")]
    assert select(store, "SELECT ?flag WHERE { event:ucdp-test-mli-2025-20 skg:datasetFlag ?flag } ORDER BY ?flag") == [
        ("https://w3id.org/sahelkg/vocab/dataset-flag/ucdp-code-status-check",),
        ("https://w3id.org/sahelkg/vocab/dataset-flag/ucdp-event-clarity-low",)]


def test_skip_does_not_skip_the_shacl_gate(tmp_path, capsys):
    """Skipping is for rows that cannot be read; a mapped row the shapes refuse still refuses the
    whole import (an ACLED timestamp before the event: its claim would predate the event)."""
    with open(DATA / "acled.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["timestamp"] = "946684800"
    rows[1]["fatalities"] = "many"
    path = tmp_path / "acled.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert cli.main(["import", "acled", str(path), "--seed", "--on-bad-row", "skip", "-q"]) == 1
    captured = capsys.readouterr()
    assert "would break the SHACL shapes" in captured.err and "nothing was imported" in captured.err


def test_an_unwritable_rejects_file_is_refused_before_anything_is_imported(tmp_path, capsys):
    missing = tmp_path / "no-such-folder" / "rejects.csv"
    assert cli.main(["import", "ucdp", str(DATA / "ucdp_issue10.csv"), "--seed", "--on-bad-row", "skip",
                     "--rejects", str(missing), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: cannot write the rejects file there" in err and "--rejects FILE" in err
