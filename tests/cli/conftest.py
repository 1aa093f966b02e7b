"""Helpers for running the real `sahelkg` command as a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def sahelkg_command() -> list[str]:
    """Return the argv prefix that runs the installed `sahelkg` script (the module when no script exists)."""
    script = Path(sys.executable).parent / "sahelkg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sahelkg.cli.main"]


def run(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `sahelkg ARGS…` in the checkout; return the finished process (never raises on exit status)."""
    environment = {k: v for k, v in os.environ.items() if k != "SAHELKG_STORE"} | (env or {})
    return subprocess.run([*sahelkg_command(), *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env=environment)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """Given a failed run, return its `error:` line; fail when there is a traceback or no such line."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def seeded_store_dir(tmp_path_factory) -> Path:
    """An on-disk store holding the seed (ontology/ and data/), loaded by `sahelkg load`."""
    store = tmp_path_factory.mktemp("seeded") / "store"
    result = run("load", "ontology/sahelkg.ttl", "data", "--store", str(store))
    assert result.returncode == 0, result.stderr
    return store
