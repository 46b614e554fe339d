"""Each page's title (the browser tab, what a screen reader announces first) names the page, then the clinic."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import make_patient

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def title_of(response) -> str:
    [title] = re.findall(r"<title>(.*?)</title>", response.content.decode(), re.S)
    return title


def test_it_names_the_page_then_the_clinic(clinician_client, clinician):
    patient = make_patient(clinician, family_name="Ortega", given_name="Inés")
    clinic = settings.CLINIC_NAME
    assert title_of(clinician_client.get(reverse("evaluation:patient_list"))) == f"Patients · {clinic}"
    assert title_of(clinician_client.get(patient.get_absolute_url())) == f"ORTEGA, Inés · {clinic}"
    assert title_of(Client().get(reverse("login"))) == f"Sign in · {clinic}"


def test_it_has_every_page_extending_base_name_itself():
    """The separator is written unconditionally, so no page may leave its title block out."""
    pages = [path for path in TEMPLATES.rglob("*.html") if '{% extends "base.html" %}' in path.read_text()]
    assert len(pages) > 10
    untitled = [str(path.relative_to(TEMPLATES)) for path in pages
                if not re.search(r"{% block title %}\S", path.read_text())]
    assert untitled == []
