"""The engine is pure Python: nothing from Django, nothing from the rest of ``evaluation``."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from .helpers import ROOT

ENGINE = ROOT / "evaluation" / "engine"


def _imported_modules(path: Path) -> list[str]:
    """Every absolute module name an engine module imports (relative imports stay inside the package)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_it_imports_nothing_from_django_or_the_rest_of_evaluation():
    modules = sorted(ENGINE.glob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "types.py", "compiler.py", "validation.py", "cases.py"}
    for path in modules:
        for name in _imported_modules(path):
            assert name != "django" and not name.startswith("django."), (path.name, name)
            if name == "evaluation" or name.startswith("evaluation."):
                assert name == "evaluation.engine" or name.startswith("evaluation.engine."), (path.name, name)


def test_it_imports_without_loading_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = "import sys; import evaluation.engine; print('django' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
