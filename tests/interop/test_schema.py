"""The OpenAPI schema is valid, and a bounded schemathesis run against the live app finds no server error
and no response that breaks the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import case_answers, make_assessment

# About 25 operations: this many generated requests each keeps the run well under a minute.
EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_it_generates_a_valid_schema_without_warnings(db):
    GENERATOR_STATS._warn_cache.clear()
    GENERATOR_STATS._error_cache.clear()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # drf-spectacular's own OpenAPI 3 validation; raises on any fault
    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache)
    paths = set(schema["paths"])
    assert {"/api/v1/patients/", "/api/v1/assessments/{id}/answers/", "/api/v1/evaluate", "/api/v1/templates/",
            "/fhir/Bundle/{id}", "/cds-services/{service_id}"} <= paths
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http", "scheme": "bearer", "description": "A personal API token from the API tokens page (ckl_…)."}


def test_it_serves_the_schema_to_a_token_and_not_to_strangers(api, client):
    assert api.get("/api/v1/schema/", {"format": "json"}).json()["openapi"].startswith("3.")
    assert client.get("/api/v1/schema/").status_code == 401


def _fuzz(operation: Any, auth: dict[str, str]) -> str | None:
    """Send the operation a bounded number of generated requests; what failed, in words, or None."""

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=auth, checks=CHECKS)

    try:
        run()
    except Exception as exc:  # noqa: BLE001 - every operation is tried; all failures are reported together
        return f"{operation.label}: {str(exc)[:1500]}"
    return None


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Requests sent straight to the WSGI app run inside this test's transaction; Django would close the
    connection at the end of each one, so that is switched off for the run, as its test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_it_survives_a_bounded_schemathesis_run(token_for, clinician, patient, version, signed,
                                                in_process_requests):
    make_assessment(patient, version, clinician, case_answers(version, "Worked example 2"))
    auth = {"Authorization": f"Bearer {token_for(clinician)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application(), headers=auth)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        failure = _fuzz(operation, auth)
        if failure:
            failures.append(failure)
    assert failures == []
