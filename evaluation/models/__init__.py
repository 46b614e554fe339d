"""The app's models, one module per sub-domain; import them from here."""

from .assessments import Assessment, Signature
from .audit import AuditEvent
from .immutable import ImmutableRecordError
from .patients import Patient, fold_for_search
from .templates import DOCUMENT_FORMAT, ChecklistTemplate, Item, Rule, Section, TemplateCase, TemplateVersion

__all__ = [
    "DOCUMENT_FORMAT",
    "Assessment",
    "AuditEvent",
    "ChecklistTemplate",
    "ImmutableRecordError",
    "Item",
    "Patient",
    "Rule",
    "Section",
    "Signature",
    "TemplateCase",
    "TemplateVersion",
    "fold_for_search",
]
