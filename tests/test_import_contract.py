"""The design contract of the package, checked on its source with ``ast`` (nothing is imported).

Rules (see "Layers" in the issue 14 plan):

(a) imports point down the layer map ``LAYER`` only (every import: module level,
    ``TYPE_CHECKING`` and function level); ``FORBIDDEN`` pairs never; the facade
    ``mongodb_session_manager/__init__.py``, the reference library's root shims
    (``ROOT_SHIMS``) and ``cli`` are exempt;
(b) no import cycles between modules (an edge inside a strongly connected component);
(c) database calls (``DB_METHODS``, matched as ``.<name>(`` attribute calls) only in ``store/``;
(d) ``mongomock`` / ``is_mock`` only in ``store/`` and ``testing/``;
(e) no module over ``MAX_LINES`` lines;
(f) no private name of another package: ``from x import _name`` / ``import x._mod`` across
    packages, and ``obj._name`` (``obj`` not ``self``/``cls``) where ``_name`` is defined in no
    module of the accessing package. Dunders, and the root's private modules
    (``_twins``, ``_redact``, ``_defaults``, ...: shared by design), are fine.

Each rule has a ``KNOWN_*`` allow-list of today's violations. It may only shrink: a test fails
when a new violation appears *and* when an allow-listed one no longer exists (then delete its
line). Run ``uv run python -m tests.test_import_contract`` to print the current lists.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.helpers.source_graph import (
    Module,
    calls,
    check,
    component_of,
    defined_names,
    imported_names,
    is_private,
    parse_package,
    receiver,
    strongly_connected,
    words_of,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "mongodb_session_manager"
PACKAGE_DIR = ROOT / PACKAGE

# Top-level component (subpackage or root module) -> layer; imports may only point to a lower
# or equal layer. A new top-level module or subpackage must be added here.
LAYER: dict[str, int] = {
    "errors": 0,
    "_version": 0,
    "_twins": 0,
    "_redact": 0,
    "_defaults": 0,
    "_utc": 0,
    "offline": 0,
    "models": 1,
    "store": 2,
    "repository": 3,
    "storage": 3,
    "services": 3,
    "lifecycle": 3,
    "migrations": 3,
    "features": 3,
    "memory": 3,
    "manager": 4,
    "snapshots": 4,
    "aws": 4,
    "hooks": 4,
    "viewer": 5,
    "playground": 5,
    "demo": 5,
    "web": 5,
    "local": 5,
    "testing": 5,
    "cli": 6,
}
# (importer, imported) component pairs never allowed; "*" is any component but the imported one.
FORBIDDEN = frozenset({("viewer", "demo"), ("viewer", "playground"), ("*", "testing")})
# The reference library's module paths at the root: aliases only, like the facade.
ROOT_SHIMS = frozenset(
    {
        "mongodb_connection_pool",
        "mongodb_session_factory",
        "mongodb_session_manager",
        "mongodb_session_repository",
    }
)
LAYER_EXEMPT = frozenset({"(facade)", "cli"} | ROOT_SHIMS)

DB_METHODS = frozenset(
    {
        "aggregate",
        "bulk_write",
        "command",
        "count_documents",
        "create_index",
        "create_indexes",
        "delete_many",
        "delete_one",
        "distinct",
        "drop_collection",
        "drop_database",
        "drop_index",
        "estimated_document_count",
        "find",
        "find_one",
        "find_one_and_delete",
        "find_one_and_replace",
        "find_one_and_update",
        "index_information",
        "insert_many",
        "insert_one",
        "list_collection_names",
        "list_indexes",
        "replace_one",
        "start_session",
        "update_many",
        "update_one",
        "watch",
    }
)
# Permanent exceptions of rule (c), with the reason: "module: receiver.method".
DB_CALLS_ALLOWED = frozenset(
    {
        # gateway methods (store/), named after the driver calls they wrap
        "demo.synthetic: store.drop_database",
        "lifecycle.operations: store.aggregate",
        "services._access: access.aggregate",
        "testing.pytest_plugin: scratch.drop_database",
        # Typer's decorator, not a database command
        "cli.migrate: app.command",
        # str.find, not a collection
        "web.hosts: text.find",
    }
)
# Permanent exceptions of rule (f), with the reason.
PRIVATE_ACCESS_ALLOWED = frozenset(
    {
        # Strands' SessionAgent keeps its interrupt state only there (no public accessor);
        # the codec stores it and the tracker compares it
        # and Strands' Agent keeps the interrupt and model state only there: the tracker
        # reads them as SessionAgent.from_agent does, without its deep copy of agent.state
        "manager.tracking: agent._interrupt_state",
        "manager.tracking: agent._model_state",
        "store.codec: session_agent._internal_state",
    }
)
QUIRK_WORDS = ("mongomock", "is_mock")
QUIRKS_ALLOWED_IN = frozenset({"store", "testing"})
MAX_LINES = 400

# ---------------------------------------------------------------------------------------------
# Today's violations (issue 14: the lead empties these as the redesign branches land).
# ---------------------------------------------------------------------------------------------
KNOWN_LAYER_VIOLATIONS: frozenset[str] = frozenset()
KNOWN_CYCLE_EDGES: frozenset[str] = frozenset()
KNOWN_DB_CALLS: frozenset[str] = frozenset()
KNOWN_QUIRKS: frozenset[str] = frozenset()
KNOWN_LONG_MODULES: frozenset[str] = frozenset()
KNOWN_PRIVATE_ACCESS: frozenset[str] = frozenset()


def short(module: str) -> str:
    """A module name without the package prefix, as the violation lists spell it."""
    return module.removeprefix(f"{PACKAGE}.")


def modules() -> dict[str, Module]:
    """Every module of the package, parsed."""
    return parse_package(ROOT, PACKAGE)


# ----------------------------------------------------------------------------- the rules


def layer_violations() -> set[str]:
    """``importer -> imported`` for imports pointing up the layer map or forbidden."""
    found: set[str] = set()
    for module in modules().values():
        src = module.component
        if src in LAYER_EXEMPT:
            continue
        for target in module.imports:
            dst = component_of(target)
            if dst == src:
                continue
            edge = f"{short(module.name)} -> {short(target)}"
            if dst in LAYER_EXEMPT and dst != "cli":
                found.add(f"{edge} (imports the facade or a root shim)")
            elif src not in LAYER or dst not in LAYER:
                found.add(f"{edge} ({src if src not in LAYER else dst!r} is not in LAYER)")
            elif LAYER[dst] > LAYER[src]:
                found.add(f"{edge} (L{LAYER[src]} imports L{LAYER[dst]})")
            elif (src, dst) in FORBIDDEN or ("*", dst) in FORBIDDEN:
                found.add(f"{edge} (forbidden: {src} -> {dst})")
    return found


def cycle_edges() -> set[str]:
    """``a -> b`` for every import edge inside an import cycle."""
    graph = {name: set(m.imports) - {name} for name, m in modules().items()}
    found: set[str] = set()
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        for name in component:
            found.update(f"{short(name)} -> {short(target)}" for target in graph[name] & component)
    return found


def db_calls() -> set[str]:
    """``module: receiver.method`` for database calls outside ``store/``."""
    found: set[str] = set()
    for module in modules().values():
        if module.component == "store":
            continue
        for _, func in calls(module.tree):
            if func.attr in DB_METHODS:
                found.add(f"{short(module.name)}: {receiver(func.value)}.{func.attr}")
    return found - DB_CALLS_ALLOWED


def quirks() -> set[str]:
    """``module: word`` for backend-quirk words outside ``store/`` and ``testing/``."""
    found: set[str] = set()
    for module in modules().values():
        if module.component in QUIRKS_ALLOWED_IN:
            continue
        for word in words_of(module.tree):
            for quirk in QUIRK_WORDS:
                if quirk in word:
                    found.add(f"{short(module.name)}: {quirk}")
    return found


def long_modules() -> dict[str, int]:
    """Modules over ``MAX_LINES`` lines, with their length."""
    return {short(m.name): m.lines for m in modules().values() if m.lines > MAX_LINES}


def private_access() -> set[str]:
    """``module: what`` for private names reached across packages."""
    known = modules()
    defined: dict[str, set[str]] = defaultdict(set)
    for module in known.values():
        defined[module.component] |= defined_names(module)
    found: set[str] = set()
    for module in known.values():
        found |= private_imports(module, known)
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
                continue
            owner = receiver(node.value)
            if owner in {"self", "cls", "super()"} or node.attr in defined[module.component]:
                continue
            found.add(f"{short(module.name)}: {owner}.{node.attr}")
    return found - PRIVATE_ACCESS_ALLOWED


def private_imports(module: Module, known: dict[str, Module]) -> set[str]:
    """Private modules or names imported from another component."""
    found: set[str] = set()
    for target, name in imported_names(module, known, PACKAGE):
        if component_of(target) == module.component:
            continue
        private_path = [p for p in target.split(".")[2:] if is_private(p)]
        if private_path:
            found.add(f"{short(module.name)}: import {short(target)}")
        elif name is not None and is_private(name):
            found.add(f"{short(module.name)}: from {short(target)} import {name}")
    return found


# ----------------------------------------------------------------------------- the tests


def test_layer_map_covers_every_component() -> None:
    components = {m.component for m in modules().values()} - LAYER_EXEMPT
    missing = sorted(components - LAYER.keys())
    assert not missing, f"add these top-level modules/packages to LAYER: {missing}"


def test_no_module_imports_a_higher_layer() -> None:
    check(
        "(a) layers",
        layer_violations(),
        KNOWN_LAYER_VIOLATIONS,
        "a module may import only its own layer or lower ones, see LAYER; move the shared "
        "code down a layer, or pass it in as a parameter",
    )


def test_no_import_cycles() -> None:
    check(
        "(b) import cycles",
        cycle_edges(),
        KNOWN_CYCLE_EDGES,
        "these imports close a cycle: move the shared piece into a module both can import",
    )


def test_database_calls_only_in_store() -> None:
    check(
        "(c) database calls",
        db_calls(),
        KNOWN_DB_CALLS,
        "talk to MongoDB only in mongodb_session_manager/store/ (add a gateway method there)",
    )


# The schema declares its indexes with PyMongo's IndexModel; nothing else outside store/
# touches the driver (its errors are translated there, once).
DRIVER_IMPORTS_ALLOWED = frozenset(
    {
        "models.session: pymongo",
        "models.session: pymongo.IndexModel",
        "models.pages: pymongo",
        "models.pages: pymongo.IndexModel",
    }
)


def driver_imports() -> set[str]:
    """``module: name`` for imports of the driver outside ``store/``."""
    found: set[str] = set()
    for module in modules().values():
        if module.component == "store":
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.split(".")[0] == "pymongo"]
            elif (
                isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pymongo"
            ):
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            found |= {f"{short(module.name)}: {name}" for name in names}
    return found - DRIVER_IMPORTS_ALLOWED


def test_the_driver_is_imported_only_in_store() -> None:
    found = driver_imports()
    assert not found, (
        "(g) the driver outside store/: "
        + ", ".join(sorted(found))
        + ". Call a gateway method; translate driver errors in store/failures.py"
    )


def test_backend_quirks_only_in_store_and_testing() -> None:
    check(
        "(d) backend quirks",
        quirks(),
        KNOWN_QUIRKS,
        "ask pool.backend.<capability> (store/compat.py) instead of testing for mongomock",
    )


def test_no_module_over_the_line_limit() -> None:
    sizes = long_modules()
    check(
        f"(e) modules over {MAX_LINES} lines",
        sizes,
        KNOWN_LONG_MODULES,
        "split by responsibility: "
        + ", ".join(
            f"{name} has {sizes[name]}" for name in sorted(set(sizes) - KNOWN_LONG_MODULES)
        ),
    )


def test_no_private_access_across_packages() -> None:
    check(
        "(f) private names across packages",
        private_access(),
        KNOWN_PRIVATE_ACCESS,
        "make the name public in its package (and document it) or add a public method",
    )


def test_the_checks_see_the_package() -> None:
    known = modules()
    assert f"{PACKAGE}.store.pool" in known
    assert f"{PACKAGE}.store" in known[f"{PACKAGE}.store.gateway"].imports or any(
        t.startswith(f"{PACKAGE}.store.") for t in known[f"{PACKAGE}.store.gateway"].imports
    )


def test_tarjan_finds_each_cycle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set[str]()}
    assert sorted(sorted(c) for c in strongly_connected(graph)) == [["a", "b", "c"], ["d"], ["e"]]


def test_an_allow_list_fails_on_a_new_violation_and_on_a_fixed_one() -> None:
    check("rule", {"known"}, frozenset({"known"}), "advice")
    with pytest.raises(AssertionError, match=r"1 new violation\(s\) \(advice\):\n    extra"):
        check("rule", {"known", "extra"}, frozenset({"known"}), "advice")
    with pytest.raises(AssertionError, match=r"no longer exist.*\n    'fixed',"):
        check("rule", {"known"}, frozenset({"known", "fixed"}), "advice")


def _print_lists() -> None:
    lists = {
        "KNOWN_LAYER_VIOLATIONS": layer_violations(),
        "KNOWN_CYCLE_EDGES": cycle_edges(),
        "KNOWN_DB_CALLS": db_calls(),
        "KNOWN_QUIRKS": quirks(),
        "KNOWN_LONG_MODULES": set(long_modules()),
        "KNOWN_PRIVATE_ACCESS": private_access(),
    }
    for name, values in lists.items():
        print(f"{name}: frozenset[str] = frozenset(\n    {{")
        for value in sorted(values):
            print(f"        {value!r},")
        print("    }\n)")


if __name__ == "__main__":
    _print_lists()
    sys.exit(0)
