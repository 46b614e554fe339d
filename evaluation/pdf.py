"""HTML -> PDF with WeasyPrint: the clinician summary and the patient handout.

Two concerns live here besides rendering:

* Safety. WeasyPrint fetches whatever a document points at (stylesheets,
  fonts, images, attachments). Django's autoescaping keeps user text from
  becoming markup, and ``StaticOnlyURLFetcher`` is the second wall: it reads
  nothing but files under the project's ``static/`` directory and never
  touches the network, so even a slip in a template cannot read local files
  or call out.
* Speed. Parsing the stylesheet and loading the bundled fonts costs about as
  much as laying out a short report, so the parsed stylesheet and its font
  configuration are built once per thread and reused.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import summary
from .models import Assessment, Signature

logger = logging.getLogger(__name__)

STATIC_DIR: Path = Path(settings.BASE_DIR) / "static"
STYLESHEET = "css/pdf.css"
# Only what the print stylesheet needs; anything else under static/ (JS, Bootstrap) is refused too.
ALLOWED_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".png": "image/png", ".svg": "image/svg+xml"}


# ---------------------------------------------------------------- the locked URL fetcher


class FetchRefused(ValueError):
    """A URL outside the project's static files; WeasyPrint logs it and renders without it."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serve ``file:`` URLs inside one directory, refuse everything else.

    ``fetch`` never calls urllib, so there is no HTTP, FTP or data: handler and
    no redirect can be followed: a redirect needs a response, and this fetcher
    only ever answers from disk. Paths are resolved (``..`` and symlinks)
    before the containment check, so ``static/../../etc/passwd`` is refused.
    """

    def __init__(self, root: Path = STATIC_DIR, **kwargs: Any) -> None:
        # allowed_protocols and allow_redirects only matter if someone later calls
        # the base class; set them so that path is locked down as well.
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False, **kwargs)
        self.root = root.resolve()

    def resolve(self, url: str) -> Path:
        """The file a URL names, or ``FetchRefused`` saying why not."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise FetchRefused(f"only the project's static files may be loaded, not {parts.scheme or 'relative'} URLs")
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused("file URLs on other hosts are refused")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise FetchRefused("no such static file") from exc
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused("outside the static files")
        if path.suffix.lower() not in ALLOWED_TYPES:
            raise FetchRefused(f"{path.suffix or 'extensionless'} files are not used by reports")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except FetchRefused as refused:
            # Worth a log line: in a report this means someone tried to smuggle a reference in.
            logger.warning("PDF fetch refused: %s (%s)", url[:200], refused)
            raise
        content_type = ALLOWED_TYPES[path.suffix.lower()]  # resolve() admits only these suffixes
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})


# ---------------------------------------------------------------- cached rendering machinery


@dataclass(frozen=True)
class _Renderer:
    fetcher: StaticOnlyURLFetcher
    font_config: FontConfiguration
    stylesheet: CSS
    base_url: str

    def write_pdf(self, html: str) -> bytes:
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        return document.write_pdf(stylesheets=[self.stylesheet], font_config=self.font_config)


_local = threading.local()


def _renderer() -> _Renderer:
    """Fetcher, fonts and parsed stylesheet, built once per thread.

    Per thread because FontConfiguration wraps a Fontconfig/Pango font map
    that is not documented as safe to share between threads.
    """
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        fetcher = StaticOnlyURLFetcher()
        font_config = FontConfiguration()
        # Loaded through the fetcher, like any stylesheet a document could name;
        # its @font-face rules register the bundled DejaVu fonts in font_config.
        stylesheet = CSS(url=(STATIC_DIR / STYLESHEET).as_uri(), url_fetcher=fetcher, font_config=font_config)
        renderer = _Renderer(fetcher, font_config, stylesheet, STATIC_DIR.as_uri() + "/")
        _local.renderer = renderer
    return renderer


def html_to_pdf(html: str) -> bytes:
    return _renderer().write_pdf(html)


# ---------------------------------------------------------------- report content


def _sources(groups: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Number the source passages once each, and give every recommendation its reference numbers."""
    numbers: dict[tuple[str, str], int] = {}
    passages: list[dict[str, str]] = []
    annotated = []
    for group in groups:
        items = []
        for rec in group["items"]:
            source = rec.get("source") or {}
            refs = []
            for passage in [source, *source.get("also", [])]:
                if not passage.get("quote"):
                    continue
                key = (passage.get("section", ""), passage["quote"])
                if key not in numbers:
                    passages.append({"section": key[0], "quote": key[1]})
                    numbers[key] = len(passages)
                refs.append(numbers[key])
            # A red flag's reason is often its own title ("Muscle weakness"); saying it twice is noise.
            reasons = [r for r in rec.get("reasons", []) if r != rec.get("title")]
            items.append({**rec, "reasons": reasons, "refs": refs})
        annotated.append({**group, "items": items})
    return annotated, passages


NO_DECISION = "no decision yet"


def _decision_text(decision: dict[str, Any] | None) -> str:
    if not decision or not decision.get("decision"):
        return NO_DECISION
    if decision["decision"] == "declined":
        reason = str(decision.get("reason", "")).strip()
        return f"declined: {reason}" if reason else "declined"
    return str(decision["decision"])


def _with_decisions(group: dict[str, Any], decisions: dict[str, Any]) -> list[dict[str, Any]]:
    suggested = decisions.get("suggested", {})
    return [{**rec, "decision": _decision_text(suggested.get(f"{group['kind']}:{rec['code']}"))}
            for rec in group["items"]]


def print_context(assessment: Assessment, signature: Signature | None = None) -> dict[str, Any]:
    """Everything the summary page shows, reshaped for print: one source of truth with the screen."""
    context = summary.summary_context(assessment, signature)
    groups, passages = _sources(context["groups"])
    by_kind = {group["kind"]: group for group in groups}
    decisions = context["decisions"] or {}
    signatures = context["signatures"]
    if signature is not None:
        # A stored report shows the history up to the revision it is, not what came later.
        signatures = [s for s in signatures if s.number <= signature.number]
    context.update({
        "CLINIC_NAME": settings.CLINIC_NAME,
        "is_draft": signature is None,
        "red_flags": by_kind["red_flag"]["items"],
        "referrals": _with_decisions(by_kind["referral"], decisions),
        "tests": _with_decisions(by_kind["test"], decisions),
        "added_tests": decisions.get("added", []),
        "patterns": by_kind["pattern"]["items"],
        "advice": by_kind["advice"]["items"],
        "passages": passages,
        "history": signatures,
        "show_history": len(signatures) > 1 or assessment.is_amending,
        "signed_meaning": signature.meaning if signature is not None else "",
    })
    return context


# ---------------------------------------------------------------- the handout

# Plain-language wording for each advice code, taken from the source document's
# guidance ("How is it typically addressed?"). Advice added by template admins
# without wording here falls back to the rule's title.
HANDOUT_ADVICE: dict[str, str] = {
    "reassurance": "Most twitches and cramps are harmless, and nothing in today's check-up suggested otherwise. "
                   "In many cases no treatment is needed.",
    "reduce_caffeine": "Cut down on caffeine, such as coffee, strong tea, cola and energy drinks. "
                       "Caffeine can bring on twitches.",
    "hydration": "Drink enough fluids through the day, and more when you exercise or sweat a lot.",
    "stretching": "Stretch the muscles that cramp regularly, for example before bed or after exercise. "
                  "During a cramp, gently stretching the muscle often brings relief.",
    "electrolyte_intake": "Eat a varied diet that gives you enough salts and minerals "
                          "(sodium, potassium, calcium and magnesium).",
    "trigger_review": "Stress, worry, tiredness and poor sleep can bring on twitches. "
                      "Rest, and ways to ease stress, may help.",
    "medication_review": "Some medicines can cause cramps or twitches. Your doctor will look at your medicines "
                         "with you; do not stop a medicine without talking to them first.",
    "supervised_drug_treatment": "If your symptoms are severe, your doctor may talk with you about medicine "
                                 "for them. This is only taken under a doctor's supervision.",
}

# The five symptoms of "When should you consider seeing a specialist?", in everyday words.
SAFETY_NET: list[str] = [
    "Muscle weakness: for example dropping things, tripping, or trouble with buttons or stairs",
    "Loss of sensation: numbness, or less feeling in part of your body",
    "Changes in muscle size: a muscle that looks thinner or smaller than before",
    "Symptoms that progressively worsen: twitches or cramps that keep getting worse",
    "Persistent pain that interferes with your daily activities",
]

# Plain names for the tests and referral the clinician ordered; blood tests share one line.
HANDOUT_BLOOD_TESTS: dict[str, str] = {
    "electrolytes": "salts and minerals",
    "kidney_panel": "kidney function",
    "thyroid_panel": "thyroid",
    "liver_panel": "liver function",
}
HANDOUT_TESTS: dict[str, str] = {
    "emg": "an EMG, which measures the electrical activity of muscles and nerves",
    "ncv": "nerve conduction studies, which check how well your nerves carry signals",
    "neurology_referral": "an appointment with a neurology specialist (a doctor for nerves and muscles)",
}


def _next_steps(context: dict[str, Any]) -> list[str]:
    """What the clinician ordered, in plain words: referral first, then tests, then tests they added."""
    ordered = [rec for rec in [*context["referrals"], *context["tests"]] if rec["decision"] == "ordered"]
    blood = [HANDOUT_BLOOD_TESTS[rec["code"]] for rec in ordered if rec["code"] in HANDOUT_BLOOD_TESTS]
    steps = [HANDOUT_TESTS.get(rec["code"], rec["title"]) for rec in ordered if rec["code"] not in HANDOUT_BLOOD_TESTS]
    if blood:
        listed = blood[0] if len(blood) == 1 else ", ".join(blood[:-1]) + " and " + blood[-1]
        steps.insert(1 if steps[:1] == [HANDOUT_TESTS["neurology_referral"]] else 0, f"blood tests: {listed}")
    return steps + [t["title"] for t in context["added_tests"] if t.get("title")]


def handout_context(assessment: Assessment, signature: Signature | None = None) -> dict[str, Any]:
    context = print_context(assessment, signature)
    advice = [HANDOUT_ADVICE.get(rec["code"], rec["title"]) for rec in context["advice"]
              if rec["code"] != "safety_net"]
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "assessment": assessment,
        "patient": assessment.patient,
        "signature": signature,
        "advice": advice,
        "next_steps": _next_steps(context),
        # Suggestions without a decision yet (a draft): promise a conversation, not a test.
        "undecided": any(rec["decision"] == NO_DECISION for rec in [*context["referrals"], *context["tests"]]),
        "safety_net": SAFETY_NET,
        "source_document": assessment.version.source_document,
    }


# ---------------------------------------------------------------- public entry points


def render_summary_pdf(assessment: Assessment, signature: Signature | None = None) -> bytes:
    """The clinician summary; with ``signature``, exactly what that revision signed."""
    html = render_to_string("evaluation/pdf/summary.html", print_context(assessment, signature))
    return html_to_pdf(html)


def render_handout_pdf(assessment: Assessment, signature: Signature | None = None) -> bytes:
    html = render_to_string("evaluation/pdf/handout.html", handout_context(assessment, signature))
    return html_to_pdf(html)
