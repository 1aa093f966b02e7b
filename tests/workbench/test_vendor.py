"""The vendored browser assets (no Node needed): every file matches its SHA-256 in the manifest,
every package has its licence, the pages name only vendored files, and the wheel will carry them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sahelkg.web import vendor

REPO = Path(__file__).resolve().parents[2]


def test_every_vendored_file_matches_the_manifest():
    assert vendor.check() == []


def test_the_check_notices_a_changed_file(tmp_path):
    import shutil

    copy = tmp_path / "vendor"
    shutil.copytree(vendor.VENDOR, copy)
    target = copy / vendor.PACKAGES[3].folder / vendor.PACKAGES[3].files[0]
    target.write_bytes(target.read_bytes() + b"\n// tampered")
    problems = vendor.check(copy)
    assert len(problems) == 1 and "does not match its SHA-256" in problems[0]


def test_every_package_has_a_licence_file_and_a_licence():
    manifest = json.loads(vendor.MANIFEST.read_text(encoding="utf-8"))
    assert {p["name"] for p in manifest["packages"]} == {p.name for p in vendor.PACKAGES}
    for package in manifest["packages"]:
        assert package["licence"], package["name"]
        licences = [vendor.VENDOR / f"{package['name'].replace('/', '+')}@{package['version']}" / f["path"]
                    for f in package["licence_files"]]
        assert licences and all(path.is_file() for path in licences), package["name"]
        texts = [path.read_text(encoding="utf-8", errors="replace").lower() for path in licences]
        assert any(len(text) > 300 and ("permission" in text or "license" in text) for text in texts), package["name"]


def test_versions_are_exact():
    for package in vendor.PACKAGES:
        assert all(part.isdigit() for part in package.version.split(".")), package


def test_the_build_carries_every_template_and_static_file(tmp_path):
    # setuptools' build_py is the step of a wheel build that copies package data (pyproject's globs).
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)], cwd=REPO,
                   check=True, capture_output=True, timeout=300)
    web = REPO / "src" / "sahelkg" / "web"
    built = tmp_path / "sahelkg" / "web"
    for folder in ("templates", "static"):
        expected = sorted(p.relative_to(web) for p in (web / folder).rglob("*") if p.is_file())
        found = sorted(p.relative_to(built) for p in (built / folder).rglob("*") if p.is_file())
        assert expected and found == expected, folder
