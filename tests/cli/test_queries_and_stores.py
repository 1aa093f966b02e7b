"""`sahelkg query` mistakes, and which store a command reads: an empty or missing store is refused
with a hint, and a store a running `sahelkg serve` holds is read as a snapshot (a real server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from sahelkg.cli import main as cli

from .conftest import ROOT, free_port, one_error_line, run, sahelkg_command

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TRIG = ("<https://w3id.org/sahelkg/graph/extra> { <https://w3id.org/sahelkg/id/x> "
        "<http://www.w3.org/2000/01/rdf-schema#label> \"x\" . }\n")


# -- item 11: query mistakes -----------------------------------------------------------------
def test_a_sparql_syntax_error_gives_line_and_column(seeded_store_dir):
    result = run("query", "SELECT ?s WHERE {\n  ?s ?p \n}", "--store", str(seeded_store_dir))
    assert result.returncode == 2
    line = one_error_line(result)
    assert line.startswith("error: query:3:") and ": SPARQL syntax error: " in line
    assert len(line) < 250


def test_a_syntax_error_in_a_query_file_names_the_file(tmp_path, capsys):
    query = tmp_path / "q.rq"
    query.write_text("SELECT * WHERE { ?s ?p ?o\n")
    assert cli.main(["query", "--file", str(query), "--seed"]) == 2
    assert f"error: {query}:2:1: SPARQL syntax error" in capsys.readouterr().err


def test_a_graph_format_on_a_select_is_refused(seeded_store_dir):
    result = run("query", COUNT, "--format", "turtle", "--store", str(seeded_store_dir))
    assert result.returncode == 2 and result.stdout == ""
    assert "--format turtle is for CONSTRUCT and DESCRIBE results; this query returns a table (SELECT)" \
        in one_error_line(result)


def test_a_results_format_on_a_construct_is_refused_not_turned_into_turtle(seeded_store_dir):
    result = run("query", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "--format", "csv", "--store", str(seeded_store_dir))
    assert result.returncode == 2 and result.stdout == ""
    assert "--format csv is for SELECT and ASK results; this query returns a graph" in one_error_line(result)


def test_a_construct_in_a_graph_format_still_works(seeded_store_dir):
    result = run("query", "CONSTRUCT WHERE { ?s a ?o } LIMIT 2", "--format", "ntriples", "--store", str(seeded_store_dir))
    assert result.returncode == 0, result.stderr
    assert len([line for line in result.stdout.splitlines() if line.endswith(" .")]) == 2


# -- item 15: tables print plain values --------------------------------------------------------
def test_a_table_prints_plain_values(seeded_store_dir):
    table = run("query", "SELECT (COUNT(*) AS ?n) ?label WHERE { ?s ?p ?o } GROUP BY (\"x\\ty\"@fr AS ?label)",
                "--store", str(seeded_store_dir)).stdout
    as_json = run("query", COUNT, "--format", "json", "--store", str(seeded_store_dir)).stdout
    count = json.loads(as_json)["results"]["bindings"][0]["n"]["value"]
    assert table.splitlines()[2].split() == [count, "x\\ty"]
    assert "^^" not in table and '"' not in table


def test_a_table_shortens_iris_with_known_prefixes(seeded_store_dir):
    table = run("query", "SELECT ?a WHERE { BIND(<https://w3id.org/sahelkg/id/actor/fama> AS ?a) }",
                "--store", str(seeded_store_dir)).stdout
    assert table.splitlines()[2] == "actor:fama"


# -- item 12: an empty or missing store is refused --------------------------------------------
@pytest.mark.parametrize("argv", [
    ["audit", "actor", "FAMa"], ["audit", "contested"], ["query", COUNT], ["export"], ["audit", "prov"],
])
def test_reading_commands_refuse_the_empty_in_memory_store(argv, capsys):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is empty: nothing to read; use --seed, --store DIR, or load data first" in captured.err


def test_validate_store_on_a_missing_directory_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere"
    result = run("validate", "--store", str(missing))
    assert result.returncode == 2
    assert f"--store {missing}: no store there (only `sahelkg load` creates one)" in one_error_line(result)
    assert not missing.exists()


@pytest.mark.parametrize("argv", [["query", COUNT], ["audit", "contested"],
                                  ["import", "acled", str(ROOT / "tests/importers/data/acled.csv")]])
def test_store_on_a_missing_directory_is_refused_except_by_load(tmp_path, argv, capsys):
    missing = tmp_path / "nowhere"
    assert cli.main([*argv, "--store", str(missing)]) == 2
    assert "no store there" in capsys.readouterr().err
    assert not missing.exists()


def test_an_empty_on_disk_store_is_refused_for_reading(tmp_path, capsys):
    from sahelkg.store import EmbeddedStore

    store = tmp_path / "store"
    EmbeddedStore(store).close()  # a store with nothing in it
    assert cli.main(["audit", "contested", "--store", str(store)]) == 2
    assert f"the store {store} is empty" in capsys.readouterr().err


def test_load_without_a_store_says_nothing_will_be_kept(tmp_path, capsys):
    small = tmp_path / "small.trig"
    small.write_text(TRIG)
    assert cli.main(["load", str(small)]) == 0
    err = capsys.readouterr().err
    assert "no --store DIR (or $SAHELKG_STORE) given: the store is in memory and nothing will be kept" in err


# -- item 13: a store held by `sahelkg serve` --------------------------------------------------
@pytest.fixture()
def served_store(tmp_path, seeded_store_dir):
    """A copy of the seeded store, served by a real `sahelkg serve --store DIR` on a loopback port."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(seeded_store_dir, store)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SAHELKG_STORE"} | {"SAHELKG_WRITE_TOKEN": "t0ken"}
    server = subprocess.Popen([*sahelkg_command(), "serve", "--store", str(store), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise AssertionError("sahelkg serve did not start") from None
            time.sleep(0.2)
    yield store, url
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def test_commands_read_a_store_the_server_holds_and_writes_are_sent_to_the_server(served_store, tmp_path):
    store, url = served_store
    query = run("query", COUNT, "--format", "json", "--store", str(store))
    assert query.returncode == 0, query.stderr
    assert int(json.loads(query.stdout)["results"]["bindings"][0]["n"]["value"]) > 3000
    assert "reading a snapshot" in query.stderr
    audit = run("audit", "contested", "--store", str(store))
    assert audit.returncode == 0, audit.stderr
    assert "2 allegation–denial pairs" in audit.stdout
    validate = run("validate", "--store", str(store))
    assert validate.returncode == 0, validate.stderr

    extra = tmp_path / "extra.trig"
    extra.write_text(TRIG)
    refused = run("load", str(extra), "--store", str(store))
    assert refused.returncode == 2
    line = one_error_line(refused)
    assert "another process holds this store" in line and "--remote-query" in line and "--remote-update" in line
    through = run("load", str(extra), "--remote-query", f"{url}/sparql", "--remote-update", f"{url}/update",
                  "--remote-token", "t0ken")
    assert through.returncode == 0, through.stderr
    seen = run("query", "ASK { GRAPH <https://w3id.org/sahelkg/graph/extra> { ?s ?p ?o } }", "--store", str(store))
    assert seen.stdout.strip() == "true"  # a new snapshot sees what the server wrote
    second_server = run("serve", "--store", str(store), "--port", str(free_port()))
    assert second_server.returncode == 2
    assert "another process holds this store" in one_error_line(second_server)


def test_serve_on_a_missing_store_is_refused(tmp_path):
    result = run("serve", "--store", str(tmp_path / "nowhere"), "--port", str(free_port()))
    assert result.returncode == 2
    assert "no store there" in one_error_line(result)
    assert not (tmp_path / "nowhere").exists()


# -- item 11: usage mistakes are one line too ----------------------------------------------------
@pytest.mark.parametrize("argv,expected", [
    (["load", "x.nt", "--graph", "not an iri"], "argument --graph: 'not an iri' is not an absolute IRI"),
    (["export", "--graph", "graph-without-scheme", "--seed"], "argument --graph: 'graph-without-scheme' is not an absolute IRI"),
    (["serve", "--port", "99999"], "argument --port: '99999' is not a port number"),
    (["query", "ASK {}", "--seed", "--param", "a=b"], "--param binds a saved query's parameter: use it with --saved"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_a_usage_mistake_is_one_error_line_and_exit_2(argv, expected):
    result = run(*argv)
    assert result.returncode == 2
    assert expected in one_error_line(result)
    assert "usage:" not in result.stderr


def test_load_creates_a_store_only_in_an_empty_directory_or_what_an_interrupted_load_left(tmp_path, capsys):
    small = tmp_path / "small.trig"
    small.write_text(TRIG)
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "letter.txt").write_text("not a store")
    assert cli.main(["load", str(small), "--store", str(documents)]) == 2
    assert "holds other files and no store" in capsys.readouterr().err
    assert sorted(p.name for p in documents.iterdir()) == ["letter.txt"]
    interrupted = tmp_path / "interrupted"
    interrupted.mkdir()
    (interrupted / "LOCK").write_bytes(b"")
    (interrupted / "LOG").write_text("RocksDB log of a load killed before its first write\n")
    assert cli.main(["load", str(small), "--store", str(interrupted)]) == 0
    assert (interrupted / "CURRENT").is_file()


def test_serve_load_goes_through_the_gate(tmp_path):
    """`serve --load` writes like `sahelkg load`: data the shapes refuse never gets served or stored."""
    bad = tmp_path / "bad.trig"
    bad.write_text("@prefix skg: <https://w3id.org/sahelkg/ontology#> .\n"
                   "<https://w3id.org/sahelkg/graph/user-notes> { <https://w3id.org/sahelkg/id/claim/x> a skg:Allegation . }\n")
    port = free_port()
    refused = run("serve", "--seed", "--load", str(bad), "--port", str(port), timeout=120)
    assert refused.returncode == 1
    assert "id/claim/x" in refused.stderr and "the service was not started" in refused.stderr
    store = tmp_path / "store"
    assert run("load", "ontology/sahelkg.ttl", "data", "--store", str(store)).returncode == 0
    on_disk = run("serve", "--store", str(store), "--load", str(bad), "--port", str(port), timeout=120)
    assert on_disk.returncode == 1
    left = run("query", "ASK { GRAPH <https://w3id.org/sahelkg/graph/user-notes> { ?s ?p ?o } }", "--store", str(store))
    assert left.stdout.strip() == "false"
