"""Nobody writes to a store except through sahelkg.gate.commit.

The source of every module outside sahelkg/gate and sahelkg/store is read with `ast`; a call of a
store's write method (apply, load_quads, bulk_extend, extend, add, remove, update, load, …) on
something that is a store fails the test. A receiver is a store when its name says so (`store`,
`self.store`, `fresh_store`, `self.oxigraph`), when it is built on the spot (`ox.Store().load(…)`,
`store_of(request).apply(…)`), or when it is a parameter annotated with a store type. A store that a
function builds itself and keeps to itself (a scratch store, `scratch = ox.Store()`) is not the
data: writing to it is allowed. The same method names on lists, sets and dicts are not flagged.

The modules of sahelkg/gate are also checked for import cycles: the engines, the after-change
view and the report import each other in one direction only.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sahelkg

PACKAGE = Path(sahelkg.__file__).parent
WRITE_METHODS = frozenset({
    "apply", "apply_prepared", "load_quads", "bulk_extend", "extend", "add", "remove", "update", "bulk_load", "load",
    "load_file", "remove_graph", "add_graph", "clear", "clear_graph", "drop_graph"})
ALLOWED_PACKAGES = ("gate", "store")
STORE_NAME = re.compile(r"(^|_)(store|oxigraph)$", re.IGNORECASE)
STORE_FACTORY = re.compile(r"(Store|^store_of|^open_store)$")
# Writes that are not writes to the data, each with its reason (module, function, call).
ALLOWED_CALLS = {
    ("sparql/write_plans.py", "update_change", "store.apply"):
        "undoes a dry-run update in a query worker's private copy-on-write snapshot, which is thrown away",
}


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node)


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _builds_store(node: ast.AST) -> bool:
    """Given an expression, return True when it is a call that returns a store."""
    if not isinstance(node, ast.Call):
        return False
    name = _last_name(node.func)
    return name is not None and bool(STORE_FACTORY.search(name))


def _annotated_store(annotation: ast.AST | None) -> bool:
    return annotation is not None and bool(re.search(r"\bStore\b|Store\b", _dotted(annotation)))


class WriteFinder(ast.NodeVisitor):
    """Finds the store writes of one module: (line, function, call text)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, str]] = []
        self.scopes: list[tuple[str, set[str], set[str]]] = [("<module>", set(), set())]  # (name, scratch, stores)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        parameters = {a.arg for a in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]}
        stores = {a.arg for a in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]
                  if _annotated_store(a.annotation)}
        assigned: dict[str, list[ast.AST]] = {}
        returned: set[str] = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Assign):
                for target in inner.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(inner.value)
            elif isinstance(inner, ast.Return) and isinstance(inner.value, ast.Name):
                returned.add(inner.value.id)
        # Built here from nothing (ox.Store(), EmbeddedStore()), never anything else, and kept here:
        # scratch space, not the data.
        scratch = {name for name, values in assigned.items()
                   if all(_builds_store(v) and not v.args and not v.keywords for v in values)  # type: ignore[attr-defined]
                   and name not in returned and name not in parameters}
        stores |= {name for name, values in assigned.items() if any(_builds_store(v) for v in values)} - scratch
        self.scopes.append((node.name, scratch, stores))
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _is_store(self, receiver: ast.AST) -> bool:
        _name, scratch, stores = self.scopes[-1]
        if isinstance(receiver, ast.Name) and receiver.id in scratch:
            return False
        if _builds_store(receiver):
            return not (isinstance(receiver, ast.Call) and not receiver.args and not receiver.keywords)
        if isinstance(receiver, ast.Name) and receiver.id in stores:
            return True
        name = _last_name(receiver)
        return name is not None and bool(STORE_NAME.search(name))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # A write method called, or handed on to be called (run_blocking(request, store.apply, change)).
        if node.attr in WRITE_METHODS and isinstance(node.ctx, ast.Load) and self._is_store(node.value):
            self.found.append((node.lineno, self.scopes[-1][0], f"{_dotted(node.value)}.{node.attr}"))
        self.generic_visit(node)


def store_writes(source: str) -> list[tuple[int, str, str]]:
    """Given a module's source, return its store writes as (line, function, receiver.method)."""
    finder = WriteFinder()
    finder.visit(ast.parse(source))
    return finder.found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if p.relative_to(PACKAGE).parts[0] not in ALLOWED_PACKAGES and "_data" not in p.parts)


def test_no_module_writes_to_a_store_except_through_the_gate():
    offences = []
    for path in _modules():
        module = path.relative_to(PACKAGE).as_posix()
        for line, function, call in store_writes(path.read_text(encoding="utf-8")):
            if (module, function, call) not in ALLOWED_CALLS:
                offences.append(f"sahelkg/{module}:{line} in {function}(): {call}(…) — write through sahelkg.gate.commit")
    assert not offences, "\n".join(offences)


def test_every_allowed_call_still_exists():
    """An allowance for a call that is gone would let a new write of that name pass unseen."""
    present = set()
    for path in _modules():
        module = path.relative_to(PACKAGE).as_posix()
        present |= {(module, function, call) for _line, function, call in store_writes(path.read_text(encoding="utf-8"))}
    assert set(ALLOWED_CALLS) <= present


@pytest.mark.parametrize("source, flagged", [
    ("def f(store):\n    store.apply(change)", ["store.apply"]),
    ("def f(self):\n    self.store.load_quads(q)", ["self.store.load_quads"]),
    ("def f(request):\n    store_of(request).apply(c)", ["store_of(request).apply"]),
    ("def f(path):\n    s = EmbeddedStore(path)\n    s.bulk_extend(q)", ["s.bulk_extend"]),
    ("def f(target: Store):\n    target.update('INSERT DATA {}')", ["target.update"]),
    ("def f(fresh_store):\n    fresh_store.remove(q)", ["fresh_store.remove"]),
    ("def f(self):\n    self.oxigraph.extend(q)", ["self.oxigraph.extend"]),
    # Reads, and the same method names on other things, are not writes to a store.
    ("def f(store):\n    store.query('ASK {}'); store.quads()", []),
    ("def f(store):\n    seen = set(); seen.add(1); rows = []; rows.extend([1]); d = {}; d.update(a=1)", []),
    ("def f(store):\n    Reference.load(store); json.load(fp)", []),
    ("def f(request):\n    run_blocking(request, store_of(request).apply, change)", ["store_of(request).apply"]),
    # A scratch store the function builds for itself is not the data; one it hands out is.
    ("def f(text):\n    scratch = ox.Store()\n    scratch.update(text)", []),
    ("def f():\n    s = EmbeddedStore()\n    s.load_quads(q)\n    return s", ["s.load_quads"]),
])
def test_the_scan_flags_writes_to_stores_and_nothing_else(source, flagged):
    assert [call for _line, _function, call in store_writes(source)] == flagged


def _gate_imports() -> dict[str, set[str]]:
    """Return, for each module of sahelkg.gate, the modules of sahelkg.gate it imports (anywhere in it)."""
    gate = PACKAGE / "gate"
    names = {p.stem for p in gate.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in gate.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "sahelkg.gate":
                    imported |= {alias.name for alias in node.names if alias.name in names}
                elif node.module.startswith("sahelkg.gate."):
                    imported.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[2] for a in node.names if a.name.startswith("sahelkg.gate.")}
        graph[path.stem] = imported - {path.stem}
    return graph


def test_the_gate_modules_import_each_other_without_a_cycle():
    graph = _gate_imports()
    assert {"validation", "engine_native", "engine_sparql", "engine_pyshacl", "after_change"} <= set(graph)
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(module):], module]))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
