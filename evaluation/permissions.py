"""Who may do what. Roles are groups created by a migration; checks go through permissions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django_otp.plugins.otp_totp.models import TOTPDevice

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



# ---------------------------------------------------------------- permissions read with the user

# Django's ModelBackend reads a user's permissions in two more queries (their own, their groups') on every
# request, keeping them on that request's user object only. This backend reads them in the query that
# already loads the signed-in user, as two correlated subqueries: no extra round trip, and since nothing
# is kept between requests, a permission change counts from the very next request, in every process.

NAME_SEPARATOR = "\n"  # occurs in no app label or permission codename
STRING_AGGREGATE = {"postgresql": "STRING_AGG", "sqlite": "GROUP_CONCAT"}
PRELOADED = {"user": "preloaded_user_permissions", "group": "preloaded_group_permissions"}


def _permission_names_sql(aggregate: str, user_table: str, links: str) -> str:
    """A subquery: the "app_label.codename" of each permission reached through ``links`` (joins ending in
    an alias ``link`` with a ``user_id``), newline-joined; NULL when there is none."""
    return (
        f"SELECT {aggregate}(ct.app_label || '.' || p.codename, %s) "
        f'FROM "{Permission._meta.db_table}" p '
        f'JOIN "{ContentType._meta.db_table}" ct ON ct.id = p.content_type_id {links} '
        f'WHERE link.user_id = "{user_table}"."id"'
    )


def with_permission_names(users: QuerySet) -> QuerySet:
    """``users`` with their own and their groups' permission names as two annotations (``PRELOADED``)."""
    aggregate = STRING_AGGREGATE[connections[users.db].vendor]
    model = users.model
    user_table = model._meta.db_table
    own = model.user_permissions.through._meta.db_table
    membership = model.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    own_sql = _permission_names_sql(aggregate, user_table, f'JOIN "{own}" link ON link.permission_id = p.id')
    group_sql = _permission_names_sql(aggregate, user_table, (
        f'JOIN "{granted}" gp ON gp.permission_id = p.id JOIN "{membership}" link ON link.group_id = gp.group_id'))
    return users.annotate(**{PRELOADED["user"]: RawSQL(own_sql, [NAME_SEPARATOR]),
                             PRELOADED["group"]: RawSQL(group_sql, [NAME_SEPARATOR])})


# Whether the user has a confirmed authenticator (django-otp's TOTP device), so signing asks them for a code
# (accounts.two_factor.signing_requires_code): read with the user rather than by the review page's own query.
HAS_AUTHENTICATOR = "has_confirmed_authenticator"


def with_authenticator_flag(users: QuerySet) -> QuerySet:
    """``users`` with ``HAS_AUTHENTICATOR``: an EXISTS over their confirmed TOTP devices (indexed by user)."""
    devices = TOTPDevice._meta.db_table
    user_table = users.model._meta.db_table
    return users.annotate(**{HAS_AUTHENTICATOR: RawSQL(
        f'EXISTS (SELECT 1 FROM "{devices}" d WHERE d.user_id = "{user_table}"."id" AND d.confirmed)', (),
        output_field=BooleanField())})


class PermissionsWithUserBackend(ModelBackend):
    """ModelBackend, except that loading the session's user also loads its permissions (one query).

    The names are put where ModelBackend keeps a request's permissions (``_user_perm_cache`` and
    ``_group_perm_cache`` on the user object), so every ``has_perm`` after that, from any backend reading
    those, is answered without a query. Superusers are left to ModelBackend: they hold every permission.
    On a database without a string aggregate this is plain ModelBackend. The same query also reads whether
    the user has a confirmed authenticator (``HAS_AUTHENTICATOR``).
    """

    def get_user(self, user_id: Any) -> Any:
        users = with_authenticator_flag(get_user_model()._default_manager.filter(pk=user_id))
        preloading = connections[users.db].vendor in STRING_AGGREGATE
        user = (with_permission_names(users) if preloading else users).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        if preloading:
            _keep_preloaded_names(user)
        return user


def _keep_preloaded_names(user: Any) -> None:
    for source, annotation in PRELOADED.items():
        joined = user.__dict__.pop(annotation, None)
        if not user.is_superuser:
            setattr(user, f"_{source}_perm_cache", set(joined.split(NAME_SEPARATOR)) if joined else set())
