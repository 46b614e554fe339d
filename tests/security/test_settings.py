"""Settings read from the environment fail loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.test_deploy import write_static_manifest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TIME_ZONE"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_it_runs_management_commands_in_development_mode_with_no_configuration():
    result = load_settings(DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def serve(**env: str) -> subprocess.CompletedProcess:
    """Load the WSGI entry point as gunicorn would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TIME_ZONE"))}
    return subprocess.run([sys.executable, "-c", "import config.wsgi; print('serving')"], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_it_refuses_to_serve_until_debug_is_set_explicitly():
    result = serve()
    assert result.returncode != 0 and "serving" not in result.stdout
    assert "Set DJANGO_DEBUG before serving: False in production" in result.stderr


def test_it_serves_in_production_mode_when_configured(tmp_path):
    # Production serves only with collectstatic's manifest (see test_static_manifest.py).
    static_root = write_static_manifest(tmp_path)
    result = serve(DJANGO_DEBUG="False", DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="clinic.example.org",
                   DJANGO_STATIC_ROOT=str(static_root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "serving"


@pytest.mark.parametrize("env,message", [
    ({"DJANGO_DEBUG": "False"}, "DJANGO_SECRET_KEY must be set"),
    ({"DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
    ({"DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": GOOD_KEY}, "DJANGO_ALLOWED_HOSTS must list"),
    ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a boolean"),
    ({"DJANGO_DEBUG": "True", "SESSION_INACTIVITY_MINUTES": "ten"}, "SESSION_INACTIVITY_MINUTES='ten' is not a whole number"),
    ({"DJANGO_DEBUG": "True", "AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT=0 must be at least 1"),
    ({"DJANGO_DEBUG": "True", "TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a known time zone"),
])
def test_it_refuses_to_start_with_a_bad_or_missing_setting(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_it_starts_in_production_mode_when_configured():
    result = load_settings(DJANGO_DEBUG="False", DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="clinic.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_sqlite_database_writes_ahead_to_a_log(tmp_path):
    """Readers do not wait for a writer, and a commit syncs once: the file database is in WAL mode."""
    database = tmp_path / "clinic.sqlite3"
    script = ("import django; django.setup(); from django.db import connection; "
              "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0])")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TIME_ZONE"))}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "True",
                                 "DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
