"""The dataset-actor crosswalk as an audit: where ACLED or UCDP code one of our actors in a category
that disagrees with our class for it (a state-backed militia coded as state forces, a government side
mapped to an army), and the crosswalk table itself (data/dataset-actors.csv).

The disagreements come from `sahelkg.importers.dataset_actors.category_disagreements`, their one home;
this module only presents them.
"""

from __future__ import annotations

from sahelkg.audit.reports import Report, Table, labels
from sahelkg.importers.dataset_actors import DatasetActors, category_disagreements, load_dataset_actors
from sahelkg.namespaces import shorten

CROSSWALK_COLUMNS = ("dataset", "actor", "dataset category", "the category means", "our classes", "where")


def _class_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def crosswalk(store, table: DatasetActors | None = None) -> Report:
    """Given a store (and a crosswalk table, default data/dataset-actors.csv), return every dataset
    category that disagrees with our class for the actor, and the table's rows as a section."""
    table = table if table is not None else load_dataset_actors()
    found = category_disagreements(store, table)
    names = labels(store, {d.actor for d in found} | {row.actor for row in table.rows})
    rows = [{"dataset": d.dataset.upper(), "actor": names[d.actor], "dataset category": d.dataset_category,
             "the category means": _class_name(d.expected_class),
             "our classes": "; ".join(_class_name(c) for c in d.classes) or "none", "where": d.where}
            for d in sorted(found, key=lambda d: (d.dataset, names[d.actor], d.dataset_category, d.where))]
    mapped = [{"dataset": row.dataset.upper(), "name in the dataset": row.name, "actor": names[row.actor],
               "actor IRI": shorten(row.actor), "dataset category": row.dataset_category, "note": row.note,
               "line": str(row.line)} for row in table.rows]
    return Report(kind="crosswalk", title="Dataset actors: crosswalk and category disagreements", subject=None,
                  columns=CROSSWALK_COLUMNS, rows=rows,
                  notes=[f"{len(rows)} dataset categories disagree with our class for the actor (the table's "
                         "categories and the categories of imported rows); an actor whose class is the category's "
                         "class or falls under it agrees.",
                         f"{len(mapped)} dataset actor names are mapped to our actors in the crosswalk table."],
                  sections=[Table("crosswalk", "The crosswalk table (data/dataset-actors.csv)",
                                  ("dataset", "name in the dataset", "actor", "actor IRI", "dataset category", "note",
                                   "line"), mapped)])


__all__ = ["CROSSWALK_COLUMNS", "crosswalk"]
