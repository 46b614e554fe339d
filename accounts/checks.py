"""Refuse to serve without the static manifest.

In production the static files storage is WhiteNoise's manifest storage: every
``{% static %}`` looks its name up in ``staticfiles.json``, written by
``collectstatic``. Without that file every page would be a 500, so serving
refuses to start instead, with a message that names the fix.

The check is a deployment check (``manage.py check --deploy`` reports it) and
not an ordinary one, because ordinary checks run before every management
command, and ``migrate`` and ``collectstatic`` itself must work before the
manifest exists. ``config/wsgi.py`` and ``config/asgi.py`` run it at start-up.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

SERVING = "serving"
MISSING_MANIFEST = "accounts.E001"


@register(SERVING, deploy=True)
def static_manifest_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        storage = storages["staticfiles"]  # the manifest storage reads its manifest when it is made
    except ValueError as exc:
        return [_missing(f"It could not be read ({exc}).")]
    if not isinstance(storage, ManifestFilesMixin):
        return []  # development: files are served from the source folders
    content = storage.read_manifest()
    if content is None:
        return [_missing("It does not exist.")]
    try:
        paths = json.loads(content).get("paths")
    except (ValueError, AttributeError) as exc:
        return [_missing(f"It could not be read ({exc}).")]
    return [] if paths else [_missing("It lists no files.")]


def _missing(why: str) -> Error:
    return Error(
        f"No usable static files manifest ({ManifestFilesMixin.manifest_name} in STATIC_ROOT). {why}",
        hint="Run `python manage.py collectstatic --noinput` before starting the service.",
        id=MISSING_MANIFEST,
    )


def refuse_to_serve_if_misconfigured() -> None:
    """Called by the WSGI and ASGI entry points once Django is set up."""
    errors = [message for message in run_checks(tags=[SERVING], include_deployment_checks=True)
              if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("Refusing to start: " + " ".join(f"{e.msg} {e.hint}" for e in errors))
