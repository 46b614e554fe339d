"""``Authorization: Bearer <token>`` for the API, FHIR and CDS Hooks.

A token acts as its user: the same permissions as that user's pages, nothing
more, and, like those pages, nothing at all while the user's password is a
temporary one an administrator set (403, ``password_change_required``). Checking a
token reads and never writes (no last-used stamp), so a read stays a read.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiToken
from .tokens import owner_must_change_password, token_for_secret

KEYWORD = "Bearer"


class PasswordChangeRequired(exceptions.PermissionDenied):
    """403: the token is good, but its user must first replace a temporary password (the body names why)."""

    # In English, like the other token errors here (the service's own API error texts are not translated).
    default_detail = ("The password of this token's account is a temporary one set by an administrator. "
                      "Sign in and choose your own password first; the token works again after that.")
    default_code = "password_change_required"

    def __init__(self) -> None:
        # A code the client can act on, next to the words: {"detail": ..., "code": "password_change_required"}.
        super().__init__({"detail": self.default_detail, "code": self.default_code})


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after 'Bearer', with no spaces in it.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        return self._check(secret)

    def _check(self, secret: str) -> tuple[Any, ApiToken]:
        token = token_for_secret(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        state = token.state()
        if state != "active":
            raise exceptions.AuthenticationFailed(f"The token is {state}; create a new one on your API tokens page.")
        if owner_must_change_password(token):
            raise PasswordChangeRequired()
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema (and Swagger UI's Authorize button) about bearer tokens."""

    target_class = "interop.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "A personal API token from the API tokens page (ckl_…)."}
