"""JSON from outside (a request body, an admin form field), read with a nesting limit.

Python's JSON parser recurses once per level of nesting, so a body of a few kilobytes
nested thousands of levels deep raises RecursionError (a 500) instead of a parse
error; one nested a few hundred levels deep parses, then can exhaust the stack in the
code that walks it. Nothing the service reads legitimately nests more than a few
levels, so anything deeper than ``MAX_JSON_DEPTH`` is refused with a message saying so.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_JSON_DEPTH = 100
TOO_DEEP = _("The JSON is nested more than %(limit)s levels deep; nothing the service reads nests that deep.")


class TooDeep(ValueError):
    """JSON nested deeper than the limit (a ValueError, as a parse error is)."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        super().__init__(str(TOO_DEEP % {"limit": limit}))


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if not isinstance(current, (dict, list)):
            continue
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, depth + 1) for child in children)
    return False


def checked_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> Any:
    """``value`` itself, once it is known to nest no deeper than ``limit``; TooDeep otherwise."""
    if nesting_exceeds(value, limit):
        raise TooDeep(limit)
    return value


class LimitedJSONField(forms.JSONField):
    """Django's form JSONField (the admin's, for a model JSONField), with deep nesting a form error."""

    def to_python(self, value: Any) -> Any:
        try:
            return checked_depth(super().to_python(value))
        except (RecursionError, TooDeep):
            raise forms.ValidationError(TOO_DEEP, code="depth", params={"limit": MAX_JSON_DEPTH}) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        """What a refused form shows again: text too deep to parse stays the text that was typed."""
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)
