"""The pages' permission rules, applied to API views action by action."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from evaluation.audit import Actor
from evaluation.views.access import (
    ADD_ASSESSMENT,
    ADD_PATIENT,
    CHANGE_ASSESSMENT,
    CHANGE_PATIENT,
    SEE_PATIENTS,
    SIGN_ASSESSMENT,
)

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# What each action of the patient and assessment views needs: the same sets as the pages' decorators.
READ = (SEE_PATIENTS,)
CREATE_PATIENT = (SEE_PATIENTS, ADD_PATIENT)
EDIT_PATIENT = (SEE_PATIENTS, CHANGE_PATIENT)
START_ASSESSMENT = (SEE_PATIENTS, ADD_ASSESSMENT)
EDIT_ASSESSMENT = (SEE_PATIENTS, CHANGE_ASSESSMENT)
SIGN = (SEE_PATIENTS, CHANGE_ASSESSMENT, SIGN_ASSESSMENT)
AMEND = (SEE_PATIENTS, SIGN_ASSESSMENT)


class HasActionPerms(BasePermission):
    """The view's ``perms`` maps an action (or "action:METHOD") to the permissions it needs; default READ."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        perms = getattr(view, "perms", {})
        action = getattr(view, "action", None)
        needed = perms.get(f"{action}:{request.method}", perms.get(action, READ))
        return request.user.has_perms(needed)


def actor(request: Request) -> Actor:
    """Who acts: the token's or the session's user, and the client address, as the pages record them."""
    return Actor.from_request(request._request, request.user)
