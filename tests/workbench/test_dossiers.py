"""The actor dossier (not yet served at /id/actor/…: see docs/workbench.md): one row per claim,
counts as a reader says them, dates at their precision, denials with what they leave undenied."""

from __future__ import annotations

import pytest

from sahelkg.web import dossiers, layout
from sahelkg.web.pages import Site

ACTOR = "https://w3id.org/sahelkg/id/actor/"


@pytest.fixture(scope="module")
def wagner(seed_store):
    site = Site()
    return dossiers.actor_dossier(seed_store, ACTOR + "wagner-group", lambda iri: layout.web_href(site, iri))


def test_the_wagner_dossier_has_its_four_allegations_one_row_each(wagner):
    assert wagner.name == "Wagner Group" and "private military company" in wagner.kinds
    assert len(wagner.against) == 4
    assert len({row.iri for row in wagner.against}) == 4
    hrw = [row for row in wagner.against if "32+ civilians killed (at least)" in row.counts]
    assert len(hrw) == 1 and hrw[0].date == "December 2024"
    assert "100+ dwellings burned (at least)" in hrw[0].counts
    assert all(row.quotes for row in wagner.against)


def test_the_kel_ansar_denial_leaves_wagner_undenied(wagner):
    denied = [d for row in wagner.against for d in row.denials]
    assert denied
    for denial in denied:
        assert [a.label for a in denial.leaves] == ["Wagner Group"]
        assert "Malian Armed Forces" in denial.denies[0].label


def test_the_dossier_page_renders_escaped(wagner):
    page = layout.render("actor.html", dossier=wagner, alternates=[], language_names={"en": "English"},
                         title=wagner.name, request_path="/id/actor/wagner-group")
    assert "does not deny the part of" in page and 'href="/id/actor/wagner-group"' in page
    assert "32+ civilians killed (at least)" in page and "<script>" not in page


def test_a_place_has_no_actor_dossier(seed_store):
    assert dossiers.actor_dossier(seed_store, "https://w3id.org/sahelkg/id/place/mali", str) is None


@pytest.mark.parametrize(("arguments", "phrase"), [
    (("47", "", "at-least", "executed", "civilians"), "47+ civilians executed (at least)"),
    (("2000", "9999", "unspecified-plural", "displaced", ""), "an unstated number (2,000–9,999) of displaced"),
    (("10", "20", "range", "killed", ""), "10–20 killed"),
    (("50", "", "approximately", "killed", "civilians"), "about 50 civilians killed"),
])
def test_count_phrases(arguments, phrase):
    assert dossiers.count_phrase(*arguments) == phrase
