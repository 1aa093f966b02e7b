"""`sahelkg validate` checks every anchor against its document's held text: a wrong selector is a
violation, and a selector on a document whose text is not held is reported as unverifiable."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sahelkg.authoring import build as building
from sahelkg.cli.main import main
from sahelkg.resources import resource
from tests.authoring.conftest import FIXTURE_SHEET, build_text

CONTEXT = [str(resource("ontology", "sahelkg.ttl")), str(resource("data", "reference.trig")),
           str(resource("data", "vocabularies.trig"))]
OA = "http://www.w3.org/ns/oa#"


@pytest.fixture(scope="module")
def built():
    return build_text(FIXTURE_SHEET.read_text(encoding="utf-8"))


def write(path, quads) -> str:
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=building.PREFIXES) or b"")
    return str(path)


def test_held_text_anchors_pass(built, tmp_path, capsys, fixture_texts_held):
    assert main(["validate", *CONTEXT, write(tmp_path / "t901.trig", built.quads)]) == 0
    assert "AnchorTextCheck" not in capsys.readouterr().out


def test_a_wrong_position_is_a_violation(built, tmp_path, capsys, fixture_texts_held):
    moved = [ox.Quad(q.subject, q.predicate, ox.Literal(str(int(q.object.value) + 3), datatype=q.object.datatype),
                     q.graph_name) if q.predicate.value == OA + "end" else q for q in built.quads]
    assert main(["validate", *CONTEXT, write(tmp_path / "moved.trig", moved)]) == 1
    out = capsys.readouterr().out
    assert "skgv:AnchorTextCheck" in out and "not the quote" in out


def test_a_made_up_selector_on_a_document_without_text_is_unverifiable(built, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SAHELKG_TEXTS", raising=False)
    sha = ox.NamedNode("https://w3id.org/sahelkg/ontology#sha256")
    unheld = [ox.Quad(q.subject, q.predicate, ox.Literal("0" * 64), q.graph_name) if q.predicate == sha else q
              for q in built.quads]
    main(["validate", *CONTEXT, write(tmp_path / "unheld.trig", unheld)])
    out = capsys.readouterr().out
    assert "unverifiable anchor" in out and "doc:t901" in out
