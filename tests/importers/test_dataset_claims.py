"""One rule for dataset-coded responsibility (ACLED 'Violence against civilians', UCDP one-sided) and the
dataset-actor table (data/dataset-actors.csv), on the exact ACLED and UCDP column layouts."""

from __future__ import annotations

import pytest

from sahelkg.importers.acled import import_acled
from sahelkg.importers.dataset_actors import DatasetActorsError, load_dataset_actors
from sahelkg.importers.ucdp import import_ucdp

from .conftest import DATA, ask, select

ID = "https://w3id.org/sahelkg/id/"
VOCAB = "https://w3id.org/sahelkg/vocab/"

ACCUSATIONS = """
    SELECT ?claim ?type ?stance ?accused ?described ?certainty ?role ?record ?count WHERE {
      ?claim skg:claimant ?claimant ; skg:stance ?stance ; a ?type ; skg:reportedIn ?record ;
             skg:qualifiedAccusation ?accusation ; skg:assertsCount ?count .
      ?accusation a skg:Accusation ; skg:allegedRole ?role .
      OPTIONAL { ?accusation skg:accusedActor ?accused }
      OPTIONAL { ?accusation skg:accusedDescription ?described }
      OPTIONAL { ?accusation skg:identificationCertainty ?certainty }
      FILTER(?claimant = %s)
      FILTER NOT EXISTS { ?count skg:partOf ?whole }
    } ORDER BY ?claim"""


@pytest.fixture(scope="module")
def imported(module_store):
    import_acled(module_store, DATA / "acled_issue10.csv")
    import_ucdp(module_store, DATA / "ucdp.csv", version="24.1")
    return module_store


@pytest.fixture(scope="module")
def module_store():
    from sahelkg.dataset import loading
    from sahelkg.store import EmbeddedStore

    store = EmbeddedStore()
    store.load_quads(loading.dataset_quads(loading.seed_paths()))
    return store


def test_acled_violence_against_civilians_is_acleds_allegation_against_actor_1(imported):
    rows = select(imported, ACCUSATIONS % "actor:acled")
    assert rows == [
        # Actor 1 named: accused by our actor (the table maps ACLED's name to FAMa); the associated
        # Wagner Group stays a participant only.
        (ID + "claim/acled-mli90011", "https://w3id.org/sahelkg/ontology#Allegation", VOCAB + "stance/accuses",
         ID + "actor/fama", None, None, VOCAB + "role/perpetrator", ID + "document/acled-mli90011",
         ID + "count/acled-mli90011-fatalities"),
        # 'Unidentified Armed Group (Niger)': accused by description only, never as an actor.
        (ID + "claim/acled-ner90010", "https://w3id.org/sahelkg/ontology#Allegation", VOCAB + "stance/accuses",
         None, "Unidentified Armed Group (Niger)", VOCAB + "identification-certainty/unidentified",
         VOCAB + "role/perpetrator", ID + "document/acled-ner90010", ID + "count/acled-ner90010-fatalities"),
    ]
    assert select(imported, "SELECT ?who WHERE { claim:acled-mli90011 skg:accused ?who }") == [(ID + "actor/fama",)]
    assert not ask(imported, "ASK { claim:acled-ner90010 skg:accused ?anyone }")
    assert select(imported, "SELECT ?note WHERE { claim:acled-mli90011 skos:note ?note }") == [
        ("ACLED codes actor 1 of 'Violence against civilians' as the perpetrator.",)]


def test_other_acled_rows_report_and_accuse_nobody(imported):
    rows = select(imported, """SELECT ?type ?stance WHERE {
        claim:acled-mli90012 a ?type ; skg:stance ?stance ; skg:claimant actor:acled }""")
    assert rows == [("https://w3id.org/sahelkg/ontology#Claim", VOCAB + "stance/reports")]
    assert not ask(imported, "ASK { claim:acled-mli90012 skg:accused|skg:qualifiedAccusation ?x }")
    # Its actors take part in ACLED roles, as before.
    assert ask(imported, "ASK { event:acled-mli90012 skg:hadParticipant actor:jnim , actor:fama }")


def test_ucdp_one_sided_rows_follow_the_same_rule(imported):
    rows = select(imported, ACCUSATIONS % "actor:ucdp")
    assert rows == [(ID + "claim/ucdp-test-mli-2025-1", "https://w3id.org/sahelkg/ontology#Allegation",
                     VOCAB + "stance/accuses", ID + "actor/fama", None, None, VOCAB + "role/perpetrator",
                     ID + "document/ucdp-test-mli-2025-1", ID + "count/ucdp-test-mli-2025-1-deaths")]
    # State-based and non-state rows: reports, nobody accused.
    assert select(imported, """SELECT ?claim ?stance WHERE { ?claim skg:claimant actor:ucdp ; skg:stance ?stance .
        FILTER NOT EXISTS { ?claim a skg:Allegation } } ORDER BY ?claim""") == [
        (ID + "claim/ucdp-test-bfa-2024-7", VOCAB + "stance/reports"),
        (ID + "claim/ucdp-test-ner-2024-3", VOCAB + "stance/reports")]


def test_mapped_dataset_names_give_the_reference_actor_and_mint_nothing(store):
    """UCDP's 'Government of Mali' used to become a new actor:government-of-mali."""
    report = import_ucdp(store, DATA / "ucdp.csv", version="24.1")
    assert ask(store, "ASK { event:ucdp-test-mli-2025-1 skg:hadParticipant actor:fama }")
    assert not ask(store, "ASK { actor:government-of-mali ?p ?o }")
    assert ID + "actor/government-of-mali" not in dict(report.created_actors)
    # An unmapped name keeps today's minted actor.
    assert ID + "actor/government-of-burkina-faso" in dict(report.created_actors)


def test_the_dataset_actor_table_names_only_actors_of_the_reference_data(store):
    table = load_dataset_actors()
    assert table.rows, "data/dataset-actors.csv is empty"
    known = {row[0] for row in select(store, """SELECT ?a WHERE { GRAPH <https://w3id.org/sahelkg/graph/reference>
        { ?a a ?class } }""")}
    assert [row.actor for row in table.rows if row.actor not in known] == []
    assert all(row.note for row in table.rows)


@pytest.mark.parametrize("text, message", [
    ("dataset,name,actor,note\n", "column 'dataset_category' is missing"),
    ("dataset,name,actor,dataset_category,note\nacled,X,https://w3id.org/sahelkg/id/actor/x,,n\n"
     "acled,x,https://w3id.org/sahelkg/id/actor/y,,n\n", ":3: column 'name': 'x' is already mapped on line 2"),
    ("dataset,name,actor,dataset_category,note\ngdelt,X,https://w3id.org/sahelkg/id/actor/x,,n\n",
     ":2: column 'dataset': 'gdelt' is not one of acled, ucdp"),
    ("dataset,name,actor,dataset_category,note\nucdp,X,fama,,n\n", ":2: column 'actor': 'fama' is not an actor IRI"),
])
def test_a_malformed_dataset_actor_table_names_line_and_column(tmp_path, text, message):
    path = tmp_path / "dataset-actors.csv"
    path.write_text(text)
    with pytest.raises(DatasetActorsError, match=message.replace("(", r"\(")):
        load_dataset_actors(path)


def test_a_dataset_category_that_disagrees_with_our_class_is_listed(store, tmp_path):
    """Item 11: a militia we type as state-backed, which the dataset codes as 'State forces' (a
    fictional militia of a fictional country), and the table's UCDP government mapped to an army."""
    import pyoxigraph as ox

    from sahelkg.importers.dataset_actors import category_disagreements

    militia = ID + "actor/testland-volunteers"
    store.load_quads([ox.Quad(ox.NamedNode(militia), ox.NamedNode(p), o, ox.NamedNode(ID + "graph-test"))
                      for p, o in (("http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                                    ox.NamedNode("https://w3id.org/sahelkg/ontology#StateBackedMilitia")),
                                   ("http://www.w3.org/2004/02/skos/core#prefLabel",
                                    ox.Literal("Testland Volunteers", language="en")))])
    text = (DATA / "acled_issue10.csv").read_text().replace(
        "JNIM: Group for Support of Islam and Muslims,,Rebel group", "Testland Volunteers,,State forces")
    path = tmp_path / "acled.csv"
    path.write_text(text)
    import_acled(store, path)
    found = {(d.dataset, d.actor, d.dataset_category, d.expected_class, d.classes, d.where)
             for d in category_disagreements(store)}
    skg = "https://w3id.org/sahelkg/ontology#"
    assert found == {
        ("acled", militia, "State forces", skg + "StateArmedForce", (skg + "StateBackedMilitia",), "imported rows: 1"),
        ("ucdp", ID + "actor/fama", "government", skg + "Government", (skg + "StateArmedForce",),
         f"dataset-actors.csv:{next(r.line for r in load_dataset_actors().rows if r.name == 'Government of Mali')}"),
    }
