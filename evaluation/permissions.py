"""Who may do what. Roles are groups created by a migration; checks go through permissions."""

from __future__ import annotations

from typing import Any

CLINICIANS = "Clinicians"
TEMPLATE_ADMINS = "Template admins"

CLINICIAN_PERMISSIONS = [
    "evaluation.add_patient",
    "evaluation.change_patient",
    "evaluation.view_patient",
    "evaluation.add_assessment",
    "evaluation.change_assessment",
    "evaluation.view_assessment",
    "evaluation.sign_assessment",
]
TEMPLATE_ADMIN_PERMISSIONS = [
    f"evaluation.{action}_{model}"
    for model in ("checklisttemplate", "templateversion", "section", "item", "rule", "templatecase")
    for action in ("add", "change", "delete", "view")
] + ["evaluation.view_auditevent"]


def is_clinician(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm("evaluation.view_patient"))


def is_template_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm("evaluation.change_templateversion"))


def can_view_audit(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm("evaluation.view_auditevent"))
