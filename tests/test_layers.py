"""The house's layers, read from the source: every import of every module, function-level
ones included. base/ at the bottom, then warehouse/, etl/, ui/, pages/ and app.py; a module
imports only from its own layer or those below, and no modules import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("base", "warehouse", "etl", "ui", "pages", "app")
# The command lines sit on top like app.py: `python -m warehouse rebuild` replays loads through etl.
ENTRY_POINTS = {"warehouse.__main__", "etl.__main__"}


def _modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in LAYERS[:-1]:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules `name` imports anywhere in its body (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports a module; `from mod import name` the module itself
            targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    return {_owner(t) for t in targets if _owner(t)}


def _owner(target: str) -> str | None:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


GRAPH = {name: _imports(name, path) - {name} for name, path in MODULES.items()}


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_graph_sees_deferred_and_relative_imports():
    # what the rules below stand on: function-level imports and `from .x import` are read
    assert "warehouse.accounts" in GRAPH["warehouse.robots"]  # inside push
    assert "etl.read" in GRAPH["etl.isolate"]  # inside read_isolated, relative
    assert "etl.rebuild" in GRAPH["warehouse.__main__"]


@pytest.mark.parametrize("module", sorted(set(MODULES) - ENTRY_POINTS))
def test_no_module_imports_from_a_layer_above_its_own(module):
    above = sorted(t for t in GRAPH[module] if _layer(t) > _layer(module))
    assert not above, f"{module} ({LAYERS[_layer(module)]}/) imports from above: {above}"


def test_base_imports_nothing_of_the_project_above_it():
    assert all(t.startswith("base") for m in MODULES if m.startswith("base.") for t in GRAPH[m])


@pytest.mark.parametrize("package", ["base", "warehouse", "etl"])
def test_no_streamlit_below_ui(package):
    for name, path in MODULES.items():
        if name.split(".")[0] != package:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level]
        assert not [n for n in names if n.split(".")[0] == "streamlit"], name


def _circles() -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    return found


def test_no_modules_import_each_other_in_a_circle():
    assert _circles() == set()


def test_a_circle_is_found_when_there_is_one():
    GRAPH["base.text"].add("base.reference")
    try:
        assert frozenset({"base.text", "base.reference"}) in _circles()
    finally:
        GRAPH["base.text"].discard("base.reference")


PYTHON_IN_POLARS = ("map_elements", "map_batches", "map_groups", "map_rows")


@pytest.mark.parametrize("package", ["base", "warehouse", "etl", "ui", "pages"])
def test_no_python_function_runs_inside_polars_in_the_app(package):
    # Ten visitors opening the overview at once hung the server for good: a map_elements
    # on polars' thread pool waited for the GIL that another session's st.dataframe held in
    # to_pandas while it waited on that pool (benchmarks/polars_deadlock.py). ui.format
    # has the native columns and per_row, which works a function out in the caller's thread.
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in PYTHON_IN_POLARS
    ]
    assert found == []
