"""The import graph of the project's modules, and the rules it must keep.

The graph is built statically with :mod:`ast` from every module of
``simulator/``, ``calibration/``, ``app.py`` and ``app/`` (when present).
Imports inside functions count as much as top-level ones: a lazy import
still ties two modules together.
``conformance/`` (the engine's conformance harness, run by ``make
conformance``) is, like ``tests/``, a client of the engine's internals and
is not checked.

An edge ``a -> b`` means that running ``a``'s import statement reads the
namespace of module ``b``:

* ``import a.b.c`` reads ``a.b.c``;
* ``from a.b import name`` reads ``a.b`` (its ``__init__`` when ``a.b`` is a
  package), and also ``a.b.name`` when ``name`` is a submodule. So
  ``from simulator.sweep import store`` inside ``simulator/sweep/run.py``
  goes through ``simulator/sweep/__init__.py``: with an ``__init__`` that
  imports ``run``, that is the cycle ``run -> sweep -> run``, counted as
  one. Submodules import their siblings directly
  (``from simulator.sweep.store import ...``).

The ancestor packages that Python initialises on the way to ``a.b.c``
(``a``, ``a.b``) are not edges: otherwise every package whose ``__init__``
re-exports a submodule would be a cycle with all of its submodules.

``importlib.import_module("x")`` with a literal name (or a module-level
constant holding one) is an edge too, except
at the plugin points listed in :data:`PLUGIN_POINTS`, where the simulator
looks for an optional package by name and copes with its absence.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Module names the project owns (the graph's nodes).
FIRST_PARTY = ("simulator", "calibration", "app")

#: Third-party packages whose imports are checked too.
WATCHED_THIRD_PARTY = ("pysd", "numba")

#: ``(importer, imported)``: dynamic imports by name that are plugin points,
#: not dependencies. ``python -m simulator calibrate`` hands over to
#: ``calibration.cli`` when the calibration package is installed and says so
#: when it is not; the simulator itself never needs calibration.
PLUGIN_POINTS = {("simulator.cli", "calibration.cli")}

#: Modules outside the engine layer that the engine may import: helpers that
#: import nothing else from the project but each other (``paths`` uses the
#: "did you mean" of ``errors``).
ENGINE_ALLOWED_HELPERS = {"simulator.errors", "simulator.paths"}


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` reads ``target``'s namespace at ``line``."""

    source: str
    target: str
    line: int
    dynamic: bool = False


def _module_files() -> dict[str, Path]:
    modules = {}
    for package in ("simulator", "calibration", "app"):
        folder = ROOT / package
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    if (ROOT / "app.py").is_file():
        # ``streamlit run app.py`` runs the script by path; with an ``app/`` package
        # beside it, ``import app`` finds the package, so the script gets its own name.
        modules["app.py" if (ROOT / "app").is_dir() else "app"] = ROOT / "app.py"
    return modules


MODULES = _module_files()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _tracked(name: str) -> bool:
    top = name.split(".")[0]
    return top in FIRST_PARTY or top in WATCHED_THIRD_PARTY


def _resolve_relative(module: str, level: int, name: str | None) -> str:
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Return the module-level ``NAME = "text"`` assignments (names of modules to import)."""
    return {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets if isinstance(target, ast.Name)
    }


def _edges_of(module: str) -> list[Edge]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), filename=str(MODULES[module]))
    constants = _string_constants(tree)
    edges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            edges += [Edge(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = _resolve_relative(module, node.level, node.module)
            else:
                target = node.module or ""
            edges.append(Edge(module, target, node.lineno))
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    edges.append(Edge(module, f"{target}.{alias.name}", node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
        ):
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                edges.append(Edge(module, name.value, node.lineno, dynamic=True))
            elif isinstance(name, ast.Name) and name.id in constants:
                edges.append(Edge(module, constants[name.id], node.lineno, dynamic=True))
    return [e for e in edges if _tracked(e.target) and e.target != module]


EDGES = [edge for module in sorted(MODULES) for edge in _edges_of(module)]
STATIC_EDGES = [
    e for e in EDGES if not (e.dynamic and (e.source, e.target) in PLUGIN_POINTS)
]


def _where(edge: Edge) -> str:
    path = MODULES[edge.source].relative_to(ROOT)
    return f"{path}:{edge.line} imports {edge.target}"


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _find_cycles(edges: list[Edge]) -> list[list[Edge]]:
    """Return one cycle per strongly connected component with more than one module."""
    graph: dict[str, list[Edge]] = {}
    for edge in edges:
        if edge.target in MODULES:
            graph.setdefault(edge.source, []).append(edge)
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for start in sorted(MODULES):
        if start in index:
            continue
        work = [(start, iter(graph.get(start, [])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
                continue
            target = child.target
            if target not in index:
                index[target] = low[target] = counter
                counter += 1
                stack.append(target)
                on_stack.add(target)
                work.append((target, iter(graph.get(target, []))))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
    cycles = []
    for component in components:
        # Shortest path back to the start, by breadth-first search inside the component.
        start = min(component)
        previous: dict[str, Edge] = {}
        frontier = [start]
        found = None
        while frontier and found is None:
            following = []
            for node in frontier:
                for edge in graph.get(node, []):
                    if edge.target not in component:
                        continue
                    if edge.target == start:
                        found = edge
                        break
                    if edge.target not in previous:
                        previous[edge.target] = edge
                        following.append(edge.target)
                if found is not None:
                    break
            frontier = following
        path = [found]
        while path[0].source != start:
            path.insert(0, previous[path[0].source])
        cycles.append(path)
    return cycles


def test_the_graph_sees_every_kind_of_import():
    # The rules below are only as good as the graph: check it on known imports.
    targets = {(e.source, e.target) for e in EDGES}
    assert ("simulator.__main__", "simulator.cli") in targets
    assert any(s.startswith("simulator.engine") and t == "pysd" for s, t in targets)
    # simulator.sweep's __init__ re-exports its submodules.
    assert ("simulator.sweep", "simulator.sweep.run") in targets
    assert len(MODULES) > 40


def test_no_import_cycles():
    cycles = _find_cycles(STATIC_EDGES)
    message = "\n\n".join(
        " -> ".join([c[0].source] + [e.target for e in c])
        + "\n  " + "\n  ".join(_where(e) for e in c)
        for c in cycles
    )
    assert not cycles, f"import cycles:\n{message}"


def test_simulator_does_not_import_calibration():
    bad = [
        _where(e) for e in STATIC_EDGES
        if _in(e.source, "simulator") and _in(e.target, "calibration")
    ]
    assert not bad, "the simulator must work without calibration:\n" + "\n".join(bad)


@pytest.mark.parametrize("engine_only", ["pysd", "numba", "simulator.engine.batch"])
def test_engine_internals_are_imported_only_by_the_engine(engine_only):
    bad = [
        _where(e) for e in STATIC_EDGES
        if _in(e.target, engine_only) and not _in(e.source, "simulator.engine")
    ]
    assert not bad, f"only simulator.engine may import {engine_only}:\n" + "\n".join(bad)


def test_engine_imports_only_leaf_helpers_from_the_rest_of_the_simulator():
    bad = [
        _where(e) for e in STATIC_EDGES
        if _in(e.source, "simulator.engine")
        and _in(e.target, "simulator")
        and not _in(e.target, "simulator.engine")
        and e.target not in ENGINE_ALLOWED_HELPERS
    ]
    assert not bad, "simulator.engine must not depend on upper layers:\n" + "\n".join(bad)


def test_the_allowances_are_all_in_use():
    # A helper or plugin point nothing uses any more is taken off its list, not kept "just in case".
    used = {e.target for e in EDGES if _in(e.source, "simulator.engine")}
    assert ENGINE_ALLOWED_HELPERS <= used, ENGINE_ALLOWED_HELPERS - used
    dynamic = {(e.source, e.target) for e in EDGES if e.dynamic}
    assert PLUGIN_POINTS <= dynamic, PLUGIN_POINTS - dynamic


def test_engine_helpers_are_leaves():
    bad = [
        _where(e) for e in STATIC_EDGES
        if e.source in ENGINE_ALLOWED_HELPERS
        and _tracked(e.target)
        and e.target not in ENGINE_ALLOWED_HELPERS
    ]
    assert not bad, "the engine's helpers must import nothing else from the project:\n" + "\n".join(
        bad
    )


APP_MODULES = ("app", "app.py", "simulator.app_logic")


def _is_app(module: str) -> bool:
    return any(_in(module, package) for package in APP_MODULES)


def test_nothing_below_the_app_imports_the_app():
    bad = [
        _where(e) for e in STATIC_EDGES
        if _is_app(e.target) and not _is_app(e.source)
    ]
    assert not bad, "analysis, scenario and engine modules must not import the app:\n" + "\n".join(
        bad
    )
