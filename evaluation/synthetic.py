"""Synthetic patients and assessments in bulk, for load tests and benchmarks (development only).

Fast because it inserts in bulk and evaluates each of the template's test
cases once per patient context (sex, age), not once per assessment; faithful because every derived column is
filled by the code the application itself uses: the patient's search text by
``Patient.fill_derived``, the signed content by ``signed_content`` and its hash
by ``canonical_hash``. PDFs are left empty: the first print renders and stores
them, as for any revision whose after-commit render did not happen.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from . import engine
from .decisions import Decisions
from .models import Assessment, Patient, Signature, TemplateVersion
from .models.chained import link_all
from .permissions import CLINICIANS
from .services.assessments import canonical_json, signed_content

MRN_PREFIX = "SYN-"
BATCH = 2000
FAMILY_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Khan Hughes Edwards Turner Martin Cooper Hill Ward Morris Moore "
    "Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young "
    "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Muñoz García López Müller Nowak Kowalski O'Brien Ní Bhriain Okafor Nguyen Yılmaz Ćorić Øberg Dubois"
).split()
GIVEN_NAMES = {
    "female": "Olivia Amelia Isla Ava Mia Ivy Lily Grace Freya Sophia Emily Lucía Zoë Aoife Chloé Ingrid Amara "
              "Mary Margaret Susan Patricia Linda Elizabeth Sarah Helen Ruth Fatima Priya".split(),
    "male": "Oliver George Noah Arthur Leo Oscar Harry Jack Jacob Thomas James William John David Peter Michael "
            "Jürgen Seán Mohammed Ahmed Raj Chidi Luis José Pierre Andrzej Mehmet Tomás".split(),
}


@dataclass(frozen=True)
class Signed:
    """A test case evaluated for one patient context (sex, age): what signing it would fix."""

    evaluation: engine.Evaluation
    decisions: Decisions


class Cases:
    """The template's test cases, each evaluated once per patient context rather than once per assessment."""

    def __init__(self, version: TemplateVersion):
        self.version = version
        self.answers = [dict(case.answers) for case in version.cases.all()] or [{}]
        self._signed: dict[tuple[int, str], Signed] = {}

    def signed(self, index: int, assessment: Assessment) -> Signed:
        key = (index, repr(sorted(assessment.context.items())))
        if key not in self._signed:
            evaluation = assessment.evaluate()
            self._signed[key] = Signed(evaluation, Decisions.ordering_everything(evaluation))
        return self._signed[key]


@dataclass
class Generated:
    patients: int = 0
    assessments: int = 0
    signatures: int = 0


def synthetic_clinicians(count: int) -> list[Any]:
    """``count`` clinician accounts that cannot sign in (no usable password), created if missing."""
    User = get_user_model()
    group = Group.objects.get(name=CLINICIANS)
    users = []
    for n in range(1, count + 1):
        user, created = User.objects.get_or_create(
            username=f"synthetic-clinician-{n:02d}", defaults={"first_name": "Synthetic", "last_name": f"Clinician {n}"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
        users.append(user)
    return users


def _next_number() -> int:
    last = Patient.objects.filter(mrn__startswith=MRN_PREFIX).order_by("-mrn").values_list("mrn", flat=True).first()
    return int(last.removeprefix(MRN_PREFIX)) + 1 if last else 1


def _patient(rng: random.Random, number: int, now: datetime.datetime) -> Patient:
    sex = rng.choice(("female", "male"))
    born = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(78 * 365))
    patient = Patient(id=uuid.uuid4(), mrn=f"{MRN_PREFIX}{number:08d}",
                      family_name=rng.choice(FAMILY_NAMES), given_name=rng.choice(GIVEN_NAMES[sex]),
                      date_of_birth=born, sex=sex, created_at=now - datetime.timedelta(days=rng.randrange(1500, 2000)))
    patient.fill_derived()
    return patient


@dataclass
class _Visits:
    """One patient's visits, oldest first: all signed but, now and then, the newest left as a draft."""

    assessments: list[Assessment]
    signatures: list[Signature]


def _visits(rng: random.Random, patient: Patient, count: int, *, version: TemplateVersion, cases: Cases,
            clinicians: list[Any], now: datetime.datetime) -> _Visits:
    visits = _Visits([], [])
    previous = None
    days = sorted(rng.sample(range(1, 1400), count), reverse=True)
    for index, days_ago in enumerate(days):
        case, user = rng.randrange(len(cases.answers)), rng.choice(clinicians)
        at = now - datetime.timedelta(days=days_ago, minutes=rng.randrange(600))
        draft = index == count - 1 and rng.random() < 0.05
        assessment = Assessment(
            id=uuid.uuid4(), patient=patient, version=version, clinician=user,
            answers=cases.answers[case], previous=previous, created_at=at, visit_date=timezone.localdate(at),
            updated_by=user, status=Assessment.Status.DRAFT if draft else Assessment.Status.FINAL,
            revision=1 if draft else 2)
        if not draft:
            signed = cases.signed(case, assessment)
            content = signed_content(assessment, signed.evaluation, signed.decisions, number=1, user=user,
                                     signed_at=at)
            assessment.decisions = content["decisions"]
            encoded = canonical_json(content)  # hashed, and stored as is: one encoding, not two
            signature = Signature(
                assessment=assessment, number=1, signed_by=user, signer_name=content["signer_name"], signed_at=at,
                content=content, content_hash=hashlib.sha256(encoded.encode("utf-8")).hexdigest())
            signature.encoded_content = encoded
            visits.signatures.append(signature)
            previous = assessment
        visits.assessments.append(assessment)
    return visits


def _insert(model: type[models.Model], objects: list[Any]) -> None:
    """Bulk insert: PostgreSQL's COPY (no SQL to build or quote, several times faster for large JSON), else bulk_create.

    Values go through each field's own ``pre_save`` and ``get_db_prep_save``, as ``bulk_create`` would,
    except a JSON column already encoded (``encoded_<name>``), which is sent as that text.
    """
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([_copy_value(obj, f) for f in fields])


def _copy_value(obj: models.Model, field: models.Field) -> Any:
    encoded = getattr(obj, f"encoded_{field.name}", None)
    return encoded if encoded is not None else field.get_db_prep_save(field.pre_save(obj, True), connection)


def _batches(total: int) -> Iterator[int]:
    done = 0
    while done < total:
        size = min(BATCH, total - done)
        yield size
        done += size


def generate(count: int, *, version: TemplateVersion, per_patient: int = 0, clinicians: int = 20,
             seed: int = 1) -> Generated:
    """Insert ``count`` patients with ``per_patient`` assessments each, in batches of ``BATCH`` patients."""
    rng = random.Random(seed)
    users = synthetic_clinicians(clinicians)
    cases = Cases(version)
    number, now, result = _next_number(), timezone.now(), Generated()
    for size in _batches(count):
        patients = [_patient(rng, number + n, now) for n in range(size)]
        number += size
        visits = [_visits(rng, p, per_patient, version=version, cases=cases, clinicians=users, now=now)
                  for p in patients] if per_patient else []
        with transaction.atomic():
            _insert(Patient, patients)
            _insert(Assessment, [a for v in visits for a in v.assessments])
            signatures = [s for v in visits for s in v.signatures]
            link_all(Signature, signatures)  # chained like any signature; ids follow this order
            _insert(Signature, signatures)
        result.patients += size
        result.assessments += sum(len(v.assessments) for v in visits)
        result.signatures += sum(len(v.signatures) for v in visits)
    return result
