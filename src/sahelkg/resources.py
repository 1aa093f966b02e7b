"""Where the project's files are: ontology, shapes, vocabularies, reference data, saved queries.

In a source checkout (or an editable install) they are the top-level folders of the repository;
an installed wheel carries a copy inside the package, as `sahelkg/_data/` (setup.py copies them at
build time), read through importlib.resources.

>>> (resource_root() / "shapes" / "sahelkg-shapes.ttl").is_file()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# The folders a wheel must carry; setup.py copies exactly these.
PACKAGED = ("ontology", "shapes", "data", "queries", "docs/context.jsonld")


def resource_root() -> Path:
    """Return the folder holding ontology/, shapes/, data/, queries/ and docs/context.jsonld."""
    packaged = Path(str(resources.files("sahelkg") / "_data"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def resource(*parts: str) -> Path:
    """Return the path of one project file, e.g. resource("shapes", "sahelkg-shapes.ttl")."""
    return resource_root().joinpath(*parts)
