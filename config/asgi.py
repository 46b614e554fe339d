import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings":
    from config.settings import require_explicit_debug_setting

    require_explicit_debug_setting()
application = get_asgi_application()
