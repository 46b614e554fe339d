"""Thin function views: permission (Django's decorators) -> form -> service or selector -> response."""
