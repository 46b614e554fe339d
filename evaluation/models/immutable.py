"""The one error raised when code tries to change what must never change."""

from django.core.exceptions import ValidationError


class ImmutableRecordError(ValidationError):
    """Raised when code tries to change something that must never change."""
