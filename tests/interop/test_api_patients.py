"""The patients API: the pages' rules (who may see and change what, what a valid patient is), audited."""

from __future__ import annotations

import datetime

from evaluation import selectors
from evaluation.models import AuditEvent, Patient
from tests.factories import make_patient

Action = AuditEvent.Action
PERSON = {"mrn": "mrn-77", "family_name": "  García  ", "given_name": "Ana", "date_of_birth": "1971-02-03",
          "sex": "female"}


def test_it_lists_patients_a_page_at_a_time_and_audits_the_read(api, clinician, patient):
    make_patient(clinician, family_name="Zed")
    body = api.get("/api/v1/patients/", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    expected = {"id": str(patient.pk), "mrn": "MRN-1001", "family_name": "Muñoz", "given_name": "Lucía",
                "date_of_birth": "1980-04-01", "sex": "female"}
    assert expected.items() <= body["results"][0].items()
    event = AuditEvent.objects.filter(user=clinician).first()
    assert event.action in (getattr(Action, "PATIENT_LIST", "patient_view"),)
    assert event.detail == {"page": "api", "searched": False}


def test_it_searches_by_a_posted_query_as_the_page_does(api, clinician, patient):
    make_patient(clinician, family_name="Okafor", given_name="Daniel")
    found = api.post("/api/v1/patients/search/", {"q": "munoz lucia"}, format="json").json()
    assert [row["id"] for row in found["results"]] == [str(patient.pk)]
    # The query text never reaches the audit trail.
    assert "munoz" not in str(AuditEvent.objects.filter(user=clinician).first().detail)


def test_it_registers_a_patient_normalised_by_the_page_rules(api, clinician):
    response = api.post("/api/v1/patients/", PERSON, format="json")
    assert response.status_code == 201
    created = Patient.objects.get(mrn="MRN-77")
    assert response.json()["family_name"] == "García" == created.family_name
    assert response["Location"] == f"/api/v1/patients/{created.pk}/"
    assert AuditEvent.objects.filter(action=Action.PATIENT_CREATE, patient=created, user=clinician).exists()


def test_it_answers_400_naming_each_bad_field(api):
    bad = {"mrn": "!", "family_name": " ", "given_name": "", "date_of_birth": "2999-01-01", "sex": "robot"}
    response = api.post("/api/v1/patients/", bad, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"mrn", "family_name", "given_name", "date_of_birth", "sex"}
    future = api.post("/api/v1/patients/", {**PERSON, "date_of_birth": "2999-01-01"}, format="json").json()
    assert future == {"date_of_birth": ["The date of birth cannot be in the future."]}
    shape = api.post("/api/v1/patients/", {**PERSON, "mrn": "!!"}, format="json").json()
    assert list(shape) == ["mrn"]
    assert not Patient.objects.filter(family_name="García").exists()


def test_it_refuses_a_duplicate_mrn_naming_the_field(api, patient):
    response = api.post("/api/v1/patients/", {**PERSON, "mrn": patient.mrn}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["mrn"]


def test_it_asks_to_confirm_a_possible_duplicate_before_registering(api, patient):
    same = {**PERSON, "family_name": "Muñoz", "given_name": "Lucía", "date_of_birth": "1980-04-01"}
    refused = api.post("/api/v1/patients/", same, format="json")
    assert refused.status_code == 400
    assert refused.json()["duplicates"] == [str(patient.pk)] and "confirm_duplicate" in refused.json()
    confirmed = api.post("/api/v1/patients/", {**same, "confirm_duplicate": [str(patient.pk)]}, format="json")
    assert confirmed.status_code == 201


def test_it_reads_and_updates_a_patient_auditing_each(api, clinician, patient):
    assert api.get(f"/api/v1/patients/{patient.pk}/").json()["mrn"] == "MRN-1001"
    assert AuditEvent.objects.filter(action=Action.PATIENT_VIEW, patient=patient, detail={"page": "api"}).exists()
    response = api.patch(f"/api/v1/patients/{patient.pk}/", {"given_name": "Lucia"}, format="json")
    assert response.status_code == 200 and response.json()["given_name"] == "Lucia"
    change = AuditEvent.objects.get(action=Action.PATIENT_CHANGE, patient=patient)
    assert change.detail == {"fields": ["given_name"]}
    whole = {**PERSON, "mrn": patient.mrn}
    assert api.put(f"/api/v1/patients/{patient.pk}/", whole, format="json").json()["family_name"] == "García"
    assert api.put(f"/api/v1/patients/{patient.pk}/", {"mrn": patient.mrn}, format="json").status_code == 400


def test_it_answers_404_for_an_unknown_or_malformed_id(api):
    assert api.get("/api/v1/patients/00000000-0000-0000-0000-000000000000/").status_code == 404
    response = api.get("/api/v1/patients/not-a-uuid/")
    assert response.status_code == 404 and response.json()["detail"]


def test_it_hides_patients_the_user_may_not_see_exactly_as_the_pages_do(api, clinician, other_clinician,
                                                                        monkeypatch):
    """Every clinician of the clinic sees every patient today; the API asks the same look-up as the pages,
    so narrowing it (a multi-clinic deployment) narrows the API too: 404, never the record."""
    mine = make_patient(clinician)
    theirs = make_patient(other_clinician, family_name="Other")
    monkeypatch.setattr(selectors, "patients_for_user", lambda user: Patient.objects.filter(created_by=user))
    assert api.get(f"/api/v1/patients/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/patients/{mine.pk}/").status_code == 200
    assert api.patch(f"/api/v1/patients/{theirs.pk}/", {"given_name": "X"}, format="json").status_code == 404
    assert api.get(f"/api/v1/patients/{theirs.pk}/assessments/").status_code == 404
    assert [row["id"] for row in api.get("/api/v1/patients/").json()["results"]] == [str(mine.pk)]
    assert api.get(f"/fhir/Patient/{theirs.pk}").status_code == 404
    assert not AuditEvent.objects.filter(user=clinician, patient=theirs).exists()


def test_it_refuses_to_register_without_the_add_permission(bearer, clinician, django_user_model):
    reader = django_user_model.objects.create_user("reader", password="x" * 20)
    reader.user_permissions.add(*clinician.groups.get().permissions.filter(codename="view_patient"))
    response = bearer(reader).post("/api/v1/patients/", PERSON, format="json")
    assert response.status_code == 403
    assert bearer(reader).get("/api/v1/patients/").status_code == 200
    assert not Patient.objects.filter(mrn="MRN-77").exists()
    assert datetime.date.fromisoformat(PERSON["date_of_birth"])  # the fixture data itself is a valid date


def test_it_names_a_list_or_object_where_a_value_belongs(api):
    response = api.post("/api/v1/patients/", {"mrn": "LIST-1", "family_name": "Ortiz", "given_name": "Ana",
                                              "date_of_birth": ["1970-02-03"], "sex": {"a": 1}}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"date_of_birth", "sex"}
    assert not Patient.objects.filter(mrn="LIST-1").exists()
