"""The audit viewer and its CSV show template admins which answers changed, never what they were.

The trail itself keeps old and new values (tests/test_audit.py); template admins may
read the trail but not clinical records, so the values are for superusers only.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.signin import fingerprint
from evaluation.audit import shown_detail
from evaluation.models import AuditEvent
from tests.factories import form_data

Action = AuditEvent.Action
FIRST_NOTE = "Pt reports secret note"
SECOND_NOTE = "Pt reports another confidence"
SECRETS = (FIRST_NOTE, SECOND_NOTE)


@pytest.fixture
def saved_notes(clinician_client, assessment, version) -> AuditEvent:
    """Two saves through the clinic page: the second changes the exam note from one text to another."""
    edit = reverse("evaluation:assessment_edit", args=[assessment.pk])
    clinician_client.post(edit, form_data(version, {"cramps": True, "exam_notes": FIRST_NOTE}, revision=1))
    clinician_client.post(edit, form_data(version, {"cramps": True, "exam_notes": SECOND_NOTE,
                                                    "symptom_weeks": 7}, revision=2))
    saves = AuditEvent.objects.filter(action=Action.ASSESSMENT_SAVE).order_by("at", "id")
    assert [event.detail for event in saves] == [  # the trail keeps the values; only the viewer hides them
        {"changes": {"cramps": {"old": None, "new": True}, "exam_notes": {"old": None, "new": FIRST_NOTE}}},
        {"changes": {"exam_notes": {"old": FIRST_NOTE, "new": SECOND_NOTE}, "symptom_weeks": {"old": None, "new": 7}}},
    ]
    return saves.last()


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: Any, **filters: str) -> str:
    response = _signed_in(user).get(reverse("evaluation:audit_list"), filters)
    assert response.status_code == 200
    return response.content.decode("utf-8")


def _csv_details(user: Any, **filters: str) -> list[dict[str, Any]]:
    response = _signed_in(user).get(reverse("evaluation:audit_csv"), filters)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return [json.loads(row["detail"]) for row in csv.DictReader(io.StringIO(body))]


def test_it_shows_a_template_admin_the_changed_codes_but_not_their_values_on_the_page(template_admin, saved_notes):
    page = _page(template_admin, action=Action.ASSESSMENT_SAVE)

    assert "exam_notes" in page and "symptom_weeks" in page and "cramps" in page
    assert "&quot;exam_notes&quot;: &quot;changed&quot;" in page
    for secret in SECRETS:
        assert secret not in page
    assert "&quot;old&quot;" not in page and "&quot;new&quot;" not in page
    assert "their values are shown to superusers only" in page


def test_it_exports_only_the_changed_codes_to_a_template_admin(template_admin, saved_notes):
    details = _csv_details(template_admin, action=Action.ASSESSMENT_SAVE)

    assert details == [
        {"changes": {"exam_notes": "changed", "symptom_weeks": "changed"}},
        {"changes": {"cramps": "changed", "exam_notes": "changed"}},
    ]
    # Not in any other row either (the export's own record, sign-ins, the creation).
    everything = json.dumps(_csv_details(template_admin), ensure_ascii=False)
    assert "exam_notes" in everything
    for secret in SECRETS:
        assert secret not in everything


def test_it_shows_the_superuser_the_old_and_new_values(superuser, saved_notes):
    page = _page(superuser, action=Action.ASSESSMENT_SAVE)
    assert FIRST_NOTE in page and SECOND_NOTE in page
    assert "superusers only" not in page

    details = _csv_details(superuser, action=Action.ASSESSMENT_SAVE)
    assert details[0] == {"changes": {"exam_notes": {"old": FIRST_NOTE, "new": SECOND_NOTE},
                                      "symptom_weeks": {"old": None, "new": 7}}}
    assert details[1]["changes"]["exam_notes"] == {"old": None, "new": FIRST_NOTE}


def test_it_keeps_plain_details_for_a_template_admin(template_admin, clinician, assessment, saved_notes):
    Client().post(reverse("login"), {"username": "mistyped-name", "password": "wrong"})
    AuditEvent.objects.create(user=clinician, username=clinician.username, action=Action.ASSESSMENT_DECISIONS,
                              detail={"decisions": {"cpk": "ordered", "emg": "declined"}, "added": 1})

    details = _csv_details(template_admin)

    # A name that is no account is kept only as a keyed fingerprint (accounts.signin); both keys are plain.
    assert {"username": "unknown user", "fingerprint": fingerprint("mistyped-name")} in details
    assert {"decisions": {"cpk": "ordered", "emg": "declined"}, "added": 1} in details
    assert {"version": assessment.version.label, "from_previous": False} in details
    assert {"fields": []} not in details  # nothing invented
    page = _page(template_admin)
    assert "unknown user" in page and "&quot;emg&quot;: &quot;declined&quot;" in page


def test_it_hides_an_unknown_detail_key_from_a_template_admin(template_admin, superuser, clinician):
    AuditEvent.objects.create(user=clinician, username=clinician.username, action=Action.ASSESSMENT_SAVE,
                              detail={"revision": 3, "note": FIRST_NOTE})

    assert _csv_details(template_admin, action=Action.ASSESSMENT_SAVE) == [{"note": "hidden", "revision": 3}]
    page = _page(template_admin, action=Action.ASSESSMENT_SAVE)
    assert FIRST_NOTE not in page and "&quot;note&quot;: &quot;hidden&quot;" in page
    assert _csv_details(superuser, action=Action.ASSESSMENT_SAVE) == [{"note": FIRST_NOTE, "revision": 3}]


def test_it_redacts_by_role_not_by_staff_flag(template_admin, superuser):
    detail = {"changes": {"exam_notes": {"old": None, "new": FIRST_NOTE}}}
    assert template_admin.is_staff
    assert shown_detail(detail, template_admin) == {"changes": {"exam_notes": "changed"}}
    assert shown_detail(detail, superuser) is detail
    assert shown_detail({}, template_admin) == {}
