"""What each page costs as the register grows, against a minimal signed-in view measured in the same run.

Not a test (speed is measured, never asserted). In process, through Django's
test client and the whole middleware stack, on PostgreSQL. At each register
size (10, 10,000, 100,000 patients; ``--max-patients`` stops earlier) it
prints, per page: the median time, its ratio to the median of a minimal
signed-in view (``@login_required``, returns two bytes) measured in the same
interleaved rounds, and the number of queries the page ran. Then signing: the
page's response time (until the response is handed back to be sent), the
page with the PDFs it stores after that, and the service alone.

    DJANGO_DEBUG=True .venv/bin/python benchmarks/bench_pages.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/checklist_bench] [--max-patients 10000] [--rounds 15]

The database named in the URL is dropped and created afresh, so its name must
contain "bench". Patients come from ``generate_patients`` (one assessment each
by default), so the list's visit counts have something to count.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scratch_database import recreate_database  # this folder is first on the path when a script runs

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/checklist_bench"
SIZES = (10, 10_000, 100_000)


def setup_django(url: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "True"  # generate_patients refuses otherwise
    import django

    django.setup()
    from django.conf import settings

    # The test client's host; not setup_test_environment(), whose instrumented template rendering costs time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def install_minimal_view() -> None:
    """The baseline: the project's URLs plus one signed-in view that does nothing."""
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    @login_required
    def minimal(request: Any) -> HttpResponse:
        return HttpResponse(b"ok")

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [path("bench/minimal/", minimal), path("", include(settings.ROOT_URLCONF))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__


class Fixture:
    """The clinician, the patient and the records the pages show, built once through the services."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from evaluation.audit import Actor
        from evaluation.permissions import CLINICIANS
        from evaluation.selectors import newest_published_version
        from evaluation.services.patients import patient_create

        self.user = get_user_model().objects.create_user("bench-clinician", password="bench-password-1234")
        self.user.groups.add(Group.objects.get(name=CLINICIANS))
        self.actor = Actor(self.user)
        self.version = newest_published_version()
        self.answers = dict(self.version.cases.get(name__startswith="Worked example 2").answers)
        self.patient = patient_create(actor=self.actor, mrn="BENCH-0001", family_name="Kowalczyk",
                                      given_name="Agnieszka", date_of_birth=datetime.date(1971, 6, 14), sex="female")
        self.signed = self.new_draft(self.patient)
        self.sign(self.signed)
        self.draft = self.new_draft(self.patient)
        self.extra = 0

    def new_draft(self, patient: Any = None) -> Any:
        """A saved draft, for ``patient`` or for a new patient (one open draft per patient)."""
        from evaluation.services.assessments import assessment_create, assessment_save
        from evaluation.services.patients import patient_create

        if patient is None:
            self.extra += 1
            patient = patient_create(actor=self.actor, mrn=f"BENCH-S{self.extra:05d}", family_name="Signer",
                                     given_name="Bench", date_of_birth=datetime.date(1960, 1, 1), sex="male")
        draft = assessment_create(patient=patient, version=self.version, actor=self.actor)
        return assessment_save(assessment=draft, answers=self.answers, expected_revision=draft.revision,
                               actor=self.actor)

    def sign(self, assessment: Any) -> Any:
        from evaluation.decisions import Decisions
        from evaluation.services.assessments import assessment_sign

        return assessment_sign(assessment=assessment, actor=self.actor, expected_revision=assessment.revision,
                               decisions=Decisions.ordering_everything(assessment.evaluate()))


def pages(fx: Fixture, client: Any) -> dict[str, Callable[[], Any]]:
    """Each page as one request; searches are posted untimed first (they live in the session)."""
    from django.urls import reverse

    from tests.factories import form_data

    def get(url: str) -> Callable[[], Any]:
        return lambda: client.get(url)

    draft_data = form_data(fx.version, fx.answers, fx.draft.revision)
    return {
        "minimal signed-in view": get("/bench/minimal/"),
        "patient list": get(reverse("evaluation:patient_list")),
        "search: MRN": get(reverse("evaluation:patient_list")),
        "search: name fragment": get(reverse("evaluation:patient_list")),
        "search: date of birth": get(reverse("evaluation:patient_list")),
        "patient detail": get(fx.patient.get_absolute_url()),
        "form page": get(reverse("evaluation:assessment_edit", args=[fx.draft.pk])),
        "live suggestions": lambda: client.post(reverse("evaluation:assessment_suggest", args=[fx.draft.pk]),
                                                draft_data),
        "review": get(reverse("evaluation:assessment_review", args=[fx.draft.pk])),
        "signed detail": get(fx.signed.get_absolute_url()),
        "session status": get(reverse("evaluation:session_status")),
    }


SEARCHES = {"patient list": "", "search: MRN": "bench-0001", "search: name fragment": "kowal",
            "search: date of birth": "14 Jun 1971"}


def prepare(client: Any, name: str) -> None:
    from django.urls import reverse

    if name in SEARCHES:
        client.post(reverse("evaluation:patient_list"), {"q": SEARCHES[name]})


def check(name: str, response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{name}: HTTP {response.status_code}")


def measure(fx: Fixture, client: Any, rounds: int) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    requests = pages(fx, client)
    names = list(requests)
    times: dict[str, list[float]] = {name: [] for name in names}
    queries: dict[str, int] = {}
    for name in names:  # warm-up
        prepare(client, name)
        check(name, requests[name]())
    for name in names:  # the query count of each page, warm
        prepare(client, name)
        with CaptureQueriesContext(connection) as captured:
            check(name, requests[name]())
        queries[name] = len(captured)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:  # interleaved, a different order each round
            prepare(client, name)
            start = time.perf_counter()
            response = requests[name]()
            times[name].append(time.perf_counter() - start)
            check(name, response)
    baseline = statistics.median(times[names[0]])
    return {name: {"ms": statistics.median(t) * 1000, "ratio": statistics.median(t) / baseline,
                   "queries": queries[name]} for name, t in times.items()}


class ResponseSentClock:
    """When each response was handed back to the server to send: when the handler's ``get_response``
    returned it.

    A WSGI server sends the response, then calls its ``close()``; work the response leaves for then
    (the signing page's PDFs, in ``RedirectThenStoreReports.close``) costs the worker time, not the
    waiting clinician's. The test client calls ``close()`` inside ``post()``, so the response time is
    read from here. (Timing the start of ``close()`` would not do: a response class that overrides it
    does its work before it reaches the base class's.)
    """

    def __init__(self) -> None:
        from django.core.handlers.base import BaseHandler

        self.handler = BaseHandler
        self.real_get_response = BaseHandler.get_response
        self.returned_at: list[float] = []

    def __enter__(self) -> ResponseSentClock:
        clock = self

        def timed_get_response(handler: Any, request: Any) -> Any:
            response = clock.real_get_response(handler, request)
            clock.returned_at.append(time.perf_counter())
            return response

        self.handler.get_response = timed_get_response
        return self

    def __exit__(self, *exc: Any) -> None:
        self.handler.get_response = self.real_get_response


def measure_signing(fx: Fixture, client: Any, rounds: int) -> dict[str, float]:
    """Signing through the page (password check, lock, snapshot, commit; its response sent, then both PDFs
    stored) and the service alone (PDFs stored right after its commit)."""
    from django.urls import reverse

    from evaluation.decisions import key_of

    response_times, page, service = [], [], []
    for _ in range(rounds):
        draft = fx.new_draft()
        data = {f"decision__{key_of(rec)}": "ordered" for rec in draft.evaluate().needing_decision()}
        data.update({"revision": str(draft.revision), "password": "bench-password-1234", "sign": "1"})
        with ResponseSentClock() as clock:
            start = time.perf_counter()
            response = client.post(reverse("evaluation:assessment_sign", args=[draft.pk]), data)
            page.append(time.perf_counter() - start)
        response_times.append(clock.returned_at[0] - start)
        if response.status_code != 302:
            raise SystemExit(f"signing failed: HTTP {response.status_code}")
        other = fx.new_draft()
        start = time.perf_counter()
        fx.sign(other)
        service.append(time.perf_counter() - start)
    return {"sign (page response)": statistics.median(response_times) * 1000,
            "sign (page, with the PDFs after it)": statistics.median(page) * 1000,
            "sign (service, PDFs after commit)": statistics.median(service) * 1000}


def grow_to(size: int, per_patient: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from evaluation.models import Patient

    missing = size - Patient.objects.count()
    if missing > 0:
        started = time.perf_counter()
        call_command("generate_patients", str(missing), "--assessments-per-patient", str(per_patient), verbosity=0)
        print(f"  generated {missing} patients in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def report(size: int, results: dict[str, dict[str, float]], signing: dict[str, float]) -> None:
    print(f"\n{size:,} patients".replace(",", " "))
    print(f"  {'page':<26}{'median ms':>10}{'ratio':>8}{'queries':>9}")
    for name, row in results.items():
        print(f"  {name:<26}{row['ms']:>10.2f}{row['ratio']:>8.2f}{row['queries']:>9}")
    for name, ms in signing.items():
        print(f"  {name:<36}{ms:>10.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--max-patients", type=int, default=SIZES[-1], help="stop after this register size")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--assessments-per-patient", type=int, default=1)
    parser.add_argument("--sign-rounds", type=int, default=5)
    args = parser.parse_args()
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from evaluation.services.templates import template_load_default

    call_command("migrate", verbosity=0, interactive=False)
    try:
        template_load_default()
    except Exception as exc:  # noqa: BLE001 - a newer template version being edited must not stop the measurement
        print(f"note: loading the default templates stopped ({str(exc)[:120]}); using what was published")
    install_minimal_view()
    fx = Fixture()
    client = Client()
    client.force_login(fx.user)
    for size in [s for s in SIZES if s <= args.max_patients] or [args.max_patients]:
        settings.DEBUG = True
        grow_to(size, args.assessments_per_patient)
        settings.DEBUG = False  # as served: no query log kept per request
        report(size, measure(fx, client, args.rounds), measure_signing(fx, client, args.sign_rounds))


if __name__ == "__main__":
    main()
