"""The pages' fast paths (issue 11, second round) write exactly what the templates wrote before.

The page chrome is rendered once per language and role and filled per request; the patient list's
rows, the start page's short lists and status badges are written without a template loop. Each is
held here to the markup the templates made (the old markup kept below as the reference), for both
languages, several roles and awkward names; and the cached chrome is seen to follow a change of
role or language.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.middleware.csrf import _unmask_cipher_token, rotate_token
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from evaluation import register, selectors
from evaluation.permissions import TEMPLATE_ADMINS
from evaluation.views import fragments
from evaluation.views.patients import open_draft_lines, patient_rows, seen_today_lines
from tests.factories import case_answers, make_assessment, make_patient, sign

pytestmark = pytest.mark.django_db

# The chrome as base.html wrote it before issue 11's second round (the reference the fast path must match).
OLD_CHROME = """{% load static i18n %}{% get_current_language as LANGUAGE_CODE %}<link rel="stylesheet" href="{% static 'vendor/bootstrap.min.css' %}">
  <link rel="stylesheet" href="{% static 'css/app.css' %}">
  <script src="{% static 'vendor/htmx.min.js' %}" defer></script>
  {# The language in the address: a browser must not reuse one language's catalogue for another. #}
  <script src="{% url 'javascript-catalog' %}?language={{ LANGUAGE_CODE }}" defer></script>
  <script src="{% static 'js/app.js' %}" defer></script>
  <script src="{% static 'js/session.js' %}" defer></script>
  <script src="{% static 'js/autosave.js' %}" defer></script>|<body{% if user.is_authenticated %} data-session-seconds-left="{{ request.session_seconds_left|default_if_none:'' }}" data-session-status-url="{% url 'evaluation:session_status' %}" data-session-keepalive-url="{% url 'evaluation:session_keepalive' %}" data-login-url="{% url 'login' %}"{% endif %}>
<a class="visually-hidden-focusable skip-link" href="#main">{% translate "Skip to content" %}</a>
<nav class="navbar navbar-expand-lg navbar-dark bg-primary" aria-label="{% translate "Main" %}">
  <div class="container-fluid">
    <a class="navbar-brand" href="{% url 'evaluation:home' %}">{{ CLINIC_NAME }}</a>
    {% if user.is_authenticated %}
    <button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#nav" aria-controls="nav" aria-expanded="false" aria-label="{% translate "Menu" %}">
      <span class="navbar-toggler-icon"></span>
    </button>
    <div class="collapse navbar-collapse" id="nav">
      <ul class="navbar-nav me-auto">
        {% if user_is_clinician %}
        <li class="nav-item"><a class="nav-link" href="{% url 'evaluation:patient_list' %}">{% translate "Patients" %}</a></li>
        <li class="nav-item"><a class="nav-link" href="{% url 'evaluation:patient_create' %}">{% translate "Register patient" %}</a></li>
        {% endif %}
        {% if user_is_template_admin %}
        <li class="nav-item"><a class="nav-link" href="{% url 'evaluation:authoring:index' %}">{% translate "Templates" %}</a></li>
        {% endif %}
        {% if perms.evaluation.view_auditevent %}
        <li class="nav-item"><a class="nav-link" href="{% url 'evaluation:audit_list' %}">{% translate "Audit" %}</a></li>
        {% endif %}
        {% if user.is_superuser %}
        <li class="nav-item"><a class="nav-link" href="{% url 'admin:auth_user_changelist' %}">{% translate "Users" %}</a></li>
        {% endif %}
        {% if perms.interop.export_data %}
        <li class="nav-item"><a class="nav-link" href="{% url 'interop:export' %}">{% translate "Data export" %}</a></li>
        {% endif %}
        <li class="nav-item"><a class="nav-link" href="{% url 'interop:tokens' %}">{% translate "API tokens" %}</a></li>
      </ul>
      <span class="navbar-text me-3">{{ user.get_full_name|default:user.get_username }}</span>
      <a class="btn btn-outline-light btn-sm me-2" href="{% url 'accounts:account' %}">{% translate "My account" %}</a>
      <form method="post" action="{% url 'logout' %}" class="d-flex">{% csrf_token %}
        <button class="btn btn-outline-light btn-sm" type="submit">{% translate "Sign out" %}</button>
      </form>
    </div>
    {% endif %}
  </div>
</nav>"""

OLD_ROWS = """{% load i18n %}{% for patient in patients %}
    <tr>
      <td><a href="{{ patient.get_absolute_url }}">{{ patient.display_name }}</a></td>
      <td>{{ patient.mrn }}</td>
      <td>{{ patient.date_of_birth|date:"j M Y" }}</td>
      <td>{{ patient.age }}</td>
      <td>{{ patient.get_sex_display }}</td>
      <td>{% if patient.last_visit %}{{ patient.last_visit|date:"j M Y" }}{% else %}<span class="text-body-secondary">{% translate "none" %}</span>{% endif %}</td>
      <td>{{ patient.assessment_count }}</td>
    </tr>
  {% endfor %}"""

# The start page's two short lists as patient_list.html's loops wrote them, over the ORM's assessments
# (open_drafts_of, seen_today_by) with its filters, tags and an include per line.
OLD_SHORT_LISTS = """{% load i18n %}{% for a in open_drafts %}
      <li class="list-group-item d-flex flex-wrap justify-content-between align-items-center gap-2">
        <span><a href="{% url 'evaluation:assessment_edit' a.pk %}">{{ a.patient.display_name }}</a>
          <span class="text-body-secondary small">{% blocktranslate with mrn=a.patient.mrn started=a.created_at|date:"j M Y" saved=a.updated_at|date:"j M H:i" %}MRN {{ mrn }} · started {{ started }} · saved {{ saved }}{% endblocktranslate %}</span></span>
        {% include "evaluation/_status.html" %}
      </li>
      {% endfor %}|{% for a in seen_today %}
      <li class="list-group-item d-flex flex-wrap justify-content-between align-items-center gap-2">
        <span><a href="{{ a.get_absolute_url }}">{{ a.patient.display_name }}</a>
          <span class="text-body-secondary small">{% translate "MRN" %} {{ a.patient.mrn }} · {{ a.created_at|time:"H:i" }}</span></span>
        {% include "evaluation/_status.html" %}
      </li>
      {% endfor %}"""

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+')


@pytest.fixture(autouse=True)
def fresh_fragments():
    fragments.forget_fragments()
    yield
    fragments.forget_fragments()


def request_for(user: Any, seconds_left: int | None = 754) -> Any:
    request = RequestFactory().get("/patients/")
    request.user = user
    if seconds_left is not None:
        request.session_seconds_left = seconds_left
    return request


def old_chrome(request: Any) -> str:
    """What base.html wrote, through the context processors of a real page render."""
    from django.template import engines

    template = engines["django"].from_string(OLD_CHROME)
    from evaluation.permissions import is_clinician, is_template_admin

    user = request.user
    return template.render({"CLINIC_NAME": "Neurology Outpatient Clinic",
                            "user_is_clinician": user.is_authenticated and is_clinician(user),
                            "user_is_template_admin": user.is_authenticated and is_template_admin(user)}, request)


def new_chrome(request: Any, *, cached: bool = True) -> str:
    head = fragments.render_fragment(fragments.HEAD_TEMPLATE, request, cached=cached)
    top = fragments.render_fragment(fragments.TOP_TEMPLATE, request, cached=cached)
    return f"{head}|{top}"


def same_csrf(html: str) -> str:
    return CSRF_VALUE.sub(r"\1X", html)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("who", ["clinician", "template_admin", "superuser", "anonymous"])
def test_cached_chrome_is_what_base_html_wrote(request: Any, who: str, language: str, settings: Any) -> None:
    settings.CLINIC_NAME = "Neurology Outpatient Clinic"
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    if who == "superuser":
        user.first_name = 'Ana <b>"'  # escaped as the template escaped it
    with translation.override(language):
        for seconds_left in (754, None, 43_200):
            page_request = request_for(user, seconds_left)
            expected = same_csrf(old_chrome(page_request))
            assert same_csrf(new_chrome(page_request, cached=False)) == expected
            assert same_csrf(new_chrome(page_request)) == expected  # first: renders and keeps
            assert same_csrf(new_chrome(page_request)) == expected  # then: from what was kept


def test_each_request_gets_its_own_csrf_token_and_name(clinician: Any, other_clinician: Any) -> None:
    first, second = request_for(clinician), request_for(other_clinician, 12)
    first_top = fragments.render_fragment(fragments.TOP_TEMPLATE, first)
    second_top = fragments.render_fragment(fragments.TOP_TEMPLATE, second)
    assert "Drwho Tester" in first_top and "Drno Tester" in second_top and "Drwho" not in second_top
    assert 'data-session-seconds-left="12"' in second_top
    assert CSRF_VALUE.search(first_top).group(0) != CSRF_VALUE.search(second_top).group(0)


def test_a_page_works_out_the_chromes_request_values_once(client: Any, clinician: Any, monkeypatch: Any) -> None:
    """Head, top and the page's own form share one set of values: one CSRF token masked for the whole
    page, one role check."""
    client.force_login(clinician)
    calls = {"csrf": 0, "roles": 0}
    real_csrf, real_roles = fragments.get_token, fragments.role_flags

    def counted(name: str, real: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            calls[name] += 1
            return real(*args)
        return wrapper

    monkeypatch.setattr(fragments, "get_token", counted("csrf", real_csrf))
    monkeypatch.setattr(fragments, "role_flags", counted("roles", real_roles))
    page = client.get(reverse("evaluation:patient_list")).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == 2 and "data-session-seconds-left" in page
    assert calls == {"csrf": 1, "roles": 1}


def test_the_pages_forms_and_the_chromes_share_one_token_that_is_accepted(clinician: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    page = client.get(reverse("evaluation:patient_list")).content.decode()
    tokens = {match.group(1) for match in re.finditer(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)}
    assert len(tokens) == 1
    token = tokens.pop()
    response = client.post(reverse("evaluation:patient_list"), {"q": "kowal", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and client.session["patient_search"] == "kowal"
    altered = token[:-1] + ("B" if token.endswith("A") else "A")
    assert client.post(reverse("evaluation:patient_list"), {"q": "x", "csrfmiddlewaretoken": altered}
                       ).status_code == 403
    second = client.get(reverse("evaluation:patient_list")).content.decode()
    assert token not in second  # each response its own mask


def test_a_new_csrf_secret_gets_a_new_masked_token(clinician: Any) -> None:
    """Signing in rotates the secret (``rotate_token``); a token masked before then is not written after."""
    page_request = request_for(clinician)
    before = fragments.masked_csrf_token(page_request)
    assert fragments.masked_csrf_token(page_request) == before
    rotate_token(page_request)
    after = fragments.masked_csrf_token(page_request)
    assert after != before
    assert _unmask_cipher_token(after) == page_request.META["CSRF_COOKIE"] != _unmask_cipher_token(before)


def test_cached_chrome_follows_role_and_language(clinician: Any) -> None:
    page_request = request_for(clinician)
    before = fragments.render_fragment(fragments.TOP_TEMPLATE, page_request)
    assert "Templates" not in before
    clinician.groups.add(Group.objects.get(name=TEMPLATE_ADMINS))
    clinician = type(clinician).objects.get(pk=clinician.pk)  # a new request loads the user afresh
    after = fragments.render_fragment(fragments.TOP_TEMPLATE, request_for(clinician))
    assert ">Templates</a>" in after
    with translation.override("es"):
        spanish = fragments.render_fragment(fragments.TOP_TEMPLATE, request_for(clinician))
    assert spanish != after and ">Pacientes</a>" in spanish
    assert same_csrf(fragments.render_fragment(fragments.TOP_TEMPLATE, request_for(clinician))) == same_csrf(after)


@pytest.mark.parametrize("zone", [None, "Pacific/Auckland"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_month_and_time_formats_are_the_date_filters(language: str, zone: str | None) -> None:
    """In the active language and time zone (the clinic's, or one a request activated)."""
    template = Template('{{ d|date:"j M Y" }}|{{ t|date:"j M H:i" }}|{{ t|time:"H:i" }}')
    with translation.override(language), timezone.override(zone or timezone.get_default_timezone()):
        formats = fragments.RowFormats()
        for month in range(1, 13):
            day = datetime.date(1980, month, (month * 3) % 28 + 1)
            moment = timezone.make_aware(datetime.datetime(2026, month, 2, 23, 5, 7))
            moment_utc = moment.astimezone(datetime.UTC)
            expected = template.render(Context({"d": day, "t": moment_utc}))
            ours = f"{formats.day_month_year(day)}|{formats.day_month_time(moment_utc)}|{formats.hour_minute(moment_utc)}"
            assert ours == expected


@pytest.mark.parametrize("language", ["en", "es"])
def test_patient_rows_are_the_template_loop(clinician: Any, version: Any, language: str) -> None:
    make_patient(clinician, mrn="A&B<1>", family_name="O'Brien <script>", given_name='"Zoë"',
                 date_of_birth=datetime.date(1944, 2, 29), sex="unknown")
    seen = make_patient(clinician, mrn="MRN-7", family_name="Núñez", given_name="Ana",
                        date_of_birth=datetime.date(2001, 12, 31), sex="female")
    make_assessment(seen, version, clinician)
    make_patient(clinician, mrn="MRN-8", family_name="Smith", given_name="Jo",
                 date_of_birth=datetime.date(1970, 5, 5), sex="other")
    legacy = make_patient(clinician, mrn="MRN-9", family_name="Ng", given_name="Li",
                          date_of_birth=datetime.date(1980, 1, 1), sex="female")
    type(legacy).objects.filter(pk=legacy.pk).update(sex="<legacy>")  # a stored value outside the choices
    patients = register.with_visits(register.patient_search(""))
    assert any(p.last_visit for p in patients) and any(not p.last_visit for p in patients)
    rows, size, _ = register.register_page(0, 25)  # the unfiltered list's own plain rows
    assert [row.pk for row in rows] == [p.pk for p in patients] and size == 4
    with translation.override(language):
        expected = Template(OLD_ROWS).render(Context({"patients": patients}))
        assert str(patient_rows(patients)) == expected
        assert str(patient_rows(rows)) == expected
    assert "&lt;legacy&gt;" in expected


@pytest.mark.parametrize("zone", [None, "Pacific/Auckland"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_short_lists_are_what_the_template_loops_wrote(clinician: Any, version: Any, language: str,
                                                       zone: str | None) -> None:
    for number, family in enumerate(["Lee <i>", "O'Hara & Sons", "Ñúñez"]):
        patient = make_patient(clinician, mrn=f"MRN-<{number}>", family_name=family, given_name="Al \"Q\"",
                               date_of_birth=datetime.date(1950, 1, 1), sex="male")
        assessment = make_assessment(patient, version, clinician)
        if number == 0:
            sign(assessment, clinician, case_answers(version, "Worked example 2"))
            signed_patient = patient
    amending = make_assessment(signed_patient, version, clinician)
    type(amending).objects.filter(pk=amending.pk).update(amendment_reason="typo")
    drafts, today = selectors.open_drafts_and_seen_today(clinician)
    orm_drafts, orm_today = selectors.open_drafts_of(clinician), selectors.seen_today_by(clinician)
    assert [a.pk for a in drafts] == [a.pk for a in orm_drafts] and len(drafts) == 3
    assert [a.pk for a in today] == [a.pk for a in orm_today] and len(today) == 4
    assert {a.status for a in today} == {"draft", "final"}
    with translation.override(language), timezone.override(zone or timezone.get_default_timezone()):
        new = f"{open_draft_lines(drafts)}|{seen_today_lines(today)}"
        expected = Template(OLD_SHORT_LISTS).render(Context({"open_drafts": orm_drafts, "seen_today": orm_today}))
    assert new == expected
    assert "LEE &lt;I&gt;" in new and "MRN-&lt;0&gt;" in new and "O&#x27;HARA &amp; SONS" in new
    assert ("Amendment in progress" if language == "en" else "Enmienda en curso") in new


def test_short_list_lines_read_back_as_the_orm_reads_them(clinician: Any, version: Any) -> None:
    """Plain values, typed as the ORM types them on either database (SQLite returns ids and times as text)."""
    patient = make_patient(clinician, mrn="MRN-1", family_name="Lee", given_name="Al",
                           date_of_birth=datetime.date(1950, 1, 1), sex="male")
    stored = make_assessment(patient, version, clinician)
    stored.refresh_from_db()
    (draft,), (today,) = selectors.open_drafts_and_seen_today(clinician)
    assert draft[:-1] == today[:-1] and (draft.listed, today.listed) == ("draft", "today")
    assert (draft.pk, draft.status, draft.amendment_reason, draft.created_at, draft.updated_at) == (
        stored.pk, stored.status, stored.amendment_reason, stored.created_at, stored.updated_at)
    assert isinstance(draft.pk, uuid.UUID) and draft.created_at.tzinfo is not None
    assert (draft.mrn, draft.display_name) == ("MRN-1", patient.display_name)


def test_start_page_lists_in_one_query(clinician: Any, version: Any, django_assert_num_queries: Any) -> None:
    for number in range(3):
        patient = make_patient(clinician, mrn=f"MRN-{number}", family_name=f"P{number}", given_name="X",
                               date_of_birth=datetime.date(1960, 1, 1), sex="male")
        make_assessment(patient, version, clinician)
    with django_assert_num_queries(1):
        drafts, today = selectors.open_drafts_and_seen_today(clinician)
        assert [a.display_name for a in drafts + today]


@pytest.mark.parametrize("language", ["en", "es"])
def test_status_badges_are_the_include(language: str) -> None:
    class Row:
        def __init__(self, status: str, amendment_reason: str):
            self.status, self.amendment_reason = status, amendment_reason

    include = Template('{% include "evaluation/_status.html" %}')
    with translation.override(language):
        for row in (Row("draft", ""), Row("draft", "typo"), Row("final", ""), Row("amended", "x")):
            assert fragments.RowFormats().badge(row) == include.render(Context({"a": row}))


def test_row_urls_are_the_reversed_urls(patient: Any) -> None:
    url = fragments.RowFormats().url
    assert url("evaluation:patient_detail", patient.pk) == reverse("evaluation:patient_detail", args=[patient.pk])
    assert url("evaluation:patient_detail", patient.pk) == patient.get_absolute_url()
    assert url("evaluation:assessment_edit", patient.pk) == reverse("evaluation:assessment_edit", args=[patient.pk])


@pytest.mark.parametrize("language", ["en", "es"])
def test_suggestions_panel_is_what_the_includes_wrote(version: Any, language: str) -> None:
    from django.template.loader import render_to_string

    from evaluation.views.assessments import panel_context

    with translation.override(language):
        evaluation = version.compiled(language).evaluate(case_answers(version, "Worked example 2"))
        context = panel_context(evaluation)
        assert sum(len(group["items"]) for group in context["groups"]) >= 3
        without = {**context, "groups": [{**group, "items": [{k: v for k, v in rec.items() if k != "markup"}
                                                                for rec in group["items"]]}
                                         for group in context["groups"]]}
        expected = render_to_string("evaluation/_suggestions.html", {**without, "oob": True})
        assert render_to_string("evaluation/_suggestions.html", {**context, "oob": True}) == expected
        again = panel_context(evaluation)  # from what was kept
        assert render_to_string("evaluation/_suggestions.html", {**again, "oob": True}) == expected


def test_kept_suggestions_follow_their_wording() -> None:
    rec = {"title": "EMG", "priority": "urgent", "reasons": ["Weakness"], "source": {"section": "S", "quote": "Q"}}
    first = fragments.recommendation_markup("test", rec)
    assert "Weakness" in first and "Urgent" in first
    other = fragments.recommendation_markup("test", {**rec, "reasons": ["Wasting <b>"]})
    assert "Wasting &lt;b&gt;" in other and "Weakness" not in other
    assert fragments.recommendation_markup("referral", rec) != first  # the kind is in the markup's class
    with translation.override("es"):
        assert "Urgente" in fragments.recommendation_markup("test", rec)


def test_kept_chrome_follows_a_changed_setting(clinician: Any, settings: Any) -> None:
    settings.CLINIC_NAME = "First Clinic"
    assert "First Clinic" in fragments.render_fragment(fragments.TOP_TEMPLATE, request_for(clinician))
    settings.CLINIC_NAME = "Second Clinic"
    assert "Second Clinic" in fragments.render_fragment(fragments.TOP_TEMPLATE, request_for(clinician))
