"""`sahelkg import` on the command line, and imported graphs against the SHACL shapes."""

from __future__ import annotations

import pytest

from sahelkg.cli import main as cli
from sahelkg.importers.acled import import_acled
from sahelkg.importers.ucdp import import_ucdp

from .conftest import DATA


def test_sahelkg_import_writes_to_a_store_and_a_second_run_changes_nothing(tmp_path, capsys):
    store_dir = str(tmp_path / "store")
    assert cli.main(["import", "acled", str(DATA / "acled.csv"), "--store", store_dir, "--seed", "-q"]) == 0
    out = capsys.readouterr().out
    assert "added 3" in out and "actors created" in out
    assert cli.main(["import", "acled", str(DATA / "acled.csv"), "--store", store_dir, "-q"]) == 0
    assert "already imported" in capsys.readouterr().out


def test_sahelkg_import_reports_a_malformed_row_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text((DATA / "ucdp.csv").read_text().replace(",2024-11-10,2024-11-16,", ",2024-11-10,16/11/2024,"))
    assert cli.main(["import", "ucdp", str(bad), "--seed", "-q"]) == 1
    err = capsys.readouterr().err
    assert "line 3, column 'date_end'" in err and "nothing was imported" in err


def test_sahelkg_import_without_vocabularies_says_what_to_load(tmp_path, capsys):
    assert cli.main(["import", "acled", str(DATA / "acled.csv"), "-q"]) == 1
    assert "--seed" in capsys.readouterr().err


def test_imported_graphs_conform_to_the_shapes(store):
    validation = pytest.importorskip("sahelkg.gate.validation")
    import_acled(store, DATA / "acled.csv")
    import_acled(store, DATA / "acled_v2.csv")
    import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    import_ucdp(store, DATA / "ucdp_legacy.csv", version="19.1")
    import_acled(store, DATA / "acled_issue10.csv")
    import_ucdp(store, DATA / "ucdp_issue10.csv", version="25.1", on_bad_row="skip")
    report = validation.validate_quads(list(store.quads()))
    assert report.conforms, report.to_text()
    assert report.counts()["Warning"] == 0, report.to_text()
