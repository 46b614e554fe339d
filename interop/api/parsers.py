"""Request bodies: Django REST framework's JSON parser with the service's nesting limit (evaluation.json_limits),
so a deeply nested body is a 400 that says so rather than a RecursionError."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from evaluation.json_limits import MAX_JSON_DEPTH, TooDeep, checked_depth


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        try:
            return checked_depth(super().parse(stream, media_type, parser_context))
        except (RecursionError, TooDeep):
            raise ParseError(str(TooDeep(MAX_JSON_DEPTH))) from None
