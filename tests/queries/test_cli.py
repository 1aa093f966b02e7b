"""`sahelkg query --saved NAME --param k=v` runs a saved query with the same binding as the API."""

from __future__ import annotations

import csv
import io

from sahelkg.cli import main as cli


def run_cli(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_saved_query_runs_from_the_command_line(capsys):
    status, out, _ = run_cli(capsys, "query", "--seed", "--saved", "cq3-affiliates-of",
                             "--param", "parent=actor:al-qaeda", "--format", "csv")
    assert status == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(r["group"], r["claim"]) for r in table] == [
        ("https://w3id.org/sahelkg/id/actor/jnim", "https://w3id.org/sahelkg/id/claim/a000-s10-jnim-al-qaeda-link")]


def test_a_bad_parameter_is_a_usage_error(capsys):
    status, out, err = run_cli(capsys, "query", "--seed", "--saved", "cq6-claims-by-claimant", "--param", "since=soon")
    assert status == 2 and out == ""
    assert "'since' must be a date YYYY-MM-DD" in err


def test_an_unknown_saved_query_is_named(capsys):
    status, _, err = run_cli(capsys, "query", "--seed", "--saved", "cq9")
    assert status == 2 and "no saved query 'cq9'" in err
