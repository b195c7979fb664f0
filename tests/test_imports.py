"""Import graph of the ``agentfn`` package: no cycles, counting imports inside functions.

Every module under ``agentfn/`` is parsed with :mod:`ast`; each ``import`` and
``from ... import`` anywhere in it (module level, inside functions, classes, ``try``)
becomes an edge to the ``agentfn`` module it loads, except imports guarded by
``if TYPE_CHECKING:`` (they never run). ``from pkg import name`` points at
``pkg.name`` when that is a module, else at ``pkg``. The implicit import of a parent
package's ``__init__`` is not an edge (it is how Python loads any submodule).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import agentfn

ROOT = Path(agentfn.__file__).parent


def _module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    # followlinks: agentfn/library and agentfn/prompts are links to the repository's tools/ and prompts/.
    paths = [Path(d, f) for d, _, files in os.walk(ROOT, followlinks=True) for f in files if f.endswith(".py")]
    for path in paths:
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base_parts = package.split(".")
                    if node.level > 1:
                        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                # ``import agentfn.a.b`` loads the deepest existing module named.
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def test_checker_sees_function_level_imports() -> None:
    graph = import_graph()
    assert "agentfn.exceptions" in graph and "agentfn.library.calculator" in graph
    assert any(graph.values())


def test_no_import_cycles() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles among agentfn modules:\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_no_module_over_600_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _module_names().items()}
    assert {name: n for name, n in sizes.items() if n > 600} == {}
