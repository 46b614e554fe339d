"""Registering and changing patients."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import audit
from ..audit import Actor
from ..models import AuditEvent, Patient

Action = AuditEvent.Action


@transaction.atomic
def patient_create(*, actor: Actor, **fields: Any) -> Patient:
    patient = Patient(created_by=actor.user, **fields)
    patient.full_clean()
    patient.save()
    audit.record(Action.PATIENT_CREATE, actor=actor, obj=patient)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, actor: Actor, **fields: Any) -> Patient:
    changed = sorted(name for name, value in fields.items() if getattr(patient, name) != value)
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save()
    audit.record(Action.PATIENT_CHANGE, actor=actor, obj=patient, detail={"fields": changed})
    return patient
