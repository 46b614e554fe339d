"""Deeply nested JSON typed into the rule editor or uploaded as a template: a message, never a 500."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation.models import Rule, TemplateVersion

from .conftest import url
from .test_rules import _rule_data


def test_a_deeply_nested_condition_is_refused_on_its_field(admin_client_, draft):
    before = Rule.objects.filter(version=draft).count()
    for depth in (40, 900, 20000):
        condition = '{"not": ' * depth + '{"item": "cramps", "is": true}' + "}" * depth
        response = admin_client_.post(url("rule_create", draft.pk), _rule_data(condition=condition))
        assert response.status_code in (200, 400), (depth, response.status_code)
        assert "nested" in response.content.decode()
    assert Rule.objects.filter(version=draft).count() == before


def test_a_deeply_nested_import_file_is_a_form_error(client, superuser, version):
    client.force_login(superuser)
    upload = SimpleUploadedFile("deep.json", ("[" * 30000 + "]" * 30000).encode(), content_type="application/json")
    response = client.post(reverse("admin:evaluation_templateversion_import"), {"file": upload})
    assert response.status_code == 400
    assert "nested deeper than 100 levels" in response.content.decode()
    assert TemplateVersion.objects.count() == 1
