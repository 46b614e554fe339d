"""A read never writes: the session's last-seen mark moves at most once a minute, the status poll does
not extend the session, "stay signed in" does, and permissions are read once per request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.middleware import LAST_SEEN, REFRESH_SECONDS, STARTED

ROOT = Path(__file__).resolve().parents[2]
LIST = reverse("evaluation:patient_list")
STATUS = reverse("evaluation:session_status")
KEEPALIVE = reverse("evaluation:session_keepalive")


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def get_counting_writes(client, url: str) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return session_writes(queries), response


def age_mark(client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN] = time.time() - seconds
    session.save()


@pytest.fixture
def signed_in(clinician_client, patient):
    clinician_client.get(LIST)  # the first request after signing in starts the clocks (one write)
    return clinician_client


def test_it_does_not_write_the_session_when_pages_are_read_within_a_minute(signed_in, patient):
    for url in (LIST, patient.get_absolute_url(), LIST, STATUS, LIST):
        writes, response = get_counting_writes(signed_in, url)
        assert response.status_code == 200 and writes == [], url


def test_it_moves_the_mark_on_once_when_it_is_a_minute_old(signed_in):
    age_mark(signed_in, REFRESH_SECONDS + 1)
    writes, _ = get_counting_writes(signed_in, LIST)
    assert len(writes) == 1 and time.time() - signed_in.session[LAST_SEEN] < 5
    assert get_counting_writes(signed_in, LIST)[0] == []


def test_it_writes_once_on_the_first_request_after_signing_in(clinician_client):
    writes, _ = get_counting_writes(clinician_client, LIST)
    assert len(writes) == 1 and STARTED in clinician_client.session
    assert get_counting_writes(clinician_client, LIST)[0] == []


def test_it_reports_the_time_left_without_extending_the_session(signed_in):
    age_mark(signed_in, 5 * 60)
    mark = signed_in.session[LAST_SEEN]
    writes, response = get_counting_writes(signed_in, STATUS)
    status = response.json()
    assert writes == [] and signed_in.session[LAST_SEEN] == mark
    assert status["signed_in"] is True and 9 * 60 <= status["seconds_left"] <= 10 * 60
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_extends_the_session_on_stay_signed_in(signed_in):
    age_mark(signed_in, 14 * 60)
    response = signed_in.post(KEEPALIVE)
    assert response.status_code == 200 and response.json()["seconds_left"] >= 15 * 60 - 5
    assert time.time() - signed_in.session[LAST_SEEN] < 5


def test_it_refuses_stay_signed_in_by_get_and_after_the_session_ended(signed_in, client):
    assert signed_in.get(KEEPALIVE).status_code == 405
    age_mark(signed_in, 15 * 60 + 5)
    status = signed_in.get(STATUS)
    assert status.status_code == 200 and status.json() == {"signed_in": False, "seconds_left": 0}
    assert signed_in.post(KEEPALIVE).status_code == 401


def test_it_puts_the_time_left_on_every_page(signed_in):
    age_mark(signed_in, 30)
    body = signed_in.get(LIST).content.decode()
    assert f'data-session-status-url="{STATUS}"' in body and f'data-session-keepalive-url="{KEEPALIVE}"' in body
    left = int(body.split('data-session-seconds-left="')[1].split('"')[0])
    assert 15 * 60 - 40 <= left <= 15 * 60 - 25


def test_it_reads_permissions_once_per_request_however_often_they_are_checked(signed_in):
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(LIST)
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in sql if "auth_permission" in s]) <= 2  # the user's own and their groups', once
    assert len([s for s in sql if 'FROM "auth_user"' in s]) == 1


# ---------------------------------------------------------------- settings


def load(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, "
            "s.DATABASES['default']['CONN_HEALTH_CHECKS']]))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "True", **env})


def test_it_keeps_sessions_and_cache_in_redis_when_redis_url_is_set():
    result = load(REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "django.core.cache.backends.redis.RedisCache", "django.contrib.sessions.backends.cache", True]
    plain = load()
    assert json.loads(plain.stdout)[:2] == [
        "django.core.cache.backends.locmem.LocMemCache", "django.contrib.sessions.backends.db"]
    bad = load(REDIS_URL="127.0.0.1:6379")
    assert bad.returncode != 0 and "REDIS_URL='127.0.0.1:6379' must start with redis://" in bad.stderr


def test_it_checks_database_connections_before_reusing_them():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:  # noqa: BLE001 - no server here: the test is skipped
        return None
    return url


@pytest.mark.skipif(_redis_url() is None, reason="no Redis server reachable (set REDIS_TEST_URL)")
def test_it_signs_in_and_reads_pages_with_sessions_in_redis(clinician, patient, settings, client):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": _redis_url()}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    client.force_login(clinician)
    assert client.get(LIST).status_code == 200
    writes, response = get_counting_writes(client, LIST)
    assert response.status_code == 200 and writes == []
    assert client.get(STATUS).json()["signed_in"] is True
