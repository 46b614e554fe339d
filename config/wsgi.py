import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings":
    from config.settings import require_explicit_debug_setting

    require_explicit_debug_setting()
application = get_wsgi_application()
if os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings":
    # After set-up, so the checks see the configured storages: no static manifest, no start.
    from accounts.checks import refuse_to_serve_if_misconfigured

    refuse_to_serve_if_misconfigured()
