"""The name index on its own: folding, word-prefix matching, ranking, kinds, limits."""

from __future__ import annotations

from sahelkg.web.search_index import KINDS, RDFS, SKOS, SearchIndex, build, fold

ACTOR = "https://w3id.org/sahelkg/id/actor/"
SKG = "https://w3id.org/sahelkg/ontology#"


def test_fold_removes_accents_case_and_punctuation():
    assert fold("Ségou") == fold("SEGOU") == fold("segou") == "segou"
    assert fold("Mali’s armed forces") == "mali s armed forces"
    assert fold("  Jama'at   Nusrat ") == "jama at nusrat"
    assert fold("ØRESUND straße") == "øresund strasse"


def test_every_word_must_start_a_word_of_one_name():
    index = SearchIndex.from_rows([
        (ACTOR + "fama", "actor", SKOS + "prefLabel", "Malian Armed Forces", "en"),
        (ACTOR + "fama", "actor", SKOS + "prefLabel", "Forces armées maliennes", "fr"),
        (ACTOR + "faf", "actor", SKOS + "prefLabel", "French Armed Forces", "en"),
    ])
    assert [h.iri for h in index.search("armees mal").hits] == [ACTOR + "fama"]
    assert {h.iri for h in index.search("armed forces").hits} == {ACTOR + "fama", ACTOR + "faf"}
    assert index.search("rmed").total == 0  # inside a word: no match
    hit = index.search("maliennes").hits[0]
    assert hit.label == "Malian Armed Forces" and hit.matched == "Forces armées maliennes"


def test_an_exact_name_comes_first_then_kinds_in_order():
    rows = [
        ("https://w3id.org/sahelkg/id/document/d", "document", RDFS + "label", "Mali", "en"),
        ("https://w3id.org/sahelkg/id/event/e", "event", RDFS + "label", "Attack in Mali", "en"),
        ("https://w3id.org/sahelkg/id/place/mali", "place", SKOS + "prefLabel", "Mali", "en"),
        (ACTOR + "junta", "actor", SKOS + "prefLabel", "Malian military junta", "en"),
    ]
    found = SearchIndex.from_rows(rows).search("mali")
    assert [h.kind for h in found.hits] == ["place", "document", "actor", "event"]
    assert found.total == 4


def test_kind_filter_and_limit():
    rows = [(f"https://w3id.org/sahelkg/id/event/e{i}", "event", RDFS + "label", f"Attack number {i}", "en")
            for i in range(30)] + [(ACTOR + "a", "actor", SKOS + "prefLabel", "Attack group", "en")]
    index = SearchIndex.from_rows(rows)
    found = index.search("attack", limit=5)
    assert len(found.hits) == 5 and found.total == 31 and found.hits[0].kind == "actor"
    assert index.search("attack", kinds=["actor"]).total == 1
    assert set(KINDS) == {"actor", "place", "event", "document"}


def test_english_preferred_label_is_displayed():
    index = SearchIndex.from_rows([
        (ACTOR + "x", "actor", SKOS + "altLabel", "X-alias", "en"),
        (ACTOR + "x", "actor", SKOS + "prefLabel", "Groupe X", "fr"),
        (ACTOR + "x", "actor", SKOS + "prefLabel", "Group X", "en"),
        (ACTOR + "x", "actor", SKG + "nameInSource", "the X fighters", "en"),
    ])
    hit = index.search("fighters").hits[0]
    assert hit.label == "Group X" and hit.matched == "the X fighters"


def test_the_seed_index_finds_every_kind(seed_store):
    index = build(seed_store)
    assert index.search("fama").hits[0].iri == ACTOR + "fama"
    assert index.search("Ségou").hits[0].iri == "https://w3id.org/sahelkg/id/place/segou-region"
    assert any(h.kind == "event" for h in index.search("niono attack").hits)
    assert any(h.kind == "document" for h in index.search("human rights watch report").hits)


def test_broad_queries_on_a_large_index_count_everything_and_list_the_best():
    # 100,000 event names shaped like an ACLED import's (timings: bench/workbench.py, not here).
    places = ["Niono", "Boni", "Ménaka", "Gao", "Tessit", "Djibo", "Kidal", "Ségou", "Mopti", "Tillabéri"]
    rows = [(f"https://w3id.org/sahelkg/id/event/acled-{i}", "event", RDFS + "label",
             f"Attack in {places[i % 10]}, Mali, {1 + i % 28} January 2025 (ACLED MLI{i:06d})", "en")
            for i in range(100_000)]
    rows.append(("https://w3id.org/sahelkg/id/place/menaka", "place", SKOS + "prefLabel", "Ménaka", "fr"))
    index = SearchIndex.from_rows(rows)
    assert index.search("attack", limit=20).total == 100_000
    assert len(index.search("attack", limit=20).hits) == 20
    menaka = index.search("MENAKA", limit=5)
    assert menaka.total == 10_001 and menaka.hits[0].iri.endswith("/place/menaka")
    assert index.search("tillaberi jan mli000009").total == 1
    assert index.search("a").total == 100_000  # every event ("attack"), not the place
