"""The dataset-actor table (data/dataset-actors.csv): which of our actors a dataset's actor name means.

One row per (dataset, name): the actor IRI, the dataset's own category for that name (ACLED's
actor type, UCDP's side kind) and a note saying why. Importers give a mapped name the table's
actor instead of matching labels or minting one; the category is kept so an audit can list
where the dataset's category and our class disagree (a militia a dataset codes as state forces).

>>> table = load_dataset_actors()
>>> table.actor("ucdp", "Government of Mali")
'https://w3id.org/sahelkg/id/actor/fama'
>>> table.actor("acled", "military forces of mali (2021-)")  # names compare folded
'https://w3id.org/sahelkg/id/actor/fama'
>>> table.actor("acled", "Nobody in the table") is None
True
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sahelkg import namespaces as ns
from sahelkg.importers.names import normalise
from sahelkg.resources import resource

COLUMNS = ("dataset", "name", "actor", "dataset_category", "note")
DATASETS = ("acled", "ucdp")


class DatasetActorsError(ValueError):
    """The dataset-actor table is malformed; the message names the file, line and column."""


@dataclass(frozen=True)
class DatasetActor:
    """One row of the table: a dataset's actor name and the actor it means."""

    dataset: str
    name: str
    actor: str
    dataset_category: str
    note: str
    line: int


class DatasetActors:
    """The table's rows, looked up by dataset and folded name."""

    def __init__(self, rows: list[DatasetActor]):
        self.rows = rows
        self._by_name = {(row.dataset, normalise(row.name)): row for row in rows}

    def actor(self, dataset: str, name: str) -> str | None:
        """Given a dataset and one of its actor names, return our actor's IRI (None when unmapped)."""
        row = self._by_name.get((dataset, normalise(name)))
        return row.actor if row else None


@dataclass(frozen=True)
class CategoryDisagreement:
    """A dataset's category for one of our actors that our class for it does not fall under
    (ACLED coding a state-backed militia as 'State forces', UCDP's government side mapped to an army)."""

    dataset: str
    actor: str
    dataset_category: str
    expected_class: str  # the class the dataset's category maps to
    classes: tuple[str, ...]  # the actor's own classes
    where: str  # "dataset-actors.csv:LINE" or "imported rows: N"


# UCDP has no actor categories beyond what its side names say; the table records 'government'.
UCDP_CATEGORIES = {"government": ns.SKG + "Government"}


def category_disagreements(store, table: DatasetActors | None = None) -> list[CategoryDisagreement]:
    """Given a store, return where a dataset's category disagrees with our class for the actor:
    the table's rows (dataset_category) and the imported rows (each ACLED participation's inter
    category, vocab:acled-inter with skg:mapsToClass). An actor whose classes include the category's
    class or a subclass of it agrees."""
    from sahelkg.importers.names import normalise

    table = table if table is not None else load_dataset_actors()
    prologue = ns.sparql_prologue()
    categories: dict[str, tuple[str, str]] = {}  # folded label or IRI → (concept label, mapped class)
    for concept, label, klass in store.query(prologue + """SELECT ?c ?l ?k WHERE { ?c skos:inScheme vocab:acled-inter ;
            skos:prefLabel ?l ; skg:mapsToClass ?k FILTER(LANG(?l) = "en") }""").rows:
        categories[concept.value] = categories[normalise(label.value).rstrip("s")] = (label.value, klass.value)
    found: list[tuple[str, str, str, str, str]] = []  # dataset, actor, category, expected class, where
    for row in table.rows:
        if not row.dataset_category:
            continue
        if row.dataset == "ucdp":
            expected = UCDP_CATEGORIES.get(row.dataset_category.lower())
        else:
            expected = categories.get(normalise(row.dataset_category).rstrip("s"), ("", ""))[1] or None
        if expected:
            found.append((row.dataset, row.actor, row.dataset_category, expected, f"{default_path().name}:{row.line}"))
    for actor, concept, rows in store.query(prologue + """SELECT ?a ?c (COUNT(?p) AS ?n) WHERE {
            ?p a skg:Participation ; skg:participant ?a ; dcterms:type ?c } GROUP BY ?a ?c""").rows:
        if concept.value in categories:
            label, expected = categories[concept.value]
            found.append(("acled", actor.value, label, expected, f"imported rows: {rows.value}"))
    actors = sorted({f[1] for f in found})
    classes: dict[str, set[str]] = {}
    above: dict[str, set[str]] = {}
    if actors:
        values = " ".join(f"<{a}>" for a in actors)
        for actor, klass, upper in store.query(prologue + f"""SELECT ?a ?k ?u WHERE {{ VALUES ?a {{ {values} }}
                ?a a ?k . ?k rdfs:subClassOf* ?u }}""").rows:
            classes.setdefault(actor.value, set()).add(klass.value)
            above.setdefault(actor.value, set()).add(upper.value)
    return [CategoryDisagreement(dataset, actor, category, expected, tuple(sorted(classes.get(actor, ()))), where)
            for dataset, actor, category, expected, where in found if expected not in above.get(actor, set())]


def default_path() -> Path:
    """Return where the project keeps the table."""
    return resource("data", "dataset-actors.csv")


def load_dataset_actors(path: Path | str | None = None) -> DatasetActors:
    """Given the table file (default data/dataset-actors.csv), return its rows; a missing
    default file gives an empty table, a malformed one raises DatasetActorsError naming line and column."""
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        return DatasetActors([])
    rows: list[DatasetActor] = []
    seen: dict[tuple[str, str], int] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetActorsError(f"{path}:1: column {missing[0]!r} is missing; the header must be {','.join(COLUMNS)}")
        for record in reader:
            line = reader.line_num
            cells = {c: (record.get(c) or "").strip() for c in COLUMNS}
            if cells["dataset"] not in DATASETS:
                raise DatasetActorsError(f"{path}:{line}: column 'dataset': {cells['dataset']!r} is not one of "
                                     + ", ".join(DATASETS))
            if not cells["name"]:
                raise DatasetActorsError(f"{path}:{line}: column 'name' is empty")
            if not cells["actor"].startswith(ns.ID + "actor/"):
                raise DatasetActorsError(f"{path}:{line}: column 'actor': {cells['actor']!r} is not an actor IRI "
                                     f"({ns.ID}actor/…)")
            key = (cells["dataset"], normalise(cells["name"]))
            if key in seen:
                raise DatasetActorsError(f"{path}:{line}: column 'name': {cells['name']!r} is already mapped on line "
                                     f"{seen[key]}")
            seen[key] = line
            rows.append(DatasetActor(cells["dataset"], cells["name"], cells["actor"], cells["dataset_category"],
                                     cells["note"], line))
    return DatasetActors(rows)
