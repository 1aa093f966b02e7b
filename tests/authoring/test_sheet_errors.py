"""Every kind of sheet problem names its sheet line, and `author check` reports all at once."""

from __future__ import annotations

import pytest

from sahelkg.cli.main import main
from tests.authoring.conftest import DATA, FIXTURE_SHEET, problems_of

TEXT = FIXTURE_SHEET.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


CASES = [
    # (what is broken, replace this, with this, the line holds this after, message part)
    ("unknown actor", "accused: [Kelmaran Defence Forces]", "accused: [Kelmaran Navy]", "Kelmaran Navy", "unknown actor"),
    ("absent quote", '"burned over 1,000 homes"', '"burned over 2,000 homes"', "burned over 2,000 homes", "not in the text"),
    ("ambiguous quote", '"The group claimed responsibility for the ambush"', '"Bandiko"', 'quotes: ["Bandiko"]',
     "occurs"),
    ("count wording", "wording: up to 400 families", "wording: many families", "many families", "no number"),
    ("weekday", '"on Friday, March 7"', '"on Saturday, March 7"', "Saturday, March 7", "not a Saturday"),
    ("unknown concept", "stance: rejects,", "stance: refutes,", "refutes", "not a concept of vocab/stance"),
    ("unknown key", "grounds: [biased, unverified]", "grounds: [biased, unverified], colour: red", "colour",
     "unknown key 'colour'"),
    ("unknown local id", "disputes: s1-collective-accuses", "disputes: s9-nothing", "s9-nothing", "not a claim id"),
]


@pytest.mark.parametrize("what, old, new, marker, message", CASES, ids=[c[0] for c in CASES])
def test_problem_names_the_line(what, old, new, marker, message):
    assert old in TEXT
    broken = TEXT.replace(old, new, 1)
    found = problems_of(broken)
    assert found, f"{what}: no problem reported"
    assert any(line == line_of(broken, marker) and message in text for line, text in found), found


def test_ambiguous_name_lists_candidates():
    broken = TEXT.replace("  watchlight: {kind: HumanRightsOrganisation, label: Watchlight Rights Network}",
                          "  watchlight: {kind: HumanRightsOrganisation, label: Watchlight Rights Network, "
                          "names: [Bandiko group]}\n"
                          "  other: {kind: Organisation, label: Other, names: [Bandiko group]}")
    broken = broken.replace("{by: watchlight, claims", "{by: Bandiko group, claims")
    found = problems_of(broken)
    assert any(line == line_of(broken, "{by: Bandiko group") and "ambiguous" in text and "watchlight" in text
               and "other" in text for line, text in found), found


def test_yaml_syntax_error_names_the_line():
    broken = TEXT.replace("new-places:\n", "new-places:\n  kelmara: {type: country, label: [Kelmara}\n", 1)
    found = problems_of(broken)
    assert found and found[0][0] in (line_of(broken, "label: [Kelmara}"), line_of(broken, "label: [Kelmara}") + 1)


def test_check_reports_every_problem_at_once(tmp_path, capsys):
    broken = TEXT.replace("Kelmaran Defence Forces]", "Kelmaran Navy]").replace("stance: rejects,", "stance: refutes,")
    path = tmp_path / "broken.yaml"
    path.write_text(broken.replace("text: oudra-courier.txt", f"text: {DATA / 'oudra-courier.txt'}"), encoding="utf-8")
    assert main(["author", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{line_of(broken, 'Kelmaran Navy')}:" in err
    assert f"{path}:{line_of(broken, 'refutes')}:" in err
    assert "2 problem(s)" in err


def test_a_gate_violation_refuses_the_build(tmp_path, capsys):
    # An exact count whose bounds disagree: the wording reads 9, the sheet forces a maximum of 5.
    broken = TEXT.replace("{wording: nine wounded, outcome: injured,", "{wording: nine wounded, maximum: 5, outcome: injured,")
    path = tmp_path / "gate.yaml"
    path.write_text(broken.replace("text: oudra-courier.txt", f"text: {DATA / 'oudra-courier.txt'}"), encoding="utf-8")
    assert main(["author", "build", str(path), "-o", str(tmp_path / "out.trig")]) == 1
    assert "does not conform" in capsys.readouterr().err


@pytest.mark.parametrize("old, new, marker, message", [
    ("events:\n", "events: [a, b]\nevents-old:\n", "events: [a, b]", "must be a mapping"),
    ("{wording: nine wounded,", "{wording: nine wounded, minimum: ten,", "minimum: ten", "whole number"),
])
def test_malformed_sections_and_numbers_name_the_line(old, new, marker, message):
    broken = TEXT.replace(old, new, 1)
    found = problems_of(broken)
    assert any(line == line_of(broken, marker) and message in text for line, text in found), found
