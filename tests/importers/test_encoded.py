"""Quads as N-Triples text (sahelkg.store.encoded): the text is what pyoxigraph prints, and every store
writes an EncodedQuads change exactly as it writes the same quads as objects, all or nothing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahelkg.importers.acled import import_acled
from sahelkg.importers.ucdp import import_ucdp
from sahelkg.store import EmbeddedStore, StoreError, _data_block, quads_from_nquads, quads_to_nquads
from sahelkg.store.change import Change
from sahelkg.store.encoded import XSD, EncodedQuads, decode, encode, iri, literal

from .conftest import DATA

# Characters Oxigraph escapes or that are easy to get wrong: controls, quotes, backslash, DEL,
# the Unicode line separators, non-characters, non-BMP.
AWKWARD = "\x00\x01\x08\t\n\x0b\x0c\r\x1f\"'\\\x7f\x80\x85\xa0\u2028\u2029\ufeff\ufffe\uffff\U0001f600\U000e0001é"
texts = st.text(st.one_of(st.sampled_from(AWKWARD), st.characters(exclude_categories=("Cs",))), max_size=40)
datatypes = st.sampled_from([XSD + "string", XSD + "integer", XSD + "date", XSD + "decimal",
                             "http://example.org/dt#custom", "https://w3id.org/sahelkg/ontology#x"])
languages = st.from_regex(r"\A[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?\Z")  # language, script, region
iris = st.from_regex(r"\Ahttps?://example\.org/[a-z0-9/_-]{0,20}(#[a-z0-9_-]{0,5})?\Z").map(ox.NamedNode)
blanks = st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z").map(ox.BlankNode)


@settings(max_examples=400, deadline=None)
@given(texts, datatypes)
def test_a_typed_literal_is_written_as_pyoxigraph_prints_it(value, datatype):
    expected = ox.Literal(value, datatype=ox.NamedNode(datatype))
    assert literal(value, datatype) == str(expected)
    assert decode(literal(value, datatype)) == expected


@settings(max_examples=300, deadline=None)
@given(texts, languages)
def test_a_language_literal_is_written_as_pyoxigraph_prints_it(value, language):
    expected = ox.Literal(value, language=language)
    assert literal(value, language=language) == str(expected)
    assert decode(literal(value, language=language)) == expected


@settings(max_examples=200, deadline=None)
@given(texts)
def test_a_plain_literal_is_an_xsd_string(value):
    assert literal(value) == str(ox.Literal(value))
    assert decode(literal(value)) == ox.Literal(value)


@pytest.mark.parametrize("character", list(AWKWARD))
def test_each_awkward_character_alone_and_among_text(character):
    for value in (character, f'a{character}b"', character * 3):
        assert literal(value) == str(ox.Literal(value))
        assert decode(literal(value)) == ox.Literal(value)


objects = st.one_of(iris, blanks, st.builds(lambda v: ox.Literal(v), texts),
                    st.builds(lambda v, d: ox.Literal(v, datatype=ox.NamedNode(d)), texts, datatypes),
                    st.builds(lambda v, lang: ox.Literal(v, language=lang), texts, languages))
quads = st.builds(ox.Quad, st.one_of(iris, blanks), iris, objects,
                  st.one_of(st.just(ox.DefaultGraph()), iris, blanks))


def encoded(quad_list) -> EncodedQuads:
    return EncodedQuads([(encode(q.subject), encode(q.predicate), encode(q.object), encode(q.graph_name))
                         for q in quad_list])


@settings(max_examples=200, deadline=None)
@given(st.lists(quads, max_size=20))
def test_encoded_quads_read_back_as_the_same_quads(quad_list):
    rows = encoded(quad_list)
    assert list(rows) == quad_list
    assert quads_from_nquads(rows.nquads()) == quad_list
    assert quads_from_nquads(quads_to_nquads(rows)) == quad_list
    assert _data_block(rows) == _data_block(quad_list)
    change = Change(additions=rows)
    assert change.graphs() == {q.graph_name for q in quad_list}
    assert change.is_empty() == (not quad_list)


# ---------------------------------------------------------------------------------------------
# EmbeddedStore.apply with EncodedQuads
# ---------------------------------------------------------------------------------------------
EX = "http://example.org/"
G_OLD, G_NEW = ox.NamedNode(EX + "graph/old"), ox.NamedNode(EX + "graph/new")


def q(s: str, o, graph=G_OLD) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), o, graph)


@pytest.fixture
def small_store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.load_quads([q("a", ox.Literal("kept")), q("b", ox.Literal("removed")),
                      q("d", ox.Literal("default"), ox.DefaultGraph())])
    return store


def everything(store) -> set:
    return set(store.quads())


def test_an_encoded_change_into_a_new_graph_an_existing_one_and_the_default_graph(small_store):
    additions = [q("n1", ox.Literal('new "graph"\n', language="fr"), G_NEW),
                 q("n2", ox.Literal("2", datatype=ox.NamedNode(XSD + "integer")), G_NEW),
                 q("n3", ox.BlankNode("kept-label"), G_NEW),  # blank nodes are not renamed
                 q("o1", ox.Literal("old graph")),
                 q("a", ox.Literal("kept")),  # already stored: stays once
                 q("d2", ox.NamedNode(EX + "x"), ox.DefaultGraph())]
    before = everything(small_store)
    small_store.apply(Change(additions=encoded(additions), removals=(q("b", ox.Literal("removed")),)))
    assert everything(small_store) == (before - {q("b", ox.Literal("removed"))}) | set(additions)
    assert small_store.graph_exists(G_NEW)


def test_removing_a_graph_s_last_quads_and_adding_encoded_quads_elsewhere(small_store):
    removals = (q("a", ox.Literal("kept")), q("b", ox.Literal("removed")))
    small_store.apply(Change(additions=encoded([q("n", ox.Literal("x"), G_NEW)]), removals=removals))
    assert not small_store.graph_exists(G_OLD)
    assert set(small_store.quads(graph=G_NEW)) == {q("n", ox.Literal("x"), G_NEW)}


@pytest.mark.parametrize("bad_graph", [G_NEW, G_OLD], ids=["in a new graph", "in an existing graph"])
def test_an_encoded_change_that_fails_midway_leaves_the_store_as_it_was(small_store, bad_graph):
    good = [q(f"n{i}", ox.Literal(f"row {i}"), graph) for i in range(500) for graph in (G_NEW, G_OLD)]
    rows = encoded(good).rows + [(iri(EX + "s"), iri(EX + "p"), '"unterminated', encode(bad_graph))]
    before, graphs_before = everything(small_store), set(small_store.named_graphs())
    with pytest.raises(StoreError, match="not valid N-Quads, nothing was written"):
        small_store.apply(Change(additions=EncodedQuads(rows), removals=(q("b", ox.Literal("removed")),)))
    assert everything(small_store) == before
    assert set(small_store.named_graphs()) == graphs_before


# ---------------------------------------------------------------------------------------------
# Imports through encoded quads store what the importers stored before (pyoxigraph objects)
# ---------------------------------------------------------------------------------------------
VOLATILE = {"http://www.w3.org/ns/prov#startedAtTime", "http://www.w3.org/ns/prov#endedAtTime",
            "https://w3id.org/sahelkg/ontology#retrievedOn", "https://w3id.org/sahelkg/ontology#filePath"}


def test_imports_store_exactly_the_expected_quads(store):
    """expected-imports.nq was written by the importers before they wrote encoded quads (they built
    pyoxigraph quads): the same files, imported in the same order, must store the same quads.
    Times, dates and the file path are volatile; they are compared as VOLATILE."""
    seed = everything(store)
    for name in ("acled.csv", "acled_v2.csv", "acled_legacy.csv"):
        import_acled(store, DATA / name)
    for name, version in (("ucdp.csv", "24.1"), ("ucdp_v2.csv", "25.1"), ("ucdp_legacy.csv", None)):
        import_ucdp(store, DATA / name, version=version)
    stored = everything(store)
    assert seed <= stored
    got = {ox.Quad(x.subject, x.predicate, ox.Literal("VOLATILE") if x.predicate.value in VOLATILE else x.object,
                   x.graph_name) for x in stored - seed}
    expected = set(quads_from_nquads((DATA / "expected-imports.nq").read_bytes()))
    assert got - expected == set()
    assert expected - got == set()


def test_the_shared_attribution_is_added_once_per_import(store):
    from sahelkg.importers.acled import AcledImporter

    _, change = AcledImporter().plan(store, DATA / "acled.csv")
    attribution = iri("https://w3id.org/sahelkg/id/attribution/acled-dataset")
    assert [row[1] for row in change.additions.rows if row[0] == attribution] == [
        iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), iri("http://www.w3.org/ns/prov#agent"),
        iri("http://www.w3.org/ns/prov#hadRole"), iri("https://w3id.org/sahelkg/ontology#attributionCertainty")]
    assert len(change.additions.rows) == len(set(change.additions.rows))


# ---------------------------------------------------------------------------------------------
# The other stores take an encoded change too
# ---------------------------------------------------------------------------------------------
def _an_encoded_change() -> tuple[Change, set]:
    added = {q("r1", ox.Literal('quoted "text"\nand a line', language="en"), G_NEW),
             q("r2", ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")), G_NEW),
             q("r3", ox.NamedNode(EX + "o"), G_OLD)}
    return Change(additions=encoded(sorted(added, key=str)), removals=(q("b", ox.Literal("removed")),)), added


def test_an_isolated_store_applies_an_encoded_change(small_store):
    from sahelkg.store.workers import IsolatedStore

    before = everything(small_store)
    change, added = _an_encoded_change()
    isolated = IsolatedStore(source=small_store, workers=1)
    try:
        isolated.apply(change)
        assert set(isolated.quads()) == (before - {q("b", ox.Literal("removed"))}) | added
    finally:
        isolated.close()


def test_a_remote_store_applies_an_encoded_change(tmp_path):
    from sahelkg.store import RemoteStore
    from tests.service.conftest import start_oxigraph

    server = start_oxigraph(tmp_path)
    try:
        remote = RemoteStore(server.url + "/query", server.url + "/update")
        remote.load_quads([q("a", ox.Literal("kept")), q("b", ox.Literal("removed"))])
        change, added = _an_encoded_change()
        remote.apply(change)
        assert set(remote.quads()) == {q("a", ox.Literal("kept"))} | added
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["acled.csv", "acled_legacy.csv", "ucdp.csv", "ucdp_legacy.csv"])
def test_importers_build_only_terms_a_strict_parser_accepts(name, store):
    """Importers mark their rows terms_checked, so stores load them without Oxigraph re-checking IRIs
    and language tags: every term they build must pass the strict parser."""
    from sahelkg.importers.acled import AcledImporter
    from sahelkg.importers.ucdp import UcdpImporter

    importer = AcledImporter() if name.startswith("acled") else UcdpImporter()
    _report, change = importer.plan(store, DATA / name)
    assert change.additions.terms_checked
    strict = list(ox.parse(change.additions.nquads(), format=ox.RdfFormat.N_QUADS))
    assert len(strict) == len(change.additions)


def test_unchecked_rows_with_a_bad_iri_are_refused_and_change_nothing(store):
    before = set(store.quads())
    graph = "<https://w3id.org/sahelkg/graph/import/t-bad-iri>"
    rows = [("<https://w3id.org/sahelkg/id/actor/a b>", "<http://www.w3.org/2000/01/rdf-schema#label>", '"x"', graph)]
    with pytest.raises(StoreError, match="not valid N-Quads"):
        store.apply(Change(additions=EncodedQuads(rows)))
    assert set(store.quads()) == before
