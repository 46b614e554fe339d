"""Every interop URL against every role, and Swagger UI served from this site's own files under the CSP."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from interop.roles import DATA_EXPORTERS

ROLES = ("anonymous", "clinician", "template_admin", "superuser", "exporter")
# name -> (method, id source, expected status per role: anonymous, clinician, template admin, superuser, exporter)
RULES: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "interop:tokens": ("get", "", (302, 200, 200, 200, 200)),
    "interop:token_revoke": ("get", "", (302, 405, 405, 405, 405)),
    "interop:export": ("get", "", (302, 403, 403, 200, 200)),
    "interop:api:schema": ("get", "", (401, 200, 200, 200, 200)),
    "interop:api:docs": ("get", "", (302, 200, 200, 200, 200)),
    "interop:api:evaluate": ("post", "", (401, 400, 400, 400, 400)),
    "interop:api:patient-list": ("get", "", (401, 200, 403, 200, 403)),
    "interop:api:patient-search": ("post", "", (401, 400, 403, 400, 403)),
    "interop:api:patient-detail": ("get", "patient", (401, 200, 403, 200, 403)),
    "interop:api:patient-assessments": ("get", "patient", (401, 200, 403, 200, 403)),
    "interop:api:assessment-detail": ("get", "assessment", (401, 200, 403, 200, 403)),
    "interop:api:assessment-revision": ("get", "signed", (401, 200, 403, 200, 403)),
    "interop:api:assessment-answers": ("put", "assessment", (401, 400, 403, 400, 403)),
    "interop:api:assessment-decisions": ("put", "assessment", (401, 400, 403, 400, 403)),
    "interop:api:assessment-sign": ("post", "assessment", (401, 400, 403, 400, 403)),
    "interop:api:assessment-amend": ("post", "signed", (401, 400, 403, 400, 403)),
    "interop:api:template-list": ("get", "", (401, 200, 200, 200, 200)),
    "interop:api:template-detail": ("get", "version", (401, 200, 200, 200, 200)),
    "interop:fhir:metadata": ("get", "", (401, 200, 200, 200, 200)),
    "interop:fhir:questionnaire": ("get", "version", (401, 200, 200, 200, 200)),
    "interop:fhir:questionnaire_response": ("get", "signed", (401, 200, 403, 200, 403)),
    "interop:fhir:bundle": ("get", "signed", (401, 200, 403, 200, 403)),
    "interop:fhir:patient": ("get", "patient", (401, 200, 403, 200, 403)),
    "interop:cds:discovery": ("get", "", (200, 200, 200, 200, 200)),
    "interop:cds:service": ("post", "service", (401, 400, 403, 400, 403)),
    "interop:cds:feedback": ("post", "service", (401, 400, 403, 400, 403)),
}


def discover(patterns: list[Any] | None = None, namespace: str = "") -> dict[str, list[str]]:
    """Every named URL of the interop namespace, with the names of its path parameters."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    found: dict[str, list[str]] = {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.update(discover(entry.url_patterns, inner))
        elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("interop:"):
            found[namespace + entry.name] = list(entry.pattern.regex.groupindex)
    return found


@pytest.fixture
def clients(clinician, template_admin, superuser, django_user_model) -> dict[str, Client]:
    exporter = django_user_model.objects.create_user("analyst", password="x" * 20)
    exporter.groups.add(Group.objects.get(name=DATA_EXPORTERS))
    result = {"anonymous": Client()}
    for role, user in (("clinician", clinician), ("template_admin", template_admin), ("superuser", superuser),
                       ("exporter", exporter)):
        result[role] = Client()
        result[role].force_login(user)
    return result


def _kwargs(params: list[str], source: str, objects: dict[str, Any]) -> dict[str, Any]:
    values = {"patient": {"pk": objects["patient"].pk}, "assessment": {"pk": objects["assessment"].pk},
              "signed": {"pk": objects["signed"].pk, "number": 1},
              "version": {"label": "fasciculation-cramp@1", "slug": "fasciculation-cramp", "number": 1},
              "service": {"service_id": "fasciculation-cramp"}, "": {"pk": 1}}[source]
    return {name: values[name] for name in params}


def test_it_has_a_rule_for_every_interop_url():
    assert set(discover()) == set(RULES)


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_the_expected_status_on_every_url(role, clients, patient, signed, assessment, version):
    objects = {"patient": patient, "assessment": assessment, "signed": signed}
    failures = []
    for name, params in discover().items():
        method, source, expected = RULES[name]
        url = reverse(name, kwargs=_kwargs(params, source, objects))
        response = getattr(clients[role], method)(url, {}, content_type="application/json")
        if response.status_code != expected[ROLES.index(role)]:
            failures.append(f"{method.upper()} {url}: {response.status_code}, expected {expected[ROLES.index(role)]}")
    assert failures == []


def test_it_answers_404_for_records_that_do_not_exist(clients):
    missing = uuid.uuid4()
    for url in (f"/api/v1/patients/{missing}/", f"/api/v1/assessments/{missing}/", f"/fhir/Bundle/{missing}",
                f"/fhir/QuestionnaireResponse/{missing}", f"/fhir/Patient/{missing}"):
        assert clients["clinician"].get(url).status_code == 404, url
        assert clients["template_admin"].get(url).status_code == 403, url  # no probing ids without the role


def test_it_serves_swagger_ui_from_this_sites_files_without_inline_script(clients):
    page = clients["clinician"].get(reverse("interop:api:docs"))
    html = page.content.decode()
    assert page.status_code == 200 and "swagger-ui" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and "<style" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources)
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    script = next(s for s in sources if "script" in s)
    init = clients["clinician"].get(script)
    assert init["Content-Type"].startswith("application/javascript") and "SwaggerUIBundle" in init.content.decode()
    assert "/api/v1/schema/" in init.content.decode()
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_it_links_the_token_page_from_the_menu_and_the_export_page_for_exporters(clients):
    tokens, export = reverse("interop:tokens").encode(), reverse("interop:export").encode()
    clinician_page = clients["clinician"].get(reverse("evaluation:patient_list")).content
    assert tokens in clinician_page and export not in clinician_page
    exporter_page = clients["exporter"].get(reverse("interop:tokens")).content
    assert tokens in exporter_page and export in exporter_page
