"""The path a newcomer takes: `make serve PORT=…`, a port already taken, the README's commands,
progress lines with totals and an ETA."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

from sahelkg.cli import main as cli

from .conftest import ROOT, free_port, one_error_line, run


def test_make_serve_takes_port_and_host():
    port = free_port()
    # -o: treat the install stamp as up to date; this test is about the serve rule, not pip.
    server = subprocess.Popen(["make", "-s", "-o", ".venv/.installed-stamp", "serve", f"PORT={port}", "HOST=127.0.0.1"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%3Fs%3Fp%3Fo%7D", timeout=2) as answer:
                    assert b"true" in answer.read()
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "make serve did not answer on the port it was given"
                time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_a_taken_port_is_reported_before_claiming_to_serve():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--seed", "--port", str(port), timeout=60)
    assert result.returncode == 2
    line = one_error_line(result)
    assert f"cannot serve on 127.0.0.1:{port}" in line and "in use" in line and f"PORT={port + 10}" in line
    assert "serving" not in result.stderr and "starting" not in result.stderr and "parsing" not in result.stderr


def test_the_readme_says_where_the_command_lives_and_the_notes_curl_globs_off():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    assert ".venv/bin" in section and "source .venv/bin/activate" in section
    assert "Exit codes" in section
    notes = (ROOT / "NOTES.md").read_text(encoding="utf-8")
    curls = [line for line in notes.splitlines() if "curl " in line and "?query=" in line]
    assert curls and all(" -g " in line or " -sg " in line or " -gs " in line for line in curls)


def test_load_progress_gives_totals_and_an_eta(tmp_path, capsys):
    argv = ["load", str(ROOT / "ontology" / "sahelkg.ttl"), str(ROOT / "data"), "--store", str(tmp_path / "store")]
    assert cli.main(argv) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "parsing" in line]
    assert len(lines) == 5
    assert all(re.search(r"^\[\d/5\] parsing .+: \d+\.\d/(\d+\.\d) MB", line) for line in lines)
    assert re.search(r"\(\d+%, eta \d+ s\)$", lines[-1])
