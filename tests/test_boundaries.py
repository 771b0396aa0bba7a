"""Import boundaries, read from the source with `ast` (nothing here imports the modules it checks): which package
may import which, so that every import points down; no cycles; the library never reaches up into a front end; and
the front ends reach the library only through its doorway."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

# All a front end (ui/, app.py, api/, the CLI) may import from rag: the use cases (a module each, imported by name:
# rag.usecases.documents, never their private helpers) and their public shapes, how results are shown, the
# settings, and the errors.
DOORWAY = frozenset({"rag.schemas", "rag.presentation", "rag.config", "rag.errors"})
USE_CASES = "rag.usecases"
# What only the library talks to.
STORAGE = ("sqlalchemy", "qdrant_client", "qdrant_edge", "rag.store")
# What the library must never import: the front ends and the benchmarks sit above it.
ABOVE_THE_LIBRARY = ("streamlit", "ui", "api", "bench")

# Which part of the library may import which: the stages of the flow and their layers, bottom first. A part may
# import only what its row names; the rows are checked to form no circle, so every import points down.
_PLAIN = {"rag.errors", "rag.schemas", "rag.text", "rag.language"}
MAY_IMPORT: dict[str, set[str]] = {
    "rag.errors": set(),
    "rag.schemas": set(),
    "rag.text": set(),
    "rag.language": set(),
    "rag.config": {"rag.errors"},
    "rag.presentation": {"rag.schemas", "rag.language"},
    # Adapters: the models, the database, the vector store, and where slow work runs.
    "rag.models": {"rag.config", *_PLAIN},
    "rag.database": {"rag.config", "rag.errors"},
    "rag.store": {"rag.config", "rag.errors", "rag.models"},
    "rag.runners": {"rag.config", "rag.errors"},
    # The clients, held once per process and passed to everything above; built from the settings by rag.clients,
    # the one module that knows every adapter.
    "rag.services": {"rag.config", "rag.models", "rag.store", "rag.runners", *_PLAIN},
    "rag.clients": {"rag.config", "rag.models", "rag.database", "rag.store", "rag.runners", "rag.services", *_PLAIN},
    "rag.accounts": {"rag.config", "rag.database", "rag.services", *_PLAIN},
    # The stages of the flow: read -> index -> answer, with the records they keep.
    "rag.reading": {"rag.config", "rag.database", "rag.services", "rag.accounts", *_PLAIN},
    "rag.records": {
        "rag.config",
        "rag.presentation",
        "rag.database",
        "rag.store",
        "rag.services",
        "rag.accounts",
        *_PLAIN,
    },
    "rag.indexing": {
        *("rag.config", "rag.models", "rag.database", "rag.store", "rag.runners", "rag.services", "rag.clients"),
        *("rag.accounts", "rag.reading", "rag.records", *_PLAIN),
    },
    "rag.answering": {
        *("rag.config", "rag.models", "rag.database", "rag.store", "rag.services"),
        *("rag.accounts", "rag.reading", "rag.records", "rag.indexing", *_PLAIN),
    },
    "rag.jobs": {
        *("rag.config", "rag.models", "rag.database", "rag.store", "rag.runners", "rag.services", "rag.clients"),
        *("rag.records", "rag.indexing", *_PLAIN),
    },
    # The doorway: everything below it, nothing above.
    "rag.usecases": {
        *("rag.config", "rag.presentation", "rag.models", "rag.database", "rag.store", "rag.runners", "rag.clients"),
        *("rag.services", "rag.accounts", "rag.reading", "rag.records", "rag.indexing", "rag.answering", "rag.jobs"),
        *_PLAIN,
    },
    "rag.cli": {*DOORWAY, USE_CASES},
    "rag.__main__": {"rag.cli"},
}
# At most this many modules directly in rag/: a few plain ones (config, errors, schemas, services, text, language,
# presentation) beside the package's own __init__ and __main__; everything else lives in a stage's package.
TOP_MODULES = 10
# The longest chain of imports among the project's modules (rag/, api/, ui/, app.py): 24 before rag/ was grouped
# into stage packages, 17 after, 12 since the front ends import each use case by name, the clients are built
# outside rag/services.py, and no use case imports another. It may only go down.
LONGEST_CHAIN = 12


def _python_files(*places: str) -> list[Path]:
    files: list[Path] = []
    for place in places:
        path = ROOT / place
        if path.is_file():
            files.append(path)
        else:
            files += sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
    assert files, f"nothing to check in {places}"
    return files


def _is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of this checkout."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a file at any depth (in functions, under TYPE_CHECKING), relative imports
    resolved, `from package import module` read as the module, and importlib.import_module("...") included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = list(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], node.module or ""]).strip(".")
            else:
                base = node.module or ""
            for alias in node.names:
                full = f"{base}.{alias.name}" if base else alias.name
                yield node.lineno, full if alias.name != "*" and _is_module(full) else base
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _violations(files: list[Path], forbidden: Callable[[str], bool]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: imports {module}"
        for path in files
        for line, module in imports(path)
        if forbidden(module)
    ]


def _is_use_case(module: str) -> bool:
    """A public use-case module: rag.usecases.documents, not the package itself or rag.usecases._shared."""
    package, _, name = module.rpartition(".")
    return package == USE_CASES and not name.startswith("_")


def _rag_beyond(allowed: frozenset[str]) -> Callable[[str], bool]:
    return lambda module: _within(module, "rag") and module not in allowed and not _is_use_case(module)


def test_the_library_never_imports_a_front_end_or_the_benchmarks():
    violations = _violations(_python_files("rag"), lambda m: _within(m, *ABOVE_THE_LIBRARY))
    assert not violations, "rag/ imports what sits above it:\n" + "\n".join(violations)


def test_the_ui_reaches_the_library_only_through_its_doorway():
    def forbidden(module: str) -> bool:
        return _within(module, *STORAGE) or _rag_beyond(DOORWAY)(module)

    violations = _violations(_python_files("ui", "app.py"), forbidden)
    assert not violations, (
        f"ui/ and app.py may import from rag only the use cases and {sorted(DOORWAY)}:\n" + "\n".join(violations)
    )


def test_the_http_api_reaches_the_library_only_through_its_doorway():
    violations = _violations(_python_files("api"), _rag_beyond(DOORWAY))
    assert not violations, f"api/ may import from rag only the use cases and {sorted(DOORWAY)}:\n" + "\n".join(
        violations
    )


def test_the_cli_reaches_the_library_only_through_its_doorway():
    violations = _violations(_python_files("rag/cli"), lambda m: _rag_beyond(DOORWAY)(m) and not _within(m, "rag.cli"))
    assert not violations, f"the CLI may import from rag only the use cases and {sorted(DOORWAY)}:\n" + "\n".join(
        violations
    )


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def project_graph() -> dict[str, frozenset[str]]:
    """Module -> the project modules it imports (at any depth, TYPE_CHECKING included), over rag/, api/, ui/ and
    app.py; an import of a name inside a module counts as the module. Migrations are scripts Alembic runs."""
    files = [f for f in _python_files("rag", "api", "ui", "app.py") if "migrations" not in f.parts]
    modules = {_module_name(f): f for f in files}

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    return {
        module: frozenset(o for _, name in imports(path) if (o := owner(name)) and o != module)
        for module, path in modules.items()
    }


def part_of(module: str) -> str:
    """The row of MAY_IMPORT a module falls under: its package in rag/ (rag.answering), or a plain module."""
    return ".".join(module.split(".")[:2])


def test_every_package_imports_only_what_its_row_allows():
    violations = [
        f"{module} imports {target}"
        for module, targets in project_graph().items()
        if module.startswith("rag.")
        for target in targets
        if part_of(target) != part_of(module) and part_of(target) not in MAY_IMPORT[part_of(module)]
    ]
    assert not violations, "imports the table (MAY_IMPORT) does not allow:\n" + "\n".join(sorted(violations))


def test_every_part_of_the_library_has_a_row_and_the_rows_point_down():
    parts = {part_of(m) for m in project_graph() if m.startswith("rag.")}
    assert parts <= set(MAY_IMPORT), f"no row in MAY_IMPORT for {sorted(parts - set(MAY_IMPORT))}"
    assert not _cycles({part: frozenset(MAY_IMPORT[part]) for part in MAY_IMPORT}), "the table allows a circle"


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                found.append(sorted([node, *group]))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back():
    assert not _cycles(project_graph()), "import cycles (TYPE_CHECKING included)"


def longest_chain(graph: dict[str, frozenset[str]]) -> list[str]:
    """The longest path of imports; an import back into the path (a cycle, failed above) is not followed."""
    known: dict[str, tuple[str, ...]] = {}
    on_path: set[str] = set()

    def chain(module: str) -> tuple[str, ...]:
        if module not in known:
            on_path.add(module)
            below = [chain(t) for t in graph.get(module, ()) if t not in on_path]
            on_path.discard(module)
            known[module] = (module, *max(below, key=len, default=()))
        return known[module]

    return list(max((chain(m) for m in graph), key=len, default=()))


def test_the_longest_chain_of_imports_does_not_grow():
    chain = longest_chain(project_graph())
    assert len(chain) <= LONGEST_CHAIN, f"{len(chain)} modules: " + " -> ".join(chain)


def test_the_library_keeps_few_modules_at_its_top():
    top = sorted(p.name for p in (ROOT / "rag").glob("*.py"))
    assert len(top) <= TOP_MODULES, top


def test_the_checks_catch_a_circle_and_a_long_chain():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"e"})}
    graph["e"] = frozenset()
    assert _cycles(graph) == [["a", "b", "c"]]
    del graph["c"]
    graph["b"] = frozenset({"d"})
    assert longest_chain(graph) == ["a", "b", "d", "e"]
    assert part_of("rag.answering.pipeline") == "rag.answering" and part_of("rag.config") == "rag.config"


def test_the_checker_reads_every_form_of_import(tmp_path):
    source = tmp_path / "ui" / "probe.py"
    source.parent.mkdir()
    source.write_text(
        "import rag.store.edge\n"
        "from rag import usecases, answering\n"
        "from .shared import x\n"
        "def later():\n"
        "    from rag.services import Services\n"
        "    importlib.import_module('sqlalchemy')\n"
    )
    assert list(imports(source, tmp_path)) == [
        (1, "rag.store.edge"),
        (2, "rag.usecases"),
        (2, "rag.answering"),
        (3, "ui.shared"),
        (5, "rag.services"),
        (6, "sqlalchemy"),
    ]


# Edits of the module search path: an assignment, an augmented assignment, a mutating method, or site.addsitedir.
PATH_EDIT = re.compile(
    r"\bsys\s*\.\s*path\s*(?:\[[^\]]*\]\s*)?(?:[+]?=(?!=)|\.\s*(?:insert|append|extend|remove|pop|clear)\s*\()"
    r"|\bfrom\s+sys\s+import\s+(?:[^#\n]*[\s,(])?path\b"
    r"|\bsite\s*\.\s*addsitedir\s*\("
)


def test_nothing_edits_the_module_search_path():
    # Everything imports the installed package (pip install -e .): a sys.path edit hides a packaging mistake.
    violations = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _python_files("rag", "ui", "api", "bench", "tests", "app.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PATH_EDIT.search(line.split("#", 1)[0])
    ]
    assert not violations, "the module search path is edited:\n" + "\n".join(violations)
