"""Authorization matrix: every URL of the project, requested as every role, against a table of expected outcomes.

The URLs come from Django's resolver, not from a hand-written list, so a new
URL without a row in RULES fails test_it_has_a_rule_for_every_url. The admin
is left out: it has its own permission system, tested in test_audit.py for the
audit pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation import models
from evaluation.audit import Actor
from evaluation.models import Assessment, AuditEvent, Patient, Signature
from evaluation.services import assessments as assessment_services
from tests.factories import PASSWORD, case_answers, decision_keys, sign

ROLES = ("anonymous", "clinician", "template_admin", "superuser")
LOGIN_URL = "/accounts/login/"

# ---------------------------------------------------------------- expected outcomes


@dataclass(frozen=True)
class Outcome:
    status: int
    marker: str = ""  # text the body must contain (200) or the Location must start with (302)

    def check(self, response: Any) -> str | None:
        """None when the response matches, else what went wrong."""
        if response.status_code != self.status:
            return f"status {response.status_code}, expected {self.status}"
        if self.status in (301, 302):
            location = response["Location"]
            return None if location.startswith(self.marker) else f"redirect to {location}, expected {self.marker}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return None if self.marker.encode() in body else f"body lacks {self.marker!r}"


def ok(marker: str) -> Outcome:
    return Outcome(200, marker)


TO_LOGIN = Outcome(302, f"{LOGIN_URL}?next=")
FORBIDDEN = Outcome(403, "You do not have access to this page")
NOT_FOUND = Outcome(404, "Nothing was found at this address")
NOT_ALLOWED = Outcome(405)


def clinical(outcome: Outcome) -> dict[str, Outcome]:
    """Clinic pages: clinicians and superusers in, template admins refused, strangers sent to sign in."""
    return {"anonymous": TO_LOGIN, "clinician": outcome, "template_admin": FORBIDDEN, "superuser": outcome}


def authoring(outcome: Outcome) -> dict[str, Outcome]:
    """The template workspace: template admins and superusers in, clinicians refused, strangers sent to sign in."""
    return {"anonymous": TO_LOGIN, "clinician": FORBIDDEN, "template_admin": outcome, "superuser": outcome}


def audit(outcome: Outcome) -> dict[str, Outcome]:
    return {"anonymous": TO_LOGIN, "clinician": FORBIDDEN, "template_admin": outcome, "superuser": outcome}


@dataclass(frozen=True)
class Rule:
    method: str
    target: str | None  # which created object fills the uuid converter: patient, draft or signed
    outcomes: dict[str, Outcome]
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    state_changing: bool = False  # POST writes something: CSRF must be enforced


def _new_assessment(objects: dict[str, Any]) -> dict[str, Any]:
    return {"version": objects["version"].pk}


def _answers(objects: dict[str, Any]) -> dict[str, Any]:
    return {"revision": str(objects["draft"].revision), "cramps": "yes"}


_TO_WORKSPACE = Outcome(302, "/authoring/versions/")  # the draft made from the version
AUTHORING_RULES: dict[str, Rule] = {
    "evaluation:authoring:index": Rule("get", None, authoring(ok("Checklist templates"))),
    "evaluation:authoring:workspace": Rule("get", None, authoring(ok("Sections"))),
    "evaluation:authoring:section": Rule("get", None, authoring(ok("Questions"))),
    "evaluation:authoring:rules": Rule("get", None, authoring(ok("Fires when"))),
    "evaluation:authoring:cases": Rule("get", None, authoring(ok("Test cases"))),
    "evaluation:authoring:preview": Rule("get", None, authoring(ok("Show suggestions"))),
    "evaluation:authoring:retire": Rule("get", None, authoring(ok("Replacement for new assessments"))),
    "evaluation:authoring:translations": Rule("get", None, authoring(ok("Translations: Spanish"))),
    **{f"evaluation:authoring:{name}": Rule("get", None, authoring(_TO_WORKSPACE))
       for name in ("item_create", "item", "rule_create", "rule", "case", "publish")},
    "evaluation:authoring:clone": Rule("post", None, authoring(Outcome(302, "/authoring/versions/")),
                                       state_changing=True),
    **{f"evaluation:authoring:{name}": Rule("post", None, authoring(_TO_WORKSPACE), state_changing=True)
       for name in ("section_move", "section_delete", "item_move", "item_delete", "rule_delete", "case_delete")},
}
# Authoring pages whose POST is their form's submit. Their CSRF refusal, as the template admins who may use
# them, is tested in tests/authoring/test_csrf.py (the CSRF tests here post as a clinician).
AUTHORING_FORM_PAGES = {f"evaluation:authoring:{name}" for name in (
    "workspace", "section", "item_create", "item", "rule_create", "rule", "case", "preview", "publish", "retire",
    "translations")}

RULES: dict[str, Rule] = {
    "login": Rule("get", None, {"anonymous": ok('name="password"'), "clinician": Outcome(302, "/"),
                                "template_admin": Outcome(302, "/"), "superuser": Outcome(302, "/")}),
    "logout": Rule("post", None, {role: Outcome(302, LOGIN_URL) for role in ROLES}, state_changing=True),
    "evaluation:home": Rule("get", None, {"anonymous": TO_LOGIN, "clinician": Outcome(302, "/patients/"),
                                          "template_admin": Outcome(302, "/authoring/"),
                                          "superuser": Outcome(302, "/patients/")}),
    "evaluation:patient_list": Rule("get", None, clinical(ok("MUÑOZ"))),
    "evaluation:patient_access_log": Rule("get", "patient", clinical(ok("Who accessed this record"))),
    "evaluation:patient_create": Rule("get", None, clinical(ok("Register a patient"))),
    "evaluation:patient_detail": Rule("get", "patient", clinical(ok("Lucía"))),
    "evaluation:patient_edit": Rule("get", "patient", clinical(ok("Edit patient details"))),
    "evaluation:assessment_create": Rule("post", "patient", clinical(Outcome(302, "/assessments/")),
                                         data=_new_assessment, state_changing=True),
    "evaluation:assessment_detail": Rule("get", "draft", clinical(ok("assessment, "))),
    "evaluation:assessment_edit": Rule("get", "draft", clinical(ok('name="symptom_weeks"'))),
    "evaluation:assessment_autosave": Rule("post", "draft", clinical(ok('"saved": true')), data=_answers,
                                           state_changing=True),
    "evaluation:assessment_suggest": Rule("post", "draft", clinical(ok("still unanswered")), data=_answers),
    "evaluation:assessment_review": Rule("get", "draft", clinical(ok("Review and sign"))),
    "evaluation:assessment_sign": Rule("post", "draft", clinical(Outcome(400, "re-enter your password to sign")),
                                       data=_answers, state_changing=True),
    "evaluation:assessment_amend": Rule("get", "signed", clinical(ok("Amend the signed assessment"))),
    "evaluation:assessment_revision": Rule("get", "signed", clinical(ok("assessment, "))),
    "evaluation:assessment_pdf": Rule("get", "signed", clinical(ok("%PDF"))),
    "evaluation:assessment_handout": Rule("get", "signed", clinical(ok("%PDF"))),
    # The session's time left (a poll that does not extend it) and "stay signed in" (which does): JSON for any role.
    "evaluation:session_status": Rule("get", None, {"anonymous": ok('"signed_in": false'),
                                                    **{role: ok('"signed_in": true') for role in ROLES[1:]}}),
    "evaluation:session_keepalive": Rule("post", None, {"anonymous": Outcome(401, '"signed_in": false'),
                                                        **{role: ok('"signed_in": true') for role in ROLES[1:]}}),
    # The JavaScript strings in the page's language, for any role: the sign-in page loads them too.
    "javascript-catalog": Rule("get", None, {role: ok("django.catalog") for role in ROLES}),
    "evaluation:audit_list": Rule("get", None, audit(ok("Audit trail"))),
    "evaluation:audit_csv": Rule("get", None, audit(ok("at,username,action"))),
    # The authoring workspace. Int ids are 1: the published default template and its first parts, so every
    # page that changes a draft sends the user back to the version's workspace, unchanged.
    **AUTHORING_RULES,
    # Each signed-in person's own account, whatever their role.
    "accounts:account": Rule("get", None, {"anonymous": TO_LOGIN, **{role: ok("My account") for role in ROLES[1:]}}),
    "accounts:password_change": Rule("get", None, {"anonymous": TO_LOGIN,
                                                   **{role: ok('name="old_password"') for role in ROLES[1:]}}),
    "accounts:language": Rule("post", None, {"anonymous": TO_LOGIN, **{role: Outcome(400) for role in ROLES[1:]}},
                              state_changing=True),
    # The authenticator for signing: a new secret (redirects to the account page), its confirmation and its
    # removal (an empty post is a form error).
    "accounts:two_factor_enrol": Rule("post", None, {"anonymous": TO_LOGIN,
                                                     **{role: Outcome(302, "/accounts/") for role in ROLES[1:]}},
                                      state_changing=True),
    **{f"accounts:two_factor_{name}": Rule("post", None, {"anonymous": TO_LOGIN,
                                                          **{role: Outcome(400) for role in ROLES[1:]}},
                                           state_changing=True) for name in ("confirm", "remove")},
}

# ---------------------------------------------------------------- URL discovery


def discover(patterns: list[Any] | None = None, namespace: str = "",
             converters: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Every named URL outside the admin, with the converters of its path parameters."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    converters = converters or {}
    found: dict[str, dict[str, Any]] = {}
    for entry in patterns:
        here = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            # The admin has its own permission system; the interop URLs (API, FHIR, CDS Hooks, export)
            # answer tokens and JSON, and have their own matrix in tests/interop/test_docs_and_access.py.
            if entry.namespace in ("admin", "interop"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.update(discover(entry.url_patterns, inner, here))
        elif isinstance(entry, URLPattern) and entry.name:
            found[namespace + entry.name] = here
    return found


# Integer path parameters: the first row of the default template (revision numbers start at 1). Looked up,
# not assumed to be 1: on PostgreSQL a reused test database's sequences do not start again.
_INT_TARGETS = {"pk": models.TemplateVersion, "section_pk": models.Section, "item_pk": models.Item,
                "rule_pk": models.Rule, "case_pk": models.TemplateCase}


def _first_id(param: str) -> int:
    model = _INT_TARGETS.get(param)
    return model.objects.order_by("pk").values_list("pk", flat=True).first() if model else 1


def url_for(name: str, converters: dict[str, Any], target: Any, *, missing: bool = False) -> str:
    """Fill each converter with a real id of ``target`` (or one that does not exist, with missing=True)."""
    kwargs: dict[str, Any] = {}
    for param, converter in converters.items():
        if isinstance(converter, UUIDConverter):
            kwargs[param] = uuid.uuid4() if missing else target.pk
        elif isinstance(converter, IntConverter):
            kwargs[param] = 999_999 if missing else _first_id(param)
        elif param == "language":
            kwargs[param] = "es"  # the one translation language; an unknown one is a 404 as well
        else:
            raise AssertionError(f"{name}: no value for {param} ({type(converter).__name__}); extend url_for")
    return reverse(name, kwargs=kwargs)


# ---------------------------------------------------------------- data


@pytest.fixture
def objects(clinician, patient, version) -> dict[str, Any]:
    signed = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    sign(signed, clinician, case_answers(version, "Worked example 1"))
    draft = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    return {"patient": patient, "draft": draft, "signed": Assessment.objects.get(pk=signed.pk), "version": version}


@pytest.fixture
def clients(clinician, template_admin, superuser) -> dict[str, Client]:
    result = {"anonymous": Client()}
    for role, user in (("clinician", clinician), ("template_admin", template_admin), ("superuser", superuser)):
        result[role] = Client()
        result[role].force_login(user)
    return result


def _request(client: Client, rule: Rule, url: str, objects: dict[str, Any]) -> Any:
    data = rule.data(objects) if rule.data else {}
    return getattr(client, rule.method)(url, data)


# ---------------------------------------------------------------- the tests


def test_it_has_a_rule_for_every_url():
    discovered = set(discover())
    assert {"login", "logout", "evaluation:patient_list", "evaluation:audit_csv"} <= discovered
    assert discovered - set(RULES) == set(), "new URL(s) without a row in RULES: decide who may use them"
    assert set(RULES) - discovered == set(), "RULES lists URL(s) that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_the_expected_outcome_on_every_url(role, clients, objects):
    failures = []
    # Logout last: it ends the session, which would hide what the role may do on the URLs after it.
    for name, converters in sorted(discover().items(), key=lambda pair: (pair[0] == "logout", pair[0])):
        rule = RULES[name]
        url = url_for(name, converters, objects.get(rule.target))
        problem = rule.outcomes[role].check(_request(clients[role], rule, url, objects))
        if problem:
            failures.append(f"{role} {rule.method.upper()} {url} ({name}): {problem}")
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_404_for_ids_that_do_not_exist_without_leaking_to_other_roles(role, clients, objects):
    """Roles that may see records get 404; others get the same answer as for a real id, so ids cannot be probed."""
    failures = []
    with_ids = {name: conv for name, conv in discover().items() if conv}
    assert len(with_ids) >= 10
    for name, converters in sorted(with_ids.items()):
        rule = RULES[name]
        url = url_for(name, converters, objects.get(rule.target), missing=True)
        expected = rule.outcomes[role] if rule.outcomes[role] in (TO_LOGIN, FORBIDDEN) else NOT_FOUND
        problem = expected.check(_request(clients[role], rule, url, objects))
        if problem:
            failures.append(f"{role} {url} ({name}): {problem}")
    assert failures == []


def test_it_answers_404_for_a_revision_that_was_never_signed(clients, objects):
    url = reverse("evaluation:assessment_revision", args=[objects["signed"].pk, 2])
    assert NOT_FOUND.check(clients["clinician"].get(url)) is None


# Pages whose POST is their form's submit (covered by the CSRF tests below).
FORM_PAGES = {"login", "evaluation:patient_list", "evaluation:patient_create", "evaluation:patient_edit", "evaluation:assessment_edit",
              "evaluation:assessment_review", "evaluation:assessment_amend", "accounts:password_change",
              *AUTHORING_FORM_PAGES}


def test_it_refuses_get_on_post_only_urls_and_post_on_read_only_urls(clients, objects):
    client = clients["superuser"]
    before = _counts()
    for name, converters in discover().items():
        rule = RULES[name]
        url = url_for(name, converters, objects.get(rule.target))
        if rule.method == "post":
            assert client.get(url).status_code == 405, name
        elif name not in FORM_PAGES:
            # Read-only pages and exports: a POST must not be quietly treated as a GET.
            assert client.post(url, {}).status_code == 405, name
    assert _counts() == before


# ---------------------------------------------------------------- CSRF


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Patient, Assessment, Signature, AuditEvent)}


def _state(objects: dict[str, Any]) -> Any:
    draft = Assessment.objects.get(pk=objects["draft"].pk)
    signed = Assessment.objects.get(pk=objects["signed"].pk)
    patient = Patient.objects.get(pk=objects["patient"].pk)
    return (_counts(), draft.answers, draft.decisions, draft.revision, signed.status, signed.revision,
            patient.family_name)


def _current_code() -> dict[str, Any]:
    """The code an authenticator app would show now for the device being enrolled (none yet: any code)."""
    device = TOTPDevice.objects.filter(confirmed=False).first()
    return {"code": f"{totp(device.bin_key):06d}" if device else "000000"}


def _state_changing_posts(objects: dict[str, Any]) -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    """A valid submission for every URL that writes; each would succeed with a CSRF token.

    The data is built when posted, so each post sees the revision the one before it left.
    """
    patient, draft, signed = objects["patient"], objects["draft"], objects["signed"]
    person = {"mrn": "CSRF-1", "family_name": "Forged", "given_name": "Eve", "date_of_birth": "1980-01-01",
              "sex": "female"}

    def revision() -> str:
        return str(Assessment.objects.get(pk=draft.pk).revision)

    def decisions() -> dict[str, Any]:
        keys = decision_keys(Assessment.objects.get(pk=draft.pk).evaluate())
        return {"revision": revision(), "save": "1", **{f"decision__{k}": "ordered" for k in keys}}

    return [
        (reverse("evaluation:patient_list"), lambda: {"q": "forged search"}),
        (reverse("evaluation:patient_create"), lambda: person),
        (reverse("evaluation:patient_edit", args=[patient.pk]), lambda: {**person, "mrn": patient.mrn}),
        (reverse("evaluation:assessment_create", args=[patient.pk]), lambda: {"version": objects["version"].pk}),
        (reverse("evaluation:assessment_edit", args=[draft.pk]), lambda: {"revision": revision(), "cramps": "yes"}),
        (reverse("evaluation:assessment_autosave", args=[draft.pk]), lambda: {"revision": revision(), "cramps": "yes"}),
        (reverse("evaluation:assessment_review", args=[draft.pk]), decisions),
        (reverse("evaluation:assessment_sign", args=[draft.pk]), lambda: {**decisions(), "password": PASSWORD}),
        (reverse("evaluation:assessment_amend", args=[signed.pk]), lambda: {"reason": "forged"}),
        (reverse("accounts:language"), lambda: {"language": "en"}),
        (reverse("accounts:two_factor_enrol"), dict),
        (reverse("accounts:two_factor_confirm"), _current_code),
        (reverse("accounts:two_factor_remove"), lambda: {"password": PASSWORD}),
        # Last but one: after it, signing with PASSWORD would no longer be possible.
        (reverse("accounts:password_change"), lambda: {"old_password": PASSWORD, "new_password1": "forged-new-pass-77",
                                                       "new_password2": "forged-new-pass-77"}),
        (reverse("logout"), dict),
    ]


def test_it_has_a_csrf_case_for_every_writing_url_and_every_form_page(objects):
    urls = {url for url, _ in _state_changing_posts(objects)}
    for name, converters in discover().items():
        if name in AUTHORING_RULES:
            continue  # tests/authoring/test_csrf.py
        if RULES[name].state_changing or (name in FORM_PAGES and name != "login"):
            assert url_for(name, converters, objects.get(RULES[name].target)) in urls, name


@pytest.mark.parametrize("role", ["clinician", "superuser"])
def test_it_refuses_every_state_changing_post_without_a_csrf_token(role, objects, clinician, superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician if role == "clinician" else superuser)
    before = _state(objects)
    for url, data in _state_changing_posts(objects):
        response = client.post(url, data())
        assert response.status_code == 403, url
        assert b"security check failed or expired. Nothing was saved." in response.content
    assert _state(objects) == before
    assert client.get(reverse("evaluation:patient_list")).status_code == 200  # still signed in: logout was refused


def test_it_refuses_sign_in_without_a_csrf_token(clinician):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "drwho", "password": "correct-horse-battery-staple"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()
    assert "_auth_user_id" not in client.session


def test_it_accepts_the_same_posts_with_a_token(objects, clinician):
    """The control: without it, the refusals above could come from bad data rather than CSRF."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    before = _counts()
    for url, data in _state_changing_posts(objects):
        client.get(reverse("evaluation:patient_create"))  # sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        response = client.post(url, {**data(), "csrfmiddlewaretoken": token})
        if url == reverse("evaluation:assessment_sign", args=[objects["draft"].pk]):
            # The draft is incomplete: signing refuses in words (and keeps the decisions), which is not CSRF.
            assert response.status_code == 400 and "Not signed yet" in response.content.decode(), url
            continue
        if url == reverse("evaluation:assessment_autosave", args=[objects["draft"].pk]):
            assert response.status_code == 200 and response.json()["saved"] is True, url
            continue
        assert response.status_code == 302, (url, response.status_code)
        if url == reverse("logout"):
            break
    after = _counts()
    assert after["Patient"] == before["Patient"] + 1
    # The patient already has a draft: "Start assessment" continues it rather than making a second one.
    assert after["Assessment"] == before["Assessment"]
    assert Patient.objects.get(pk=objects["patient"].pk).family_name == "Forged"
    assert Assessment.objects.get(pk=objects["draft"].pk).answers == {"cramps": True}
    assert Assessment.objects.get(pk=objects["signed"].pk).status == Assessment.Status.DRAFT  # amendment started
