"""A published checklist with a small Spanish translation, for the tests of pages in Spanish.

Built from the default template document, so it does not depend on how far the
shipped Spanish wording has got; it covers what worked example 4 (twitching hands
with weakness and wasting) shows.
"""

from __future__ import annotations

import json
from typing import Any

from evaluation.audit import Actor
from evaluation.models import TemplateVersion
from evaluation.services.templates import DEFAULT_TEMPLATE_FILE, template_import, template_publish

CASE = "Worked example 4"

SPANISH: dict[str, Any] = {
    "template": {"title": "Fasciculaciones y calambres"},
    "sections": {
        "symptoms": {"title": "Síntomas actuales (anamnesis)"},
        "red_flags": {"title": "Signos de alarma (anamnesis)"},
    },
    "items": {
        "fasciculations": {"label": "Fasciculaciones (contracciones musculares finas)"},
        "fasciculation_frequency": {"choices": {"daily": "A diario"}},
    },
    "rules": {
        "red_flag:rf_weakness": {"title": "Debilidad muscular",
                                 "patient_text": "Debilidad muscular: por ejemplo, se le caen las cosas o tropieza"},
        "red_flag:rf_sensory_loss": {"patient_text": "Pérdida de sensibilidad: adormecimiento o menos sensibilidad"},
        "red_flag:rf_atrophy": {"title": "Cambio en el tamaño de un músculo (atrofia)",
                                "patient_text": "Cambios en el tamaño de un músculo: un músculo más delgado"},
        "red_flag:rf_progressive": {"title": "Síntomas que empeoran progresivamente",
                                    "patient_text": "Síntomas que empeoran poco a poco"},
        "red_flag:rf_persistent_pain": {"patient_text": "Dolor persistente que le dificulta las actividades diarias"},
        "red_flag:objective_weakness": {
            "title": "Debilidad en la exploración (grado MRC menor de 5)",
            "patient_text": "Debilidad muscular: por ejemplo, se le caen las cosas o tropieza"},
        "red_flag:exam_atrophy": {"title": "Atrofia muscular en la exploración",
                                  "patient_text": "Cambios en el tamaño de un músculo: un músculo más delgado"},
        "test:emg": {"title": "Electromiografía (EMG)",
                     "patient_text": "una electromiografía (EMG), que mide la actividad eléctrica de los músculos"},
        "test:ncv": {"title": "Estudios de conducción nerviosa",
                     "patient_text": "estudios de conducción nerviosa, que miden cómo transmiten los nervios"},
        "test:electrolytes": {"title": "Electrolitos: sodio, potasio, calcio, magnesio",
                              "patient_text": "sales y minerales"},
        "test:kidney_panel": {"title": "Función renal: creatinina, FGe, urea", "patient_text": "función del riñón"},
        "test:thyroid_panel": {"title": "Función tiroidea: TSH, T4 libre", "patient_text": "tiroides"},
        "test:liver_panel": {"title": "Función hepática: ALT, AST, FA, bilirrubina, albúmina",
                             "patient_text": "función del hígado"},
        "referral:neurology_referral": {"title": "Derivación a neurología",
                                        "patient_text": "una cita con un especialista en neurología"},
        "advice:safety_net": {"title": "Volver si aparecen signos de alarma",
                              "patient_text": "Póngase en contacto con nosotros o consulte a un médico si nota:"},
    },
}


def spanish_document() -> dict[str, Any]:
    document = json.loads(DEFAULT_TEMPLATE_FILE.read_text(encoding="utf-8"))
    document["translations"] = {"es": SPANISH}
    return document


def publish_spanish_version() -> TemplateVersion:
    """The default checklist with the Spanish above, published (the newest version of its template)."""
    version = template_import(document=spanish_document(), actor=Actor.system())
    return template_publish(version=version, actor=Actor.system())
