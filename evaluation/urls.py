from django.urls import include, path

from .views import assessments, audit, autosave, patients, reports, session, signing

app_name = "evaluation"

urlpatterns = [
    path("", patients.home, name="home"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<uuid:pk>/", patients.patient_detail, name="patient_detail"),
    path("patients/<uuid:pk>/edit/", patients.patient_edit, name="patient_edit"),
    path("patients/<uuid:pk>/access/", patients.patient_access_log, name="patient_access_log"),
    path("patients/<uuid:pk>/assessments/new/", assessments.assessment_create, name="assessment_create"),
    path("assessments/<uuid:pk>/", assessments.assessment_detail, name="assessment_detail"),
    path("assessments/<uuid:pk>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("assessments/<uuid:pk>/autosave/", autosave.assessment_autosave, name="assessment_autosave"),
    path("assessments/<uuid:pk>/suggestions/", assessments.assessment_suggest, name="assessment_suggest"),
    path("assessments/<uuid:pk>/review/", signing.assessment_review, name="assessment_review"),
    path("assessments/<uuid:pk>/sign/", signing.assessment_sign, name="assessment_sign"),
    path("assessments/<uuid:pk>/amend/", assessments.assessment_amend, name="assessment_amend"),
    path("assessments/<uuid:pk>/revisions/<int:number>/", assessments.assessment_revision,
         name="assessment_revision"),
    path("assessments/<uuid:pk>/summary.pdf", reports.assessment_pdf, name="assessment_pdf"),
    path("assessments/<uuid:pk>/handout.pdf", reports.assessment_handout, name="assessment_handout"),
    path("session/status/", session.session_status, name="session_status"),
    path("session/keepalive/", session.session_keepalive, name="session_keepalive"),
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit.csv", audit.audit_csv, name="audit_csv"),
    path("authoring/", include("evaluation.authoring.urls")),
]
