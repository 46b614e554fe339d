"""Patient register, search and detail pages."""

from __future__ import annotations

import datetime

from django.urls import reverse

from evaluation.audit import Actor
from evaluation.models import Patient
from evaluation.services import assessments as assessment_services
from evaluation.services import patients as patient_services
from tests.factories import case_answers, make_signed_assessment


def make_patients(user, count: int) -> None:
    for n in range(count):
        patient_services.patient_create(actor=Actor(user), mrn=f"P{n:04d}", family_name=f"Family{n:04d}", given_name="Given",
                                date_of_birth=datetime.date(1970, 1, 1), sex="male")


def test_it_registers_a_patient_and_opens_their_page(clinician_client):
    response = clinician_client.post(reverse("evaluation:patient_create"), {
        "mrn": " ab-123 ", "family_name": "  García   López ", "given_name": "Ana",
        "date_of_birth": "1975-02-03", "sex": "female"})
    patient = Patient.objects.get()
    assert response["Location"] == patient.get_absolute_url()
    assert (patient.mrn, patient.family_name) == ("AB-123", "García López")
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "GARCÍA LÓPEZ, Ana" in page and "MRN AB-123" in page
    assert "AB-123" not in patient.get_absolute_url()


def test_it_refuses_a_duplicate_mrn_with_a_clear_message(clinician_client, patient):
    response = clinician_client.post(reverse("evaluation:patient_create"), {
        "mrn": "mrn-1001", "family_name": "Other", "given_name": "Person", "date_of_birth": "1990-01-01",
        "sex": "male"})
    assert response.status_code == 200
    assert "Patient with this MRN already exists." in response.content.decode()
    assert Patient.objects.count() == 1


def test_it_refuses_bad_patient_data_field_by_field_and_keeps_what_was_typed(clinician_client):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = clinician_client.post(reverse("evaluation:patient_create"), {
        "mrn": "<b>", "family_name": "   ", "given_name": "Keep Me", "date_of_birth": tomorrow, "sex": "robot"})
    body = response.content.decode()
    assert "Enter the MRN as letters, digits" in body
    assert "The date of birth cannot be in the future." in body
    assert "Select a valid choice." in body
    assert 'value="Keep Me"' in body
    assert Patient.objects.count() == 0


def search(client, query: str) -> str:
    response = client.post(reverse("evaluation:patient_list"), {"q": query}, follow=True)
    assert [url for url, _ in response.redirect_chain] == [reverse("evaluation:patient_list")]
    return response.content.decode()


def test_it_finds_patients_by_name_ignoring_case_and_accents(clinician_client, patient):
    patient_services.patient_create(actor=Actor(patient.created_by), mrn="X-2", family_name="Smith", given_name="John",
                            date_of_birth=datetime.date(1950, 1, 1), sex="male")
    body = search(clinician_client, "MUNOZ luc")
    assert "MUÑOZ, Lucía" in body and "SMITH" not in body
    assert "MUÑOZ, Lucía" in search(clinician_client, "mrn-1001")
    assert "No patient matches “nobody”" in search(clinician_client, "nobody")
    assert "SMITH" in search(clinician_client, "")


def test_it_keeps_the_search_out_of_the_url_and_across_pages(clinician_client, clinician):
    make_patients(clinician, 30)
    search(clinician_client, "family00")
    second = clinician_client.get(reverse("evaluation:patient_list"), {"page": 2}).content.decode()
    assert "30 patients matching “family00”" in second and "FAMILY0029" in second
    assert "family00" not in second.split("pagination")[1].split("</nav>")[0]


def test_it_sends_each_role_to_its_own_start_page(client, clinician, template_admin):
    client.force_login(clinician)
    assert client.get(reverse("evaluation:home"))["Location"] == reverse("evaluation:patient_list")
    client.force_login(template_admin)
    assert client.get(reverse("evaluation:home"))["Location"] == reverse("evaluation:authoring:index")


def test_it_shows_clinicians_who_accessed_a_record(clinician_client, patient, other_clinician):
    from django.test import Client

    other = Client()
    other.force_login(other_clinician)
    other.get(patient.get_absolute_url())
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert f'href="{reverse("evaluation:patient_access_log", args=[patient.pk])}">Who accessed this record' in page
    body = clinician_client.get(reverse("evaluation:patient_access_log", args=[patient.pk])).content.decode()
    assert "Who accessed this record" in body
    assert "Drno Tester" in body and "Patient viewed" in body and "Patient registered" in body


def test_it_paginates_the_patient_list(clinician_client, clinician):
    make_patients(clinician, 30)
    first = clinician_client.get(reverse("evaluation:patient_list")).content.decode()
    second = clinician_client.get(reverse("evaluation:patient_list"), {"page": 2}).content.decode()
    assert "FAMILY0000" in first and "FAMILY0029" not in first
    assert "FAMILY0029" in second and "Page 2 of 2" in second


def test_it_edits_patient_details(clinician_client, patient):
    response = clinician_client.post(reverse("evaluation:patient_edit", args=[patient.pk]), {
        "mrn": patient.mrn, "family_name": "Muñoz", "given_name": "Lucía María",
        "date_of_birth": "1980-04-01", "sex": "female"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.given_name == "Lucía María"


def test_it_lists_a_patients_assessments_newest_first(clinician_client, patient, version, clinician):
    first = make_signed_assessment(patient, version, clinician, case_answers(version, "Worked example 1"))
    second = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    body = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert body.index(str(second.pk)) < body.index(str(first.pk))
