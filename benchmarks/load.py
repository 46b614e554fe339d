"""A clinic's day at speed: simulated clinicians on gunicorn + PostgreSQL, through the whole flow, for a bounded time.

Not a test. Builds a fresh benchmark database (its name must contain "bench"),
adds ``--patients`` synthetic patients, starts gunicorn as in production
(DJANGO_DEBUG=False, WhiteNoise, ``--workers``), and runs ``--users`` locust
clinicians for ``--duration`` seconds. Each clinician signs in, then repeats a
visit: start page, search, register a patient, open them, start an assessment,
open the form, ask for live suggestions, save the draft, review, sign with
their password, open the signed record and print the summary and the handout,
pausing 1 to 5 s between steps (``--think``). Afterwards it prints requests,
errors (a response slower than 60 s is one) and p50/p95/max per step, and
checks in the database that every write a clinician was told succeeded is
there (lost writes).

    .venv/bin/python benchmarks/load.py [--users 50] [--duration 180] [--patients 10000] [--workers 2]
        [--think 1 5] [--database-url postgres://postgres@127.0.0.1:5432/checklist_load_bench] [--redis-url redis://...]
"""

# ruff: noqa: I001 - locust must be imported first (below)
from __future__ import annotations

# locust patches the standard library for gevent when imported: first, before ssl or sockets are imported.
import gevent
from locust import HttpUser, between, task
from locust.env import Environment

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from scratch_database import recreate_database  # this folder is first on the path when a script runs

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/checklist_load_bench"
PASSWORD = "load-clinician-password-2024"
MARKER = "symptom_weeks"  # an integer answer each save sets to a new value, to find lost writes by
TIMEOUT = 60  # seconds: a response slower than this counts as an error (the client gave up)
THINK = [1.0, 5.0]  # seconds between a clinician's steps (reading, typing); --think changes it

# What the clinicians report; read by the lost-write check once the run is over.
JOURNAL: dict[str, list[Any]] = {"patients": [], "saves": [], "signs": []}
PLAN: dict[str, Any] = {}

PREPARE = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from evaluation.permissions import CLINICIANS
from evaluation.selectors import newest_published_version
from tests.factories import form_data
users, password = int(sys.argv[1]), sys.argv[2]
group = Group.objects.get(name=CLINICIANS)
for n in range(users):
    user = get_user_model().objects.create_user(f"load-clinician-{n:02d}", password=password)
    user.groups.add(group)
version = newest_published_version()
answers = dict(version.cases.get(name__startswith="Worked example 2").answers)
data = form_data(version, answers, 0)
data.pop("revision")
print(json.dumps({"answers": data}))
"""


# ---------------------------------------------------------------- the server side


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def prepare(env: dict[str, str], patients: int, users: int) -> dict[str, Any]:
    manage(env, "migrate", "--noinput")
    try:
        manage(env, "load_default_template")
    except SystemExit as stopped:  # a newer version being edited must not stop the run if one is published
        print(f"note: {str(stopped)[:200]}")
    started = time.perf_counter()
    print(manage(env, "generate_patients", str(patients), "--assessments-per-patient", "1").strip(),
          f"({time.perf_counter() - started:.0f} s with start-up)")
    plan = subprocess.run([PYTHON, "-c", PREPARE, str(users), PASSWORD], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True)
    if plan.returncode:
        raise SystemExit(f"creating the clinicians failed:\n{plan.stderr[-2000:]}")
    return json.loads(plan.stdout.strip().splitlines()[-1])


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    static_root = tempfile.mkdtemp(prefix="load-static-")  # collected here, not into the checkout
    production = {**env, "DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
                  "DJANGO_STATIC_ROOT": static_root,
                  "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "False",
                  "DJANGO_SECURE_COOKIES": "False", "DJANGO_BEHIND_TLS_PROXY": "False", "LOG_LEVEL": "WARNING"}
    manage(production, "collectstatic", "--noinput")
    server = subprocess.Popen([GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers), "--timeout", "120"], cwd=BASE_DIR, env=production)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


# ---------------------------------------------------------------- the clinicians


class FormFields(HTMLParser):
    """The values a browser would post back: hidden and date inputs, and the choices of each radio group."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag != "input" or not a.get("name"):
            return
        if a.get("type") == "radio":
            self.radios.setdefault(a["name"], []).append(a.get("value", ""))
        elif a.get("type") in ("hidden", "date"):
            self.values.setdefault(a["name"], a.get("value", ""))

    @classmethod
    def of(cls, html: str) -> FormFields:
        parser = cls()
        parser.feed(html)
        return parser


class Clinician(HttpUser):
    wait_time = between(1.0, 5.0)
    visits = 0

    def on_start(self) -> None:
        self.username = f"load-clinician-{Clinician.visits % 100:02d}"
        Clinician.visits += 1
        page = self.get("/accounts/login/", "sign-in page")
        token = FormFields.of(page.text).values.get("csrfmiddlewaretoken", "")
        self.client.post("/accounts/login/", {"username": self.username, "password": PASSWORD,
                                              "csrfmiddlewaretoken": token}, name="sign in", timeout=TIMEOUT)
        self.serial = 0

    def pause(self) -> None:
        gevent.sleep(random.uniform(*THINK))

    def get(self, url: str, name: str) -> Any:
        return self.client.get(url, name=name, timeout=TIMEOUT)

    def post(self, url: str, page_html: str, name: str, data: dict[str, Any]) -> Any:
        fields = FormFields.of(page_html).values
        return self.client.post(url, {"csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""), **data},
                                name=name, allow_redirects=False, timeout=TIMEOUT)

    @task
    def visit(self) -> None:
        self.serial += 1
        start = self.get("/patients/", "start page")
        self.post("/patients/", start.text, "search (post)", {"q": random.choice(["kowal", "smith jo", "1 Jan 1970"])})
        self.get("/patients/", "search results")
        self.pause()
        form = self.get("/patients/new/", "register form")
        mrn = f"LOAD-{self.username[-2:]}-{self.serial:05d}"
        created = self.post("/patients/new/", form.text, "register patient", {
            "mrn": mrn, "family_name": f"Loadtest{self.serial}", "given_name": self.username[-2:],
            "date_of_birth": "1970-01-01", "sex": "female", "confirm_duplicate": ""})
        if created.status_code != 302:
            return
        JOURNAL["patients"].append(mrn)
        patient_url = created.headers["Location"]
        detail = self.get(patient_url, "patient page")
        self.pause()
        self.assess(patient_url, detail.text)

    def assess(self, patient_url: str, detail_html: str) -> None:
        started = self.post(f"{patient_url}assessments/new/", detail_html, "start assessment",
                            {"version": _first_option(detail_html)})
        if started.status_code != 302:
            return
        edit_url = started.headers["Location"]
        form = self.get(edit_url, "form page")
        assessment = edit_url.rstrip("/").split("/")[-2]
        answers = {**PLAN["answers"], MARKER: str(10 + self.serial % 80)}
        self.post(f"/assessments/{assessment}/suggestions/", form.text, "live suggestions", answers)
        self.pause()
        fields = FormFields.of(form.text).values
        saved = self.post(edit_url, form.text, "save draft",
                          {**{k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}, **answers, "review": "1"})
        if saved.status_code != 302:
            return
        JOURNAL["saves"].append((assessment, int(answers[MARKER])))
        self.sign(assessment)

    def sign(self, assessment: str) -> None:
        review = self.get(f"/assessments/{assessment}/review/", "review")
        page = FormFields.of(review.text)
        decisions = {name: ("ordered" if "ordered" in values else values[0])
                     for name, values in page.radios.items() if name.startswith("decision__")}
        self.pause()
        signed = self.post(f"/assessments/{assessment}/sign/", review.text, "sign", {
            **decisions, "revision": page.values.get("revision", ""), "password": PASSWORD, "sign": "1"})
        if signed.status_code != 302 or "/review/" in signed.headers.get("Location", ""):
            return
        JOURNAL["signs"].append(assessment)
        self.get(f"/assessments/{assessment}/", "signed detail")
        self.get(f"/assessments/{assessment}/summary.pdf", "summary PDF")
        self.get(f"/assessments/{assessment}/handout.pdf", "handout PDF")


def _first_option(html: str) -> str:
    marker = '<option value="'
    return html.split(marker, 1)[1].split('"', 1)[0] if marker in html else ""


# ---------------------------------------------------------------- run, report, check


def run(host: str, users: int, duration: int, spawn_rate: float) -> Environment:
    env = Environment(user_classes=[Clinician], host=host)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join()
    return env


def report(env: Environment, duration: int) -> None:
    stats = env.stats
    print(f"\n{'step':<20}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for entry in [*sorted(stats.entries.values(), key=lambda e: e.name), stats.total]:
        print(f"{entry.name if entry is not stats.total else 'all':<20}{entry.num_requests:>9}{entry.num_failures:>8}"
              f"{entry.get_response_time_percentile(0.5):>9.0f}{entry.get_response_time_percentile(0.95):>9.0f}"
              f"{entry.max_response_time:>9.0f}")
    print(f"{stats.total.num_requests / duration:.1f} requests/s; a response slower than {TIMEOUT} s counts as an error")
    for error in stats.errors.values():
        print(f"  error x{error.occurrences}: {error.method} {error.name}: {str(error.error)[:160]}")


def lost_writes(url: str) -> list[str]:
    """Every write a clinician was told succeeded, looked up in the database."""
    import psycopg

    lost = []
    with psycopg.connect(url) as db:
        found = {row[0] for row in db.execute("SELECT mrn FROM evaluation_patient WHERE mrn LIKE 'LOAD-%%'")}
        lost += [f"patient {mrn} missing" for mrn in JOURNAL["patients"] if mrn not in found]
        for assessment, marker in JOURNAL["saves"]:
            row = db.execute("SELECT answers->>%s FROM evaluation_assessment WHERE id = %s",
                             [MARKER, assessment]).fetchone()
            if row is None or row[0] != str(marker):
                lost.append(f"save of {assessment} missing (expected {MARKER}={marker}, found {row})")
        for assessment in JOURNAL["signs"]:
            row = db.execute("SELECT a.status, count(s.id) FROM evaluation_assessment a LEFT JOIN evaluation_signature s"
                             " ON s.assessment_id = a.id WHERE a.id = %s GROUP BY a.status", [assessment]).fetchone()
            if row is None or row[0] != "final" or row[1] != 1:
                lost.append(f"signature of {assessment} missing ({row})")
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (bounded)")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="clinicians started per second")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default="", help="serve with sessions and cache in this Redis")
    parser.add_argument("--think", type=float, nargs=2, default=THINK, metavar=("MIN", "MAX"),
                        help="seconds a clinician pauses between steps")
    args = parser.parse_args()
    THINK[:] = args.think
    Clinician.wait_time = between(*args.think)
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_DEBUG": "True", "REDIS_URL": args.redis_url}
    recreate_database(args.database_url)
    PLAN.update(prepare(env, args.patients, min(args.users, 100)))
    server = serve(env, args.port, args.workers)
    try:
        print(f"{args.users} clinicians for {args.duration} s on gunicorn ({args.workers} workers)...", flush=True)
        locust_env = run(f"http://127.0.0.1:{args.port}", args.users, args.duration, args.spawn_rate)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(locust_env, args.duration)
    lost = lost_writes(args.database_url)
    print(f"\nwrites acknowledged: {len(JOURNAL['patients'])} patients, {len(JOURNAL['saves'])} saves, "
          f"{len(JOURNAL['signs'])} signatures; lost: {len(lost)}")
    for line in lost[:20]:
        print("  " + line)


if __name__ == "__main__":
    sys.exit(main())
