"""Reading a CDS Hooks request: which version, which answers, which patient context."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from pydantic import ValidationError as FhirValidationError

from evaluation import selectors
from evaluation.engine.types import AGE_LIMITS, SEX_VALUES
from evaluation.models import TemplateVersion

from ..fhir.common import validated
from ..fhir.response import answers_from_response

HOOKS = ("patient-view", "order-select")
CANONICAL = re.compile(r"/Questionnaire/(?P<slug>[-a-zA-Z0-9_]+)-(?P<number>[0-9]{1,9})(\|.*)?$")


class HookError(ValueError):
    """The request cannot be answered; ``errors`` is the 400 body (field -> messages)."""

    def __init__(self, errors: dict[str, Any], status: int = 400):
        super().__init__(str(errors))
        self.errors, self.status = errors, status


def _resources(value: Any, resource_type: str) -> list[dict[str, Any]]:
    """Resources of a type in a prefetch or context value: the resource itself, or a Bundle's entries."""
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == resource_type:
        return [value]
    if value.get("resourceType") == "Bundle":
        return [e["resource"] for e in value.get("entry") or [] if isinstance(e, dict)
                and isinstance(e.get("resource"), dict) and e["resource"].get("resourceType") == resource_type]
    return []


def find_resource(request: dict[str, Any], resource_type: str) -> dict[str, Any] | None:
    """The newest such resource given in ``context`` (first) or ``prefetch``, parsed by fhir.resources."""
    for part in ("context", "prefetch"):
        found = [r for value in (request.get(part) or {}).values() for r in _resources(value, resource_type)]
        if found:
            newest = max(found, key=lambda r: str(r.get("authored", "")))
            try:
                return validated(newest)
            except FhirValidationError as exc:
                raise HookError({part: [f"the {resource_type} is not valid FHIR: {exc.error_count()} error(s), "
                                        f"first: {exc.errors()[0]['msg']}"]}) from None
    return None


def version_for(slug: str, response: dict[str, Any]) -> TemplateVersion:
    """The version the response answers (by its questionnaire's canonical URL), else the newest published."""
    match = CANONICAL.search(str(response.get("questionnaire", "")))
    if match and match["slug"] == slug:
        version = TemplateVersion.objects.filter(template__slug=slug, number=int(match["number"])).exclude(
            status=TemplateVersion.Status.DRAFT).select_related("template").first()
        if version is not None:
            return version
    version = selectors.newest_published_version(slug)
    if version is None:
        raise HookError({"detail": f"No published version of {slug}."}, status=404)
    return version


def patient_context(patient: dict[str, Any] | None, on: datetime.date) -> dict[str, Any] | None:
    """Sex and age in whole years, as template conditions read them; None without a Patient."""
    if patient is None:
        return None
    context: dict[str, Any] = {}
    if patient.get("gender") in SEX_VALUES:
        context["sex"] = patient["gender"]
    born = patient.get("birthDate")
    if isinstance(born, str) and len(born) == 10:
        birth = datetime.date.fromisoformat(born)
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        if AGE_LIMITS[0] <= age <= AGE_LIMITS[1]:
            context["age_years"] = age
    return context


def authored_date(response: dict[str, Any]) -> datetime.date:
    authored = str(response.get("authored", ""))
    try:
        return datetime.date.fromisoformat(authored[:10])
    except ValueError:
        return timezone.localdate()


def suggestions_for_hook(slug: str, request: dict[str, Any]) -> tuple[TemplateVersion, dict[str, Any]]:
    """The version used and the engine's output (``suggest_workup`` shape) for a hook request."""
    response = find_resource(request, "QuestionnaireResponse")
    if response is None:
        raise HookError({"detail": "Send the checklist's QuestionnaireResponse in prefetch (key 'checklist') "
                                   "or in context."}, status=412)
    version = version_for(slug, response)
    try:
        answers = answers_from_response(version.compiled(), response)
    except ValueError as exc:
        raise HookError({"prefetch": getattr(exc, "errors", [str(exc)])}) from None
    case: dict[str, Any] = {"answers": answers}
    context = patient_context(find_resource(request, "Patient"), authored_date(response))
    if context:
        case["context"] = context
    try:
        return version, selectors.suggestions_for_case(case, version.label, get_language())
    except ValueError as exc:
        raise HookError({"prefetch": [str(exc)]}) from None
