from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .permissions import is_clinician, is_template_admin


def clinic(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "user_is_clinician": bool(user and is_clinician(user)),
        "user_is_template_admin": bool(user and is_template_admin(user)),
    }
