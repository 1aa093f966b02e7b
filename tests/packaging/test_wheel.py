"""The project installs as a package: a wheel built from the sources, installed into a fresh venv,
runs `sahelkg validate --seed` and `sahelkg serve --seed` from a folder outside the repository,
reading its ontology, shapes, data and saved queries from the wheel (sahelkg/_data), not the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sahelkg.resources import PACKAGED
from tests.service.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
BUILD_FILES = ("setup.py", "pyproject.toml", "README.md")


@dataclass
class Installed:
    python: Path
    command: Path
    outside: Path  # a working folder outside the repository

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.command), *args], cwd=self.outside, env=_clean_env(), capture_output=True,
                              text=True, timeout=timeout)


def _clean_env() -> dict[str, str]:
    """The environment without anything that would lead Python back to the checkout."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}


def _copy_sources(destination: Path) -> Path:
    """Copy what a build needs into a fresh folder, so no stale build/ of the checkout leaks into the wheel."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO / "src", destination / "src", ignore=ignore)
    for name in (*BUILD_FILES, *PACKAGED):
        source, target = REPO / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    sources = _copy_sources(root / "sources")
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-build-isolation", "--no-index", "--wheel-dir", str(wheels), str(sources)], check=True,
                   env=_clean_env())
    (wheel,) = wheels.glob("sahelkg-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", "--no-index", str(wheel)], check=True, env=_clean_env())
    # The dependencies come from the test venv's site-packages, as a plain path: its .pth files (among them
    # the editable install pointing at src/) are not processed, so `sahelkg` can only come from the wheel.
    site_packages = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        check=True, capture_output=True, text=True).stdout.strip())
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "test-dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(dependencies)))
    outside = root / "elsewhere"
    outside.mkdir()
    return Installed(python, venv / "bin" / "sahelkg", outside)


def test_the_installed_package_reads_its_files_from_the_wheel(installed):
    probe = subprocess.run([str(installed.python), "-c", "import sahelkg, sahelkg.resources as r; "
                            "print(sahelkg.__file__); print(r.resource_root())"],
                           cwd=installed.outside, env=_clean_env(), capture_output=True, text=True, check=True)
    module_file, data_root = probe.stdout.splitlines()
    venv = installed.python.parents[1]
    assert Path(module_file).is_relative_to(venv), module_file
    assert Path(data_root).is_relative_to(venv) and Path(data_root).name == "_data", data_root
    for name in PACKAGED:
        assert (Path(data_root) / name).exists(), f"{name} is missing from the wheel"


def test_sahelkg_validate_seed_runs_from_the_wheel(installed):
    result = installed.run("validate", "--seed")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("conforms: 0 violation(s)"), result.stdout


def test_sahelkg_serve_seed_answers_a_query_from_the_wheel(installed):
    port = free_port()
    process = subprocess.Popen([str(installed.command), "serve", "--seed", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=installed.outside, env={**_clean_env(), "SAHELKG_WORKERS": "1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the server exited: {process.stderr.read().decode() if process.stderr else ''}"
            assert time.monotonic() < deadline, "the server did not start within 120 s"
            try:
                if httpx.get(url + "/sparql", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        query = ("SELECT (COUNT(*) AS ?claims) WHERE { ?claim a <https://w3id.org/sahelkg/ontology#Allegation> }")
        response = httpx.post(url + "/sparql", data={"query": query},
                              headers={"accept": "application/sparql-results+json"}, timeout=60)
        assert response.status_code == 200, response.text
        claims = int(response.json()["results"]["bindings"][0]["claims"]["value"])
        assert claims > 0
        saved = httpx.get(url + "/queries", headers={"accept": "text/html"}, timeout=60)
        assert saved.status_code == 200 and "cq2-disputed-allegations" in saved.text, saved.text[:500]
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
