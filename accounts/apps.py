"""The signed-in person's own account: password, temporary passwords, sign-in limits, database roles."""

from django.apps import AppConfig

# Imported here, at module level, so the deployment checks are registered whenever the
# project loads, including under gunicorn where no management command runs them.
from . import checks  # noqa: F401


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django's idiom (as in evaluation/apps.py): receivers connect once the app registry is
        # ready, because they import models.
        from . import signin  # noqa: F401
