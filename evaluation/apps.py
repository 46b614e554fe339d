from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Fasciculation and cramp checklist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit  # noqa: F401  (connects the sign-in signal receivers)

        post_migrate.connect(_ensure_roles, sender=self)


def _ensure_roles(sender: Any, **kwargs: Any) -> None:
    """The migration creates the role groups; a database flush (as transactional tests do)
    removes them, and flush ends with post_migrate, so they are put back here too."""
    from django.contrib.auth.models import Group, Permission

    from .permissions import CLINICIAN_PERMISSIONS, CLINICIANS, TEMPLATE_ADMIN_PERMISSIONS, TEMPLATE_ADMINS

    using = kwargs.get("using", "default")
    for name, perms in ((CLINICIANS, CLINICIAN_PERMISSIONS), (TEMPLATE_ADMINS, TEMPLATE_ADMIN_PERMISSIONS)):
        group, created = Group.objects.using(using).get_or_create(name=name)
        if created:
            codenames = [perm.split(".", 1)[1] for perm in perms]
            group.permissions.set(
                Permission.objects.using(using).filter(content_type__app_label="evaluation", codename__in=codenames)
            )
