"""The two roles exist with exactly their permissions, from the migration and after a flush."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from evaluation.permissions import CLINICIAN_PERMISSIONS, CLINICIANS, TEMPLATE_ADMIN_PERMISSIONS, TEMPLATE_ADMINS


def role_permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_it_creates_the_roles_with_their_permissions(db):
    assert role_permissions(CLINICIANS) == set(CLINICIAN_PERMISSIONS)
    assert role_permissions(TEMPLATE_ADMINS) == set(TEMPLATE_ADMIN_PERMISSIONS)


@pytest.mark.django_db(transaction=True)
def test_it_puts_the_roles_back_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)
    assert role_permissions(CLINICIANS) == set(CLINICIAN_PERMISSIONS)
    assert role_permissions(TEMPLATE_ADMINS) == set(TEMPLATE_ADMIN_PERMISSIONS)


def test_it_gives_clinicians_no_template_rights_and_template_admins_no_patient_rights(db):
    assert not role_permissions(CLINICIANS) & set(TEMPLATE_ADMIN_PERMISSIONS)
    assert not {p for p in role_permissions(TEMPLATE_ADMINS) if "patient" in p or "assessment" in p}
