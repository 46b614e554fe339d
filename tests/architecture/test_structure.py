"""The shape of the code, checked: imports run one way, rooms stay small.

Walks the source of ``evaluation/`` and ``interop/`` with ``ast`` (nothing is imported), so a
new import circle, an import tucked into a function to dodge one, or a module
or function that outgrows its room fails here rather than in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGES = ("evaluation", "interop")
ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
# Imports inside a function that are the framework's idiom, not a way round a circle:
# AppConfig.ready() connects signal receivers once the app registry is ready, and
# post_migrate handlers may not import models at module load.
FUNCTION_IMPORTS_ALLOWED = {"evaluation/apps.py", "interop/apps.py"}


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in source_files()}


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path) -> set[str]:
    """The project modules ``path`` imports at module level (a name that is a submodule counts as that module)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(path, node)
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
    return {name for name in found if name in MODULES}


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), or a module importing itself."""
    graph = {name: imports_of(path) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in graph[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == name:
                    break
            if len(group) > 1 or name in graph[name]:
                cycles.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return cycles


def test_it_finds_the_imports_it_is_checking():
    assert "evaluation.engine" in imports_of(MODULES["evaluation.services.assessments"])
    assert "evaluation.models" in imports_of(MODULES["evaluation.services.assessments"])
    assert "evaluation.reports.content" in imports_of(MODULES["evaluation.reports.pdf"])
    assert "evaluation.selectors" in imports_of(MODULES["interop.api.patients"])


def test_it_has_no_import_cycle_in_the_app():
    assert import_cycles() == []


def test_it_finds_a_cycle_when_there_is_one(monkeypatch):
    """The check itself can fail: make the engine import the models and it reports the circle."""
    real = imports_of

    def with_back_edge(path: Path) -> set[str]:
        extra = {"evaluation.models"} if path == MODULES["evaluation.engine.types"] else set()
        return real(path) | extra

    monkeypatch.setattr(__import__(__name__, fromlist=["imports_of"]), "imports_of", with_back_edge)
    assert any("evaluation.engine.types" in cycle and "evaluation.models" in cycle for cycle in import_cycles())


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_it_places_no_import_inside_a_function():
    offenders = []
    for path in source_files():
        if str(path.relative_to(ROOT)) in FUNCTION_IMPORTS_ALLOWED:
            continue
        for function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(function)):
                offenders.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.name}")
    assert offenders == []


def test_it_keeps_every_module_within_its_room():
    too_long = {str(path.relative_to(ROOT)): n for path in source_files()
                if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert too_long == {}


def test_it_keeps_every_function_short():
    too_long = []
    for path in source_files():
        for function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            length = function.end_lineno - function.lineno + 1
            if length > MAX_FUNCTION_LINES:
                too_long.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.name} ({length} lines)")
    assert too_long == []
