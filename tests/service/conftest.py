"""Fixtures that start the real service (uvicorn in a subprocess) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def w3c_dir() -> Path:
    """Return the W3C test-manifest directory: $SAHELKG_W3C_DIR, else the copy beside this file."""
    return Path(os.environ.get("SAHELKG_W3C_DIR") or Path(__file__).parent / "w3c-suite")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    token: str | None

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(*args: str, env: dict[str, str] | None = None, token: str | None = None,
                 wait: float = 120, log: Path | None = None, preexec_fn=None) -> Server:
    """Given `python -m sahelkg.web.app` arguments and SAHELKG_* settings, start a server and wait for it.

    `log`: a file that receives the server's output (its log); `preexec_fn` runs in the child first.
    """
    port = free_port()
    full_env = dict(os.environ)
    full_env.update(env or {})
    if token:
        full_env["SAHELKG_WRITE_TOKEN"] = token
    output = open(log, "wb") if log is not None else None
    process = subprocess.Popen([sys.executable, "-m", "sahelkg.web.app", "--port", str(port), *args], env=full_env,
                               stdout=output, stderr=subprocess.STDOUT if output else None, preexec_fn=preexec_fn)
    if output is not None:
        output.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(url + "/sparql", timeout=2).status_code == 200:
                return Server(url, process, token)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start in time")


@pytest.fixture(scope="session")
def read_only_server():
    """A server with a little data, no write token, 2 s query timeout and small caps."""
    data = REPO / "tests" / "service" / "data" / "small.trig"
    server = start_server(str(data), env={"SAHELKG_QUERY_TIMEOUT": "2", "SAHELKG_MAX_RESULT_ROWS": "50",
                                          "SAHELKG_MAX_QUERY_CHARS": "5000", "SAHELKG_MAX_BODY_BYTES": "20000",
                                          "SAHELKG_WORKERS": "3"})
    yield server
    server.stop()


OXIGRAPH = Path(sys.executable).parent / "oxigraph"


@dataclass
class OxigraphServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)


def start_oxigraph(tmp_path: Path, *extra: str) -> OxigraphServer:
    """Start `oxigraph serve` (the PyPI `oxigraph` package's binary) on a free loopback port."""
    if not OXIGRAPH.exists():
        pytest.fail(f"the oxigraph server binary is missing at {OXIGRAPH}: install the test extra (oxigraph==0.5.13)")
    port = free_port()
    process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(tmp_path), "--bind", f"127.0.0.1:{port}",
                                *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return OxigraphServer(url, process)
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("oxigraph serve did not start")


class ConnectionRecorder:
    """A loopback TCP listener that records every connection made to it (and answers nothing)."""

    def __init__(self) -> None:
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, address = self.sock.accept()
            except OSError:
                return
            self.connections.append(address)
            conn.close()

    def close(self) -> None:
        self.sock.close()


class FileOpenRecorder:
    """A FIFO whose opening for reading is recorded: a writer thread blocks until someone reads."""

    def __init__(self, directory: Path) -> None:
        import threading

        self.path = directory / "secret.ttl"
        os.mkfifo(self.path)
        self.opened = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the FIFO
        if not self._closing:
            self.opened = True
        try:
            os.write(fd, b"<urn:a> <urn:b> <urn:c> .\n")
        except OSError:
            pass
        os.close(fd)

    def close(self) -> None:
        self._closing = True
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self._thread.join(5)
        os.close(fd)


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
MaxQueryMem = 200M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
DefaultQuery = ASK {{}}
"""


@dataclass
class VirtuosoServer:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_virtuoso(directory: Path) -> VirtuosoServer:
    """Start OpenLink Virtuoso (Debian virtuoso-opensource) on loopback with its database in `directory`.

    Skips, saying why, when virtuoso-t is not installed (.ci/prepare-test-servers installs it as root).
    """
    import shutil

    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("virtuoso-t is not installed (Debian package virtuoso-opensource; `.ci/prepare-test-servers` "
                    "installs it when run as root with apt-get), so the Virtuoso remote-store tests cannot run")
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql_port=sql_port, http_port=http_port))
    process = subprocess.Popen([binary, "+configfile", str(ini), "+wait", "+foreground"], cwd=directory,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited ({process.returncode}); see {directory / 'virtuoso.log'}")
        try:
            if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return VirtuosoServer(url, process, directory / "virtuoso.log")
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("Virtuoso did not start within 120 s")
