"""Import rules of the package, checked on the source with ``ast`` (nothing is imported).

The layers: ``models``, ``streams``, ``store``, ``providers`` and ``datasets`` are the library
core and never reach up into ``apps``, ``services`` or ``topology``; the probes and the service
runner stay independent of the apps they start; no module goes through the package root (that
``__init__`` is the users' door, and importing it from inside invites cycles); and the module
graph has no cycles at all.

Every rule takes the directory that holds the ``trafficha`` package, so the self-tests at the
end can run the same checkers over a small sabotaged tree.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src"
PACKAGE = "trafficha"

CORE = (
    "trafficha.models",
    "trafficha.streams",
    "trafficha.store",
    "trafficha.providers",
    "trafficha.datasets",
)
UPPER = ("trafficha.apps", "trafficha.services", "trafficha.topology")
# Modules that must run without the web apps installed or loaded.
APP_FREE = ("trafficha.services.probes", "trafficha.services.runner")
# Modules allowed to import the package root, and why.
ROOT_IMPORTERS = {
    # It documents the root's ``__all__``: the root is what it reads.
    "trafficha._apidoc": "generates the reference of the root's exports",
}


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement's target inside the package, and where it is."""

    module: str  # the importing module
    target: str  # the module imported (a submodule when ``from pkg import submodule``)
    names: tuple[str, ...]  # for ``from target import a, b``; empty for ``import target``
    path: Path
    line: int
    deferred: bool  # inside a function: runs when called, not at import time
    type_only: bool  # under ``if TYPE_CHECKING:``: never runs

    def where(self, root: Path) -> str:
        kind = " (type-only)" if self.type_only else " (in a function)" if self.deferred else ""
        return f"{self.path.relative_to(root)}:{self.line}{kind}"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path) -> dict[str, Path]:
    return {_module_name(root, p): p for p in sorted((root / PACKAGE).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(
    nodes: Iterable[ast.AST], *, deferred: bool = False, type_only: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import statement in ``nodes``, with whether it is deferred or type-only."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, deferred, type_only
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, deferred=deferred, type_only=True)
            yield from _walk(node.orelse, deferred=deferred, type_only=type_only)
        else:
            inner = deferred or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from _walk(ast.iter_child_nodes(node), deferred=inner, type_only=type_only)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def collect_imports(root: Path) -> list[Import]:
    """Every import of a ``trafficha`` module by a module of the package under ``root``."""
    modules = _modules(root)
    found: list[Import] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node, deferred, type_only in _walk(tree.body):
            targets: list[tuple[str, tuple[str, ...]]]
            if isinstance(node, ast.Import):
                targets = [(alias.name, ()) for alias in node.names]
            else:
                base = _resolve(module, is_package, node)
                names = tuple(alias.name for alias in node.names)
                # ``from pkg import sub`` imports the submodule; ``from pkg import name`` the pkg.
                subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in modules]
                rest = tuple(n for n in names if f"{base}.{n}" not in modules)
                targets = [(s, ()) for s in subs] + ([(base, rest)] if rest else [])
            for target, names_ in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    found.append(
                        Import(module, target, names_, path, node.lineno, deferred, type_only)
                    )
    return found


def _inside(module: str, packages: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


# --- the rules ------------------------------------------------------------------------------


def layer_violations(root: Path) -> list[str]:
    """Core modules importing apps, services or topology (type-only imports count too: a type
    from an upper layer is still a dependency on it)."""
    return [
        f"{i.module} imports {i.target} at {i.where(root)}"
        for i in collect_imports(root)
        if _inside(i.module, CORE) and _inside(i.target, UPPER)
    ]


def root_import_violations(root: Path) -> list[str]:
    """Modules importing the package root (``import trafficha``, ``from trafficha import x``)."""
    return [
        f"{i.module} imports the package root"
        + (f" for {', '.join(i.names)}" if i.names else "")
        + f" at {i.where(root)}"
        for i in collect_imports(root)
        if i.target == PACKAGE and i.module != PACKAGE and i.module not in ROOT_IMPORTERS
    ]


def app_free_violations(root: Path) -> list[str]:
    """The probes and the service runner importing anything from ``trafficha.apps``."""
    return [
        f"{i.module} imports {i.target} at {i.where(root)}"
        for i in collect_imports(root)
        if i.module in APP_FREE and _inside(i.target, ("trafficha.apps",))
    ]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of ``graph``, iteratively (the package is deeper than it is wide,
    but recursion limits are not worth testing)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
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
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def _cycle_through(start: str, graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """One shortest cycle from ``start`` back to itself, within a component (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a component but on no cycle")  # pragma: no cover


def cycles(root: Path) -> list[str]:
    """Import cycles among the modules, each as ``a -> b -> a`` with the import lines.

    Module-level and function-level imports count (a deferred import that closes a cycle only
    hides it until the function runs); imports under ``if TYPE_CHECKING:`` never run and do not.
    """
    modules = _modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    lines: dict[tuple[str, str], list[str]] = {}
    for i in collect_imports(root):
        if i.type_only or i.target not in graph or i.target == i.module:
            continue
        graph[i.module].add(i.target)
        lines.setdefault((i.module, i.target), []).append(i.where(root))
    found: list[str] = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        path = _cycle_through(component[0], graph, set(component))
        edges = [
            f"    {a} -> {b} at {', '.join(lines[(a, b)])}" for a, b in itertools.pairwise(path)
        ]
        found.append(
            f"cycle among {len(component)} modules [{', '.join(component)}], e.g.:\n"
            + "\n".join(edges)
        )
    return found


def _report(rule: str, violations: list[str]) -> str:
    return f"{rule} ({len(violations)}):\n" + "\n".join(f"  {v}" for v in violations)


# --- the package ----------------------------------------------------------------------------


def test_core_packages_do_not_import_apps_services_or_topology() -> None:
    violations = layer_violations(SRC)
    assert not violations, _report(
        "models, streams, store, providers and datasets import an upper layer", violations
    )


def test_no_module_imports_the_package_root() -> None:
    violations = root_import_violations(SRC)
    assert not violations, _report(
        "import the submodule that defines a name, not the package root", violations
    )


def test_the_module_import_graph_has_no_cycles() -> None:
    found = cycles(SRC)
    assert not found, _report("import cycles", found)


def test_probes_and_the_runner_do_not_import_the_apps() -> None:
    violations = app_free_violations(SRC)
    assert not violations, _report("probes and the runner import trafficha.apps", violations)


def test_the_checker_sees_the_whole_package() -> None:
    imports = collect_imports(SRC)
    importers = {i.module for i in imports}
    assert {"trafficha.store.dedup", "trafficha.sim.world", "trafficha.cli"} <= importers
    assert any(i.target == "trafficha.store.db" for i in imports)


# --- the checkers catch what they should ----------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for directory in {p.parent for p in root.rglob("*.py")}:
        (directory / "__init__.py").touch()
    return root


def test_the_checkers_catch_sabotaged_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "trafficha/__init__.py": "from trafficha.models.record import Record\n",
            # A core module reaching up into an app, at module level.
            "trafficha/models/record.py": "from trafficha.apps.web import app\nRecord = 1\n",
            # The app imports the model back, inside a function: a (deferred) cycle.
            "trafficha/apps/web.py": (
                "def app():\n    from trafficha.models import record\n    return record\n"
            ),
            # A relative import of the root, and a store module using a service for its types.
            "trafficha/store/db.py": (
                "from typing import TYPE_CHECKING\n"
                "from .. import Record\n"
                "if TYPE_CHECKING:\n"
                "    from trafficha.services.runner import Runner\n"
            ),
            # The runner importing an app, and a type-only import that would close a cycle.
            "trafficha/services/runner.py": (
                "import typing\n"
                "import trafficha.apps.web\n"
                "if typing.TYPE_CHECKING:\n"
                "    from trafficha.store import db\n"
                "class Runner: ...\n"
            ),
            "trafficha/services/probes.py": "import trafficha.store.db\n",
        },
    )
    assert layer_violations(root) == [
        "trafficha.models.record imports trafficha.apps.web at trafficha/models/record.py:1",
        "trafficha.store.db imports trafficha.services.runner"
        " at trafficha/store/db.py:4 (type-only)",
    ]
    assert root_import_violations(root) == [
        "trafficha.store.db imports the package root for Record at trafficha/store/db.py:2",
    ]
    assert app_free_violations(root) == [
        "trafficha.services.runner imports trafficha.apps.web at trafficha/services/runner.py:2",
    ]
    (cycle,) = cycles(root)
    assert cycle.startswith("cycle among 2 modules [trafficha.apps.web, trafficha.models.record]")
    assert "trafficha.apps.web -> trafficha.models.record at" in cycle
    assert "trafficha/apps/web.py:2 (in a function)" in cycle
    assert "trafficha.models.record -> trafficha.apps.web at trafficha/models/record.py:1" in cycle


def test_type_only_imports_close_no_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "trafficha/a.py": "import trafficha.b\n",
            "trafficha/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import trafficha.a\n"
            ),
        },
    )
    assert cycles(root) == []
    (root / "trafficha" / "b.py").write_text("import trafficha.a\n", encoding="utf-8")
    (cycle,) = cycles(root)
    assert "trafficha.a -> trafficha.b at trafficha/a.py:1" in cycle
