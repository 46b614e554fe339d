"""Bad input posted to every form of the app: never a 500, and a refusal changes nothing.

Each form gets a valid submission in which hypothesis replaces some fields with
hostile values: text beyond the column width, deeply nested JSON, NUL bytes,
unusual unicode, huge numbers, and lists where one value is expected. A 4xx, or
a 200 that shows the form again, must leave the database as it was (row counts,
the records' revisions and the signer's password). Bounded: a few examples per
form, no deadline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from evaluation.audit import Actor
from evaluation.models import Assessment, AuditEvent, Patient, Signature
from interop.models import ApiToken
from interop.tokens import token_create
from tests.factories import PASSWORD, case_answers, decision_keys, form_data, make_assessment, make_patient, save, sign

BOUNDED = hypothesis_settings(max_examples=6, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


SCALAR = st.one_of(
    st.integers(256, 6000).map(lambda n: "x" * n),                       # beyond any column width
    st.integers(50, 3000).map(lambda d: "[" * d + "]" * d),             # deeply nested JSON
    st.integers(50, 3000).map(_nested),
    st.text(max_size=12).map(lambda t: f"{t}\x00{t}"),                  # NUL bytes
    st.text(alphabet=st.characters(min_codepoint=0x80), min_size=1, max_size=40),
    st.sampled_from(["\u202e\u0000", "💥" * 300, "NaN", "1e999", "-0", "", " "]),
    st.integers(min_value=10**18, max_value=10**400).map(str),          # huge numbers
    st.integers(max_value=-(10**18)).map(str),
)
HOSTILE = st.one_of(SCALAR, st.lists(SCALAR, min_size=2, max_size=3))   # a list where one value is expected


@dataclass(frozen=True)
class FormCase:
    url: Callable[[dict[str, Any]], str]
    valid: Callable[[dict[str, Any]], dict[str, Any]]
    writes_on: tuple[int, ...] = (302,)   # statuses of a successful submit; anything else must change nothing


def _revision(objects: dict[str, Any], key: str = "draft") -> str:
    return str(Assessment.objects.get(pk=objects[key].pk).revision)


def _answers(objects: dict[str, Any]) -> dict[str, Any]:
    return form_data(objects["version"], {"cramps": True}, int(_revision(objects)))


def _decisions(objects: dict[str, Any]) -> dict[str, Any]:
    draft = Assessment.objects.get(pk=objects["review"].pk)
    keys = decision_keys(draft.evaluate())
    return {"revision": str(draft.revision), **{f"decision__{key}": "ordered" for key in keys}}


PERSON = {"mrn": "BAD-1", "family_name": "Ortiz", "given_name": "Ana", "date_of_birth": "1970-02-03", "sex": "female"}
CASES: dict[str, FormCase] = {
    "patient create": FormCase(lambda o: reverse("evaluation:patient_create"), lambda o: dict(PERSON)),
    "patient edit": FormCase(lambda o: reverse("evaluation:patient_edit", args=[o["patient"].pk]),
                             lambda o: {**PERSON, "mrn": o["patient"].mrn}),
    "assessment edit": FormCase(lambda o: reverse("evaluation:assessment_edit", args=[o["draft"].pk]), _answers),
    "autosave": FormCase(lambda o: reverse("evaluation:assessment_autosave", args=[o["draft"].pk]), _answers,
                         writes_on=(200,)),
    "suggestions": FormCase(lambda o: reverse("evaluation:assessment_suggest", args=[o["draft"].pk]), _answers,
                            writes_on=()),
    "review decisions": FormCase(lambda o: reverse("evaluation:assessment_review", args=[o["review"].pk]),
                                 _decisions),
    "sign": FormCase(lambda o: reverse("evaluation:assessment_sign", args=[o["review"].pk]),
                     lambda o: {**_decisions(o), "password": PASSWORD}),
    "amend": FormCase(lambda o: reverse("evaluation:assessment_amend", args=[o["signed"].pk]),
                      lambda o: {"reason": "Corrected the onset"}),
    "password change": FormCase(lambda o: reverse("accounts:password_change"),
                                lambda o: {"old_password": PASSWORD, "new_password1": "a-new-pass-91x",
                                           "new_password2": "a-new-pass-91x"}),
    "api token": FormCase(lambda o: reverse("interop:tokens"), lambda o: {"name": "EHR link", "lifetime_days": "90"},
                          writes_on=(201,)),
    "authenticator confirm": FormCase(lambda o: reverse("accounts:two_factor_confirm"), lambda o: {"code": "123456"}),
    "authenticator remove": FormCase(lambda o: reverse("accounts:two_factor_remove"),
                                     lambda o: {"password": PASSWORD}),
    "sign in": FormCase(lambda o: reverse("login"), lambda o: {"username": "drwho", "password": PASSWORD}),
    "language": FormCase(lambda o: reverse("accounts:language"), lambda o: {"language": "es"}),
}


def state(objects: dict[str, Any], user: Any) -> tuple:
    models = (Patient, Assessment, Signature, ApiToken, TOTPDevice)
    counts = tuple(model.objects.count() for model in models)
    # Failed re-authentications are counted and recorded on purpose; every other audit event counts here.
    audit = AuditEvent.objects.exclude(action=AuditEvent.Action.LOGIN_FAILED).count()
    rows = tuple(Assessment.objects.filter(pk__in=[objects[k].pk for k in ("draft", "review", "signed")])
                 .order_by("pk").values_list("revision", "status", "answers", "decisions"))
    patient = Patient.objects.filter(pk=objects["patient"].pk).values_list("mrn", "family_name").get()
    password = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True).get()
    return counts, audit, rows, patient, password


@pytest.fixture
def objects(clinician, patient, version) -> dict[str, Any]:
    signed = make_assessment(patient, version, clinician)
    sign(signed, clinician, case_answers(version, "Worked example 1"))
    other = clinician
    second = make_patient(clinician, mrn="BAD-2")
    review = save(make_assessment(second, version, other), other, case_answers(version, "Worked example 1"))
    third = make_patient(clinician, mrn="BAD-3")
    draft = make_assessment(third, version, other)
    return {"patient": patient, "version": version, "signed": Assessment.objects.get(pk=signed.pk),
            "review": review, "draft": draft}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_never_a_500_and_a_refusal_changes_nothing(name, objects, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 10_000
    case = CASES[name]
    client = Client()
    client.force_login(clinician)
    fields = sorted(case.valid(objects))

    @BOUNDED
    @given(overrides=st.dictionaries(st.sampled_from(fields), HOSTILE, min_size=1, max_size=len(fields)))
    def run(overrides: dict[str, Any]) -> None:
        AccessAttempt.objects.all().delete()  # wrong current passwords must not end in a sign-in lockout
        cache.clear()
        data = {**case.valid(objects), **overrides}
        before = state(objects, clinician)
        response = client.post(case.url(objects), data)
        assert response.status_code < 500, (name, response.status_code, response.content[:1000])
        if response.status_code not in case.writes_on or b'"saved": false' in response.content:
            assert state(objects, clinician) == before, (name, response.status_code)
        if response.status_code in case.writes_on and name == "password change":
            client.force_login(get_user_model().objects.get(pk=clinician.pk))

    run()


# The JSON API: bodies whose fields hypothesis replaces, including with structures nested far too deep
# (written into the body's text: Python's own json.dumps could not write them).
API_CASES: dict[str, FormCase] = {
    "api patient create": FormCase(lambda o: "/api/v1/patients/", lambda o: dict(PERSON), writes_on=(201,)),
    "api evaluate": FormCase(lambda o: "/api/v1/evaluate", lambda o: {"answers": {"cramps": True}},
                             writes_on=()),
    "api answers": FormCase(lambda o: f"/api/v1/assessments/{o['draft'].pk}/answers/",
                            lambda o: {"revision": int(_revision(o)), "answers": {"cramps": True}}, writes_on=(200,)),
    "api sign": FormCase(lambda o: f"/api/v1/assessments/{o['review'].pk}/sign/",
                         lambda o: {"revision": int(_revision(o, "review")), "password": PASSWORD}, writes_on=(200,)),
}
API_METHODS = {"api answers": "put"}  # the others are posted
DEEP_STRUCTURE = st.integers(101, 5000).map(lambda depth: ("deep", depth))
API_HOSTILE = st.one_of(HOSTILE, DEEP_STRUCTURE, st.dictionaries(st.text(max_size=8), SCALAR, max_size=3))


def _body(data: dict[str, Any]) -> str:
    """``data`` as JSON text, each ("deep", n) written as n nested lists."""
    deep = {f"@@deep{n}@@": "[" * value[1] + "]" * value[1]
            for n, value in enumerate(v for v in data.values() if isinstance(v, tuple))}
    marked = iter(deep)
    text = json.dumps({key: next(marked) if isinstance(value, tuple) else value for key, value in data.items()})
    for marker, nested in deep.items():
        text = text.replace(f'"{marker}"', nested)
    return text


@pytest.mark.parametrize("name", sorted(API_CASES))
def test_bad_api_bodies_are_never_a_500_and_a_refusal_changes_nothing(name, objects, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 10_000
    case = API_CASES[name]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=Actor(clinician), name='t', lifetime_days=30).secret}")
    fields = sorted(case.valid(objects))

    @BOUNDED
    @given(overrides=st.dictionaries(st.sampled_from(fields), API_HOSTILE, min_size=1, max_size=len(fields)))
    def run(overrides: dict[str, Any]) -> None:
        cache.clear()
        before = state(objects, clinician)
        send = getattr(client, API_METHODS.get(name, "post"))
        response = send(case.url(objects), _body({**case.valid(objects), **overrides}), content_type="application/json")
        assert response.status_code < 500, (name, response.status_code, response.content[:1000])
        if response.status_code not in case.writes_on:
            assert state(objects, clinician) == before, (name, response.status_code)

    run()
