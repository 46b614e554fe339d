"""WCAG 2.1 AA on every main page, checked by axe-core in a real browser.

axe-core is vendored as one file: tests/browser/vendor/axe.min.js is the
axe-core npm package, version 4.14.1 (Mozilla Public License 2.0, see
tests/browser/vendor/axe-core.LICENSE). To update it, take ``package/axe.min.js``
and ``package/LICENSE`` from ``npm pack axe-core@<version>`` and change
AXE_VERSION below.

The pages' Content Security Policy forbids inline script, so axe cannot be added
with ``page.add_script_tag`` (Playwright adds the file's text as an inline
script, which the policy blocks). ``page.evaluate`` runs it in the page through
the DevTools protocol, which the policy does not govern; the pages themselves are
served, and checked, with their policy in force.

Each test visits one role's pages in turn and fails once, at the end, listing every
violation on every page: the rule, its impact, what it asks for, and where.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from evaluation.audit import Actor
from evaluation.models import Section, TemplateVersion
from evaluation.selectors import newest_published_version
from evaluation.services import assessments as assessment_services
from tests.browser.conftest import DEMO_PASSWORD, Page, expect
from tests.factories import case_answers, make_assessment, make_patient, save, sign

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    summary: ((v.nodes[0] && v.nodes[0].failureSummary) || '').replace(/\\s+/g, ' ').trim(),
  }));
}"""


class Audit:
    """The violations axe finds on each page visited, reported together at the end."""

    def __init__(self, page: Page):
        self.page = page
        self.found: dict[str, tuple[str, list[dict[str, Any]]]] = {}

    def check(self, name: str) -> None:
        """Run axe on what the page shows now; ``name`` says which page in the report."""
        self.page.wait_for_load_state("networkidle")
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.evaluate(AXE_SOURCE)
        assert self.page.evaluate("window.axe.version") == AXE_VERSION
        violations = self.page.evaluate(RUN_AXE, WCAG_21_AA)
        if violations:
            self.found[name] = (self.page.url, violations)

    def report(self) -> str:
        lines = []
        for name, (url, violations) in self.found.items():
            lines.append(f"{name} ({url}):")
            for v in violations:
                lines.append(f"  {v['id']} [{v['impact']}] {v['help']}: {v['count']} element(s), "
                             f"first {'; '.join(v['targets'])}")
                if v["summary"]:
                    lines.append(f"      {v['summary'][:400]}")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        if self.found:
            pytest.fail("WCAG 2.1 AA violations found by axe-core:\n" + self.report(), pytrace=False)


def _sign_in_as(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _clinic_records() -> dict[str, Any]:
    """A few patients; a draft with some answers; a complete draft; a signed assessment with an amendment."""
    clinician = get_user_model().objects.get(username="clinician")
    version = newest_published_version()
    complete = case_answers(version, "Worked example 4")
    patients = [make_patient(clinician, mrn=f"A11Y-{n}", family_name=family, given_name=given,
                             date_of_birth=datetime.date(1950 + 9 * n, 1 + n, 10 + n))
                for n, (family, given) in enumerate([("Bennett", "Alice"), ("Okafor", "Daniel"),
                                                     ("Müller", "Jürgen"), ("Silva", "María José")])]
    partial = make_assessment(patients[0], version, clinician, {"fasciculations": True, "cramps": False})
    ready = make_assessment(patients[1], version, clinician, complete)
    signed = make_assessment(patients[2], version, clinician)
    sign(signed, clinician, {**complete, "symptom_weeks": 6})
    signed.refresh_from_db()
    amended = assessment_services.assessment_amend(assessment=signed, reason="Duration corrected after the visit",
                                                   actor=Actor(clinician))
    sign(save(amended, clinician, {**complete, "symptom_weeks": 14}), clinician)
    return {"patient": patients[2], "partial": partial, "ready": ready, "signed": signed}


def _focus_outline(page: Page) -> dict[str, str]:
    return page.evaluate("""() => {
      const s = getComputedStyle(document.activeElement);
      return {text: document.activeElement.textContent.trim(), style: s.outlineStyle, width: s.outlineWidth,
              color: s.outlineColor};
    }""")


def test_the_pages_before_signing_in_meet_wcag_21_aa(page: Page) -> None:
    audit = Audit(page)
    page.goto("/accounts/login/")
    audit.check("sign-in")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("sign-in, wrong password")
    assert page.goto("/no-such-page/").status == 404
    audit.check("404")
    audit.assert_clean()


def test_the_clinician_pages_meet_wcag_21_aa(page: Page) -> None:
    records = _clinic_records()
    signed = records["signed"]
    audit = Audit(page)
    _sign_in_as(page, "clinician")

    page.goto("/patients/")
    expect(page.get_by_role("cell", name="A11Y-3")).to_be_visible()
    audit.check("patient list")
    # Keyboard focus is drawn as a solid outline, in white on the navbar.
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_role("link").first.focus()
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Patients", exact=True)).to_be_focused()
    assert _focus_outline(page) == {"text": "Patients", "style": "solid", "width": "2px",
                                    "color": "rgb(255, 255, 255)"}

    page.goto("/patients/new/")
    audit.check("patient registration")
    page.get_by_label("MRN").fill("A11Y-9")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_text("Please correct the fields marked below.")).to_be_visible()
    audit.check("patient registration, with errors")

    page.goto(f"/patients/{records['patient'].pk}/")
    audit.check("patient detail")
    page.goto(f"/patients/{records['patient'].pk}/access/")
    audit.check("patient access log")

    page.goto(f"/assessments/{records['partial'].pk}/edit/")
    expect(page.get_by_role("heading", name="Suggestions")).to_be_visible()
    audit.check("assessment form, draft")
    page.get_by_label("Weeks since the symptoms began").fill("8 weeks")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Enter a whole number, digits only (for example 8).")).to_be_visible()
    audit.check("assessment form, with an error")

    page.goto(f"/assessments/{records['ready'].pk}/review/")
    audit.check("review and sign")
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.locator("#problems")).to_be_visible()
    audit.check("review and sign, with problems")

    page.goto(f"/assessments/{signed.pk}/")
    expect(page.locator(".signature-line").first).to_be_visible()
    audit.check("signed assessment summary")
    page.goto(f"/assessments/{signed.pk}/revisions/1/")
    expect(page.get_by_text("Viewing signed revision 1")).to_be_visible()
    audit.check("signed revision 1")
    page.goto(f"/assessments/{signed.pk}/amend/")
    audit.check("amendment reason")

    page.goto("/accounts/")
    audit.check("account")
    page.goto("/accounts/password/")
    audit.check("password change")
    page.goto("/accounts/api-tokens/")
    audit.check("API tokens")

    assert page.goto("/patients/00000000-0000-0000-0000-000000000000/").status == 404
    audit.check("404, signed in")

    # A phone: the menu collapses behind a button.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/patients/")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Register patient")).to_be_visible()
    audit.check("patient list on a phone, menu open")

    audit.assert_clean()
    assert page.console.problems == [], "\n".join(page.console.problems)


def test_the_template_admin_pages_meet_wcag_21_aa(page: Page) -> None:
    _clinic_records()  # something in the audit trail
    audit = Audit(page)
    _sign_in_as(page, "templateadmin")

    page.goto("/audit/")
    expect(page.get_by_role("heading", name=re.compile("Audit"))).to_be_visible()
    audit.check("audit trail")

    page.goto("/authoring/")
    audit.check("authoring, template list")
    page.get_by_role("button", name=re.compile("^New draft from this version")).first.click()
    expect(page.get_by_text(re.compile("Draft .* created from"))).to_be_visible()
    audit.check("authoring, draft workspace")
    draft = TemplateVersion.objects.get(pk=int(re.search(r"/versions/(\d+)/", page.url)[1]))
    section = Section.objects.filter(version=draft).order_by("pk").first()
    for name, path in [("section", f"sections/{section.pk}/"), ("rules", "rules/"), ("new rule", "rules/new/"),
                       ("test cases", "cases/"), ("preview", "preview/"), ("review and publish", "publish/"),
                       ("translations", "translations/es/"), ("translations, only missing", "translations/es/?missing=1")]:
        page.goto(f"/authoring/versions/{draft.pk}/{path}")
        audit.check(f"authoring, {name}")
    _check_the_translations_editor(page, audit, draft)

    audit.assert_clean()
    assert page.console.problems == [], "\n".join(page.console.problems)


def _check_the_translations_editor(page: Page, audit: Audit, draft: TemplateVersion) -> None:
    """The editor with an error; the workspace and the editor in Spanish (inputs marked lang="es" on an
    English-worded page, English originals marked lang="en" on a Spanish page); a published version's editor."""
    page.goto(f"/authoring/versions/{draft.pk}/translations/es/")
    title = page.locator(".translation-part").first.get_by_role("textbox").first
    # The field's maxlength stops a browser at 200 characters (a template title's limit); without it, the server
    # refuses the text with a message.
    title.evaluate("field => field.removeAttribute('maxlength')")
    title.fill("x" * 300)
    page.get_by_role("button", name="Save translations").click()
    expect(page.locator("#problems")).to_be_visible()
    audit.check("authoring, translations with an error")

    page.goto("/accounts/")
    page.get_by_label("Language of my pages").select_option("es")
    page.get_by_role("button", name="Save language").click()
    expect(page.get_by_text("Sus páginas se muestran ahora en español.")).to_be_visible()
    page.goto(f"/authoring/versions/{draft.pk}/")
    expect(page.get_by_role("heading", name="Traducciones")).to_be_visible()
    audit.check("authoring, draft workspace in Spanish")
    page.goto(f"/authoring/versions/{draft.pk}/translations/es/")
    audit.check("authoring, translations in Spanish")
    published = draft.cloned_from
    page.goto(f"/authoring/versions/{published.pk}/translations/es/")
    expect(page.locator("fieldset.translations-fields").get_by_role("textbox").first).to_be_disabled()
    audit.check("authoring, translations of a published version, in Spanish")
