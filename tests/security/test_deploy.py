"""Headers, production settings (`check --deploy`) and production error pages."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATES = PROJECT / "templates"


def production_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    # Switches that would weaken production must not leak in from the developer's shell.
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests for live_server; no deployment has it.
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_HSTS_SECONDS", "DJANGO_HSTS_PRELOAD", "DJANGO_SECURE_COOKIES",
                 "DJANGO_BEHIND_TLS_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=production_env(), capture_output=True,
                          text=True, timeout=120)


# ---------------------------------------------------------------- production settings


def write_static_manifest(folder: Path) -> Path:
    """What collectstatic leaves for the manifest check (test_static_manifest runs the real thing's absence)."""
    (folder / "staticfiles.json").write_text(json.dumps({"paths": {"css/app.css": "css/app.0123456789ab.css"},
                                                         "version": "1.1", "hash": "0123456789ab"}))
    return folder


def test_it_passes_check_deploy_with_production_settings(tmp_path):
    env = {**production_env(), "DJANGO_STATIC_ROOT": str(write_static_manifest(tmp_path))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_real_secret_key():
    env = production_env()
    env["DJANGO_SECRET_KEY"] = "short"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="clinic.example.org")
plain = client.get("/audit.csv")
tls = client.get("/audit.csv", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
        "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY")},
    "plain": [plain.status_code, plain.get("Location", "")],
    "tls": [tls.status_code, tls.get("Location", ""), dict(tls.headers)],
}))
"""


@pytest.fixture(scope="module")
def production() -> dict:
    result = run_python(PRODUCTION_PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_turns_on_transport_security_in_production(production):
    assert production["settings"] == {
        "DEBUG": False, "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True, "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "X_FRAME_OPTIONS": "DENY", "SECURE_REFERRER_POLICY": "same-origin",
    }


def test_it_redirects_plain_http_to_https_in_production(production):
    status, location = production["plain"]
    assert (status, location) == (301, "https://clinic.example.org/audit.csv")


def test_it_sends_hsts_and_the_other_headers_over_tls_in_production(production):
    status, location, headers = production["tls"]
    assert (status, location) == (302, "/accounts/login/?next=/audit.csv")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


# ---------------------------------------------------------------- headers on every page (development settings too)


@pytest.fixture
def login_page(client):
    return client.get(reverse("login"))


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_it_sends_a_csp_without_third_party_hosts_or_inline_script(login_page):
    csp = _csp(login_page)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    for name, sources in csp.items():
        for source in sources:
            assert source in ("'self'", "'none'", "data:"), f"{name} allows {source}"


def test_it_sends_frame_referrer_and_sniffing_headers(login_page):
    assert login_page["X-Frame-Options"] == "DENY"
    assert login_page["Referrer-Policy"] == "same-origin"
    assert login_page["X-Content-Type-Options"] == "nosniff"
    assert login_page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_it_sets_httponly_cookies(client, clinician):
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "drwho", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"]


def test_it_has_no_inline_script_handler_or_remote_asset_in_any_template():
    """The CSP would block them; finding them here names the file instead of a blank console error."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    remote = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.IGNORECASE)
    checked = 0
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        checked += 1
        assert not inline_script.search(text), f"{path.name}: inline <script>"
        assert not handler.search(text), f"{path.name}: inline event handler"
        assert "javascript:" not in text.lower(), f"{path.name}: javascript: URL"
        assert not remote.search(text), f"{path.name}: asset from another host"
    assert checked >= 20


# ---------------------------------------------------------------- production error pages


def _assert_plain_error_page(response, status: int, *secrets_: str) -> None:
    body = response.content.decode("utf-8")
    assert response.status_code == status
    assert f"<h1>Error {status}</h1>" in body
    for forbidden in ("Traceback", "File \"", "settings", "DEBUG = True", *secrets_):
        assert forbidden not in body, forbidden


def test_it_runs_the_tests_with_debug_off():
    assert settings.DEBUG is False  # pytest-django's default; the error-page tests rely on it


def test_it_shows_a_plain_404_that_does_not_echo_the_address(clinician_client):
    response = clinician_client.get("/patients/<script>alert(1)</script>/")
    _assert_plain_error_page(response, 404, "<script>alert", "alert(1)")
    missing = clinician_client.get(reverse("evaluation:patient_detail", args=["00000000-0000-4000-8000-000000000000"]))
    _assert_plain_error_page(missing, 404, "00000000-0000-4000-8000-000000000000")


def test_it_shows_a_plain_500_without_stack_trace_or_patient_data(clinician, assessment, monkeypatch):
    from evaluation.views import assessments as assessment_views

    patient = assessment.patient

    def explode(*args, **kwargs):
        raise RuntimeError(f"summary failed for {patient.mrn} {patient.family_name}")

    monkeypatch.setattr(assessment_views, "report_for", explode)
    client = Client(raise_request_exception=False)
    client.force_login(clinician)
    response = client.get(reverse("evaluation:assessment_detail", args=[assessment.pk]))
    _assert_plain_error_page(response, 500, patient.mrn, patient.family_name, patient.given_name, "RuntimeError")


def test_it_shows_a_plain_403_without_patient_data(client, template_admin, patient):
    client.force_login(template_admin)
    response = client.get(reverse("evaluation:patient_detail", args=[patient.pk]))
    _assert_plain_error_page(response, 403, patient.mrn, patient.family_name, patient.given_name)


def test_it_shows_a_plain_400_for_a_bad_host(client):
    response = client.get(reverse("login"), HTTP_HOST="evil.example<script>")
    _assert_plain_error_page(response, 400, "evil.example", "<script>")
