"""HTML -> PDF with WeasyPrint. (Minimal first cut; the full report comes with the PDF issue.)"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML


def render_summary_pdf(assessment: Any, signature: Any = None) -> bytes:
    html = render_to_string("evaluation/pdf/summary.html", {"assessment": assessment, "signature": signature})
    return HTML(string=html).write_pdf()


def render_handout_pdf(assessment: Any) -> bytes:
    html = render_to_string("evaluation/pdf/handout.html", {"assessment": assessment})
    return HTML(string=html).write_pdf()
