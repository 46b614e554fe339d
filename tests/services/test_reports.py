"""The PDF reports, read back with pypdf: what a clinician and a patient would see on paper."""

from __future__ import annotations

import datetime
import hashlib
import http.server
import io
import re
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from evaluation import selectors
from evaluation.audit import Actor
from evaluation.decisions import Decisions
from evaluation.models import AuditEvent
from evaluation.reports import pdf
from evaluation.services import assessments as assessment_services
from evaluation.services import patients as patient_services
from evaluation.views import reports as report_views
from tests.factories import case_answers, sign

# Markup, file and network references, dropped into every free-text field.
PAYLOAD = ('<b>bold</b><img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
           '<style>@import url(file:///etc/hosts);</style> url(http://example.invalid/a.png)')


def pages_of(data: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, so wrapped lines still match phrases."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def text_of(data: bytes) -> str:
    return " ".join(pages_of(data))


def get_pdf(client: Any, assessment: Any, name: str = "assessment_pdf") -> Any:
    response = client.get(reverse(f"evaluation:{name}", args=[assessment.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response


def long_answers(version: Any) -> dict[str, Any]:
    answers = case_answers(version, "Worked example 4")
    answers["exam_notes"] = ("Fasciculations at rest over the right first dorsal interosseous and forearm "
                             "extensors, persisting after warming the hand. Guttering between the metacarpals. ") * 12
    answers["med_other"] = "Salbutamol inhaler as needed; sertraline 50 mg daily. " * 6
    return answers


def save(assessment: Any, user: Any, answers: dict[str, Any]) -> Any:
    return assessment_services.assessment_save(assessment=assessment, answers=answers,
                                    expected_revision=assessment.revision, actor=Actor(user))


# ---------------------------------------------------------------- the clinician summary


def test_it_prints_identifiers_and_page_x_of_y_on_every_page(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, long_answers(version))

    pages = pages_of(get_pdf(clinician_client, assessment).content)

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "MRN MRN-1001" in page
        assert "MUÑOZ, Lucía" in page
        assert "Born 1 Apr 1980" in page
        assert "Neurology Outpatient Clinic" in page


def test_it_puts_red_flags_and_referral_first_then_every_ordered_test(clinician_client, assessment, clinician,
                                                                      version):
    sign(assessment, clinician, case_answers(version, "Worked example 4"))

    text = text_of(get_pdf(clinician_client, assessment).content)

    for flag in ("Muscle weakness", "Change in muscle size (wasting)", "Symptoms progressively worsening",
                 "Weakness on examination (MRC grade below 5)", "Muscle wasting seen on examination"):
        assert flag in text
    for test in ("Electrolytes: sodium, potassium, calcium, magnesium", "Kidney function: creatinine, eGFR, urea",
                 "Thyroid function: TSH, free T4", "Liver function: ALT, AST, ALP, bilirubin, albumin",
                 "Electromyography (EMG)", "Nerve conduction studies (NCV)"):
        assert test in text
    assert text.count("Ordered") == 6
    assert "Neurology referral Urgent — referred" in text
    assert text.index("Red flags") < text.index("Referral") < text.index("Suggested workup")
    assert text.index("Suggested workup") < text.index("History and examination")
    assert "No tests suggested" not in text


def test_it_prints_declined_tests_with_their_reason_and_added_tests(clinician_client, assessment, clinician,
                                                                    version):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 3"))
    decisions = {"suggested": {"test:electrolytes": {"decision": "ordered"},
                               "test:kidney_panel": {"decision": "declined", "reason": "Done by the GP last week"}},
                 "added": [{"title": "Creatine kinase", "reason": "Cramps with muscle ache"}]}
    assessment_services.assessment_sign(assessment=assessment, actor=Actor(clinician), expected_revision=assessment.revision,
                                 decisions=Decisions.from_json(decisions))

    text = text_of(get_pdf(clinician_client, assessment).content)

    assert "Declined: Done by the GP last week" in text
    assert "Creatine kinase" in text
    assert "Cramps with muscle ache Added by the clinician" in text


def test_it_says_so_when_no_test_fires(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 1"))

    text = text_of(get_pdf(clinician_client, assessment).content)

    assert "No tests suggested from the answers given" in text
    assert "Pattern consistent with benign fasciculation syndrome" in text
    assert "Reduce caffeine" in text


def test_it_prints_unanswered_items_as_not_recorded_and_leaves_hidden_ones_out(clinician_client, assessment,
                                                                              clinician):
    save(assessment, clinician, {"fasciculations": False, "cramps": True, "symptom_weeks": 3})

    text = text_of(get_pdf(clinician_client, assessment).content)

    # Each section's unanswered questions on one line, in template order.
    assert "Not recorded: Where the cramps occur, How often" in text
    assert "Not recorded: Stress or anxiety, Fatigue or poor sleep" in text
    assert "Not recorded: Muscle weakness, Loss of sensation or numbness" in text
    assert not re.search(r"Stress or anxiety no\b", text)
    assert "Denied: Fasciculations" in text
    assert "Where the twitches occur" not in text  # hidden: shown only when fasciculations is yes
    assert "MRC sum score: not complete" in text


def test_it_prints_the_mrc_grid_with_the_sum_score(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 4"))

    text = text_of(get_pdf(clinician_client, assessment).content)

    assert "Movement Left Right" in text
    assert "Wrist extension 5 4" in text
    assert "MRC sum score: 59/60" in text


def test_it_marks_drafts_with_a_watermark_on_every_page_and_signed_reports_not_at_all(
        clinician_client, assessment, clinician, version):
    save(assessment, clinician, long_answers(version))
    draft_pages = pages_of(get_pdf(clinician_client, assessment).content)
    assessment.refresh_from_db()
    sign(assessment, clinician)
    signed_text = text_of(get_pdf(clinician_client, assessment).content)

    assert len(draft_pages) >= 2
    assert all("DRAFT" in page for page in draft_pages)
    assert "Not signed" in draft_pages[-1] or "Not signed" in " ".join(draft_pages)
    assert "DRAFT" not in signed_text


def test_it_prints_the_signature_block(clinician_client, assessment, clinician, version):
    signature = sign(assessment, clinician, case_answers(version, "Worked example 2"))

    text = text_of(get_pdf(clinician_client, assessment).content)

    assert "Signed by Drwho Tester" in text
    assert "Meaning Signed as author" in text
    assert f"Signed at {signature.signed_at.astimezone(datetime.UTC):%-d %b %Y}" in text
    assert "fasciculation-cramp@1 — Fasciculations and cramps: initial assessment" in text
    assert f"SHA-256 {signature.content_hash}" in text


def test_it_serves_the_stored_report_byte_for_byte(clinician_client, assessment, clinician, version, monkeypatch):
    signature = sign(assessment, clinician, case_answers(version, "Worked example 2"))
    signature.refresh_from_db()

    def must_not_render(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a signed report must not be rendered again")

    monkeypatch.setattr(report_views, "render_summary_pdf", must_not_render)
    monkeypatch.setattr(pdf, "html_to_pdf", must_not_render)  # nor through the stored-report service
    first = get_pdf(clinician_client, assessment)
    second = get_pdf(clinician_client, assessment)

    assert first.content == second.content == bytes(signature.pdf)
    assert hashlib.sha256(first.content).hexdigest() == signature.pdf_hash
    assert f"SHA-256 {signature.content_hash}" in text_of(first.content)
    created = assessment.created_at.date().isoformat()
    assert first["Content-Disposition"] == f'inline; filename="MRN-1001-{created}.pdf"'
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ASSESSMENT_PRINT).count() == 2


def test_it_renders_drafts_on_demand_from_the_saved_answers(clinician_client, assessment, clinician):
    assessment = save(assessment, clinician, {"fasciculations": True, "cramps": False, "symptom_weeks": 2})
    before = text_of(get_pdf(clinician_client, assessment).content)
    save(assessment, clinician, {"fasciculations": True, "cramps": False, "symptom_weeks": 2, "rf_weakness": True})
    after = text_of(get_pdf(clinician_client, assessment).content)

    assert "No red flags from the answers given" in before
    assert "Muscle weakness" in after.split("Referral")[0]


def test_it_prints_the_amendment_history_on_amended_records(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 3"))
    amending = assessment_services.assessment_amend(assessment=assessment, reason="Cramp frequency recorded late",
                                         actor=Actor(clinician))
    amending_text = text_of(get_pdf(clinician_client, amending).content)
    sign(amending, clinician, {**amending.answers, "cramp_frequency": "weekly"})

    text = text_of(get_pdf(clinician_client, assessment).content)

    assert "DRAFT" in amending_text
    assert "amendment in progress, not signed Cramp frequency recorded late" in amending_text
    assert "Amendment history" in text
    assert "Original" in text
    assert "Cramp frequency recorded late" in text
    assert "Revision 2" in text


def test_it_compares_a_follow_up_with_the_previous_visit(clinician_client, version, patient, clinician):
    example = case_answers(version, "Worked example 4")
    first = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    sign(first, clinician, {**example, "mrc_wrist_extension_right": 5, "rf_progressive": False})
    follow_up = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    save(follow_up, clinician, example)

    text = text_of(get_pdf(clinician_client, follow_up).content)

    assert "Compared with the visit of" in text
    assert "Strength is worse than at the previous visit" in text
    assert "MRC sum score: 60 → 59 (-1)" in text


def test_it_lists_the_source_passages(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 2"))

    text = text_of(get_pdf(clinician_client, assessment).content)

    assert "Sources" in text
    assert "Exercise-associated muscle cramps are common" in text
    assert "What can cause fasciculations and cramps?" in text


def test_it_sets_title_and_author_and_embeds_the_bundled_fonts(clinician_client, assessment, clinician, version,
                                                              fetch_log, monkeypatch):
    monkeypatch.delattr(pdf._local, "renderer", raising=False)  # parse the stylesheet afresh, in this test
    sign(assessment, clinician, case_answers(version, "Worked example 1"))

    reader = PdfReader(io.BytesIO(get_pdf(clinician_client, assessment).content))

    assert reader.metadata.title.startswith("Fasciculations and cramps: initial assessment: MUÑOZ, Lucía (MRN-1001)")
    assert reader.metadata.author.startswith("Drwho Tester")
    # Fonts registered by our @font-face rules carry its family name; a system font would not.
    fonts = {str(font["/BaseFont"]).split("+")[-1] for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts == {"Report-Sans", "Report-Sans-Bold"}
    static = pdf.STATIC_DIR.resolve().as_uri()
    assert {f"{static}/css/pdf.css", f"{static}/fonts/DejaVuSans.ttf", f"{static}/fonts/DejaVuSans-Bold.ttf"} <= set(
        fetch_log)


def test_it_is_for_clinicians_only(client, template_admin, assessment):
    client.force_login(template_admin)

    for name in ("assessment_pdf", "assessment_handout"):
        assert client.get(reverse(f"evaluation:{name}", args=[assessment.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action__in=["assessment_print", "handout_print"]).exists()


# ---------------------------------------------------------------- the patient handout


SAFETY_NET = ("Muscle weakness", "Loss of sensation", "Changes in muscle size", "Symptoms that progressively worsen",
              "Persistent pain that interferes with your daily activities")


def test_it_prints_a_one_page_handout_with_the_advice_that_fired(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 1"))

    response = get_pdf(clinician_client, assessment, "assessment_handout")
    pages = pages_of(response.content)

    assert len(pages) == 1
    assert "About your twitches and cramps" in pages[0]
    assert "Cut down on caffeine" in pages[0]
    assert "Most twitches and cramps are harmless" in pages[0]
    assert "Stress, worry, tiredness and poor sleep" in pages[0]
    assert "stretching" not in pages[0]  # no cramps, so no cramp advice
    for symptom in SAFETY_NET:
        assert symptom in pages[0]
    assert "handout.pdf" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.HANDOUT_PRINT).count() == 1


def test_it_keeps_the_handout_to_one_page_when_much_applies(clinician_client, assessment, clinician, version):
    answers = {**long_answers(version), "cramps": True, "cramp_frequency": "daily", "trigger_caffeine": True,
               "trigger_stress": True, "dehydration": True, "med_statin": True}
    sign(assessment, clinician, answers)

    pages = pages_of(get_pdf(clinician_client, assessment, "assessment_handout").content)

    assert len(pages) == 1
    assert "appointment with a neurology specialist" in pages[0]
    assert "an EMG" in pages[0]
    assert "harmless, and nothing in today's check-up" not in pages[0]  # red flags: no reassurance
    # The referral comes first and says it is urgent; what the patient already has is named, not
    # listed again as something to come back for.
    assert pages[0].index("appointment with a neurology specialist") < pages[0].index("blood tests")
    assert "marked this as urgent" in pages[0]
    assert "muscle weakness, changes in muscle size, symptoms that progressively worsen" in pages[0]
    assert "Loss of sensation: numbness" in pages[0]
    assert "Persistent pain that interferes" in pages[0]
    for already_present in ("Muscle weakness: for example", "Changes in muscle size: a muscle",
                            "Symptoms that progressively worsen: twitches"):
        assert already_present not in pages[0]


def test_it_promises_no_test_on_a_draft_handout_before_the_decisions(clinician_client, assessment, clinician,
                                                                     version):
    save(assessment, clinician, case_answers(version, "Worked example 4"))

    text = text_of(get_pdf(clinician_client, assessment, "assessment_handout").content)

    assert "Your doctor will talk with you about any tests or appointments" in text
    assert "Your doctor has arranged" not in text
    assert "an EMG" not in text


# ---------------------------------------------------------------- safety


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listening_server() -> Iterator[str]:
    """A local HTTP server that counts requests (and would redirect to a local file)."""
    _CountingHandler.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetch_log(monkeypatch) -> list[str]:
    """Every URL WeasyPrint asks the fetcher for; any use of urllib's opener fails the test."""
    seen: list[str] = []
    original = pdf.StaticOnlyURLFetcher.fetch

    def spy(self: pdf.StaticOnlyURLFetcher, url: str, headers: Any = None) -> Any:
        seen.append(url)
        return original(self, url, headers)

    def no_urllib(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("urllib must never be used to fetch report resources")

    monkeypatch.setattr(pdf.StaticOnlyURLFetcher, "fetch", spy)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_urllib)
    return seen


def test_it_neither_fetches_nor_renders_markup_from_free_text(clinician_client, version, clinician, fetch_log,
                                                              listening_server):
    payload = PAYLOAD.replace("http://127.0.0.1:9", listening_server)
    patient = patient_services.patient_create(actor=Actor(clinician), mrn="MRN-2002", family_name="<i>Evil</i>",
                                      given_name=f'<img src="{listening_server}/p.png">',
                                      date_of_birth=datetime.date(1970, 1, 1), sex="other")
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    answers = {**case_answers(version, "Worked example 3"), "med_other": payload, "exam_notes": payload}
    assessment = save(assessment, clinician, answers)
    assessment_services.assessment_sign(assessment=assessment, actor=Actor(clinician), expected_revision=assessment.revision,
                                 decisions=Decisions.from_json({"suggested": {"test:electrolytes": {"decision": "ordered"},
                                                          "test:kidney_panel": {"decision": "declined",
                                                                                "reason": payload}},
                                            "added": [{"title": payload, "reason": payload}]}))
    amending = assessment_services.assessment_amend(assessment=assessment, reason=payload, actor=Actor(clinician))

    draft = get_pdf(clinician_client, amending).content
    handout = get_pdf(clinician_client, amending, "assessment_handout").content
    stored = get_pdf(clinician_client, selectors.latest_signed_assessment(patient) or amending).content

    text = text_of(draft)
    assert text.count("<b>bold</b><img src=") >= 5  # med_other, exam_notes, decline reason, added title and reason
    assert "amendment in progress, not signed <b>bold</b>" in text
    assert "<I>EVIL</I>" in text  # the family name, printed (upper case) rather than italicised
    assert f'<img src="{listening_server}/p.png">' in text_of(handout)
    assert "root:" not in text
    for data in (draft, handout, stored):
        assert b"/Image" not in data
        assert not PdfReader(io.BytesIO(data)).attachments
    assert _CountingHandler.hits == []
    static = pdf.STATIC_DIR.resolve().as_uri()
    assert all(url.startswith(static) for url in fetch_log)


def test_it_refuses_every_resource_a_document_names_outside_the_static_files(fetch_log, listening_server):
    html = f"""<html><head>
      <link rel="stylesheet" href="{listening_server}/a.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url({listening_server}/b.css); @import url("file:///etc/hosts");
             body {{ background: url({listening_server}/c.png); }}
             @font-face {{ font-family: X; src: url({listening_server}/f.ttf); }}</style>
      </head><body>
      <img src="file:///etc/passwd"><img src="{listening_server}/redirect.png">
      <a rel="attachment" href="{listening_server}/d.txt">attachment</a>
      <object data="file:///etc/passwd"></object>
      <p>hello</p></body></html>"""

    data = pdf.html_to_pdf(html)

    assert "hello" in text_of(data)
    assert _CountingHandler.hits == []
    assert b"root:" not in data
    assert not PdfReader(io.BytesIO(data)).attachments
    assert b"/Image" not in data
    assert fetch_log  # they were asked for, and refused
    assert not any(url.startswith(pdf.STATIC_DIR.resolve().as_uri()) for url in fetch_log)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1/x.css",
    "https://example.com/a.css",
    "ftp://example.com/a.ttf",
    "data:text/css,body{{}}",
    "fonts/DejaVuSans.ttf",
    "{static}/../config/settings.py",
    "{static}/fonts/..%2F..%2Fmanage.py",
    "{static}/js/app.js",
    "{static}/fonts/DejaVu.LICENSE",
    "{static}/fonts/missing.ttf",
    "file://evil.example{static_path}/fonts/DejaVuSans.ttf",
])
def test_it_refuses_urls_outside_the_static_files(url):
    static = pdf.STATIC_DIR.resolve()
    url = url.format(static=static.as_uri(), static_path=static.as_posix())

    with pytest.raises(pdf.FetchRefused):
        pdf.StaticOnlyURLFetcher().fetch(url)


def test_it_serves_the_bundled_fonts_and_stylesheet():
    fetcher = pdf.StaticOnlyURLFetcher()
    static = pdf.STATIC_DIR.resolve().as_uri()

    font = fetcher.fetch(f"{static}/fonts/DejaVuSans-Bold.ttf")
    css = fetcher.fetch(f"{static}/css/pdf.css?v=1#top")

    assert font.read(4) == b"\x00\x01\x00\x00" and font.content_type == "font/ttf"
    assert b"@font-face" in css.read() and css.content_type == "text/css"


def test_it_refuses_a_symlink_that_leads_out_of_the_static_files(tmp_path):
    root, outside = tmp_path / "static", tmp_path / "secret.css"
    root.mkdir()
    outside.write_text("body { color: red }")
    (root / "innocent.css").symlink_to(outside)

    with pytest.raises(pdf.FetchRefused):
        pdf.StaticOnlyURLFetcher(root=root).fetch((root / "innocent.css").as_uri())


def test_it_keeps_the_filename_to_safe_characters(clinician, version, clinician_client):
    patient = patient_services.patient_create(actor=Actor(clinician), mrn='A"1;\\x', family_name="X", given_name="Y",
                                      date_of_birth=datetime.date(1970, 1, 1), sex="other")
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))

    response = get_pdf(clinician_client, assessment)

    assert response["Content-Disposition"] == (
        f'inline; filename="A_1_x-{assessment.created_at:%Y-%m-%d}.pdf"')
