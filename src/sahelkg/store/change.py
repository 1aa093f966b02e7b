"""A change to the store: quads to remove and quads to add, applied together or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from sahelkg.store.encoded import EncodedQuads, decode


@dataclass(frozen=True)
class Change:
    """Removals are applied before additions; both may span several named graphs.

    Additions may be `EncodedQuads` (bulk imports): stores write those from their text.
    """

    additions: tuple[ox.Quad, ...] | EncodedQuads = field(default_factory=tuple)
    removals: tuple[ox.Quad, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        """Return True when the change neither adds nor removes anything."""
        return not self.additions and not self.removals

    def graphs(self) -> set[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
        """Return every graph the change touches."""
        if isinstance(self.additions, EncodedQuads):  # read from the text: no quad objects
            added = {decode(g) if g else ox.DefaultGraph() for g in self.additions.graphs()}
        else:
            added = {q.graph_name for q in self.additions}
        return added | {q.graph_name for q in self.removals}
