"""Fixtures for the interop tests: API tokens and clients that carry them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from evaluation.audit import Actor
from interop.tokens import token_create
from tests.factories import case_answers, make_signed_assessment


@pytest.fixture
def token_for(db) -> Callable[..., str]:
    """A new token's secret for ``user``."""

    def make(user: Any, *, lifetime_days: int = 30, name: str = "test") -> str:
        return token_create(actor=Actor(user), name=name, lifetime_days=lifetime_days).secret

    return make


@pytest.fixture
def bearer(token_for) -> Callable[[Any], APIClient]:
    """An API client authenticated as ``user`` by a token (no session, no CSRF exemption needed)."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
        return client

    return make


@pytest.fixture
def api(bearer, clinician) -> APIClient:
    return bearer(clinician)


@pytest.fixture
def signed(version, patient, clinician):
    """Worked example 4 (red flags, urgent EMG and referral), signed with every suggestion ordered.

    A patient has one open draft at a time: a test that wants this and the ``assessment`` draft of the
    same patient asks for ``signed`` first."""
    return make_signed_assessment(patient, version, clinician, case_answers(version, "Worked example 4"))
