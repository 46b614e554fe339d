"""How long the PDF reports take: the view path against a bare WeasyPrint render of the same HTML.

Not a test (speed is measured, never asserted). Prints, from one run:

* the median time the summary view takes to render a draft on demand,
* the median time of a bare WeasyPrint render of the same HTML (fresh
  stylesheet and font configuration, the default fetcher): the baseline,
* the view's overhead over that baseline (target: under 15%),
* the median time to render a report at signing, and to serve a stored one (a re-print),
  and the re-print's share of a render (target: at most 2%).

By default it builds a throwaway SQLite database with the demo clinic plus
two long, multi-page cases, so it never touches a real database:

    .venv/bin/python benchmarks/bench_pdf.py [--rounds 7] [--out DIR]

``--out DIR`` also writes every demo report and handout there, for looking at
(e.g. ``pdftoppm -png -r 80 DIR/x.pdf DIR/x``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

LONG_NOTES = (
    "Fasciculations seen at rest over the right first dorsal interosseous, thenar eminence and forearm "
    "extensors, several per minute, persisting after warming the hand. Grip visibly weaker on the right; "
    "unable to hold a sheet of paper between thumb and index finger against resistance (positive Froment "
    "sign absent). Wasting of the right first dorsal interosseous with guttering between the first and "
    "second metacarpals. Tone normal in all four limbs. No fasciculations seen in the tongue; tongue "
    "movements full, speech clear, swallow reported normal. Jaw jerk not brisk. Neck flexion and extension "
    "normal. Gait normal, can walk on heels and toes, Romberg negative. Coordination normal on finger-nose "
    "and heel-shin testing. "
)


def _setup_django(database_url: str | None) -> str | None:
    """Point Django at a throwaway database unless one is given; returns the temp dir to clean up."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "True")
    scratch = None
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        scratch = tempfile.mkdtemp(prefix="bench-pdf-")
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings

    # The test client's host; not setup_test_environment(), whose instrumented template rendering costs time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return scratch


def _order_all(assessment: Any, declined: dict[str, str] | None = None,
               added: list[tuple[str, str]] | None = None) -> Any:
    from evaluation.decisions import AddedTest, Decision, Decisions, key_of

    evaluation = assessment.evaluate()
    suggested = {}
    for key in (key_of(rec) for rec in evaluation.needing_decision()):
        reason = (declined or {}).get(key)
        suggested[key] = Decision("declined", reason) if reason else Decision("ordered")
    return Decisions(suggested, added=tuple(AddedTest(title, reason) for title, reason in added or []))


def _long_case(version: Any, user: Any, mrn: str, given: str, *, leave_amending: bool) -> None:
    """Worked example 4 with long notes, a declined and an added test, then an amendment."""
    from evaluation.audit import Actor
    from evaluation.services.assessments import assessment_amend, assessment_create, assessment_save, assessment_sign
    from evaluation.services.patients import patient_create

    actor = Actor(user)
    answers = dict(version.cases.get(name__startswith="Worked example 4").answers)
    answers["exam_notes"] = (LONG_NOTES * 3)[:2000]  # the item's limit
    answers["med_other"] = "Salbutamol inhaler as needed; sertraline 50 mg daily since last year; " * 3
    patient = patient_create(actor=actor, mrn=mrn, family_name="Lindqvist-Abernathy", given_name=given,
                             date_of_birth=datetime.date(1957, 1, 30), sex="male")
    assessment = assessment_create(patient=patient, version=version, actor=actor)
    assessment = assessment_save(assessment=assessment, answers=answers, expected_revision=assessment.revision,
                                 actor=actor)
    decisions = _order_all(assessment, declined={"test:liver_panel": "Liver function tested last month, normal."},
                           added=[("Creatine kinase", "Wasting with fasciculations.")])
    _sign(assessment_sign(assessment=assessment, actor=actor, expected_revision=assessment.revision,
                          decisions=decisions))
    assessment = assessment_amend(assessment=assessment, actor=actor,
                                  reason="Bulbar symptoms reported by the spouse after the visit.")
    assessment = assessment_save(assessment=assessment, answers={**answers, "rf_bulbar": True},
                                 expected_revision=assessment.revision, actor=actor)
    if not leave_amending:
        _sign(assessment_sign(assessment=assessment, actor=actor, expected_revision=assessment.revision,
                              decisions=_order_all(assessment)))


def _sign(outcome: Any) -> None:
    """Signing reports problems instead of raising; a benchmark case that cannot be signed is a bug here."""
    if not outcome.signed:
        raise SystemExit(f"could not sign a benchmark case: {'; '.join(outcome.problems)}")


def _build_demo() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from evaluation.demo import create_demo_clinic
    from evaluation.selectors import newest_published_version
    from evaluation.services.templates import template_load_default

    call_command("migrate", verbosity=0, interactive=False)
    template_load_default()
    create_demo_clinic()
    version = newest_published_version()
    user = get_user_model().objects.get(username="clinician")
    from evaluation.models import Patient

    if not Patient.objects.filter(mrn="DEMO-0005").exists():
        _long_case(version, user, "DEMO-0005", "Henrik", leave_amending=False)
    if not Patient.objects.filter(mrn="DEMO-0006").exists():
        _long_case(version, user, "DEMO-0006", "Erik", leave_amending=True)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _bare_render(html: str) -> bytes:
    """What a plain WeasyPrint call does: parse the stylesheet and load the fonts every time."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from evaluation.reports.pdf import STATIC_DIR, STYLESHEET

    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(STATIC_DIR / STYLESHEET), font_config=font_config)
    return HTML(string=html, base_url=STATIC_DIR.as_uri() + "/").write_pdf(
        stylesheets=[stylesheet], font_config=font_config)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _write_outputs(out: Path, client: Any, assessments: list[Any]) -> None:
    from django.urls import reverse

    out.mkdir(parents=True, exist_ok=True)
    for number, a in enumerate(assessments, start=1):
        stem = f"{number:02d}-{a.patient.mrn}-{a.status}"
        for name, kind in (("summary", "assessment_pdf"), ("handout", "assessment_handout")):
            response = client.get(reverse(f"evaluation:{kind}", args=[a.pk]))
            (out / f"{stem}-{name}.pdf").write_bytes(response.content)
    print(f"wrote {2 * len(assessments)} PDFs to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", help="use this database (with demo data) instead of a throwaway one")
    parser.add_argument("--out", type=Path, help="also write every demo report and handout here")
    args = parser.parse_args()
    scratch = _setup_django(args.database_url)
    try:
        _run(args)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.template.loader import render_to_string
    from django.test import Client
    from django.urls import reverse

    from evaluation.models import Assessment
    from evaluation.reports import pdf
    from evaluation.reports.content import report_for, report_for_signature

    _build_demo()
    settings.DEBUG = False  # as served: no query log kept per request (a re-print is a few queries)
    client = Client()
    client.force_login(get_user_model().objects.get(username="clinician"))
    assessments = list(Assessment.objects.select_related("patient").order_by("patient__mrn", "created_at"))
    drafts = [a for a in assessments if a.is_editable]
    signed = [a for a in assessments if not a.is_editable]
    if args.out:
        _write_outputs(args.out, client, assessments)

    # Warm up once (imports, template loading, the cached stylesheet) so round one is not an outlier.
    for a in assessments:
        client.get(reverse("evaluation:assessment_pdf", args=[a.pk]))

    view: dict[str, list[float]] = {}
    bare: dict[str, list[float]] = {}
    cached: dict[str, list[float]] = {}
    at_signing: list[float] = []
    stored: list[float] = []
    for round_ in range(args.rounds):
        for a in drafts:
            label = f"{a.patient.mrn} draft"
            url = reverse("evaluation:assessment_pdf", args=[a.pk])
            context = {**report_for(a).context(), "CLINIC_NAME": settings.CLINIC_NAME}
            html = render_to_string("evaluation/pdf/summary.html", context)
            runs = [(view, lambda url=url: client.get(url)), (bare, lambda html=html: _bare_render(html)),
                    (cached, lambda html=html: pdf.html_to_pdf(html))]
            # Rotate the order every round so a slow spell on a busy machine hits all three alike.
            for times, fn in runs[round_ % 3:] + runs[:round_ % 3]:
                times.setdefault(label, []).append(_timed(fn)[0])
        for a in signed:
            fresh = Assessment.objects.select_related("patient", "version__template").get(pk=a.pk)
            at_signing.append(_timed(
                lambda f=fresh: pdf.render_summary_pdf(report_for_signature(f.latest_signature, f)))[0])
            url = reverse("evaluation:assessment_pdf", args=[a.pk])
            stored.append(_timed(lambda url=url: client.get(url))[0])

    print(f"PDF benchmark: {len(drafts)} draft and {len(signed)} signed demo reports, {args.rounds} rounds\n")
    print(f"{'draft report':<22}{'view':>12}{'bare':>12}{'cached':>12}{'overhead':>10}")
    for label in view:
        v, b, c = (statistics.median(x[label]) for x in (view, bare, cached))
        print(f"{label:<22}{_ms(v):>12}{_ms(b):>12}{_ms(c):>12}{(v / b - 1):>+10.1%}")
    all_view = statistics.median(t for ts in view.values() for t in ts)
    all_bare = statistics.median(t for ts in bare.values() for t in ts)
    print()
    print(f"median render, view path (draft, on demand): {_ms(all_view)}")
    print(f"median render, bare WeasyPrint (baseline):   {_ms(all_bare)}")
    print(f"median render at signing (stored once):      {_ms(statistics.median(at_signing))}")
    print(f"median serve of a stored report:             {_ms(statistics.median(stored))}")
    share = statistics.median(stored) / statistics.median(at_signing)
    print(f"re-print as a share of a render:             {share:8.1%} (target: at most 2%)")
    # The ratio compares like with like: per report, median view time over median bare time, summed.
    ratio = sum(statistics.median(ts) for ts in view.values()) / sum(statistics.median(ts) for ts in bare.values())
    verdict = "under" if ratio < 1.15 else "OVER"
    print(f"view / baseline: {ratio:.3f} (overhead {ratio - 1:+.1%}, {verdict} the 15% target)")


if __name__ == "__main__":
    main()
