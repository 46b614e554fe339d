"""The clinic pages driven in a real browser: Debian's Chromium through Playwright.

These tests prove what server-side tests cannot: that the live suggestions
update without a page reload, that "shown when" questions appear, and that the
pages run under the Content Security Policy (no inline script or style) with no
console error. Chromium is never downloaded: without /usr/bin/chromium the
module is skipped, unless REQUIRE_BROWSER=1 (as in CI), when it fails.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PASSWORD, Page, _fill_patient, _sign_in, expect

pytestmark = pytest.mark.browser

MRC_MOVEMENTS = ["Shoulder abduction", "Elbow flexion", "Wrist extension", "Hip flexion", "Knee extension",
                 "Ankle dorsiflexion"]


def _item(page: Page, code: str) -> Any:
    return page.locator(f'[data-item="{code}"]')


def _answer(page: Page, code: str, choice: str) -> None:
    _item(page, code).get_by_label(choice, exact=True).check()


def _suggestion_group(page: Page, title: str) -> Any:
    return page.locator("#suggestions section").filter(has=page.get_by_role("heading", name=title, exact=True))


def _decide(page: Page, title: str, choice: str) -> None:
    page.get_by_role("group", name=re.compile("^" + re.escape(title))).get_by_label(choice, exact=True).check()


def test_it_takes_an_assessment_from_first_answer_to_signed_amendment(page: Page) -> None:
    _sign_in(page)

    # Register the patient through the form.
    page.get_by_role("main").get_by_role("link", name="Register a patient").click()
    _fill_patient(page, "BR-2024/17", "Ndlovu", "Thandi", "1971-06-30", "Female")
    expect(page.get_by_text("Patient registered.")).to_be_visible()
    expect(page.locator(".patient-banner")).to_contain_text("MRN BR-2024/17")

    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_role("heading", name="Suggestions")).to_be_visible()
    expect(page.get_by_text("No red flags from the answers given.")).to_be_visible()
    # A marker that a full page load would wipe: the suggestions must change without one.
    page.evaluate("window.stillTheSamePage = true")

    # "Shown when" questions appear when their parent is answered yes.
    regions = page.get_by_role("group", name="Where the twitches occur")
    expect(regions).to_be_hidden()
    _answer(page, "fasciculations", "Yes")
    expect(regions).to_be_visible()
    regions.get_by_label("Hands").check()

    # A red flag and the referral it triggers appear live in the panel.
    _answer(page, "rf_weakness", "Yes")
    expect(_suggestion_group(page, "Red flags")).to_contain_text("Muscle weakness")
    expect(_suggestion_group(page, "Referral")).to_contain_text("Neurology referral")

    for code in ("cramps", "rf_sensory_loss", "rf_atrophy", "rf_progressive", "rf_persistent_pain"):
        _answer(page, code, "No")
    page.get_by_label("Weeks since the symptoms began").fill("6")

    # The MRC sum score appears once every movement on both sides is graded.
    mrc_sum = page.locator("#mrc-sum")
    expect(mrc_sum).to_have_text("shown when all movements are graded")
    for movement in MRC_MOVEMENTS:
        for side in ("left", "right"):
            grade = "4" if (movement, side) == ("Wrist extension", "right") else "5"
            page.get_by_label(f"{movement}, {side}", exact=True).select_option(grade)
    expect(mrc_sum).to_have_text("59/60")
    expect(_suggestion_group(page, "Red flags")).to_contain_text("Weakness on examination")
    expect(page.locator("#provisional")).to_have_count(0)  # every required question is answered
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_role("button", name="Save and review decisions").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()

    # Record decisions: order every suggested test and the referral, decline one test.
    decisions = page.locator("fieldset.decision")
    titles = [t.strip() for t in decisions.locator("legend").all_inner_texts()]
    assert any(t.startswith("Neurology referral") for t in titles), titles
    declined = "Nerve conduction studies (NCV)"
    assert any(t.startswith(declined) for t in titles), titles
    page.get_by_role("button", name="Mark all as ordered").click()
    for index in range(decisions.count()):
        expect(decisions.nth(index).get_by_role("radio").first).to_be_checked()
    _decide(page, declined, "Declined")
    page.get_by_role("button", name="Save decisions").click()
    expect(page.locator("#problems")).to_contain_text("Some decisions need correcting; nothing was saved.")
    reason = page.get_by_role("group", name=re.compile("^" + re.escape(declined))).get_by_label("Reason if declined")
    expect(reason).to_have_accessible_description(f"Give a reason for declining “{declined}”.")
    reason.fill("Done last month at the referring hospital")
    page.get_by_role("button", name="Save decisions").click()
    expect(page.get_by_text("Decisions saved.")).to_be_visible()

    # Signing re-authenticates: a wrong password is refused and nothing is signed.
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.locator("#problems")).to_contain_text("Not signed: re-enter your password to sign.")
    expect(page.get_by_text("The password is not correct.")).to_be_visible()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign assessment").click()

    # The read-only summary shows what was signed.
    expect(page.get_by_text("Assessment signed. The record is now read-only.")).to_be_visible()
    expect(page.locator(".signature-line")).to_contain_text("Signed by Casey Clinician")
    expect(page.locator("#summary-red_flag")).to_contain_text("Muscle weakness")
    expect(page.locator("#summary-referral")).to_contain_text("Neurology referral")
    expect(page.locator("#summary-test")).to_contain_text("declined: Done last month at the referring hospital")
    expect(page.get_by_role("link", name="Continue editing")).to_have_count(0)

    # Amend: give the reason, change an answer, sign again.
    page.get_by_role("link", name="Amend").click()
    page.get_by_label("Reason for the amendment").fill("Symptom duration corrected after the visit")
    page.get_by_role("button", name="Start amendment").click()
    expect(page.get_by_text("Amendment in progress. Reason: Symptom duration corrected after the visit")).to_be_visible()
    page.get_by_label("Weeks since the symptoms began").fill("14")
    page.get_by_role("button", name="Save and review decisions").click()
    expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign assessment").click()

    expect(page.get_by_text("Assessment signed. The record is now read-only.")).to_be_visible()
    expect(page.get_by_text("Reason for amendment: Symptom duration corrected after the visit")).to_be_visible()
    revisions = page.get_by_role("heading", name="Revisions").locator("xpath=following-sibling::ol[1]/li")
    expect(revisions).to_have_count(2)
    expect(revisions.nth(0)).to_contain_text("Revision 1 signed by Casey Clinician")
    expect(revisions.nth(1)).to_contain_text("amended: Symptom duration corrected after the visit")
    expect(page.get_by_text("Weeks since the symptoms began")).to_be_visible()

    revisions.nth(0).get_by_role("link", name="Revision 1").click()
    expect(page.get_by_text("Viewing signed revision 1")).to_be_visible()

    assert page.console.problems == [], "\n".join(page.console.problems)


def test_it_runs_the_pages_under_the_content_security_policy_without_console_errors(page: Page) -> None:
    response = page.goto("/accounts/login/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    _sign_in(page)
    page.get_by_role("main").get_by_role("link", name="Register a patient").click()
    # Submitting an empty form shows errors tied to their fields.
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_text("Please correct the fields marked below. Nothing was saved.")).to_be_visible()
    expect(page.get_by_label("Family name")).to_have_accessible_description(re.compile("This field is required"))

    _fill_patient(page, "CSP-1", "Policy", "Content", "1990-01-01", "Male")
    # The keyboard reaches the skip link first; it floats over the page rather than pushing it down.
    expect(page.get_by_text("Patient registered.")).to_be_visible()
    navbar_top = page.get_by_role("navigation").bounding_box()["y"]
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    assert page.get_by_role("navigation").bounding_box()["y"] == navbar_top
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.get_by_role("button", name="Start assessment").click()

    # htmx swaps the panel (and the out-of-band parts) without adding inline styles.
    _answer(page, "cramps", "Yes")
    expect(page.get_by_role("group", name="When they happen")).to_be_visible()
    page.get_by_role("group", name="When they happen").get_by_label("At night").check()
    expect(_suggestion_group(page, "Advice")).not_to_contain_text("None.")
    # A wrong answer is refused with the message tied to its field, and nothing else is lost.
    weeks = page.get_by_label("Weeks since the symptoms began")
    weeks.fill("99999")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Some answers need correcting; nothing was saved.")).to_be_visible()
    expect(weeks).to_have_accessible_description(re.compile("less than or equal to 2600"))
    expect(page.get_by_role("group", name="When they happen").get_by_label("At night")).to_be_checked()
    weeks.press_sequentially("3")  # and typing still updates the panel
    page.wait_for_load_state("networkidle")

    # "Answer the rest No" fills only what is unanswered, and the panel follows.
    causes = page.get_by_role("group", name="Possible triggers and causes (history)")
    causes.get_by_role("group", name="Takes a diuretic").get_by_label("Yes").check()
    causes.get_by_role("button", name="Answer the rest “No”").click()
    expect(causes.get_by_role("group", name="Takes a diuretic").get_by_label("Yes")).to_be_checked()
    expect(causes.get_by_role("group", name="Known liver disease").get_by_label("No", exact=True)).to_be_checked()
    expect(_suggestion_group(page, "Advice")).to_contain_text("Review medicines")

    assert page.console.problems == [], "\n".join(page.console.problems)

    # And the listener does see a violation when there is one.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    page.wait_for_timeout(100)
    assert any("Content Security Policy" in p for p in page.console.problems), page.console.problems
