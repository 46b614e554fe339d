from django.urls import path, re_path

from .views import BundleView, MetadataView, PatientView, QuestionnaireResponseView, QuestionnaireView, not_found

app_name = "fhir"

urlpatterns = [
    path("metadata", MetadataView.as_view(), name="metadata"),
    re_path(r"^Questionnaire/(?P<slug>[-a-zA-Z0-9_]+)-(?P<number>[0-9]{1,9})$", QuestionnaireView.as_view(),
            name="questionnaire"),
    path("QuestionnaireResponse/<uuid:pk>", QuestionnaireResponseView.as_view(), name="questionnaire_response"),
    path("Bundle/<uuid:pk>", BundleView.as_view(), name="bundle"),
    path("Patient/<uuid:pk>", PatientView.as_view(), name="patient"),
    re_path(r"^[\s\S]*$", not_found),  # not ".": an address with a newline in it is still caught
]
