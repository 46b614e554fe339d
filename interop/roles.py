"""The "Data export" permission and the group that holds it, plus the audit actions this app writes."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from evaluation.models import AuditEvent

EXPORT_DATA = "interop.export_data"
DATA_EXPORTERS = "Data exporters"

Action = AuditEvent.Action

# Actions the evaluation app does not list yet. The audit column is free text with
# choices for display, so these are stored as they are and shown by their code until
# the evaluation app adds them to AuditEvent.Action (then the getattr picks them up).
TOKEN_CREATE = getattr(Action, "API_TOKEN_CREATE", "api_token_create")
TOKEN_REVOKE = getattr(Action, "API_TOKEN_REVOKE", "api_token_revoke")
CDS_FEEDBACK = getattr(Action, "CDS_FEEDBACK", "cds_feedback")
DATA_EXPORT = getattr(Action, "DATA_EXPORT", "data_export")


def ensure_data_exporters(using: str = "default") -> None:
    group, created = Group.objects.using(using).get_or_create(name=DATA_EXPORTERS)
    if created:
        app_label, codename = EXPORT_DATA.split(".")
        group.permissions.set(
            Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename))
