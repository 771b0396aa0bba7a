"""Import boundaries, read from the source with `ast` (nothing here imports the modules it checks): the library never
reaches up into a front end, and the front ends reach the library only through its doorway."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.conftest import ROOT

# All a front end (ui/, app.py, api/, the CLI) may import from rag: the use cases, the public shapes, the errors.
DOORWAY = frozenset({"rag.usecases", "rag.schemas", "rag.errors"})
# What only the library talks to.
STORAGE = ("sqlalchemy", "qdrant_client", "qdrant_edge", "rag.store")
# What the library must never import: the front ends and the benchmarks sit above it.
ABOVE_THE_LIBRARY = ("streamlit", "ui", "api", "bench")


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


def _rag_beyond(allowed: frozenset[str]) -> Callable[[str], bool]:
    return lambda module: _within(module, "rag") and module not in allowed


def test_the_library_never_imports_a_front_end_or_the_benchmarks():
    violations = _violations(_python_files("rag"), lambda m: _within(m, *ABOVE_THE_LIBRARY))
    assert not violations, "rag/ imports what sits above it:\n" + "\n".join(violations)


def test_the_ui_reaches_the_library_only_through_its_doorway():
    def forbidden(module: str) -> bool:
        return _within(module, *STORAGE) or _rag_beyond(DOORWAY)(module)

    violations = _violations(_python_files("ui", "app.py"), forbidden)
    assert not violations, f"ui/ and app.py may import from rag only {sorted(DOORWAY)}:\n" + "\n".join(violations)


def test_the_http_api_reaches_the_library_only_through_its_doorway():
    violations = _violations(_python_files("api"), _rag_beyond(DOORWAY))
    assert not violations, f"api/ may import from rag only {sorted(DOORWAY)}:\n" + "\n".join(violations)


def test_the_cli_reaches_the_library_only_through_its_doorway():
    own = {"rag.cli.main", "rag.cli.printing", "rag.cli.remote", "rag.cli.accounts", "rag.cli.jobs"}
    allowed = DOORWAY | own
    files = _python_files(
        "rag/cli/main.py", "rag/cli/printing.py", "rag/cli/remote.py", "rag/cli/accounts.py", "rag/cli/jobs.py"
    )
    violations = _violations(files, _rag_beyond(allowed))
    assert not violations, f"the CLI may import from rag only {sorted(allowed)}:\n" + "\n".join(violations)


def test_the_checker_reads_every_form_of_import(tmp_path):
    source = tmp_path / "ui" / "probe.py"
    source.parent.mkdir()
    source.write_text(
        "import rag.store.edge\n"
        "from rag import usecases, chain\n"
        "from .shared import x\n"
        "def later():\n"
        "    from rag.services import Services\n"
        "    importlib.import_module('sqlalchemy')\n"
    )
    assert list(imports(source, tmp_path)) == [
        (1, "rag.store.edge"),
        (2, "rag.usecases"),
        (2, "rag.answering.pipeline"),
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
