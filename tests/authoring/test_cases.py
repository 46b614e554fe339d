"""The test-case table, the preview that keeps its answers as a case, and a case's expectations."""

from __future__ import annotations

import re

from evaluation.models import TemplateCase

from .conftest import url

BENIGN = "Pattern consistent with benign fasciculation syndrome"


def _answers(**answers):
    return {"revision": "0", **answers}


def test_it_shows_each_case_with_its_result(admin_client_, draft):
    body = admin_client_.get(url("cases", draft.pk)).content.decode()
    assert "All 15 pass" in body
    assert body.count('<span class="badge text-bg-success">Pass</span>') == 15
    assert "Worked example 1: twitching calves, caffeine and stress" in body


def test_it_shows_a_failing_case_with_expected_and_actual_titles(admin_client_, draft):
    case = draft.cases.order_by("order").first()
    case.expect = {**case.expect, "patterns": {"exactly": []}}
    case.save()
    for page in (url("cases", draft.pk), url("workspace", draft.pk)):
        body = admin_client_.get(page).content.decode()
        assert "1 of 15 fail" in body
        assert "exactly none" in body and BENIGN in body
        assert "benign_fasciculation_pattern" not in body


def test_it_previews_the_form_and_its_suggestions_without_saving(admin_client_, draft):
    response = admin_client_.post(url("preview", draft.pk), _answers(fasciculations="yes", rf_weakness="yes"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Neurology referral" in body and "Muscle weakness" in body
    assert draft.cases.count() == 15


def test_it_saves_the_previewed_answers_as_a_test_case_that_passes(admin_client_, draft):
    response = admin_client_.post(url("preview", draft.pk), _answers(
        fasciculations="yes", cramps="no", rf_weakness="yes", **{"save_case": "1", "case-case_name": "Weak twitcher",
                                                                 "case-expect_mode": "exactly"}))
    assert response["Location"] == url("cases", draft.pk)
    case = draft.cases.get(name="Weak twitcher")
    assert case.answers == {"fasciculations": True, "cramps": False, "rf_weakness": True}
    assert case.expect["red_flags"] == {"exactly": ["rf_weakness"]}
    assert case.expect["referrals"] == {"exactly": ["neurology_referral"]}
    assert "All 16 pass" in admin_client_.get(response["Location"]).content.decode()


def test_it_keeps_the_answers_and_names_the_field_when_the_case_name_is_taken(admin_client_, draft):
    taken = draft.cases.first().name
    response = admin_client_.post(url("preview", draft.pk), _answers(
        fasciculations="yes", **{"save_case": "1", "case-case_name": taken, "case-expect_mode": "includes"}))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Test case name</a>: A test case called" in body
    checked = re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([a-z_]+)"[^>]*checked', body)
    assert ("fasciculations", "yes") in checked
    assert draft.cases.count() == 15


def test_it_saves_new_answers_into_the_case_they_came_from(admin_client_, draft):
    case = draft.cases.order_by("order").first()
    page = admin_client_.get(url("preview", draft.pk, case=case.pk)).content.decode()
    assert f"Save these answers to “{case.name}”" in page
    admin_client_.post(url("preview", draft.pk), _answers(case=str(case.pk), update_case="1", cramps="yes"))
    case.refresh_from_db()
    assert case.answers == {"cramps": True}


def test_it_edits_a_cases_expectations_by_rule_title(admin_client_, draft):
    case = draft.cases.order_by("order").first()
    page = admin_client_.get(url("case", draft.pk, case.pk)).content.decode()
    assert f'<label for="id_rule__pattern__benign_fasciculation_pattern">{BENIGN}</label>' in page
    data = {"name": "Renamed example", "mode__patterns": "includes",
            "rule__pattern__benign_fasciculation_pattern": "expect", "mode__advice": "includes",
            "rule__advice__hydration": "exclude", "mode__red_flags": "exactly", "mode__tests": "exactly",
            "mode__referrals": "exactly", "referral_priority": "none"}
    response = admin_client_.post(url("case", draft.pk, case.pk), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.name == "Renamed example"
    assert case.expect == {"red_flags": {"exactly": []}, "tests": {"exactly": []}, "referrals": {"exactly": []},
                           "patterns": {"includes": ["benign_fasciculation_pattern"]},
                           "advice": {"excludes": ["hydration"]}, "referral_priority": "none"}


def test_it_deletes_a_case(admin_client_, draft):
    case = draft.cases.first()
    admin_client_.post(url("case_delete", draft.pk, case.pk))
    assert not TemplateCase.objects.filter(pk=case.pk).exists()


def test_it_previews_a_published_version_without_offering_to_keep_a_case(admin_client_, version):
    body = admin_client_.get(url("preview", version.pk)).content.decode()
    assert "Show suggestions" in body and "Save these answers as a test case" not in body
