"""Read a Python package's source with ``ast`` (nothing imported): modules, imports, calls.

The machinery of ``tests/test_import_contract.py``; the rules and their allow-lists live there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


@dataclass
class Module:
    """One source file of the package, parsed."""

    name: str
    path: Path
    tree: ast.Module
    lines: int
    is_package: bool
    imports: set[str] = field(default_factory=set)

    @property
    def component(self) -> str:
        """The top-level subpackage or root module (``"(facade)"`` for the root ``__init__``)."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else "(facade)"

    @property
    def subpackage(self) -> str:
        """The package the module belongs to (itself for an ``__init__``)."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def component_of(module: str) -> str:
    """The top-level component of a dotted module name of the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(facade)"


def imported_names(
    module: Module, known: dict[str, Module], package: str
) -> Iterator[tuple[str, str | None]]:
    """``(module imported, name taken or None)`` for every ``package`` import in ``module``."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package:
                    yield deepest_known(alias.name, known), None
        elif isinstance(node, ast.ImportFrom):
            base = resolve_from(module, node)
            if base.split(".")[0] != package:
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    yield submodule, None
                else:
                    yield deepest_known(base, known), alias.name


def resolve_from(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module of a ``from ... import`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.subpackage.split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def deepest_known(name: str, known: dict[str, Module]) -> str:
    """The longest prefix of ``name`` that is a module of the package."""
    parts = name.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts) or name


def calls(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.Attribute]]:
    """Attribute calls (``x.name(...)``) that are not decorators."""
    decorators = {
        id(d)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for d in node.decorator_list
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and id(node) not in decorators
        ):
            yield node, node.func


def receiver(node: ast.expr) -> str:
    """A short readable name of what an attribute is taken from."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{receiver(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{receiver(node.func)}()"
    return type(node).__name__


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of ``graph`` (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def docstring_nodes(tree: ast.AST) -> set[int]:
    """``id()`` of the string constants that are docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ) and (
            node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            found.add(id(node.body[0].value))
    return found


def words_of(tree: ast.AST) -> Iterator[str]:
    """Identifiers, imported module names and (non-docstring) string constants of ``tree``."""
    docs = docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.alias):
            yield node.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            yield node.arg
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        ):
            yield node.value


def is_private(name: str) -> bool:
    """``_name`` but not ``__dunder__``."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def defined_names(module: Module) -> set[str]:
    """Names a module defines: functions, classes, assignments, attributes set on ``self``."""
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def check(rule: str, current: Iterable[str], known: frozenset[str], advice: str) -> None:
    """Fail on a new violation of ``rule``, and on an allow-listed one that is gone."""
    now = set(current)
    new = sorted(now - known)
    gone = sorted(known - now)
    lines: list[str] = []
    if new:
        lines += [f"{rule}: {len(new)} new violation(s) ({advice}):", *(f"    {v}" for v in new)]
    if gone:
        lines += [
            f"{rule}: {len(gone)} allow-listed violation(s) no longer exist: delete them from "
            "the KNOWN_ list in tests/test_import_contract.py (the list only shrinks):",
            *(f"    {v!r}," for v in gone),
        ]
    assert not lines, "\n".join(lines)


@cache
def parse_package(root: Path, package: str) -> dict[str, Module]:
    """Every module of ``root/package`` by dotted name, with the package modules it imports."""
    found: dict[str, Module] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        text = path.read_text(encoding="utf-8")
        found[".".join(parts)] = Module(
            name=".".join(parts),
            path=path,
            tree=ast.parse(text, filename=str(path)),
            lines=len(text.splitlines()),
            is_package=is_package,
        )
    for module in found.values():
        module.imports = {target for target, _ in imported_names(module, found, package)}
    return found
