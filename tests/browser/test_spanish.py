"""Spanish in a real browser: a clinician switches their pages to Spanish, fills an assessment, sees the
live suggestions in Spanish and signs; the summary PDF is Spanish. A patient who prefers Spanish gets a
Spanish handout from a clinician who works in English.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from evaluation.models import Patient
from tests.browser.conftest import DEMO_PASSWORD, Page, _fill_patient, _sign_in, expect
from tests.i18n.spanish import publish_spanish_version

pytestmark = pytest.mark.browser

MRC_MOVEMENTS = ["Shoulder abduction", "Elbow flexion", "Wrist extension", "Hip flexion", "Knee extension",
                 "Ankle dorsiflexion"]


@pytest.fixture
def spanish_checklist(clinic: None) -> None:
    publish_spanish_version()


def _answer(page: Page, code: str, choice: str) -> None:
    page.locator(f'[data-item="{code}"]').get_by_label(choice, exact=True).check()


def _group(page: Page, title: str) -> Any:
    return page.locator("#suggestions section").filter(has=page.get_by_role("heading", name=title, exact=True))


def _pdf_text(page: Page, link_name: str) -> str:
    href = page.get_by_role("link", name=link_name).get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return " ".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)


def _choose_language(page: Page, account_link: str, language: str, done: str) -> None:
    page.get_by_role("link", name=account_link).click()
    page.get_by_label(re.compile("Language of my pages|Idioma de mis páginas")).select_option(language)
    page.get_by_role("button", name=re.compile("Save language|Guardar idioma")).click()
    expect(page.get_by_text(done)).to_be_visible()


def _fill_worked_example(page: Page, yes: str, no: str) -> None:
    """Twitching hands with weakness and a weak right wrist: every required question answered."""
    _answer(page, "fasciculations", yes)
    page.get_by_role("group", name=re.compile("twitches occur")).get_by_label("Hands").check()
    _answer(page, "rf_weakness", yes)
    for code in ("cramps", "rf_sensory_loss", "rf_atrophy", "rf_progressive", "rf_persistent_pain"):
        _answer(page, code, no)
    page.locator('[data-item="symptom_weeks"] input').fill("6")
    for movement in MRC_MOVEMENTS:
        for side in ("left", "right"):
            grade = "4" if (movement, side) == ("Wrist extension", "right") else "5"
            page.get_by_label(f"{movement}, {side}", exact=True).select_option(grade)
    expect(page.locator("#mrc-sum")).to_have_text("59/60")
    expect(page.locator("#provisional")).to_have_count(0)


def test_a_clinician_works_in_spanish_and_signs(page: Page, spanish_checklist: None) -> None:
    _sign_in(page)
    _choose_language(page, "My account", "es", "Sus páginas se muestran ahora en español.")
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.get_by_role("link", name="Pacientes", exact=True).click()
    expect(page.get_by_role("heading", name="Pacientes", exact=True)).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Registrar un paciente").click()
    page.get_by_label("N.º de historia").fill("ES-2026/1")
    page.get_by_label("Apellidos").fill("García")
    page.get_by_label("Nombre").fill("Elena")
    page.get_by_label("Fecha de nacimiento").fill("1968-02-14")
    page.get_by_label("Sexo").select_option(label="Mujer")
    page.get_by_role("button", name="Guardar paciente").click()
    expect(page.get_by_text("Paciente registrado.")).to_be_visible()

    page.get_by_role("button", name="Iniciar evaluación").click()
    expect(page.get_by_role("heading", name="Sugerencias")).to_be_visible()
    expect(page.get_by_text("Ningún signo de alarma con las respuestas dadas.")).to_be_visible()
    _fill_worked_example(page, "Sí", "No")
    expect(_group(page, "Signos de alarma")).to_contain_text("Debilidad muscular")
    expect(_group(page, "Signos de alarma")).to_contain_text("Debilidad en la exploración")
    expect(_group(page, "Derivación")).to_contain_text("Derivación a neurología")
    expect(page.locator("#suggestions")).not_to_contain_text("Neurology referral")
    expect(page.locator("#autosave-status")).to_contain_text("Guardado")

    page.get_by_role("button", name="Guardar y revisar decisiones").click()
    expect(page.get_by_role("heading", name="Revisar y firmar")).to_be_visible()
    page.get_by_role("button", name="Marcar todo como solicitado o derivado").click()
    page.get_by_label("Su contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Firmar evaluación").click()
    expect(page.get_by_text("Evaluación firmada. El registro ya es de solo lectura.")).to_be_visible()
    expect(page.locator("#summary-referral")).to_contain_text("Derivación a neurología")

    text = _pdf_text(page, "Imprimir resumen (PDF)")
    for words in ("Signos de alarma", "Derivación a neurología", "Estudio sugerido", "Firma", "Registro firmado"):
        assert words in text, words
    assert "Suggested workup" not in text
    assert page.console.problems == []


def test_a_spanish_speaking_patient_gets_a_spanish_handout_from_an_english_clinician(
        page: Page, spanish_checklist: None) -> None:
    _sign_in(page)
    page.get_by_role("main").get_by_role("link", name="Register a patient").click()
    page.get_by_label("Preferred language").select_option("es")
    _fill_patient(page, "ES-2026/2", "Ramírez", "Jorge", "1959-09-03", "Male")
    expect(page.get_by_text("Patient registered.")).to_be_visible()
    assert Patient.objects.get(mrn="ES-2026/2").preferred_language == "es"

    page.get_by_role("button", name="Start assessment").click()
    _fill_worked_example(page, "Yes", "No")
    expect(_group(page, "Referral")).to_contain_text("Neurology referral")
    page.get_by_role("button", name="Save and review decisions").click()
    page.get_by_role("button", name="Mark all as ordered").click()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_text("Assessment signed. The record is now read-only.")).to_be_visible()

    handout = _pdf_text(page, "Patient handout (PDF)")
    for words in ("Sobre sus contracciones musculares y calambres", "Qué pasará ahora",
                  "una cita con un especialista en neurología", "Cuándo volver a consultar"):
        assert words in handout, words
    assert "About your twitches" not in handout
    summary = _pdf_text(page, "Print summary (PDF)")
    assert "Suggested workup" in summary and "Neurology referral" in summary
    assert page.console.problems == []
