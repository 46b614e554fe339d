from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "Interoperability"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_groups, sender=self)


def _ensure_groups(sender: Any, **kwargs: Any) -> None:
    """The migration creates the group; a flush (as transactional tests do) removes it and
    ends with post_migrate, so it is put back here. Imported here: models load after ready()."""
    from .roles import ensure_data_exporters

    ensure_data_exporters(kwargs.get("using", "default"))
