"""Pages, suggestions and PDFs in Spanish for a Spanish-speaking user; the handout in the patient's language."""

from __future__ import annotations

import io

import pytest
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Profile
from evaluation.models import Patient
from tests.factories import form_data, make_assessment, save, sign_through_view

from .spanish import CASE, publish_spanish_version


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _speaks_spanish(user) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": Profile.Language.SPANISH})


@pytest.fixture
def spanish_version(db):
    return publish_spanish_version()


@pytest.fixture
def filled(spanish_version, patient, clinician):
    """A draft of worked example 4 (weakness and wasting: red flags, referral, EMG) on the Spanish-translated version."""
    assessment = make_assessment(patient, spanish_version, clinician)
    answers = dict(spanish_version.cases.get(name__startswith=CASE).answers)
    return save(assessment, clinician, answers)


def test_english_stays_the_default(clinician_client):
    html = clinician_client.get(reverse("evaluation:patient_list")).content.decode()
    assert '<html lang="en">' in html and ">Register a patient<" in html


def test_choosing_spanish_on_the_account_page_turns_the_pages_spanish(clinician_client, clinician):
    response = clinician_client.post(reverse("accounts:language"), {"language": "es"}, follow=True)
    assert Profile.objects.get(user=clinician).language == "es"
    html = response.content.decode()
    assert '<html lang="es">' in html and "Sus páginas se muestran ahora en español." in html
    html = clinician_client.get(reverse("evaluation:patient_list")).content.decode()
    assert ">Registrar un paciente<" in html and ">Cerrar sesión<" in html
    assert response.headers["Content-Language"] == "es"


def test_an_unknown_language_is_refused(clinician_client, clinician):
    assert clinician_client.post(reverse("accounts:language"), {"language": "xx"}).status_code == 400
    assert Profile.objects.get(user=clinician).language == "en"


def test_the_profile_language_applies_from_sign_in(client, clinician):
    _speaks_spanish(clinician)
    client.force_login(clinician)  # sign-in copies the language into the session
    assert '<html lang="es">' in client.get(reverse("accounts:account")).content.decode()


def test_the_form_and_live_suggestions_are_in_spanish(client, clinician, filled):
    _speaks_spanish(clinician)
    client.force_login(clinician)
    html = client.get(reverse("evaluation:assessment_edit", args=[filled.pk])).content.decode()
    assert "Fasciculaciones (contracciones musculares finas)" in html  # item label
    assert "Síntomas actuales (anamnesis)" in html  # section title
    assert ">A diario<" in html  # choice label
    assert "Responder «No» al resto" in html and "Guardar borrador" in html
    data = form_data(filled.version, filled.answers, filled.revision)
    panel = client.post(reverse("evaluation:assessment_suggest", args=[filled.pk]), data).content.decode()
    assert "Debilidad muscular" in panel and "Derivación a neurología" in panel
    assert "Signos de alarma" in panel  # the group title
    assert "Fuente (en inglés)" in panel and 'lang="en"' in panel  # passages quoted as in the source


def test_the_review_page_and_a_signed_summary_are_in_spanish(client, clinician, filled):
    _speaks_spanish(clinician)
    client.force_login(clinician)
    review = client.get(reverse("evaluation:assessment_review", args=[filled.pk])).content.decode()
    assert "Electromiografía (EMG)" in review and ">Derivado</label>" in review and "Firmar evaluación" in review
    assert sign_through_view(client, filled).status_code == 302
    summary = client.get(reverse("evaluation:assessment_detail", args=[filled.pk])).content.decode()
    # The snapshot keeps English titles; the page shows the Spanish ones, looked up by code.
    assert "Derivación a neurología" in summary and "— derivado" in summary
    assert "Fasciculaciones y calambres: evaluación inicial" in summary


def test_a_signed_record_reads_in_spanish_though_signed_in_english(client, clinician, filled):
    client.force_login(clinician)
    sign_through_view(client, filled)
    _speaks_spanish(clinician)
    client.force_login(clinician)
    summary = client.get(reverse("evaluation:assessment_detail", args=[filled.pk])).content.decode()
    assert "Derivación a neurología" in summary and "Neurology referral" not in summary


def test_the_draft_summary_pdf_is_in_spanish(client, clinician, filled):
    _speaks_spanish(clinician)
    client.force_login(clinician)
    text = _text(client.get(reverse("evaluation:assessment_pdf", args=[filled.pk])).content)
    for words in ("Signos de alarma", "Estudio sugerido", "Derivación a neurología", "BORRADOR", "Anamnesis y exploración"):
        assert words in text
    assert "Suggested workup" not in text and "Red flags" not in text


def test_a_spanish_speaking_patient_gets_a_spanish_handout_from_an_english_clinician(client, clinician, filled):
    Patient.objects.filter(pk=filled.patient_id).update(preferred_language="es")
    client.force_login(clinician)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sign_through_view(client, filled)
    handout = _text(client.get(reverse("evaluation:assessment_handout", args=[filled.pk])).content)
    assert "Sobre sus contracciones musculares y calambres" in handout
    assert "una cita con un especialista en neurología" in handout
    assert "Cuándo volver a consultar" in handout and "debilidad muscular" in handout
    assert "Pérdida de sensibilidad" in handout  # the safety net lists the red flags not present
    assert "About your twitches" not in handout
    # The clinician's own summary stays in English.
    summary = _text(client.get(reverse("evaluation:assessment_pdf", args=[filled.pk])).content)
    assert "Suggested workup" in summary and "Neurology referral" in summary


def test_an_english_speaking_patient_gets_an_english_handout_from_a_spanish_clinician(client, clinician, filled):
    _speaks_spanish(clinician)
    client.force_login(clinician)
    handout = _text(client.get(reverse("evaluation:assessment_handout", args=[filled.pk])).content)
    assert "About your twitches and cramps" in handout and "Sobre sus" not in handout


def test_the_patient_form_offers_the_preferred_language(clinician_client):
    html = clinician_client.get(reverse("evaluation:patient_create")).content.decode()
    assert 'name="preferred_language"' in html
