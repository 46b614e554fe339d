"""The audit trail: every auditable action leaves one event with who, what, which record, when and from where."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from evaluation.audit import Actor
from evaluation.models import Assessment, AuditEvent, Patient, TemplateVersion
from evaluation.services import assessments as assessment_services
from evaluation.services import templates as template_services
from tests.factories import PASSWORD, case_answers, decision_keys, form_data, sign_through_view

Action = AuditEvent.Action
CLIENT_ADDRESS = "127.0.0.1"  # what Django's test client sends as REMOTE_ADDR


def events(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("at", "id"))


def only_event(action: str, **filters: Any) -> AuditEvent:
    found = events(action, **filters)
    assert len(found) == 1, f"expected one {action} event, found {len(found)}"
    return found[0]


def assert_stamped(event: AuditEvent, user: Any) -> None:
    """Who, when and from where: the parts every event must carry."""
    assert event.user == user
    assert event.username == user.username
    assert event.ip_address == CLIENT_ADDRESS
    assert timezone.now() - event.at < datetime.timedelta(minutes=1)


# ---------------------------------------------------------------- sign-in


def test_it_records_sign_in_sign_out_and_failed_sign_in(client, clinician):
    client.post(reverse("login"), {"username": "drwho", "password": "wrong-password-1"})
    client.post(reverse("login"), {"username": "drwho", "password": PASSWORD})
    client.post(reverse("logout"))

    failed = only_event(Action.LOGIN_FAILED)
    assert failed.user is None
    assert failed.detail == {"username": "drwho"}
    assert "wrong-password-1" not in json.dumps(failed.detail)
    assert failed.ip_address == CLIENT_ADDRESS
    assert_stamped(only_event(Action.LOGIN), clinician)
    assert_stamped(only_event(Action.LOGOUT), clinician)


# ---------------------------------------------------------------- patients


def test_it_records_patient_create_view_and_change(clinician_client, clinician):
    response = clinician_client.post(reverse("evaluation:patient_create"), {
        "mrn": "AUD-77", "family_name": "Okafor", "given_name": "Ada", "date_of_birth": "1970-02-03", "sex": "female",
    })
    patient = Patient.objects.get(mrn="AUD-77")
    assert response.status_code == 302
    clinician_client.get(patient.get_absolute_url())
    clinician_client.post(reverse("evaluation:patient_edit", args=[patient.pk]), {
        "mrn": "AUD-77", "family_name": "Okafor-Smith", "given_name": "Ada", "date_of_birth": "1970-02-03",
        "sex": "female",
    })

    for action in (Action.PATIENT_CREATE, Action.PATIENT_VIEW, Action.PATIENT_CHANGE):
        event = only_event(action)
        assert_stamped(event, clinician)
        assert (event.object_type, event.object_id, event.patient_id) == ("patient", str(patient.pk), patient.pk)
    # The change names the field, never its old or new value (that would put the name in the audit text).
    assert only_event(Action.PATIENT_CHANGE).detail == {"fields": ["family_name"]}


# ---------------------------------------------------------------- assessments


def test_it_records_assessment_create_and_save_with_changed_codes_and_values(clinician_client, clinician, patient,
                                                                              version):
    clinician_client.post(reverse("evaluation:assessment_create", args=[patient.pk]), {"version": version.pk})
    assessment = Assessment.objects.get(patient=patient)
    edit = reverse("evaluation:assessment_edit", args=[assessment.pk])
    clinician_client.post(edit, form_data(version, {"cramps": True, "symptom_weeks": 3}, revision=1))
    clinician_client.post(edit, form_data(version, {"cramps": False, "symptom_weeks": 3,
                                                    "cramp_regions": ["calves"]}, revision=2))

    created = only_event(Action.ASSESSMENT_CREATE)
    assert_stamped(created, clinician)
    assert (created.object_type, created.object_id, created.patient_id) == (
        "assessment", str(assessment.pk), patient.pk)
    first, second = events(Action.ASSESSMENT_SAVE)
    assert_stamped(second, clinician)
    assert first.detail == {"changes": {"cramps": {"old": None, "new": True},
                                        "symptom_weeks": {"old": None, "new": 3}}}
    # Only what changed, with old and new values; symptom_weeks stayed 3 so it is not listed.
    assert second.detail == {"changes": {"cramps": {"old": True, "new": False},
                                         "cramp_regions": {"old": None, "new": ["calves"]}}}


@pytest.mark.django_db
def test_it_records_view_decisions_finalize_amend_and_both_prints(clinician_client, clinician, assessment, version):
    assessment_services.assessment_save(assessment=assessment, answers=case_answers(version, "Worked example 4"),
                             expected_revision=assessment.revision, actor=Actor(clinician))
    assessment.refresh_from_db()
    review = reverse("evaluation:assessment_review", args=[assessment.pk])
    keys = decision_keys(assessment.evaluate())
    clinician_client.post(review, {"revision": str(assessment.revision), "save": "1",
                                   **{f"decision__{key}": "ordered" for key in keys}})
    assert sign_through_view(clinician_client, assessment).status_code == 302
    clinician_client.get(assessment.get_absolute_url())
    clinician_client.get(reverse("evaluation:assessment_revision", args=[assessment.pk, 1]))
    assert clinician_client.get(reverse("evaluation:assessment_pdf", args=[assessment.pk])).status_code == 200
    assert clinician_client.get(reverse("evaluation:assessment_handout", args=[assessment.pk])).status_code == 200
    clinician_client.post(reverse("evaluation:assessment_amend", args=[assessment.pk]), {"reason": "Typo in weeks"})

    decisions = only_event(Action.ASSESSMENT_DECISIONS)
    assert decisions.detail["decisions"] == {key: "ordered" for key in keys}
    finalize = only_event(Action.ASSESSMENT_FINALIZE)
    assert finalize.detail["revision"] == 1
    assert finalize.detail["content_hash"] == assessment.signatures.get().content_hash
    views = events(Action.ASSESSMENT_VIEW)
    assert [view.detail for view in views] == [{}, {"revision": 1}]
    assert only_event(Action.ASSESSMENT_AMEND).detail == {"revision": 2}
    for event in [decisions, finalize, *views, only_event(Action.ASSESSMENT_PRINT), only_event(Action.HANDOUT_PRINT),
                  only_event(Action.ASSESSMENT_AMEND)]:
        assert_stamped(event, clinician)
        assert (event.object_type, event.object_id, event.patient_id) == (
            "assessment", str(assessment.pk), assessment.patient_id)


# ---------------------------------------------------------------- templates


def test_it_records_template_clone_publish_retire_export_and_import(client, template_admin, version):
    client.force_login(template_admin)
    client.post(reverse("admin:evaluation_templateversion_clone", args=[version.pk]))
    draft = TemplateVersion.objects.get(status=TemplateVersion.Status.DRAFT)
    # Publishing and retiring ask for confirmation, in the authoring workspace. Another template stays
    # published, so retiring needs no replacement.
    other = version.to_document()
    other["template"] = {"slug": "other-checklist", "title": "Other checklist"}
    template_services.template_publish(version=template_services.template_import(document=other, actor=Actor()),
                                       actor=Actor())
    client.post(reverse("evaluation:authoring:publish", args=[draft.pk]), {"confirm": "on"})
    client.post(reverse("evaluation:authoring:retire", args=[draft.pk]), {"confirm": "on"})
    exported = client.get(reverse("admin:evaluation_templateversion_export", args=[version.pk]))
    upload = SimpleUploadedFile("template.json", exported.content, content_type="application/json")
    client.post(reverse("admin:evaluation_templateversion_import"), {"file": upload})

    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.RETIRED
    imported = TemplateVersion.objects.order_by("-number").first()
    expected = {
        Action.TEMPLATE_CLONE: draft, Action.TEMPLATE_PUBLISH: draft, Action.TEMPLATE_RETIRE: draft,
        Action.TEMPLATE_EXPORT: version, Action.TEMPLATE_IMPORT: imported,
    }
    for action, target in expected.items():
        # The fixture's own import and publish have no user, and cloning also records an import of the draft.
        event = only_event(action, user=template_admin, object_id=str(target.pk))
        assert_stamped(event, template_admin)
        assert (event.object_type, event.object_id, event.patient_id) == ("templateversion", str(target.pk), None)
        assert event.detail["version"] == target.label


# ---------------------------------------------------------------- append-only


@pytest.fixture
def event(clinician, patient) -> AuditEvent:
    return AuditEvent.objects.filter(action=Action.PATIENT_CREATE).get()


def _unchanged(event: AuditEvent) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.username, stored.object_id, stored.detail) == (
        event.action, event.username, event.object_id, event.detail)


def test_it_refuses_to_change_or_delete_events_through_the_orm(event, django_user_model, clinician):
    event.action = Action.LOGIN
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(ValidationError, match="append-only"):
        event.delete()
    with pytest.raises(ValidationError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(action=Action.LOGIN)
    with pytest.raises(ValidationError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    # bulk_update runs in a savepoint-less atomic block; give it its own so the test can go on querying.
    with pytest.raises(ValidationError, match="append-only"), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    event.refresh_from_db()
    _unchanged(event)
    assert event.action == Action.PATIENT_CREATE


def test_it_keeps_events_when_their_user_or_patient_would_be_deleted(event, clinician, patient):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        clinician.delete()
    with pytest.raises(ProtectedError):
        Patient.objects.filter(pk=patient.pk).delete()
    _unchanged(event)


def test_it_refuses_to_change_or_delete_events_through_the_admin(client, superuser, event):
    client.force_login(superuser)
    change = reverse("admin:evaluation_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200  # viewable ...
    assert b'name="_save"' not in page.content  # ... but there is no save button
    assert client.post(change, {"action": Action.LOGIN, "username": "forged"}).status_code == 403
    assert client.post(reverse("admin:evaluation_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:evaluation_auditevent_add")).status_code == 403
    changelist = reverse("admin:evaluation_auditevent_changelist")
    bulk = client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)  # no actions exist: Django just shows the list again
    _unchanged(event)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_to_change_or_delete_events_through_the_viewer(client, template_admin, event):
    client.force_login(template_admin)
    count = AuditEvent.objects.count()
    for name in ("evaluation:audit_list", "evaluation:audit_csv"):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(reverse(name), {"id": event.pk, "action": Action.LOGIN})
            assert response.status_code == 405, (name, method)
    assert AuditEvent.objects.count() == count
    _unchanged(event)


# ---------------------------------------------------------------- the viewer


def _event(at: datetime.datetime, **fields: Any) -> AuditEvent:
    return AuditEvent.objects.create(at=at, **fields)


@pytest.fixture
def spread(db, clinician, other_clinician, patient) -> dict[str, Any]:
    """Events on three days by two users, one of them about ``patient``."""
    # Created directly, not through the service, so it adds no event of its own.
    other = Patient.objects.create(mrn="OTHER-1", family_name="Smith", given_name="Jo",
                                   date_of_birth=datetime.date(1990, 1, 1), sex="male")
    day = timezone.make_aware(datetime.datetime(2024, 3, 10, 12, 0))
    return {
        "old": _event(day, user=clinician, username="drwho", action=Action.LOGIN),
        "mine": _event(day + datetime.timedelta(days=1), user=clinician, username="drwho",
                       action=Action.PATIENT_VIEW, object_type="patient", object_id=str(patient.pk), patient=patient),
        "theirs": _event(day + datetime.timedelta(days=2), user=other_clinician, username="drno",
                         action=Action.PATIENT_VIEW, object_type="patient", object_id=str(other.pk), patient=other),
        "patient": patient,
    }


def _listed(response: Any) -> set[int]:
    return {event.pk for event in response.context["page"].object_list}


def test_it_filters_the_audit_list_by_user_patient_action_and_dates(client, template_admin, spread):
    client.force_login(template_admin)
    url = reverse("evaluation:audit_list")
    old, mine, theirs = spread["old"].pk, spread["mine"].pk, spread["theirs"].pk

    assert _listed(client.get(url, {"user": "drno"})) == {theirs}
    assert _listed(client.get(url, {"patient": str(spread["patient"].pk)})) >= {mine}
    assert theirs not in _listed(client.get(url, {"patient": str(spread["patient"].pk)}))
    assert _listed(client.get(url, {"action": Action.PATIENT_VIEW})) == {mine, theirs}
    assert _listed(client.get(url, {"date_from": "2024-03-11", "date_to": "2024-03-11"})) == {mine}
    assert _listed(client.get(url, {"user": "drwho", "date_to": "2024-03-11"})) == {old, mine}
    page = client.get(url, {"user": "drno"})
    assert page.status_code == 200
    assert str(spread["theirs"].object_id).encode() in page.content
    assert b"Patient viewed" in page.content


def test_it_rejects_bad_filters_instead_of_showing_everything(client, template_admin, spread):
    client.force_login(template_admin)
    response = client.get(reverse("evaluation:audit_list"), {"patient": "not-a-uuid"})
    assert response.status_code == 400
    assert _listed(response) == set()
    backwards = client.get(reverse("evaluation:audit_list"), {"date_from": "2024-03-12", "date_to": "2024-03-10"})
    assert backwards.status_code == 400
    assert b"before the start date" in backwards.content


def test_it_paginates_the_audit_list_and_keeps_filters_in_page_links(client, template_admin):
    start = timezone.now() - datetime.timedelta(hours=1)
    for minute in range(55):
        _event(start + datetime.timedelta(minutes=minute), username="bulk", action=Action.LOGIN_FAILED)
    client.force_login(template_admin)
    first = client.get(reverse("evaluation:audit_list"), {"user": "bulk"})
    second = client.get(reverse("evaluation:audit_list"), {"user": "bulk", "page": "2"})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert b"user=bulk&amp;page=2" in first.content
    assert _listed(first).isdisjoint(_listed(second))


def test_it_shows_the_viewer_only_to_template_admins_and_superusers(client, clinician, template_admin, superuser):
    url = reverse("evaluation:audit_list")
    assert client.get(url).status_code == 302
    client.force_login(clinician)
    assert client.get(url).status_code == 403
    assert client.get(reverse("evaluation:audit_csv")).status_code == 403
    for user in (template_admin, superuser):
        client.force_login(user)
        assert client.get(url).status_code == 200


# ---------------------------------------------------------------- CSV export


def _csv_lines(response: Any) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8").splitlines()


def test_it_exports_filtered_csv_and_audits_the_export(client, template_admin, spread):
    client.force_login(template_admin)
    response = client.get(reverse("evaluation:audit_csv"), {"action": Action.PATIENT_VIEW, "user": "drwho"})
    lines = _csv_lines(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    assert lines[0] == "at,username,action,object_type,object_id,patient_id,ip_address,detail"
    assert len(lines) == 2
    assert f"drwho,patient_view,patient,{spread['mine'].object_id},{spread['patient'].pk}" in lines[1]
    export = only_event(Action.AUDIT_EXPORT)
    assert_stamped(export, template_admin)
    assert export.detail == {"filters": {"action": "patient_view", "user": "drwho"}}


def test_it_neutralises_spreadsheet_formulas_in_the_csv(client, superuser):
    _event(timezone.now(), username="", action=Action.LOGIN_FAILED, detail={"username": "x"})
    AuditEvent.objects.create(username="=HYPERLINK(\"http://evil\")", action=Action.LOGIN_FAILED)
    client.force_login(superuser)
    body = "\n".join(_csv_lines(client.get(reverse("evaluation:audit_csv"))))
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body


def test_it_refuses_csv_with_bad_filters_and_records_no_export(client, template_admin):
    client.force_login(template_admin)
    response = client.get(reverse("evaluation:audit_csv"), {"action": "drop_table"})
    assert response.status_code == 400
    assert b"action" in response.content
    assert not AuditEvent.objects.filter(action=Action.AUDIT_EXPORT).exists()
