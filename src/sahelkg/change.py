"""A change to the store: quads to remove and quads to add, applied together or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox


@dataclass(frozen=True)
class Change:
    """Removals are applied before additions; both may span several named graphs."""

    additions: tuple[ox.Quad, ...] = field(default_factory=tuple)
    removals: tuple[ox.Quad, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        """Return True when the change neither adds nor removes anything."""
        return not self.additions and not self.removals

    def graphs(self) -> set[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
        """Return every graph the change touches."""
        return {q.graph_name for q in self.additions} | {q.graph_name for q in self.removals}
