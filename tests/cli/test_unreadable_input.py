"""Input a person gets wrong: FIFOs, devices, huge or binary files, bad bytes in CSV cells, empty
files. Each is one `error:` line naming the file (and line and column where there is one), exit 2,
and nothing written; never a hang, never a traceback. Real processes, real files."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import ROOT, free_port, one_error_line, run, sahelkg_command

ACLED = ROOT / "tests" / "importers" / "data" / "acled.csv"
TRIG = ("<https://w3id.org/sahelkg/graph/x> { <https://w3id.org/sahelkg/id/x> "
        "<http://www.w3.org/2000/01/rdf-schema#label> \"x\" . }\n")


def acled_with(tmp_path: Path, name: str, replacement: bytes) -> Path:
    """Return a copy of the ACLED fixture whose MLI90002 notes cell is `replacement` (line 3)."""
    data = ACLED.read_bytes()
    assert data.count(b"Clash near Boni") == 1
    path = tmp_path / name
    path.write_bytes(data.replace(b"Clash near Boni", replacement))
    return path


# -- item 10: never open what is not a regular file ------------------------------------------
@pytest.mark.parametrize("command", [["import", "acled"], ["load"]])
def test_a_fifo_with_no_writer_is_refused_at_once_not_waited_on(tmp_path, command):
    fifo = tmp_path / ("events.csv" if command[0] == "import" else "events.nt")
    os.mkfifo(fifo)
    started = time.monotonic()
    result = run(*command, str(fifo), "--seed", timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    line = one_error_line(result)
    assert f"{fifo}: is a named pipe (FIFO), not a regular file" in line
    assert "no such file" not in line


@pytest.mark.parametrize("command,name", [(["import", "acled"], "zero.csv"), (["load"], "zero.nt")])
def test_a_symlink_to_dev_zero_is_refused_unopened(tmp_path, command, name):
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    result = run(*command, str(link), "--seed", timeout=60)
    assert result.returncode == 2
    assert f"{link}: is a device, not a regular file" in one_error_line(result)


def test_a_fifo_inside_a_loaded_directory_is_reported_not_skipped(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.trig").write_text(TRIG)
    os.mkfifo(folder / "b.trig")
    store = tmp_path / "store"
    result = run("load", str(folder), "--store", str(store), timeout=60)
    assert result.returncode == 2
    assert f"{folder / 'b.trig'}: is a named pipe (FIFO)" in one_error_line(result)
    assert not (store / "CURRENT").exists()  # nothing was written, not even the good file


def test_a_1_gib_sparse_nt_file_fails_fast_without_being_read_into_memory(tmp_path):
    sparse = tmp_path / "huge.nt"
    with open(sparse, "wb") as handle:
        handle.truncate(1 << 30)  # 1 GiB of NUL bytes that take no disk space
    started = time.monotonic()
    process = subprocess.Popen([*sahelkg_command(), "load", str(sparse), "--graph", "https://w3id.org/sahelkg/graph/x",
                                "--store", str(tmp_path / "store")], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    stderr = process.stderr.read() if process.stderr else ""
    assert os.waitstatus_to_exitcode(status) == 2, stderr
    assert f"{sparse}:1:1: " in stderr and "Traceback" not in stderr
    assert usage.ru_maxrss < 400 * 1024, f"peak memory {usage.ru_maxrss} KiB"  # reading it whole: over 1 GiB
    assert elapsed < 30


# -- item 11: CSV cells that are not text ----------------------------------------------------
def test_a_latin_1_byte_in_an_acled_cell_names_line_and_column(tmp_path):
    bad = acled_with(tmp_path, "latin1.csv", "Clash près de Boni".encode("latin-1"))
    result = run("import", "acled", str(bad), "--seed", "-q")
    assert result.returncode == 2
    line = one_error_line(result)
    assert f"{bad}:3: column 28 ('notes'), character 9: byte 0xE8 is not UTF-8" in line


def test_a_nul_byte_in_an_acled_cell_is_refused_with_line_and_column(tmp_path):
    bad = acled_with(tmp_path, "nul.csv", b"Clash\x00near Boni")
    store = tmp_path / "store"
    result = run("import", "acled", str(bad), "--seed", "--store", str(store), "-q")
    assert result.returncode == 2
    assert f"{bad}:3: column 28 ('notes'), character 6: a NUL byte" in one_error_line(result)
    graphs = run("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
                 "'https://w3id.org/sahelkg/graph/import/')) }", "--format", "csv", "--store", str(store))
    assert graphs.stdout.splitlines()[1] == "0"  # nothing imported


@pytest.mark.parametrize("content,expected", [
    (bytes(range(256)) * 64, ":1:1: a NUL byte in the header: a binary file, not CSV text"),
    (b"PK\x03\x04" + bytes(4000), ": is a zip archive or a spreadsheet (.xlsx), not CSV text"),
    (b"\xff\xfee\x00v\x00", ": is UTF-16 text; save it as UTF-8"),
])
def test_a_binary_file_given_as_csv_is_named_as_such(tmp_path, content, expected):
    path = tmp_path / "events.csv"
    path.write_bytes(content)
    result = run("import", "acled", str(path), "--seed", "-q")
    assert result.returncode == 2
    assert f"{path}{expected}" in one_error_line(result)


def test_a_200000_character_notes_cell_is_read(tmp_path):
    long = acled_with(tmp_path, "long.csv", b"x" * 200_000)
    result = run("import", "acled", str(long), "--seed", "-q", "--dry-run")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert "(3 rows)" in result.stdout


def test_a_cell_beyond_the_limit_names_its_line(tmp_path):
    huge = acled_with(tmp_path, "huge.csv", b"x" * 1_100_000)
    result = run("import", "acled", str(huge), "--seed", "-q")
    assert result.returncode == 2
    assert f"{huge}:3: a cell longer than 1,048,576 characters" in one_error_line(result)


# -- item 14: empty files, RDF/XML positions ---------------------------------------------------
@pytest.mark.parametrize("text", ["", "@prefix ex: <urn:x#> .\n# nothing else\n"])
def test_loading_a_file_without_triples_is_refused_and_writes_nothing(tmp_path, text):
    empty = tmp_path / "empty.trig"
    empty.write_text(text)
    store = tmp_path / "store"
    result = run("load", str(empty), "--store", str(store))
    assert result.returncode == 2
    assert f"{empty}: no triples" in one_error_line(result)
    assert not (store / "CURRENT").exists()


@pytest.mark.parametrize("body,position", [
    # ill-formed XML: expat's position
    ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n  <rdf:Description rdf:about="urn:a"><foo\n'
     '</rdf:RDF>\n', ":4:1: "),
    ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:x#">\n'
     '  <rdf:Description rdf:about="urn:a">\n    <ex:p>x</ex:q>\n  </rdf:Description>\n</rdf:RDF>\n', ":4:14: "),  # its name
    # well-formed XML, a bad IRI: where the term first appears
    ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:x#">\n'
     '  <rdf:Description rdf:about="ht tp://a b">\n    <ex:p>x</ex:p>\n  </rdf:Description>\n</rdf:RDF>\n', ":3:31: "),
])
def test_an_rdf_xml_error_has_line_and_column(tmp_path, body, position):
    path = tmp_path / "bad.rdf"
    path.write_text('<?xml version="1.0"?>\n' + body)
    result = run("load", str(path), "--graph", "https://w3id.org/sahelkg/graph/x", "--store", str(tmp_path / "s"))
    assert result.returncode == 2
    assert f"{path}{position}" in one_error_line(result)


# -- item 11: one exit code for a missing file, whatever the command ---------------------------
@pytest.mark.parametrize("command", [
    ["load", "{missing}.trig", "--store", "{tmp}/store"],
    ["import", "acled", "{missing}.csv", "--seed"],
    ["import", "ucdp", "{missing}.csv", "--seed"],
    ["validate", "{missing}.trig"],
    ["validate", "{missing}.trig", "--seed"],
    ["query", "--file", "{missing}.rq", "--seed"],
    ["serve", "--load", "{missing}.trig", "--port", "{port}"],
])
def test_every_command_exits_2_on_a_missing_file(tmp_path, command):
    missing = str(tmp_path / "missing")
    argv = [part.format(missing=missing, tmp=tmp_path, port=free_port()) for part in command]
    result = run(*argv)
    assert result.returncode == 2, result.stderr
    line = one_error_line(result)
    assert f"{missing}." in line and "no such file or directory" in line
