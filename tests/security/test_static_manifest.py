"""Production refuses to start without the static manifest, instead of answering every page with a 500."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from accounts.checks import MISSING_MANIFEST, static_manifest_check
from tests.security.test_deploy import PROJECT, production_env, write_static_manifest

START_SERVING = "import config.{entry}; print('serving')"


def start(entry: str, static_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**production_env(), "DJANGO_STATIC_ROOT": str(static_root)}
    return subprocess.run([sys.executable, "-c", START_SERVING.format(entry=entry)], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_it_refuses_to_serve_without_a_manifest_and_names_collectstatic(tmp_path):
    for entry in ("wsgi", "asgi"):
        result = start(entry, tmp_path)
        assert result.returncode != 0, entry
        assert "Refusing to start" in result.stderr and "collectstatic" in result.stderr, result.stderr
        assert "serving" not in result.stdout


def test_it_refuses_a_manifest_that_is_not_json(tmp_path):
    (tmp_path / "staticfiles.json").write_text("{not json")
    result = start("wsgi", tmp_path)
    assert result.returncode != 0 and "could not be read" in result.stderr


def test_it_serves_once_the_manifest_exists(tmp_path):
    result = start("wsgi", write_static_manifest(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("serving")


def test_it_reports_the_missing_manifest_in_check_deploy(tmp_path):
    env = {**production_env(), "DJANGO_STATIC_ROOT": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert MISSING_MANIFEST in result.stderr and "collectstatic" in result.stderr


def test_it_does_not_need_a_manifest_in_development():
    assert static_manifest_check() == []  # tests run with development storage
