"""The store keeper's temporary folder (its socket, load dumps) goes away with it, however the
service ends: closed, or killed with SIGKILL so that nothing of the app runs again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sahelkg.store.workers import IsolatedStore


def test_closing_the_store_removes_its_folder():
    store = IsolatedStore(workers=1)
    folder = Path(store._dir)
    assert folder.is_dir()
    store.close()
    assert not folder.exists()


def test_a_killed_service_leaves_no_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = _free_port()
    env = dict(os.environ, TMPDIR=str(scratch), SAHELKG_WORKERS="1")
    server = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/sparql", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert [p.name for p in scratch.iterdir() if p.name.startswith("sahelkg-pool-")], "no pool folder while serving"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    deadline = time.monotonic() + 20
    while any(scratch.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(scratch.iterdir()) == []


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
