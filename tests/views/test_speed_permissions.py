"""Permissions read with the signed-in user (issue 11): no query of their own, and never stale.

``PermissionsWithUserBackend`` loads a user's own and their groups' permission
names in the query that loads the user, instead of two more queries per
request. Nothing is kept between requests, so a change counts from the next
request; here it is held to Django's ModelBackend and to the pages.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.permissions import CLINICIANS, TEMPLATE_ADMINS, PermissionsWithUserBackend

pytestmark = pytest.mark.django_db
PATIENTS = reverse("evaluation:patient_list")


def model_backend_permissions(user) -> set[str]:
    fresh = type(user).objects.get(pk=user.pk)
    return ModelBackend().get_all_permissions(fresh)


def test_it_reads_the_same_permissions_as_djangos_backend(clinician):
    clinician.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    clinician.groups.add(Group.objects.get(name=TEMPLATE_ADMINS))
    expected = model_backend_permissions(clinician)
    loaded = PermissionsWithUserBackend().get_user(clinician.pk)
    with CaptureQueriesContext(connection) as queries:
        assert loaded.get_all_permissions() == expected
        assert loaded.has_perm("evaluation.view_patient") and loaded.has_perm("evaluation.view_auditevent")
        assert not loaded.has_perm("evaluation.delete_patient")
    assert len(queries) == 0


def test_a_user_with_no_permission_has_none(django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x" * 20)
    loaded = PermissionsWithUserBackend().get_user(user.pk)
    assert loaded.get_all_permissions() == set() and not loaded.has_perm("evaluation.view_patient")


def test_an_inactive_or_missing_user_is_not_signed_in(clinician):
    clinician.is_active = False
    clinician.save()
    assert PermissionsWithUserBackend().get_user(clinician.pk) is None
    assert PermissionsWithUserBackend().get_user(987654) is None


def test_a_superuser_still_may_do_everything(superuser):
    loaded = PermissionsWithUserBackend().get_user(superuser.pk)
    assert loaded.has_perm("evaluation.delete_patient") and loaded.has_perm("evaluation.view_auditevent")


def test_a_page_reads_no_permission_table_of_its_own(clinician_client):
    clinician_client.get(PATIENTS)
    with CaptureQueriesContext(connection) as queries:
        assert clinician_client.get(PATIENTS).status_code == 200
    # Only the user's own query (it ends FROM "auth_user") names the permission tables.
    separate = [q["sql"] for q in queries if '"auth_permission"' in q["sql"]
                and 'FROM "auth_user" WHERE' not in q["sql"]]
    assert separate == []


def test_taking_a_clinician_out_of_the_role_counts_from_the_next_request(clinician_client, clinician):
    assert clinician_client.get(PATIENTS).status_code == 200
    clinician.groups.remove(Group.objects.get(name=CLINICIANS))
    assert clinician_client.get(PATIENTS).status_code == 403


def test_a_permission_taken_from_the_role_counts_from_the_next_request(clinician_client):
    assert clinician_client.get(PATIENTS).status_code == 200
    Group.objects.get(name=CLINICIANS).permissions.remove(Permission.objects.get(codename="view_patient"))
    assert clinician_client.get(PATIENTS).status_code == 403


def test_a_permission_granted_counts_from_the_next_request(client, django_user_model):
    user = django_user_model.objects.create_user("newcomer", password="x" * 20)
    client.force_login(user)
    assert client.get(PATIENTS).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_patient"))
    assert client.get(PATIENTS).status_code == 200
    assert 'href="/audit/"' not in client.get(PATIENTS).content.decode()
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert reverse("evaluation:audit_list") in client.get(PATIENTS).content.decode()  # the menu follows too


def test_a_deactivated_user_is_signed_out_at_the_next_request(clinician_client, clinician):
    clinician.is_active = False
    clinician.save()
    response = clinician_client.get(PATIENTS)
    assert response.status_code == 302 and reverse("login") in response["Location"]
