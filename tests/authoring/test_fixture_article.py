"""The done-when of issue 11 on a fictional article: one sheet of under 80 lines with claims of
five and more stances, counts with 'including' parts and a denial builds, passes the gate, its
anchors verify against the text, and the audits show its claims (through the real CLI)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg import namespaces as ns
from sahelkg.authoring import anchors, publish
from sahelkg.cli.main import main
from tests.authoring.conftest import FIXTURE_SHEET, build_text, context

SKG = ns.SKG


@pytest.fixture(scope="module")
def built():
    return build_text(FIXTURE_SHEET.read_text(encoding="utf-8"))


def _objects(built, subject_suffix: str, predicate: str) -> set[str]:
    return {q.object.value for q in built.quads
            if q.subject.value.endswith(subject_suffix) and q.predicate.value == predicate}


def test_the_sheet_is_short(built):
    assert len(FIXTURE_SHEET.read_text(encoding="utf-8").splitlines()) < 80


def test_passes_the_gate(built):
    report = publish.check(built, FIXTURE_SHEET, context=list(context()))
    assert report.conforms, report.to_text()


def test_claims_of_six_stances_and_a_denial(built):
    stances = {q.object.value.rsplit("/", 1)[1] for q in built.quads if q.predicate.value == SKG + "stance"}
    assert {"accuses", "denies", "acknowledges", "rejects", "claims-responsibility", "calls-for-investigation",
            "reports-absence"} <= stances
    assert _objects(built, "claim/t901-s2-army-denies", SKG + "disputes") == {ns.ID + "claim/t901-s1-collective-accuses"}


def test_counts_from_wording_with_including_parts(built):
    by_wording = {}
    for q in built.quads:
        if q.predicate.value == SKG + "originalWording" and "/count/" in q.subject.value:
            by_wording[q.object.value] = q.subject.value
    whole = by_wording["at least 32 civilians"]
    drone = by_wording["including 7 in a drone strike"]
    assert _objects(built, whole, SKG + "minimum") == {"32"} and not _objects(built, whole, SKG + "maximum")
    assert _objects(built, drone, SKG + "partOf") == {whole}
    assert _objects(built, drone, SKG + "qualifier") == {ns.VOCAB + "count-qualifier/exact"}
    assert _objects(built, by_wording["over 1,000 homes"], SKG + "minimum") == {"1001"}
    assert _objects(built, by_wording["up to 400 families"], SKG + "maximum") == {"400"}
    assert not _objects(built, by_wording["up to 400 families"], SKG + "minimum")
    assert _objects(built, by_wording["mostly men"], SKG + "proportion") == {ns.VOCAB + "proportion/most"}
    assert _objects(built, by_wording["dozens of the dead were farmers and herders"], SKG + "maximum") == {"99"}


def test_dates_from_wording(built):
    span = ns.ID + "timespan/t901-on-thursday-march-6"
    assert _objects(built, span, SKG + "startDate") == {"2025-03-06"}
    assert _objects(built, span, SKG + "startPrecision") == {ns.VOCAB + "date-precision/day"}
    assert any("not printed" in r for r in _objects(built, span, SKG + "dateResolution"))


def test_anchors_verify_against_the_text(built, fixture_texts_held):
    assert anchors.check_anchors(built.quads) == []
    assert sum(1 for q in built.quads if q.predicate.value == ns.PREFIXES["oa"] + "exact") >= 8


def test_a_moved_anchor_is_caught(built, fixture_texts_held):
    moved = [ox.Quad(q.subject, q.predicate, ox.Literal(str(int(q.object.value) + 1), datatype=q.object.datatype),
                     q.graph_name) if q.predicate.value == ns.PREFIXES["oa"] + "start" else q for q in built.quads]
    results = anchors.check_anchors(moved)
    assert results and all(r.severity == "Violation" for r in results)


def test_add_then_audits_show_its_claims(tmp_path, capsys, fixture_texts_held):
    store = tmp_path / "store"
    assert main(["author", "add", str(FIXTURE_SHEET), "--store", str(store), "--seed"]) == 0
    assert "added graph:source/t901" in capsys.readouterr().out
    assert main(["audit", "contested", "--store", str(store)]) == 0
    contested = capsys.readouterr().out
    assert "t901-s1-collective-accuses" in contested or "Tessaloum Solidarity Collective" in contested
    assert main(["audit", "actor", "Kelmaran Defence Forces", "--store", str(store)]) == 0
    dossier = capsys.readouterr().out
    assert "Tessaloum Solidarity Collective" in dossier
    # Adding the same sheet again changes nothing (a re-run after a crash); a changed sheet is refused.
    assert main(["author", "add", str(FIXTURE_SHEET), "--store", str(store)]) == 0
    assert "already added" in capsys.readouterr().out
    changed = tmp_path / "changed.yaml"
    changed.write_text(FIXTURE_SHEET.read_text(encoding="utf-8").replace("text: oudra-courier.txt", "text: "
                       + str(FIXTURE_SHEET.parent / "oudra-courier.txt")).replace("mostly men", "mostly women"),
                       encoding="utf-8")
    assert main(["author", "add", str(changed), "--store", str(store)]) == 1
    assert "already holds" in capsys.readouterr().err
