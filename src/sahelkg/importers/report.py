"""What an import says back: a row's error (line, column, what is wrong), the failure, the report,
and the rejects file of rows an import skipped (`--on-bad-row skip`)."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path


class RowError(Exception):
    """One cell could not be read: the line of the file, the column and what is wrong."""

    def __init__(self, line: int, column: str | None, message: str):
        self.line, self.column, self.message = line, column, message
        self.cells: dict[str, str] | None = None  # the row as read, when it could be read
        where = f"line {line}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


class ImportFailed(Exception):
    """The import wrote nothing; `errors` lists every row error found (first ones in the message)."""

    def __init__(self, path: Path | str, errors: list[RowError] | None = None, message: str | None = None):
        self.path, self.errors = str(path), errors or []
        lines = [f"{self.path}: {e}" for e in self.errors[:10]]
        if len(self.errors) > 10:
            lines.append(f"… and {len(self.errors) - 10} more")
        super().__init__(message or "\n".join(lines))


@dataclass
class ImportReport:
    """What an import did (or would do): rows added, revised, unchanged; actors and places created."""

    dataset: str
    path: str
    sha256: str
    graph: str
    rows: int = 0
    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    created_actors: list[tuple[str, str]] = field(default_factory=list)
    created_places: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    already_imported: bool = False
    quads_added: int = 0
    quads_removed: int = 0
    skipped: list[RowError] = field(default_factory=list)  # malformed rows left out (--on-bad-row skip)
    header: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the report as lines a person reads after `sahelkg import`."""
        if self.already_imported:
            return f"{self.path}: already imported into {self.graph} (same SHA-256); nothing changed."
        out = [f"{self.dataset.upper()} import of {self.path} ({self.rows} rows) into {self.graph}",
               f"  added {len(self.added)}, revised {len(self.revised)}, unchanged {len(self.unchanged)}"
               + (f", older than stored (kept stored) {len(self.stale)}" if self.stale else ""),
               f"  quads added {self.quads_added}, removed {self.quads_removed}"]
        if self.revised:
            out.append("  revised rows: " + ", ".join(self.revised[:50]) + (" …" if len(self.revised) > 50 else ""))
        if self.created_actors:
            out.append(f"  actors created ({len(self.created_actors)}), to review:")
            out += [f"    {iri_} {label!r}" for iri_, label in self.created_actors]
        if self.created_places:
            out.append(f"  places created ({len(self.created_places)}):")
            out += [f"    {iri_} {label!r}" for iri_, label in self.created_places]
        if self.skipped:
            out.append(f"  skipped {len(self.skipped)} malformed rows (not imported):")
            out += [f"    {e}" for e in self.skipped[:10]] + (["    …"] if len(self.skipped) > 10 else [])
        out += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(out)

    def write_rejects(self, path: Path | str) -> None:
        """Write the skipped rows to a CSV file: line, column and reason, then the row's own cells."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["line", "column", "reason", *self.header])
            for error in self.skipped:
                cells = error.cells or {}
                writer.writerow([error.line, error.column or "", error.message, *(cells.get(h, "") for h in self.header)])


def stderr_progress(message: str) -> None:
    """Print a progress line on standard error."""
    print(message, file=sys.stderr, flush=True)
