"""The lower layers never import the web service or the command line (also inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import sahelkg

PACKAGE = Path(sahelkg.__file__).parent
LOWER = ("store", "gate", "dataset", "linking", "importers", "audit")
UPPER = ("sahelkg.web", "sahelkg.cli")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def upward_imports() -> list[str]:
    """Return every import of sahelkg.web or sahelkg.cli from a lower layer, as path:line module."""
    found = []
    for layer in LOWER:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in _imported_modules(tree):
                if any(module == upper or module.startswith(upper + ".") for upper in UPPER):
                    found.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    return sorted(set(found))


def test_no_lower_layer_imports_web_or_cli():
    assert upward_imports() == []


def test_the_check_sees_an_import_inside_a_function():
    tree = ast.parse("def f():\n    from sahelkg.web import pages\n    import sahelkg.cli.main\n")
    modules = [m for _, m in _imported_modules(tree)]
    assert "sahelkg.web.pages" in modules and "sahelkg.cli.main" in modules
