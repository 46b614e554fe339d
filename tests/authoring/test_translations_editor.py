"""The translations editor of a draft, through the test client: what it saves, where the Spanish then shows,
what it refuses, and the workspace's list of what is missing."""

from __future__ import annotations

import re

import pytest

from accounts.models import Profile
from evaluation.audit import Actor
from evaluation.authoring.translation_forms import field_name
from evaluation.engine.translations import Wording
from evaluation.models import AuditEvent
from evaluation.services.templates import template_publish
from tests.factories import make_assessment, make_patient

from .conftest import url
from .html_forms import forms_of

LABEL = Wording("items", "fasciculations", "label", "Fasciculations (small involuntary twitches under the skin)")
SPANISH_LABEL = "Fasciculaciones (contracciones finas e involuntarias bajo la piel)"
DAILY = Wording("items", "fasciculation_frequency", "choices.daily", "Daily")
RULE_TITLE = Wording("rules", "referral:neurology_referral", "title", "Neurology referral")


def _editor(client, draft, **query) -> str:
    response = client.get(url("translations", draft.pk, "es", **query))
    assert response.status_code == 200
    return response.content.decode()


def _post_page(client, draft, changes: dict[Wording, str]):
    """Post the editor's form as a browser would, with ``changes`` typed into their fields."""
    page = _editor(client, draft)
    form = next(f for f in forms_of(page) if field_name(LABEL) in dict(f.data()))
    data = dict(form.data())
    data.update({field_name(entry): text for entry, text in changes.items()})
    return client.post(url("translations", draft.pk, "es"), data)


def _spanish(user) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": Profile.Language.SPANISH})


def _missing(body: str) -> int:
    found = re.search(r"<strong>(\d+) of (\d+) texts have no translation</strong>", body)
    assert found, "the workspace says how many texts have no translation"
    return int(found[1])


def test_the_editor_lists_each_english_text_beside_a_spanish_field(admin_client_, draft):
    body = _editor(admin_client_, draft)
    name = field_name(LABEL)
    assert f'<label class="form-label small fw-semibold mb-1" for="id_{name}">Label</label>' in body
    assert re.search(rf'<input[^>]*name="{name}"[^>]*lang="es"', body) or re.search(
        rf'<input[^>]*lang="es"[^>]*name="{name}"', body)
    assert f'aria-describedby="id_{name}-en"' in body
    assert f'id="id_{name}-en" lang="en"' in body and LABEL.text in body
    assert "211 of 211 texts have no translation." in body


def test_the_editor_saves_and_the_published_version_shows_the_spanish_to_a_spanish_clinician(
        admin_client_, draft, clinician, client):
    response = _post_page(admin_client_, draft, {LABEL: SPANISH_LABEL, DAILY: "A diario",
                                                 RULE_TITLE: "Derivación a neurología"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.translations == {"es": {
        "items": {"fasciculations": {"label": SPANISH_LABEL}, "fasciculation_frequency": {"choices": {"daily": "A diario"}}},
        "rules": {"referral:neurology_referral": {"title": "Derivación a neurología"}},
    }}
    event = AuditEvent.objects.filter(action=AuditEvent.Action.TEMPLATE_EDIT, object_id=str(draft.pk)).latest("pk")
    assert event.detail == {"version": draft.label, "fields": ["translations es"]}

    published = template_publish(version=draft, actor=Actor.system())
    _spanish(clinician)
    client.force_login(clinician)
    assessment = make_assessment(make_patient(clinician), published, clinician)
    html = client.get(f"/assessments/{assessment.pk}/edit/").content.decode()
    assert SPANISH_LABEL in html and ">A diario<" in html
    assert "Guardar borrador" in html


def test_an_empty_field_removes_a_translation_and_fields_not_posted_keep_theirs(admin_client_, draft):
    _post_page(admin_client_, draft, {LABEL: SPANISH_LABEL, DAILY: "A diario"})
    # Only the label's field is posted (a page opened before the choice was translated, say): cleared.
    response = admin_client_.post(url("translations", draft.pk, "es"), {field_name(LABEL): "  "})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.translations == {"es": {"items": {"fasciculation_frequency": {"choices": {"daily": "A diario"}}}}}


def test_a_published_version_is_shown_read_only_and_refuses_edits(admin_client_, version):
    body = _editor(admin_client_, version)
    assert '<fieldset class="translations-fields" disabled>' in body and "Save translations" not in body
    response = admin_client_.post(url("translations", version.pk, "es"), {field_name(LABEL): SPANISH_LABEL},
                                  follow=True)
    assert "is published and can no longer be changed" in response.content.decode()
    version.refresh_from_db()
    assert version.translations == {}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TEMPLATE_EDIT).exists()


@pytest.mark.parametrize("text, error", [
    ("x" * 301, "Ensure this value has at most 300 characters (it has 301)."),
    ("Fasciculaciones\x00", "Null characters are not allowed."),
])
def test_bad_input_is_a_form_error_and_nothing_is_saved(admin_client_, draft, text, error):
    response = _post_page(admin_client_, draft, {DAILY: "A diario", LABEL: text})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was saved." in body and error in body
    assert f'href="#id_{field_name(LABEL)}"' in body  # the error list leads to the field
    draft.refresh_from_db()
    assert draft.translations == {}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TEMPLATE_EDIT).exists()


def test_an_unknown_language_is_not_found(admin_client_, draft):
    assert admin_client_.get(url("translations", draft.pk, "fr")).status_code == 404


def test_clinicians_may_not_open_the_editor(client, clinician, draft):
    client.force_login(clinician)
    assert client.get(url("translations", draft.pk, "es")).status_code == 403
    assert client.post(url("translations", draft.pk, "es"), {field_name(LABEL): "x"}).status_code == 403


def test_the_workspace_lists_what_is_missing_and_the_list_shrinks_when_a_translation_is_added(admin_client_, draft):
    body = admin_client_.get(url("workspace", draft.pk)).content.decode()
    assert _missing(body) == 211
    item = draft.items.get(code="fasciculations")
    # Each part links to where it is edited, each of its texts to its field in the editor.
    assert f'<a href="{url("item", draft.pk, item.pk)}" lang="en">{LABEL.text}</a>' in body
    assert f'href="{url("translations", draft.pk, "es")}#id_{field_name(LABEL)}"' in body

    _post_page(admin_client_, draft, {LABEL: SPANISH_LABEL})
    body = admin_client_.get(url("workspace", draft.pk)).content.decode()
    assert _missing(body) == 210
    assert f"#id_{field_name(LABEL)}" not in body
    only_missing = _editor(admin_client_, draft, missing=1)
    assert f'name="{field_name(LABEL)}"' not in only_missing and f'name="{field_name(DAILY)}"' in only_missing


def test_the_authoring_pages_are_in_spanish_for_a_spanish_speaking_template_admin(client, template_admin, draft):
    _spanish(template_admin)
    client.force_login(template_admin)
    workspace = client.get(url("workspace", draft.pk)).content.decode()
    assert '<html lang="es">' in workspace
    assert ">Vista general<" in workspace and ">Traducciones<" in workspace and ">Casos de prueba<" in workspace
    assert "Español: <strong>211 de 211 textos no tienen traducción</strong>; se muestran en inglés." in workspace
    assert "Pasan los 15" in workspace
    rules = client.get(url("rules", draft.pk)).content.decode()
    assert "Se activa cuando" in rules and "Añadir una regla" in rules and " es Sí" in rules
    editor = client.get(url("translations", draft.pk, "es")).content.decode()
    assert "Traducciones: Español" in editor and ">Etiqueta</label>" in editor and "Guardar traducciones" in editor
    index = client.get(url("index")).content.decode()
    assert "Plantillas de listas de verificación" in index and "Nuevo borrador a partir de esta versión" in index


def test_the_review_before_publishing_lists_the_changed_translations(admin_client_, draft):
    _post_page(admin_client_, draft, {LABEL: SPANISH_LABEL})
    body = admin_client_.get(url("publish", draft.pk)).content.decode()
    assert "Translations changed" in body and "1 translated text changed" in body
    assert f'<span class="diff-name" lang="en">{LABEL.text}</span>' in body
    assert f'<dt>Spanish</dt><dd><del lang="es">—</del> <ins lang="es">{SPANISH_LABEL}</ins></dd>' in body
    assert "Nothing has changed." not in body
