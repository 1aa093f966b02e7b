"""The whole output of an import's plan, row by row and in order, for every fixture file of both
layouts (ACLED current, older and issue 10; UCDP GED current, older and issue 10): any change to
what the mapping writes, or to the order it writes it in, shows here as a line that differs.

expected-plans.nq holds, for each file planned alone against the seed, the additions exactly as
`Importer.plan` returns them (one N-Quads line per row, `# file` lines between files), with the
times, the retrieval date and the file path read as "VOLATILE". After a deliberate change to the
mapping, review the difference and rewrite it: `.venv/bin/python -m tests.importers.test_plan_rows`.
"""

from __future__ import annotations

import gc
from pathlib import Path

from sahelkg.importers import common
from sahelkg.importers.acled import AcledImporter
from sahelkg.importers.common import Importer
from sahelkg.importers.ucdp import UcdpImporter
from sahelkg.store.encoded import iri, nquads

from .conftest import DATA

EXPECTED = DATA / "expected-plans.nq"
PLANS: tuple[tuple[str, Importer, str], ...] = (
    ("acled.csv", AcledImporter(), "fail"),
    ("acled_v2.csv", AcledImporter(), "fail"),
    ("acled_legacy.csv", AcledImporter(), "fail"),
    ("acled_issue10.csv", AcledImporter(), "fail"),
    ("ucdp.csv", UcdpImporter("24.1"), "fail"),
    ("ucdp_v2.csv", UcdpImporter("25.1"), "fail"),
    ("ucdp_legacy.csv", UcdpImporter(), "fail"),
    ("ucdp_issue10.csv", UcdpImporter("25.1"), "skip"),  # its line 4 is malformed on purpose
)
VOLATILE = {iri(p) for p in ("http://www.w3.org/ns/prov#startedAtTime", "http://www.w3.org/ns/prov#endedAtTime",
                             "https://w3id.org/sahelkg/ontology#retrievedOn",
                             "https://w3id.org/sahelkg/ontology#filePath")}


def planned_lines(store, name: str, importer: Importer, on_bad_row: str) -> list[str]:
    """Given a fixture file, return the N-Quads lines of its plan's additions, in order."""
    _, change = importer.plan(store, DATA / name, on_bad_row=on_bad_row)
    assert change is not None
    rows = [(s, p, '"VOLATILE"' if p in VOLATILE else o, g) for s, p, o, g in change.additions.rows]
    return nquads(rows).decode().splitlines()


def expected_lines() -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    for line in EXPECTED.read_text().splitlines():
        if line.startswith("# file "):
            current = files.setdefault(line.removeprefix("# file "), [])
        else:
            current.append(line)
    return files


def test_each_fixture_file_plans_exactly_the_expected_rows_in_order(seed_store):
    expected = expected_lines()
    assert list(expected) == [name for name, _, _ in PLANS]
    for name, importer, on_bad_row in PLANS:
        got = planned_lines(seed_store, name, importer, on_bad_row)
        assert len(got) > 50, name  # a whole file, not a stub
        first_difference = next((i for i, (a, b) in enumerate(zip(got, expected[name], strict=False)) if a != b), None)
        assert first_difference is None, (name, first_difference, got[first_difference], expected[name][first_difference])
        assert len(got) == len(expected[name]), name


def test_only_a_big_plan_leaves_its_rows_out_of_the_cycle_collector(seed_store, monkeypatch):
    frozen = gc.get_freeze_count()
    _, change = AcledImporter().plan(seed_store, DATA / "acled.csv")
    assert change is not None and gc.get_freeze_count() == frozen  # a small file: nothing frozen
    monkeypatch.setattr(common, "FREEZE_MINIMUM", len(change.additions) // 2)
    try:
        _, change = AcledImporter().plan(seed_store, DATA / "acled.csv")
        assert change is not None and gc.get_freeze_count() >= frozen + len(change.additions) // 2
    finally:
        gc.unfreeze()  # back to the oldest generation, as the rest of the test run expects


def write_expected(path: Path = EXPECTED) -> None:
    """Rewrite expected-plans.nq from what the importers plan now."""
    from tests.conftest import seed_embedded_store

    store = seed_embedded_store()
    with open(path, "w") as out:
        for name, importer, on_bad_row in PLANS:
            out.write(f"# file {name}\n")
            out.writelines(line + "\n" for line in planned_lines(store, name, importer, on_bad_row))


if __name__ == "__main__":
    write_expected()
