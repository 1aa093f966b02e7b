"""Round trips: the seed article's sheet rebuilds data/sources/a000.trig, and sheet → graph →
sheet is stable (on the fixture and on generated sheets)."""

from __future__ import annotations

import os

import hypothesis.strategies as st
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings

from sahelkg import namespaces as ns
from sahelkg.authoring import anchors, build, names, sheet, writeback
from sahelkg.dataset import loading
from sahelkg.resources import resource
from tests.authoring.conftest import FIXTURE_SHEET, FIXTURE_TEXT, build_text, reference_quads

A000_SHEET = resource("data", "sheets", "a000.yaml")
A000_GRAPH = resource("data", "sources", "a000.trig")
SEED_SHA = "64bf1840e8f9890eb3b265269218fa3e79e231a7e4bb70e530233c2b9264337a"
# Triples in which the rebuilt graph may differ from data/sources/a000.trig, each an improvement
# listed in docs/authoring.md ("Round trip of the seed article"). Empty: the rebuild is identical.
DOCUMENTED_DIFFERENCES: set[tuple[str, str, str]] = set()


def reference() -> names.Reference:
    return names.Reference.from_quads(reference_quads())


def triples(quads, graph: str) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph}


def test_the_seed_sheet_rebuilds_the_seed_graph():
    if anchors.find_text(SEED_SHA) is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the seed article's text is not held (../shared/seed or $SAHELKG_SEED_DIR); CI requires it")
        pytest.skip("the seed article's text is not held (../shared/seed or $SAHELKG_SEED_DIR): quotes cannot be found")
    built = build.build(sheet.parse(A000_SHEET.read_text(encoding="utf-8")), reference(), sheet_dir=A000_SHEET.parent)
    graph = ns.SOURCE_GRAPH_PREFIX + "a000"
    rebuilt, committed = triples(built.quads, graph), triples(loading.parse_file(A000_GRAPH).quads, graph)
    differences = (rebuilt ^ committed) - DOCUMENTED_DIFFERENCES
    assert not differences, (f"{len(differences)} undocumented difference(s) (regenerate the sheet with `sahelkg author "
                             f"sheet a000 --seed -o data/sheets/a000.yaml` if a000.trig changed): {sorted(differences)[:6]}")
    # The sheet says most of it in its own keys: only what it has no key for is Turtle.
    turtle = sheet.parse(A000_SHEET.read_text(encoding="utf-8")).get("turtle") or ""
    assert len(str(turtle).splitlines()) < 0.05 * len(committed)


def test_fixture_sheet_graph_sheet_is_stable():
    text = FIXTURE_TEXT.read_text(encoding="utf-8")
    first = build_text(FIXTURE_SHEET.read_text(encoding="utf-8"))
    source_quads = [q for q in first.quads if q.graph_name.value == first.graph]
    written = writeback.sheet_of(source_quads, reference(), text=text)
    assert "turtle" not in written, written.get("turtle")
    again = build.build(writeback._located(written), reference(), text_content=text)
    assert triples(again.quads, first.graph) == triples(first.quads, first.graph)
    assert writeback.sheet_of([q for q in again.quads if q.graph_name.value == first.graph], reference(),
                              text=text) == written


# ---- generated sheets ----
ACTORS = ["fama", "wagner-group", "jnim", "isgs", "csp-dpa", "human-rights-watch", "kal-akal"]
WHOLE_WORDINGS = ["at least {n} civilians", "over {n} homes", "{n} soldiers", "up to {n} people", "about {n} people",
                  "between {n} and {m} people", "dozens of people", "thousands of people"]
STANCES = ["accuses", "reports", "calls-for-investigation", "claims-responsibility"]


@st.composite
def sheets(draw) -> tuple[str, str]:
    """Return (sheet text, source text): claims with counts (and 'including' parts) and quotes."""
    sentences = [f"Sentence {i} tells of event {i} near place {i * 7}." for i in range(draw(st.integers(3, 8)))]
    text = " ".join(sentences)
    lines = ["source: h001", "document: {kind: news-article, label: Generated, publisher: kal-akal, language: en, "
             "published: 'March 10, 2025'}", "events:", "  e1: {type: acled-attack, label: An attack, place: mali, "
             "when: 'on Tuesday, March 4'}", "statements:"]
    for s_index in range(draw(st.integers(1, 3))):
        by = draw(st.sampled_from(ACTORS))
        lines.append(f"  - by: {by}")
        lines.append(f"    when: '{draw(st.sampled_from(['on Friday, March 7', 'in February', 'since May 2024']))}'")
        lines.append("    claims:")
        for c_index in range(draw(st.integers(1, 3))):
            stance = draw(st.sampled_from(STANCES))
            lines.append(f"      - id: s{s_index + 1}-{c_index + 1}")
            lines.append(f"        stance: {stance}")
            lines.append("        about: e1")
            if stance in ("accuses", "claims-responsibility"):
                accused = by if stance == "claims-responsibility" else draw(st.sampled_from(ACTORS))
                lines.append(f"        accused: [{accused}]")
            quoted = draw(st.lists(st.sampled_from(sentences), max_size=2, unique=True))
            if quoted:
                lines.append("        quotes: [" + ", ".join(f"'{q}'" for q in quoted) + "]")
            if stance == "accuses" and draw(st.booleans()):
                n = draw(st.integers(2, 900))
                wording = draw(st.sampled_from(WHOLE_WORDINGS)).format(n=n, m=n + draw(st.integers(1, 50)))
                lines.append(f"        counts: [{{wording: '{wording}', outcome: killed, victims: civilians")
                if draw(st.booleans()) and "{n}" not in wording.replace(str(n), "{n}") or True:
                    part = draw(st.integers(1, 2))
                    lines[-1] += f", parts: [{{wording: 'including {part} children', victims: children}}]"
                lines[-1] += "}]"
    return "\n".join(lines) + "\n", text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_generated_sheets_round_trip(case):
    text_of_sheet, source_text = case
    ref = reference()
    first = build.build(sheet.parse(text_of_sheet), ref, text_content=source_text)
    graph = first.graph
    own = [q for q in first.quads if q.graph_name.value == graph]
    written = writeback.sheet_of(own, ref, text=source_text)
    again = build.build(sheet.parse(writeback.dump(written)), ref, text_content=source_text)
    assert triples(again.quads, graph) == triples(first.quads, graph)
    assert writeback.sheet_of([q for q in again.quads if q.graph_name.value == graph], ref, text=source_text) == written
