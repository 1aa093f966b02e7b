"""Reading a sheet: YAML with the line of every mapping, key and list item, and the problems found.

YAML, not TOML: PyYAML's `compose` keeps each node's position, so every problem can name the
sheet line (tomllib gives values only). The loader builds plain dicts and lists that remember
their lines; scalars are kept as strings (dates and numbers are words to read, not YAML types),
except integers and booleans.

>>> sheet = parse("source: x\\nclaims:\\n  - stance: accuses\\n")
>>> sheet.line_of("claims"), sheet["claims"][0].line_of("stance")
(2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sheet: where (sheet line), what, and what to do."""

    line: int
    message: str

    def render(self, path: str) -> str:
        """Return `path:line: message`."""
        return f"{path}:{self.line}: {self.message}"


class SheetError(Exception):
    """The sheet cannot be built; `problems` lists every problem found, each with its line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in self.problems))


class Located(dict):
    """A YAML mapping that knows its own line and the line of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Return the line of `key` (the mapping's own line when the key is absent)."""
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A YAML sequence that knows its line and the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """Return the line of item `index`."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass
class Problems:
    """Collects problems so `author check` can report all of them at once."""

    found: list[Problem] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        """Record a problem at a sheet line (once: a section read twice reports once)."""
        if Problem(line, message) not in self.found:
            self.found.append(Problem(line, message))

    def raise_if_any(self) -> None:
        """Raise SheetError when anything was recorded."""
        if self.found:
            raise SheetError(self.found)


def _convert(node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = Located()
        out.line, out.key_lines = line, {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                raise SheetError([Problem(key_node.start_mark.line + 1, f"key {key!r} given twice in one entry")])
            out[key] = _convert(value_node)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_convert(item) for item in node.value)
        items.line, items.item_lines = line, [item.start_mark.line + 1 for item in node.value]
        return items
    assert isinstance(node, yaml.ScalarNode)
    if node.tag.endswith(":int"):
        return int(str(node.value).replace("_", ""))
    if node.tag.endswith(":bool"):
        return str(node.value).lower() in ("true", "yes", "on")
    if node.tag.endswith(":null"):
        return None
    return str(node.value)


def parse(text: str) -> Located:
    """Given the text of a sheet, return its top mapping; raise SheetError (with the line) on bad YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise SheetError([Problem(line, f"not valid YAML: {error.problem or error.context}")]) from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise SheetError([Problem(1, "a sheet is a YAML mapping (source:, document:, statements: …)")])
    result = _convert(root)
    assert isinstance(result, Located)
    return result


def as_list(value: Any) -> LocatedList:
    """Return a list for a value that may be one item or a list of items (keeping lines)."""
    if isinstance(value, LocatedList):
        return value
    items = LocatedList([] if value is None else [value])
    items.line = getattr(value, "line", 0)
    items.item_lines = [items.line] if value is not None else []
    return items
