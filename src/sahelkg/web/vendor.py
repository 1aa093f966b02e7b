"""Third-party browser assets, vendored from npm at exact versions: `make vendor` fetches them,
`python -m sahelkg.web.vendor --check` (and a test) checks them.

Fetching needs Node's `npm` (only here, never to run or test the service): each package is
`npm pack`ed into a temporary folder (npm checks the tarball against the registry's integrity
hash), the dist files we serve and the package's licence files are copied to
web/static/vendor/<package>@<version>/ keeping their paths inside the package, and
web/static/vendor/MANIFEST.json records every file's SHA-256. Re-vendoring a version already in
the manifest must give the same bytes, or nothing is written.

>>> [p.name for p in PACKAGES][:2]
['@zazuko/yasgui', 'swagger-ui-dist']
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"
# Licence texts a package's tarball lacks, taken from its source repository.
EXTRA_LICENCES = Path(__file__).resolve().parent / "vendor-licences"


@dataclass(frozen=True)
class Package:
    """One npm package: the files we serve from it and the files that carry its licence."""

    name: str
    version: str
    licence: str  # SPDX expression, as in the package's package.json
    files: tuple[str, ...]
    licence_files: tuple[str, ...]
    # Licence file from EXTRA_LICENCES when the tarball has none: (file name there, where it came from).
    extra_licence: tuple[str, str] | None = None

    @property
    def folder(self) -> str:
        """Return the folder name under vendor/ (the scope's slash would make two levels)."""
        return f"{self.name.replace('/', '+')}@{self.version}"


PACKAGES: tuple[Package, ...] = (
    Package("@zazuko/yasgui", "4.6.2", "MIT", ("build/yasgui.min.js", "build/yasgui.min.css"), (),
            extra_licence=("zazuko-yasgui.LICENSE",
                           "LICENSE of github.com/rdfjs/Yasgui at 5f6bad607ac231ad391a5a11bca8c5b8d04a60f2 "
                           "(the npm tarball carries none)")),
    Package("swagger-ui-dist", "5.35.0", "Apache-2.0",
            ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"),
            ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt")),
    Package("axe-core", "4.14.1", "MPL-2.0", ("axe.min.js",), ("LICENSE", "LICENSE-3RD-PARTY.txt")),
    Package("cytoscape", "3.35.0", "MIT", ("dist/cytoscape.min.js",), ("LICENSE",)),
    Package("leaflet", "1.9.4", "BSD-2-Clause",
            ("dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png", "dist/images/layers-2x.png",
             "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png"),
            ("LICENSE",)),
    # Clusters the map's markers (counts that split on zoom or click): 100k events on one map.
    Package("leaflet.markercluster", "1.5.3", "MIT",
            ("dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"),
            ("MIT-LICENCE.txt",)),
    Package("vis-timeline", "8.5.4", "(Apache-2.0 OR MIT)",
            ("standalone/umd/vis-timeline-graph2d.min.js", "styles/vis-timeline-graph2d.min.css"),
            ("LICENSE.md", "LICENSE.MIT.txt", "LICENSE.Apache-2.0.txt")),
    Package("world-atlas", "2.0.2", "ISC", ("countries-110m.json",), ("LICENSE",)),
    Package("topojson-client", "3.1.0", "ISC", ("dist/topojson-client.min.js",), ("LICENSE",)),
)


class VendorError(Exception):
    """Vendoring failed, or the vendored files do not match the manifest."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def url_of(name: str, path: str) -> str:
    """Given a package name and a file path inside it, return the URL this service serves it at.

    >>> url_of("leaflet", "dist/leaflet.js")
    '/static/vendor/leaflet@1.9.4/dist/leaflet.js'
    """
    package = next(p for p in PACKAGES if p.name == name)
    if path not in package.files:
        raise KeyError(f"{path} is not vendored from {name}")
    return f"/static/vendor/{package.folder}/{path}"


def read_manifest(manifest: Path = MANIFEST) -> dict:
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"packages": []}


def check(vendor: Path = VENDOR) -> list[str]:
    """Return what is wrong with the vendored files (empty when every hash and licence matches)."""
    problems: list[str] = []
    manifest = read_manifest(vendor / "MANIFEST.json")
    listed = {(entry["name"], entry["version"]): entry for entry in manifest["packages"]}
    for package in PACKAGES:
        entry = listed.get((package.name, package.version))
        if entry is None:
            problems.append(f"{package.name}@{package.version} is not in {vendor / 'MANIFEST.json'}; run `make vendor`")
            continue
        if not entry.get("licence_files"):
            problems.append(f"{package.name}@{package.version} has no licence file")
        for item in entry["files"] + entry["licence_files"]:
            path = vendor / package.folder / item["path"]
            if not path.is_file():
                problems.append(f"{path} is missing; run `make vendor`")
            elif sha256_of(path) != item["sha256"]:
                problems.append(f"{path} does not match its SHA-256 in MANIFEST.json")
    return problems


def _pack(package: Package, into: Path) -> tuple[Path, str]:
    """Run `npm pack` for the exact version; return the unpacked package folder and its integrity."""
    spec = f"{package.name}@{package.version}"
    try:
        done = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(into)], cwd=into,
                              capture_output=True, text=True, check=True, timeout=600)
    except FileNotFoundError as error:
        raise VendorError("`npm` is not installed; vendoring needs Node's npm (running the service does not)") from error
    except subprocess.CalledProcessError as error:
        raise VendorError(f"npm pack {spec} failed: {error.stderr.strip()}") from error
    (info,) = json.loads(done.stdout)
    if info["version"] != package.version:
        raise VendorError(f"npm pack {spec} gave version {info['version']}")
    unpacked = into / package.folder
    with tarfile.open(into / info["filename"]) as archive:
        archive.extractall(unpacked, filter="data")
    return unpacked / "package", info["integrity"]


def vendor(target: Path = VENDOR) -> dict:
    """Fetch every package, copy its files under `target`, write and return the manifest."""
    old = {(e["name"], e["version"]): e for e in read_manifest(target / "MANIFEST.json")["packages"]}
    entries = []
    with tempfile.TemporaryDirectory(prefix="sahelkg-vendor-") as temporary:
        staging = Path(temporary) / "vendor"
        for package in PACKAGES:
            root, integrity = _pack(package, Path(temporary))
            destination = staging / package.folder
            records: dict[str, list[dict]] = {"files": [], "licence_files": []}
            sources = [(p, root / p, "files") for p in package.files]
            sources += [(p, root / p, "licence_files") for p in package.licence_files]
            if package.extra_licence:
                sources.append(("LICENSE", EXTRA_LICENCES / package.extra_licence[0], "licence_files"))
            for relative, source, kind in sources:
                if not source.is_file():
                    raise VendorError(f"{package.name}@{package.version} has no {relative}")
                copy = destination / relative
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)
                records[kind].append({"path": relative, "sha256": sha256_of(copy), "bytes": copy.stat().st_size})
            entry = {"name": package.name, "version": package.version, "licence": package.licence,
                     "npm_integrity": integrity, **records}
            if package.extra_licence:
                entry["licence_source"] = package.extra_licence[1]
            previous = old.get((package.name, package.version))
            if previous is not None and previous["npm_integrity"] != integrity:
                raise VendorError(f"{package.name}@{package.version}: the registry's tarball changed since it was "
                                  "vendored (integrity differs); nothing was written")
            entries.append(entry)
        manifest = {"written_by": "make vendor (python -m sahelkg.web.vendor)", "packages": entries}
        (staging / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        # All fetched and hashed: only now replace the vendored folder.
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staging, target)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sahelkg.web.vendor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the vendored files against MANIFEST.json")
    args = parser.parse_args(argv)
    try:
        if not args.check:
            manifest = vendor()
            total = sum(f["bytes"] for p in manifest["packages"] for f in p["files"] + p["licence_files"])
            print(f"vendored {len(manifest['packages'])} packages, {total / 1e6:.1f} MB, into {VENDOR}")
    except VendorError as error:
        print(f"vendor: {error}", file=sys.stderr)
        return 1
    problems = check()
    for problem in problems:
        print(f"vendor: {problem}", file=sys.stderr)
    if not problems:
        print("vendor: every file matches MANIFEST.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
