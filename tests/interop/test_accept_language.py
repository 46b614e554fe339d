"""The machine interfaces stay coded and language-neutral; display texts follow Accept-Language."""

from __future__ import annotations

import pytest

from accounts.models import Profile
from evaluation import selectors
from interop.language import requested_language
from tests.factories import make_assessment, save
from tests.i18n.spanish import CASE, publish_spanish_version
from tests.interop.test_cds import SERVICE, cards_by_code, hook, response_of


@pytest.fixture
def spanish_version(db):
    return publish_spanish_version()


@pytest.fixture
def answers(spanish_version):
    return dict(spanish_version.cases.get(name__startswith=CASE).answers)


def _evaluate(client, version, answers, **headers):
    return client.post("/api/v1/evaluate", {"template": version.label, "answers": answers}, format="json",
                       headers=headers)


def _titles(body: dict, key: str) -> dict[str, str]:
    return {rec["code"]: rec["title"] for rec in body[key]}


@pytest.mark.parametrize(("header", "expected"), [
    ("es", "es"), ("es-MX,es;q=0.9,en;q=0.5", "es"), ("fr-FR,es;q=0.5", "es"), ("en-GB,es;q=0.4", "en"),
    ("fr, de", "en"), ("", "en"), ("*", "en"), ("es;q=nonsense", "en"), ("x" * 500, "en"),
])
def test_the_first_language_the_service_has_wins(header, expected):
    assert requested_language(header) == expected


def test_evaluate_answers_in_the_requested_language_with_the_same_codes(api, spanish_version, answers):
    english = _evaluate(api, spanish_version, answers).json()
    spanish_response = _evaluate(api, spanish_version, answers, **{"Accept-Language": "es-ES,es;q=0.9"})
    spanish = spanish_response.json()
    assert spanish_response.headers["Content-Language"] == "es"
    assert "Accept-Language" in spanish_response.headers["Vary"]
    assert _titles(english, "tests")["emg"] == "Electromyography (EMG)"
    assert _titles(spanish, "tests")["emg"] == "Electromiografía (EMG)"
    assert _titles(spanish, "referrals") == {"neurology_referral": "Derivación a neurología"}
    for key in ("red_flags", "tests", "referrals", "patterns", "advice"):
        assert [(r["code"], r.get("priority")) for r in spanish[key]] == [(r["code"], r.get("priority"))
                                                                          for r in english[key]]
    assert spanish == selectors.suggestions_for_case({"answers": answers}, spanish_version.label, "es")


def test_the_api_ignores_the_users_page_language(api, clinician, spanish_version, answers):
    """A Spanish-speaking user's pages are Spanish; their integration still reads what it asks for."""
    Profile.objects.update_or_create(user=clinician, defaults={"language": Profile.Language.SPANISH})
    body = _evaluate(api, spanish_version, answers).json()
    assert _titles(body, "tests")["emg"] == "Electromyography (EMG)"


def test_errors_are_worded_in_the_requested_language(api, spanish_version):
    response = api.post("/api/v1/evaluate", {"template": spanish_version.label}, format="json",
                        headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert response.json()["answers"] == ["Este campo es requerido."]


def test_a_drafts_suggestions_follow_the_header(api, patient, clinician, spanish_version, answers):
    assessment = save(make_assessment(patient, spanish_version, clinician), clinician, answers)
    body = api.get(f"/api/v1/assessments/{assessment.pk}/", headers={"Accept-Language": "es"}).json()
    assert _titles(body["suggestions"], "tests")["emg"] == "Electromiografía (EMG)"
    assert body["answers"] == assessment.answers  # codes, never words


def test_the_fhir_questionnaire_is_worded_in_the_requested_language(api, spanish_version):
    address = f"/fhir/Questionnaire/{spanish_version.template.slug}-{spanish_version.number}"
    spanish = api.get(address, headers={"Accept-Language": "es"}).json()
    english = api.get(address).json()
    assert (spanish["language"], english["language"]) == ("es", "en")

    def texts(resource: dict) -> dict[str, str]:
        return {item["linkId"]: item["text"] for group in resource["item"] for item in group["item"]}

    assert texts(spanish)["fasciculations"] == "Fasciculaciones (contracciones musculares finas)"
    assert texts(english)["fasciculations"] != texts(spanish)["fasciculations"]
    assert set(texts(spanish)) == set(texts(english))  # the same linkIds: only the words differ


def test_the_fhir_response_of_a_draft_is_worded_in_the_requested_language(api, patient, clinician, spanish_version,
                                                                           answers):
    assessment = save(make_assessment(patient, spanish_version, clinician), clinician, answers)
    body = api.get(f"/fhir/QuestionnaireResponse/{assessment.pk}", headers={"Accept-Language": "es"}).json()
    groups = {group["linkId"]: group for group in body["item"]}
    assert groups["red_flags"]["text"] == "Signos de alarma (anamnesis)"


def test_cds_cards_are_worded_in_the_requested_language_with_the_same_codes(api, spanish_version, answers):
    request = hook(response_of(spanish_version, answers))
    english = cards_by_code(api.post(SERVICE, request, format="json"))
    spanish_response = api.post(SERVICE, request, format="json", headers={"Accept-Language": "es"})
    spanish = cards_by_code(spanish_response)
    assert spanish_response.headers["Content-Language"] == "es"
    assert set(spanish) == set(english)
    assert spanish["test:emg"]["summary"] == "Electromiografía (EMG)"
    assert english["test:emg"]["summary"] == "Electromyography (EMG)"


def test_the_token_page_follows_the_users_language(client, clinician):
    Profile.objects.update_or_create(user=clinician, defaults={"language": Profile.Language.SPANISH})
    client.force_login(clinician)
    html = client.get("/accounts/api-tokens/").content.decode()
    assert "<h1 class=\"h3\">Tokens de la API</h1>" in html and ">Crear token<" in html
    assert "No tiene tokens de la API." in html and "Caduca a los" in html and "90 días" in html
    response = client.post("/accounts/api-tokens/", {"name": "  ", "lifetime_days": 90})
    assert response.status_code == 400 and "Este campo es requerido." in response.content.decode()
