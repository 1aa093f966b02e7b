"""Every module type-checks (mypy) and lints (ruff) with the settings in pyproject.toml, every
module's docstring examples run, and no module finds the project's files relative to its own path."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "sahelkg"
CLIMBS_OUT = re.compile(r"__file__.*(\.parents\b|\.parent\.parent\b|[\"']\.\.[\"'])")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", "src", "tests", "bench", "setup.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = _run("mypy")  # files and settings: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_test_command_runs_every_modules_doctests():
    options = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in options["addopts"].split()
    assert "src" in options["testpaths"]


def test_no_module_looks_for_project_files_above_the_package():
    # A wheel carries ontology/, shapes/, data/ and queries/ as sahelkg/_data; sahelkg.resources is the
    # one place that knows where they are. Only it may climb out of the package from __file__.
    offenders = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
                 for path in sorted(SRC.rglob("*.py")) if path.name != "resources.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if CLIMBS_OUT.search(line)]
    assert offenders == [], "use sahelkg.resources.resource(...) instead:\n" + "\n".join(offenders)
