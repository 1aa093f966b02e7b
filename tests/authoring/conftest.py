"""Shared pieces for the authoring tests: the fictional fixture (tests/authoring/data), the
reference index, and building a sheet text with problems reported as (line, message)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from sahelkg.authoring import anchors, build, names, publish, sheet

DATA = Path(__file__).parent / "data"
FIXTURE_SHEET = DATA / "oudra-courier.yaml"
FIXTURE_TEXT = DATA / "oudra-courier.txt"


@functools.cache
def reference_quads():
    return tuple(names.reference_quads_from_files())


@functools.cache
def context():
    return publish.context_quads()


def build_text(text: str) -> build.Built:
    """Build a sheet given as text (paths in it are relative to the fixture folder)."""
    return build.build(sheet.parse(text), names.Reference.from_quads(reference_quads()), sheet_dir=DATA)


def problems_of(text: str) -> list[tuple[int, str]]:
    """Return the problems building `text` raises, as (line, message); [] when it builds."""
    try:
        build_text(text)
    except sheet.SheetError as error:
        return [(p.line, p.message) for p in error.problems]
    return []


@pytest.fixture()
def fixture_texts_held(monkeypatch):
    """Make the fixture folder a text folder (as $SAHELKG_TEXTS would)."""
    monkeypatch.setenv("SAHELKG_TEXTS", str(DATA))
    anchors._hashes_in.cache_clear()
    yield
    anchors._hashes_in.cache_clear()
