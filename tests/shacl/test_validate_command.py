"""`sahelkg validate`, run as a user would: exit codes 0 / 1 / 2 and the three report formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import BASE, FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def sahelkg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sahelkg.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_the_seed_files_conform_exit_0():
    result = sahelkg("validate", "ontology/sahelkg.ttl", "data")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("conforms: 0 violation(s), 0 warning(s), 2 info(s)")
    assert "== Info (2) ==" in result.stdout


def test_violations_exit_1_with_json_results(tmp_path):
    broken = FIXTURES / "invalid" / "count-minimum-above-maximum.trig"
    result = sahelkg("validate", str(BASE), str(broken), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    violations = [r for r in report["results"] if r["severity"] == "Violation"]
    assert {(r["focus_node"], r["source_shape"]) for r in violations} == {
        ("https://w3id.org/sahelkg/id/count/t001-x", "https://w3id.org/sahelkg/ontology#CountShape-minimumNotAboveMaximum")}
    # The fixture's document has no held text: its anchor is reported as unverifiable, not as broken.
    others = {(r["severity"], r["source_shape"]) for r in report["results"] if r not in violations}
    assert others == {("Warning", "https://w3id.org/sahelkg/shapes#AnchorTextCheck")}


def test_turtle_report_is_a_shacl_validation_report():
    result = sahelkg("validate", "ontology/sahelkg.ttl", "data", "--format", "turtle")
    assert result.returncode == 0
    assert "sh:ValidationReport" in result.stdout and "sh:conforms true" in result.stdout


def test_an_unreadable_file_exits_2_with_line_and_column(tmp_path):
    bad = tmp_path / "bad.trig"
    bad.write_text("<https://w3id.org/sahelkg/graph/x> {\n <urn:a> <urn:b> .\n}\n")
    result = sahelkg("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr


def test_files_against_a_store_are_checked_as_a_change(tmp_path):
    store = tmp_path / "store"
    assert sahelkg("load", "ontology/sahelkg.ttl", "data", "--store", str(store)).returncode == 0
    article = tmp_path / "a001.trig"
    article.write_text(
        "@prefix skg: <https://w3id.org/sahelkg/ontology#> .\n"
        "<https://w3id.org/sahelkg/graph/source/a001> {\n"
        "  <https://w3id.org/sahelkg/id/count/a001-x> a skg:Count .\n}\n")
    result = sahelkg("validate", str(article), "--store", str(store))
    assert result.returncode == 1
    assert "count/a001-x" in result.stdout and "skg:CountShape-countOf" in result.stdout
    whole = sahelkg("validate", "--store", str(store), "--format", "json")
    assert whole.returncode == 0, whole.stdout
    assert json.loads(whole.stdout)["counts"] == {"Violation": 0, "Warning": 0, "Info": 2}
    # The default engine (the gate's, compiled to Python) gives every engine's results.
    for engine in ("pyshacl", "sparql", "native"):
        other = sahelkg("validate", "--store", str(store), "--format", "json", "--engine", engine)
        assert other.returncode == 0
        assert json.loads(other.stdout)["results"] == json.loads(whole.stdout)["results"], engine


def test_a_store_s_anchors_are_read_by_pattern_with_the_results_of_every_quad():
    """`validate --store` hands the anchor check only the quads it reads (anchors, selectors,
    hashes) or, with the native engine, the view of the store its validation built, not every
    quad of the store: the results are those every quad gives, with a quote edited so that it
    no longer matches (a Violation when the text is held, a Warning if not)."""
    import pyoxigraph as ox

    from sahelkg.authoring import anchors
    from sahelkg.cli.validate import _anchor_quads, _anchors_of_view
    from sahelkg.dataset import loading
    from sahelkg.gate import after_change, engine_native, validation
    from sahelkg.store import EmbeddedStore

    quads = list(loading.dataset_quads(loading.seed_paths()))
    exact = ox.NamedNode(anchors.OA + "exact")
    edited = next(i for i, q in enumerate(quads) if q.predicate == exact)
    q = quads[edited]
    quads[edited] = ox.Quad(q.subject, q.predicate, ox.Literal("words the article never wrote"), q.graph_name)
    store = EmbeddedStore()
    store.load_quads(quads)
    every = anchors.check_anchors(store.oxigraph.quads_for_pattern(None, None, None, None))
    assert every
    assert sorted(r.key() for r in anchors.check_anchors(_anchor_quads(store.oxigraph))) == sorted(r.key() for r in every)
    # The whole-store validation reads them from its view of the store instead: the same results.
    view, _focus = engine_native.dataset_view_of_graphs(after_change.graph_texts(store.oxigraph))
    assert sorted(r.key() for r in _anchors_of_view(view)) == sorted(r.key() for r in every)
    assert [r.key() for r in validation.validate_store(store, view_checks=[_anchors_of_view]).results[-len(every):]] \
        == [r.key() for r in every]
