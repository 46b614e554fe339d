"""Hostile input: markup comes back escaped; generated garbage never causes a 500 or a partial write.

Each property test counts the inputs it tried; the module prints the total at
the end (look for "hostile inputs tried" in the pytest output).
"""

from __future__ import annotations

import copy
import io
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import engine
from evaluation.audit import Actor
from evaluation.models import Assessment, AuditEvent, Item, Patient, Rule, Section, Signature, TemplateVersion
from evaluation.services import assessments as assessment_services
from evaluation.services import templates as template_services
from tests.factories import PASSWORD, case_answers, decision_keys, form_data, sign

PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)>\"&"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&amp;"
TRIED: Counter[str] = Counter()

# HOSTILE_EXAMPLES raises the count for a long local run; the default keeps the suite fast.
GARBAGE = settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "40")), deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def report_count(request):
    yield
    line = f"hostile inputs tried: {sum(TRIED.values())} ({', '.join(f'{k} {v}' for k, v in sorted(TRIED.items()))})"
    # Past pytest's capture on purpose: the count is part of the report, not debugging output.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        sys.stdout.write(f"\n{line}\n")


# ---------------------------------------------------------------- escaping


def assert_escaped(body: bytes) -> None:
    text = body.decode("utf-8")
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;alert(" in text, "the payload was not shown at all, so escaping was not tested"


@pytest.fixture
def hostile_patient(clinician_client) -> Patient:
    response = clinician_client.post(reverse("evaluation:patient_create"), {
        "mrn": "XSS-1", "family_name": PAYLOAD, "given_name": PAYLOAD, "date_of_birth": "1980-01-01", "sex": "other",
    })
    assert response.status_code == 302
    return Patient.objects.get(mrn="XSS-1")


def test_it_escapes_patient_names_on_every_page_that_shows_them(clinician_client, hostile_patient, version):
    assessment = assessment_services.assessment_create(patient=hostile_patient, version=version,
                                            actor=Actor(hostile_patient.created_by))
    pages = [
        reverse("evaluation:patient_list"),
        reverse("evaluation:patient_list") + "?q=XSS",
        hostile_patient.get_absolute_url(),
        reverse("evaluation:patient_edit", args=[hostile_patient.pk]),
        reverse("evaluation:assessment_edit", args=[assessment.pk]),
        reverse("evaluation:assessment_detail", args=[assessment.pk]),
        reverse("evaluation:assessment_review", args=[assessment.pk]),
    ]
    for url in pages:
        response = clinician_client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content)
        TRIED["escaping"] += 1


def test_it_escapes_free_text_answers_reasons_and_amendments(clinician_client, clinician, assessment, version):
    answers = {**case_answers(version, "Worked example 4"), "med_other": PAYLOAD, "exam_notes": PAYLOAD}
    edit = reverse("evaluation:assessment_edit", args=[assessment.pk])
    assert clinician_client.post(edit, form_data(version, answers, revision=1)).status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).answers["exam_notes"] == PAYLOAD  # stored as typed
    assert_escaped(clinician_client.get(edit).content)
    assert_escaped(clinician_client.get(reverse("evaluation:assessment_detail", args=[assessment.pk])).content)

    assessment.refresh_from_db()
    keys = decision_keys(assessment.evaluate())
    assert keys, "the case must suggest something to decline"
    review = reverse("evaluation:assessment_review", args=[assessment.pk])
    decisions = {f"decision__{key}": "declined" for key in keys}
    decisions.update({f"reason__{key}": PAYLOAD for key in keys})
    decisions.update({"revision": str(assessment.revision), "added_title_0": PAYLOAD, "added_reason_0": PAYLOAD})
    assert clinician_client.post(review, {**decisions, "save": "1"}).status_code == 302
    assert_escaped(clinician_client.get(review).content)
    assessment.refresh_from_db()
    sign_url = reverse("evaluation:assessment_sign", args=[assessment.pk])
    assert clinician_client.post(sign_url, {**decisions, "revision": str(assessment.revision), "sign": "1",
                                            "password": PASSWORD}).status_code == 302
    assert_escaped(clinician_client.get(reverse("evaluation:assessment_detail", args=[assessment.pk])).content)

    amend = reverse("evaluation:assessment_amend", args=[assessment.pk])
    assert clinician_client.post(amend, {"reason": PAYLOAD}).status_code == 302
    assert_escaped(clinician_client.get(edit).content)
    sign(Assessment.objects.get(pk=assessment.pk), clinician)
    detail = clinician_client.get(reverse("evaluation:assessment_detail", args=[assessment.pk])).content
    assert_escaped(detail)
    assert detail.decode().count(ESCAPED) >= 2  # the decline reasons and the amendment reason
    TRIED["escaping"] += 8


def test_it_escapes_rejected_input_echoed_back_in_forms(clinician_client, patient):
    response = clinician_client.post(reverse("evaluation:patient_create"), {
        "mrn": PAYLOAD, "family_name": PAYLOAD, "given_name": "", "date_of_birth": PAYLOAD, "sex": PAYLOAD,
    })
    assert response.status_code == 200
    assert_escaped(response.content)
    TRIED["escaping"] += 1


def test_it_escapes_template_labels_in_the_admin_preview(client, template_admin, version, default_document):
    document = copy.deepcopy(default_document)
    document["template"]["title"] = PAYLOAD
    document["version"]["title"] = PAYLOAD
    document["sections"][0]["title"] = PAYLOAD
    document["sections"][0]["items"][0]["label"] = PAYLOAD
    document["sections"][0]["items"][0]["help_text"] = PAYLOAD
    draft = template_services.template_import(document=document, actor=Actor(template_admin))
    client.force_login(template_admin)
    for name in ("admin:evaluation_templateversion_preview", "admin:evaluation_templateversion_change"):
        response = client.get(reverse(name, args=[draft.pk]))
        assert response.status_code == 200, name
        assert_escaped(response.content)
        TRIED["escaping"] += 1


def test_it_escapes_user_typed_text_in_the_audit_viewer(client, template_admin, clinician, django_user_model):
    # A failed sign-in keeps the typed name only when an account has it (accounts.signin), so one has.
    django_user_model.objects.create_user(username=PAYLOAD, password="irrelevant-password-123")
    client.post(reverse("login"), {"username": PAYLOAD, "password": "x"})
    client.force_login(template_admin)
    response = client.get(reverse("evaluation:audit_list"))
    assert_escaped(response.content)
    TRIED["escaping"] += 1


# ---------------------------------------------------------------- generated garbage

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
NASTY = st.sampled_from([
    PAYLOAD, "\x00", "a\x00b", "' OR 1=1 --", "{{ 7*7 }}", "{% debug %}", "%s%n%x", "9" * 400, "-1", "0",
    "2147483648", "-9223372036854775809", "1e309", "NaN", "Infinity", "yes", "no", "true", "null", "[]", "{}",
    "0000-00-00", "1899-12-31", "9999-12-31", "2024-02-30", "../../etc/passwd", "\u202e\u2066", "ｍｒｎ", "",
    " ", "\r\n", "x" * 5000, "00000000-0000-0000-0000-000000000000",
])
VALUE = st.one_of(NASTY, TEXT, st.integers().map(str))
FIELD_VALUE = st.one_of(VALUE, st.lists(VALUE, min_size=1, max_size=3))


def garbage_for(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A POST body: known field names and invented ones, each with nasty or random values."""
    names = st.one_of(st.sampled_from(fields), TEXT.filter(lambda n: n.strip() != ""))
    return st.dictionaries(names, FIELD_VALUE, max_size=len(fields) + 3)


def assert_no_500(response: Any) -> None:
    assert response.status_code < 500, response.content[:2000]


def _patient_row(pk: Any) -> tuple:
    return tuple(Patient.objects.filter(pk=pk).values_list("mrn", "family_name", "given_name", "date_of_birth", "sex",
                                                           "search_text").get())


def _assessment_row(pk: Any) -> tuple:
    row = Assessment.objects.filter(pk=pk).values_list("status", "answers", "decisions", "revision",
                                                       "amendment_reason").get()
    return (*row, Signature.objects.filter(assessment_id=pk).count())


PATIENT_FIELDS = ["mrn", "family_name", "given_name", "date_of_birth", "sex", "csrfmiddlewaretoken"]


def test_it_survives_garbage_on_patient_create(clinician_client):
    @GARBAGE
    @given(data=garbage_for(PATIENT_FIELDS))
    def run(data: dict[str, Any]) -> None:
        TRIED["patient create"] += 1
        before = (Patient.objects.count(), AuditEvent.objects.filter(action=AuditEvent.Action.PATIENT_CREATE).count())
        response = clinician_client.post(reverse("evaluation:patient_create"), data)
        assert_no_500(response)
        if response.status_code != 302:
            after = (Patient.objects.count(),
                     AuditEvent.objects.filter(action=AuditEvent.Action.PATIENT_CREATE).count())
            assert after == before

    run()


def test_it_survives_garbage_on_patient_edit(clinician_client, patient):
    url = reverse("evaluation:patient_edit", args=[patient.pk])

    @GARBAGE
    @given(data=garbage_for(PATIENT_FIELDS))
    def run(data: dict[str, Any]) -> None:
        TRIED["patient edit"] += 1
        before = _patient_row(patient.pk)
        response = clinician_client.post(url, data)
        assert_no_500(response)
        if response.status_code != 302:
            assert _patient_row(patient.pk) == before

    run()


@pytest.fixture
def item_fields(version) -> list[str]:
    return ["revision", "review", *version.compiled().items]


def test_it_survives_garbage_on_assessment_edit(clinician_client, assessment, item_fields):
    url = reverse("evaluation:assessment_edit", args=[assessment.pk])

    @GARBAGE
    @given(data=garbage_for(item_fields), keep_revision=st.booleans())
    def run(data: dict[str, Any], keep_revision: bool) -> None:
        TRIED["assessment edit"] += 1
        before = _assessment_row(assessment.pk)
        if keep_revision:  # reach the validation of the answers, not just the revision check
            data["revision"] = str(before[3])
        response = clinician_client.post(url, data)
        assert_no_500(response)
        if response.status_code != 302:
            assert _assessment_row(assessment.pk) == before, "invalid input changed the stored answers"

    run()


def test_it_survives_garbage_on_live_suggestions_and_never_saves(clinician_client, assessment, item_fields):
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])

    @GARBAGE
    @given(data=garbage_for(item_fields))
    def run(data: dict[str, Any]) -> None:
        TRIED["suggestions"] += 1
        before = _assessment_row(assessment.pk)
        response = clinician_client.post(url, data)
        assert_no_500(response)
        assert response.status_code == 200
        assert _assessment_row(assessment.pk) == before

    run()


@pytest.fixture
def reviewable(clinician, assessment, version) -> Assessment:
    return assessment_services.assessment_save(assessment=assessment, answers=case_answers(version, "Worked example 4"),
                                    expected_revision=assessment.revision, actor=Actor(clinician))


def test_it_survives_garbage_on_review_decisions_and_signing(clinician_client, reviewable):
    review_url = reverse("evaluation:assessment_review", args=[reviewable.pk])
    sign_url = reverse("evaluation:assessment_sign", args=[reviewable.pk])
    keys = decision_keys(reviewable.evaluate())
    fields = ["revision", "password", "save", "sign", *[f"decision__{k}" for k in keys],
              *[f"reason__{k}" for k in keys], *[f"added_{p}_{i}" for p in ("title", "reason") for i in range(5)]]

    @GARBAGE
    @given(data=garbage_for(fields), keep_revision=st.booleans(), wants_sign=st.booleans())
    def run(data: dict[str, Any], keep_revision: bool, wants_sign: bool) -> None:
        TRIED["review/decisions/sign"] += 1
        before = _assessment_row(reviewable.pk)
        if keep_revision:
            data["revision"] = str(before[3])
        response = clinician_client.post(sign_url if wants_sign else review_url, data)
        assert_no_500(response)
        after = _assessment_row(reviewable.pk)
        assert after[-1] == 0, "garbage must never sign (the password is never right)"
        if response.status_code != 302:
            assert after[:2] == before[:2] and after[4] == before[4]

    run()


def test_it_survives_garbage_on_amend(clinician_client, clinician, reviewable):
    sign(reviewable, clinician)
    url = reverse("evaluation:assessment_amend", args=[reviewable.pk])

    @GARBAGE
    @given(data=garbage_for(["reason", "amend"]))
    def run(data: dict[str, Any]) -> None:
        TRIED["amend"] += 1
        before = _assessment_row(reviewable.pk)
        if before[0] == Assessment.Status.DRAFT:
            return  # an earlier example started an amendment legitimately; nothing more to try
        response = clinician_client.post(url, data)
        assert_no_500(response)
        if response.status_code != 302 or "/edit/" not in response["Location"]:
            assert _assessment_row(reviewable.pk) == before

    run()


def test_it_survives_garbage_on_new_assessment(clinician_client, clinician, patient, version):
    sign(assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician)), clinician,
         case_answers(version, "Worked example 1"))  # so "start from previous" is offered too
    url = reverse("evaluation:assessment_create", args=[patient.pk])

    @GARBAGE
    @given(data=garbage_for(["version", "start_from_previous"]))
    def run(data: dict[str, Any]) -> None:
        TRIED["new assessment"] += 1
        before = Assessment.objects.count()
        response = clinician_client.post(url, data)
        assert_no_500(response)
        created = response.status_code == 302 and "/edit/" in response["Location"]
        assert Assessment.objects.count() == before + (1 if created else 0)

    run()


# ---------------------------------------------------------------- JSON readers

JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, NASTY)
JSON = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def _template_rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (TemplateVersion, Section, Item, Rule))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON document, for mutating a valid document one spot at a time."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(document: Any, path: tuple, value: Any, delete: bool) -> Any:
    if not path:
        return value
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


def hostile_documents(valid: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid template with one part replaced or removed; sometimes pure garbage."""
    paths = _paths(valid)
    mutated = st.builds(lambda p, v, d: _mutate(valid, p, v, d), st.sampled_from(paths), JSON, st.booleans())
    return st.one_of(mutated, mutated, mutated, JSON)


def test_it_survives_garbage_template_uploads_in_the_admin(client, template_admin, version, default_document):
    client.force_login(template_admin)
    url = reverse("admin:evaluation_templateversion_import")
    as_bytes = st.one_of(
        hostile_documents(default_document).map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8")),
        st.binary(max_size=300),
    )

    @GARBAGE
    @given(payload=as_bytes)
    def run(payload: bytes) -> None:
        TRIED["admin template import"] += 1
        before = _template_rows()
        response = client.post(url, {"file": SimpleUploadedFile("t.json", payload, content_type="application/json")})
        assert_no_500(response)
        if response.status_code != 302:
            assert _template_rows() == before, "a refused import left rows behind"

    run()


def test_it_survives_garbage_documents_in_the_import_service(template_admin, version, default_document):
    @GARBAGE
    @given(document=hostile_documents(default_document))
    def run(document: Any) -> None:
        TRIED["template import service"] += 1
        before = _template_rows()
        try:
            template_services.template_import(document=document, actor=Actor(template_admin))
        except engine.TemplateError:
            assert _template_rows() == before

    run()


def test_it_survives_garbage_case_files_in_suggest_workup(version):
    codes = list(version.compiled().items)
    answers = st.dictionaries(st.one_of(st.sampled_from(codes), TEXT), JSON, max_size=6)
    case = st.one_of(st.builds(lambda a: {"answers": a}, answers), JSON)

    @GARBAGE
    @given(case=case, raw=st.one_of(st.none(), st.binary(max_size=100)))
    def run(case: Any, raw: bytes | None) -> None:
        TRIED["suggest_workup"] += 1
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "case.json"
            path.write_bytes(raw if raw is not None else json.dumps(case, ensure_ascii=False).encode("utf-8"))
            out, err = io.StringIO(), io.StringIO()
            try:
                call_command("suggest_workup", str(path), stdout=out, stderr=err)
            except SystemExit as exit_:
                assert exit_.code == 2
                assert out.getvalue() == ""
                return
            assert set(json.loads(out.getvalue())) >= {"red_flags", "tests", "referrals"}

    run()


@pytest.mark.parametrize("path, value", [
    (("sections", 0, "items", 0, "help_text"), None),
    (("sections", 0, "items", 0, "label"), "x" * 301),
    (("sections", 0, "items", 0, "label"), ["a", "list"]),
    (("sections", 0, "items", 0, "choices"), True),
    (("sections", 0, "title"), "a\x00b"),
    (("rules", 0, "condition"), {"item": ["fasciculations"], "is": True}),
    (("rules", 0, "source", "quote"), "NUL \x00 in JSON"),
    (("template", "slug"), "s" * 65),
    (("version", "number"), 2**40),
    (("cases", 0, "name"), ["not", "text"]),
])
def test_it_refuses_documents_the_database_could_not_store(template_admin, version, default_document, path, value):
    """Found by the property tests on PostgreSQL, which (unlike SQLite) enforces lengths and refuses NUL."""
    TRIED["template import service"] += 1
    before = _template_rows()
    with pytest.raises(engine.TemplateError):
        template_services.template_import(document=_mutate(default_document, path, value, False), actor=Actor(template_admin))
    assert _template_rows() == before
