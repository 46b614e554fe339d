"""A draft of the default template, and a template admin signed in to edit it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from evaluation.audit import Actor
from evaluation.services.templates import template_clone


@pytest.fixture
def admin_client_(client, template_admin):
    client.force_login(template_admin)
    return client


@pytest.fixture
def draft(version, template_admin):
    return template_clone(version=version, actor=Actor(template_admin))


def url(name: str, *args: Any, **query: Any) -> str:
    address = reverse(f"evaluation:authoring:{name}", args=args)
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
