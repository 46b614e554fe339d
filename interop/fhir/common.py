"""What the FHIR builders share: the base URL, ids, code look-ups, validation through fhir.resources."""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from rest_framework.renderers import JSONRenderer

from evaluation.models import TemplateVersion

FHIR_JSON = "application/fhir+json"
TERMINOLOGY_FILE = Path(__file__).resolve().parents[1] / "data" / "terminology.json"
# Deterministic ids for resources that have no row of their own (a ServiceRequest per signed
# decision, the report's DocumentReference): the same revision always exports the same ids.
ID_NAMESPACE = uuid.UUID("0b6a8c1e-5f0e-4b8e-9a51-7f3f2d8c4e10")
_NOT_ID = re.compile(r"[^A-Za-z0-9.-]")


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


def validated(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` parsed by the fhir.resources model of its resourceType and written back as FHIR JSON.

    Raises pydantic's ValidationError when the resource is not valid FHIR: a bug here,
    never the client's fault, so it is left to surface in tests rather than caught.
    """
    model = get_fhir_model_class(data["resourceType"])
    return json.loads(model.model_validate(data).model_dump_json())


def fhir_id(text: str) -> str:
    """A FHIR id (letters, digits, '-' and '.', at most 64) from a slug or label."""
    return _NOT_ID.sub("-", text)[:64]


def derived_id(*parts: Any) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(str(p) for p in parts)))


def questionnaire_id(version: TemplateVersion) -> str:
    return fhir_id(f"{version.template.slug}-{version.number}")


def questionnaire_url(base: str, version: TemplateVersion) -> str:
    """The canonical URL of a version: where this service serves it."""
    return f"{base}/Questionnaire/{questionnaire_id(version)}"


@cache
def _terminology() -> dict[str, Any]:
    return json.loads(TERMINOLOGY_FILE.read_text(encoding="utf-8"))


def codings(slug: str, part: str, key: str) -> list[dict[str, str]]:
    """The standard codes of an item ("items") or a suggestion ("suggestions") of a template, if any."""
    return [dict(c) for c in _terminology().get(slug, {}).get(part, {}).get(key, [])]


def operation_outcome(code: str, text: str, severity: str = "error") -> dict[str, Any]:
    return validated({"resourceType": "OperationOutcome",
                      "issue": [{"severity": severity, "code": code, "diagnostics": text}]})


def reference(resource_type: str, resource_id: str, display: str = "") -> dict[str, str]:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref
