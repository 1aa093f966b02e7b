"""`sahelkg link incidents` from the command line on an on-disk store, and on `oxigraph serve`
behind RemoteStore: the same links, decisions recorded, unknown IRIs refused with exit 2."""

from __future__ import annotations

import json

import pytest

from sahelkg.cli.main import main
from sahelkg.linking import incidents as li
from sahelkg.store import EmbeddedStore, RemoteStore
from tests.service.conftest import start_oxigraph

from .conftest import ACLED_ATTACK, FAR_SAME_DAY, SEED_ATTACK, UCDP_ATTACK, fixture_quads, fixture_store


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    """An on-disk store holding the seed and the imported ACLED and UCDP fixture rows."""
    path = tmp_path_factory.mktemp("linkstore") / "store"
    fixture_store(path).close()
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_propose_confirm_reject_on_disk(store_dir, capsys):
    code, out, _ = run(capsys, "link", "incidents", "--store", str(store_dir), "--format", "json")
    assert code == 0
    proposal = json.loads(out)
    linked = {x["event"]: x["incident"] for x in proposal["links"]}
    assert set(linked) == {SEED_ATTACK, ACLED_ATTACK, UCDP_ATTACK}
    assert len(set(linked.values())) == 1
    assert any(FAR_SAME_DAY in r["events"] and "km apart" in r["reason"] for r in proposal["refused"])
    incident = linked[SEED_ATTACK]

    code, out, _ = run(capsys, "link", "incidents", "confirm", "event:a000-niono-vehicle-attack",
                       li.expand_short(incident), "--by", "Test Curator", "--store", str(store_dir))
    assert code == 0 and out.startswith("confirmed: event:a000-niono-vehicle-attack")
    code, out, _ = run(capsys, "link", "incidents", "reject", UCDP_ATTACK, incident, "--by", "actor:test-curator",
                       "--note", "test: another attack", "--store", str(store_dir))
    assert code == 0 and out.startswith("rejected:")

    code, out, _ = run(capsys, "link", "incidents", "--store", str(store_dir))
    assert code == 0
    assert "0 new candidate links" in out and "a person rejected" in out

    store = EmbeddedStore(store_dir)
    try:
        statuses = {link.event: link.status for link in li.read_links(store)}
        assert statuses == {SEED_ATTACK: li.CONFIRMED, ACLED_ATTACK: li.CANDIDATE, UCDP_ATTACK: li.REJECTED}
        who = store.query(f"""SELECT ?label WHERE {{ <{li.link_iri(UCDP_ATTACK, incident)}> <{li.PROV}wasAttributedTo>
            ?agent . ?agent <{li.RDFS}label> ?label }}""").rows
        assert [r[0].value for r in who] == ["Test Curator"]
    finally:
        store.close()


def test_unknown_iris_exit_2_and_change_nothing(store_dir, capsys):
    code, _, err = run(capsys, "link", "incidents", "confirm", "event:no-such-event", "incident:nothing",
                       "--by", "actor:test-curator", "--store", str(store_dir))
    assert code == 2
    assert "event:no-such-event: no skg:Event" in err and "nothing was changed" in err
    code, _, err = run(capsys, "link", "incidents", "confirm", "event:a000-niono-vehicle-attack",
                       "--by", "actor:test-curator", "--store", str(store_dir))
    assert code == 2 and "confirm EVENT INCIDENT" in err
    code, _, err = run(capsys, "link", "incidents", "reject", SEED_ATTACK, "incident:x", "--store", str(store_dir))
    assert code == 2 and "--by AGENT" in err
    code, _, err = run(capsys, "link", "incidents", "--remote-query", "", "--store", "")
    assert code == 2 and "needs a store" in err


def test_the_same_links_on_a_remote_store(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"), "--union-default-graph")
    try:
        remote = RemoteStore(server.url + "/query", server.url + "/update")
        remote.load_quads(fixture_quads())
        proposal = li.propose(remote)
        li.write(remote, proposal.change)
        stored = {link.event: link for link in li.read_links(remote)}
        assert set(stored) == {SEED_ATTACK, ACLED_ATTACK, UCDP_ATTACK}
        incident = stored[SEED_ATTACK].incident
        li.write(remote, li.decide(remote, ACLED_ATTACK, incident, li.CONFIRMED, by=li.ns.ID + "actor/test-curator"))
        assert remote.query(f"ASK {{ <{ACLED_ATTACK}> <{li.SKG}sameIncident> <{incident}> }}").boolean
        assert li.propose(remote).links == []
    finally:
        server.stop()
